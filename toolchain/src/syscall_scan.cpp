#include <uk/toolchain/syscall_scan.h>

#include <charconv>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

namespace uk::toolchain {

namespace {

struct Insn {
    uint64_t addr = 0;
    std::string mnemonic;
    std::vector<std::string> operands; // AT&T order: the destination comes last
    std::optional<uint64_t> target;    // direct call/jump target
    std::string comment;               // what follows '#' (objdump's address notes)
};

struct Function {
    std::string name;
    uint64_t start = 0;
    std::vector<Insn> insns;
    bool indirectJump = false;
    std::vector<std::vector<size_t>> preds; // instruction index -> predecessor indices
    std::set<size_t> enteredFromOutside;    // jumped to from another function
};

// ---- parsing --------------------------------------------------------------------------------

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

bool parseHex(std::string_view s, uint64_t* out) {
    if (s.substr(0, 2) == "0x") {
        s.remove_prefix(2);
    }
    if (s.empty()) {
        return false;
    }
    auto r = std::from_chars(s.data(), s.data() + s.size(), *out, 16);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool isPrefix(std::string_view w) {
    static const char* const kPrefixes[] = {
        "rep", "repe", "repz", "repne", "repnz", "lock", "notrack", "data16",   "addr32",  "rex64",
        "bnd", "cs",   "ds",   "es",    "fs",    "gs",   "ss",      "xacquire", "xrelease"};
    for (const char* p : kPrefixes) {
        if (w == p) {
            return true;
        }
    }
    return false;
}

// Splits operands at top-level commas (not inside parentheses).
std::vector<std::string> splitOperands(std::string_view s) {
    std::vector<std::string> out;
    int depth = 0;
    size_t begin = 0;
    for (size_t i = 0; i <= s.size(); ++i) {
        if (i == s.size() || (s[i] == ',' && depth == 0)) {
            std::string_view op = trim(s.substr(begin, i - begin));
            if (!op.empty()) {
                out.emplace_back(op);
            }
            begin = i + 1;
        } else if (s[i] == '(') {
            ++depth;
        } else if (s[i] == ')') {
            --depth;
        }
    }
    return out;
}

// "  400690:      \tmovslq\t%edi, %rdi  # comment"
std::optional<Insn> parseInsn(std::string_view line) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
        return std::nullopt;
    }
    Insn in;
    if (!parseHex(trim(line.substr(0, colon)), &in.addr)) {
        return std::nullopt;
    }
    std::string_view rest = line.substr(colon + 1);
    size_t hash = rest.find('#');
    if (hash != std::string_view::npos) {
        in.comment = std::string(trim(rest.substr(hash + 1)));
        rest = rest.substr(0, hash);
    }
    rest = trim(rest);
    // The mnemonic, after any prefixes.
    for (;;) {
        size_t end = rest.find_first_of(" \t");
        std::string_view word = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : trim(rest.substr(end));
        if (isPrefix(word) && !rest.empty()) {
            in.mnemonic += std::string(word) + " ";
            continue;
        }
        in.mnemonic += std::string(word);
        break;
    }
    if (in.mnemonic.empty()) {
        return std::nullopt;
    }
    // A direct branch target: "0x400ca0 <dummy>".
    if (!rest.empty() && rest[0] != '*' && rest[0] != '$' && rest[0] != '%') {
        size_t sp = rest.find(' ');
        uint64_t t;
        if (parseHex(rest.substr(0, sp), &t) && rest.find('<') != std::string_view::npos) {
            in.target = t;
            return in;
        }
    }
    in.operands = splitOperands(rest);
    return in;
}

// ---- registers -------------------------------------------------------------------------------

enum Reg : int { RAX, RBX, RCX, RDX, RSI, RDI, RBP, RSP, R8, R9, R10, R11, R12, R13, R14, R15 };
constexpr int kNoReg = -1;
const char* const kRegNames[] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
                                 "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};

// The general-purpose register family of an operand such as "%eax" or "%r9d", or kNoReg.
int regFamily(std::string_view op) {
    if (op.size() < 3 || op[0] != '%') {
        return kNoReg;
    }
    std::string_view r = op.substr(1);
    struct Alias {
        const char* name;
        int family;
    };
    static const Alias kAliases[] = {
        {"rax", RAX}, {"eax", RAX}, {"ax", RAX},  {"al", RAX},  {"ah", RAX},  {"rbx", RBX},
        {"ebx", RBX}, {"bx", RBX},  {"bl", RBX},  {"bh", RBX},  {"rcx", RCX}, {"ecx", RCX},
        {"cx", RCX},  {"cl", RCX},  {"ch", RCX},  {"rdx", RDX}, {"edx", RDX}, {"dx", RDX},
        {"dl", RDX},  {"dh", RDX},  {"rsi", RSI}, {"esi", RSI}, {"si", RSI},  {"sil", RSI},
        {"rdi", RDI}, {"edi", RDI}, {"di", RDI},  {"dil", RDI}, {"rbp", RBP}, {"ebp", RBP},
        {"bp", RBP},  {"bpl", RBP}, {"rsp", RSP}, {"esp", RSP}, {"sp", RSP},  {"spl", RSP},
    };
    for (const Alias& a : kAliases) {
        if (r == a.name) {
            return a.family;
        }
    }
    // r8..r15 with an optional d/w/b suffix.
    if (r[0] == 'r' && r[1] >= '0' && r[1] <= '9') {
        size_t n = 1;
        int num = 0;
        while (n < r.size() && r[n] >= '0' && r[n] <= '9') {
            num = num * 10 + (r[n] - '0');
            ++n;
        }
        std::string_view suffix = r.substr(n);
        if (num >= 8 && num <= 15 &&
            (suffix.empty() || suffix == "d" || suffix == "w" || suffix == "b")) {
            return R8 + (num - 8);
        }
    }
    return kNoReg;
}

bool isArgumentRegister(int reg) {
    return reg == RDI || reg == RSI || reg == RDX || reg == RCX || reg == R8 || reg == R9;
}

bool startsWith(std::string_view s, std::string_view p) {
    return s.substr(0, p.size()) == p;
}

std::string_view baseMnemonic(const Insn& in) {
    std::string_view m = in.mnemonic;
    size_t sp = m.rfind(' ');
    return sp == std::string_view::npos ? m : m.substr(sp + 1);
}

bool isUnconditionalJump(std::string_view m) {
    return m == "jmp" || m == "jmpq" || m == "jmpl";
}
bool isJump(std::string_view m) {
    return m.size() >= 2 && m[0] == 'j';
}
bool isCall(std::string_view m) {
    return m == "call" || m == "callq" || m == "calll";
}
bool endsFlow(std::string_view m) {
    return isUnconditionalJump(m) || startsWith(m, "ret") || m == "ud2";
}

bool parseImmediate(std::string_view op, int64_t* out) {
    if (op.empty() || op[0] != '$') {
        return false;
    }
    op.remove_prefix(1);
    bool neg = !op.empty() && op[0] == '-';
    if (neg) {
        op.remove_prefix(1);
    }
    uint64_t v = 0;
    std::from_chars_result r;
    if (startsWith(op, "0x")) {
        r = std::from_chars(op.data() + 2, op.data() + op.size(), v, 16);
    } else {
        r = std::from_chars(op.data(), op.data() + op.size(), v, 10);
    }
    if (r.ec != std::errc() || r.ptr != op.data() + op.size()) {
        return false;
    }
    *out = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
    return true;
}

// ---- what an instruction does to one register -------------------------------------------------

// LowConst: the low byte or word set to `value`, the rest kept (musl's `xor %eax,%eax;
// mov $56,%al`): resolved when the rest is known to be zero.
enum class DefKind { None, Const, LowConst, Copy, Unknown };
struct Def {
    DefKind kind = DefKind::None;
    int64_t value = 0;
    int src = kNoReg;
};

bool mentions(const Insn& in, int reg) {
    for (const auto& op : in.operands) {
        if (regFamily(op) == reg) {
            return true;
        }
    }
    return false;
}

Def defOf(const Insn& in, int reg) {
    std::string_view m = baseMnemonic(in);
    const Def none{}, unknown{DefKind::Unknown, 0, kNoReg};
    auto among = [&](std::initializer_list<int> regs) {
        for (int r : regs) {
            if (r == reg) {
                return true;
            }
        }
        return false;
    };
    if (isCall(m)) {
        return among({RAX, RCX, RDX, RSI, RDI, R8, R9, R10, R11}) ? unknown : none;
    }
    if (m == "syscall") {
        return among({RAX, RCX, R11}) ? unknown : none;
    }
    if (isJump(m) || startsWith(m, "ret") || startsWith(m, "nop") || startsWith(m, "cmp") ||
        startsWith(m, "test") || startsWith(m, "push") || startsWith(m, "prefetch") ||
        startsWith(m, "ucomis") || startsWith(m, "comis") || startsWith(m, "vucomis") ||
        m == "bt" || m == "btl" || m == "btq" || m == "ud2" || m == "hlt" || m == "pause" ||
        m == "lfence" || m == "mfence" || m == "sfence" || m == "endbr64" || m == "int3" ||
        m == "cld" || m == "std" || m == "clc" || m == "stc") {
        // cmpxchg and cmps are handled below: they write.
        if (!startsWith(m, "cmpxchg") && !startsWith(m, "cmps")) {
            return none;
        }
    }
    // Implicit writes.
    if (m == "cltq" || m == "cwtl" || m == "cbtw" || m == "cdqe") {
        return reg == RAX ? unknown : none;
    }
    if (m == "cqto" || m == "cltd" || m == "cwtd" || m == "cqo" || m == "cdq") {
        return reg == RDX ? unknown : none;
    }
    if (m == "cpuid") {
        return among({RAX, RBX, RCX, RDX}) ? unknown : none;
    }
    if (m == "rdtsc" || m == "rdmsr" || m == "xgetbv" || m == "rdpmc") {
        return among({RAX, RDX}) ? unknown : none;
    }
    if (m == "rdtscp") {
        return among({RAX, RDX, RCX}) ? unknown : none;
    }
    if (m == "leave" || m == "leaveq" || startsWith(m, "enter")) {
        return among({RBP, RSP}) ? unknown : none;
    }
    if (startsWith(m, "loop")) {
        return reg == RCX ? unknown : none;
    }
    if (startsWith(m, "movs") && in.operands.size() == 2 &&
        in.operands[0].find('(') != std::string::npos &&
        in.operands[1].find('(') != std::string::npos) {
        return among({RSI, RDI, RCX}) ? unknown : none; // string move, maybe with rep
    }
    if (startsWith(m, "stos") || startsWith(m, "lods") || startsWith(m, "scas") ||
        startsWith(m, "cmps")) {
        return among({RAX, RSI, RDI, RCX}) ? unknown : none;
    }
    if ((startsWith(m, "mul") || startsWith(m, "div") || startsWith(m, "idiv") ||
         startsWith(m, "imul")) &&
        in.operands.size() <= 1) {
        return among({RAX, RDX}) || mentions(in, reg) ? unknown : none;
    }
    if (startsWith(m, "xchg") || startsWith(m, "xadd") || startsWith(m, "cmpxchg")) {
        return mentions(in, reg) || (startsWith(m, "cmpxchg") && reg == RAX) ? unknown : none;
    }
    if (in.operands.empty()) {
        return none;
    }
    int dst = regFamily(in.operands.back());
    if (dst != reg) {
        return none;
    }
    // A full write of the register by a plain move.
    if (m == "mov" || m == "movl" || m == "movq" || m == "movabsq" || m == "movabs") {
        if (in.operands.size() != 2) {
            return unknown;
        }
        int64_t imm;
        if (parseImmediate(in.operands[0], &imm)) {
            return Def{DefKind::Const, imm, kNoReg};
        }
        int src = regFamily(in.operands[0]);
        if (src != kNoReg) {
            return Def{DefKind::Copy, 0, src};
        }
        return unknown;
    }
    if ((startsWith(m, "xor") || startsWith(m, "sub")) && in.operands.size() == 2 &&
        in.operands[0] == in.operands[1]) {
        return Def{DefKind::Const, 0, kNoReg};
    }
    if ((m == "movb" || m == "movw") && in.operands.size() == 2) {
        int64_t imm;
        if (parseImmediate(in.operands[0], &imm)) {
            return Def{DefKind::LowConst, imm & (m == "movb" ? 0xff : 0xffff), kNoReg};
        }
    }
    return unknown;
}

// ---- control flow -----------------------------------------------------------------------------

void buildPredecessors(Function& f) {
    std::map<uint64_t, size_t> index;
    for (size_t i = 0; i < f.insns.size(); ++i) {
        index[f.insns[i].addr] = i;
    }
    f.preds.assign(f.insns.size(), {});
    for (size_t i = 0; i < f.insns.size(); ++i) {
        std::string_view m = baseMnemonic(f.insns[i]);
        if (i + 1 < f.insns.size() && !endsFlow(m)) {
            f.preds[i + 1].push_back(i);
        }
        if (isJump(m)) {
            if (f.insns[i].target) {
                auto it = index.find(*f.insns[i].target);
                if (it != index.end()) {
                    f.preds[it->second].push_back(i);
                }
            } else {
                f.indirectJump = true; // a jump table: predecessors unknown
            }
        }
    }
}

struct Trace {
    std::set<int64_t> constants;
    std::set<int> params;
    bool unknown = false;
    std::string why;
};

// On the edge from instruction `from` to `to`, is `reg` known to equal a constant because of
// the branch taken? Compilers reuse a register tested against zero (`test %rax,%rax; je`)
// instead of loading the constant again.
std::optional<int64_t> valueOnEdge(const Function& f, size_t from, size_t to, int reg) {
    const Insn& j = f.insns[from];
    std::string_view m = baseMnemonic(j);
    bool taken = j.target && to < f.insns.size() && *j.target == f.insns[to].addr && to != from + 1;
    bool equalPath = ((m == "je" || m == "jz") && taken) ||
                     ((m == "jne" || m == "jnz") && !taken && to == from + 1);
    if (!equalPath || from == 0) {
        return std::nullopt;
    }
    const Insn& flags = f.insns[from - 1];
    std::string_view fm = baseMnemonic(flags);
    if (flags.operands.size() != 2 || regFamily(flags.operands[1]) != reg) {
        return std::nullopt;
    }
    if (startsWith(fm, "test") && flags.operands[0] == flags.operands[1]) {
        return 0;
    }
    int64_t imm;
    if (startsWith(fm, "cmp") && parseImmediate(flags.operands[0], &imm)) {
        return imm;
    }
    return std::nullopt;
}

// Where the value of `reg` just before instruction `at` can come from. A search backwards
// over the function's control flow; `low` carries a pending low byte/word (LowConst) whose
// upper bits are still being traced.
Trace traceRegister(const Function& f, size_t at, int reg) {
    Trace t;
    if (f.indirectJump) {
        t.unknown = true;
        t.why = "a jump table in " + f.name;
        return t;
    }
    struct State {
        size_t k;
        int reg;
        int64_t low; // -1: none pending
        int64_t lowMask;
        bool operator<(const State& o) const {
            return std::tie(k, reg, low, lowMask) < std::tie(o.k, o.reg, o.low, o.lowMask);
        }
    };
    std::deque<State> work;
    std::set<State> seen;
    auto found = [&](int64_t value, const State& s) {
        t.constants.insert(s.low >= 0 ? ((value & ~s.lowMask) | s.low) : value);
    };
    auto pushPreds = [&](size_t k, const State& s) {
        if (k == 0) {
            if (isArgumentRegister(s.reg) && s.low < 0) {
                t.params.insert(s.reg);
            } else {
                t.unknown = true;
                t.why = std::string("%") + kRegNames[s.reg] + " at the entry of " + f.name;
            }
            return;
        }
        for (size_t p : f.preds[k]) {
            if (auto v = valueOnEdge(f, p, k, s.reg)) {
                found(*v, s);
                continue;
            }
            State next{p, s.reg, s.low, s.lowMask};
            if (seen.insert(next).second) {
                work.push_back(next);
            }
        }
        if (f.enteredFromOutside.count(k) != 0) {
            t.unknown = true;
            t.why = "code entered from another function in " + f.name;
        }
        // No predecessor at all: padding after a jump, never executed.
    };
    pushPreds(at, State{at, reg, -1, 0});
    while (!work.empty() && !t.unknown) {
        State s = work.front();
        work.pop_front();
        Def d = defOf(f.insns[s.k], s.reg);
        switch (d.kind) {
        case DefKind::None:
            pushPreds(s.k, s);
            break;
        case DefKind::Const:
            found(d.value, s);
            break;
        case DefKind::LowConst: {
            int64_t mask = baseMnemonic(f.insns[s.k]) == "movb" ? 0xff : 0xffff;
            State next = s;
            if (s.low < 0) {
                next.low = d.value;
                next.lowMask = mask;
            }
            pushPreds(s.k, next);
            break;
        }
        case DefKind::Copy:
            pushPreds(s.k, State{s.k, d.src, s.low, s.lowMask});
            break;
        case DefKind::Unknown:
            t.unknown = true;
            t.why = "%" + std::string(kRegNames[s.reg]) + " computed by '" + f.insns[s.k].mnemonic +
                    "' in " + f.name;
            break;
        }
    }
    return t;
}

std::vector<Function> parseFunctions(std::string_view text) {
    std::vector<Function> functions;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        std::string_view line =
            text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        // "0000000000400690 <_Exit>:"
        if (!line.empty() && line[0] != ' ' && line[0] != '\t' && line.back() == ':' &&
            line.find(" <") != std::string_view::npos) {
            size_t lt = line.find(" <");
            Function f;
            if (parseHex(line.substr(0, lt), &f.start)) {
                f.name = std::string(line.substr(lt + 2, line.size() - lt - 4));
                functions.push_back(std::move(f));
            }
            continue;
        }
        if (functions.empty() || line.empty() || (line[0] != ' ' && line[0] != '\t')) {
            continue;
        }
        if (auto in = parseInsn(line)) {
            functions.back().insns.push_back(std::move(*in));
        }
    }
    for (Function& f : functions) {
        buildPredecessors(f);
    }
    // Jumps into the middle of another function (split cold code, shared tails).
    std::map<uint64_t, size_t> byStart;
    for (size_t i = 0; i < functions.size(); ++i) {
        byStart[functions[i].start] = i;
    }
    for (size_t g = 0; g < functions.size(); ++g) {
        for (const Insn& in : functions[g].insns) {
            if (!in.target || !isJump(baseMnemonic(in))) {
                continue;
            }
            auto it = byStart.upper_bound(*in.target);
            if (it == byStart.begin()) {
                continue;
            }
            --it;
            Function& f = functions[it->second];
            if (it->second == g || *in.target == f.start) {
                continue;
            }
            for (size_t k = 0; k < f.insns.size(); ++k) {
                if (f.insns[k].addr == *in.target) {
                    f.enteredFromOutside.insert(k);
                }
            }
        }
    }
    return functions;
}

} // namespace

SyscallScan scanSyscalls(std::string_view disassembly) {
    SyscallScan result;
    std::vector<Function> functions = parseFunctions(disassembly);
    auto fail = [&](const std::string& why) {
        if (result.complete) {
            result.complete = false;
            result.unresolved = why;
        }
    };

    // Wrappers: function start address -> the argument registers carrying the number.
    std::map<uint64_t, std::set<int>> wrappers;
    std::deque<uint64_t> newWrappers;
    auto addParams = [&](const Function& f, const std::set<int>& params) {
        auto& regs = wrappers[f.start];
        size_t before = regs.size();
        regs.insert(params.begin(), params.end());
        if (regs.size() != before) {
            newWrappers.push_back(f.start);
        }
    };
    auto collect = [&](const Function& f, const Trace& t) {
        if (t.unknown) {
            fail(t.why);
        }
        for (int64_t c : t.constants) {
            if (c < 0 || c > 1023) {
                fail("a system call number " + std::to_string(c) + " in " + f.name);
            } else {
                result.numbers.insert(static_cast<int>(c));
            }
        }
        if (!t.params.empty()) {
            addParams(f, t.params);
        }
    };

    for (const Function& f : functions) {
        for (size_t i = 0; i < f.insns.size(); ++i) {
            if (baseMnemonic(f.insns[i]) == "syscall") {
                ++result.sites;
                collect(f, traceRegister(f, i, RAX));
            }
        }
    }
    // Call sites of wrappers, until no new wrapper turns up.
    std::set<std::pair<uint64_t, uint64_t>> doneSites; // (wrapper, call address)
    while (!newWrappers.empty()) {
        uint64_t w = newWrappers.front();
        newWrappers.pop_front();
        for (const Function& f : functions) {
            for (size_t i = 0; i < f.insns.size(); ++i) {
                const Insn& in = f.insns[i];
                std::string_view m = baseMnemonic(in);
                bool direct = (isCall(m) || isJump(m)) && in.target && *in.target == w;
                if (direct && f.start != w) {
                    for (int reg : wrappers[w]) {
                        if (doneSites.insert({w, in.addr * 16 + static_cast<uint64_t>(reg)})
                                .second) {
                            collect(f, traceRegister(f, i, reg));
                        }
                    }
                    continue;
                }
                // The wrapper's address used as data: it may be called from anywhere.
                char hex[32];
                std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(w));
                bool takenInComment =
                    !direct && in.comment.find(std::string(hex) + " <") != std::string::npos;
                bool takenAsImmediate = false;
                for (const auto& op : in.operands) {
                    int64_t v;
                    takenAsImmediate |= parseImmediate(op, &v) && static_cast<uint64_t>(v) == w;
                }
                if (takenInComment || takenAsImmediate) {
                    fail("the address of a system call wrapper is taken in " + f.name);
                }
            }
        }
    }
    result.wrappers = static_cast<int>(wrappers.size());
    return result;
}

} // namespace uk::toolchain
