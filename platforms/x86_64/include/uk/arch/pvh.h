// The PVH boot protocol's start-of-day structures (Xen's arch-x86/hvm/start_info.h).
// QEMU, Firecracker and Cloud Hypervisor pass a pointer to hvm_start_info in %ebx when
// they enter the image at its XEN_ELFNOTE_PHYS32_ENTRY address.
#pragma once

#include <stdint.h>

namespace uk::arch::pvh {

inline constexpr uint32_t kStartMagic = 0x336ec578;

struct StartInfo {
    uint32_t magic;
    uint32_t version; // 0: no memory map fields; 1: memmap_paddr/memmap_entries valid
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};

struct ModListEntry {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};

struct MemMapEntry {
    uint64_t addr;
    uint64_t size;
    uint32_t type; // E820 types: 1 RAM, 2 reserved, 3 ACPI, 4 NVS, 5 unusable
    uint32_t reserved;
};

inline constexpr uint32_t kMemRam = 1;

} // namespace uk::arch::pvh
