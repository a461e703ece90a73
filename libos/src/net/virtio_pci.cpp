// virtio-pci: finding virtio devices on the PCI bus of QEMU's pc and q35 machines, and the
// transport (virtio 1.2, 4.1.4 "Virtio Structure PCI Capabilities") the drivers use.
#include "virtio_pci.h"

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

// Configuration mechanism #1 (PCI 3.0, 3.2.2.3.2).
constexpr uint16_t kConfigAddressPort = 0xcf8, kConfigDataPort = 0xcfc;

// Configuration space header registers (PCI 3.0, 6.1).
constexpr uint8_t kIdRegister = 0x00, kCommandRegister = 0x04, kClassRegister = 0x08,
                  kHeaderTypeRegister = 0x0c, kBusNumbersRegister = 0x18, kSubsystemRegister = 0x2c,
                  kInterruptRegister = 0x3c;
constexpr uint16_t kCommandMemory = 1u << 1, kCommandBusMaster = 1u << 2,
                   kCommandIntxDisable = 1u << 10;
constexpr uint8_t kHeaderDevice = 0, kHeaderBridge = 1, kHeaderMultiFunction = 0x80;
// Bridges behind bridges: QEMU machines nest a few levels at most; the bound only stops a
// misprogrammed bus number from recursing forever.
constexpr int kMaxBridgeDepth = 8;

// MSI-X (PCI 3.0, 6.8.2): message control bits and the 16-byte table entries.
constexpr uint16_t kMsixEnable = 1u << 15;
constexpr uint32_t kMsixEntryAddressLow = 0, kMsixEntryAddressHigh = 1, kMsixEntryData = 2,
                   kMsixEntryControl = 3; // in 32-bit words
constexpr uint32_t kMsixEntryMasked = 1;
// The local APIC's message address (Intel SDM 3, 11.11.1): fixed delivery, physical
// destination in bits 19:12.
constexpr uint32_t kMsiAddress = 0xfee00000;

// virtio vendor id, and device ids: modern (0x1040 + device type) and transitional ones
// (0x1000..0x103f, the type in the subsystem id) (virtio 1.2, 4.1.2).
constexpr uint16_t kVirtioVendor = 0x1af4;
constexpr uint16_t kModernFirst = 0x1040, kModernLast = 0x107f;
constexpr uint16_t kTransitionalFirst = 0x1000, kTransitionalLast = 0x103f;
constexpr uint32_t kDeviceNet = 1;

// struct virtio_pci_common_cfg (4.1.4.3).
enum : uint32_t {
    kDeviceFeatureSelect = 0x00,
    kDeviceFeature = 0x04,
    kDriverFeatureSelect = 0x08,
    kDriverFeature = 0x0c,
    kConfigMsixVector = 0x10,
    kNumQueues = 0x12,
    kDeviceStatus = 0x14,
    kQueueSelect = 0x16,
    kQueueSize = 0x18,
    kQueueMsixVector = 0x1a,
    kQueueEnable = 0x1c,
    kQueueNotifyOff = 0x1e,
    kQueueDesc = 0x20,
    kQueueDriver = 0x28,
    kQueueDevice = 0x30,
    kCommonLength = 0x38,
};
constexpr uint16_t kNoVector = 0xffff; // VIRTIO_MSI_NO_VECTOR

struct PciAddress {
    uint8_t bus, slot, function;
};

uint32_t configAddress(PciAddress a, uint8_t offset) {
    return 0x8000'0000u | uint32_t{a.bus} << 16 | uint32_t{a.slot} << 11 |
           uint32_t{a.function} << 8 | (offset & 0xfcu);
}

uint32_t configRead(PciAddress a, uint8_t offset) {
    arch::outl(kConfigAddressPort, configAddress(a, offset));
    return arch::inl(kConfigDataPort);
}

uint32_t configReadCallback(void* ctx, uint8_t offset) {
    return configRead(*static_cast<const PciAddress*>(ctx), offset);
}

uint8_t configRead8(PciAddress a, uint8_t offset) {
    return static_cast<uint8_t>(configRead(a, offset) >> (8 * (offset & 3)));
}

// A 16-bit write, so the status register beside the command register (whose bits are
// cleared by writing 1) is left alone.
void configWrite16(PciAddress a, uint8_t offset, uint16_t v) {
    arch::outl(kConfigAddressPort, configAddress(a, offset));
    arch::outw(static_cast<uint16_t>(kConfigDataPort + (offset & 2)), v);
}

uint16_t configRead16(PciAddress a, uint8_t offset) {
    return static_cast<uint16_t>(configRead(a, offset) >> (8 * (offset & 2)));
}

template <typename T>
T mmioRead(uint64_t va) {
    return *reinterpret_cast<volatile T*>(va);
}
template <typename T>
void mmioWrite(uint64_t va, T v) {
    *reinterpret_cast<volatile T*>(va) = v;
}

// Where the device's structures are mapped.
struct VirtioPciMapping {
    uint64_t common = 0, notify = 0, isr = 0, device = 0; // virtual addresses; device may be 0
    uint32_t notifyLength = 0, deviceLength = 0;
    uint32_t notifyOffMultiplier = 0;
    uint64_t msixTable = 0; // 0: no MSI-X, interrupts arrive as INTx
    uint8_t msixCap = 0;
    uint8_t msixVector = 0; // the CPU vector table entry 0 sends
};

class VirtioPciTransport final : public VirtioTransport {
public:
    VirtioPciTransport(PciAddress a, const VirtioPciMapping& m) : address_(a), m_(m) {
        format(location_, sizeof location_, "%02x:%02x.%x", a.bus, a.slot, a.function);
        char how[24];
        format(how, sizeof how, "msi-x vector %#x", m.msixVector);
        describeAs(useMsix() ? how : nullptr);
    }

    uint8_t status() override { return mmioRead<uint8_t>(m_.common + kDeviceStatus); }
    void setStatus(uint8_t s) override {
        mmioWrite<uint8_t>(m_.common + kDeviceStatus, s);
        if (s == 0) {
            // 4.1.4.3.2: a reset is complete when the status reads 0 again (at once on
            // QEMU); the queues' vectors went with it.
            for (int i = 0; i < 1'000'000 && status() != 0; ++i) {
                arch::pause();
            }
            queuesOnMsix_ = 0;
        }
    }
    uint64_t deviceFeatures() override {
        mmioWrite<uint32_t>(m_.common + kDeviceFeatureSelect, 0);
        uint64_t f = mmioRead<uint32_t>(m_.common + kDeviceFeature);
        mmioWrite<uint32_t>(m_.common + kDeviceFeatureSelect, 1);
        return f | static_cast<uint64_t>(mmioRead<uint32_t>(m_.common + kDeviceFeature)) << 32;
    }
    void setDriverFeatures(uint64_t f) override {
        mmioWrite<uint32_t>(m_.common + kDriverFeatureSelect, 0);
        mmioWrite<uint32_t>(m_.common + kDriverFeature, static_cast<uint32_t>(f));
        mmioWrite<uint32_t>(m_.common + kDriverFeatureSelect, 1);
        mmioWrite<uint32_t>(m_.common + kDriverFeature, static_cast<uint32_t>(f >> 32));
    }
    uint16_t queueMaxSize(uint16_t index) override {
        if (index >= kMaxQueues || index >= mmioRead<uint16_t>(m_.common + kNumQueues)) {
            return 0;
        }
        mmioWrite<uint16_t>(m_.common + kQueueSelect, index);
        if (mmioRead<uint16_t>(m_.common + kQueueEnable) != 0) {
            return 0;
        }
        uint16_t max = mmioRead<uint16_t>(m_.common + kQueueSize);
        return max > 0x8000 ? 0x8000 : max;
    }
    bool enableQueue(uint16_t index, uint16_t size, uint64_t desc, uint64_t avail,
                     uint64_t used) override {
        if (index >= kMaxQueues) {
            return false;
        }
        mmioWrite<uint16_t>(m_.common + kQueueSelect, index);
        mmioWrite<uint16_t>(m_.common + kQueueSize, size);
        // The vector is the selected queue's, so it is set here, before the queue is enabled;
        // the device answers "no vector" when it cannot give it one (4.1.5.1.2).
        if (useMsix()) {
            mmioWrite<uint16_t>(m_.common + kQueueMsixVector, 0);
            if (mmioRead<uint16_t>(m_.common + kQueueMsixVector) != 0) {
                if (queuesOnMsix_ != 0) {
                    log::notice("virtio-pci at %s: the device refused an MSI-X vector for "
                                "queue %u",
                                location_, index);
                    return false;
                }
                useIntx();
            } else {
                ++queuesOnMsix_;
            }
        }
        writeAddress(kQueueDesc, desc);
        writeAddress(kQueueDriver, avail);
        writeAddress(kQueueDevice, used);
        const uint32_t notifyAt =
            uint32_t{mmioRead<uint16_t>(m_.common + kQueueNotifyOff)} * m_.notifyOffMultiplier;
        if (notifyAt > m_.notifyLength || m_.notifyLength - notifyAt < sizeof(uint16_t)) {
            log::notice("virtio-pci at %s: queue %u notifies outside the notification region",
                        location_, index);
            return false;
        }
        notifyAddress_[index] = m_.notify + notifyAt;
        mmioWrite<uint16_t>(m_.common + kQueueEnable, 1);
        return mmioRead<uint16_t>(m_.common + kQueueEnable) == 1;
    }
    void notify(uint16_t index) override {
        // Without VIRTIO_F_NOTIFICATION_DATA the notification is the queue's index (4.1.5.2).
        if (index < kMaxQueues && notifyAddress_[index] != 0) {
            mmioWrite<uint16_t>(notifyAddress_[index], index);
        }
    }
    uint8_t config8(uint32_t offset) override {
        return offset < m_.deviceLength ? mmioRead<uint8_t>(m_.device + offset) : 0;
    }
    bool setUpInterrupt(void (*handler)(void*), void* ctx) override {
        handler_ = handler;
        ctx_ = ctx;
        if (useMsix()) {
            // Configuration changes (link status) are read when wanted, not signalled.
            mmioWrite<uint16_t>(m_.common + kConfigMsixVector, kNoVector);
            arch::setInterruptHandler(m_.msixVector, onInterrupt, this);
            const uint32_t apicId = arch::cpuid(1).ebx >> 24;
            auto* entry = reinterpret_cast<volatile uint32_t*>(m_.msixTable);
            entry[kMsixEntryAddressLow] = kMsiAddress | apicId << 12;
            entry[kMsixEntryAddressHigh] = 0;
            entry[kMsixEntryData] = m_.msixVector; // fixed delivery, edge triggered
            entry[kMsixEntryControl] = 0;          // unmasked
            return true;
        }
        // INTx: the line the firmware routed the function's pin to (0xff: none).
        const uint32_t interrupt = configRead(address_, kInterruptRegister);
        const auto line = static_cast<uint8_t>(interrupt);
        const auto pin = static_cast<uint8_t>(interrupt >> 8);
        if (pin == 0 || line >= 24) {
            return false; // no pin, or one the first I/O APIC does not have
        }
        const auto vector = static_cast<uint8_t>(arch::kIrqBase + line);
        arch::setInterruptHandler(vector, onInterrupt, this);
        arch::apic::routeLevelIrq(line, vector);
        char how[16];
        format(how, sizeof how, "irq %u", line);
        describeAs(how);
        return true;
    }
    uint32_t takeInterruptCause() override {
        // A message is edge triggered and says only "this vector": the queues' vector. The
        // ISR byte is for the INTx line, which reading it lowers (4.1.4.5).
        return useMsix() ? 1 : mmioRead<uint8_t>(m_.isr);
    }
    const char* describe() const override { return description_; }

private:
    static constexpr uint16_t kMaxQueues = 16;

    static void onInterrupt(arch::TrapFrame&, void* self) {
        auto* t = static_cast<VirtioPciTransport*>(self);
        t->handler_(t->ctx_);
    }

    bool useMsix() const { return m_.msixTable != 0; }

    // Turns MSI-X off so the device signals on its INTx pin again (PCI 3.0, 6.8.2.3).
    void useIntx() {
        const auto control = static_cast<uint8_t>(m_.msixCap + 2);
        configWrite16(address_, control,
                      static_cast<uint16_t>(configRead16(address_, control) & ~kMsixEnable));
        const uint16_t command = configRead16(address_, kCommandRegister);
        configWrite16(address_, kCommandRegister,
                      static_cast<uint16_t>(command & ~kCommandIntxDisable));
        m_.msixTable = 0;
        log::notice("virtio-pci at %s: the device refused MSI-X; using its INTx line", location_);
        describeAs(nullptr);
    }

    void writeAddress(uint32_t reg, uint64_t phys) {
        mmioWrite<uint32_t>(m_.common + reg, static_cast<uint32_t>(phys));
        mmioWrite<uint32_t>(m_.common + reg + 4, static_cast<uint32_t>(phys >> 32));
    }

    // "virtio-pci at 00:01.0 (msi-x vector 0x40)"; `how` is the interrupt in parentheses.
    void describeAs(const char* how) {
        if (how == nullptr) {
            format(description_, sizeof description_, "virtio-pci at %s", location_);
        } else {
            format(description_, sizeof description_, "virtio-pci at %s (%s)", location_, how);
        }
    }

    PciAddress address_;
    VirtioPciMapping m_;
    uint64_t notifyAddress_[kMaxQueues] = {};
    uint32_t queuesOnMsix_ = 0;
    void (*handler_)(void*) = nullptr;
    void* ctx_ = nullptr;
    char location_[16];
    char description_[64];
};

// Maps one of the device's structures; 0 when its BAR is unassigned.
uint64_t mapRegion(PciAddress a, const VirtioPciRegion& r) {
    uint64_t bar = pciMemoryBar(configReadCallback, &a, r.bar);
    if (bar == 0) {
        return 0;
    }
    return memory::mapDevice(bar + r.offset, r.length);
}

void probeFunction(PciAddress a, uint32_t ids, uint32_t* msixDevices) {
    const auto device = static_cast<uint16_t>(ids >> 16);
    uint32_t type;
    if (device >= kModernFirst && device <= kModernLast) {
        type = device - kModernFirst;
    } else if (device >= kTransitionalFirst && device <= kTransitionalLast) {
        type = configRead(a, kSubsystemRegister) >> 16;
    } else {
        return;
    }
    if (type != kDeviceNet) {
        log::info("virtio-pci at %02x:%02x.%x: device type %u, which uk has no driver for", a.bus,
                  a.slot, a.function, type);
        return;
    }
    VirtioPciCaps caps;
    if (!parseVirtioPciCaps(configReadCallback, &a, &caps)) {
        log::notice("virtio-pci at %02x:%02x.%x: a legacy-only device; uk drives virtio 1.x "
                    "(QEMU: disable-legacy=on)",
                    a.bus, a.slot, a.function);
        return;
    }
    if (caps.common.length < kCommonLength || caps.notify.length < sizeof(uint16_t) ||
        caps.isr.length < 1) {
        log::notice("virtio-pci at %02x:%02x.%x: its configuration structures are too short", a.bus,
                    a.slot, a.function);
        return;
    }
    VirtioPciMapping m;
    m.common = mapRegion(a, caps.common);
    m.notify = mapRegion(a, caps.notify);
    m.isr = mapRegion(a, caps.isr);
    if (caps.device.present && caps.device.length != 0) {
        m.device = mapRegion(a, caps.device);
    }
    if (m.common == 0 || m.notify == 0 || m.isr == 0 ||
        (caps.device.present && caps.device.length != 0 && m.device == 0)) {
        log::notice("virtio-pci at %02x:%02x.%x: the firmware left its BARs unassigned, and "
                    "uk does not assign them itself",
                    a.bus, a.slot, a.function);
        return;
    }
    m.notifyLength = caps.notify.length;
    m.deviceLength = m.device != 0 ? caps.device.length : 0;
    m.notifyOffMultiplier = caps.notifyOffMultiplier;

    uint16_t command = configRead16(a, kCommandRegister) | kCommandMemory | kCommandBusMaster;
    if (caps.msixCap != 0 && *msixDevices < arch::kMsiCount) {
        uint64_t bar = pciMemoryBar(configReadCallback, &a, caps.msixTableBar);
        if (bar != 0) {
            m.msixTable =
                memory::mapDevice(bar + caps.msixTableOffset, uint64_t{caps.msixTableSize} * 16);
            m.msixCap = caps.msixCap;
            m.msixVector = static_cast<uint8_t>(arch::kMsiBase + (*msixDevices)++);
        }
    }
    if (m.msixTable != 0) {
        // Entry 0 masked until the driver's handler is in place (setUpInterrupt); with MSI-X
        // enabled the device never raises INTx, so that is turned off too.
        reinterpret_cast<volatile uint32_t*>(m.msixTable)[kMsixEntryControl] = kMsixEntryMasked;
        const auto control = static_cast<uint8_t>(m.msixCap + 2);
        configWrite16(a, control, static_cast<uint16_t>(configRead16(a, control) | kMsixEnable));
        command |= kCommandIntxDisable;
    } else {
        command &= static_cast<uint16_t>(~kCommandIntxDisable);
    }
    // Bus mastering before the device is started: QEMU stops a device whose driver turns it
    // off, and it is what lets the device reach the rings.
    configWrite16(a, kCommandRegister, command);

    auto* t = new (std::nothrow) VirtioPciTransport(a, m);
    if (t != nullptr) {
        VirtioNet::probe(t);
    }
}

void scanBus(uint8_t bus, int depth, uint32_t* msixDevices) {
    for (uint8_t slot = 0; slot < 32; ++slot) {
        PciAddress a{bus, slot, 0};
        if ((configRead(a, kIdRegister) & 0xffff) == 0xffff) {
            continue;
        }
        const bool multiFunction =
            (configRead8(a, kHeaderTypeRegister + 2) & kHeaderMultiFunction) != 0;
        for (uint8_t function = 0; function < (multiFunction ? 8 : 1); ++function) {
            a.function = function;
            const uint32_t ids = configRead(a, kIdRegister);
            if ((ids & 0xffff) == 0xffff) {
                continue;
            }
            const uint8_t header = configRead8(a, kHeaderTypeRegister + 2) & 0x7f;
            if (header == kHeaderBridge && depth < kMaxBridgeDepth) {
                // A PCI-to-PCI bridge (class 06.04); the firmware numbered its buses.
                const auto secondary =
                    static_cast<uint8_t>(configRead(a, kBusNumbersRegister) >> 8);
                if (secondary > bus && (configRead(a, kClassRegister) >> 16) == 0x0604) {
                    scanBus(secondary, depth + 1, msixDevices);
                }
            } else if (header == kHeaderDevice && (ids & 0xffff) == kVirtioVendor) {
                probeFunction(a, ids, msixDevices);
            }
        }
    }
}

} // namespace

void probeVirtioPci() {
    // Without PCI (microvm) the configuration ports are unassigned and read all ones; pc and
    // q35 always have a host bridge at 00:00.0. So a machine without PCI costs two port
    // accesses.
    if ((configRead(PciAddress{0, 0, 0}, kIdRegister) & 0xffff) == 0xffff) {
        return;
    }
    uint32_t msixDevices = 0;
    scanBus(0, 0, &msixDevices);
}

} // namespace uk::net
