// epoll instances, as Linux has them: an interest list keyed by (descriptor, open file
// description), and a ready list fed by wake-ups.
//
// Each interest keeps a PollHook on its file's poll queue (vfs/wait.h). A wake-up puts the
// interest on the ready list; collecting events polls each ready interest once: not ready
// any more, it leaves the list; ready, it is reported, and level-triggered interests go back
// on the list (to be polled again next time), edge-triggered ones wait for the next wake-up,
// and EPOLLONESHOT ones are disabled until EPOLL_CTL_MOD. Adding or modifying an interest
// polls it at once. Interests do not keep their file open: when the description's last
// reference goes, its interests go with it (FileObserver), as on Linux.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../sched/wait_queue.h"
#include "anon.h"
#include "wait.h"

namespace uk::vfs {

inline constexpr uint32_t kEpollIn = 0x001, kEpollPri = 0x002, kEpollOut = 0x004, kEpollErr = 0x008,
                          kEpollHup = 0x010, kEpollRdNorm = 0x040, kEpollRdBand = 0x080,
                          kEpollWrNorm = 0x100, kEpollWrBand = 0x200, kEpollMsg = 0x400,
                          kEpollRdHup = 0x2000, kEpollExclusive = 1u << 28, kEpollWakeup = 1u << 29,
                          kEpollOneshot = 1u << 30, kEpollEt = 1u << 31;
// Flags that steer the interest rather than name events.
inline constexpr uint32_t kEpollControlBits =
    kEpollExclusive | kEpollWakeup | kEpollOneshot | kEpollEt;

inline constexpr int kEpollCtlAdd = 1, kEpollCtlDel = 2, kEpollCtlMod = 3;

// struct epoll_event: packed on x86_64 (12 bytes).
struct [[gnu::packed]] EpollEvent {
    uint32_t events;
    uint64_t data;
};
static_assert(sizeof(EpollEvent) == 12);

class EpollFile : public AnonFile {
public:
    // Linux's EP_MAX_NESTS: how deep epoll instances may watch each other.
    static constexpr int kMaxNesting = 4;

    // A new instance; null when memory is exhausted. `flags` are its status flags.
    static Ref<EpollFile> create(uint32_t flags);
    // The instance `f` is, or null if it is not one.
    static EpollFile* from(File* f);

    // epoll_ctl on (fd, target): 0 or -errno (EEXIST, ENOENT, EPERM for files that cannot
    // be polled, EINVAL, ELOOP, ENOMEM). `ev` is ignored for EPOLL_CTL_DEL.
    long control(int op, int fd, File* target, const EpollEvent& ev);

    // Takes up to `max` events off the ready list into `out`; how many.
    int collect(EpollEvent* out, int max);

    // What epoll_wait sleeps on; also its own poll queue (an epoll set is pollable).
    sched::WaitQueue& queue() { return queue_; }
    uint32_t poll() const override;
    sched::WaitQueue* pollQueue() override { return &queue_; }

    size_t interestCount() const { return count_; }

protected:
    ~EpollFile() override;

private:
    struct Interest;
    static constexpr size_t kBuckets = 32;

    explicit EpollFile(uint32_t flags);
    Interest* find(int fd, File* target) const;
    void unlinkInterest(Interest* i);
    void destroyInterest(Interest* i);
    void pushReady(Interest* i);
    void popReady(Interest* i);
    // Would watching `adding` from here make a cycle, or nest deeper than `depthLeft` more
    // levels? (Linux: ELOOP.)
    bool wouldLoop(const EpollFile* adding, int depthLeft) const;
    static void onWake(PollHook* hook);
    static void onFileGone(FileObserver* observer);

    sched::WaitQueue queue_;
    Interest* buckets_[kBuckets] = {};
    size_t count_ = 0;
    Interest* readyHead_ = nullptr;
    Interest* readyTail_ = nullptr;
    EpollFile* nextInstance_ = nullptr;
    EpollFile* prevInstance_ = nullptr;
};

} // namespace uk::vfs
