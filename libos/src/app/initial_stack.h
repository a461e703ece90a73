// Builds the stack a Linux x86_64 process starts with: argc, argv, envp, the auxiliary
// vector, and the strings and blobs they point to (System V ABI, "Process Initialization").
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::app {

struct AuxEntry {
    uint64_t key;
    uint64_t value;
};

struct InitialStackSpec {
    const char* const* argv;
    size_t argc;
    const char* const* envp;
    size_t envc;
    const AuxEntry* aux; // without AT_NULL, AT_RANDOM, AT_PLATFORM, AT_EXECFN, AT_PHDR
    size_t auxc;
    const uint8_t* random16; // AT_RANDOM bytes
    const char* platform;    // AT_PLATFORM string
    const char* execfn;      // AT_EXECFN string
    const void* phdrs;       // copied onto the stack; AT_PHDR points at the copy (may be null)
    size_t phdrsSize;
};

// Writes the stack below `top`, where `top` is a pointer to memory the process will see at
// address `topVirt` (the same in the guest; different in host tests). At most `room` bytes
// are used. Returns the initial stack pointer (16-byte aligned, pointing at argc), or 0 if it
// does not fit.
uint64_t buildInitialStack(const InitialStackSpec& spec, char* top, uint64_t topVirt, size_t room);

} // namespace uk::app
