#include "process.h"

#include <uk/arch/cpu.h>
#include <uk/arch/cpu_setup.h>
#include <uk/arch/devices.h>
#include <uk/image_format.h>

#include "../base/new.h"
#include "../elf/elf.h"
#include "../kernel/cmdline.h"
#include "../kernel/log.h"
#include "../kernel/memory.h"
#include "../mm/address_space.h"
#include "../proc/process.h"
#include "../sched/scheduler.h"
#include "../syscalls/errno.h"
#include "../time/clock.h"
#include "../vfs/file.h"
#include "../vfs/node.h"
#include "../vfs/ops.h"
#include "../vfs/system.h"
#include "exec.h"
#include "start_gate.h"

extern "C" {
extern const char __uk_config_start[];
extern const char __uk_config_end[];
[[noreturn]] void uk_enter_app(uint64_t entry, uint64_t stack);
}

namespace uk::app {

namespace {

constexpr size_t kMaxWords = 256;
constexpr const char* kDefaultPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// A C string copied out of a length-prefixed config record.
const char* dupRecord(const char* data, uint32_t length) {
    char* s = new (std::nothrow) char[length + 1];
    if (s == nullptr) {
        log::panic("out of memory reading the image configuration");
    }
    for (uint32_t i = 0; i < length; ++i) {
        s[i] = data[i];
    }
    s[length] = 0;
    return s;
}

size_t nameLength(const char* env) {
    size_t n = 0;
    while (env[n] != 0 && env[n] != '=') {
        ++n;
    }
    return n;
}

// Adds NAME=VALUE, replacing an earlier entry with the same NAME.
void putEnv(const char** env, size_t* count, const char* entry) {
    size_t n = nameLength(entry);
    for (size_t i = 0; i < *count; ++i) {
        if (nameLength(env[i]) == n) {
            bool same = true;
            for (size_t k = 0; k < n && same; ++k) {
                same = env[i][k] == entry[k];
            }
            if (same) {
                env[i] = entry;
                return;
            }
        }
    }
    if (*count < kMaxWords) {
        env[(*count)++] = entry;
    } else {
        log::notice("too many environment variables; dropping %s", entry);
    }
}

// A decimal user or group id ("1000"); false for anything else, and for 4294967295 (-1,
// which no id may be).
bool parseId(const char* s, size_t length, uint32_t* out) {
    if (length == 0 || length > 10) {
        return false;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < length; ++i) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + static_cast<uint64_t>(s[i] - '0');
    }
    if (v >= 0xffffffffull) {
        return false;
    }
    *out = static_cast<uint32_t>(v);
    return true;
}

// The primary group of `uid` in the root file system's /etc/passwd, as Docker finds it for
// `--user UID`; 0 when the file or the user is missing.
uint32_t passwdGroup(uint32_t uid) {
    vfs::Ref<vfs::File> f;
    if (vfs::openAt(vfs::current(), vfs::kAtFdCwd, "/etc/passwd", vfs::kORdonly, 0, &f) < 0) {
        return 0;
    }
    constexpr size_t kMax = 256 * 1024;
    char* text = new (std::nothrow) char[kMax];
    if (text == nullptr) {
        return 0;
    }
    size_t n = 0;
    while (n < kMax) {
        long r = f->pread(text + n, kMax - n, n);
        if (r <= 0) {
            break;
        }
        n += static_cast<size_t>(r);
    }
    uint32_t gid = 0;
    // name:password:UID:GID:gecos:home:shell
    for (size_t line = 0; line < n;) {
        size_t end = line;
        while (end < n && text[end] != '\n') {
            ++end;
        }
        size_t field[5] = {};
        size_t fields = 1;
        field[0] = line;
        for (size_t i = line; i < end && fields < 5; ++i) {
            if (text[i] == ':') {
                field[fields++] = i + 1;
            }
        }
        uint32_t u, g;
        if (fields == 5 && parseId(text + field[2], field[3] - 1 - field[2], &u) && u == uid &&
            parseId(text + field[3], field[4] - 1 - field[3], &g)) {
            gid = g;
            break;
        }
        line = end + 1;
    }
    delete[] text;
    return gid;
}

// "UID:GID", or "UID" alone (the group from /etc/passwd, as Docker does).
bool parseUser(const char* s, size_t length, uint32_t* uid, uint32_t* gid) {
    size_t colon = 0;
    while (colon < length && s[colon] != ':') {
        ++colon;
    }
    if (!parseId(s, colon, uid)) {
        return false;
    }
    if (colon == length) {
        *gid = passwdGroup(*uid);
        return true;
    }
    return parseId(s + colon + 1, length - colon - 1, gid);
}

size_t stringLength(const char* s) {
    size_t n = 0;
    while (s[n] != 0) {
        ++n;
    }
    return n;
}

// The credentials of the first process: the image's User and Group records, or uk.user
// (which drops the image's groups). Applied to the boot context, which becomes the first
// process's, after the working directory was entered (as root, as runc does first).
void setFirstUser(const CommandLine& cmdline, const image::ConfigReader& cfg,
                  const image::ConfigReader::Record* user) {
    const char* text = nullptr;
    size_t length = 0;
    const char* origin = "the image's User";
    const char* option = cmdline.value(image::kOptUser);
    if (option != nullptr) {
        text = option;
        length = stringLength(option);
        origin = image::kOptUser;
    } else if (user != nullptr) {
        text = user->data;
        length = user->length;
    } else {
        return; // root, no supplementary groups
    }
    uint32_t uid = 0, gid = 0;
    if (!parseUser(text, length, &uid, &gid)) {
        log::notice("%s '%.*s' is not UID:GID (decimal ids); running as root", origin,
                    static_cast<int>(length < 64 ? length : 64), text);
        return;
    }
    int count = 0;
    uint32_t* groups = nullptr;
    if (option == nullptr && cfg.count() > 0) {
        groups = new (std::nothrow) uint32_t[cfg.count()];
        if (groups == nullptr) {
            log::panic("out of memory reading the image configuration");
        }
        cfg.forEach([&](const image::ConfigReader::Record& r) {
            if (r.tag != image::ConfigTag::Group) {
                return;
            }
            uint32_t g;
            if (parseId(r.data, r.length, &g)) {
                groups[count++] = g;
            } else {
                log::notice("the image's Group '%.*s' is not a decimal id; ignoring it",
                            static_cast<int>(r.length < 64 ? r.length : 64), r.data);
            }
        });
        if (count == 0) {
            delete[] groups;
            groups = nullptr;
        }
    }
    vfs::setGroups(groups, count);
    vfs::bootContext().cred = vfs::Cred::of(uid, gid);
    log::info("user: uid %u, gid %u, %d supplementary group%s", uid, gid, count,
              count == 1 ? "" : "s");
}

// The application's program headers: its own segments plus TLS, EH frame and stack notes,
// without the library OS's (which live in the same ELF).
size_t collectPhdrs(elf::Phdr* out, size_t max) {
    const auto& img = memory::image();
    const auto* eh = static_cast<const elf::Ehdr*>(arch::physToVirt(img.imagePhysStart));
    if (eh->ident[0] != 0x7f || eh->ident[1] != 'E' || eh->phentsize != sizeof(elf::Phdr)) {
        return 0;
    }
    const auto* ph =
        reinterpret_cast<const elf::Phdr*>(reinterpret_cast<const char*>(eh) + eh->phoff);
    size_t n = 0;
    for (uint16_t i = 0; i < eh->phnum && n < max; ++i) {
        const elf::Phdr& p = ph[i];
        bool app = false;
        switch (p.type) {
        case elf::kPtLoad:
            app = p.vaddr >= img.appStart && p.vaddr < img.appEnd;
            break;
        case elf::kPtTls:
        case elf::kPtGnuEhFrame:
        case elf::kPtGnuStack:
            app = true;
            break;
        default:
            break;
        }
        if (app) {
            out[n++] = p;
        }
    }
    return n;
}

} // namespace

void start(const CommandLine& cmdline) {
    const auto& img = memory::image();

    // argv and envp from the image configuration and the command line.
    static const char* argv[kMaxWords];
    static const char* envp[kMaxWords];
    size_t argc = 0, envc = 0;
    const char* cmd[kMaxWords];
    size_t cmdc = 0;
    const char* workdir = nullptr;
    image::ConfigReader::Record user{};
    bool haveUser = false;
    // uk.entrypoint=PATH replaces the Entrypoint and drops the Cmd, as docker run --entrypoint
    // does; an empty PATH leaves no entrypoint at all.
    const char* entrypoint = cmdline.value(image::kOptEntrypoint);
    size_t configSize = reinterpret_cast<uintptr_t>(__uk_config_end) -
                        reinterpret_cast<uintptr_t>(__uk_config_start);
    image::ConfigReader cfg(__uk_config_start, configSize);
    if (configSize != 0 && !cfg.valid()) {
        log::notice("the image configuration is corrupt; ignoring it");
    }
    cfg.forEach([&](const image::ConfigReader::Record& r) {
        switch (r.tag) {
        case image::ConfigTag::Entrypoint:
            if (entrypoint == nullptr && argc < kMaxWords) {
                argv[argc++] = dupRecord(r.data, r.length);
            }
            break;
        case image::ConfigTag::Cmd:
            if (entrypoint == nullptr && cmdc < kMaxWords) {
                cmd[cmdc++] = dupRecord(r.data, r.length);
            }
            break;
        case image::ConfigTag::Env:
            putEnv(envp, &envc, dupRecord(r.data, r.length));
            break;
        case image::ConfigTag::WorkingDir:
            workdir = dupRecord(r.data, r.length);
            break;
        case image::ConfigTag::User:
            user = r;
            haveUser = true;
            break;
        case image::ConfigTag::Group: // read with User, by setFirstUser
            break;
        case image::ConfigTag::ExposedPort: // informational: what the OCI image declared
        case image::ConfigTag::Volume:
        case image::ConfigTag::Label:
            break;
        }
    });
    if (entrypoint != nullptr && entrypoint[0] != 0) {
        argv[argc++] = entrypoint;
    }
    bool linked = img.appEntry != 0;
    if (argc == 0 && linked) {
        argv[argc++] = "app";
    }
    if (cmdline.argCount() > 0) {
        for (size_t i = 0; i < cmdline.argCount() && argc < kMaxWords; ++i) {
            argv[argc++] = cmdline.arg(i);
        }
    } else {
        for (size_t i = 0; i < cmdc && argc < kMaxWords; ++i) {
            argv[argc++] = cmd[i];
        }
    }
    if (argc == 0) {
        // Docker's rule: an image without Entrypoint runs its Cmd; with neither there is
        // nothing to run.
        log::notice("this image names no program to run (no entrypoint, no command, and no "
                    "application linked in)");
        exitProcess(127);
    }
    const char* pathValue = nullptr;
    for (size_t i = 0; i < envc; ++i) {
        if (nameLength(envp[i]) == 4 && envp[i][0] == 'P' && envp[i][1] == 'A' &&
            envp[i][2] == 'T' && envp[i][3] == 'H') {
            pathValue = envp[i] + 5;
        }
    }
    if (pathValue == nullptr) {
        putEnv(envp, &envc, kDefaultPath);
    }
    for (size_t i = 0; i < cmdline.optionCount(); ++i) {
        const char* o = cmdline.option(i);
        const char* key = image::kOptEnv;
        size_t k = 0;
        while (key[k] != 0 && o[k] == key[k]) {
            ++k;
        }
        if (key[k] == 0 && o[k] == '=') {
            putEnv(envp, &envc, o + k + 1);
        }
    }
    for (size_t i = 0; i < envc; ++i) {
        if (nameLength(envp[i]) == 4 && envp[i][0] == 'P' && envp[i][1] == 'A' &&
            envp[i][2] == 'T' && envp[i][3] == 'H') {
            pathValue = envp[i] + 5;
        }
    }
    if (const char* w = cmdline.value(image::kOptWorkdir); w != nullptr && w[0] != 0) {
        workdir = w; // uk run --workdir wins over the image's WorkingDir
    }
    vfs::setInitialWorkdir(workdir);
    setFirstUser(cmdline, cfg, haveUser ? &user : nullptr);
    vfs::setProgramArguments(argv, argc, envp, envc);

    // The main thread (tid 1) with its system call stack, the idle thread, and the first
    // process around the main thread.
    sched::Thread* main = sched::init();
    proc::createFirst(main, &mm::addressSpace(), &vfs::bootContext());

    LoadedProgram program;
    static elf::Phdr phdrs[16];
    size_t phnum = 0;
    if (linked) {
        // The application linked into this image: already mapped; its program headers are
        // among the library OS's, so a copy of its own goes on the stack.
        phnum = collectPhdrs(phdrs, 16);
        program.entry = program.programEntry = img.appEntry;
    } else {
        // A program from the root file system (uk pack, uk convert): argv[0] is its path or
        // a name to look up in PATH, as Docker does with an image's entrypoint.
        const char* why = "";
        long r = loadProgram(argv[0], pathValue != nullptr ? pathValue : kDefaultPath + 5, &program,
                             &why);
        if (r < 0) {
            log::notice("cannot run %s: %s", argv[0], why);
            exitProcess(r == -ENOENT ? 127 : 126);
        }
        vfs::setExePath(program.path);
        mm::addressSpace().setBrkStart(program.brk);
        log::info("exec: %s, entry %#lx%s", program.path, program.entry,
                  program.interpBase != 0 ? " (through its interpreter)" : "");
    }

    StartStack args{argv, argc, envp, envc};
    uint64_t sp = buildStartStack(args, program, linked ? phdrs : nullptr, phnum);
    if (sp == 0) {
        log::panic("cannot build the main stack (arguments and environment over 256 KiB?)");
    }

    if (cmdline.has(image::kOptStartGate)) {
        // Everything up to the entry is done; the program runs ahead to its first outside
        // call, which waits there for the start (start_gate.h).
        log::info("boot: %lu us to the start gate",
                  clock::tscToNs(arch::rdtsc() - clock::bootTsc()) / 1000);
        gate::arm();
    }
    arch::resetFpuState();
    log::info("boot: %lu us to the application entry",
              clock::tscToNs(arch::rdtsc() - clock::bootTsc()) / 1000);
    uk_enter_app(program.entry, sp);
}

namespace {
constexpr int kMaxExitHooks = 4;
constinit void (*g_exitHooks[kMaxExitHooks])() = {};
constinit int g_exitHookCount = 0;
} // namespace

void addExitHook(void (*hook)()) {
    if (g_exitHookCount < kMaxExitHooks) {
        g_exitHooks[g_exitHookCount++] = hook;
    }
}

void exitProcess(int status) {
    gate::pass("its exit"); // an end before the start shows after it
    for (int i = 0; i < g_exitHookCount; ++i) {
        g_exitHooks[i]();
    }
    arch::disableInterrupts();
    log::info("exit: status %d after %lu us, %lu KiB resident", status & 0xff,
              clock::monotonicNs() / 1000, mm::addressSpace().residentPages() * 4);
    arch::exitVm(status);
}

} // namespace uk::app
