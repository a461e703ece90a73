#include "devices.h"

#include "env.h"

namespace uk::vfs {

namespace {

struct Driver {
    uint64_t rdev;
    DeviceOpen open;
};
constexpr int kMaxDrivers = 16;
constinit Driver g_drivers[kMaxDrivers] = {};
constinit int g_driverCount = 0;

// A character device that is never seekable in a meaningful way: lseek succeeds and
// reports 0, as Linux's memory devices do.
class CharFile : public File {
public:
    using File::File;
    long pread(void* buf, size_t size, uint64_t) override { return read(buf, size); }
    long pwrite(const void* buf, size_t size, uint64_t) override { return write(buf, size); }
    long seek(int64_t, int, uint64_t* result) override {
        *result = 0;
        return 0;
    }
};

class NullFile : public CharFile {
public:
    using CharFile::CharFile;
    long read(void*, size_t) override { return 0; }
    long write(const void*, size_t size) override { return static_cast<long>(size); }
};

class ZeroFile : public CharFile {
public:
    using CharFile::CharFile;
    long read(void* buf, size_t size) override {
        if (size > kMaxIo) {
            size = kMaxIo;
        }
        __builtin_memset(buf, 0, size);
        return static_cast<long>(size);
    }
    long write(const void*, size_t size) override { return static_cast<long>(size); }
};

class FullFile : public ZeroFile {
public:
    using ZeroFile::ZeroFile;
    long write(const void*, size_t size) override { return size == 0 ? 0 : -ENOSPC; }
};

class RandomFile : public CharFile {
public:
    using CharFile::CharFile;
    long read(void* buf, size_t size) override {
        if (size > 0x1ffffff) {
            size = 0x1ffffff; // like getrandom: at most 32 MiB - 1 per call
        }
        randomBytes(buf, size);
        return static_cast<long>(size);
    }
    // Writing mixes nothing in (the generator reseeds itself); accepted as on Linux.
    long write(const void*, size_t size) override { return static_cast<long>(size); }
};

template <typename T>
long openAs(Node* node, uint32_t flags, Ref<File>* out) {
    Ref<File> f = make<T>(Ref<Node>(node), flags);
    if (!f) {
        return -ENOMEM;
    }
    *out = f;
    return 0;
}

} // namespace

bool registerDevice(uint64_t rdev, DeviceOpen open) {
    for (int i = 0; i < g_driverCount; ++i) {
        if (g_drivers[i].rdev == rdev) {
            g_drivers[i].open = open;
            return true;
        }
    }
    if (g_driverCount == kMaxDrivers) {
        return false;
    }
    g_drivers[g_driverCount++] = Driver{rdev, open};
    return true;
}

long openDevice(Node* node, uint32_t flags, Ref<File>* out) {
    if ((node->mode() & kIfMt) == kIfChr) {
        for (int i = 0; i < g_driverCount; ++i) {
            if (g_drivers[i].rdev == node->rdev()) {
                return g_drivers[i].open(node, flags, out);
            }
        }
    }
    return -ENXIO;
}

void registerMemoryDevices() {
    registerDevice(kDevNull, openAs<NullFile>);
    registerDevice(kDevZero, openAs<ZeroFile>);
    registerDevice(kDevFull, openAs<FullFile>);
    registerDevice(kDevRandom, openAs<RandomFile>);
    registerDevice(kDevUrandom, openAs<RandomFile>);
}

} // namespace uk::vfs
