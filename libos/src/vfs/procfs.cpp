// /proc for the one process (pid 1): self, the process's own files (exe, cwd, fd/, maps,
// status, stat, statm, cmdline, environ, comm, mounts) and the machine's (meminfo,
// cpuinfo, uptime, loadavg, stat, mounts, version, filesystems, a few sys/ values), each
// generated from live state when opened.
#include "../app/process.h"
#include "../kernel/log.h"
#include "../kernel/machine.h"
#include "../kernel/memory.h"
#include "../kernel/signals.h"
#include "../mm/address_space.h"
#include "../mm/vma_backing.h"
#include "../random/entropy.h"
#include "../sched/scheduler.h"
#include "../time/clock.h"
#include "env.h"
#include "pseudo.h"
#include "system.h"

namespace uk::vfs {

namespace {

constexpr uint64_t kTicksPerSecond = 100; // USER_HZ

uint64_t kib(uint64_t pages) {
    return pages * 4;
}

// ---- per-process files ---------------------------------------------------------------------

bool exeTarget(Text* out, void*) {
    const char* p = exePath();
    return p[0] != 0 && out->append(p);
}

bool cwdTarget(Text* out, void*) {
    return pathOf(current(), current().cwd.get(), out) == 0;
}
Ref<Node> cwdMagic(void*) {
    return current().cwd;
}

bool rootTarget(Text* out, void*) {
    return out->append("/");
}
Ref<Node> rootMagic(void*) {
    return current().root;
}

bool pidTarget(Text* out, void*) {
    return out->appendf("%d", app::kPid);
}

void vmaName(Text* out, const mm::Vma* v) {
    if (v->backing != nullptr) {
        uint64_t dev, ino;
        const char* path;
        v->backing->describe(&dev, &ino, &path);
        out->append(path);
    } else if (v->kind == mm::VmaKind::Image && exePath()[0] != 0) {
        out->append(exePath());
    } else if (v->kind == mm::VmaKind::Heap) {
        out->append("[heap]");
    } else if (v->kind == mm::VmaKind::Stack && v->name != nullptr) {
        out->append(v->name);
    }
}

bool mapsText(Text* out, void*) {
    for (const mm::Vma* v = mm::addressSpace().areas().first(); v != nullptr; v = v->next) {
        uint64_t dev = 0, ino = 0, offset = 0;
        bool shared = false;
        if (v->backing != nullptr) {
            const char* path;
            v->backing->describe(&dev, &ino, &path);
            offset = v->offset;
            shared = v->backing->shared();
        }
        size_t start = out->size();
        out->appendf("%08lx-%08lx %c%c%c%c %08lx %02x:%02x %lu", v->start, v->end,
                     v->prot & mm::kProtRead ? 'r' : '-', v->prot & mm::kProtWrite ? 'w' : '-',
                     v->prot & mm::kProtExec ? 'x' : '-', shared ? 's' : 'p', offset, devMajor(dev),
                     devMinor(dev), ino);
        Text name;
        vmaName(&name, v);
        if (!name.empty()) {
            // Linux pads the name to column 73 (seq_pad in show_map_vma).
            while (out->size() - start < 72) {
                out->put(' ');
            }
            out->put(' ');
            out->append(name.c_str(), name.size());
        }
        out->put('\n');
    }
    return true;
}

struct VmFigures {
    uint64_t size = 0, data = 0, stack = 0, exe = 0; // KiB
};

VmFigures vmFigures() {
    VmFigures f;
    for (const mm::Vma* v = mm::addressSpace().areas().first(); v != nullptr; v = v->next) {
        uint64_t k = (v->end - v->start) / 1024;
        if (v->kind == mm::VmaKind::Guard) {
            continue;
        }
        f.size += k;
        switch (v->kind) {
        case mm::VmaKind::Stack:
            f.stack += k;
            break;
        case mm::VmaKind::Image:
            if (v->prot & mm::kProtExec) {
                f.exe += k;
            } else if (v->prot & mm::kProtWrite) {
                f.data += k;
            }
            break;
        case mm::VmaKind::Heap:
        case mm::VmaKind::Anonymous:
            f.data += k;
            break;
        default:
            break;
        }
    }
    return f;
}

uint64_t maskOf(uint64_t handler) {
    uint64_t m = 0;
    for (int sig = 1; sig <= signals::kCount; ++sig) {
        if (signals::action(sig).handler == handler) {
            m |= signals::bit(sig);
        }
    }
    return m;
}

uint64_t caughtMask() {
    uint64_t m = 0;
    for (int sig = 1; sig <= signals::kCount; ++sig) {
        uint64_t h = signals::action(sig).handler;
        if (h != signals::kSigDfl && h != signals::kSigIgn) {
            m |= signals::bit(sig);
        }
    }
    return m;
}

bool statusText(Text* out, void*) {
    VmFigures vm = vmFigures();
    uint64_t rss = kib(mm::addressSpace().residentPages());
    const sched::Thread* t = sched::current();
    uint64_t blocked = t != nullptr ? t->sigMask : 0;
    uint64_t pending = t != nullptr ? signals::pendingSet(t) : 0;
    int cpus = machine::cpuCount();
    const Cred& c = current().cred;
    out->appendf("Name:\t%.15s\nUmask:\t%04o\nState:\tR (running)\nTgid:\t%d\nNgid:\t0\n"
                 "Pid:\t%d\nPPid:\t0\nTracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\n"
                 "Gid:\t%u\t%u\t%u\t%u\nFDSize:\t%d\nGroups:\t",
                 programName(), current().umask, app::kPid, app::kPid, c.ruid, c.euid, c.suid,
                 c.uid, c.rgid, c.egid, c.sgid, c.gid, FdTable::kLimit);
    for (int i = 0; i < groupCount(); ++i) {
        out->appendf("%u ", groupList()[i]);
    }
    out->appendf("\nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", app::kPid, app::kPid,
                 app::kPid, app::kPid);
    out->appendf("VmPeak:\t%8lu kB\nVmSize:\t%8lu kB\nVmLck:\t       0 kB\nVmPin:\t       0 kB\n"
                 "VmHWM:\t%8lu kB\nVmRSS:\t%8lu kB\nRssAnon:\t%8lu kB\nRssFile:\t       0 kB\n"
                 "RssShmem:\t       0 kB\nVmData:\t%8lu kB\nVmStk:\t%8lu kB\nVmExe:\t%8lu kB\n"
                 "VmLib:\t       0 kB\nVmPTE:\t       0 kB\nVmSwap:\t       0 kB\n",
                 vm.size, vm.size, rss, rss, rss, vm.data, vm.stack, vm.exe);
    out->appendf("Threads:\t%zu\nSigQ:\t0/%d\nSigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\n"
                 "SigIgn:\t%016lx\nSigCgt:\t%016lx\n",
                 sched::threadCount(), 4096, pending, 0ul, blocked, maskOf(signals::kSigIgn),
                 caughtMask());
    // Capabilities follow the ids (see syscalls/creds.cpp).
    bool permitted = c.ruid == 0 || c.euid == 0 || c.suid == 0;
    out->appendf("CapInh:\t0000000000000000\nCapPrm:\t%s\nCapEff:\t%s\n",
                 permitted ? "000001ffffffffff" : "0000000000000000",
                 c.euid == 0 ? "000001ffffffffff" : "0000000000000000");
    out->appendf("CapBnd:\t000001ffffffffff\n"
                 "CapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\n"
                 "Cpus_allowed:\t%x\nCpus_allowed_list:\t0-%d\nMems_allowed:\t1\n"
                 "Mems_allowed_list:\t0\nvoluntary_ctxt_switches:\t0\n"
                 "nonvoluntary_ctxt_switches:\t0\n",
                 cpus >= 32 ? 0xffffffffu : (1u << cpus) - 1, cpus - 1);
    return true;
}

uint64_t uptimeTicks() {
    return clock::monotonicNs() / (1'000'000'000 / kTicksPerSecond);
}

bool statText(Text* out, void*) {
    // Linux's 52 fields; what we do not track is 0.
    VmFigures vm = vmFigures();
    uint64_t cpu = sched::processCpuNs() / (1'000'000'000 / kTicksPerSecond);
    return out->appendf("%d (%.15s) R 0 %d %d 0 -1 4194560 0 0 0 0 %lu 0 0 0 20 0 %zu 0 %lu %lu "
                        "%lu 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 "
                        "0 0 0 0 0\n",
                        app::kPid, programName(), app::kPid, app::kPid, cpu, sched::threadCount(),
                        uint64_t{0}, vm.size * 1024, mm::addressSpace().residentPages());
}

bool statmText(Text* out, void*) {
    VmFigures vm = vmFigures();
    return out->appendf("%lu %lu 0 %lu 0 %lu 0\n", vm.size / 4, mm::addressSpace().residentPages(),
                        vm.exe / 4, (vm.data + vm.stack) / 4);
}

// argv or envp, each string NUL-terminated, as the kernel keeps them.
struct Strings {
    char* data = nullptr;
    size_t size = 0;
};
constinit Strings g_cmdline, g_environ;
constinit char* g_exe = nullptr;
constinit char g_comm[16] = "app";

bool stringsText(Text* out, void* arg) {
    auto* s = static_cast<Strings*>(arg);
    return out->append(s->data != nullptr ? s->data : "", s->size);
}

bool commText(Text* out, void*) {
    return out->appendf("%s\n", programName());
}

bool mountsText(Text* out, void*) {
    for (const Mount* m = system().mounts(); m != nullptr; m = m->next) {
        out->appendf("%s %s %s %s 0 0\n", m->source, m->path, m->root->fs()->type(), m->options);
    }
    return true;
}

// ---- /proc/self/fd ---------------------------------------------------------------------------

// A link for one descriptor: reads as what the file is, follows straight to its node.
class FdLink : public PseudoLink {
public:
    FdLink(FileSystem* fs, Ref<File> file)
        : PseudoLink(fs, describe, this, follow), file_(static_cast<Ref<File>&&>(file)) {
        mode_ = kIfLnk | 0700;
    }

private:
    static bool describe(Text* out, void* self) {
        static_cast<FdLink*>(self)->file_->describe(out);
        return true;
    }
    static Ref<Node> follow(void* self) { return static_cast<FdLink*>(self)->file_->nodeRef(); }
    ~FdLink() override = default;

    Ref<File> file_;
};

class FdDir : public PseudoDir {
public:
    FdDir(FileSystem* fs, Node* parent) : PseudoDir(fs, 0500, parent, "fd") {}

protected:
    long dynamicLookup(Name name, Ref<Node>* out) override {
        int fd = 0;
        if (name.len == 0 || name.len > 9) {
            return -ENOENT;
        }
        for (size_t i = 0; i < name.len; ++i) {
            if (name.ptr[i] < '0' || name.ptr[i] > '9' ||
                (i == 0 && name.ptr[0] == '0' && name.len > 1)) {
                return -ENOENT;
            }
            fd = fd * 10 + (name.ptr[i] - '0');
        }
        Ref<File> f = current().fds.get(fd);
        if (!f) {
            return -ENOENT;
        }
        Ref<Node> link = make<FdLink>(fs(), static_cast<Ref<File>&&>(f));
        if (!link) {
            return -ENOMEM;
        }
        *out = link;
        return 0;
    }
    bool dynamicEntry(uint64_t index, Text* name, Ref<Node>* node) override {
        int fd = current().fds.next(0);
        for (uint64_t i = 0; i < index && fd >= 0; ++i) {
            fd = current().fds.next(fd + 1);
        }
        if (fd < 0) {
            return false;
        }
        name->appendf("%d", fd);
        return dynamicLookup(Name{name->c_str(), name->size()}, node) == 0;
    }
};

// ---- machine-wide files --------------------------------------------------------------------

bool meminfoText(Text* out, void*) {
    uint64_t total = memory::totalRamBytes() / 1024;
    uint64_t free = kib(memory::frames().freeFrames());
    uint64_t shmem = kib(pagesInUse());
    out->appendf("MemTotal:       %8lu kB\nMemFree:        %8lu kB\nMemAvailable:   %8lu kB\n"
                 "Buffers:               0 kB\nCached:         %8lu kB\n"
                 "SwapCached:            0 kB\n",
                 total, free, free, shmem);
    out->appendf("Active:         %8lu kB\nInactive:              0 kB\n"
                 "Active(anon):   %8lu kB\nInactive(anon):        0 kB\n"
                 "Active(file):          0 kB\nInactive(file):        0 kB\n"
                 "Unevictable:           0 kB\nMlocked:               0 kB\n"
                 "SwapTotal:             0 kB\nSwapFree:              0 kB\n"
                 "Dirty:                 0 kB\nWriteback:             0 kB\n"
                 "AnonPages:      %8lu kB\nMapped:                0 kB\nShmem:          %8lu kB\n",
                 total - free, kib(mm::addressSpace().residentPages()),
                 kib(mm::addressSpace().residentPages()), shmem);
    return out->appendf("KReclaimable:          0 kB\nSlab:                  0 kB\n"
                        "SReclaimable:          0 kB\nSUnreclaim:            0 kB\n"
                        "KernelStack:           0 kB\nPageTables:            0 kB\n"
                        "CommitLimit:    %8lu kB\nCommitted_AS:   %8lu kB\n"
                        "VmallocTotal:   34359738367 kB\nVmallocUsed:           0 kB\n"
                        "HugePages_Total:       0\nHugePages_Free:        0\n"
                        "Hugepagesize:       2048 kB\n",
                        total, total - free);
}

bool uptimeText(Text* out, void*) {
    uint64_t up = clock::monotonicNs() / 10'000'000; // centiseconds
    uint64_t busy = sched::processCpuNs() / 10'000'000;
    uint64_t idle =
        (up > busy ? up - busy : 0) + up * static_cast<uint64_t>(machine::cpuCount() - 1);
    return out->appendf("%lu.%02lu %lu.%02lu\n", up / 100, up % 100, idle / 100, idle % 100);
}

bool loadavgText(Text* out, void*) {
    return out->appendf("0.00 0.00 0.00 1/%zu %d\n", sched::threadCount(), app::kPid);
}

bool procStatText(Text* out, void*) {
    uint64_t up = uptimeTicks();
    uint64_t user = sched::processCpuNs() / (1'000'000'000 / kTicksPerSecond);
    if (user > up) {
        user = up;
    }
    int cpus = machine::cpuCount();
    uint64_t idleAll = (up - user) + up * static_cast<uint64_t>(cpus - 1);
    out->appendf("cpu  %lu 0 0 %lu 0 0 0 0 0 0\n", user, idleAll);
    for (int c = 0; c < cpus; ++c) {
        out->appendf("cpu%d %lu 0 0 %lu 0 0 0 0 0 0\n", c, c == 0 ? user : 0,
                     c == 0 ? up - user : up);
    }
    uint64_t boot = (clock::realtimeNs() - clock::monotonicNs()) / 1'000'000'000;
    return out->appendf("intr 0\nctxt 0\nbtime %lu\nprocesses 1\nprocs_running 1\n"
                        "procs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
                        boot);
}

bool bootId(Text* out, void*) {
    static uint8_t id[16];
    static bool made = false;
    if (!made) {
        random::rng().fill(id, sizeof id);
        id[6] = static_cast<uint8_t>((id[6] & 0x0f) | 0x40);
        id[8] = static_cast<uint8_t>((id[8] & 0x3f) | 0x80);
        made = true;
    }
    return out->appendf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n",
                        id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7], id[8], id[9],
                        id[10], id[11], id[12], id[13], id[14], id[15]);
}

bool randomUuid(Text* out, void*) {
    uint8_t id[16];
    random::rng().fill(id, sizeof id);
    id[6] = static_cast<uint8_t>((id[6] & 0x0f) | 0x40);
    id[8] = static_cast<uint8_t>((id[8] & 0x3f) | 0x80);
    return out->appendf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n",
                        id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7], id[8], id[9],
                        id[10], id[11], id[12], id[13], id[14], id[15]);
}

void* text(const char* s) {
    return const_cast<char*>(s);
}

struct Builder {
    FileSystem* fs;
    bool ok = true;

    void file(PseudoDir* dir, const char* name, Generator gen, void* arg = nullptr) {
        ok = ok && dir->add(name, make<PseudoFile>(fs, 0444, gen, arg));
    }
    void link(PseudoDir* dir, const char* name, LinkTarget target, MagicTarget magic = nullptr) {
        ok = ok && dir->add(name, make<PseudoLink>(fs, target, nullptr, magic));
    }
    Ref<PseudoDir> dir(PseudoDir* parent, const char* name, uint32_t perm = 0555) {
        Ref<PseudoDir> d = make<PseudoDir>(fs, perm, parent, name);
        ok = ok && d && parent->add(name, d);
        return d;
    }
};

} // namespace

void setExePath(const char* path) {
    char* copy = dupString(path);
    if (copy != nullptr) {
        delete[] g_exe;
        g_exe = copy;
    }
}

const char* exePath() {
    return g_exe != nullptr ? g_exe : "";
}

const char* programName() {
    return g_comm;
}

void setProgramName(const char* name) {
    size_t i = 0;
    for (; name[i] != 0 && i < sizeof g_comm - 1; ++i) {
        g_comm[i] = name[i];
    }
    g_comm[i] = 0;
}

void setProgramArguments(const char* const* argv, size_t argc, const char* const* envp,
                         size_t envc) {
    auto pack = [](Strings* s, const char* const* v, size_t n) {
        Text t;
        for (size_t i = 0; i < n; ++i) {
            t.append(v[i], __builtin_strlen(v[i]) + 1);
        }
        if (t.failed()) {
            return;
        }
        delete[] s->data;
        s->size = t.size();
        s->data = t.release();
    };
    pack(&g_cmdline, argv, argc);
    pack(&g_environ, envp, envc);
    if (argc > 0) {
        const char* base = argv[0];
        for (const char* p = argv[0]; *p != 0; ++p) {
            if (*p == '/' && p[1] != 0) {
                base = p + 1;
            }
        }
        size_t i = 0;
        for (; base[i] != 0 && i < sizeof g_comm - 1; ++i) {
            g_comm[i] = base[i];
        }
        g_comm[i] = 0;
        if (g_exe == nullptr) {
            // Until a loader says which file runs: argv[0], made absolute.
            Text t;
            if (argv[0][0] != '/') {
                pathOf(current(), current().cwd.get(), &t);
                if (t.size() > 1) {
                    t.put('/');
                }
            }
            t.append(argv[0]);
            if (!t.failed()) {
                g_exe = t.release();
            }
        }
    }
}

namespace {
bool buildProcfs(PseudoDir* root);
} // namespace

Ref<Node> makeProcfs() {
    Ref<FileSystem> fs = make<PseudoFs>("proc", kProcMagic);
    return fs ? make<PseudoDir>(fs.get(), 0555, nullptr, "proc") : nullptr;
}

void populateProcfs(Node* rootNode) {
    if (!buildProcfs(static_cast<PseudoDir*>(rootNode))) {
        log::notice("out of memory filling /proc");
    }
}

namespace {

bool buildProcfs(PseudoDir* rootDir) {
    Ref<PseudoDir> root(rootDir);
    Builder b{root->fs()};
    b.link(root.get(), "self", pidTarget);
    b.file(root.get(), "meminfo", meminfoText);
    b.file(root.get(), "cpuinfo", cpuinfoText);
    b.file(root.get(), "uptime", uptimeText);
    b.file(root.get(), "loadavg", loadavgText);
    b.file(root.get(), "stat", procStatText);
    b.file(root.get(), "mounts", mountsText);
    b.file(root.get(), "version", staticText,
           text("Linux version 6.1.0-uk (uk) (clang) #1 uk " UK_VERSION "\n"));
    b.file(root.get(), "filesystems", staticText,
           text("nodev\tramfs\nnodev\ttmpfs\nnodev\tdevtmpfs\nnodev\tproc\nnodev\tsysfs\n"
                "nodev\tpipefs\n"));
    b.file(root.get(), "cmdline", staticText, text("\n"));

    Ref<PseudoDir> sys = b.dir(root.get(), "sys");
    Ref<PseudoDir> kernel = sys ? b.dir(sys.get(), "kernel") : nullptr;
    Ref<PseudoDir> random = kernel ? b.dir(kernel.get(), "random") : nullptr;
    Ref<PseudoDir> vm = sys ? b.dir(sys.get(), "vm") : nullptr;
    Ref<PseudoDir> fsSys = sys ? b.dir(sys.get(), "fs") : nullptr;
    if (!b.ok) {
        return false;
    }
    b.file(kernel.get(), "ostype", staticText, text("Linux\n"));
    b.file(kernel.get(), "osrelease", staticText, text("6.1.0-uk\n"));
    b.file(kernel.get(), "hostname", staticText, text("uk\n"));
    b.file(kernel.get(), "domainname", staticText, text("(none)\n"));
    b.file(kernel.get(), "pid_max", staticText, text("4194304\n"));
    b.file(kernel.get(), "threads-max", staticText, text("4096\n"));
    b.file(kernel.get(), "ngroups_max", staticText, text("65536\n"));
    b.file(random.get(), "boot_id", bootId);
    b.file(random.get(), "uuid", randomUuid);
    b.file(random.get(), "entropy_avail", staticText, text("256\n"));
    b.file(vm.get(), "overcommit_memory", staticText, text("0\n"));
    b.file(vm.get(), "max_map_count", staticText, text("65530\n"));
    b.file(fsSys.get(), "pipe-max-size", staticText, text("1048576\n"));
    b.file(fsSys.get(), "file-max", staticText, text("1048576\n"));
    b.file(fsSys.get(), "nr_open", staticText, text("1048576\n"));

    // The process: /proc/1 (and /proc/self, a symlink to it).
    Ref<PseudoDir> pid = b.dir(root.get(), "1");
    if (!b.ok) {
        return false;
    }
    b.link(pid.get(), "exe", exeTarget);
    b.link(pid.get(), "cwd", cwdTarget, cwdMagic);
    b.link(pid.get(), "root", rootTarget, rootMagic);
    b.file(pid.get(), "maps", mapsText);
    b.file(pid.get(), "status", statusText);
    b.file(pid.get(), "stat", statText);
    b.file(pid.get(), "statm", statmText);
    b.file(pid.get(), "cmdline", stringsText, &g_cmdline);
    b.file(pid.get(), "environ", stringsText, &g_environ);
    b.file(pid.get(), "comm", commText);
    b.file(pid.get(), "mounts", mountsText);
    Ref<PseudoDir> fd = make<FdDir>(root->fs(), pid.get());
    return b.ok && fd && pid->add("fd", fd);
}

} // namespace

} // namespace uk::vfs
