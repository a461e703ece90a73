// mmap of a file descriptor (called by sysMmap in memory.cpp for non-anonymous mappings).
#pragma once

#include <stdint.h>

namespace uk::sys {

// Maps `length` bytes of the file open as `fd`, from `offset`, with mmap's prot and flags.
// Returns the address or -errno (EBADF, EACCES, ENODEV, EINVAL, ENOMEM).
int64_t mapFileDescriptor(uint64_t addr, uint64_t length, uint32_t prot, uint32_t flags, int fd,
                          uint64_t offset);

} // namespace uk::sys
