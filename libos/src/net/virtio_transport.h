// What a virtio driver needs from its transport (virtio 1.2, 4: PCI, MMIO): device status,
// feature negotiation, virtqueue registration, notifications, the device-specific
// configuration space and the interrupt. virtio-net (virtio_net.h) is written against this,
// so the same driver runs on microvm (virtio-mmio) and on pc/q35 (virtio-pci).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::net {

class VirtioTransport {
public:
    // Device status bits (2.1).
    static constexpr uint8_t kAcknowledge = 1, kDriver = 2, kDriverOk = 4, kFeaturesOk = 8,
                             kFailed = 128;

    virtual uint8_t status() = 0;
    // Writing 0 resets the device.
    virtual void setStatus(uint8_t status) = 0;
    virtual uint64_t deviceFeatures() = 0;
    virtual void setDriverFeatures(uint64_t features) = 0;

    // The most entries queue `index` may have (0: there is no such queue).
    virtual uint16_t queueMaxSize(uint16_t index) = 0;
    // Gives the device queue `index` with `size` entries at these physical addresses and
    // enables it. False when the device refuses.
    virtual bool enableQueue(uint16_t index, uint16_t size, uint64_t descPhys, uint64_t availPhys,
                             uint64_t usedPhys) = 0;
    // Tells the device that queue `index` has new available buffers.
    virtual void notify(uint16_t index) = 0;

    // A byte of the device-specific configuration space.
    virtual uint8_t config8(uint32_t offset) = 0;

    // Routes the device's interrupt to `handler` (called with interrupts off, `ctx` as its
    // argument). Before DRIVER_OK. False when it cannot be set up.
    virtual bool setUpInterrupt(void (*handler)(void* ctx), void* ctx) = 0;
    // In the handler: the interrupt's cause, acknowledged (bit 0: a used buffer, bit 1: a
    // configuration change). Transports without a status register report "used buffer".
    virtual uint32_t takeInterruptCause() = 0;

    // "virtio-mmio at 0xfeb00e00 irq 12", for logs.
    virtual const char* describe() const = 0;

protected:
    ~VirtioTransport() = default;
};

} // namespace uk::net
