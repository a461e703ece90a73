// virtio-mmio: finding the devices QEMU's microvm announces on the command line, and the
// transport (virtio 1.2, 4.2.2 "MMIO Device Register Layout") the drivers use.
#include "virtio_mmio.h"

#include <uk/arch/apic.h>
#include <uk/arch/cpu.h>
#include <uk/arch/cpu_setup.h>
#include <uk/arch/trap.h>

#include "../base/format.h"

#include "../base/new.h"
#include "../kernel/log.h"
#include "../kernel/memory.h"
#include "virtio_net.h"

namespace uk::net {

namespace {

// Register offsets (virtio 1.2, 4.2.2 "MMIO Device Register Layout").
enum : uint32_t {
    kMagic = 0x000,
    kVersion = 0x004,
    kDeviceId = 0x008,
    kDeviceFeatures = 0x010,
    kDeviceFeaturesSel = 0x014,
    kDriverFeatures = 0x020,
    kDriverFeaturesSel = 0x024,
    kQueueSel = 0x030,
    kQueueNumMax = 0x034,
    kQueueNum = 0x038,
    kQueueReady = 0x044,
    kStatus = 0x070,
    kQueueDescLow = 0x080,
    kQueueDescHigh = 0x084,
    kQueueDriverLow = 0x090,
    kQueueDriverHigh = 0x094,
    kQueueDeviceLow = 0x0a0,
    kQueueDeviceHigh = 0x0a4,
    kConfig = 0x100,
};

constexpr uint32_t kMagicValue = 0x74726976; // "virt"
constexpr uint32_t kDeviceNet = 1;

constexpr uint32_t kInterruptStatus = 0x060, kInterruptAck = 0x064, kQueueNotify = 0x050;

class Mmio {
public:
    explicit Mmio(uint64_t va) : base_(va) {}
    uint32_t read(uint32_t off) const { return *reinterpret_cast<volatile uint32_t*>(base_ + off); }
    void write(uint32_t off, uint32_t v) const {
        *reinterpret_cast<volatile uint32_t*>(base_ + off) = v;
    }
    uint8_t read8(uint32_t off) const { return *reinterpret_cast<volatile uint8_t*>(base_ + off); }

private:
    uint64_t base_;
};

class VirtioMmioTransport final : public VirtioTransport {
public:
    VirtioMmioTransport(uint64_t va, const VirtioMmioSpec& spec) : m_(va), spec_(spec) {
        format(description_, sizeof description_, "virtio-mmio at %#lx irq %u", spec.base,
               spec.irq);
    }

    uint8_t status() override { return static_cast<uint8_t>(m_.read(kStatus)); }
    void setStatus(uint8_t s) override { m_.write(kStatus, s); }
    uint64_t deviceFeatures() override {
        m_.write(kDeviceFeaturesSel, 0);
        uint64_t f = m_.read(kDeviceFeatures);
        m_.write(kDeviceFeaturesSel, 1);
        return f | static_cast<uint64_t>(m_.read(kDeviceFeatures)) << 32;
    }
    void setDriverFeatures(uint64_t f) override {
        m_.write(kDriverFeaturesSel, 0);
        m_.write(kDriverFeatures, static_cast<uint32_t>(f));
        m_.write(kDriverFeaturesSel, 1);
        m_.write(kDriverFeatures, static_cast<uint32_t>(f >> 32));
    }
    uint16_t queueMaxSize(uint16_t index) override {
        m_.write(kQueueSel, index);
        if (m_.read(kQueueReady) != 0) {
            return 0;
        }
        uint32_t max = m_.read(kQueueNumMax);
        return static_cast<uint16_t>(max > 0x8000 ? 0x8000 : max);
    }
    bool enableQueue(uint16_t index, uint16_t size, uint64_t desc, uint64_t avail,
                     uint64_t used) override {
        m_.write(kQueueSel, index);
        m_.write(kQueueNum, size);
        m_.write(kQueueDescLow, static_cast<uint32_t>(desc));
        m_.write(kQueueDescHigh, static_cast<uint32_t>(desc >> 32));
        m_.write(kQueueDriverLow, static_cast<uint32_t>(avail));
        m_.write(kQueueDriverHigh, static_cast<uint32_t>(avail >> 32));
        m_.write(kQueueDeviceLow, static_cast<uint32_t>(used));
        m_.write(kQueueDeviceHigh, static_cast<uint32_t>(used >> 32));
        m_.write(kQueueReady, 1);
        return m_.read(kQueueReady) == 1;
    }
    void notify(uint16_t index) override { m_.write(kQueueNotify, index); }
    uint8_t config8(uint32_t offset) override { return m_.read8(kConfig + offset); }
    bool setUpInterrupt(void (*handler)(void*), void* ctx) override {
        if (spec_.irq >= 24) {
            return false; // only the first I/O APIC's pins
        }
        handler_ = handler;
        ctx_ = ctx;
        const auto vector = static_cast<uint8_t>(arch::kIrqBase + spec_.irq);
        arch::setInterruptHandler(
            vector,
            [](arch::TrapFrame&, void* self) {
                auto* t = static_cast<VirtioMmioTransport*>(self);
                t->handler_(t->ctx_);
            },
            this);
        arch::apic::routeIsaIrq(static_cast<uint8_t>(spec_.irq), vector);
        return true;
    }
    uint32_t takeInterruptCause() override {
        uint32_t cause = m_.read(kInterruptStatus);
        m_.write(kInterruptAck, cause);
        return cause;
    }
    const char* describe() const override { return description_; }

private:
    Mmio m_;
    VirtioMmioSpec spec_;
    void (*handler_)(void*) = nullptr;
    void* ctx_ = nullptr;
    char description_[64];
};

} // namespace

void probeVirtioMmio(const VirtioMmioSpec* specs, size_t count) {
    for (size_t i = 0; i < count; ++i) {
        const VirtioMmioSpec& spec = specs[i];
        const uint64_t va = memory::mapDevice(spec.base, spec.size);
        Mmio m(va);
        if (m.read(kMagic) != kMagicValue) {
            log::notice("virtio-mmio at %#lx: no virtio device there", spec.base);
            continue;
        }
        uint32_t version = m.read(kVersion);
        uint32_t device = m.read(kDeviceId);
        if (device == 0) {
            continue; // an empty slot: QEMU's microvm announces more slots than it fills
        }
        if (version != 2) {
            log::notice("virtio-mmio at %#lx: a legacy (version %u) device; uk drives virtio "
                        "1.x (QEMU: -global virtio-mmio.force-legacy=false)",
                        spec.base, version);
            continue;
        }
        if (device == kDeviceNet) {
            auto* t = new (std::nothrow) VirtioMmioTransport(va, spec);
            if (t != nullptr) {
                VirtioNet::probe(t);
            }
        } else {
            log::info("virtio-mmio at %#lx: device type %u, which uk has no driver for", spec.base,
                      device);
        }
    }
}

} // namespace uk::net
