// The virtio-net driver (virtio 1.2, 5.1) over any transport (virtio_transport.h): one
// receive and one transmit queue, frames copied through buffers of the driver's own so the
// stack's memory never has to be reachable by the device.
//
// Receive buffers are posted when the stack starts the device; each interrupt drains every
// finished buffer, hands the frames up and posts the buffers again with one notification
// (batched receive). Transmit copies the frame after a zeroed virtio-net header; the device
// is told only when it asks to be (it turns notifications off while it is draining), and the
// transmit queue raises no interrupts: finished buffers are reclaimed by the next send.
// Where the device offers VIRTIO_NET_F_CSUM (QEMU's tap backend does, its user network does
// not), TCP and UDP checksums of sent frames are left to it: the driver marks each such frame
// "needs checksum" with the pseudo-header sum in place, as Linux's driver does.
#pragma once

#include "netdev.h"
#include "virtio_transport.h"
#include "virtqueue.h"

namespace uk::net {

class VirtioNet final : public NetDevice {
public:
    // Negotiates features and sets up both queues; registers the device. Logs and returns
    // nullptr when the device cannot be driven (it is marked FAILED then).
    static VirtioNet* probe(VirtioTransport* transport);

    const uint8_t* mac() const override { return mac_; }
    bool linkUp() const override;
    bool checksumOffload() const override;
    bool start(const Receiver& r) override;
    bool transmit(const Piece* pieces, size_t count, size_t total) override;
    const char* describe() const override { return transport_->describe(); }

private:
    explicit VirtioNet(VirtioTransport* t) : transport_(t) {}
    bool setUpQueue(uint16_t index, SplitQueue* q);
    bool postReceive(uint8_t* buffer);
    void onInterrupt();
    void reclaimTransmitted();

    VirtioTransport* transport_;
    uint64_t features_ = 0;
    uint8_t mac_[6] = {};
    SplitQueue rx_;
    SplitQueue tx_;
    Receiver receiver_;
    bool started_ = false;
    uint8_t** txFree_ = nullptr; // free transmit buffers (a stack)
    size_t txFreeCount_ = 0;
};

} // namespace uk::net
