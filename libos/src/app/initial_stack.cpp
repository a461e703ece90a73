#include "initial_stack.h"

#include "../elf/elf.h"

namespace uk::app {

namespace {

class StackWriter {
public:
    StackWriter(char* top, uint64_t topVirt, size_t room)
        : top_(top), topVirt_(topVirt), room_(room) {}

    // Copies bytes below the current position; returns their virtual address (0 = no room).
    uint64_t push(const void* data, size_t n) {
        if (!ok_ || n > room_ - used_) {
            ok_ = false;
            return 0;
        }
        used_ += n;
        char* dst = top_ - used_;
        const char* src = static_cast<const char*>(data);
        for (size_t i = 0; i < n; ++i) {
            dst[i] = src[i];
        }
        return topVirt_ - used_;
    }
    uint64_t pushString(const char* s) {
        size_t n = 0;
        while (s[n] != 0) {
            ++n;
        }
        return push(s, n + 1);
    }
    void alignTo(size_t a) {
        size_t pad = (topVirt_ - used_) % a;
        if (pad > room_ - used_) {
            ok_ = false;
            return;
        }
        used_ += pad;
    }
    void pushWord(uint64_t w) { push(&w, sizeof w); }
    bool ok() const { return ok_; }
    uint64_t sp() const { return topVirt_ - used_; }

private:
    char* top_;
    uint64_t topVirt_;
    size_t room_;
    size_t used_ = 0;
    bool ok_ = true;
};

} // namespace

uint64_t buildInitialStack(const InitialStackSpec& spec, char* top, uint64_t topVirt, size_t room) {
    StackWriter w(top, topVirt, room);

    // Strings and blobs first, at the top (Linux puts AT_EXECFN's string highest).
    w.pushWord(0); // end marker
    uint64_t execfn = w.pushString(spec.execfn != nullptr ? spec.execfn : "");
    uint64_t envAddr[256];
    uint64_t argAddr[256];
    if (spec.envc > 256 || spec.argc > 256) {
        return 0;
    }
    for (size_t i = spec.envc; i > 0; --i) {
        envAddr[i - 1] = w.pushString(spec.envp[i - 1]);
    }
    for (size_t i = spec.argc; i > 0; --i) {
        argAddr[i - 1] = w.pushString(spec.argv[i - 1]);
    }
    uint64_t platform = w.pushString(spec.platform != nullptr ? spec.platform : "x86_64");
    w.alignTo(16);
    uint64_t random = w.push(spec.random16, 16);
    uint64_t phdr = 0;
    if (spec.phdrs != nullptr && spec.phdrsSize != 0) {
        w.alignTo(8);
        phdr = w.push(spec.phdrs, spec.phdrsSize);
    }

    // Then the vectors, read upwards from the final stack pointer:
    // argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL.
    size_t auxPairs = spec.auxc + 3 + (phdr != 0 ? 1 : 0) + 1; // + EXECFN, PLATFORM, RANDOM, NULL
    size_t words = 1 + spec.argc + 1 + spec.envc + 1 + 2 * auxPairs;
    // Align so that after pushing `words` words the stack pointer is 16-byte aligned.
    w.alignTo(16);
    if (words % 2 != 0) {
        w.pushWord(0);
    }
    w.pushWord(elf::AT_NULL);
    w.pushWord(0);
    auto pushAux = [&](uint64_t key, uint64_t value) {
        // Pushed in reverse: value first (higher address), then key.
        w.pushWord(value);
        w.pushWord(key);
    };
    pushAux(elf::AT_EXECFN, execfn);
    pushAux(elf::AT_PLATFORM, platform);
    pushAux(elf::AT_RANDOM, random);
    if (phdr != 0) {
        pushAux(elf::AT_PHDR, phdr);
    }
    for (size_t i = spec.auxc; i > 0; --i) {
        pushAux(spec.aux[i - 1].key, spec.aux[i - 1].value);
    }
    w.pushWord(0);
    for (size_t i = spec.envc; i > 0; --i) {
        w.pushWord(envAddr[i - 1]);
    }
    w.pushWord(0);
    for (size_t i = spec.argc; i > 0; --i) {
        w.pushWord(argAddr[i - 1]);
    }
    w.pushWord(spec.argc);
    if (!w.ok() || w.sp() % 16 != 0) {
        return 0;
    }
    return w.sp();
}

} // namespace uk::app
