// Memory calls beyond mapping: mincore, mlock2, and protection keys (which x86 CPUs without
// PKU, and uk, do not have: the calls answer as Linux does there).
#include "../mm/address_space.h"
#include "fs_user.h"

namespace uk::sys {

namespace {

constexpr uint64_t kPage = 4096;

long sysMincore(unsigned long addr, size_t length, void* vec) {
    if (addr % kPage != 0) {
        return -EINVAL;
    }
    uint64_t pages = (length + kPage - 1) / kPage;
    if (length > ~0ull - kPage) {
        return -ENOMEM;
    }
    if (!userWritable(vec, pages)) {
        return -EFAULT;
    }
    auto& as = mm::addressSpace();
    auto* out = static_cast<uint8_t*>(vec);
    for (uint64_t i = 0; i < pages; ++i) {
        uint64_t va = addr + i * kPage;
        const mm::Vma* v = as.find(va);
        if (v == nullptr || v->kind == mm::VmaKind::Guard) {
            return -ENOMEM; // part of the range is not mapped
        }
        // A file's pages are always in memory (ramfs); other memory is resident once
        // touched.
        out[i] = v->kind == mm::VmaKind::File || as.isResident(va) ? 1 : 0;
    }
    return 0;
}

constexpr unsigned kMlockOnfault = 1;

long sysMlock2(unsigned long, size_t, unsigned flags) {
    return flags & ~kMlockOnfault ? -EINVAL : 0;
}

constexpr unsigned kPkeyAccessMask = 3; // PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE

long sysPkeyAlloc(unsigned flags, unsigned access) {
    if (flags != 0 || (access & ~kPkeyAccessMask)) {
        return -EINVAL;
    }
    return -ENOSPC; // what Linux says when the CPU has no protection keys
}

long sysPkeyFree(int) {
    return -EINVAL; // no key was ever allocated
}

long sysPkeyMprotect(unsigned long addr, size_t length, Flags prot, int pkey) {
    if (pkey != -1) {
        return -EINVAL;
    }
    // pkey -1 is plain mprotect (without the PROT_GROWSDOWN/UP hints, as memory.cpp).
    uint64_t p = prot.value & ~uint64_t{0x01000000 | 0x02000000};
    return mm::addressSpace().protect(addr, length, static_cast<uint32_t>(p));
}

} // namespace

UK_SYSCALL(mincore, sysMincore, Partial,
           "pages of file mappings always count as resident (ramfs keeps files in memory)");
UK_SYSCALL(mlock2, sysMlock2, NoOp, "memory is never paged out");
UK_SYSCALL(pkey_alloc, sysPkeyAlloc, Implemented,
           "as Linux on a CPU without protection keys: ENOSPC");
UK_SYSCALL(pkey_free, sysPkeyFree, Implemented, "as Linux on a CPU without protection keys");
UK_SYSCALL(pkey_mprotect, sysPkeyMprotect, Implemented,
           "as Linux on a CPU without protection keys: key -1 is mprotect, others EINVAL");

} // namespace uk::sys
