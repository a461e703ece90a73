// Running a program from the root file system: finding it (PATH lookup for names without a
// slash, as execvp and Docker do), checking it, mapping it and its interpreter (ld.so) into
// the current address space, and the start-up stack with a complete auxiliary vector.
// Used at boot (binary-mode images) and by execve.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../elf/elf.h"

namespace uk::app {

struct LoadedProgram {
    uint64_t entry = 0; // where execution starts: the interpreter's entry, or the program's
    uint64_t programEntry = 0;
    uint64_t phdr = 0; // the program's headers in memory (AT_PHDR)
    uint16_t phnum = 0;
    uint64_t interpBase = 0; // AT_BASE (0 without interpreter)
    uint64_t brk = 0;        // end of the program's highest segment
    char path[256] = {};     // the file that ran, as resolved (AT_EXECFN, /proc/self/exe)
};

// Finds `name` (absolute, relative to the working directory, or a bare name looked up in
// `pathVar`, a PATH value; with pathVar null a bare name is relative too, as for execve) and
// loads it into the current address space. Returns 0, or -errno with *why saying what is wrong
// (for "[uk] cannot run NAME: WHY"): -ENOENT not found, -EACCES not executable, -ENOEXEC not
// a valid x86_64 ELF program (or its interpreter is missing or invalid).
long loadProgram(const char* name, const char* pathVar, LoadedProgram* out, const char** why);

struct StartStack {
    const char* const* argv;
    size_t argc;
    const char* const* envp;
    size_t envc;
};

// Creates the main stack (8 MiB, guard area below) and writes argc/argv/envp/auxv for
// `program`; returns the initial stack pointer (0 on failure). `phdrsCopy` (may be null)
// goes on the stack when the program's headers are not mapped (the linked-in application).
uint64_t buildStartStack(const StartStack& args, const LoadedProgram& program,
                         const elf::Phdr* phdrsCopy, size_t phdrsCount);

} // namespace uk::app
