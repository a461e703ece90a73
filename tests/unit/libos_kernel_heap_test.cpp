// The kernel heap, with pages from the host.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <set>

#include "mm/kernel_heap.h"

using uk::mm::KernelHeap;

namespace {
struct PagePool {
    std::set<void*> live;
    static void* alloc(void* ctx, size_t count) {
        void* p = std::aligned_alloc(4096, count * 4096);
        static_cast<PagePool*>(ctx)->live.insert(p);
        return p;
    }
    static void release(void* ctx, void* pages, size_t) {
        auto* pool = static_cast<PagePool*>(ctx);
        CHECK(pool->live.erase(pages) == 1);
        std::free(pages);
    }
    ~PagePool() {
        for (void* p : live) {
            std::free(p);
        }
    }
};
} // namespace

TEST_CASE("kernel heap: sizes, alignment and freeing") {
    PagePool pool;
    KernelHeap heap;
    heap.init({PagePool::alloc, PagePool::release, &pool});
    for (size_t size : {1, 15, 16, 17, 100, 1024, 1025, 4000, 5000, 100000}) {
        void* p = heap.alloc(size);
        REQUIRE(p != nullptr);
        CHECK(reinterpret_cast<uintptr_t>(p) % 16 == 0);
        std::memset(p, 0xab, size);
        CHECK(heap.free(p));
    }
    CHECK(heap.bytesInUse() == 0);
    CHECK(heap.free(nullptr));
}

TEST_CASE("kernel heap: bad and double frees are refused") {
    PagePool pool;
    KernelHeap heap;
    heap.init({PagePool::alloc, PagePool::release, &pool});
    auto* a = static_cast<char*>(heap.alloc(32));
    auto* b = static_cast<char*>(heap.alloc(32));
    REQUIRE(a != nullptr);
    CHECK_FALSE(heap.free(a + 8)); // not the start of an object
    CHECK(heap.free(a));
    CHECK_FALSE(heap.free(a)); // double free
    auto* big = static_cast<char*>(heap.alloc(10000));
    CHECK_FALSE(heap.free(big + 16));
    CHECK(heap.free(big));
    CHECK(heap.free(b));
}

TEST_CASE("kernel heap: random workload never hands out overlapping memory") {
    PagePool pool;
    KernelHeap heap;
    heap.init({PagePool::alloc, PagePool::release, &pool});
    std::mt19937 rng(7);
    std::map<char*, size_t> live;
    for (int step = 0; step < 20000; ++step) {
        if (live.empty() || rng() % 2 == 0) {
            size_t size = (rng() % 4 == 0) ? 1 + rng() % 20000 : 1 + rng() % 512;
            auto* p = static_cast<char*>(heap.alloc(size));
            REQUIRE(p != nullptr);
            std::memset(p, static_cast<int>(reinterpret_cast<uintptr_t>(p) & 0xff), size);
            live[p] = size;
        } else {
            auto it = live.begin();
            std::advance(it, static_cast<long>(rng() % live.size()));
            // The bytes are still what we wrote: no other allocation overlapped them.
            char expect = static_cast<char>(reinterpret_cast<uintptr_t>(it->first) & 0xff);
            for (size_t i = 0; i < it->second; i += 97) {
                REQUIRE(it->first[i] == expect);
            }
            CHECK(heap.free(it->first));
            live.erase(it);
        }
    }
    for (auto& [p, size] : live) {
        CHECK(heap.free(p));
    }
    CHECK(heap.bytesInUse() == 0);
    CHECK(heap.pagesHeld() <= 8); // empty slabs go back, one per class may stay
}
