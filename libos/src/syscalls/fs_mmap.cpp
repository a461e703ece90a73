// File-backed mmap: the descriptor's node supplies a backing (vfs/file_mapping.h) and the
// address space maps it as a File area. /dev/zero maps as anonymous memory, as on Linux.
#include "fs_mmap.h"

#include "../mm/address_space.h"
#include "../vfs/devices.h"
#include "fs_user.h"

namespace uk::sys {

int64_t mapFileDescriptor(uint64_t addr, uint64_t length, uint32_t prot, uint32_t flags, int fd,
                          uint64_t offset) {
    vfs::Ref<vfs::File> f = fileOf(Fd{fd});
    if (!f || f->isPath()) {
        return -EBADF;
    }
    if (offset % vfs::kPageSize != 0) {
        return -EINVAL;
    }
    vfs::Node* node = f->node();
    bool shared = (flags & 0x0f) != mm::kMapPrivate;
    if ((node->mode() & vfs::kIfMt) == vfs::kIfChr && node->rdev() == vfs::kDevZero) {
        return mm::addressSpace().mapAnonymous(addr, length, prot, flags | mm::kMapAnonymous);
    }
    if (!f->readable()) {
        return -EACCES;
    }
    if (shared && (prot & mm::kProtWrite) && !f->writable()) {
        return -EACCES;
    }
    mm::VmaBacking* backing = nullptr;
    if (long r = node->mapping(shared, f->path(), &backing); r < 0) {
        return r;
    }
    // Hold it while mapping, so that a failure (which leaves no area holding it) frees it.
    backing->hold();
    uint64_t dev, ino;
    const char* path;
    backing->describe(&dev, &ino, &path);
    int64_t r = mm::addressSpace().mapFile(addr, length, prot, flags, backing, offset, path);
    backing->release();
    return r;
}

} // namespace uk::sys
