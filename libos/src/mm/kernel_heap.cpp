#include "kernel_heap.h"

namespace uk::mm {

namespace {
constexpr uint32_t kSlabMagic = 0x51ab51ab;
constexpr uint32_t kLargeMagic = 0x1a7e1a7e;
constexpr size_t kHeaderSize = 128; // room for the free bitmap; objects stay 16-byte aligned

size_t classSize(size_t cls) {
    return size_t{16} << cls;
}
} // namespace

struct KernelHeap::SlabHeader {
    uint32_t magic;
    uint16_t cls;
    uint16_t used;
    void* freeList;   // singly linked through the first word of each free object
    SlabHeader* next; // in partial_[cls]
    SlabHeader* prev;
    uint16_t capacity;
    uint8_t freeMarks[32]; // per-object "is free" bits (up to 256 objects)
};

struct KernelHeap::LargeHeader {
    uint32_t magic;
    uint32_t reserved;
    size_t pages;
    size_t size;
};

void KernelHeap::init(PageSource source) {
    static_assert(sizeof(SlabHeader) <= kHeaderSize);
    source_ = source;
    for (auto& p : partial_) {
        p = nullptr;
    }
    inUse_ = 0;
    pages_ = 0;
}

void* KernelHeap::alloc(size_t size) {
    if (size == 0) {
        size = 1;
    }
    if (size <= kMaxSmall) {
        size_t cls = 0;
        while (classSize(cls) < size) {
            ++cls;
        }
        return allocSmall(cls);
    }
    if (size > (size_t{1} << 40)) {
        return nullptr;
    }
    return allocLarge(size);
}

void* KernelHeap::allocSmall(size_t cls) {
    SlabHeader* slab = partial_[cls];
    if (slab == nullptr) {
        void* page = source_.alloc(source_.ctx, 1);
        if (page == nullptr) {
            return nullptr;
        }
        ++pages_;
        slab = static_cast<SlabHeader*>(page);
        size_t objSize = classSize(cls);
        size_t first = (kHeaderSize + objSize - 1) / objSize * objSize;
        slab->magic = kSlabMagic;
        slab->cls = static_cast<uint16_t>(cls);
        slab->used = 0;
        slab->capacity = static_cast<uint16_t>((kPageSize - first) / objSize);
        slab->freeList = nullptr;
        for (auto& m : slab->freeMarks) {
            m = 0;
        }
        // Thread the free list from the end so allocation walks the page upwards.
        for (size_t i = slab->capacity; i > 0; --i) {
            auto* obj = reinterpret_cast<char*>(page) + first + (i - 1) * objSize;
            *reinterpret_cast<void**>(obj) = slab->freeList;
            slab->freeList = obj;
            slab->freeMarks[(i - 1) / 8] |= static_cast<uint8_t>(1u << ((i - 1) % 8));
        }
        slab->prev = nullptr;
        slab->next = nullptr;
        partial_[cls] = slab;
    }
    void* obj = slab->freeList;
    slab->freeList = *static_cast<void**>(obj);
    ++slab->used;
    size_t objSize = classSize(cls);
    size_t first = (kHeaderSize + objSize - 1) / objSize * objSize;
    size_t index = (reinterpret_cast<char*>(obj) - reinterpret_cast<char*>(slab) - first) / objSize;
    slab->freeMarks[index / 8] &= static_cast<uint8_t>(~(1u << (index % 8)));
    if (slab->freeList == nullptr) {
        // Full: leave the partial list.
        partial_[cls] = slab->next;
        if (slab->next != nullptr) {
            slab->next->prev = nullptr;
        }
        slab->next = slab->prev = nullptr;
    }
    inUse_ += objSize;
    return obj;
}

void* KernelHeap::allocLarge(size_t size) {
    size_t pages = (size + kHeaderSize + kPageSize - 1) / kPageSize;
    void* mem = source_.alloc(source_.ctx, pages);
    if (mem == nullptr) {
        return nullptr;
    }
    pages_ += pages;
    auto* h = static_cast<LargeHeader*>(mem);
    h->magic = kLargeMagic;
    h->pages = pages;
    h->size = size;
    inUse_ += size;
    return static_cast<char*>(mem) + kHeaderSize;
}

bool KernelHeap::free(void* ptr) {
    if (ptr == nullptr) {
        return true;
    }
    auto addr = reinterpret_cast<uintptr_t>(ptr);
    auto* page = reinterpret_cast<char*>(addr & ~(uintptr_t{kPageSize} - 1));
    uint32_t magic = *reinterpret_cast<uint32_t*>(page);
    if (magic == kLargeMagic) {
        auto* h = reinterpret_cast<LargeHeader*>(page);
        if (static_cast<char*>(ptr) != page + kHeaderSize) {
            return false;
        }
        h->magic = 0;
        inUse_ -= h->size;
        pages_ -= h->pages;
        source_.free(source_.ctx, page, h->pages);
        return true;
    }
    if (magic != kSlabMagic) {
        return false;
    }
    auto* slab = reinterpret_cast<SlabHeader*>(page);
    size_t objSize = classSize(slab->cls);
    size_t first = (kHeaderSize + objSize - 1) / objSize * objSize;
    size_t offset = static_cast<size_t>(static_cast<char*>(ptr) - page);
    if (offset < first || (offset - first) % objSize != 0) {
        return false;
    }
    size_t index = (offset - first) / objSize;
    if (index >= slab->capacity || (slab->freeMarks[index / 8] & (1u << (index % 8)))) {
        return false; // out of range, or a double free
    }
    slab->freeMarks[index / 8] |= static_cast<uint8_t>(1u << (index % 8));
    bool wasFull = slab->freeList == nullptr;
    *static_cast<void**>(ptr) = slab->freeList;
    slab->freeList = ptr;
    --slab->used;
    inUse_ -= objSize;
    SlabHeader*& head = partial_[slab->cls];
    if (wasFull) {
        slab->prev = nullptr;
        slab->next = head;
        if (head != nullptr) {
            head->prev = slab;
        }
        head = slab;
    }
    if (slab->used == 0 && (slab->prev != nullptr || slab->next != nullptr)) {
        // Empty and not the only partial slab of its class: give the page back.
        if (slab->prev != nullptr) {
            slab->prev->next = slab->next;
        } else {
            head = slab->next;
        }
        if (slab->next != nullptr) {
            slab->next->prev = slab->prev;
        }
        slab->magic = 0;
        --pages_;
        source_.free(source_.ctx, page, 1);
    }
    return true;
}

} // namespace uk::mm
