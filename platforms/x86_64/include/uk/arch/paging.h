// x86_64 four-level page tables.
//
// The code only touches page-table memory through PhysWindow (physical address -> pointer),
// so the same class runs in the guest (over the direct map) and in host unit tests (over a
// heap buffer standing in for RAM).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::arch {

// Access rights of a mapping. Everything runs in ring 0, so there is no user bit.
enum MapFlags : uint32_t {
    kMapRead = 0, // mappings are always readable
    kMapWrite = 1u << 0,
    kMapExec = 1u << 1,
    kMapUncached = 1u << 2, // device memory (PCD|PWT)
    kMapGlobal = 1u << 3,   // kept across address-space switches (library OS mappings)
    kMapNoAccess = 1u << 4, // PROT_NONE: not present, but the frame stays attached
};

struct PhysWindow {
    uint64_t offset; // virtual address of physical address 0
    void* at(uint64_t phys) const { return reinterpret_cast<void*>(offset + phys); }
};

// Supplies zeroed 4 KiB frames for page-table pages; returns 0 when memory is exhausted.
struct FrameSource {
    uint64_t (*alloc)(void* ctx);
    void* ctx;
};

class PageTable {
public:
    static constexpr uint64_t kPresent = 1ull << 0;
    static constexpr uint64_t kWritable = 1ull << 1;
    static constexpr uint64_t kWriteThrough = 1ull << 3;
    static constexpr uint64_t kCacheDisable = 1ull << 4;
    static constexpr uint64_t kAccessed = 1ull << 5;
    static constexpr uint64_t kDirty = 1ull << 6;
    static constexpr uint64_t kLarge = 1ull << 7;
    static constexpr uint64_t kGlobal = 1ull << 8;
    static constexpr uint64_t kParked = 1ull << 9; // software bit: frame kept, no access
    static constexpr uint64_t kNoExecute = 1ull << 63;
    static constexpr uint64_t kAddrMask = 0x000f'ffff'ffff'f000ull;

    constexpr PageTable(uint64_t rootPhys, PhysWindow window, FrameSource frames, bool allow1G)
        : root_(rootPhys), window_(window), frames_(frames), allow1G_(allow1G) {}

    uint64_t rootPhys() const { return root_; }

    // Maps [va, va + size) to [pa, pa + size) using the largest pages that alignment
    // allows. All three must be 4 KiB aligned. Fails (false) if a page-table page cannot
    // be allocated or the range overlaps an existing mapping of a different page size.
    bool map(uint64_t va, uint64_t pa, uint64_t size, uint32_t flags);

    // Removes the 4 KiB mapping at va (accessible or parked by kMapNoAccess). Returns false
    // if nothing (or a large page) is mapped there; otherwise stores the frame in *pa.
    bool unmap(uint64_t va, uint64_t* pa);

    // Changes the rights of the 4 KiB mapping at va (kMapNoAccess parks it). False if va is
    // not mapped by a 4 KiB page.
    bool protect(uint64_t va, uint32_t flags);

    // Looks up va. On success stores the physical address va translates to and the mapping's
    // flags; pageSize receives 4 KiB, 2 MiB or 1 GiB. Parked pages are not accessible: false.
    bool query(uint64_t va, uint64_t* pa, uint32_t* flags, uint64_t* pageSize = nullptr) const;

    // The 4 KiB page at va, however it is mapped (inside a large page too), including a
    // parked (kMapNoAccess) one, whose flags then carry kMapNoAccess. For copying an address
    // space. False if nothing is mapped there.
    bool lookupPage(uint64_t va, uint64_t* pa, uint32_t* flags) const;

    static uint64_t entryFor(uint64_t pa, uint32_t flags, bool large);

    // Address spaces share the library OS's half: every top-level slot the kernel will ever
    // use must exist before an address space copies them, so later kernel mappings (stacks,
    // device windows) show in all of them. Creates the top-level entry covering va.
    bool prepareTopLevel(uint64_t va);
    // Copies top-level entries [first, last] from `from` (which must use the same window).
    void copyTopLevel(const PageTable& from, unsigned first, unsigned last);
    // Frees the table pages (not the mapped frames: their owners free those) below the
    // top-level entries [first, last] and clears the entries. For tearing down an address
    // space's half after every mapping in it is gone.
    void releaseTables(unsigned first, unsigned last, void (*freeFrame)(uint64_t phys));

private:
    uint64_t* table(uint64_t phys) const { return static_cast<uint64_t*>(window_.at(phys)); }
    // Returns the entry for va at `level` (3 = PML4 ... 0 = PT), creating intermediate
    // tables on the way; nullptr on allocation failure or when a large page is in the way.
    uint64_t* walk(uint64_t va, int level, bool create);

    uint64_t root_;
    PhysWindow window_;
    FrameSource frames_;
    bool allow1G_;
};

} // namespace uk::arch
