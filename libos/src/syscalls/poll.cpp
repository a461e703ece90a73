// poll, ppoll, select and pselect6: look at every descriptor's readiness (File::poll), and
// if none is ready and the timeout allows, sleep until one of their poll queues is woken
// (vfs::MultiWait), the deadline passes or a signal comes; then look again.
#include "../kernel/signals.h"
#include "../time/clock.h"
#include "../vfs/wait.h"
#include "fs_user.h"
#include "wait_util.h"

namespace uk::sys {

namespace {

using vfs::File;
namespace tu = timeutil;

struct PollFd {
    int32_t fd;
    int16_t events;
    int16_t revents;
};

constexpr uint32_t kPollNval = vfs::kPollNval;

// The descriptor's file as poll/select see it: O_PATH descriptors are not there for them.
File* pollable(int fd) {
    File* f = fsContext().fds.peek(fd);
    return f != nullptr && !f->isPath() ? f : nullptr;
}

// Fills every revents; returns how many entries have one. With `w`, also watches each
// file's poll queue.
int scanPoll(PollFd* fds, size_t n, vfs::MultiWait* w) {
    int ready = 0;
    for (size_t i = 0; i < n; ++i) {
        PollFd& p = fds[i];
        p.revents = 0;
        if (p.fd < 0) {
            continue; // ignored, as poll(2) says
        }
        File* f = pollable(p.fd);
        if (f == nullptr) {
            p.revents = static_cast<int16_t>(kPollNval);
            ++ready;
            continue;
        }
        if (w != nullptr && f->pollQueue() != nullptr) {
            w->watch(*f->pollQueue());
        }
        uint32_t mask =
            f->poll() & (static_cast<uint16_t>(p.events) | vfs::kPollErr | vfs::kPollHup);
        p.revents = static_cast<int16_t>(mask);
        ready += mask != 0;
    }
    return ready;
}

// The wait shared by all four calls: `scan(w)` looks at the files (watching their queues
// when w is given) and returns how many are ready (or -errno). Returns that count, 0 when
// the deadline passed first, or -EINTR.
template <typename Scan>
long waitReady(Scan&& scan, size_t files, uint64_t deadline, bool once) {
    long ready = scan(nullptr);
    if (ready != 0 || once) {
        return ready;
    }
    vfs::MultiWait w;
    if (!w.reserve(files)) {
        return -ENOMEM;
    }
    ready = scan(&w); // watching from now on, so no wake-up can be missed
    while (ready == 0) {
        switch (w.wait(deadline)) {
        case vfs::WaitResult::Woken:
            ready = scan(nullptr);
            break;
        case vfs::WaitResult::TimedOut:
            return scan(nullptr); // a last look, as Linux takes one
        case vfs::WaitResult::Interrupted:
            return -EINTR;
        }
    }
    return ready;
}

long doPoll(void* user, unsigned long nfds, uint64_t deadline, bool once) {
    if (nfds > static_cast<unsigned long>(vfs::FdTable::kLimit)) {
        return -EINVAL; // more than RLIMIT_NOFILE
    }
    // Small sets on the (kernel) stack, larger ones on the heap.
    constexpr size_t kOnStack = 32;
    PollFd local[kOnStack];
    PollFd* fds = local;
    if (nfds > kOnStack) {
        fds = new (std::nothrow) PollFd[nfds];
        if (fds == nullptr) {
            return -ENOMEM;
        }
    }
    size_t bytes = nfds * sizeof(PollFd);
    long r = copyIn(fds, user, bytes);
    if (r == 0) {
        r = waitReady([&](vfs::MultiWait* w) -> long { return scanPoll(fds, nfds, w); }, nfds,
                      deadline, once);
        // revents go back for every result but an error, as on Linux.
        if (r >= 0 && copyOut(user, fds, bytes) != 0) {
            r = -EFAULT;
        }
    }
    if (fds != local) {
        delete[] fds;
    }
    return r;
}

long sysPoll(void* fds, unsigned long nfds, int timeoutMs) {
    uint64_t deadline = 0;
    if (timeoutMs > 0) {
        deadline = tu::after(clock::monotonicNs(), static_cast<uint64_t>(timeoutMs) * 1'000'000);
    }
    long r = doPoll(fds, nfds, deadline, timeoutMs == 0);
    if (r == -EINTR && timeoutMs < 0) {
        // Without a timeout the call can simply start again if no handler runs; with one,
        // Linux restarts with the time left (a restart block), which uk lacks: EINTR.
        return -signals::kRestartNoHandler;
    }
    return r;
}

long sysPpoll(void* fds, unsigned long nfds, void* tsp, const void* sigmask, size_t sigsetsize) {
    uint64_t deadline;
    bool once;
    if (long e = readTimeout(tsp, &deadline, &once); e != 0) {
        return e;
    }
    CallSigmask mask;
    if (long e = mask.install(sigmask, sigsetsize); e != 0) {
        return e;
    }
    long r = doPoll(fds, nfds, deadline, once);
    if (r == -EINTR) {
        r = -signals::kRestartNoHandler; // the timespec below holds the time left
    }
    writeTimeLeft(tsp, deadline, false);
    return mask.finish(r);
}

// ---- select -----------------------------------------------------------------------------

constexpr size_t kWordBits = 64;
constexpr uint32_t kSelectIn =
    vfs::kPollIn | vfs::kPollRdNorm | 0x080 /* RDBAND */ | vfs::kPollHup | vfs::kPollErr;
constexpr uint32_t kSelectOut =
    vfs::kPollOut | vfs::kPollWrNorm | 0x200 /* WRBAND */ | vfs::kPollErr;
constexpr uint32_t kSelectEx = vfs::kPollPri;

struct FdSets {
    // in, out, except: what the caller asked (null pointer: an empty set) and the result.
    uint64_t want[3][vfs::FdTable::kLimit / kWordBits] = {};
    uint64_t got[3][vfs::FdTable::kLimit / kWordBits] = {};
    size_t words = 0;
};

int scanSelect(FdSets& s, int n, vfs::MultiWait* w) {
    static constexpr uint32_t kMasks[3] = {kSelectIn, kSelectOut, kSelectEx};
    int ready = 0;
    for (size_t word = 0; word < s.words; ++word) {
        uint64_t any = s.want[0][word] | s.want[1][word] | s.want[2][word];
        for (int k = 0; k < 3; ++k) {
            s.got[k][word] = 0;
        }
        while (any != 0) {
            int bit = __builtin_ctzll(any);
            any &= any - 1;
            int fd = static_cast<int>(word * kWordBits) + bit;
            if (fd >= n) {
                break;
            }
            File* f = pollable(fd);
            if (f == nullptr) {
                continue;
            }
            if (w != nullptr && f->pollQueue() != nullptr) {
                w->watch(*f->pollQueue());
            }
            uint32_t mask = f->poll();
            for (int k = 0; k < 3; ++k) {
                uint64_t b = 1ull << bit;
                if ((s.want[k][word] & b) && (mask & kMasks[k])) {
                    s.got[k][word] |= b;
                    ++ready;
                }
            }
        }
    }
    return ready;
}

long doSelect(int n, void* sets[3], uint64_t deadline, bool once) {
    if (n < 0) {
        return -EINVAL;
    }
    if (n > vfs::FdTable::kLimit) {
        n = vfs::FdTable::kLimit; // Linux caps n at the descriptor table's size
    }
    auto* s = new (std::nothrow) FdSets;
    if (s == nullptr) {
        return -ENOMEM;
    }
    s->words = (static_cast<size_t>(n) + kWordBits - 1) / kWordBits;
    size_t bytes = s->words * 8;
    long r = 0;
    for (int k = 0; k < 3 && r == 0; ++k) {
        if (sets[k] != nullptr && copyIn(s->want[k], sets[k], bytes) != 0) {
            r = -EFAULT;
        }
    }
    // Bits beyond n do not count; a bit for a descriptor that is not open is EBADF.
    if (r == 0 && n % kWordBits != 0) {
        for (auto& set : s->want) {
            set[s->words - 1] &= (1ull << (n % kWordBits)) - 1;
        }
    }
    size_t watched = 0;
    for (size_t word = 0; word < s->words && r == 0; ++word) {
        uint64_t any = s->want[0][word] | s->want[1][word] | s->want[2][word];
        for (; any != 0; any &= any - 1) {
            int fd = static_cast<int>(word * kWordBits) + __builtin_ctzll(any);
            if (fsContext().fds.peek(fd) == nullptr) {
                r = -EBADF;
                break;
            }
            ++watched;
        }
    }
    if (r == 0) {
        r = waitReady([&](vfs::MultiWait* w) -> long { return scanSelect(*s, n, w); }, watched,
                      deadline, once);
    }
    if (r == -EINTR) {
        r = -signals::kRestartNoHandler; // the sets are left alone, the time left written back
    }
    for (int k = 0; k < 3 && r >= 0; ++k) {
        if (sets[k] != nullptr && copyOut(sets[k], s->got[k], bytes) != 0) {
            r = -EFAULT;
        }
    }
    delete s;
    return r;
}

long sysSelect(int n, void* in, void* out, void* ex, void* tvp) {
    uint64_t deadline = 0;
    bool once = false;
    if (tvp != nullptr) {
        tu::Timeval tv;
        if (copyIn(&tv, tvp, sizeof tv) != 0) {
            return -EFAULT;
        }
        if (tv.sec < 0 || tv.usec < 0) {
            return -EINVAL;
        }
        // Linux folds whole seconds out of tv_usec rather than refusing them.
        tu::Timespec ts{tv.sec + tv.usec / 1'000'000, (tv.usec % 1'000'000) * 1000};
        if (ts.sec < 0) {
            return -EINVAL;
        }
        uint64_t ns = tu::toNs(ts);
        once = ns == 0;
        deadline = once ? 0 : tu::after(clock::monotonicNs(), ns);
    }
    void* sets[3] = {in, out, ex};
    long r = doSelect(n, sets, deadline, once);
    writeTimeLeft(tvp, deadline, true);
    return r;
}

struct SigsetArg {
    const void* set;
    size_t size;
};

long sysPselect6(int n, void* in, void* out, void* ex, void* tsp, const void* sig) {
    uint64_t deadline;
    bool once;
    if (long e = readTimeout(tsp, &deadline, &once); e != 0) {
        return e;
    }
    CallSigmask mask;
    if (sig != nullptr) {
        SigsetArg a;
        if (copyIn(&a, sig, sizeof a) != 0) {
            return -EFAULT;
        }
        if (long e = mask.install(a.set, a.size); e != 0) {
            return e;
        }
    }
    void* sets[3] = {in, out, ex};
    long r = doSelect(n, sets, deadline, once);
    writeTimeLeft(tsp, deadline, false);
    return mask.finish(r);
}

} // namespace

UK_SYSCALL(poll, sysPoll, Partial,
           "a signal that runs no handler ends a wait with a timeout in EINTR (Linux restarts "
           "it with the time left)");
UK_SYSCALL(ppoll, sysPpoll, Implemented, "");
UK_SYSCALL(select, sysSelect, Implemented, "");
UK_SYSCALL(pselect6, sysPselect6, Implemented, "");

} // namespace uk::sys
