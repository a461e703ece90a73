// The physical page allocator, against a simple model.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include "mm/page_allocator.h"

using uk::mm::PageAllocator;

namespace {
constexpr uint64_t kPage = PageAllocator::kPageSize;

struct Fixture {
    std::vector<uint64_t> bitmap;
    PageAllocator pa;
    explicit Fixture(uint64_t frames) : bitmap(PageAllocator::bitmapBytes(frames) / 8) {
        pa.init(bitmap.data(), frames);
    }
};
} // namespace

TEST_CASE("page allocator: only added RAM is handed out") {
    Fixture f(1000);
    CHECK(f.pa.alloc() == PageAllocator::kNoFrame);
    f.pa.addFree(10 * kPage + 5, 5 * kPage); // partial pages at the edges are not usable
    CHECK(f.pa.freeFrames() == 4);
    std::set<uint64_t> got;
    for (int i = 0; i < 4; ++i) {
        uint64_t p = f.pa.alloc();
        REQUIRE(p != PageAllocator::kNoFrame);
        CHECK(p >= 11 * kPage);
        CHECK(p < 15 * kPage);
        got.insert(p);
    }
    CHECK(got.size() == 4);
    CHECK(f.pa.alloc() == PageAllocator::kNoFrame);
    CHECK(f.pa.freeFrames() == 0);
}

TEST_CASE("page allocator: reserve removes frames, free returns them, double free fails") {
    Fixture f(128);
    f.pa.addFree(0, 128 * kPage);
    f.pa.reserve(0, kPage);
    f.pa.reserve(64 * kPage, 10 * kPage + 1); // rounds out to 11 frames
    CHECK(f.pa.freeFrames() == 128 - 1 - 11);
    CHECK_FALSE(f.pa.isFree(0));
    CHECK_FALSE(f.pa.isFree(74 * kPage));
    CHECK(f.pa.isFree(75 * kPage));
    uint64_t p = f.pa.alloc();
    CHECK(p != 0);
    CHECK(f.pa.free(p));
    CHECK_FALSE(f.pa.free(p));           // double free
    CHECK_FALSE(f.pa.free(p + 1));       // misaligned
    CHECK_FALSE(f.pa.free(500 * kPage)); // out of range
    CHECK_FALSE(f.pa.free(126 * kPage, 5));
}

TEST_CASE("page allocator: contiguous and aligned runs") {
    Fixture f(4096);
    f.pa.addFree(0, 4096 * kPage);
    f.pa.reserve(0, 3 * kPage);
    uint64_t run = f.pa.alloc(512, 512); // a 2 MiB-aligned 2 MiB run
    REQUIRE(run != PageAllocator::kNoFrame);
    CHECK(run % (512 * kPage) == 0);
    for (uint64_t i = 0; i < 512; ++i) {
        CHECK_FALSE(f.pa.isFree(run + i * kPage));
    }
    uint64_t odd = f.pa.alloc(3);
    REQUIRE(odd != PageAllocator::kNoFrame);
    CHECK(f.pa.free(odd, 3));
    CHECK(f.pa.alloc(5000) == PageAllocator::kNoFrame);
    CHECK(f.pa.alloc(1, 3) == PageAllocator::kNoFrame); // alignment must be a power of two
    CHECK(f.pa.alloc(0) == PageAllocator::kNoFrame);
}

TEST_CASE("page allocator: random operations keep a consistent picture") {
    constexpr uint64_t kFrames = 2048;
    Fixture f(kFrames);
    f.pa.addFree(0, kFrames * kPage);
    std::mt19937 rng(42);
    std::vector<std::pair<uint64_t, uint64_t>> live; // (phys, count)
    std::set<uint64_t> used;
    for (int step = 0; step < 5000; ++step) {
        if (live.empty() || rng() % 3 != 0) {
            uint64_t count = 1 + rng() % 8;
            uint64_t align = uint64_t{1} << (rng() % 4);
            uint64_t p = f.pa.alloc(count, align);
            if (p == PageAllocator::kNoFrame) {
                continue;
            }
            CHECK((p / kPage) % align == 0);
            for (uint64_t i = 0; i < count; ++i) {
                CHECK(used.insert(p / kPage + i).second); // never handed out twice
            }
            live.emplace_back(p, count);
        } else {
            size_t k = rng() % live.size();
            auto [p, count] = live[k];
            CHECK(f.pa.free(p, count));
            for (uint64_t i = 0; i < count; ++i) {
                used.erase(p / kPage + i);
            }
            live.erase(live.begin() + static_cast<long>(k));
        }
        CHECK(f.pa.freeFrames() == kFrames - used.size());
    }
}
