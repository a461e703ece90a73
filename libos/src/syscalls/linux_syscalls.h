// Linux x86_64 system call numbers, from linux_syscalls.def.
#pragma once

#include <stdint.h>

namespace uk::sys {

namespace nr {
enum : uint16_t {
#define UK_LINUX_SYSCALL(number, name) name = number,
#include "linux_syscalls.def"
#undef UK_LINUX_SYSCALL
};
} // namespace nr

inline constexpr unsigned kSyscallTableSize = 463;

// The Linux name of a system call number; nullptr for numbers Linux does not assign.
const char* linuxSyscallName(unsigned number);

} // namespace uk::sys
