#include "dispatch.h"

#include <stdarg.h>

#include "../app/start_gate.h"
#include "../base/format.h"
#include "../kernel/log.h"
#include "../kernel/signals.h"
#include "../mm/address_space.h"
#include "../proc/process.h"
#include "../sched/scheduler.h"

extern "C" {
extern const uk::sys::SyscallDesc __uk_syscalls_start[];
extern const uk::sys::SyscallDesc __uk_syscalls_end[];
extern const uint16_t __uk_syscall_known_start[];
extern const uint16_t __uk_syscall_known_end[];
}

namespace uk::sys {

namespace {

const SyscallDesc* g_table[kSyscallTableSize];
bool g_unknownReported[kSyscallTableSize];
bool g_known[kSyscallTableSize]; // uk implements it, whether or not this image has it
bool g_strace = false;
size_t g_registered = 0;

// ---- strace ---------------------------------------------------------------------------------

class Line {
public:
    void add(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
        va_list ap;
        va_start(ap, fmt);
        if (len_ < sizeof buf_) {
            len_ += formatV(buf_ + len_, sizeof buf_ - len_, fmt, ap);
        }
        va_end(ap);
        if (len_ >= sizeof buf_) {
            len_ = sizeof buf_ - 1;
        }
    }
    void addQuoted(const char* data, size_t n, size_t limit, bool cString) {
        add("\"");
        size_t shown = n < limit ? n : limit;
        for (size_t i = 0; i < shown; ++i) {
            unsigned char c = static_cast<unsigned char>(data[i]);
            if (cString && c == 0) {
                break;
            }
            switch (c) {
            case '\n':
                add("\\n");
                break;
            case '\t':
                add("\\t");
                break;
            case '\r':
                add("\\r");
                break;
            case '"':
                add("\\\"");
                break;
            case '\\':
                add("\\\\");
                break;
            default:
                if (c >= 32 && c < 127) {
                    add("%c", c);
                } else {
                    add("\\x%02x", c);
                }
            }
        }
        add(n > limit ? "\"..." : "\"");
    }
    void emit() {
        add("\n");
        log::write(buf_, len_);
    }

private:
    char buf_[400];
    size_t len_ = 0;
};

void addArg(Line& l, const ArgDesc& d, const uint64_t* a, size_t i, long result, bool after) {
    uint64_t v = a[i];
    auto& as = mm::addressSpace();
    switch (d.kind) {
    case ArgKind::Int:
        l.add("%ld", static_cast<long>(v));
        break;
    case ArgKind::Fd:
        l.add("%d", static_cast<int>(v));
        break;
    case ArgKind::UInt:
        l.add("%lu", v);
        break;
    case ArgKind::Hex:
        l.add("%#lx", v);
        break;
    case ArgKind::Ptr:
        v == 0 ? l.add("NULL") : l.add("%#lx", v);
        break;
    case ArgKind::Str: {
        // Strings: read up to 64 bytes, stopping at an unreadable page.
        size_t n = 0;
        while (n < 64 && as.canRead(v + n, 1) && reinterpret_cast<const char*>(v)[n] != 0) {
            ++n;
        }
        v == 0 ? l.add("NULL") : l.addQuoted(reinterpret_cast<const char*>(v), n, 64, true);
        break;
    }
    case ArgKind::InBuf:
    case ArgKind::OutBuf: {
        size_t len = d.kind == ArgKind::InBuf ? a[d.lenArg] : (result > 0 ? size_t(result) : 0);
        bool show = d.kind == ArgKind::InBuf || after;
        if (v != 0 && show && as.canRead(v, len < 32 ? len : 32)) {
            l.addQuoted(reinterpret_cast<const char*>(v), len, 32, false);
        } else {
            v == 0 ? l.add("NULL") : l.add("%#lx", v);
        }
        break;
    }
    case ArgKind::None:
        break;
    }
}

void trace(const SyscallDesc& d, const uint64_t* a, long result, bool returned) {
    Line l;
    l.add("[uk:strace] ");
    const proc::Process* p = proc::current();
    if (p != nullptr && p != proc::first()) {
        l.add("[pid %d] ", p->pid); // as strace -f marks other processes
    }
    l.add("%s(", d.name);
    for (size_t i = 0; i < d.argCount; ++i) {
        if (i > 0) {
            l.add(", ");
        }
        addArg(l, d.args[i], a, i, result, returned);
    }
    if (!returned) {
        l.add(") = ?");
    } else if (result < 0 && result >= -4095) {
        const char* name = errnoName(-result);
        name != nullptr ? l.add(") = -1 %s", name) : l.add(") = -1 errno %ld", -result);
    } else if (d.result == ArgKind::Hex) {
        l.add(") = %#lx", result);
    } else {
        l.add(") = %ld", result);
    }
    l.emit();
}

} // namespace

const char* linuxSyscallName(unsigned number) {
    switch (number) {
#define UK_LINUX_SYSCALL(number, name)                                                             \
    case number:                                                                                   \
        return #name;
#include "linux_syscalls.def"
#undef UK_LINUX_SYSCALL
    default:
        return nullptr;
    }
}

void initDispatch(bool strace) {
    g_strace = strace;
    for (const SyscallDesc* d = __uk_syscalls_start; d < __uk_syscalls_end; ++d) {
        if (d->number >= kSyscallTableSize) {
            log::panic("system call %s has number %u beyond the table", d->name, d->number);
        }
        if (g_table[d->number] != nullptr) {
            log::panic("system call %s is registered twice", d->name);
        }
        g_table[d->number] = d;
        ++g_registered;
    }
    for (const uint16_t* n = __uk_syscall_known_start; n < __uk_syscall_known_end; ++n) {
        if (*n < kSyscallTableSize) {
            g_known[*n] = true;
        }
    }
    log::info("syscalls: %zu registered", g_registered);
}

const SyscallDesc* lookup(unsigned number) {
    return number < kSyscallTableSize ? g_table[number] : nullptr;
}

size_t registeredCount() {
    return g_registered;
}

namespace {
long invoke(arch::SyscallFrame& f);
}

void traceSuccessWithoutReturn(long result) {
    const arch::SyscallFrame* f = sched::current()->syscallFrame;
    if (g_strace && f != nullptr && f->number < kSyscallTableSize && g_table[f->number]) {
        trace(*g_table[f->number], f->args, result, true);
    }
}

long dispatch(arch::SyscallFrame& f) {
    sched::Thread* self = sched::current();
    self->syscallFrame = &f;
    long result = invoke(f);
    sched::syscallExit();
    result = signals::deliverAtSyscallExit(f, result);
    self->syscallFrame = nullptr;
    return result;
}

namespace {
long invoke(arch::SyscallFrame& f) {
    uint64_t number = f.number;
    const SyscallDesc* d = number < kSyscallTableSize ? g_table[number] : nullptr;
    if (app::gate::armed() && (d == nullptr || !d->beforeStart)) {
        // The program ran ahead of its start up to here (app/start_gate.h).
        app::gate::pass(d != nullptr ? d->name : "a system call this image lacks");
    }
    if (d == nullptr) {
        if (number >= kSyscallTableSize || !g_unknownReported[number]) {
            if (number < kSyscallTableSize) {
                g_unknownReported[number] = true;
            }
            const char* name = linuxSyscallName(static_cast<unsigned>(number));
            if (number < kSyscallTableSize && g_known[number]) {
                // uk build leaves out the calls it finds no way for the program to make.
                log::notice("system call %s (%lu) is not in this image (uk build found no use "
                            "of it in the program; uk build --all-syscalls keeps every one): "
                            "returning ENOSYS",
                            name, number);
            } else {
                log::notice("unsupported system call %s (%lu): returning ENOSYS",
                            name != nullptr ? name : "(not a Linux system call)", number);
            }
        }
        return -ENOSYS;
    }
    if (!g_strace) {
        return d->invoke(f.args);
    }
    if (d->noReturn) {
        trace(*d, f.args, 0, false);
    }
    long result = d->invoke(f.args);
    trace(*d, f.args, result, true);
    return result;
}
} // namespace

} // namespace uk::sys

namespace uk {

const char* errnoName(long e) {
    switch (e) {
    case EPERM:
        return "EPERM (Operation not permitted)";
    case ENOENT:
        return "ENOENT (No such file or directory)";
    case ESRCH:
        return "ESRCH (No such process)";
    case EINTR:
        return "EINTR (Interrupted system call)";
    case EIO:
        return "EIO (Input/output error)";
    case EBADF:
        return "EBADF (Bad file descriptor)";
    case ECHILD:
        return "ECHILD (No child processes)";
    case EAGAIN:
        return "EAGAIN (Resource temporarily unavailable)";
    case ENOMEM:
        return "ENOMEM (Cannot allocate memory)";
    case EACCES:
        return "EACCES (Permission denied)";
    case EFAULT:
        return "EFAULT (Bad address)";
    case EEXIST:
        return "EEXIST (File exists)";
    case ENODEV:
        return "ENODEV (No such device)";
    case ENOTDIR:
        return "ENOTDIR (Not a directory)";
    case EISDIR:
        return "EISDIR (Is a directory)";
    case EINVAL:
        return "EINVAL (Invalid argument)";
    case EMFILE:
        return "EMFILE (Too many open files)";
    case ENOTTY:
        return "ENOTTY (Inappropriate ioctl for device)";
    case ESPIPE:
        return "ESPIPE (Illegal seek)";
    case EPIPE:
        return "EPIPE (Broken pipe)";
    case ERANGE:
        return "ERANGE (Numerical result out of range)";
    case ENOSYS:
        return "ENOSYS (Function not implemented)";
    case ENOTSUP:
        return "EOPNOTSUPP (Operation not supported)";
    case ETIMEDOUT:
        return "ETIMEDOUT (Connection timed out)";
    case ENOTSOCK:
        return "ENOTSOCK (Socket operation on non-socket)";
    case EMSGSIZE:
        return "EMSGSIZE (Message too long)";
    case EPROTOTYPE:
        return "EPROTOTYPE (Protocol wrong type for socket)";
    case ENOPROTOOPT:
        return "ENOPROTOOPT (Protocol not available)";
    case EAFNOSUPPORT:
        return "EAFNOSUPPORT (Address family not supported by protocol)";
    case EADDRINUSE:
        return "EADDRINUSE (Address already in use)";
    case ECONNRESET:
        return "ECONNRESET (Connection reset by peer)";
    case EISCONN:
        return "EISCONN (Transport endpoint is already connected)";
    case ENOTCONN:
        return "ENOTCONN (Transport endpoint is not connected)";
    case ECONNREFUSED:
        return "ECONNREFUSED (Connection refused)";
    case EADDRNOTAVAIL:
        return "EADDRNOTAVAIL (Cannot assign requested address)";
    case ENETDOWN:
        return "ENETDOWN (Network is down)";
    case ENETUNREACH:
        return "ENETUNREACH (Network is unreachable)";
    case ECONNABORTED:
        return "ECONNABORTED (Software caused connection abort)";
    case EHOSTUNREACH:
        return "EHOSTUNREACH (No route to host)";
    case EALREADY:
        return "EALREADY (Operation already in progress)";
    case EINPROGRESS:
        return "EINPROGRESS (Operation now in progress)";
    default:
        return nullptr;
    }
}

} // namespace uk
