// epoll: instances are vfs::EpollFile (vfs/epoll.h, which has the semantics); these calls
// copy arguments and wait on the instance's queue.
#include "../vfs/epoll.h"
#include "../kernel/signals.h"
#include "../time/clock.h"
#include "fs_user.h"
#include "wait_util.h"

namespace uk::sys {

namespace {

using vfs::EpollEvent;
using vfs::EpollFile;
using vfs::File;
using vfs::Ref;
namespace tu = timeutil;

constexpr uint64_t kEpollCloexec = vfs::kOCloexec;
// Linux refuses more events than fit in INT_MAX bytes.
constexpr int kMaxEvents = 0x7fffffff / static_cast<int>(sizeof(EpollEvent));

long createInstance(bool cloexec) {
    Ref<EpollFile> ep = EpollFile::create(0);
    if (!ep) {
        return -ENOMEM;
    }
    return fsContext().fds.install(Ref<File>(ep.get()), cloexec);
}

long sysEpollCreate(int size) {
    // The size hint has been ignored since Linux 2.6.8, but must be positive.
    return size > 0 ? createInstance(false) : -EINVAL;
}

long sysEpollCreate1(Flags flags) {
    if (flags.value & ~kEpollCloexec) {
        return -EINVAL;
    }
    return createInstance(flags.value & kEpollCloexec);
}

long sysEpollCtl(Fd epfd, int op, Fd fd, const void* event) {
    EpollEvent ev{0, 0};
    if (op != vfs::kEpollCtlDel && copyIn(&ev, event, sizeof ev) != 0) {
        return -EFAULT;
    }
    Ref<File> ep = fileOf(epfd);
    Ref<File> target = fileOf(fd);
    if (!ep || !target || target->isPath()) {
        return -EBADF;
    }
    if (target->pollQueue() == nullptr) {
        return -EPERM; // regular files and directories: Linux checks this first
    }
    EpollFile* instance = EpollFile::from(ep.get());
    if (instance == nullptr || epfd.value == fd.value) {
        return -EINVAL;
    }
    return instance->control(op, fd.value, target.get(), ev);
}

// epoll_wait and kin: the deadline is on CLOCK_MONOTONIC (0: none); `once`: do not wait.
long waitEvents(Fd epfd, void* events, int max, uint64_t deadline, bool once) {
    if (max <= 0 || max > kMaxEvents) {
        return -EINVAL;
    }
    if (!userWritable(events, static_cast<size_t>(max) * sizeof(EpollEvent))) {
        return -EFAULT;
    }
    Ref<File> f = fileOf(epfd);
    if (!f) {
        return -EBADF;
    }
    EpollFile* ep = EpollFile::from(f.get());
    if (ep == nullptr) {
        return -EINVAL;
    }
    auto* out = static_cast<EpollEvent*>(events);
    for (;;) {
        int n = ep->collect(out, max);
        if (n > 0 || once) {
            return n;
        }
        switch (vfs::waitOn(ep->queue(), deadline)) {
        case vfs::WaitResult::Woken:
            continue;
        case vfs::WaitResult::TimedOut:
            return ep->collect(out, max);
        case vfs::WaitResult::Interrupted:
            return -EINTR; // never restarted, whatever SA_RESTART says (Linux too)
        }
    }
}

long msTimeout(int timeoutMs, uint64_t* deadline) {
    *deadline = timeoutMs > 0
                    ? tu::after(clock::monotonicNs(), static_cast<uint64_t>(timeoutMs) * 1'000'000)
                    : 0;
    return timeoutMs == 0;
}

long sysEpollWait(Fd epfd, void* events, int max, int timeoutMs) {
    uint64_t deadline;
    bool once = msTimeout(timeoutMs, &deadline);
    return waitEvents(epfd, events, max, deadline, once);
}

long sysEpollPwait(Fd epfd, void* events, int max, int timeoutMs, const void* sigmask,
                   size_t sigsetsize) {
    uint64_t deadline;
    bool once = msTimeout(timeoutMs, &deadline);
    CallSigmask mask;
    if (long e = mask.install(sigmask, sigsetsize); e != 0) {
        return e;
    }
    return mask.finish(waitEvents(epfd, events, max, deadline, once));
}

long sysEpollPwait2(Fd epfd, void* events, int max, const void* timeout, const void* sigmask,
                    size_t sigsetsize) {
    uint64_t deadline;
    bool once;
    if (long e = readTimeout(timeout, &deadline, &once); e != 0) {
        return e;
    }
    CallSigmask mask;
    if (long e = mask.install(sigmask, sigsetsize); e != 0) {
        return e;
    }
    return mask.finish(waitEvents(epfd, events, max, deadline, once));
}

} // namespace

UK_SYSCALL(epoll_create, sysEpollCreate, Implemented, "");
UK_SYSCALL(epoll_create1, sysEpollCreate1, Implemented, "");
UK_SYSCALL(epoll_ctl, sysEpollCtl, Implemented,
           "EPOLLEXCLUSIVE wakes every waiter (allowed: it only promises at least one); "
           "EPOLLWAKEUP has no effect (nothing suspends)");
UK_SYSCALL(epoll_wait, sysEpollWait, Implemented, "");
UK_SYSCALL(epoll_pwait, sysEpollPwait, Implemented, "");
UK_SYSCALL(epoll_pwait2, sysEpollPwait2, Implemented, "");

} // namespace uk::sys
