#include "vma_map.h"

#include "../base/new.h"
#include "vma_backing.h"

namespace uk::mm {

namespace {
bool sameAttributes(const Vma* a, const Vma* b) {
    // a comes right before b.
    return a->prot == b->prot && a->kind == b->kind && a->name == b->name &&
           a->kind != VmaKind::Stack && a->kind != VmaKind::Image && a->kind != VmaKind::Guard &&
           a->backing == b->backing &&
           (a->backing == nullptr || b->offset == a->offset + (a->end - a->start));
}

void hold(Vma* v) {
    if (v->backing != nullptr) {
        v->backing->hold();
    }
}
void release(Vma* v) {
    if (v->backing != nullptr) {
        v->backing->release();
    }
}
} // namespace

VmaMap::~VmaMap() {
    while (head_ != nullptr) {
        Vma* next = head_->next;
        release(head_);
        delete head_;
        head_ = next;
    }
}

Vma* VmaMap::find(uint64_t addr) const {
    for (Vma* v = head_; v != nullptr && v->start <= addr; v = v->next) {
        if (addr < v->end) {
            return v;
        }
    }
    return nullptr;
}

bool VmaMap::isFree(uint64_t start, uint64_t end) const {
    for (Vma* v = head_; v != nullptr && v->start < end; v = v->next) {
        if (v->end > start) {
            return false;
        }
    }
    return true;
}

Vma* VmaMap::insert(uint64_t start, uint64_t end, uint32_t prot, VmaKind kind, const char* name,
                    VmaBacking* backing, uint64_t offset) {
    if (start >= end || (start | end) % kPage != 0 || !isFree(start, end)) {
        return nullptr;
    }
    Vma* node =
        new (std::nothrow) Vma{start, end, prot, kind, name, nullptr, nullptr, backing, offset};
    if (node == nullptr) {
        return nullptr;
    }
    hold(node);
    Vma* prev = nullptr;
    for (Vma* v = head_; v != nullptr && v->start < start; v = v->next) {
        prev = v;
    }
    node->prev = prev;
    node->next = prev != nullptr ? prev->next : head_;
    if (node->next != nullptr) {
        node->next->prev = node;
    }
    if (prev != nullptr) {
        prev->next = node;
    } else {
        head_ = node;
    }
    ++count_;
    Vma* result = node;
    if (node->prev != nullptr && node->prev->end == node->start &&
        sameAttributes(node->prev, node)) {
        result = node->prev;
        tryMerge(node->prev);
    }
    tryMerge(result);
    return result;
}

void VmaMap::unlink(Vma* v) {
    if (v->prev != nullptr) {
        v->prev->next = v->next;
    } else {
        head_ = v->next;
    }
    if (v->next != nullptr) {
        v->next->prev = v->prev;
    }
    --count_;
    release(v);
    delete v;
}

// Merges v with its successor if they touch and look alike.
void VmaMap::tryMerge(Vma* v) {
    Vma* n = v->next;
    if (n != nullptr && v->end == n->start && sameAttributes(v, n)) {
        v->end = n->end;
        unlink(n);
    }
}

bool VmaMap::splitAt(uint64_t addr) {
    Vma* v = find(addr);
    if (v == nullptr || v->start == addr) {
        return true;
    }
    Vma* tail = new (std::nothrow) Vma{addr,    v->end,     v->prot,
                                       v->kind, v->name,    v,
                                       v->next, v->backing, v->offset + (addr - v->start)};
    if (tail == nullptr) {
        return false;
    }
    hold(tail);
    if (v->next != nullptr) {
        v->next->prev = tail;
    }
    v->next = tail;
    v->end = addr;
    ++count_;
    return true;
}

bool VmaMap::remove(uint64_t start, uint64_t end) {
    if (start >= end) {
        return true;
    }
    if (!splitAt(start) || !splitAt(end)) {
        return false;
    }
    Vma* v = head_;
    while (v != nullptr && v->start < end) {
        Vma* next = v->next;
        if (v->start >= start) {
            unlink(v);
        }
        v = next;
    }
    return true;
}

bool VmaMap::covers(uint64_t start, uint64_t end, uint32_t need) const {
    uint64_t at = start;
    for (Vma* v = head_; v != nullptr && at < end; v = v->next) {
        if (v->end <= at) {
            continue;
        }
        if (v->start > at || (v->prot & need) != need) {
            return false;
        }
        at = v->end;
    }
    return at >= end;
}

bool VmaMap::protect(uint64_t start, uint64_t end, uint32_t prot) {
    if (start >= end) {
        return true;
    }
    if (!covers(start, end, kProtNone)) {
        return false;
    }
    if (!splitAt(start) || !splitAt(end)) {
        return false;
    }
    for (Vma* v = find(start); v != nullptr && v->start < end; v = v->next) {
        v->prot = prot;
    }
    // Re-merge what the change made alike, including the neighbours on both sides.
    Vma* v = find(start);
    if (v != nullptr && v->prev != nullptr) {
        v = v->prev;
    }
    while (v != nullptr && v->start <= end) {
        Vma* n = v->next;
        if (n != nullptr && v->end == n->start && sameAttributes(v, n)) {
            tryMerge(v); // v grew; look at its new successor
            continue;
        }
        v = n;
    }
    return true;
}

uint64_t VmaMap::findFreeTopDown(uint64_t size, uint64_t low, uint64_t high) const {
    if (size == 0 || size % kPage != 0 || high < low || high - low < size) {
        return 0;
    }
    const Vma* last = nullptr;
    for (const Vma* v = head_; v != nullptr && v->start < high; v = v->next) {
        last = v;
    }
    // Gaps from the top down: [v->end, gapEnd) between each area and the one above it.
    uint64_t gapEnd = high;
    for (const Vma* v = last; v != nullptr; v = v->prev) {
        if (v->end < gapEnd) {
            uint64_t gapStart = v->end > low ? v->end : low;
            if (gapEnd > gapStart && gapEnd - gapStart >= size) {
                return gapEnd - size;
            }
        }
        if (v->start < gapEnd) {
            gapEnd = v->start;
        }
        if (gapEnd <= low) {
            return 0;
        }
    }
    return gapEnd - low >= size ? gapEnd - size : 0;
}

} // namespace uk::mm
