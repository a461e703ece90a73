// The application's virtual memory areas: sorted, non-overlapping, page-aligned ranges with
// Linux protection bits. Bookkeeping only; AddressSpace pairs it with the page tables.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::mm {

enum Prot : uint32_t { kProtNone = 0, kProtRead = 1, kProtWrite = 2, kProtExec = 4 };

enum class VmaKind : uint8_t {
    Anonymous, // mmap(MAP_ANONYMOUS), demand-zero
    Heap,      // brk, demand-zero
    Stack,     // a thread stack, demand-zero; the page below it stays unmapped (guard)
    Image,     // the application's own segments, mapped at boot
    Guard,     // PROT_NONE gap below a stack; touching it is a stack overflow
    File,      // mmap of a file: `backing` supplies the pages, from file offset `offset`
};

class VmaBacking;

struct Vma {
    uint64_t start;
    uint64_t end;
    uint32_t prot;
    VmaKind kind;
    const char* name; // for fault reports and /proc/self/maps; static storage
    Vma* prev;
    Vma* next;
    VmaBacking* backing = nullptr; // File areas; each Vma holds a reference
    uint64_t offset = 0;           // file offset of `start`
};

class VmaMap {
public:
    static constexpr uint64_t kPage = 4096;

    VmaMap() = default;
    VmaMap(const VmaMap&) = delete;
    VmaMap& operator=(const VmaMap&) = delete;
    ~VmaMap();

    Vma* find(uint64_t addr) const;
    bool isFree(uint64_t start, uint64_t end) const;

    // Adds [start, end) if nothing overlaps it; merges with equal neighbours (file areas
    // only with the same backing at contiguous offsets). Returns the area now containing
    // the range, or nullptr on overlap, bad alignment or no memory.
    Vma* insert(uint64_t start, uint64_t end, uint32_t prot, VmaKind kind, const char* name,
                VmaBacking* backing = nullptr, uint64_t offset = 0);

    // Removes every part of [start, end) that is mapped, splitting areas at the edges.
    // False only if a split needed memory that was not available (nothing changed then).
    bool remove(uint64_t start, uint64_t end);

    // Sets prot on [start, end). False if part of the range is unmapped (Linux: ENOMEM) or a
    // split could not allocate; nothing changes then.
    bool protect(uint64_t start, uint64_t end, uint32_t prot);

    // True if every byte of [start, end) is inside areas whose prot includes `need`.
    bool covers(uint64_t start, uint64_t end, uint32_t need) const;

    // Finds `size` bytes of unmapped space inside [low, high), highest address first.
    // Returns 0 if there is none.
    uint64_t findFreeTopDown(uint64_t size, uint64_t low, uint64_t high) const;

    const Vma* first() const { return head_; }
    size_t count() const { return count_; }

private:
    // Splits the area containing addr so that an area starts at addr. False on no memory.
    bool splitAt(uint64_t addr);
    void unlink(Vma* v);
    void tryMerge(Vma* v);

    Vma* head_ = nullptr;
    size_t count_ = 0;
};

} // namespace uk::mm
