// Memory system calls over the application's AddressSpace.
#include "../mm/address_space.h"
#include "fs_mmap.h"
#include "syscall.h"

namespace uk::sys {

namespace {

using mm::addressSpace;

constexpr uint32_t kProtMask = mm::kProtRead | mm::kProtWrite | mm::kProtExec;
constexpr uint32_t kProtGrowsDown = 0x01000000, kProtGrowsUp = 0x02000000;

Address sysBrk(unsigned long request) {
    return Address{addressSpace().brk(request)};
}

Address sysMmap(unsigned long addr, unsigned long length, Flags prot, Flags flags, Fd fd,
                unsigned long offset) {
    auto fail = [](long e) { return Address{static_cast<uint64_t>(e)}; };
    if (prot.value & ~uint64_t{kProtMask}) {
        return fail(-EINVAL);
    }
    uint32_t type = flags.value & 0x0f;
    if (type != mm::kMapPrivate && type != mm::kMapShared && type != 0x03 /* SHARED_VALIDATE */) {
        return fail(-EINVAL);
    }
    if (!(flags.value & mm::kMapAnonymous)) {
        return Address{static_cast<uint64_t>(
            mapFileDescriptor(addr, length, static_cast<uint32_t>(prot.value),
                              static_cast<uint32_t>(flags.value), fd.value, offset))};
    }
    if (offset % 4096 != 0) {
        return fail(-EINVAL);
    }
    // One process: MAP_SHARED anonymous memory behaves exactly like MAP_PRIVATE.
    int64_t r = addressSpace().mapAnonymous(addr, length, static_cast<uint32_t>(prot.value),
                                            static_cast<uint32_t>(flags.value));
    return Address{static_cast<uint64_t>(r)};
}

long sysMunmap(unsigned long addr, unsigned long length) {
    return addressSpace().unmap(addr, length);
}

long sysMprotect(unsigned long addr, unsigned long length, Flags prot) {
    uint64_t p = prot.value & ~uint64_t{kProtGrowsDown | kProtGrowsUp};
    return addressSpace().protect(addr, length, static_cast<uint32_t>(p));
}

Address sysMremap(unsigned long oldAddr, unsigned long oldSize, unsigned long newSize, Flags flags,
                  unsigned long newAddr) {
    int64_t r = addressSpace().remap(oldAddr, oldSize, newSize, static_cast<uint32_t>(flags.value),
                                     newAddr);
    return Address{static_cast<uint64_t>(r)};
}

constexpr int kMadvNormal = 0, kMadvRandom = 1, kMadvSequential = 2, kMadvWillneed = 3,
              kMadvDontneed = 4, kMadvFree = 8, kMadvRemove = 9, kMadvDontfork = 10,
              kMadvDofork = 11, kMadvHugepage = 14, kMadvNohugepage = 15, kMadvDontdump = 16,
              kMadvDodump = 17;

long sysMadvise(unsigned long addr, unsigned long length, int advice) {
    if (addr % 4096 != 0) {
        return -EINVAL;
    }
    switch (advice) {
    case kMadvDontneed:
    case kMadvFree:
    case kMadvRemove:
        return addressSpace().discard(addr, length);
    case kMadvNormal:
    case kMadvRandom:
    case kMadvSequential:
    case kMadvWillneed:
    case kMadvDontfork:
    case kMadvDofork:
    case kMadvHugepage:
    case kMadvNohugepage:
    case kMadvDontdump:
    case kMadvDodump:
        return 0; // hints
    default:
        return -EINVAL;
    }
}

long sysMsync(unsigned long addr, unsigned long, int) {
    return addr % 4096 ? -EINVAL : 0;
}
long sysMlock(unsigned long, unsigned long) {
    return 0;
}
long sysMunlock(unsigned long, unsigned long) {
    return 0;
}
long sysMlockall(int) {
    return 0;
}
long sysMunlockall() {
    return 0;
}

} // namespace

UK_SYSCALL_BEFORE_START(brk, sysBrk, Implemented, "");
UK_SYSCALL_BEFORE_START(
    mmap, sysMmap, Partial,
    "anonymous memory (shared = private: without fork no other process can see it) and "
    "ramfs files (MAP_SHARED maps "
    "the file's own pages); a private file page is copied at its first touch; no SIGBUS "
    "past the end of a file (zeros)");
UK_SYSCALL_BEFORE_START(munmap, sysMunmap, Implemented, "");
UK_SYSCALL_BEFORE_START(mprotect, sysMprotect, Implemented, "");
UK_SYSCALL_BEFORE_START(mremap, sysMremap, Partial, "no MREMAP_DONTUNMAP; old_size 0 is refused");
UK_SYSCALL_BEFORE_START(madvise, sysMadvise, Implemented,
                        "DONTNEED/FREE/REMOVE drop pages; the others are hints");
UK_SYSCALL(msync, sysMsync, NoOp,
           "shared file mappings are the file's own pages in memory: nothing to write back");
UK_SYSCALL(mlock, sysMlock, NoOp, "memory is never paged out");
UK_SYSCALL(munlock, sysMunlock, NoOp, "memory is never paged out");
UK_SYSCALL(mlockall, sysMlockall, NoOp, "memory is never paged out");
UK_SYSCALL(munlockall, sysMunlockall, NoOp, "memory is never paged out");

} // namespace uk::sys
