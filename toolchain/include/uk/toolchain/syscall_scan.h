// Which Linux system calls a linked program can make, found in its machine code, so that an
// image links only the parts of the library OS those calls need.
//
// Input is `llvm-objdump -d --no-show-raw-insn` of the program's code (functions labelled,
// as in an unstripped static link). For every `syscall` instruction the number in %rax is
// traced backwards through the function's control flow: to constants (`mov $N`, `xor`), to
// register copies, or to one of the function's argument registers. A function whose number
// is its argument (musl's syscall(), __syscall_cp, ...) is a wrapper: its direct call sites
// are traced the same way, through wrappers of wrappers. Anything else (a number loaded
// from memory, a wrapper whose address is taken, a jump table in the way) makes the result
// incomplete, and the caller must then keep every system call: the scan never guesses.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace uk::toolchain {

struct SyscallScan {
    bool complete = true;   // every syscall site was resolved
    std::set<int> numbers;  // the system call numbers found (all of them, if complete)
    std::string unresolved; // where and why, when not complete (for uk build -v)
    int sites = 0;          // `syscall` instructions seen
    int wrappers = 0;       // functions found to take the number as an argument
};

SyscallScan scanSyscalls(std::string_view disassembly);

// What `uk build` says about a scan: `warning` (empty when there is nothing to warn about)
// names the system calls the program can make that the library OS does not implement;
// `details` (for -v) lists every call found, or why the list is incomplete.
struct SyscallReport {
    std::string warning;
    std::string details;
};
SyscallReport reportSyscalls(const SyscallScan& scan);

// The names of every system call the library OS implements (its uk_syscall_NAME symbols).
const std::vector<std::string>& implementedSyscalls();

// Which of the library OS's system call handlers an image needs: the names of those uk
// implements among the calls found, or nullopt for all of them (the scan is incomplete, or
// the program can execve another program, which may make any call). *why says which, for -v.
std::optional<std::vector<std::string>> syscallsToLink(const SyscallScan& scan, std::string* why);

} // namespace uk::toolchain
