#include "address_space.h"

#include <uk/arch/cpu.h>
#include <uk/arch/paging.h>

#include "../base/new.h"
#include "../kernel/log.h"
#include "../kernel/memory.h"
#include "../syscalls/errno.h"
#include "vma_backing.h"

namespace uk::mm {

namespace {

// The first address space (the boot process's, over the boot page tables) is constructed
// on first use in static storage: it must not get an exit-time destructor.
alignas(AddressSpace) unsigned char g_storage[sizeof(AddressSpace)];
AddressSpace* g_active = nullptr;

uint64_t pageUp(uint64_t v) {
    return (v + AddressSpace::kPage - 1) & ~(AddressSpace::kPage - 1);
}
uint64_t pageDown(uint64_t v) {
    return v & ~(AddressSpace::kPage - 1);
}

uint32_t mapFlagsFor(uint32_t prot) {
    uint32_t f = arch::kMapRead;
    if (prot & kProtWrite) {
        f |= arch::kMapWrite;
    }
    if (prot & kProtExec) {
        f |= arch::kMapExec;
    }
    return f;
}

} // namespace

AddressSpace& addressSpace() {
    if (g_active == nullptr) {
        g_active = new (g_storage) AddressSpace(memory::kernelPageTable());
    }
    return *g_active;
}

void activate(AddressSpace* as) {
    if (as == nullptr || as == g_active) {
        return;
    }
    if (g_active == nullptr || as->pageTable().rootPhys() != g_active->pageTable().rootPhys()) {
        arch::writeCr3(as->pageTable().rootPhys());
    }
    g_active = as;
}

AddressSpace* AddressSpace::create() {
    arch::PageTable pt = memory::newAddressSpaceTable();
    if (pt.rootPhys() == 0) {
        return nullptr;
    }
    auto* as = new (std::nothrow) AddressSpace(pt);
    if (as == nullptr) {
        memory::releaseAddressSpaceTable(pt);
    }
    return as;
}

void AddressSpace::destroy(AddressSpace* as) {
    // Every area goes: shared file pages return to their files, image pages stay with the
    // image, the rest is freed; then the table pages themselves.
    while (const Vma* v = as->vmas_.first()) {
        uint64_t start = v->start, end = v->end;
        bool image = v->kind == VmaKind::Image;
        as->unmapSharedFilePages(start, end);
        as->vmas_.remove(start, end);
        if (image) {
            for (uint64_t va = start; va < end; va += kPage) {
                as->pt_.unmap(va, nullptr);
            }
        } else {
            as->unmapPages(start, end);
        }
    }
    memory::releaseAddressSpaceTable(as->pt_);
    if (reinterpret_cast<unsigned char*>(as) == g_storage) {
        as->~AddressSpace();
    } else {
        delete as;
    }
}

void AddressSpace::init(uint64_t imageStart, uint64_t textEnd, uint64_t dataStart,
                        uint64_t imageEnd) {
    textEnd = pageUp(textEnd);
    vmas_.insert(imageStart, textEnd, kProtRead | kProtExec, VmaKind::Image, "[app text]");
    if (dataStart > textEnd) {
        vmas_.insert(textEnd, dataStart, kProtRead, VmaKind::Image, "[app rodata]");
    }
    if (imageEnd > dataStart) {
        vmas_.insert(dataStart, imageEnd, kProtRead | kProtWrite, VmaKind::Image, "[app data]");
    }
    brkStart_ = brk_ = pageUp(imageEnd);
}

AddressSpace* AddressSpace::duplicate() const {
    AddressSpace* child = create();
    if (child == nullptr) {
        return nullptr;
    }
    for (const Vma* v = vmas_.first(); v != nullptr; v = v->next) {
        bool sharedFile = v->backing != nullptr && v->backing->shared();
        // The image's frames belong to the image: read-only parts are shared, writable ones
        // become the child's own (anonymous, freed with it).
        bool shareImage = v->kind == VmaKind::Image && !(v->prot & kProtWrite);
        VmaKind kind = v->kind == VmaKind::Image && !shareImage ? VmaKind::Anonymous : v->kind;
        if (child->vmas_.insert(v->start, v->end, v->prot, kind, v->name, v->backing, v->offset) ==
            nullptr) {
            destroy(child);
            return nullptr;
        }
        for (uint64_t va = v->start; va < v->end; va += kPage) {
            uint64_t pa;
            uint32_t flags;
            if (!pt_.lookupPage(va, &pa, &flags)) {
                continue;
            }
            flags &= ~arch::kMapGlobal;
            uint64_t frame = pa;
            if (!sharedFile && !shareImage) {
                frame = memory::frames().alloc();
                if (frame == mm::PageAllocator::kNoFrame) {
                    destroy(child);
                    return nullptr;
                }
                __builtin_memcpy(arch::physToVirt(frame), arch::physToVirt(pa), kPage);
            }
            if (!child->pt_.map(va, frame, kPage, flags)) {
                if (frame != pa) {
                    memory::frames().free(frame);
                }
                destroy(child);
                return nullptr;
            }
            if (!sharedFile && !shareImage) {
                ++child->resident_;
            }
        }
    }
    child->brkStart_ = brkStart_;
    child->brk_ = brk_;
    return child;
}

bool AddressSpace::pokeInt32(uint64_t va, int32_t value) {
    if (va % 4 != 0 || !vmas_.covers(va, va + 4, kProtWrite)) {
        return false;
    }
    uint64_t pa;
    uint32_t flags;
    if (!pt_.lookupPage(va, &pa, &flags)) {
        const Vma* v = vmas_.find(va);
        bool mapped = v->kind == VmaKind::File ? mapFilePage(v, pageDown(va))
                                               : mapZeroPage(pageDown(va), v->prot);
        if (!mapped || !pt_.lookupPage(va, &pa, &flags)) {
            return false;
        }
    }
    *static_cast<int32_t*>(arch::physToVirt(pa + (va & (kPage - 1)))) = value;
    return true;
}

bool AddressSpace::mapZeroPage(uint64_t va, uint32_t prot) {
    uint64_t frame = memory::allocZeroedFrame();
    if (frame == 0) {
        return false;
    }
    if (!pt_.map(va, frame, kPage, mapFlagsFor(prot))) {
        memory::frames().free(frame);
        return false;
    }
    ++resident_;
    return true;
}

AddressSpace::Fault AddressSpace::handleFault(uint64_t addr, bool write, bool exec) {
    const Vma* v = vmas_.find(addr);
    if (v == nullptr) {
        return Fault::Unmapped;
    }
    uint32_t need = write ? kProtWrite : exec ? kProtExec : kProtRead;
    if ((v->prot & need) != need || v->prot == kProtNone) {
        return Fault::Denied;
    }
    uint64_t va = pageDown(addr);
    uint64_t pa;
    if (pt_.query(va, &pa, nullptr)) {
        // Present and allowed by the area, yet it faulted: the page's own rights disagree
        // (cannot happen unless the tables and areas diverged).
        return Fault::Denied;
    }
    if (v->kind == VmaKind::File) {
        return mapFilePage(v, va) ? Fault::Handled : Fault::OutOfMemory;
    }
    return mapZeroPage(va, v->prot) ? Fault::Handled : Fault::OutOfMemory;
}

bool AddressSpace::mapFilePage(const Vma* v, uint64_t va) {
    uint64_t index = (v->offset + (va - v->start)) / kPage;
    auto& pt = pt_;
    if (v->backing->shared()) {
        uint64_t frame = v->backing->sharedFrame(index);
        if (frame == 0 || !pt.map(va, frame, kPage, mapFlagsFor(v->prot))) {
            return false;
        }
    } else {
        uint64_t frame = memory::frames().alloc();
        if (frame == mm::PageAllocator::kNoFrame) {
            return false;
        }
        v->backing->copyPage(index, arch::physToVirt(frame));
        if (!pt.map(va, frame, kPage, mapFlagsFor(v->prot))) {
            memory::frames().free(frame);
            return false;
        }
    }
    ++resident_;
    return true;
}

void AddressSpace::unmapSharedFilePages(uint64_t start, uint64_t end) {
    auto& pt = pt_;
    for (const Vma* v = vmas_.find(start); v != nullptr && v->start < end; v = v->next) {
        if (v->backing == nullptr || !v->backing->shared()) {
            continue;
        }
        uint64_t lo = v->start > start ? v->start : start;
        uint64_t hi = v->end < end ? v->end : end;
        for (uint64_t va = lo; va < hi; va += kPage) {
            uint64_t pa;
            if (pt.unmap(va, &pa)) {
                arch::invlpg(va);
                if (resident_ > 0) {
                    --resident_;
                }
            }
        }
    }
}

void AddressSpace::unmapPages(uint64_t start, uint64_t end) {
    auto& pt = pt_;
    for (uint64_t va = start; va < end; va += kPage) {
        uint64_t pa;
        if (pt.unmap(va, &pa)) {
            arch::invlpg(va);
            memory::frames().free(pa);
            if (resident_ > 0) {
                --resident_;
            }
        }
    }
}

int64_t AddressSpace::place(uint64_t addr, uint64_t size, uint32_t flags) {
    bool fixed = flags & (kMapFixed | kMapFixedNoReplace);
    if (fixed) {
        if (addr % kPage != 0) {
            return -EINVAL;
        }
        if (addr < kMinAddress || addr + size > arch::kUserTop || addr + size < addr) {
            return -ENOMEM;
        }
        if (!vmas_.isFree(addr, addr + size)) {
            if (flags & kMapFixedNoReplace) {
                return -EEXIST;
            }
            if (unmap(addr, size) < 0) {
                return -ENOMEM;
            }
        }
    } else {
        uint64_t hint = pageDown(addr);
        if (hint >= kMinAddress && hint + size <= kMmapTop && vmas_.isFree(hint, hint + size)) {
            addr = hint;
        } else {
            uint64_t high = (flags & kMap32Bit) ? (1ull << 31) : kMmapTop;
            addr = vmas_.findFreeTopDown(size, brk_ + kStackGuardGap, high);
            if (addr == 0) {
                return -ENOMEM;
            }
        }
    }
    return static_cast<int64_t>(addr);
}

int64_t AddressSpace::mapAnonymous(uint64_t addr, uint64_t length, uint32_t prot, uint32_t flags,
                                   const char* name) {
    if (length == 0 || length > kMmapTop) {
        return length == 0 ? -EINVAL : -ENOMEM;
    }
    uint64_t size = pageUp(length);
    int64_t at = place(addr, size, flags);
    if (at < 0) {
        return at;
    }
    addr = static_cast<uint64_t>(at);
    if (vmas_.insert(addr, addr + size, prot, VmaKind::Anonymous, name) == nullptr) {
        return -ENOMEM;
    }
    if ((flags & kMapPopulate) && prot != kProtNone && !populate(addr, addr + size)) {
        unmap(addr, size);
        return -ENOMEM;
    }
    return static_cast<int64_t>(addr);
}

int64_t AddressSpace::mapFile(uint64_t addr, uint64_t length, uint32_t prot, uint32_t flags,
                              VmaBacking* backing, uint64_t offset, const char* name) {
    if (length == 0 || length > kMmapTop) {
        return length == 0 ? -EINVAL : -ENOMEM;
    }
    uint64_t size = pageUp(length);
    if (offset % kPage != 0 || offset + size < offset) {
        return -EINVAL;
    }
    int64_t at = place(addr, size, flags);
    if (at < 0) {
        return at;
    }
    addr = static_cast<uint64_t>(at);
    if (vmas_.insert(addr, addr + size, prot, VmaKind::File, name, backing, offset) == nullptr) {
        return -ENOMEM;
    }
    if ((flags & kMapPopulate) && prot != kProtNone && !populate(addr, addr + size)) {
        unmap(addr, size);
        return -ENOMEM;
    }
    return static_cast<int64_t>(addr);
}

int64_t AddressSpace::unmap(uint64_t addr, uint64_t length) {
    if (addr % kPage != 0 || length == 0) {
        return -EINVAL;
    }
    uint64_t end = pageUp(addr + length);
    if (end < addr || end > arch::kUserTop) {
        return -EINVAL;
    }
    // Shared file pages leave first (if removing the areas then fails, they fault back in
    // from the file); what is left belongs to the mapping and is freed.
    unmapSharedFilePages(addr, end);
    if (!vmas_.remove(addr, end)) {
        return -ENOMEM;
    }
    unmapPages(addr, end);
    return 0;
}

int64_t AddressSpace::protect(uint64_t addr, uint64_t length, uint32_t prot) {
    if (addr % kPage != 0) {
        return -EINVAL;
    }
    if (prot & ~(kProtRead | kProtWrite | kProtExec)) {
        return -EINVAL;
    }
    uint64_t end = pageUp(addr + length);
    if (end < addr || end > arch::kUserTop) {
        return -ENOMEM;
    }
    if (length == 0) {
        return 0;
    }
    if (!vmas_.protect(addr, end, prot)) {
        return -ENOMEM;
    }
    // Resident pages keep their frames: PROT_NONE parks them (not present, contents kept)
    // so that a later mprotect back to read/write finds the same data, as on Linux.
    auto& pt = pt_;
    uint32_t flags = prot == kProtNone ? arch::kMapNoAccess : mapFlagsFor(prot);
    for (uint64_t va = addr; va < end; va += kPage) {
        if (pt.protect(va, flags)) {
            arch::invlpg(va);
        }
    }
    return 0;
}

void AddressSpace::setBrkStart(uint64_t end) {
    brkStart_ = brk_ = pageUp(end);
}

uint64_t AddressSpace::brk(uint64_t request) {
    if (request == 0 || request < brkStart_) {
        return brk_;
    }
    uint64_t oldEnd = pageUp(brk_);
    uint64_t newEnd = pageUp(request);
    if (newEnd > oldEnd) {
        if (newEnd > kMmapTop || !vmas_.isFree(oldEnd, newEnd + kPage)) {
            return brk_; // would run into another mapping: refuse, as Linux does
        }
        if (vmas_.insert(oldEnd, newEnd, kProtRead | kProtWrite, VmaKind::Heap, "[heap]") ==
            nullptr) {
            return brk_;
        }
    } else if (newEnd < oldEnd) {
        vmas_.remove(newEnd, oldEnd);
        unmapPages(newEnd, oldEnd);
    }
    brk_ = request;
    return brk_;
}

int64_t AddressSpace::remap(uint64_t oldAddr, uint64_t oldSize, uint64_t newSize, uint32_t flags,
                            uint64_t newAddr) {
    if (oldAddr % kPage != 0 || (flags & ~(kMremapMayMove | kMremapFixed)) != 0 ||
        ((flags & kMremapFixed) && !(flags & kMremapMayMove))) {
        return -EINVAL;
    }
    oldSize = pageUp(oldSize);
    newSize = pageUp(newSize);
    if (newSize == 0 || oldSize == 0) {
        return -EINVAL; // size 0 would duplicate a shared mapping: not supported
    }
    const Vma* v = vmas_.find(oldAddr);
    if (v == nullptr || oldAddr + oldSize > v->end || v->kind == VmaKind::Image ||
        v->kind == VmaKind::Guard) {
        return -EFAULT;
    }
    uint32_t prot = v->prot;
    VmaKind kind = v->kind;
    const char* name = v->name;
    // A file area keeps its backing; offsets continue from where oldAddr is in the file.
    VmaBacking* backing = v->backing;
    uint64_t offset = v->offset + (oldAddr - v->start);
    bool sharedFile = backing != nullptr && backing->shared();
    if (!(flags & kMremapFixed)) {
        if (newSize <= oldSize) {
            if (newSize < oldSize) {
                unmap(oldAddr + newSize, oldSize - newSize);
            }
            return static_cast<int64_t>(oldAddr);
        }
        if (vmas_.isFree(oldAddr + oldSize, oldAddr + newSize) && oldAddr + newSize <= kMmapTop) {
            if (vmas_.insert(oldAddr + oldSize, oldAddr + newSize, prot, kind, name, backing,
                             offset + oldSize) == nullptr) {
                return -ENOMEM;
            }
            return static_cast<int64_t>(oldAddr);
        }
        if (!(flags & kMremapMayMove)) {
            return -ENOMEM;
        }
        newAddr = vmas_.findFreeTopDown(newSize, brk_ + kStackGuardGap, kMmapTop);
        if (newAddr == 0) {
            return -ENOMEM;
        }
    } else {
        if (newAddr % kPage != 0 || newAddr < kMinAddress || newAddr + newSize > kMmapTop ||
            (newAddr < oldAddr + oldSize && oldAddr < newAddr + newSize)) {
            return -EINVAL;
        }
        unmap(newAddr, newSize);
    }
    if (vmas_.insert(newAddr, newAddr + newSize, prot,
                     kind == VmaKind::Heap ? VmaKind::Anonymous : kind, name, backing,
                     offset) == nullptr) {
        return -ENOMEM;
    }
    // Move the translations; the frames (and so the contents) stay where they are.
    auto& pt = pt_;
    uint64_t moved = oldSize < newSize ? oldSize : newSize;
    uint32_t flagsNow = prot == kProtNone ? arch::kMapNoAccess : mapFlagsFor(prot);
    for (uint64_t off = 0; off < moved; off += kPage) {
        uint64_t pa;
        if (pt.unmap(oldAddr + off, &pa)) {
            arch::invlpg(oldAddr + off);
            if (!pt.map(newAddr + off, pa, kPage, flagsNow)) {
                if (!sharedFile) {
                    memory::frames().free(pa); // a shared page stays with its file
                }
                --resident_;
            }
        }
    }
    unmap(oldAddr, oldSize);
    return static_cast<int64_t>(newAddr);
}

int64_t AddressSpace::discard(uint64_t addr, uint64_t length) {
    if (addr % kPage != 0) {
        return -EINVAL;
    }
    uint64_t end = pageUp(addr + length);
    if (end < addr || end > arch::kUserTop) {
        return -EINVAL;
    }
    if (!vmas_.covers(addr, end, kProtNone)) {
        return -ENOMEM;
    }
    // Shared file pages just leave the page tables (they fault back in from the file);
    // private pages are freed (anonymous ones read back as zeros, file ones as the file).
    unmapSharedFilePages(addr, end);
    for (uint64_t va = addr; va < end; va += kPage) {
        const Vma* v = vmas_.find(va);
        if (v != nullptr && v->kind != VmaKind::Image) {
            unmapPages(va, va + kPage);
        }
    }
    return 0;
}

uint64_t AddressSpace::createStack(uint64_t size, uint64_t top, const char* name) {
    size = pageUp(size);
    if (top == 0) {
        uint64_t base =
            vmas_.findFreeTopDown(size + kStackGuardGap, brk_ + kStackGuardGap, kMmapTop);
        if (base == 0) {
            return 0;
        }
        top = base + kStackGuardGap + size;
    }
    uint64_t bottom = top - size;
    if (vmas_.insert(bottom - kStackGuardGap, bottom, kProtNone, VmaKind::Guard, "[stack guard]") ==
        nullptr) {
        return 0;
    }
    if (vmas_.insert(bottom, top, kProtRead | kProtWrite, VmaKind::Stack, name) == nullptr) {
        vmas_.remove(bottom - kStackGuardGap, bottom);
        return 0;
    }
    return top;
}

bool AddressSpace::populate(uint64_t start, uint64_t end) {
    auto& pt = pt_;
    for (uint64_t va = pageDown(start); va < end; va += kPage) {
        uint64_t pa;
        if (pt.query(va, &pa, nullptr)) {
            continue;
        }
        const Vma* v = vmas_.find(va);
        if (v == nullptr ||
            !(v->kind == VmaKind::File ? mapFilePage(v, va) : mapZeroPage(va, v->prot))) {
            return false;
        }
    }
    return true;
}

bool AddressSpace::canRead(uint64_t ptr, uint64_t size) const {
    if (size == 0) {
        return true;
    }
    uint64_t end = ptr + size;
    return end > ptr && end <= arch::kUserTop && vmas_.covers(ptr, end, kProtRead);
}

bool AddressSpace::canWrite(uint64_t ptr, uint64_t size) const {
    if (size == 0) {
        return true;
    }
    uint64_t end = ptr + size;
    return end > ptr && end <= arch::kUserTop && vmas_.covers(ptr, end, kProtRead | kProtWrite);
}

bool AddressSpace::isResident(uint64_t addr) const {
    uint64_t pa;
    return addr < arch::kUserTop && pt_.query(addr, &pa, nullptr);
}

} // namespace uk::mm
