// virtio-mmio devices and the virtio-net driver's start: discovery, feature negotiation,
// the receive and transmit virtqueues, the MAC address and link state. Receiving and sending
// frames (with lwIP above) come next.
#include "virtio_mmio.h"

#include <uk/arch/cpu.h>

#include "../kernel/log.h"
#include "../kernel/memory.h"

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

// Device status bits (2.1).
constexpr uint32_t kAcknowledge = 1, kDriver = 2, kDriverOk = 4, kFeaturesOk = 8, kFailed = 128;

// Feature bits: virtio-net's (5.1.3) and the transport's.
constexpr uint64_t kNetMac = 1ull << 5;
constexpr uint64_t kNetStatus = 1ull << 16;
constexpr uint64_t kVersion1 = 1ull << 32;
constexpr uint16_t kNetLinkUp = 1;

constexpr uint32_t kQueueSize = 256;

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

// The split virtqueue's three parts (2.7), in pages of their own.
struct Virtqueue {
    uint32_t size = 0;
    uint64_t descPhys = 0, availPhys = 0, usedPhys = 0;
};

bool setUpQueue(const Mmio& m, uint32_t index, Virtqueue* q) {
    m.write(kQueueSel, index);
    if (m.read(kQueueReady) != 0) {
        return false;
    }
    uint32_t max = m.read(kQueueNumMax);
    if (max == 0) {
        return false;
    }
    q->size = max < kQueueSize ? max : kQueueSize;
    // 16 bytes per descriptor (4 KiB for 256), the available ring (6 + 2n bytes) and the used
    // ring (6 + 8n bytes) each fit one page for up to 256 entries.
    q->descPhys = memory::allocZeroedFrame();
    q->availPhys = memory::allocZeroedFrame();
    q->usedPhys = memory::allocZeroedFrame();
    if (q->descPhys == 0 || q->availPhys == 0 || q->usedPhys == 0) {
        return false;
    }
    m.write(kQueueNum, q->size);
    m.write(kQueueDescLow, static_cast<uint32_t>(q->descPhys));
    m.write(kQueueDescHigh, static_cast<uint32_t>(q->descPhys >> 32));
    m.write(kQueueDriverLow, static_cast<uint32_t>(q->availPhys));
    m.write(kQueueDriverHigh, static_cast<uint32_t>(q->availPhys >> 32));
    m.write(kQueueDeviceLow, static_cast<uint32_t>(q->usedPhys));
    m.write(kQueueDeviceHigh, static_cast<uint32_t>(q->usedPhys >> 32));
    m.write(kQueueReady, 1);
    return true;
}

void startNet(const Mmio& m, const VirtioMmioSpec& spec) {
    // 3.1.1: reset, acknowledge, negotiate, set up the queues, then DRIVER_OK.
    m.write(kStatus, 0);
    m.write(kStatus, kAcknowledge);
    m.write(kStatus, kAcknowledge | kDriver);
    m.write(kDeviceFeaturesSel, 0);
    uint64_t offered = m.read(kDeviceFeatures);
    m.write(kDeviceFeaturesSel, 1);
    offered |= static_cast<uint64_t>(m.read(kDeviceFeatures)) << 32;
    if ((offered & kVersion1) == 0) {
        log::notice("virtio-net at %#lx: the device does not offer VIRTIO_F_VERSION_1", spec.base);
        m.write(kStatus, kFailed);
        return;
    }
    const uint64_t wanted = offered & (kVersion1 | kNetMac | kNetStatus);
    m.write(kDriverFeaturesSel, 0);
    m.write(kDriverFeatures, static_cast<uint32_t>(wanted));
    m.write(kDriverFeaturesSel, 1);
    m.write(kDriverFeatures, static_cast<uint32_t>(wanted >> 32));
    m.write(kStatus, kAcknowledge | kDriver | kFeaturesOk);
    if ((m.read(kStatus) & kFeaturesOk) == 0) {
        log::notice("virtio-net at %#lx: the device refused the features", spec.base);
        m.write(kStatus, kFailed);
        return;
    }
    Virtqueue rx, tx;
    if (!setUpQueue(m, 0, &rx) || !setUpQueue(m, 1, &tx)) {
        log::notice("virtio-net at %#lx: its receive and transmit queues cannot be set up",
                    spec.base);
        m.write(kStatus, kFailed);
        return;
    }
    m.write(kStatus, kAcknowledge | kDriver | kFeaturesOk | kDriverOk);
    uint8_t mac[6] = {};
    if (wanted & kNetMac) {
        for (uint32_t i = 0; i < 6; ++i) {
            mac[i] = m.read8(kConfig + i);
        }
    }
    bool up = true;
    if (wanted & kNetStatus) {
        uint16_t status = static_cast<uint16_t>(m.read8(kConfig + 6) | (m.read8(kConfig + 7) << 8));
        up = (status & kNetLinkUp) != 0;
    }
    log::info("virtio-net: %02x:%02x:%02x:%02x:%02x:%02x at %#lx irq %u, %u-entry queues, "
              "link %s",
              mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], spec.base, spec.irq, rx.size,
              up ? "up" : "down");
}

} // namespace

void probeVirtioMmio(const char* const* words, size_t count) {
    constexpr char kPrefix[] = "virtio_mmio.device=";
    for (size_t i = 0; i < count; ++i) {
        const char* w = words[i];
        size_t k = 0;
        while (kPrefix[k] != 0 && w[k] == kPrefix[k]) {
            ++k;
        }
        if (kPrefix[k] != 0) {
            continue;
        }
        VirtioMmioSpec spec;
        if (!parseVirtioMmioSpec(w + k, &spec)) {
            log::notice("ignoring %s: not SIZE@BASE:IRQ", w);
            continue;
        }
        Mmio m(memory::mapDevice(spec.base, spec.size));
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
            startNet(m, spec);
        } else {
            log::info("virtio-mmio at %#lx: device type %u, which uk has no driver for", spec.base,
                      device);
        }
    }
}

} // namespace uk::net
