#include <uk/toolchain/syscall_scan.h>

namespace uk::toolchain {

namespace {

struct SyscallInfo {
    int number;
    const char* name;
    char state; // 'i' implemented, 'p' partial, 'n' accepted no-op, '-' ENOSYS
};

// Generated from the library OS's UK_SYSCALL registrations (toolchain/CMakeLists.txt).
constexpr SyscallInfo kSyscalls[] = {
#include <uk/toolchain/syscall_table.inc>
};

const SyscallInfo* find(int number) {
    for (const SyscallInfo& s : kSyscalls) {
        if (s.number == number) {
            return &s;
        }
    }
    return nullptr;
}

std::string nameOf(int number) {
    const SyscallInfo* s = find(number);
    return s != nullptr ? std::string(s->name) + " (" + std::to_string(number) + ")"
                        : "number " + std::to_string(number) + " (not a Linux x86_64 call)";
}

} // namespace

SyscallReport reportSyscalls(const SyscallScan& scan) {
    SyscallReport report;
    std::string missing;
    for (int n : scan.numbers) {
        const SyscallInfo* s = find(n);
        if (s == nullptr || s->state == '-') {
            missing += (missing.empty() ? "" : ", ") + nameOf(n);
        }
    }
    if (!missing.empty()) {
        report.warning = "the program can make system calls that uk does not implement (they "
                         "fail with ENOSYS and a notice at run time): " +
                         missing;
    }
    std::string list;
    for (int n : scan.numbers) {
        const SyscallInfo* s = find(n);
        list += std::string(list.empty() ? "" : " ") + (s != nullptr ? s->name : nameOf(n));
    }
    report.details = "system calls the program can make (" + std::to_string(scan.numbers.size()) +
                     ", from " + std::to_string(scan.sites) + " call sites): " + list;
    if (!scan.complete) {
        report.details += "\n# the list may be incomplete: " + scan.unresolved;
    }
    return report;
}

const std::vector<std::string>& implementedSyscalls() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const SyscallInfo& s : kSyscalls) {
            if (s.state != '-') {
                v.emplace_back(s.name);
            }
        }
        return v;
    }();
    return names;
}

std::optional<std::vector<std::string>> syscallsToLink(const SyscallScan& scan, std::string* why) {
    if (!scan.complete) {
        *why = "every system call handler: the program's calls could not all be found (" +
               scan.unresolved + ")";
        return std::nullopt;
    }
    for (int n : scan.numbers) {
        const SyscallInfo* s = find(n);
        if (s != nullptr &&
            (std::string_view(s->name) == "execve" || std::string_view(s->name) == "execveat")) {
            *why = "every system call handler: the program can run other programs (execve)";
            return std::nullopt;
        }
    }
    std::vector<std::string> names;
    int known = 0;
    for (const SyscallInfo& s : kSyscalls) {
        known += s.state != '-';
        if (s.state != '-' && scan.numbers.count(s.number) != 0) {
            names.emplace_back(s.name);
        }
    }
    *why = std::to_string(names.size()) + " of uk's " + std::to_string(known) +
           " system call handlers: those the program can make";
    return names;
}

} // namespace uk::toolchain
