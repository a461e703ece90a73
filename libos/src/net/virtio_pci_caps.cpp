// The machine-independent part of the virtio-pci transport: reading a function's capability
// list and BARs through a configuration-space reader.
#include "virtio_pci.h"

namespace uk::net {

namespace {

// Configuration space header (PCI 3.0, 6.1) and capability ids.
constexpr uint8_t kCommandStatus = 0x04, kBar0 = 0x10, kCapabilitiesPointer = 0x34;
constexpr uint32_t kStatusCapabilityList = 1u << (16 + 4);
constexpr uint8_t kCapVendor = 0x09, kCapMsix = 0x11;
// virtio_pci_cap.cfg_type (4.1.4).
constexpr uint8_t kCommonCfg = 1, kNotifyCfg = 2, kIsrCfg = 3, kDeviceCfg = 4;
// The header ends at 0x40 and the space at 0x100; 48 capabilities of 4 bytes fill the
// rest, so a longer walk is following a loop.
constexpr int kMaxCapabilities = 48;

uint8_t read8(PciConfigRead read, void* ctx, uint8_t offset) {
    return static_cast<uint8_t>(read(ctx, offset & 0xfc) >> (8 * (offset & 3)));
}

} // namespace

bool parseVirtioPciCaps(PciConfigRead read, void* ctx, VirtioPciCaps* out) {
    *out = VirtioPciCaps{};
    if ((read(ctx, kCommandStatus) & kStatusCapabilityList) == 0) {
        return false;
    }
    uint8_t at = read8(read, ctx, kCapabilitiesPointer) & 0xfc;
    for (int n = 0; n < kMaxCapabilities && at >= 0x40; ++n) {
        const uint32_t head = read(ctx, at);
        const auto id = static_cast<uint8_t>(head);
        const auto next = static_cast<uint8_t>((head >> 8) & 0xfc);
        if (id == kCapMsix && out->msixCap == 0) {
            const uint32_t table = read(ctx, static_cast<uint8_t>(at + 4));
            out->msixCap = at;
            out->msixTableSize = static_cast<uint16_t>(((head >> 16) & 0x7ff) + 1);
            out->msixTableBar = static_cast<uint8_t>(table & 7);
            out->msixTableOffset = table & ~7u;
        } else if (id == kCapVendor && at <= 0x100 - 16) {
            const auto capLength = static_cast<uint8_t>(head >> 16);
            const auto type = static_cast<uint8_t>(head >> 24);
            VirtioPciRegion r;
            r.present = true;
            r.bar = read8(read, ctx, static_cast<uint8_t>(at + 4));
            r.offset = read(ctx, static_cast<uint8_t>(at + 8));
            r.length = read(ctx, static_cast<uint8_t>(at + 12));
            VirtioPciRegion* slot = type == kCommonCfg   ? &out->common
                                    : type == kNotifyCfg ? &out->notify
                                    : type == kIsrCfg    ? &out->isr
                                    : type == kDeviceCfg ? &out->device
                                                         : nullptr;
            // The notification structure carries one more field (struct virtio_pci_notify_cap).
            const bool complete =
                type == kNotifyCfg ? capLength >= 20 && at <= 0x100 - 20 : capLength >= 16;
            // 4.1.4.1: use the first structure of each type; BARs past 5 are reserved values
            // a driver must ignore.
            if (slot != nullptr && !slot->present && r.bar <= 5 && complete) {
                if (type == kNotifyCfg) {
                    out->notifyOffMultiplier = read(ctx, static_cast<uint8_t>(at + 16));
                }
                *slot = r;
            }
        }
        at = next;
    }
    return out->common.present && out->notify.present && out->isr.present;
}

uint64_t pciMemoryBar(PciConfigRead read, void* ctx, uint8_t index) {
    if (index > 5) {
        return 0;
    }
    const auto reg = static_cast<uint8_t>(kBar0 + 4 * index);
    const uint32_t low = read(ctx, reg);
    if ((low & 1) != 0) {
        return 0; // an I/O BAR
    }
    uint64_t base = low & ~0xfull;
    if (((low >> 1) & 3) == 2) { // 64-bit: the next register holds the upper half
        if (index == 5) {
            return 0;
        }
        base |= static_cast<uint64_t>(read(ctx, static_cast<uint8_t>(reg + 4))) << 32;
    }
    return base;
}

} // namespace uk::net
