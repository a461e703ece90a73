// Loading ELF executables into the application's address space: static (ET_EXEC),
// static-PIE and dynamic executables (ET_DYN), and their interpreter (ld.so).
//
// ElfFile checks the headers of a file read through a callback (so it runs on the host in
// unit tests and on any file system in the guest); loadElf maps the segments.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "elf.h"

namespace uk::elf {

// Reads `n` bytes at `offset`; returns the number read (short only at end of file) or -errno.
struct FileReader {
    long (*read)(void* ctx, uint64_t offset, void* dst, size_t n);
    void* ctx;
    uint64_t size;
};

class ElfFile {
public:
    static constexpr int kMaxPhdrs = 64;
    static constexpr size_t kMaxInterp = 256;

    // Reads and validates the ELF header and program headers. On failure, error() says what
    // is wrong in words (for "cannot execute PATH: ...").
    bool open(const FileReader& file);
    const char* error() const { return error_; }

    const Ehdr& header() const { return ehdr_; }
    const Phdr* phdrs() const { return phdrs_; }
    int phnum() const { return phnum_; }
    bool isDynamic() const { return ehdr_.type == 3; } // ET_DYN: needs a load bias
    bool hasInterp() const { return interp_[0] != 0; }
    const char* interp() const { return interp_; }
    bool executableStack() const { return execStack_; }

    // The page-aligned virtual range the PT_LOAD segments span (before any bias).
    uint64_t spanStart() const { return spanStart_; }
    uint64_t spanEnd() const { return spanEnd_; }

private:
    bool fail(const char* why) {
        error_ = why;
        return false;
    }
    Ehdr ehdr_{};
    Phdr phdrs_[kMaxPhdrs]{};
    int phnum_ = 0;
    char interp_[kMaxInterp] = {};
    bool execStack_ = false;
    uint64_t spanStart_ = 0, spanEnd_ = 0;
    const char* error_ = nullptr;
};

struct LoadedImage {
    uint64_t bias = 0;  // added to every p_vaddr (0 for ET_EXEC)
    uint64_t entry = 0; // entry point, biased
    uint64_t phdr = 0;  // program headers as mapped (AT_PHDR), 0 if no segment holds them
    uint16_t phnum = 0;
    uint64_t end = 0; // page-aligned end of the highest segment (where brk starts)
};

// Default places for position-independent code, as on Linux x86_64: the main program (a
// static-PIE or PIE executable) near 0x555555554000; the interpreter goes wherever mmap
// would put it.
inline constexpr uint64_t kPieBase = 0x5555'5555'4000;

// Maps `elf`'s segments: at their addresses (ET_EXEC) or at `preferredBias` if free, else
// wherever mmap would place them (ET_DYN; preferredBias 0 means anywhere). `name` labels
// the areas (static storage). Returns 0 or -errno with *why set.
long loadElf(const ElfFile& elf, const FileReader& file, uint64_t preferredBias, const char* name,
             LoadedImage* out, const char** why);

} // namespace uk::elf
