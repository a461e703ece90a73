#include "loader.h"

#include "../mm/address_space.h"
#include "../syscalls/errno.h"

namespace uk::elf {

namespace {

constexpr uint64_t kPage = 4096;

uint32_t protOf(uint32_t flags) {
    uint32_t prot = 0;
    if (flags & kPfR) {
        prot |= mm::kProtRead;
    }
    if (flags & kPfW) {
        prot |= mm::kProtWrite;
    }
    if (flags & kPfX) {
        prot |= mm::kProtExec;
    }
    return prot;
}

} // namespace

long loadElf(const ElfFile& elf, const FileReader& file, uint64_t preferredBias, const char* name,
             LoadedImage* out, const char** why) {
    auto& as = mm::addressSpace();
    uint64_t span = elf.spanEnd() - elf.spanStart();
    uint64_t bias = 0;
    if (elf.isDynamic()) {
        // Reserve the whole span first, so the segments' relative layout is kept.
        uint64_t hint = preferredBias != 0 ? preferredBias + elf.spanStart() : 0;
        int64_t at =
            as.mapAnonymous(hint, span, mm::kProtNone, mm::kMapPrivate | mm::kMapAnonymous, name);
        if (at < 0) {
            *why = "no room in the address space";
            return at;
        }
        bias = static_cast<uint64_t>(at) - elf.spanStart();
    } else if (!as.areas().isFree(elf.spanStart(), elf.spanEnd())) {
        *why = "its fixed load address is already in use";
        return -ENOMEM;
    }

    for (int i = 0; i < elf.phnum(); ++i) {
        const Phdr& p = elf.phdrs()[i];
        if (p.type != kPtLoad || p.memsz == 0) {
            continue;
        }
        uint64_t start = (p.vaddr + bias) & ~(kPage - 1);
        uint64_t end = (p.vaddr + bias + p.memsz + kPage - 1) & ~(kPage - 1);
        // Writable while the file's bytes go in; its own rights afterwards.
        int64_t r = as.mapAnonymous(start, end - start, mm::kProtRead | mm::kProtWrite,
                                    mm::kMapPrivate | mm::kMapAnonymous | mm::kMapFixed, name);
        if (r < 0) {
            *why = "cannot map a segment";
            return r;
        }
        if (p.filesz > 0) {
            void* dst = reinterpret_cast<void*>(p.vaddr + bias);
            if (!as.populate(start, end)) {
                *why = "out of memory";
                return -ENOMEM;
            }
            long n = file.read(file.ctx, p.offset, dst, p.filesz);
            if (n != static_cast<long>(p.filesz)) {
                *why = "cannot read a segment";
                return n < 0 ? n : -EIO;
            }
        }
        r = as.protect(start, end - start, protOf(p.flags));
        if (r < 0) {
            *why = "cannot set a segment's rights";
            return r;
        }
    }

    out->bias = bias;
    out->entry = elf.header().entry + bias;
    out->phnum = static_cast<uint16_t>(elf.phnum());
    out->end = elf.spanEnd() + bias;
    out->phdr = 0;
    for (int i = 0; i < elf.phnum(); ++i) {
        const Phdr& p = elf.phdrs()[i];
        if (p.type == kPtPhdr) {
            out->phdr = p.vaddr + bias;
        }
    }
    if (out->phdr == 0) {
        uint64_t off = elf.header().phoff;
        for (int i = 0; i < elf.phnum(); ++i) {
            const Phdr& p = elf.phdrs()[i];
            if (p.type == kPtLoad && off >= p.offset && off - p.offset < p.filesz) {
                out->phdr = p.vaddr + (off - p.offset) + bias;
            }
        }
    }
    return 0;
}

} // namespace uk::elf
