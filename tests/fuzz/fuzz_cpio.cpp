// libFuzzer: the cpio (newc) reader and the unpacker that builds the root file system from
// an initrd, on arbitrary bytes: every archive must either unpack or be refused with a
// message, never crash, leak or hang. Seeded with a small valid archive.
#include "vfs/cpio.h"
#include "vfs/ramfs.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace {

void walkTree(uk::vfs::Node* dir, int depth) {
    // Reading everything back exercises lookups, readdir and file data after unpacking.
    struct Sink : uk::vfs::DirSink {
        uk::vfs::Node* dir;
        int depth;
        bool emit(uint64_t, uint64_t, uint8_t, uk::vfs::Name n) override {
            if (n.isDot() || n.isDotDot()) {
                return true;
            }
            uk::vfs::Ref<uk::vfs::Node> child;
            if (dir->lookup(n, &child) == 0) {
                char buf[64];
                child->readAt(buf, sizeof buf, 0);
                if (child->isDir() && depth < 16) {
                    walkTree(child.get(), depth + 1);
                }
            }
            return true;
        }
    } sink;
    sink.dir = dir;
    sink.depth = depth;
    uint64_t cookie = 0;
    dir->readdir(&cookie, sink);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    uk::vfs::CpioReader reader(data, size);
    uk::vfs::CpioEntry e;
    size_t entries = 0;
    while (reader.next(&e) == uk::vfs::CpioReader::Result::Entry && entries < 100000) {
        ++entries;
    }

    uk::vfs::Vfs vfs;
    uk::vfs::Context ctx(&vfs);
    uk::vfs::Ref<uk::vfs::Node> root =
        uk::vfs::makeRamfs("ramfs", uk::vfs::kRamfsMagic, 0755, uk::vfs::Cred{});
    vfs.mountRoot(root, "rootfs", "rw");
    ctx.root = root;
    ctx.cwd = root;
    uk::vfs::UnpackStats stats;
    uk::vfs::Text error;
    if (uk::vfs::unpackCpio(ctx, data, size, &stats, &error) < 0 && error.empty()) {
        __builtin_trap(); // a refusal must say why
    }
    walkTree(root.get(), 0);
    return 0;
}
