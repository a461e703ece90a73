// virtio over MMIO (virtio 1.x, "modern" register layout, version 2), the transport of QEMU's
// microvm machine: each device is announced on the kernel command line as
// "virtio_mmio.device=SIZE@BASE:IRQ" (Linux's syntax), and probed here by that word.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::net {

struct VirtioMmioSpec {
    uint64_t base = 0;
    uint64_t size = 0;
    uint32_t irq = 0;
};

// Parses the value of a virtio_mmio.device= word ("512@0xfeb00e00:12", sizes may end in
// K or M). False when it does not parse.
bool parseVirtioMmioSpec(const char* value, VirtioMmioSpec* out);

// Probes the devices the command line announced (net/config.h collects them at boot) and
// starts those uk has drivers for (virtio-net); logs what it found.
void probeVirtioMmio(const VirtioMmioSpec* specs, size_t count);

} // namespace uk::net
