#include "epoll.h"

#include "../base/new.h"

namespace uk::vfs {

struct EpollFile::Interest : FileObserver {
    EpollFile* owner = nullptr;
    File* file = nullptr; // not a reference: see onFileGone
    int fd = -1;
    uint32_t events = 0; // as requested, plus EPOLLERR and EPOLLHUP
    uint64_t data = 0;
    bool ready = false;    // on the ready list
    bool disabled = false; // EPOLLONESHOT reported it; EPOLL_CTL_MOD re-arms
    Interest* bucketNext = nullptr;
    Interest* readyNext = nullptr;
    Interest* readyPrev = nullptr;
    PollHook hook;

    uint32_t mask() const { return events & ~kEpollControlBits; }
    // What a report would say now (0: nothing).
    uint32_t pending() const { return disabled ? 0 : file->poll() & mask(); }
};

namespace {

// Every live instance, so that from() can tell an epoll file from others without RTTI.
constinit EpollFile* g_instances = nullptr;

} // namespace

EpollFile::EpollFile(uint32_t flags) : AnonFile("eventpoll", flags) {}

Ref<EpollFile> EpollFile::create(uint32_t flags) {
    Ref<EpollFile> ep(new (std::nothrow) EpollFile(kORdwr | (flags & kOStatusFlags)));
    if (!ep || ep->node() == nullptr) {
        return nullptr;
    }
    ep->nextInstance_ = g_instances;
    if (g_instances != nullptr) {
        g_instances->prevInstance_ = ep.get();
    }
    g_instances = ep.get();
    return ep;
}

EpollFile::~EpollFile() {
    for (Interest*& head : buckets_) {
        while (head != nullptr) {
            Interest* i = head;
            i->file->unobserve(i);
            destroyInterest(i);
        }
    }
    if (prevInstance_ != nullptr) {
        prevInstance_->nextInstance_ = nextInstance_;
    } else if (g_instances == this) {
        g_instances = nextInstance_;
    }
    if (nextInstance_ != nullptr) {
        nextInstance_->prevInstance_ = prevInstance_;
    }
}

EpollFile* EpollFile::from(File* f) {
    for (EpollFile* e = g_instances; e != nullptr; e = e->nextInstance_) {
        if (e == f) {
            return e;
        }
    }
    return nullptr;
}

EpollFile::Interest* EpollFile::find(int fd, File* target) const {
    for (Interest* i = buckets_[static_cast<unsigned>(fd) % kBuckets]; i != nullptr;
         i = i->bucketNext) {
        if (i->fd == fd && i->file == target) {
            return i;
        }
    }
    return nullptr;
}

void EpollFile::unlinkInterest(Interest* i) {
    Interest** link = &buckets_[static_cast<unsigned>(i->fd) % kBuckets];
    while (*link != i) {
        link = &(*link)->bucketNext;
    }
    *link = i->bucketNext;
    --count_;
}

// Drops an interest whose file has already let go of it (unobserve, or ~File did).
void EpollFile::destroyInterest(Interest* i) {
    removeHook(&i->hook);
    popReady(i);
    unlinkInterest(i);
    delete i;
}

void EpollFile::pushReady(Interest* i) {
    if (i->ready) {
        return;
    }
    i->ready = true;
    i->readyNext = nullptr;
    i->readyPrev = readyTail_;
    if (readyTail_ != nullptr) {
        readyTail_->readyNext = i;
    } else {
        readyHead_ = i;
    }
    readyTail_ = i;
}

void EpollFile::popReady(Interest* i) {
    if (!i->ready) {
        return;
    }
    if (i->readyPrev != nullptr) {
        i->readyPrev->readyNext = i->readyNext;
    } else {
        readyHead_ = i->readyNext;
    }
    if (i->readyNext != nullptr) {
        i->readyNext->readyPrev = i->readyPrev;
    } else {
        readyTail_ = i->readyPrev;
    }
    i->ready = false;
    i->readyNext = i->readyPrev = nullptr;
}

void EpollFile::onWake(PollHook* hook) {
    auto* i = static_cast<Interest*>(hook->context);
    if (i->disabled) {
        return; // a spent EPOLLONESHOT interest ignores wake-ups until re-armed
    }
    EpollFile* self = i->owner;
    self->pushReady(i);
    wakeAll(self->queue_);
}

void EpollFile::onFileGone(FileObserver* observer) {
    auto* i = static_cast<Interest*>(observer);
    i->owner->destroyInterest(i);
}

bool EpollFile::wouldLoop(const EpollFile* adding, int depthLeft) const {
    for (Interest* head : buckets_) {
        for (Interest* i = head; i != nullptr; i = i->bucketNext) {
            EpollFile* nested = from(i->file);
            if (nested == nullptr) {
                continue;
            }
            if (nested == adding || depthLeft <= 0 || nested->wouldLoop(adding, depthLeft - 1)) {
                return true;
            }
        }
    }
    return false;
}

long EpollFile::control(int op, int fd, File* target, const EpollEvent& ev) {
    if (target == this) {
        return -EINVAL;
    }
    if (target->pollQueue() == nullptr) {
        return -EPERM; // regular files and directories cannot be polled by epoll (Linux too)
    }
    Interest* i = find(fd, target);
    uint32_t events = 0;
    if (op == kEpollCtlAdd || op == kEpollCtlMod) {
        events = ev.events | kEpollErr | kEpollHup;
        if (events & kEpollExclusive) {
            // Linux allows EPOLLEXCLUSIVE only when adding, with in/out/err/hup/ET/wakeup,
            // and not on a nested epoll file.
            constexpr uint32_t kExclusiveOk = kEpollIn | kEpollOut | kEpollErr | kEpollHup |
                                              kEpollWakeup | kEpollEt | kEpollExclusive;
            if (op == kEpollCtlMod || (events & ~kExclusiveOk) || from(target) != nullptr) {
                return -EINVAL;
            }
        }
    }
    switch (op) {
    case kEpollCtlAdd: {
        if (i != nullptr) {
            return -EEXIST;
        }
        if (EpollFile* nested = from(target);
            nested != nullptr && nested->wouldLoop(this, kMaxNesting - 1)) {
            return -ELOOP;
        }
        i = new (std::nothrow) Interest();
        if (i == nullptr) {
            return -ENOMEM;
        }
        i->gone = onFileGone;
        i->owner = this;
        i->file = target;
        i->fd = fd;
        i->events = events;
        i->data = ev.data;
        i->hook.notify = onWake;
        i->hook.context = i;
        Interest*& head = buckets_[static_cast<unsigned>(fd) % kBuckets];
        i->bucketNext = head;
        head = i;
        ++count_;
        target->observe(i);
        addHook(&i->hook, *target->pollQueue());
        break;
    }
    case kEpollCtlMod:
        if (i == nullptr) {
            return -ENOENT;
        }
        if (i->events & kEpollExclusive) {
            return -EINVAL;
        }
        i->events = events;
        i->data = ev.data;
        i->disabled = false;
        break;
    case kEpollCtlDel:
        if (i == nullptr) {
            return -ENOENT;
        }
        target->unobserve(i);
        destroyInterest(i);
        return 0;
    default:
        return -EINVAL;
    }
    // Ready already: report it without waiting for the next wake-up (edge-triggered too:
    // the "edge" is the interest's arrival, as on Linux).
    if (i->pending() != 0) {
        pushReady(i);
        wakeAll(queue_);
    }
    return 0;
}

int EpollFile::collect(EpollEvent* out, int max) {
    // One pass over what is on the ready list now; level-triggered reports queue up again
    // behind whatever this pass leaves, so a short `max` still rotates through them all.
    Interest* again = nullptr;
    Interest* againTail = nullptr;
    int n = 0;
    while (readyHead_ != nullptr && n < max) {
        Interest* i = readyHead_;
        popReady(i);
        uint32_t r = i->pending();
        if (r == 0) {
            continue; // woken, but not (or no longer) ready for what it asks
        }
        out[n].events = r;
        out[n].data = i->data;
        ++n;
        if (i->events & kEpollOneshot) {
            i->disabled = true;
        } else if (!(i->events & kEpollEt)) {
            i->readyNext = nullptr;
            if (againTail != nullptr) {
                againTail->readyNext = i;
            } else {
                again = i;
            }
            againTail = i;
        }
    }
    while (again != nullptr) {
        Interest* next = again->readyNext;
        pushReady(again);
        again = next;
    }
    return n;
}

uint32_t EpollFile::poll() const {
    for (Interest* i = readyHead_; i != nullptr; i = i->readyNext) {
        if (i->pending() != 0) {
            return kPollIn | kPollRdNorm;
        }
    }
    return 0;
}

} // namespace uk::vfs
