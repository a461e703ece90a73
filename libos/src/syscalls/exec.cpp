// execve: the calling process runs a new program in a new address space. The arguments and
// environment are copied out first; the program (and its interpreter) load into a fresh
// address space while the old one stays intact, so any failure returns to the caller with
// its memory untouched. Past that point the old memory goes (or, for a vfork child, goes
// back to the parent), descriptors marked close-on-exec close, and handled signals revert
// to their default action.
#include <uk/arch/context.h>
#include <uk/arch/cpu.h>
#include <uk/arch/cpu_setup.h>

#include "../app/exec.h"
#include "../kernel/log.h"
#include "../mm/address_space.h"
#include "../proc/process.h"
#include "../sched/scheduler.h"
#include "../vfs/system.h"
#include "dispatch.h"
#include "fs_user.h"
#include "syscall.h"
#include "timers.h"

namespace uk::sys {

namespace {

// What one program's arguments and environment may take together (the initial stack
// reserves this much), and how many strings.
constexpr size_t kStringSpace = 256 * 1024;
constexpr size_t kMaxStrings = 16 * 1024;

// argv and envp copied out of the application's memory into one buffer.
class StringVectors {
public:
    StringVectors() = default;
    StringVectors(const StringVectors&) = delete;
    StringVectors& operator=(const StringVectors&) = delete;
    ~StringVectors() {
        delete[] data_;
        delete[] ptrs_;
    }

    long init() {
        data_ = new (std::nothrow) char[kStringSpace];
        ptrs_ = new (std::nothrow) const char*[kMaxStrings + 2];
        return data_ != nullptr && ptrs_ != nullptr ? 0 : -ENOMEM;
    }

    // Appends the NULL-terminated array `user` (a null array is empty, as Linux allows);
    // returns its first index in *first and its count in *count.
    long append(const char* const* user, size_t* first, size_t* count) {
        *first = n_;
        *count = 0;
        if (user == nullptr) {
            ptrs_[n_++] = nullptr;
            return 0;
        }
        for (size_t i = 0;; ++i) {
            const char* s;
            if (copyIn(&s, user + i, sizeof s) < 0) {
                return -EFAULT;
            }
            if (s == nullptr) {
                break;
            }
            if (n_ >= kMaxStrings) {
                return -E2BIG;
            }
            long len = copyUserString(s, data_ + used_, kStringSpace - used_, -E2BIG);
            if (len < 0) {
                return len;
            }
            ptrs_[n_++] = data_ + used_;
            used_ += static_cast<size_t>(len) + 1;
            ++*count;
        }
        ptrs_[n_++] = nullptr;
        return 0;
    }

    const char* const* at(size_t i) const { return ptrs_ + i; }

private:
    char* data_ = nullptr;
    const char** ptrs_ = nullptr;
    size_t used_ = 0;
    size_t n_ = 0;
};

bool reportedThreadedExec = false;

// Everything but the jump: fills *start with the new program's first context, or returns
// -errno with the caller's process as it was.
long prepareExec(CStr path, const void* argv, const void* envp, arch::TrapFrame* start) {
    UserPath name;
    long r = name.copy(path);
    if (r < 0) {
        return r;
    }
    if (name.get()[0] == 0) {
        return -ENOENT;
    }
    StringVectors strings;
    size_t argvAt, argc, envAt, envc;
    if ((r = strings.init()) < 0 ||
        (r = strings.append(static_cast<const char* const*>(argv), &argvAt, &argc)) < 0 ||
        (r = strings.append(static_cast<const char* const*>(envp), &envAt, &envc)) < 0) {
        return r;
    }
    proc::Process* p = proc::current();
    sched::Thread* self = sched::current();
    if (p->threads > 1) {
        if (!reportedThreadedExec) {
            reportedThreadedExec = true;
            log::notice("execve in a process with several threads is not supported yet: "
                        "returning EAGAIN");
        }
        return -EAGAIN;
    }

    // Load into a new address space; the old one stays until nothing can fail.
    mm::AddressSpace* old = p->as;
    mm::AddressSpace* fresh = mm::AddressSpace::create();
    if (fresh == nullptr) {
        return -ENOMEM;
    }
    p->as = fresh;
    mm::activate(fresh);
    app::LoadedProgram program;
    const char* why = "";
    r = app::loadProgram(name.get(), nullptr, &program, &why);
    uint64_t sp = 0;
    if (r == 0) {
        const char* noArgs[] = {name.get(), nullptr};
        app::StartStack args{argc > 0 ? strings.at(argvAt) : noArgs, argc > 0 ? argc : 1,
                             strings.at(envAt), envc};
        sp = app::buildStartStack(args, program, nullptr, 0);
        if (sp == 0) {
            r = -ENOMEM;
        }
    }
    // Back on the old memory for the caller (on failure) or for strace (which decodes the
    // arguments from there).
    p->as = old;
    mm::activate(old);
    if (r < 0) {
        mm::AddressSpace::destroy(fresh);
        if (log::verbose()) {
            log::info("execve %s: %s", name.get(), why);
        }
        return r;
    }
    traceSuccessWithoutReturn(0);

    // The point of no return.
    p->as = fresh;
    mm::activate(fresh);
    fresh->setBrkStart(program.brk);
    if (p->borrowsMemory) {
        p->borrowsMemory = false; // the parent's memory was only borrowed: it keeps it
    } else {
        mm::AddressSpace::destroy(old);
    }
    proc::releaseVforkParent(p);
    vfs::current().fds.closeOnExec();
    deletePosixTimers(p->pid);
    // Interval timers (setitimer, alarm) survive execve, as on Linux.
    for (int s = 1; s <= signals::kCount; ++s) {
        signals::KernelSigaction& a = p->actions[s];
        if (a.handler != signals::kSigIgn) {
            a = signals::KernelSigaction{};
        }
    }
    self->altStack = sched::SignalStack{};
    self->clearChildTid = 0;
    self->robustList = 0;
    self->robustListLength = 0;
    self->fsBase = 0;
    self->gsBase = 0;
    arch::writeFsBase(0);
    arch::writeGsBase(0);
    if (p == proc::first()) {
        // What /proc/self shows describes the first process.
        vfs::setExePath(program.path);
        vfs::setProgramArguments(strings.at(argvAt), argc, strings.at(envAt), envc);
    }
    log::info("exec: pid %d runs %s, entry %#lx", p->pid, program.path, program.entry);

    *start = arch::userFrame(program.entry, sp, 0x202);
    return 0;
}

long sysExecve(CStr path, const void* argv, const void* envp) {
    arch::TrapFrame start;
    long r = prepareExec(path, argv, envp, &start);
    if (r < 0) {
        return r;
    }
    sched::Thread* self = sched::current();
    self->syscallFrame = nullptr;
    arch::resetFpuState();
    arch::resumeFrame(start, self->kstack.top);
}

} // namespace

UK_SYSCALL(execve, sysExecve, Partial,
           "only in a single-threaded process; /proc/self/exe and cmdline follow the first "
           "process's");

} // namespace uk::sys
