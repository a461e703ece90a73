#include "page_allocator.h"

namespace uk::mm {

void PageAllocator::init(uint64_t* bitmap, uint64_t frameCount) {
    bits_ = bitmap;
    frames_ = frameCount;
    free_ = 0;
    managed_ = 0;
    hint_ = 0;
    for (uint64_t i = 0; i < (frameCount + 63) / 64; ++i) {
        bits_[i] = 0;
    }
}

void PageAllocator::addFree(uint64_t base, uint64_t size) {
    uint64_t first = (base + kPageSize - 1) / kPageSize;
    uint64_t end = (base + size) / kPageSize;
    if (end > frames_) {
        end = frames_;
    }
    for (uint64_t f = first; f < end; ++f) {
        if (!test(f)) {
            set(f);
            ++free_;
            ++managed_;
        }
    }
}

void PageAllocator::reserve(uint64_t base, uint64_t size) {
    uint64_t first = base / kPageSize;
    uint64_t end = (base + size + kPageSize - 1) / kPageSize;
    if (end > frames_) {
        end = frames_;
    }
    for (uint64_t f = first; f < end; ++f) {
        if (test(f)) {
            clear(f);
            --free_;
        }
    }
}

uint64_t PageAllocator::allocOne() {
    uint64_t words = (frames_ + 63) / 64;
    for (uint64_t n = 0; n < words; ++n) {
        uint64_t w = (hint_ + n) % words;
        if (bits_[w] != 0) {
            uint64_t f = w * 64 + static_cast<uint64_t>(__builtin_ctzll(bits_[w]));
            if (f >= frames_) {
                continue;
            }
            clear(f);
            --free_;
            hint_ = w;
            return f * kPageSize;
        }
    }
    return kNoFrame;
}

uint64_t PageAllocator::alloc(uint64_t count, uint64_t alignFrames) {
    if (count == 0 || count > free_) {
        return kNoFrame;
    }
    if (alignFrames == 0 || (alignFrames & (alignFrames - 1)) != 0) {
        return kNoFrame;
    }
    if (count == 1 && alignFrames == 1) {
        return allocOne();
    }
    uint64_t f = 0;
    for (;;) {
        f = (f + alignFrames - 1) & ~(alignFrames - 1);
        if (f + count > frames_) {
            return kNoFrame;
        }
        // Skip whole empty words quickly.
        if (f % 64 == 0 && bits_[f / 64] == 0) {
            f += 64;
            continue;
        }
        uint64_t run = 0;
        while (run < count && test(f + run)) {
            ++run;
        }
        if (run == count) {
            for (uint64_t i = 0; i < count; ++i) {
                clear(f + i);
            }
            free_ -= count;
            return f * kPageSize;
        }
        f += run + 1; // past the used frame that ended the run
    }
}

bool PageAllocator::free(uint64_t phys, uint64_t count) {
    if (phys % kPageSize != 0) {
        return false;
    }
    uint64_t first = phys / kPageSize;
    if (first >= frames_ || count > frames_ - first) {
        return false;
    }
    for (uint64_t i = 0; i < count; ++i) {
        if (test(first + i)) {
            return false;
        }
    }
    for (uint64_t i = 0; i < count; ++i) {
        set(first + i);
    }
    free_ += count;
    return true;
}

bool PageAllocator::isFree(uint64_t phys) const {
    uint64_t f = phys / kPageSize;
    return f < frames_ && test(f);
}

} // namespace uk::mm
