#include "exec.h"

#include <uk/arch/cpu.h>
#include <uk/arch/cpu_setup.h>

#include "../base/new.h"
#include "../elf/loader.h"
#include "../mm/address_space.h"
#include "../random/entropy.h"
#include "../syscalls/errno.h"
#include "../vfs/file.h"
#include "../vfs/ops.h"
#include "../vfs/system.h"
#include "../vfs/types.h"
#include "initial_stack.h"

namespace uk::app {

namespace {

constexpr uint64_t kMainStackSize = 8ull << 20; // RLIMIT_STACK's usual 8 MiB
constexpr size_t kMaxPath = 4096;

long readFile(void* ctx, uint64_t offset, void* dst, size_t n) {
    auto* file = static_cast<vfs::File*>(ctx);
    size_t done = 0;
    while (done < n) {
        long r = file->pread(static_cast<char*>(dst) + done, n - done, offset + done);
        if (r < 0) {
            return r;
        }
        if (r == 0) {
            break;
        }
        done += static_cast<size_t>(r);
    }
    return static_cast<long>(done);
}

size_t length(const char* s) {
    size_t n = 0;
    while (s[n] != 0) {
        ++n;
    }
    return n;
}

bool hasSlash(const char* s) {
    for (; *s != 0; ++s) {
        if (*s == '/') {
            return true;
        }
    }
    return false;
}

// Opens `path` for execution: a regular file the process may execute (for root, any x bit
// suffices, as on Linux). It is read through an ordinary open, so it must be readable too.
long openExecutable(const char* path, vfs::Ref<vfs::File>* out, uint64_t* size) {
    vfs::Context& ctx = vfs::current();
    long r = vfs::openAt(ctx, vfs::kAtFdCwd, path, vfs::kORdonly, 0, out);
    if (r < 0) {
        return r;
    }
    vfs::Node* node = (*out)->node();
    if (node == nullptr || !vfs::isReg(node->mode())) {
        return -EACCES;
    }
    if (vfs::permission(node, vfs::kXOk, ctx.cred) < 0) {
        return -EACCES;
    }
    vfs::Attr attr;
    node->getattr(&attr);
    *size = attr.size;
    return 0;
}

// PATH lookup: the first directory whose entry opens as an executable wins; EACCES is kept
// as the answer if nothing better turns up (execvp's rules).
long findInPath(const char* name, const char* pathVar, char* resolved, vfs::Ref<vfs::File>* out,
                uint64_t* size) {
    long result = -ENOENT;
    size_t nameLen = length(name);
    const char* p = pathVar;
    for (;;) {
        const char* end = p;
        while (*end != 0 && *end != ':') {
            ++end;
        }
        size_t dirLen = static_cast<size_t>(end - p);
        if (dirLen + 1 + nameLen + 1 <= kMaxPath && dirLen + 1 + nameLen + 1 <= 256) {
            size_t n = 0;
            for (size_t i = 0; i < dirLen; ++i) {
                resolved[n++] = p[i];
            }
            if (dirLen == 0) {
                resolved[n++] = '.';
            }
            resolved[n++] = '/';
            for (size_t i = 0; i <= nameLen; ++i) {
                resolved[n++] = name[i];
            }
            long r = openExecutable(resolved, out, size);
            if (r == 0) {
                return 0;
            }
            if (r == -EACCES) {
                result = r;
            }
        }
        if (*end == 0) {
            return result;
        }
        p = end + 1;
    }
}

} // namespace

long loadProgram(const char* name, const char* pathVar, LoadedProgram* out, const char** why) {
    vfs::Ref<vfs::File> file;
    uint64_t size = 0;
    long r;
    if (hasSlash(name) || pathVar == nullptr) {
        if (length(name) >= sizeof out->path) {
            *why = "the path is too long";
            return -ENAMETOOLONG;
        }
        for (size_t i = 0; i <= length(name); ++i) {
            out->path[i] = name[i];
        }
        r = openExecutable(name, &file, &size);
    } else {
        r = findInPath(name, pathVar, out->path, &file, &size);
    }
    if (r == -ENOENT || r == -ENOTDIR) {
        *why = "no such file (it is not in the root file system)";
        return -ENOENT;
    }
    if (r < 0) {
        *why = r == -EACCES ? "not an executable file" : "cannot open it";
        return r;
    }

    elf::FileReader reader{readFile, file.get(), size};
    elf::ElfFile elf;
    if (!elf.open(reader)) {
        *why = elf.error();
        return -ENOEXEC;
    }
    // Names of the areas in /proc/self/maps and fault reports: the program's path.
    size_t nameLen = length(out->path);
    char* areaName = new (std::nothrow) char[nameLen + 1];
    if (areaName == nullptr) {
        *why = "out of memory";
        return -ENOMEM;
    }
    for (size_t i = 0; i <= nameLen; ++i) {
        areaName[i] = out->path[i];
    }
    elf::LoadedImage program;
    r = elf::loadElf(elf, reader, elf.isDynamic() ? elf::kPieBase : 0, areaName, &program, why);
    if (r < 0) {
        return r;
    }
    out->programEntry = program.entry;
    out->entry = program.entry;
    out->phdr = program.phdr;
    out->phnum = program.phnum;
    out->brk = program.end;
    out->interpBase = 0;

    if (elf.hasInterp()) {
        vfs::Ref<vfs::File> interpFile;
        uint64_t interpSize = 0;
        r = openExecutable(elf.interp(), &interpFile, &interpSize);
        if (r < 0) {
            *why = "its interpreter (PT_INTERP) is missing or not executable";
            return -ENOEXEC;
        }
        elf::FileReader interpReader{readFile, interpFile.get(), interpSize};
        elf::ElfFile interp;
        if (!interp.open(interpReader) || interp.hasInterp()) {
            *why =
                interp.error() != nullptr ? interp.error() : "its interpreter has an interpreter";
            return -ENOEXEC;
        }
        elf::LoadedImage ld;
        r = elf::loadElf(interp, interpReader, 0, "[ld.so]", &ld, why);
        if (r < 0) {
            return r;
        }
        out->entry = ld.entry;
        out->interpBase = ld.bias;
    }
    return 0;
}

uint64_t buildStartStack(const StartStack& args, const LoadedProgram& program,
                         const elf::Phdr* phdrsCopy, size_t phdrsCount) {
    const auto& cpu = arch::cpuFeatures();
    uint64_t hwcap = arch::cpuid(1).edx;
    uint64_t hwcap2 = cpu.fsgsbase ? 2 : 0; // HWCAP2_FSGSBASE
    // Linux: the signal frame (with the XSAVE area) plus room for a handler's own frame.
    uint64_t minSigStack = cpu.xsaveSize + 1024;
    AuxEntry aux[] = {
        {elf::AT_PHENT, sizeof(elf::Phdr)},
        {elf::AT_PHNUM, phdrsCopy != nullptr ? phdrsCount : program.phnum},
        {elf::AT_PAGESZ, 4096},
        {elf::AT_BASE, program.interpBase},
        {elf::AT_FLAGS, 0},
        {elf::AT_ENTRY, program.programEntry},
        {elf::AT_UID, 0},
        {elf::AT_EUID, 0},
        {elf::AT_GID, 0},
        {elf::AT_EGID, 0},
        {elf::AT_SECURE, 0},
        {elf::AT_HWCAP, hwcap},
        {elf::AT_HWCAP2, hwcap2},
        {elf::AT_CLKTCK, 100},
        {elf::AT_MINSIGSTKSZ, minSigStack},
        {elf::AT_PHDR, program.phdr}, // dropped below when the headers go on the stack
    };
    size_t auxc = sizeof aux / sizeof aux[0];
    if (phdrsCopy != nullptr || program.phdr == 0) {
        --auxc; // buildInitialStack adds AT_PHDR for the copy
    }
    uint8_t random16[16];
    random::rng().fill(random16, sizeof random16);

    auto& as = mm::addressSpace();
    uint64_t top = as.createStack(kMainStackSize, mm::AddressSpace::kStackTop, "[stack]");
    if (top == 0 || !as.populate(top - 4 * 4096, top)) {
        return 0;
    }
    InitialStackSpec spec{args.argv,
                          args.argc,
                          args.envp,
                          args.envc,
                          aux,
                          auxc,
                          random16,
                          "x86_64",
                          program.path[0] != 0 ? program.path : args.argv[0],
                          phdrsCopy,
                          phdrsCopy != nullptr ? phdrsCount * sizeof(elf::Phdr) : 0};
    return buildInitialStack(spec, reinterpret_cast<char*>(top), top, 256 * 1024);
}

} // namespace uk::app
