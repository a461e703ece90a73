// The library OS's own heap (operator new/delete inside the kernel), separate from the
// application's malloc, which lives on brk/mmap memory.
//
// Small objects come from slab pages, one size class per page; bigger ones get a run of
// whole pages. Every page a block lives in starts with a header, so free() finds the size
// class from the pointer alone and can reject pointers it never handed out.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::mm {

struct PageSource {
    // Returns `count` contiguous, writable pages (page aligned), or nullptr.
    void* (*alloc)(void* ctx, size_t count);
    void (*free)(void* ctx, void* pages, size_t count);
    void* ctx;
};

class KernelHeap {
public:
    static constexpr size_t kPageSize = 4096;
    static constexpr size_t kClassCount = 7; // 16, 32, ..., 1024 bytes
    static constexpr size_t kMaxSmall = 1024;

    void init(PageSource source);

    // 16-byte aligned; nullptr when memory is exhausted or size is absurd.
    void* alloc(size_t size);
    // False if ptr was not allocated by this heap (or is already free); nothing changes then.
    bool free(void* ptr);

    size_t bytesInUse() const { return inUse_; }
    size_t pagesHeld() const { return pages_; }

private:
    struct SlabHeader;
    struct LargeHeader;
    void* allocSmall(size_t cls);
    void* allocLarge(size_t size);

    PageSource source_{};
    SlabHeader* partial_[kClassCount] = {}; // slabs with at least one free object
    size_t inUse_ = 0;
    size_t pages_ = 0;
};

} // namespace uk::mm
