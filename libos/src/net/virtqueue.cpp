#include "virtqueue.h"

namespace uk::net {

namespace {

inline void releaseFence() {
    __atomic_thread_fence(__ATOMIC_RELEASE);
}
inline void acquireFence() {
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
}
// Between publishing the available index and reading whether the device wants a kick.
inline void fullFence() {
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

} // namespace

bool SplitQueue::init(uint16_t size, void* desc, void* avail, void* used) {
    if (size == 0 || size > kMaxSize || (size & (size - 1)) != 0 || desc == nullptr ||
        avail == nullptr || used == nullptr) {
        return false;
    }
    size_ = size;
    desc_ = static_cast<volatile Desc*>(desc);
    avail_ = static_cast<volatile uint16_t*>(avail);
    used_ = static_cast<volatile uint16_t*>(used);
    // Every descriptor on the free list, chained through `next`.
    for (uint16_t i = 0; i < size; ++i) {
        desc_[i].next = static_cast<uint16_t>(i + 1 < size ? i + 1 : 0);
        desc_[i].flags = 0;
    }
    free_ = size;
    freeHead_ = 0;
    availIdx_ = published_ = lastUsed_ = 0;
    return true;
}

bool SplitQueue::add(const Segment* segments, size_t outCount, size_t inCount, void* token) {
    const size_t n = outCount + inCount;
    if (n == 0 || n > free_) {
        return false;
    }
    const uint16_t head = freeHead_;
    uint16_t at = head;
    for (size_t i = 0; i < n; ++i) {
        volatile Desc& d = desc_[at];
        d.addr = segments[i].phys;
        d.len = segments[i].len;
        uint16_t flags = i >= outCount ? kWrite : 0;
        const uint16_t next = d.next;
        if (i + 1 < n) {
            flags |= kNext;
            at = next;
        } else {
            freeHead_ = next;
        }
        d.flags = flags;
    }
    free_ = static_cast<uint16_t>(free_ - n);
    tokens_[head] = token;
    avail_[2 + (availIdx_ & (size_ - 1))] = head;
    ++availIdx_;
    return true;
}

bool SplitQueue::publish() {
    if (availIdx_ == published_) {
        return false;
    }
    releaseFence(); // the ring entries and descriptors before the index
    avail_[1] = availIdx_;
    published_ = availIdx_;
    fullFence();
    constexpr uint16_t kNoNotify = 1;
    return (used_[0] & kNoNotify) == 0;
}

void SplitQueue::setInterruptsWanted(bool wanted) {
    constexpr uint16_t kNoInterrupt = 1;
    avail_[0] = wanted ? 0 : kNoInterrupt;
}

bool SplitQueue::takeUsed(void** token, uint32_t* written) {
    const uint16_t deviceIdx = used_[1];
    if (deviceIdx == lastUsed_) {
        return false;
    }
    acquireFence(); // the entry after the index that published it
    const size_t slot = lastUsed_ & (size_ - 1);
    auto* entries = reinterpret_cast<volatile uint32_t*>(used_ + 2);
    const uint32_t id = entries[2 * slot];
    const uint32_t len = entries[2 * slot + 1];
    ++lastUsed_;
    if (id >= size_) {
        return false; // a broken device; never trust its index
    }
    // Back on the free list: the whole chain, in front.
    uint16_t at = static_cast<uint16_t>(id);
    uint16_t count = 1;
    while (desc_[at].flags & kNext) {
        at = desc_[at].next;
        if (++count > size_) {
            return false;
        }
    }
    desc_[at].next = freeHead_;
    freeHead_ = static_cast<uint16_t>(id);
    free_ = static_cast<uint16_t>(free_ + count);
    *token = tokens_[id];
    tokens_[id] = nullptr;
    *written = len;
    return true;
}

} // namespace uk::net
