// The application's address space: its image, brk heap, anonymous and file mappings and stacks,
// in the lower half of the page tables. Anonymous memory is demand-zero: pages are
// allocated on first touch by the page-fault handler.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <uk/arch/paging.h>

#include "vma_backing.h"
#include "vma_map.h"

namespace uk::mm {

class AddressSpace {
public:
    explicit AddressSpace(const arch::PageTable& pt) : pt_(pt) {}
    AddressSpace(const AddressSpace&) = delete;
    AddressSpace& operator=(const AddressSpace&) = delete;

    // A new, empty address space with its own page tables (the library OS's half shared).
    // nullptr when memory is exhausted.
    static AddressSpace* create();
    // Frees every mapping, the page tables and the object. Must not be the active one.
    static void destroy(AddressSpace* as);
    // fork: a new address space with the same areas and a copy of every resident page
    // (shared file pages and read-only image pages are shared, not copied). nullptr when
    // memory is exhausted.
    AddressSpace* duplicate() const;
    // Writes a 32-bit word at `va` of this (possibly inactive) address space, mapping the
    // page if needed: CLONE_CHILD_SETTID into a fork child. False if va is not writable.
    bool pokeInt32(uint64_t va, int32_t value);

    const arch::PageTable& pageTable() const { return pt_; }

    static constexpr uint64_t kPage = 4096;
    static constexpr uint64_t kMinAddress = 0x10000;        // Linux's mmap_min_addr
    static constexpr uint64_t kStackTop = 0x7fff'ffff'f000; // the main thread's stack
    static constexpr uint64_t kMmapTop = 0x7ff0'0000'0000;  // mmap grows down from here
    static constexpr uint64_t kStackGuardGap = 256 * kPage; // Linux's stack_guard_gap

    // Registers the application image [start, end) areas (already mapped) and puts the
    // program break right after it.
    void init(uint64_t imageStart, uint64_t textEnd, uint64_t dataStart, uint64_t imageEnd);

    // Linux mmap/munmap/mprotect/brk semantics for anonymous memory. Return the address or a
    // negative errno.
    // `name` labels the area in fault reports and /proc/self/maps (static storage).
    int64_t mapAnonymous(uint64_t addr, uint64_t length, uint32_t prot, uint32_t flags,
                         const char* name = "[anon]");
    // mmap of a file (the VFS supplies `backing`, which holds the path shown as `name`):
    // MAP_SHARED maps the file's own pages, MAP_PRIVATE copies each page at its first touch.
    // `offset` (page aligned) is the file offset of `addr`.
    int64_t mapFile(uint64_t addr, uint64_t length, uint32_t prot, uint32_t flags,
                    VmaBacking* backing, uint64_t offset, const char* name);
    int64_t unmap(uint64_t addr, uint64_t length);
    int64_t protect(uint64_t addr, uint64_t length, uint32_t prot);
    uint64_t brk(uint64_t request);
    // Puts the program break at `end` (page aligned up): after loading a program from a file.
    void setBrkStart(uint64_t end);
    // mremap: moves page mappings rather than copying. Returns the address or -errno.
    int64_t remap(uint64_t oldAddr, uint64_t oldSize, uint64_t newSize, uint32_t flags,
                  uint64_t newAddr);
    // madvise(MADV_DONTNEED and kin): drop the pages; they read back as zero (file areas:
    // as the file).
    int64_t discard(uint64_t addr, uint64_t length);

    // Reserves a stack of `size` bytes ending at `top` (0: choose), with a guard area below
    // it that nothing else may be mapped into. Returns the top or 0.
    uint64_t createStack(uint64_t size, uint64_t top, const char* name);

    // Maps every page of [start, end) now (e.g. before the kernel writes a new stack).
    bool populate(uint64_t start, uint64_t end);

    enum class Fault { Handled, Unmapped, Denied, OutOfMemory };
    Fault handleFault(uint64_t addr, bool write, bool exec);

    // May the kernel read (write) [ptr, ptr + size) on the application's behalf?
    bool canRead(uint64_t ptr, uint64_t size) const;
    bool canWrite(uint64_t ptr, uint64_t size) const;
    // Is the word at addr mapped right now (for backtraces, which must not fault)?
    bool isResident(uint64_t addr) const;

    const Vma* find(uint64_t addr) const { return vmas_.find(addr); }
    const VmaMap& areas() const { return vmas_; }
    uint64_t residentPages() const { return resident_; }

private:
    void unmapPages(uint64_t start, uint64_t end);
    // Where a new mapping of `size` bytes goes (MAP_FIXED rules included): address or -errno.
    int64_t place(uint64_t addr, uint64_t size, uint32_t flags);
    // Maps the page at va of a File area from its backing.
    bool mapFilePage(const Vma* v, uint64_t va);
    // Takes the shared file pages in [start, end) out of the page tables. Their frames
    // belong to the file, so unmapPages must not free them.
    void unmapSharedFilePages(uint64_t start, uint64_t end);
    bool mapZeroPage(uint64_t va, uint32_t prot);

    arch::PageTable pt_;
    VmaMap vmas_;
    uint64_t brkStart_ = 0;
    uint64_t brk_ = 0;
    uint64_t resident_ = 0;
};

// The address space of the running process (the one CR3 holds).
AddressSpace& addressSpace();
// Switches to `as` (loads its page tables unless they are already loaded).
void activate(AddressSpace* as);

// Linux mmap flags and protections used here.
inline constexpr uint32_t kMapShared = 0x01;
inline constexpr uint32_t kMapPrivate = 0x02;
inline constexpr uint32_t kMapFixed = 0x10;
inline constexpr uint32_t kMapAnonymous = 0x20;
inline constexpr uint32_t kMap32Bit = 0x40;
inline constexpr uint32_t kMapGrowsDown = 0x100;
inline constexpr uint32_t kMapNoReserve = 0x4000;
inline constexpr uint32_t kMapPopulate = 0x8000;
inline constexpr uint32_t kMapStack = 0x20000;
inline constexpr uint32_t kMapFixedNoReplace = 0x100000;
inline constexpr uint32_t kMremapMayMove = 1;
inline constexpr uint32_t kMremapFixed = 2;

} // namespace uk::mm
