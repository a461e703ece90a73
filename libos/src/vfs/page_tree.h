// The pages of a file's data, indexed by page number: a radix tree with 64-way interior
// nodes (small enough for the kernel heap's slabs) that grows in height as the file does.
// A one-page file needs no interior node at all. Absent pages are holes (they read as
// zeros). The tree holds page pointers only; their owner allocates and frees them.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../base/new.h"

namespace uk::vfs {

class PageTree {
public:
    static constexpr unsigned kFanoutBits = 6;
    static constexpr uint64_t kFanout = 1u << kFanoutBits;
    static constexpr unsigned kMaxHeight = 7; // 2^42 pages: beyond any file we accept

    PageTree() = default;
    PageTree(const PageTree&) = delete;
    PageTree& operator=(const PageTree&) = delete;
    // The owner must have removed (and freed) every page first.
    ~PageTree() { prune(root_, height_); }

    void* get(uint64_t index) const;
    // Puts `page` at `index` (which must be absent). False when memory for interior nodes
    // is exhausted or the index is out of range.
    bool insert(uint64_t index, void* page);
    // Puts `page` in place of the page at `index` (which must be present).
    void replace(uint64_t index, void* page);

    // Calls fn(index, page) for each present page with first <= index < end, in order.
    // fn may set `page` to nullptr to remove it from the tree (and then frees it itself).
    template <typename Fn>
    void forEach(uint64_t first, uint64_t end, Fn&& fn) {
        if (first < end && root_ != nullptr) {
            walk(root_, height_, 0, first, end, fn);
        }
    }

    uint64_t count() const { return count_; }
    unsigned height() const { return height_; }

private:
    struct Inner {
        void* slots[kFanout];
    };

    void** slot(uint64_t index);
    static uint64_t span(unsigned height) { return uint64_t{1} << (kFanoutBits * height); }

    // Frees interior nodes below (and including) `node` at `height` (pages are untouched).
    static void prune(void* node, unsigned height);

    template <typename Fn>
    bool walk(void*& node, unsigned height, uint64_t base, uint64_t first, uint64_t end, Fn& fn) {
        if (height == 0) {
            if (base < first || base >= end) {
                return false; // only a root page gets here unchecked
            }
            fn(base, node);
            if (node == nullptr) {
                --count_;
            }
            return node == nullptr;
        }
        auto* in = static_cast<Inner*>(node);
        uint64_t child = span(height - 1);
        bool empty = true;
        for (uint64_t i = 0; i < kFanout; ++i) {
            uint64_t lo = base + i * child;
            if (in->slots[i] != nullptr && lo < end && lo + child > first) {
                walk(in->slots[i], height - 1, lo, first, end, fn);
            }
            empty = empty && in->slots[i] == nullptr;
        }
        if (empty) {
            delete in;
            node = nullptr;
        }
        return empty;
    }

    void* root_ = nullptr;
    unsigned height_ = 0;
    uint64_t count_ = 0;
};

} // namespace uk::vfs
