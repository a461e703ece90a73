// /dev: a ramfs (devtmpfs) holding the device nodes, so that mknod and chmod work there as
// elsewhere; the drivers behind the numbers are in the device registry.
#include "../kernel/log.h"
#include "devices.h"
#include "ramfs.h"
#include "system.h"

namespace uk::vfs {

namespace {

struct DevNode {
    const char* name;
    uint32_t mode;
    uint64_t rdev;
};
constexpr DevNode kNodes[] = {
    {"null", kIfChr | 0666, kDevNull},       {"zero", kIfChr | 0666, kDevZero},
    {"full", kIfChr | 0666, kDevFull},       {"random", kIfChr | 0666, kDevRandom},
    {"urandom", kIfChr | 0666, kDevUrandom}, {"console", kIfChr | 0600, kDevConsole},
    {"tty", kIfChr | 0666, kDevTty},         {"ttyS0", kIfChr | 0660, makeDev(4, 64)},
};

struct DevLink {
    const char* name;
    const char* target;
};
constexpr DevLink kLinks[] = {
    {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"},
    {"fd", "/proc/self/fd"},
};

} // namespace

Ref<Node> makeDevfs() {
    return makeRamfs("devtmpfs", kTmpfsMagic, 0755, Cred{});
}

void populateDevfs(Node* root) {
    // EEXIST is fine: the console node is made at boot, before anything else.
    bool ok = true;
    for (const DevNode& d : kNodes) {
        long r = root->create(nameOf(d.name), d.mode, d.rdev, Cred{}, nullptr);
        ok = ok && (r == 0 || r == -EEXIST);
    }
    for (const DevLink& l : kLinks) {
        ok = ok && root->symlink(nameOf(l.name), nameOf(l.target), Cred{}, nullptr) == 0;
    }
    // POSIX shared memory (shm_open) lives in /dev/shm: a world-writable sticky directory.
    ok = ok && root->create(nameOf("shm"), kIfDir | 01777, 0, Cred{}, nullptr) == 0 &&
         root->create(nameOf("pts"), kIfDir | 0755, 0, Cred{}, nullptr) == 0;
    if (!ok) {
        log::notice("out of memory filling /dev");
    }
}

} // namespace uk::vfs
