// The driver's side of a split virtqueue (virtio 1.2, 2.7): a descriptor table, the ring of
// chains offered to the device ("available") and the ring of chains it has finished
// ("used"). Machine-independent, so unit tests run it against a fake device; the transport
// (virtio-mmio, later PCI) gives it memory and rings the doorbell when publish() says so.
//
// One owner at a time (the network thread, under its lock): no internal locking. Memory
// ordering follows the specification: descriptors and ring entries are written before the
// index that publishes them (release), and the used index is read before its entries
// (acquire).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::net {

class SplitQueue {
public:
    static constexpr uint16_t kMaxSize = 1024; // QEMU offers 256 (at most 1024)

    struct Segment {
        uint64_t phys; // what the device reads or writes
        uint32_t len;
    };

    // Bytes each part needs for `size` entries (alignment: 16, 2 and 4).
    static size_t descBytes(uint16_t size) { return 16u * size; }
    static size_t availBytes(uint16_t size) { return 6u + 2u * size; }
    static size_t usedBytes(uint16_t size) { return 6u + 8u * size; }

    // `size` must be a power of two up to kMaxSize; the three areas must be zeroed, of the
    // sizes above, and stay valid while the queue is used.
    bool init(uint16_t size, void* desc, void* avail, void* used);

    // Adds one chain: `outCount` device-readable segments, then `inCount` device-writable
    // ones (at least one segment in all). `token` comes back from takeUsed(). Returns false
    // when too few descriptors are free (nothing is added then).
    bool add(const Segment* segments, size_t outCount, size_t inCount, void* token);

    // Makes the chains added since the last call visible to the device. Returns whether the
    // device wants a notification (it has not set VIRTQ_USED_F_NO_NOTIFY).
    bool publish();

    // The next chain the device has finished: its token and the bytes it wrote. False when
    // there is none. Its descriptors are free again.
    bool takeUsed(void** token, uint32_t* written);

    // Whether the device should interrupt when it finishes a chain (VIRTQ_AVAIL_F_NO_INTERRUPT
    // cleared or set): a transmit queue reclaims its buffers when it next sends instead.
    void setInterruptsWanted(bool wanted);

    uint16_t size() const { return size_; }
    uint16_t freeCount() const { return free_; }

private:
    struct Desc {
        uint64_t addr;
        uint32_t len;
        uint16_t flags;
        uint16_t next;
    };
    static constexpr uint16_t kNext = 1, kWrite = 2;

    volatile Desc* desc_ = nullptr;
    volatile uint16_t* avail_ = nullptr; // flags, idx, ring[size], used_event
    volatile uint16_t* used_ = nullptr;  // flags, idx, then {u32 id, u32 len}[size]
    uint16_t size_ = 0;
    uint16_t free_ = 0;
    uint16_t freeHead_ = 0;
    uint16_t availIdx_ = 0; // the driver's copy of avail->idx
    uint16_t published_ = 0;
    uint16_t lastUsed_ = 0;
    void* tokens_[kMaxSize] = {};
};

} // namespace uk::net
