// eventfd: a 64-bit counter as a file. write adds (waiting while the sum would pass
// 0xfffffffffffffffe), read takes the whole count, or 1 in semaphore mode (waiting while
// it is 0); poll says readable while the count is non-zero and writable while 1 more fits.
#pragma once

#include <stdint.h>

#include "../sched/wait_queue.h"
#include "anon.h"

namespace uk::vfs {

inline constexpr uint32_t kEfdSemaphore = 1, kEfdCloexec = kOCloexec, kEfdNonblock = kONonblock;

class EventFdFile : public AnonFile {
public:
    static constexpr uint64_t kMax = 0xfffffffffffffffeull;

    // flags: EFD_SEMAPHORE and EFD_NONBLOCK (the caller handles EFD_CLOEXEC). Null when
    // memory is exhausted.
    static Ref<EventFdFile> create(uint64_t initial, uint32_t flags);

    // Both move exactly 8 bytes (EINVAL for less); buf is a checked user buffer.
    long read(void* buf, size_t size) override;
    long write(const void* buf, size_t size) override;
    uint32_t poll() const override;
    sched::WaitQueue* pollQueue() override { return &queue_; }
    long available() const override { return count_ > 0 ? 8 : 0; }
    uint64_t count() const { return count_; }

private:
    EventFdFile(uint64_t initial, bool semaphore, uint32_t flags)
        : AnonFile("eventfd", flags), count_(initial), semaphore_(semaphore) {}

    uint64_t count_;
    bool semaphore_;
    sched::WaitQueue queue_;
};

} // namespace uk::vfs
