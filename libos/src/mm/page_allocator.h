// Physical page allocator: one bit per 4 KiB frame (1 = free) over [0, frameCount).
//
// Freestanding and allocation-free: the caller hands in the bitmap storage (placed in the
// first RAM the allocator is about to manage, at boot). Single-page allocations are a scan
// for a non-zero word from a moving hint; runs of pages scan for consecutive set bits.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::mm {

class PageAllocator {
public:
    static constexpr uint64_t kPageSize = 4096;
    static constexpr uint64_t kNoFrame = ~0ull;

    static size_t bitmapBytes(uint64_t frameCount) { return ((frameCount + 63) / 64) * 8; }

    // All frames start out used; addFree() hands RAM to the allocator.
    void init(uint64_t* bitmap, uint64_t frameCount);

    // Marks the whole pages inside [base, base + size) free / used.
    void addFree(uint64_t base, uint64_t size);
    void reserve(uint64_t base, uint64_t size);

    // Allocates `count` contiguous frames whose first frame number is a multiple of
    // `alignFrames` (a power of two). Returns the physical address or kNoFrame.
    uint64_t alloc(uint64_t count = 1, uint64_t alignFrames = 1);

    // Returns frames. False (and nothing changes) if any of them was not allocated: a double
    // free, which the caller treats as a bug.
    bool free(uint64_t phys, uint64_t count = 1);

    bool isFree(uint64_t phys) const;
    uint64_t freeFrames() const { return free_; }
    uint64_t managedFrames() const { return managed_; }
    uint64_t frameCount() const { return frames_; }

private:
    bool test(uint64_t f) const { return (bits_[f / 64] >> (f % 64)) & 1; }
    void set(uint64_t f) { bits_[f / 64] |= 1ull << (f % 64); }
    void clear(uint64_t f) { bits_[f / 64] &= ~(1ull << (f % 64)); }
    uint64_t allocOne();

    uint64_t* bits_ = nullptr;
    uint64_t frames_ = 0;
    uint64_t free_ = 0;
    uint64_t managed_ = 0; // frames ever added with addFree
    uint64_t hint_ = 0;    // word index where the next single-frame search starts
};

} // namespace uk::mm
