// virtio over PCI (virtio 1.x, the "modern" interface of virtio 1.2, 4.1), the transport of
// QEMU's pc and q35 machines: the device's vendor capabilities point at register blocks in
// its memory BARs. The capability parsing here is machine-independent (it reads
// configuration space through a callback) so unit tests can feed it synthetic functions.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::net {

// Reads the 32-bit configuration register of one PCI function at a 4-byte aligned offset.
using PciConfigRead = uint32_t (*)(void* ctx, uint8_t offset);

// One virtio structure: `length` bytes at `offset` into BAR `bar` (4.1.4, struct virtio_pci_cap).
struct VirtioPciRegion {
    bool present = false;
    uint8_t bar = 0;
    uint32_t offset = 0;
    uint32_t length = 0;
};

// What a function's capability list says about its virtio structures, and where its MSI-X
// table is (PCI 3.0, 6.8.2).
struct VirtioPciCaps {
    VirtioPciRegion common, notify, isr, device;
    uint32_t notifyOffMultiplier = 0;
    uint8_t msixCap = 0; // offset of the MSI-X capability in configuration space; 0: none
    uint16_t msixTableSize = 0;
    uint8_t msixTableBar = 0;
    uint32_t msixTableOffset = 0;
};

// Walks the capability list of a function. False unless it has the common configuration,
// notification and ISR structures, i.e. unless it is a virtio 1.x device a driver can use.
bool parseVirtioPciCaps(PciConfigRead read, void* ctx, VirtioPciCaps* out);

// The physical address memory BAR `index` decodes (a 64-bit BAR spans two registers); 0 for
// an I/O BAR, a missing one, or one the firmware left unassigned.
uint64_t pciMemoryBar(PciConfigRead read, void* ctx, uint8_t index);

// Enumerates PCI (configuration mechanism #1, ports 0xcf8/0xcfc) and starts the virtio
// devices uk has drivers for (virtio-net); logs what it found. Returns at once on machines
// without PCI (microvm).
void probeVirtioPci();

} // namespace uk::net
