// What the boot protocol told us, copied out of the monitor's structures before the boot
// page tables (and the low identity map) go away.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::arch {

struct PhysRange {
    uint64_t base;
    uint64_t size;
};

struct BootInfo {
    static constexpr size_t kMaxRam = 64;
    static constexpr size_t kMaxModules = 8;
    static constexpr size_t kMaxCmdline = 4096;

    char cmdline[kMaxCmdline];
    bool cmdlineTruncated;
    PhysRange ram[kMaxRam]; // usable RAM (E820 type 1), sorted, not merged
    size_t ramCount;
    PhysRange modules[kMaxModules]; // e.g. the -initrd file
    size_t moduleCount;
    uint64_t rsdp;
    uint64_t startInfoPhys;
};

// Parses the PVH hvm_start_info at `startInfoPhys` (reached through the boot direct map).
// Returns false if the magic number is wrong, i.e. we were not entered through PVH.
bool parsePvhStartInfo(uint64_t startInfoPhys, BootInfo& out);

} // namespace uk::arch
