// Timers as descriptors (timerfd), POSIX per-process timers (timer_create and kin), and
// setting the wall clock (clock_settime, settimeofday), which moves the absolute
// CLOCK_REALTIME timers of both kinds and cancels timerfds that asked for it.
//
// Every timer runs on a scheduler timer (sched/timer.h) at a CLOCK_MONOTONIC deadline; its
// callback runs in the timer interrupt, counts the expirations that are due (a periodic
// timer that fell behind counts every period it missed, as Linux's do) and re-arms.
#include "timers.h"
#include "../kernel/signals.h"
#include "../proc/process.h"
#include "../sched/scheduler.h"
#include "../sched/timer.h"
#include "../time/clock.h"
#include "../time/timespec.h"
#include "../vfs/anon.h"
#include "../vfs/wait.h"
#include "fs_user.h"

namespace uk::sys {

namespace {

using vfs::Ref;
namespace tu = timeutil;
namespace sg = signals;

constexpr int kClockRealtime = 0, kClockMonotonic = 1, kClockProcessCputime = 2,
              kClockThreadCputime = 3, kClockBoottime = 7, kClockRealtimeAlarm = 8,
              kClockBoottimeAlarm = 9;
constexpr int kTimerAbstime = 1;

bool isRealtime(int clock) {
    return clock == kClockRealtime || clock == kClockRealtimeAlarm;
}

// The clocks a timer can run on: the wall clock and the monotonic one (boot time is the
// same here: the machine never suspends, and neither do the alarm clocks' wake-ups matter).
bool timerClock(int clock) {
    return clock == kClockRealtime || clock == kClockMonotonic || clock == kClockBoottime ||
           clock == kClockRealtimeAlarm || clock == kClockBoottimeAlarm;
}

uint64_t clockNow(int clock) {
    return isRealtime(clock) ? clock::realtimeNs() : clock::monotonicNs();
}

// One armed-or-not timer of either kind.
struct ClockTimer {
    sched::Timer timer{};
    int clock = kClockMonotonic;
    uint64_t interval = 0;
    uint64_t deadline = 0;        // CLOCK_MONOTONIC ns of the next expiry; 0: disarmed
    bool followsRealtime = false; // absolute on CLOCK_REALTIME: moves when the clock is set
    // Called in the timer interrupt with the number of expirations.
    void (*expired)(ClockTimer* self, uint64_t count) = nullptr;
    // Called when the wall clock is set (after the deadline has moved), or null.
    void (*clockWasSet)(ClockTimer* self) = nullptr;
    void* owner = nullptr;
    ClockTimer* next = nullptr; // every live timer, for clock changes
    ClockTimer* prev = nullptr;
};

constinit ClockTimer* g_timers = nullptr;

void link(ClockTimer* t) {
    t->next = g_timers;
    if (g_timers != nullptr) {
        g_timers->prev = t;
    }
    g_timers = t;
}

void unlink(ClockTimer* t) {
    sched::cancelTimer(&t->timer);
    if (t->prev != nullptr) {
        t->prev->next = t->next;
    } else if (g_timers == t) {
        g_timers = t->next;
    }
    if (t->next != nullptr) {
        t->next->prev = t->prev;
    }
    t->next = t->prev = nullptr;
}

void startHardware(ClockTimer* t) {
    if (t->deadline != 0 && t->deadline < tu::kForever) {
        sched::armTimer(&t->timer, t->deadline);
    }
}

void fired(sched::Timer* timer) {
    auto* t = static_cast<ClockTimer*>(timer->context);
    tu::Expiry e = tu::expire(clock::monotonicNs(), t->deadline, t->interval);
    t->deadline = e.next;
    if (e.next == 0) {
        t->followsRealtime = false;
    }
    startHardware(t);
    if (e.count > 0) {
        t->expired(t, e.count);
    }
}

// The current setting, as timerfd_gettime/timer_gettime report it.
tu::Itimerspec currentSetting(const ClockTimer* t) {
    uint64_t left = t->deadline != 0 ? tu::left(clock::monotonicNs(), t->deadline) : 0;
    if (t->deadline != 0 && left == 0) {
        left = 1; // due this very moment: still armed, so not zero
    }
    return tu::Itimerspec{tu::fromNs(t->interval), tu::fromNs(left)};
}

// Reads a new setting; -EFAULT or -EINVAL.
long readSetting(const void* user, tu::Itimerspec* out) {
    if (copyIn(out, user, sizeof *out) != 0) {
        return -EFAULT;
    }
    return tu::valid(out->value) && tu::valid(out->interval) ? 0 : -EINVAL;
}

// Arms (or, for a zero value, disarms) `t` with a setting already checked.
void arm(ClockTimer* t, const tu::Itimerspec& s, bool absolute) {
    sched::cancelTimer(&t->timer);
    uint64_t value = tu::toNs(s.value);
    t->interval = tu::toNs(s.interval);
    t->followsRealtime = false;
    if (value == 0) {
        t->deadline = 0;
        return;
    }
    uint64_t mono = clock::monotonicNs();
    if (absolute) {
        t->deadline = tu::after(mono, tu::left(clockNow(t->clock), value));
        t->followsRealtime = isRealtime(t->clock);
    } else {
        t->deadline = tu::after(mono, value);
    }
    if (t->deadline == mono) {
        t->deadline = mono + 1; // already due: fires at the next timer interrupt
    }
    startHardware(t);
}

// ---- timerfd ------------------------------------------------------------------------------

constexpr uint32_t kTfdCloexec = vfs::kOCloexec, kTfdNonblock = vfs::kONonblock;
constexpr int kTfdTimerAbstime = 1, kTfdTimerCancelOnSet = 2;

class TimerFdFile : public vfs::AnonFile {
public:
    TimerFdFile(int clock, uint32_t flags) : AnonFile("timerfd", flags) {
        timer_.clock = clock;
        timer_.timer.fire = fired;
        timer_.timer.context = &timer_;
        timer_.expired = onExpired;
        timer_.clockWasSet = onClockSet;
        timer_.owner = this;
        link(&timer_);
    }

    long read(void* buf, size_t size) override {
        if (size < 8) {
            return -EINVAL;
        }
        for (;;) {
            if (canceled_) {
                canceled_ = false;
                ticks_ = 0;
                return -ECANCELED;
            }
            if (ticks_ != 0) {
                break;
            }
            if (nonBlocking()) {
                return -EAGAIN;
            }
            if (vfs::waitOn(queue_) == vfs::WaitResult::Interrupted) {
                return -vfs::kRestartSys;
            }
        }
        __builtin_memcpy(buf, &ticks_, 8);
        ticks_ = 0;
        return 8;
    }
    uint32_t poll() const override {
        return ticks_ != 0 || canceled_ ? vfs::kPollIn | vfs::kPollRdNorm : 0;
    }
    sched::WaitQueue* pollQueue() override { return &queue_; }
    long available() const override { return ticks_ != 0 ? 8 : 0; }

    long settime(int flags, const tu::Itimerspec& s, tu::Itimerspec* old) {
        *old = currentSetting(&timer_);
        ticks_ = 0;
        canceled_ = false;
        cancelOnSet_ = (flags & kTfdTimerCancelOnSet) && (flags & kTfdTimerAbstime) &&
                       isRealtime(timer_.clock);
        arm(&timer_, s, flags & kTfdTimerAbstime);
        vfs::wakeAll(queue_); // readiness may have dropped: pollers look again
        return 0;
    }
    tu::Itimerspec gettime() const { return currentSetting(&timer_); }

    // The timer's callbacks (also how timerFdOf recognises a timerfd).
    static void onExpired(ClockTimer* t, uint64_t count) {
        auto* self = static_cast<TimerFdFile*>(t->owner);
        self->ticks_ += count;
        vfs::wakeAll(self->queue_);
    }
    static void onClockSet(ClockTimer* t) {
        auto* self = static_cast<TimerFdFile*>(t->owner);
        if (self->cancelOnSet_) {
            self->canceled_ = true;
            vfs::wakeAll(self->queue_);
        }
    }

protected:
    ~TimerFdFile() override { unlink(&timer_); }

private:
    ClockTimer timer_;
    uint64_t ticks_ = 0;
    bool cancelOnSet_ = false;
    bool canceled_ = false;
    sched::WaitQueue queue_;
};

TimerFdFile* timerFdOf(Fd fd, Ref<vfs::File>* keep, long* err) {
    *keep = fileOf(fd);
    if (!*keep) {
        *err = -EBADF;
        return nullptr;
    }
    // Every timerfd's timer is on the list of timers, with the file as its owner.
    for (ClockTimer* t = g_timers; t != nullptr; t = t->next) {
        if (t->expired == TimerFdFile::onExpired && t->owner == keep->get()) {
            return static_cast<TimerFdFile*>(keep->get());
        }
    }
    *err = -EINVAL;
    return nullptr;
}

long sysTimerfdCreate(int clock, Flags flags) {
    if (flags.value & ~uint64_t{kTfdCloexec | kTfdNonblock}) {
        return -EINVAL;
    }
    if (!timerClock(clock)) {
        return -EINVAL;
    }
    Ref<TimerFdFile> f(new (std::nothrow) TimerFdFile(
        clock, vfs::kORdwr | static_cast<uint32_t>(flags.value & kTfdNonblock)));
    if (!f || f->node() == nullptr) {
        return -ENOMEM;
    }
    return fsContext().fds.install(Ref<vfs::File>(f.get()), flags.value & kTfdCloexec);
}

long sysTimerfdSettime(Fd fd, int flags, const void* newValue, void* oldValue) {
    if (flags & ~(kTfdTimerAbstime | kTfdTimerCancelOnSet)) {
        return -EINVAL;
    }
    tu::Itimerspec s;
    if (long e = readSetting(newValue, &s); e != 0) {
        return e;
    }
    Ref<vfs::File> keep;
    long err = 0;
    TimerFdFile* t = timerFdOf(fd, &keep, &err);
    if (t == nullptr) {
        return err;
    }
    if (oldValue != nullptr && !userWritable(oldValue, sizeof(tu::Itimerspec))) {
        return -EFAULT;
    }
    tu::Itimerspec old;
    t->settime(flags, s, &old);
    return oldValue != nullptr ? copyOut(oldValue, &old, sizeof old) : 0;
}

long sysTimerfdGettime(Fd fd, void* out) {
    Ref<vfs::File> keep;
    long err = 0;
    TimerFdFile* t = timerFdOf(fd, &keep, &err);
    if (t == nullptr) {
        return err;
    }
    tu::Itimerspec s = t->gettime();
    return copyOut(out, &s, sizeof s);
}

// ---- POSIX timers -------------------------------------------------------------------------

constexpr int kSigevSignal = 0, kSigevNone = 1, kSigevThread = 2, kSigevThreadId = 4;

struct Sigevent {
    uint64_t value;
    int32_t signo;
    int32_t notify;
    int32_t tid;
    uint8_t pad[44];
};
static_assert(sizeof(Sigevent) == 64);

struct PosixTimer {
    ClockTimer clock;
    int pid = 0; // the process that made it: timers are per process
    int id = 0;
    int signo = 0;
    int notify = kSigevSignal;
    int tid = 0;
    int overrun = 0;     // expirations since the last signal went out
    int overrunLast = 0; // what timer_getoverrun reports
};

// Every process's timers. Linux numbers each process's timers from 0, lowest free first;
// 512 at once are far more than programs make.
constexpr int kMaxTimers = 512;
constinit PosixTimer* g_posixTimers[kMaxTimers] = {};

void destroy(PosixTimer* t) {
    unlink(&t->clock);
    for (PosixTimer*& slot : g_posixTimers) {
        if (slot == t) {
            slot = nullptr;
        }
    }
    delete t;
}

void posixExpired(ClockTimer* c, uint64_t count) {
    auto* t = static_cast<PosixTimer*>(c->owner);
    // Looked up at each expiry: the process may have ended since. Its timers end with it
    // (this is the timer's last use: fired() is done with it).
    proc::Process* p = proc::find(t->pid);
    if (p == nullptr || p->zombie) {
        destroy(t);
        return;
    }
    if (t->notify == kSigevNone) {
        return;
    }
    sched::Thread* target = nullptr;
    if (t->notify == kSigevThreadId) {
        target = sched::findThread(t->tid);
        if (target == nullptr || target->process != p) {
            return; // the thread is gone
        }
    }
    uint64_t pending = target != nullptr ? target->sigPending : p->sigPending;
    uint64_t add = count > 0x7fffffff ? 0x7fffffff : count;
    if (pending & sg::bit(t->signo)) {
        // The last signal has not been taken yet: count the overrun, send nothing new.
        uint64_t o = static_cast<uint64_t>(t->overrun) + add;
        t->overrun = o > 0x7fffffff ? 0x7fffffff : static_cast<int>(o);
        return;
    }
    uint64_t o = static_cast<uint64_t>(t->overrun) + add - 1;
    t->overrunLast = o > 0x7fffffff ? 0x7fffffff : static_cast<int>(o);
    t->overrun = 0;
    sg::SigInfo info{};
    info.signo = t->signo;
    info.code = sg::SI_TIMER;
    if (target != nullptr) {
        sg::sendToThread(target, t->signo, info);
    } else {
        sg::sendToProcess(p, t->signo, info);
    }
}

// The calling process's timer `id`.
PosixTimer* posixTimer(int id) {
    if (id < 0 || id >= kMaxTimers) {
        return nullptr;
    }
    int pid = proc::current()->pid;
    for (PosixTimer* t : g_posixTimers) {
        if (t != nullptr && t->pid == pid && t->id == id) {
            return t;
        }
    }
    return nullptr;
}

long sysTimerCreate(int clock, const void* sevp, int* idOut) {
    if (clock == kClockProcessCputime || clock == kClockThreadCputime || clock < 0) {
        return -EINVAL; // CPU-time timers are not supported (see the table's note)
    }
    if (!timerClock(clock)) {
        return -EINVAL;
    }
    Sigevent ev{};
    ev.notify = kSigevSignal;
    ev.signo = sg::SIGALRM;
    bool given = sevp != nullptr;
    if (given && copyIn(&ev, sevp, sizeof ev) != 0) {
        return -EFAULT;
    }
    switch (ev.notify) {
    case kSigevNone:
        break;
    case kSigevSignal:
    case kSigevThreadId:
        if (ev.signo < 1 || ev.signo > sg::kCount) {
            return -EINVAL;
        }
        if (ev.notify == kSigevThreadId) {
            sched::Thread* th = sched::findThread(ev.tid);
            if (th == nullptr || th->process != proc::current()) {
                return -EINVAL; // SIGEV_THREAD_ID names a thread of the caller's process
            }
        }
        break;
    case kSigevThread: // done by the C library with SIGEV_THREAD_ID; the kernel refuses it
    default:
        return -EINVAL;
    }
    int slot = 0;
    while (slot < kMaxTimers && g_posixTimers[slot] != nullptr) {
        ++slot;
    }
    int id = 0;
    while (id < kMaxTimers && posixTimer(id) != nullptr) {
        ++id;
    }
    if (slot == kMaxTimers || id == kMaxTimers) {
        return -EAGAIN;
    }
    if (!userWritable(idOut, sizeof(int))) {
        return -EFAULT;
    }
    auto* t = new (std::nothrow) PosixTimer();
    if (t == nullptr) {
        return -EAGAIN; // what Linux says when it cannot allocate a timer
    }
    t->pid = proc::current()->pid;
    t->id = id;
    t->signo = ev.signo;
    t->notify = ev.notify;
    t->tid = ev.tid;
    t->clock.clock = clock;
    t->clock.timer.fire = fired;
    t->clock.timer.context = &t->clock;
    t->clock.expired = posixExpired;
    t->clock.owner = t;
    link(&t->clock);
    g_posixTimers[slot] = t;
    return copyOut(idOut, &id, sizeof id);
}

long sysTimerSettime(int id, int flags, const void* newValue, void* oldValue) {
    PosixTimer* t = posixTimer(id);
    if (t == nullptr) {
        return -EINVAL;
    }
    tu::Itimerspec s;
    if (long e = readSetting(newValue, &s); e != 0) {
        return e;
    }
    if (oldValue != nullptr && !userWritable(oldValue, sizeof(tu::Itimerspec))) {
        return -EFAULT;
    }
    tu::Itimerspec old = currentSetting(&t->clock);
    arm(&t->clock, s, flags & kTimerAbstime);
    return oldValue != nullptr ? copyOut(oldValue, &old, sizeof old) : 0;
}

long sysTimerGettime(int id, void* out) {
    PosixTimer* t = posixTimer(id);
    if (t == nullptr) {
        return -EINVAL;
    }
    tu::Itimerspec s = currentSetting(&t->clock);
    return copyOut(out, &s, sizeof s);
}

long sysTimerGetoverrun(int id) {
    PosixTimer* t = posixTimer(id);
    return t != nullptr ? t->overrunLast : -EINVAL;
}

long sysTimerDelete(int id) {
    PosixTimer* t = posixTimer(id);
    if (t == nullptr) {
        return -EINVAL;
    }
    destroy(t);
    return 0;
}

// ---- setting the wall clock ---------------------------------------------------------------

void setRealtime(uint64_t ns) {
    int64_t delta = static_cast<int64_t>(ns - clock::realtimeNs());
    clock::setRealtimeNs(ns);
    uint64_t mono = clock::monotonicNs();
    for (ClockTimer* t = g_timers; t != nullptr; t = t->next) {
        if (t->followsRealtime && t->deadline != 0) {
            // The wall clock moved by delta: an absolute deadline on it comes delta sooner.
            int64_t d = static_cast<int64_t>(t->deadline) - delta;
            t->deadline = d <= static_cast<int64_t>(mono) ? mono + 1 : static_cast<uint64_t>(d);
            startHardware(t);
        }
        if (t->clockWasSet != nullptr) {
            t->clockWasSet(t);
        }
    }
}

long sysClockSettime(int clock, const void* tp) {
    tu::Timespec ts;
    if (copyIn(&ts, tp, sizeof ts) != 0) {
        return -EFAULT;
    }
    if (clock != kClockRealtime) {
        return -EINVAL; // the only settable clock, as on Linux
    }
    // Linux also refuses a wall clock earlier than the time since boot.
    if (!tu::valid(ts) || tu::toNs(ts) < clock::monotonicNs()) {
        return -EINVAL;
    }
    setRealtime(tu::toNs(ts));
    return 0;
}

long sysSettimeofday(const void* tv, const void* tz) {
    if (tv != nullptr) {
        tu::Timeval t;
        if (copyIn(&t, tv, sizeof t) != 0) {
            return -EFAULT;
        }
        uint64_t ns = tu::toNs(tu::Timespec{t.sec, t.usec * 1000});
        if (t.sec < 0 || t.usec < 0 || t.usec >= 1'000'000 || ns < clock::monotonicNs()) {
            return -EINVAL;
        }
        setRealtime(ns);
    }
    if (tz != nullptr) {
        int32_t zone[2];
        if (copyIn(zone, tz, sizeof zone) != 0) {
            return -EFAULT;
        }
        // Recorded nowhere: gettimeofday reports UTC, and the kernel time zone has no other
        // use (no FAT or RTC in local time).
    }
    return 0;
}

} // namespace

void deletePosixTimers(int pid) {
    for (PosixTimer* t : g_posixTimers) {
        if (t != nullptr && t->pid == pid) {
            destroy(t);
        }
    }
}

UK_SYSCALL(timerfd_create, sysTimerfdCreate, Implemented,
           "CLOCK_BOOTTIME is CLOCK_MONOTONIC (no suspend); the alarm clocks never wake a "
           "suspended machine because none suspends");
UK_SYSCALL(timerfd_settime, sysTimerfdSettime, Partial,
           "a relative CLOCK_REALTIME timer does not move when the clock is set (absolute ones "
           "do, and TFD_TIMER_CANCEL_ON_SET works)");
UK_SYSCALL(timerfd_gettime, sysTimerfdGettime, Implemented, "");
UK_SYSCALL(timer_create, sysTimerCreate, Partial,
           "no CPU-time clocks; the signal carries si_code SI_TIMER but not si_timerid, "
           "si_overrun or si_value (the C library's SIGEV_THREAD needs sigwaitinfo, not there); "
           "execve does not delete the caller's timers");
UK_SYSCALL(timer_settime, sysTimerSettime, Implemented, "");
UK_SYSCALL(timer_gettime, sysTimerGettime, Implemented, "");
UK_SYSCALL(timer_getoverrun, sysTimerGetoverrun, Partial,
           "counts expirations while the previous signal was still pending, taken when the "
           "next signal is sent rather than when it is delivered");
UK_SYSCALL(timer_delete, sysTimerDelete, Implemented, "");
UK_SYSCALL(clock_settime, sysClockSettime, Implemented, "");
UK_SYSCALL(settimeofday, sysSettimeofday, Partial,
           "the time zone argument is accepted and ignored");

} // namespace uk::sys
