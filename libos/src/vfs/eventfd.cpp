#include "eventfd.h"

#include "../base/new.h"
#include "wait.h"

namespace uk::vfs {

Ref<EventFdFile> EventFdFile::create(uint64_t initial, uint32_t flags) {
    Ref<EventFdFile> f(new (std::nothrow) EventFdFile(initial, flags & kEfdSemaphore,
                                                      kORdwr | (flags & kEfdNonblock)));
    if (!f || f->node() == nullptr) {
        return nullptr;
    }
    return f;
}

long EventFdFile::read(void* buf, size_t size) {
    if (size < 8) {
        return -EINVAL;
    }
    while (count_ == 0) {
        if (nonBlocking()) {
            return -EAGAIN;
        }
        if (waitOn(queue_) == WaitResult::Interrupted) {
            return -kRestartSys;
        }
    }
    uint64_t value = semaphore_ ? 1 : count_;
    count_ -= value;
    __builtin_memcpy(buf, &value, 8);
    wakeAll(queue_);
    return 8;
}

long EventFdFile::write(const void* buf, size_t size) {
    if (size < 8) {
        return -EINVAL;
    }
    uint64_t value;
    __builtin_memcpy(&value, buf, 8);
    if (value == ~0ull) {
        return -EINVAL;
    }
    while (kMax - count_ < value) {
        if (nonBlocking()) {
            return -EAGAIN;
        }
        if (waitOn(queue_) == WaitResult::Interrupted) {
            return -kRestartSys;
        }
    }
    count_ += value;
    wakeAll(queue_); // even for 0, as Linux: an edge-triggered watcher sees the write
    return 8;
}

uint32_t EventFdFile::poll() const {
    uint32_t r = 0;
    if (count_ > 0) {
        r |= kPollIn | kPollRdNorm;
    }
    if (count_ < kMax) {
        r |= kPollOut | kPollWrNorm;
    }
    return r;
}

} // namespace uk::vfs
