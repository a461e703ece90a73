// x86_64 page tables over a heap buffer standing in for physical memory.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <uk/arch/paging.h>

using namespace uk::arch;

namespace {
struct FakeRam {
    static constexpr uint64_t kSize = 4 << 20; // page-table pages come from here
    uint8_t* base;
    uint64_t next = 4096; // frame 0 means "no frame"
    FakeRam() : base(static_cast<uint8_t*>(std::aligned_alloc(4096, kSize))) {
        std::memset(base, 0, kSize);
    }
    ~FakeRam() { std::free(base); }
    static uint64_t alloc(void* ctx) {
        auto* r = static_cast<FakeRam*>(ctx);
        if (r->next >= kSize) {
            return 0;
        }
        uint64_t f = r->next;
        r->next += 4096;
        return f;
    }
    PageTable table(bool allow1G) {
        uint64_t root = alloc(this);
        return PageTable(root, PhysWindow{reinterpret_cast<uint64_t>(base)},
                         FrameSource{alloc, this}, allow1G);
    }
};
} // namespace

TEST_CASE("paging: picks the largest pages alignment allows") {
    FakeRam ram;
    PageTable pt = ram.table(true);
    const uint64_t va = 0xffff'8000'0000'0000;
    REQUIRE(pt.map(va, 0, 3ull << 30, kMapWrite));
    uint64_t pa, size;
    uint32_t flags;
    REQUIRE(pt.query(va + 0x12345678, &pa, &flags, &size));
    CHECK(pa == 0x12345678);
    CHECK(size == (1ull << 30));
    CHECK(flags == kMapWrite);

    PageTable small = ram.table(false);
    REQUIRE(small.map(0x1000, 0x201000, 0x400000, kMapExec));
    REQUIRE(small.query(0x1000, &pa, &flags, &size));
    CHECK(size == 4096); // unaligned start: 4 KiB pages until 2 MiB
    CHECK(flags == kMapExec);
    REQUIRE(small.query(0x200000, &pa, &flags, &size));
    CHECK(size == (2u << 20)); // from 2 MiB on, va and pa are both 2 MiB aligned
    CHECK(pa == 0x400000);
    REQUIRE(small.map(0x10000000, 0x1000, 0x400000, kMapRead));
    REQUIRE(small.query(0x10200000, &pa, &flags, &size));
    CHECK(size == 4096); // va aligned, pa not: 4 KiB all the way
    CHECK(pa == 0x201000);
    REQUIRE(small.map(0x40000000, 0x600000, 0x200000, kMapRead));
    REQUIRE(small.query(0x40000000 + 5, &pa, &flags, &size));
    CHECK(size == (2u << 20));
    CHECK(pa == 0x600005);
}

TEST_CASE("paging: unmap, protect and parked (PROT_NONE) pages") {
    FakeRam ram;
    PageTable pt = ram.table(false);
    REQUIRE(pt.map(0x400000, 0x1000, 0x3000, kMapWrite));
    uint64_t pa;
    uint32_t flags;
    CHECK(pt.protect(0x401000, kMapRead));
    REQUIRE(pt.query(0x401000, &pa, &flags));
    CHECK(flags == kMapRead);
    CHECK(pt.protect(0x402000, kMapNoAccess));
    CHECK_FALSE(pt.query(0x402000, &pa, &flags)); // not accessible...
    CHECK(pt.protect(0x402000, kMapWrite));       // ...but the frame is still attached
    REQUIRE(pt.query(0x402000, &pa, &flags));
    CHECK(pa == 0x3000);
    CHECK(pt.protect(0x402000, kMapNoAccess));
    CHECK(pt.unmap(0x402000, &pa));
    CHECK(pa == 0x3000);
    CHECK_FALSE(pt.unmap(0x402000, &pa));
    CHECK_FALSE(pt.protect(0x500000, kMapRead));
    CHECK_FALSE(pt.map(0x400001, 0, 4096, kMapRead)); // misaligned
}

TEST_CASE("paging: a large page in the way is not silently split") {
    FakeRam ram;
    PageTable pt = ram.table(false);
    REQUIRE(pt.map(0x200000, 0x200000, 0x200000, kMapRead));
    uint64_t pa;
    CHECK_FALSE(pt.unmap(0x201000, &pa));
    CHECK_FALSE(pt.map(0x201000, 0x5000, 4096, kMapRead));
}

TEST_CASE("paging: running out of page-table frames fails cleanly") {
    FakeRam ram;
    PageTable pt = ram.table(false);
    ram.next = FakeRam::kSize; // exhausted
    CHECK_FALSE(pt.map(0x7000'0000'0000, 0x1000, 4096, kMapRead));
}

namespace {
uint64_t g_freed[64];
int g_freedCount = 0;
void recordFree(uint64_t phys) {
    if (g_freedCount < 64) {
        g_freed[g_freedCount++] = phys;
    }
}
} // namespace

TEST_CASE("paging: a second address space shares the kernel half and tears down its own") {
    FakeRam ram;
    PageTable kernel = ram.table(false);
    const uint64_t kKernelVa = 0xffff'8000'0000'0000;
    REQUIRE(kernel.map(kKernelVa, 0x200000, 4096, kMapWrite | kMapGlobal));
    REQUIRE(kernel.prepareTopLevel(0xffff'c000'0000'0000)); // a slot used later

    PageTable user = ram.table(false);
    user.copyTopLevel(kernel, 256, 511);
    uint64_t pa = 0;
    CHECK(user.query(kKernelVa, &pa, nullptr));
    CHECK(pa == 0x200000);

    // A kernel mapping made after the copy, in a prepared slot, shows in both.
    REQUIRE(kernel.map(0xffff'c000'0000'1000, 0x300000, 4096, kMapWrite | kMapGlobal));
    CHECK(user.query(0xffff'c000'0000'1000, &pa, nullptr));
    CHECK(pa == 0x300000);

    // The user half is private.
    REQUIRE(user.map(0x400000, 0x500000, 4096, kMapWrite));
    REQUIRE(user.map(0x7fff'0000'0000, 0x501000, 4096, kMapWrite));
    CHECK_FALSE(kernel.query(0x400000, &pa, nullptr));

    // Tearing down frees the three table levels under each of the two user slots used
    // (slot 0 and slot 255): 2 x (PDPT + PD + PT), and never the mapped frames.
    g_freedCount = 0;
    user.releaseTables(0, 255, recordFree);
    CHECK(g_freedCount == 6);
    for (int i = 0; i < g_freedCount; ++i) {
        CHECK(g_freed[i] != 0x500000);
        CHECK(g_freed[i] != 0x501000);
    }
    CHECK_FALSE(user.query(0x400000, &pa, nullptr));
    CHECK(user.query(kKernelVa, &pa, nullptr)); // the kernel half is untouched
}

TEST_CASE("paging: lookupPage sees 4 KiB pages inside large pages and parked pages") {
    FakeRam ram;
    PageTable pt = ram.table(false);
    REQUIRE(pt.map(0x200000, 0x400000, 0x200000, kMapWrite)); // one 2 MiB page
    uint64_t pa = 0;
    uint32_t flags = 0;
    REQUIRE(pt.lookupPage(0x203456, &pa, &flags));
    CHECK(pa == 0x403000); // the 4 KiB page's frame, not the large page's start
    CHECK((flags & kMapWrite) != 0);
    CHECK((flags & kMapNoAccess) == 0);

    REQUIRE(pt.map(0x600000, 0x700000, 4096, kMapWrite));
    REQUIRE(pt.protect(0x600000, kMapNoAccess));
    CHECK_FALSE(pt.query(0x600000, &pa, &flags));  // parked: not accessible...
    REQUIRE(pt.lookupPage(0x600000, &pa, &flags)); // ...but its frame is still there
    CHECK(pa == 0x700000);
    CHECK((flags & kMapNoAccess) != 0);
    CHECK_FALSE(pt.lookupPage(0x601000, &pa, &flags));
}
