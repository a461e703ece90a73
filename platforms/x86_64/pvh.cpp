#include <uk/arch/boot_info.h>
#include <uk/arch/cpu.h>
#include <uk/arch/pvh.h>

namespace uk::arch {

bool parsePvhStartInfo(uint64_t startInfoPhys, BootInfo& out) {
    out.startInfoPhys = startInfoPhys;
    out.ramCount = 0;
    out.moduleCount = 0;
    out.cmdline[0] = 0;
    out.cmdlineTruncated = false;
    if (startInfoPhys == 0) {
        return false;
    }
    const auto* si = static_cast<const pvh::StartInfo*>(physToVirt(startInfoPhys));
    if (si->magic != pvh::kStartMagic) {
        return false;
    }
    out.rsdp = si->rsdp_paddr;

    if (si->cmdline_paddr != 0) {
        const char* c = static_cast<const char*>(physToVirt(si->cmdline_paddr));
        size_t i = 0;
        for (; c[i] != 0 && i + 1 < BootInfo::kMaxCmdline; ++i) {
            out.cmdline[i] = c[i];
        }
        out.cmdlineTruncated = c[i] != 0;
        out.cmdline[i] = 0;
    }

    if (si->version >= 1 && si->memmap_paddr != 0) {
        const auto* mm = static_cast<const pvh::MemMapEntry*>(physToVirt(si->memmap_paddr));
        for (uint32_t i = 0; i < si->memmap_entries && out.ramCount < BootInfo::kMaxRam; ++i) {
            if (mm[i].type == pvh::kMemRam && mm[i].size != 0) {
                out.ram[out.ramCount++] = PhysRange{mm[i].addr, mm[i].size};
            }
        }
    }
    // Insertion sort by base: the table is tiny.
    for (size_t i = 1; i < out.ramCount; ++i) {
        PhysRange r = out.ram[i];
        size_t j = i;
        while (j > 0 && out.ram[j - 1].base > r.base) {
            out.ram[j] = out.ram[j - 1];
            --j;
        }
        out.ram[j] = r;
    }

    if (si->modlist_paddr != 0) {
        const auto* mods = static_cast<const pvh::ModListEntry*>(physToVirt(si->modlist_paddr));
        for (uint32_t i = 0; i < si->nr_modules && out.moduleCount < BootInfo::kMaxModules; ++i) {
            out.modules[out.moduleCount++] = PhysRange{mods[i].paddr, mods[i].size};
        }
    }
    return true;
}

} // namespace uk::arch
