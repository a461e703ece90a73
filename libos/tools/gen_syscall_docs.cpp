// Writes docs/syscalls.md from the one definition of each system call: the UK_SYSCALL
// registrations in libos/src/syscalls/*.cpp, joined with the Linux x86_64 number table
// (linux_syscalls.def). With --check it compares instead of writing and fails if the
// committed file is stale. With --table it writes instead the C++ initializer list the
// toolchain compiles in ({number, "name", state} per Linux system call; state 'i'
// implemented, 'p' partial, 'n' accepted no-op, '-' ENOSYS), so `uk build` can name the
// system calls a program may make that uk does not implement.
//
//   gen_syscall_docs SYSCALLS_DIR OUTPUT [--check | --table]
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Registration {
    std::string name, support, note, file;
    bool beforeStart = false; // UK_SYSCALL_BEFORE_START
};

std::string readAll(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + p.string());
    }
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The text between the parentheses of a macro call starting at `open` (which points at
// '('), honouring string literals.
std::string macroArguments(const std::string& text, size_t open, size_t* end) {
    int depth = 0;
    bool inString = false;
    for (size_t i = open; i < text.size(); ++i) {
        char c = text[i];
        if (inString) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                inString = false;
            }
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '(') {
            ++depth;
        } else if (c == ')' && --depth == 0) {
            *end = i;
            return text.substr(open + 1, i - open - 1);
        }
    }
    throw std::runtime_error("unterminated UK_SYSCALL(");
}

// Splits on top-level commas (not inside string literals).
std::vector<std::string> splitArguments(const std::string& args) {
    std::vector<std::string> out(1);
    bool inString = false;
    for (size_t i = 0; i < args.size(); ++i) {
        char c = args[i];
        if (inString) {
            out.back() += c;
            if (c == '\\' && i + 1 < args.size()) {
                out.back() += args[++i];
            } else if (c == '"') {
                inString = false;
            }
            continue;
        }
        if (c == '"') {
            inString = true;
        }
        if (c == ',') {
            out.emplace_back();
        } else {
            out.back() += c;
        }
    }
    return out;
}

std::string trim(const std::string& s) {
    size_t a = s.find_first_not_of(" \t\r\n");
    size_t b = s.find_last_not_of(" \t\r\n");
    return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// Concatenates adjacent string literals ("a" "b" -> ab), unescaping \" and \\.
std::string stringLiterals(const std::string& s) {
    std::string out;
    bool inString = false;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (!inString) {
            if (c == '"') {
                inString = true;
            }
            continue;
        }
        if (c == '\\' && i + 1 < s.size()) {
            out += s[++i];
        } else if (c == '"') {
            inString = false;
        } else {
            out += c;
        }
    }
    return out;
}

std::vector<Registration> scan(const fs::path& dir) {
    std::vector<Registration> regs;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.path().extension() == ".cpp") {
            files.push_back(e.path());
        }
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        std::string text = readAll(f);
        for (const std::string macro : {"UK_SYSCALL", "UK_SYSCALL_BEFORE_START"}) {
            size_t pos = 0;
            while ((pos = text.find(macro + "(", pos)) != std::string::npos) {
                size_t end;
                auto args = splitArguments(macroArguments(text, pos + macro.size(), &end));
                if (args.size() < 4) {
                    throw std::runtime_error(f.string() + ": " + macro + " needs 4 arguments");
                }
                std::string note;
                for (size_t i = 3; i < args.size(); ++i) {
                    note += (i > 3 ? "," : "") + args[i];
                }
                regs.push_back({trim(args[0]), trim(args[2]), stringLiterals(note),
                                "libos/src/syscalls/" + f.filename().string(),
                                macro == "UK_SYSCALL_BEFORE_START"});
                pos = end;
            }
        }
    }
    return regs;
}

std::map<int, std::string> linuxTable(const fs::path& def) {
    std::map<int, std::string> table;
    std::regex line(R"(UK_LINUX_SYSCALL\((\d+),\s*(\w+)\))");
    std::string text = readAll(def);
    for (std::sregex_iterator it(text.begin(), text.end(), line), end; it != end; ++it) {
        table[std::stoi((*it)[1])] = (*it)[2];
    }
    return table;
}

std::string escapeCell(const std::string& s) {
    std::string out;
    for (char c : s) {
        out += c == '|' ? std::string("\\|") : std::string(1, c);
    }
    return out;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s SYSCALLS_DIR OUTPUT [--check]\n", argv[0]);
        return 2;
    }
    bool check = argc > 3 && std::string(argv[3]) == "--check";
    bool tableMode = argc > 3 && std::string(argv[3]) == "--table";
    try {
        fs::path dir = argv[1];
        auto regs = scan(dir);
        auto table = linuxTable(dir / "linux_syscalls.def");
        std::map<std::string, Registration> byName;
        for (const auto& r : regs) {
            bool known = false;
            for (const auto& [nr, name] : table) {
                known = known || name == r.name;
            }
            if (!known) {
                throw std::runtime_error(r.file + ": " + r.name +
                                         " is not a Linux x86_64 system call");
            }
            if (!byName.emplace(r.name, r).second) {
                throw std::runtime_error(r.file + ": " + r.name + " is registered twice");
            }
        }
        if (tableMode) {
            std::ostringstream inc;
            inc << "// Generated by gen_syscall_docs --table from libos/src/syscalls: do not "
                   "edit.\n";
            for (const auto& [nr, name] : table) {
                auto it = byName.find(name);
                char state = it == byName.end()                    ? '-'
                             : it->second.support == "Implemented" ? 'i'
                             : it->second.support == "Partial"     ? 'p'
                                                                   : 'n';
                inc << "{" << nr << ", \"" << name << "\", '" << state << "'},\n";
            }
            std::string text = inc.str();
            fs::path out = argv[2];
            if (!fs::exists(out) || readAll(out) != text) { // keep the timestamp if unchanged
                std::ofstream(out, std::ios::binary) << text;
            }
            return 0;
        }
        std::map<std::string, int> counts;
        std::ostringstream rows;
        for (const auto& [nr, name] : table) {
            auto it = byName.find(name);
            std::string state = "ENOSYS", note, source, beforeStart;
            if (it != byName.end()) {
                const auto& r = it->second;
                state = r.support == "Implemented" ? "implemented"
                        : r.support == "Partial"   ? "partial"
                        : r.support == "NoOp"
                            ? "accepted no-op"
                            : throw std::runtime_error(r.name + ": bad support " + r.support);
                note = r.note;
                source = "[" + r.file.substr(r.file.rfind('/') + 1) + "](../" + r.file + ")";
                beforeStart = r.beforeStart ? "yes" : "";
            }
            ++counts[state];
            rows << "| " << nr << " | `" << name << "` | " << state << " | " << beforeStart << " | "
                 << escapeCell(note) << " | " << source << " |\n";
        }
        std::ostringstream doc;
        doc << "# System calls\n\n"
            << "Generated from the `UK_SYSCALL` registrations in `libos/src/syscalls/` and the\n"
            << "Linux x86_64 table in `libos/src/syscalls/linux_syscalls.def` by\n"
            << "`ninja -C build syscall-docs`. Do not edit by hand: a test fails when this file\n"
            << "and the source disagree.\n\n"
            << "States: **implemented** (Linux semantics), **partial** (the notes say what is\n"
            << "missing), **accepted no-op** (succeeds and does nothing, which is honest here; "
               "the\n"
            << "notes say why), **ENOSYS** (returns -ENOSYS and the library OS prints one line\n"
            << "naming the call, once per call number).\n\n"
            << "**Before start**: the calls registered with `UK_SYSCALL_BEFORE_START`, which a\n"
            << "program may make while it runs ahead of a container's start (`uk run\n"
            << "--start-gate`): their effects stay inside the guest and their results do not\n"
            << "depend on the start. The first call without it waits for the start.\n\n"
            << "Of " << table.size() << " x86_64 system calls: " << counts["implemented"]
            << " implemented, " << counts["partial"] << " partial, " << counts["accepted no-op"]
            << " accepted no-ops, " << counts["ENOSYS"] << " ENOSYS.\n\n"
            << "| # | name | state | before start | notes | source |\n"
            << "|---|------|-------|--------------|-------|--------|\n"
            << rows.str();
        fs::path out = argv[2];
        if (check) {
            std::string current = fs::exists(out) ? readAll(out) : "";
            if (current != doc.str()) {
                std::fprintf(stderr,
                             "%s is out of date with the UK_SYSCALL registrations; run "
                             "`ninja -C build syscall-docs` and commit the result\n",
                             out.c_str());
                return 1;
            }
            return 0;
        }
        std::ofstream(out, std::ios::binary) << doc.str();
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "gen_syscall_docs: %s\n", e.what());
        return 1;
    }
}
