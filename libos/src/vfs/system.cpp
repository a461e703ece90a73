// The guest's file system state and the boot-time mounting of the root file system.
#include "system.h"

#include <uk/arch/boot_info.h>
#include <uk/arch/cpu.h>
#include <uk/arch/devices.h>

#include "../kernel/log.h"
#include "../kernel/memory.h"
#include "../kernel/signals.h"
#include "../proc/process.h"
#include "../random/entropy.h"
#include "../time/clock.h"
#include "../tty/console.h"
#include "cpio.h"
#include "devices.h"
#include "env.h"
#include "ops.h"
#include "ramfs.h"

extern "C" {
// An initrd embedded in the image (uk.ld); empty when there is none.
extern const char __uk_initrd_start[];
extern const char __uk_initrd_end[];
}

namespace uk::vfs {

static_assert(kRestartSys == signals::kRestartSys);

namespace {

// Constructed on first use in static storage: they live as long as the machine.
alignas(Vfs) unsigned char g_vfsStorage[sizeof(Vfs)];
alignas(Context) unsigned char g_contextStorage[sizeof(Context)];
Vfs* g_vfs = nullptr;
Context* g_context = nullptr;

void* framePage() {
    uint64_t phys = memory::frames().alloc();
    return phys == mm::PageAllocator::kNoFrame ? nullptr : arch::physToVirt(phys);
}
void freeFrame(void* page) {
    if (!memory::frames().free(arch::virtToPhysDirect(page))) {
        log::panic("ramfs freed a page it did not own (%p)", page);
    }
}
uint64_t framePhys(const void* page) {
    return arch::virtToPhysDirect(page);
}
uint64_t realtime() {
    return clock::realtimeNs();
}
void rngBytes(void* out, size_t size) {
    random::rng().fill(out, size);
}
void memoryFigures(uint64_t* total, uint64_t* free) {
    *total = memory::totalRamBytes() / kPageSize;
    *free = memory::frames().freeFrames();
}
void processIds(int32_t* pid, uint32_t* uid, uint32_t* gid) {
    proc::Process* p = proc::current();
    const Cred& c = current().cred;
    *pid = p != nullptr ? p->pid : 0;
    *uid = c.euid;
    *gid = c.egid;
}

void sigpipe() {
    signals::sendToCurrentThread(signals::SIGPIPE);
}

// Returns the -initrd module's pages to the allocator once its contents are unpacked (only
// whole pages inside both the module and RAM).
void freeModule(const arch::BootInfo& boot, const arch::PhysRange& m) {
    uint64_t freed = 0;
    for (size_t i = 0; i < boot.ramCount; ++i) {
        uint64_t lo = m.base > boot.ram[i].base ? m.base : boot.ram[i].base;
        uint64_t mEnd = m.base + m.size, rEnd = boot.ram[i].base + boot.ram[i].size;
        uint64_t hi = mEnd < rEnd ? mEnd : rEnd;
        if (lo < hi) {
            uint64_t before = memory::frames().freeFrames();
            memory::frames().addFree(lo, hi - lo);
            freed += memory::frames().freeFrames() - before;
        }
    }
    log::info("initrd: returned %lu KiB of the module to free memory", freed * 4);
}

void unpackInitrd(const arch::BootInfo& boot, Context& ctx) {
    const void* data;
    size_t size;
    const char* from;
    if (boot.moduleCount > 0) {
        data = arch::physToVirt(boot.modules[0].base);
        size = boot.modules[0].size;
        from = "the -initrd module";
    } else {
        data = __uk_initrd_start;
        size = static_cast<size_t>(__uk_initrd_end - __uk_initrd_start);
        from = "the image";
    }
    if (size == 0) {
        log::info("initrd: none; the root file system starts empty");
        return;
    }
    UnpackStats stats;
    Text error;
    uint64_t t0 = clock::monotonicNs();
    uint32_t savedUmask = ctx.umask;
    ctx.umask = 0;
    // The image's own archive stays in memory for good: its files use its pages in place.
    // A module's pages go back to the allocator afterwards, so its files get copies.
    long r = unpackCpio(ctx, data, size, &stats, &error, boot.moduleCount == 0);
    ctx.umask = savedUmask;
    if (r < 0) {
        log::notice("initrd: %s is not a valid cpio (newc) archive: %s", from,
                    error.failed() ? "out of memory" : error.c_str());
        // The user's archive is at fault, not the library OS: no backtrace, status 125.
        arch::panicVm();
    }
    log::info("initrd: %zu entries from %s (%zu files, %lu KiB, %zu directories, %zu symlinks, "
              "%zu hard links) in %lu us",
              stats.entries, from, stats.files, stats.bytes / 1024, stats.directories,
              stats.symlinks, stats.hardLinks, (clock::monotonicNs() - t0) / 1000);
    if (boot.moduleCount > 0) {
        freeModule(boot, boot.modules[0]);
    }
}

// The directory `name` in the root, made if the tree has none (without a path walk: boot
// should run as little code as it can; a tree may bring its own /dev, /proc, ...).
Ref<Node> ensureDir(Context& ctx, const char* name, uint32_t mode) {
    Ref<Node> n;
    long r = ctx.root->lookup(nameOf(name), &n);
    if (r == -ENOENT) {
        r = ctx.root->create(nameOf(name), kIfDir | mode, 0, Cred{}, &n);
    } else if (r == 0 && !n->isDir()) {
        Text path;
        path.appendf("/%s", name);
        r = lookupAt(ctx, kAtFdCwd, path.c_str(), 0, &n); // e.g. a symlink to a directory
    }
    if (r < 0 || !n->isDir()) {
        log::panic("/%s in the root file system is not a directory (error %ld)", name, -r);
    }
    return n;
}

void mountOn(Context& ctx, const char* name, Ref<Node> root, const char* source,
             const char* options, Populate populate) {
    Ref<Node> on = ensureDir(ctx, name, 0755);
    Text path;
    path.appendf("/%s", name);
    if (!root || system().mount(on.get(), path.c_str(), static_cast<Ref<Node>&&>(root), source,
                                options, populate) < 0) {
        log::panic("cannot mount %s on /%s", source, name);
    }
}

} // namespace

Vfs& system() {
    if (g_vfs == nullptr) {
        g_vfs = new (g_vfsStorage) Vfs();
    }
    return *g_vfs;
}

Context& bootContext() {
    if (g_context == nullptr) {
        g_context = new (g_contextStorage) Context(&system());
    }
    return *g_context;
}

Context& current() {
    proc::Process* p = proc::current();
    if (p != nullptr && p->files != nullptr) {
        return *p->files;
    }
    return bootContext(); // at boot, before the first process exists
}

void mountRootFs(const arch::BootInfo& boot) {
    Environment env;
    env.allocPage = framePage;
    env.freePage = freeFrame;
    env.pagePhys = framePhys;
    env.realtimeNs = realtime;
    env.randomBytes = rngBytes;
    env.brokenPipe = sigpipe;
    env.memoryPages = memoryFigures;
    env.monotonicNs = clock::monotonicNs;
    env.callerIds = processIds;
    setEnvironment(env);
    registerMemoryDevices();
    tty::registerDevices();

    Context& ctx = current();
    Ref<Node> root = makeRamfs("ramfs", kRamfsMagic, 0755, Cred{});
    if (!root || system().mountRoot(root, "rootfs", "rw") < 0) {
        log::panic("out of memory for the root file system");
    }
    ctx.root = root;
    ctx.cwd = root;
    unpackInitrd(boot, ctx);

    // /dev, /proc and /sys fill themselves when first entered. Only the console node is made
    // now: descriptors 0, 1 and 2 are one open description of it, as init gets them.
    Ref<Node> dev = makeDevfs();
    Ref<Node> console;
    Ref<File> tty;
    if (!dev || dev->create(nameOf("console"), kIfChr | 0600, kDevConsole, Cred{}, &console) < 0 ||
        console->open(kORdwr | kOLargefile, &tty) < 0) {
        log::panic("out of memory for /dev/console");
    }
    mountOn(ctx, "dev", dev, "devtmpfs", "rw,nosuid", populateDevfs);
    mountOn(ctx, "proc", makeProcfs(), "proc", "rw,nosuid,nodev,noexec", populateProcfs);
    mountOn(ctx, "sys", makeSysfs(), "sysfs", "ro,nosuid,nodev,noexec", populateSysfs);
    // Programs expect a writable /tmp; a tree without one gets it (sticky, world-writable).
    Ref<Node> tmp;
    if (ctx.root->lookup(nameOf("tmp"), &tmp) == -ENOENT) {
        ctx.root->create(nameOf("tmp"), kIfDir | 01777, 0, Cred{}, nullptr);
    }
    tty->setPath(dupString("/dev/console"));
    if (ctx.fds.install(tty, false) != 0 || dupFd(ctx, 0, 1, false) != 1 ||
        dupFd(ctx, 0, 2, false) != 2) {
        log::panic("cannot make descriptors 0-2");
    }
}

void setInitialWorkdir(const char* path) {
    if (path == nullptr || path[0] == 0) {
        return;
    }
    long r = chdirPath(current(), path);
    if (r < 0) {
        log::notice("working directory %s: %s; staying in /", path,
                    r == -ENOENT    ? "no such directory"
                    : r == -ENOTDIR ? "not a directory"
                                    : "cannot enter it");
    }
}

} // namespace uk::vfs
