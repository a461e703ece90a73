// A network interface card as the TCP/IP stack sees it: Ethernet frames in and out. The stack
// (net/stack.h) has the drivers (virtio-net over MMIO or PCI) probe and register their
// devices when a program makes its first Internet socket, and takes the first one, so images
// that never use the network link neither the stack nor the drivers, and no boot waits for a
// card nobody uses.
//
// Everything runs with interrupts off on one CPU (see sched/wait_queue.h): the receive
// callback runs in the device's interrupt handler, transmit() in whatever called the stack.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::net {

class NetDevice {
public:
    // Called for every frame received (destination and source MAC first, no FCS), in the
    // device's interrupt handler. The data is the driver's until the callback returns.
    // `batchDone` follows the frames of one interrupt.
    struct Receiver {
        void (*frame)(void* ctx, const uint8_t* data, size_t len) = nullptr;
        void (*batchDone)(void* ctx) = nullptr;
        void* ctx = nullptr;
    };
    // One piece of a frame to send.
    struct Piece {
        const void* data;
        size_t len;
    };

    virtual const uint8_t* mac() const = 0;
    virtual bool linkUp() const = 0;
    virtual size_t mtu() const { return 1500; }
    // Whether the device fills in TCP and UDP checksums of frames sent (the stack then
    // leaves them to it).
    virtual bool checksumOffload() const { return false; }
    // Starts receiving into `r` (once).
    virtual bool start(const Receiver& r) = 0;
    // Sends the frame made of `pieces` (`total` bytes, at most mtu() + 14). False when the
    // device has no room now (the caller drops it: TCP retransmits).
    virtual bool transmit(const Piece* pieces, size_t count, size_t total) = 0;
    // One line for logs: "virtio-net at 0xfeb00e00 (irq 12)".
    virtual const char* describe() const = 0;

protected:
    ~NetDevice() = default;
};

// Drivers call this when they find a device; devices stay for the whole run.
void registerNetDevice(NetDevice* device);
// The index-th registered device, or nullptr.
NetDevice* netDevice(size_t index);

} // namespace uk::net
