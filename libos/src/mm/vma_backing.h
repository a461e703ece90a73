// What a file-backed memory area maps: implemented by the VFS for a file's pages. Every Vma
// that refers to a backing holds one reference (hold/release), so splitting and merging
// areas keeps the count right and the file lives as long as any part is mapped.
#pragma once

#include <stdint.h>

namespace uk::mm {

class VmaBacking {
public:
    virtual void hold() = 0;
    virtual void release() = 0;

    // MAP_SHARED: every mapping and read/write see the same frames.
    virtual bool shared() const = 0;
    // The physical frame holding page `index` of the object, for a shared mapping; a hole
    // gets a zeroed page first. 0 when memory is exhausted.
    virtual uint64_t sharedFrame(uint64_t index) = 0;
    // Copies page `index` into `dst` (4 KiB): a private mapping's own copy. Holes and the
    // part beyond the end of the file read as zeros.
    virtual void copyPage(uint64_t index, void* dst) = 0;
    // For /proc/self/maps: the object's device, inode and path (static or held by it).
    virtual void describe(uint64_t* dev, uint64_t* ino, const char** path) const = 0;

protected:
    ~VmaBacking() = default;
};

} // namespace uk::mm
