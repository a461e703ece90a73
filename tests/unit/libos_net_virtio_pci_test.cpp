// Reading a virtio-pci function's capability list and BARs (the machine-independent half of
// the virtio-pci transport), over synthetic configuration spaces.
#include "net/virtio_pci.h"

#include <doctest/doctest.h>

#include <cstring>

using uk::net::parseVirtioPciCaps;
using uk::net::pciMemoryBar;
using uk::net::VirtioPciCaps;

namespace {

// 256 bytes of configuration space, little endian, as the CPU reads them.
struct ConfigSpace {
    uint8_t bytes[256] = {};

    void put8(uint8_t at, uint8_t v) { bytes[at] = v; }
    void put16(uint8_t at, uint16_t v) { std::memcpy(bytes + at, &v, 2); }
    void put32(uint8_t at, uint32_t v) { std::memcpy(bytes + at, &v, 4); }

    // A struct virtio_pci_cap (or virtio_pci_notify_cap when `multiplier` is given).
    void virtioCap(uint8_t at, uint8_t next, uint8_t type, uint8_t bar, uint32_t offset,
                   uint32_t length, uint32_t multiplier = 0) {
        put8(at, 0x09);
        put8(at + 1, next);
        put8(at + 2, type == 2 ? 20 : 16);
        put8(at + 3, type);
        put8(at + 4, bar);
        put32(at + 8, offset);
        put32(at + 12, length);
        if (type == 2) {
            put32(at + 16, multiplier);
        }
    }

    static uint32_t read(void* ctx, uint8_t offset) {
        REQUIRE(offset % 4 == 0);
        uint32_t v;
        std::memcpy(&v, static_cast<ConfigSpace*>(ctx)->bytes + offset, 4);
        return v;
    }
};

// What QEMU's virtio-net-pci shows (disable-legacy=on): MSI-X first, then the virtio
// structures in BAR 4, plus a PCI-configuration-access structure (type 5) to skip.
ConfigSpace qemuVirtioNet() {
    ConfigSpace c;
    c.put32(0x00, 0x10411af4);
    c.put32(0x04, 0x00100006); // status: capability list
    c.put32(0x20, 0xfe00000c); // BAR 4: 64-bit memory, prefetchable
    c.put32(0x24, 0x00000001);
    c.put8(0x34, 0x98);
    c.put8(0x98, 0x11); // MSI-X: 3 entries, table at BAR 1 + 0, PBA at BAR 1 + 0x800
    c.put8(0x99, 0x84);
    c.put16(0x9a, 0x0002);
    c.put32(0x9c, 0x00000001);
    c.put32(0xa0, 0x00000801);
    c.virtioCap(0x84, 0x70, 5, 0, 0, 0);
    c.virtioCap(0x70, 0x60, 2, 4, 0x3000, 0x1000, 4);
    c.virtioCap(0x60, 0x50, 4, 4, 0x2000, 0x1000);
    c.virtioCap(0x50, 0x40, 3, 4, 0x1000, 0x1000);
    c.virtioCap(0x40, 0x00, 1, 4, 0x0000, 0x1000);
    return c;
}

} // namespace

TEST_CASE("virtio-pci: QEMU's virtio-net capabilities are found") {
    ConfigSpace c = qemuVirtioNet();
    VirtioPciCaps caps;
    REQUIRE(parseVirtioPciCaps(ConfigSpace::read, &c, &caps));
    CHECK(caps.common.present);
    CHECK(caps.common.bar == 4);
    CHECK(caps.common.offset == 0);
    CHECK(caps.common.length == 0x1000);
    CHECK(caps.isr.offset == 0x1000);
    CHECK(caps.device.offset == 0x2000);
    CHECK(caps.notify.offset == 0x3000);
    CHECK(caps.notifyOffMultiplier == 4);
    CHECK(caps.msixCap == 0x98);
    CHECK(caps.msixTableSize == 3);
    CHECK(caps.msixTableBar == 1);
    CHECK(caps.msixTableOffset == 0);
    CHECK(pciMemoryBar(ConfigSpace::read, &c, 4) == 0x1'fe00'0000);
}

TEST_CASE("virtio-pci: the first structure of each type wins, reserved BARs are skipped") {
    ConfigSpace c = qemuVirtioNet();
    // A second common structure at the end of the list, and one with a reserved BAR first.
    c.virtioCap(0x40, 0xc0, 1, 4, 0x0000, 0x1000);
    c.virtioCap(0xc0, 0x00, 1, 2, 0x8000, 0x1000);
    c.virtioCap(0x84, 0x70, 1, 7, 0x9000, 0x1000); // BAR 7 does not exist
    VirtioPciCaps caps;
    REQUIRE(parseVirtioPciCaps(ConfigSpace::read, &c, &caps));
    CHECK(caps.common.bar == 4);
    CHECK(caps.common.offset == 0);
}

TEST_CASE("virtio-pci: functions that are not modern virtio devices are refused") {
    SUBCASE("no capability list") {
        ConfigSpace c = qemuVirtioNet();
        c.put32(0x04, 0x00000006);
        VirtioPciCaps caps;
        CHECK_FALSE(parseVirtioPciCaps(ConfigSpace::read, &c, &caps));
    }
    SUBCASE("a legacy-only device: MSI-X but no virtio structures") {
        ConfigSpace c = qemuVirtioNet();
        c.put8(0x99, 0x00);
        VirtioPciCaps caps;
        CHECK_FALSE(parseVirtioPciCaps(ConfigSpace::read, &c, &caps));
        CHECK(caps.msixCap == 0x98);
    }
    SUBCASE("a notification structure too short for its multiplier") {
        ConfigSpace c = qemuVirtioNet();
        c.put8(0x72, 16);
        VirtioPciCaps caps;
        CHECK_FALSE(parseVirtioPciCaps(ConfigSpace::read, &c, &caps));
    }
    SUBCASE("a list that loops ends") {
        ConfigSpace c = qemuVirtioNet();
        c.put8(0x41, 0x98); // common structure points back at the start
        VirtioPciCaps caps;
        CHECK(parseVirtioPciCaps(ConfigSpace::read, &c, &caps));
    }
}

TEST_CASE("virtio-pci: BARs decode as memory addresses") {
    ConfigSpace c;
    c.put32(0x10, 0xfebf1000); // BAR 0: 32-bit memory
    c.put32(0x14, 0x0000c001); // BAR 1: I/O
    c.put32(0x18, 0x00000004); // BAR 2: 64-bit, unassigned
    c.put32(0x24, 0x0000000c); // BAR 5: 64-bit would need a sixth register
    CHECK(pciMemoryBar(ConfigSpace::read, &c, 0) == 0xfebf1000);
    CHECK(pciMemoryBar(ConfigSpace::read, &c, 1) == 0);
    CHECK(pciMemoryBar(ConfigSpace::read, &c, 2) == 0);
    CHECK(pciMemoryBar(ConfigSpace::read, &c, 5) == 0);
    CHECK(pciMemoryBar(ConfigSpace::read, &c, 6) == 0);
}
