// /proc/cpuinfo: one block per vCPU the VM has (machine::cpuCount(), from the ACPI MADT),
// describing the CPU as CPUID reports it, in Linux's format, with the flag names Linux
// uses for the CPUID bits (glibc, Python and build tools grep for them). Every vCPU of a
// VM shows the same CPUID, so the blocks differ only in their numbers.
#include <uk/arch/cpu.h>
#include <uk/arch/cpu_setup.h>

#include "../kernel/machine.h"
#include "../time/clock.h"
#include "system.h"

namespace uk::vfs {

namespace {

enum Reg : uint8_t { Eax, Ebx, Ecx, Edx };

struct Flag {
    uint32_t leaf;
    uint8_t subleaf;
    Reg reg;
    uint8_t bit;
    const char* name;
};

// In Linux's order (arch/x86/include/asm/cpufeatures.h words 0, 1, 4, 6, 9, 16, 18, 10).
constexpr Flag kFlags[] = {
    {1, 0, Edx, 0, "fpu"},
    {1, 0, Edx, 1, "vme"},
    {1, 0, Edx, 2, "de"},
    {1, 0, Edx, 3, "pse"},
    {1, 0, Edx, 4, "tsc"},
    {1, 0, Edx, 5, "msr"},
    {1, 0, Edx, 6, "pae"},
    {1, 0, Edx, 7, "mce"},
    {1, 0, Edx, 8, "cx8"},
    {1, 0, Edx, 9, "apic"},
    {1, 0, Edx, 11, "sep"},
    {1, 0, Edx, 12, "mtrr"},
    {1, 0, Edx, 13, "pge"},
    {1, 0, Edx, 14, "mca"},
    {1, 0, Edx, 15, "cmov"},
    {1, 0, Edx, 16, "pat"},
    {1, 0, Edx, 17, "pse36"},
    {1, 0, Edx, 18, "pn"},
    {1, 0, Edx, 19, "clflush"},
    {1, 0, Edx, 21, "dts"},
    {1, 0, Edx, 22, "acpi"},
    {1, 0, Edx, 23, "mmx"},
    {1, 0, Edx, 24, "fxsr"},
    {1, 0, Edx, 25, "sse"},
    {1, 0, Edx, 26, "sse2"},
    {1, 0, Edx, 27, "ss"},
    {1, 0, Edx, 28, "ht"},
    {1, 0, Edx, 29, "tm"},
    {1, 0, Edx, 30, "ia64"},
    {1, 0, Edx, 31, "pbe"},
    {0x80000001, 0, Edx, 11, "syscall"},
    {0x80000001, 0, Edx, 20, "nx"},
    {0x80000001, 0, Edx, 22, "mmxext"},
    {0x80000001, 0, Edx, 25, "fxsr_opt"},
    {0x80000001, 0, Edx, 26, "pdpe1gb"},
    {0x80000001, 0, Edx, 27, "rdtscp"},
    {0x80000001, 0, Edx, 29, "lm"},
    {0x80000001, 0, Edx, 30, "3dnowext"},
    {0x80000001, 0, Edx, 31, "3dnow"},
    {1, 0, Ecx, 0, "pni"},
    {1, 0, Ecx, 1, "pclmulqdq"},
    {1, 0, Ecx, 2, "dtes64"},
    {1, 0, Ecx, 3, "monitor"},
    {1, 0, Ecx, 4, "ds_cpl"},
    {1, 0, Ecx, 5, "vmx"},
    {1, 0, Ecx, 6, "smx"},
    {1, 0, Ecx, 7, "est"},
    {1, 0, Ecx, 8, "tm2"},
    {1, 0, Ecx, 9, "ssse3"},
    {1, 0, Ecx, 10, "cid"},
    {1, 0, Ecx, 11, "sdbg"},
    {1, 0, Ecx, 12, "fma"},
    {1, 0, Ecx, 13, "cx16"},
    {1, 0, Ecx, 14, "xtpr"},
    {1, 0, Ecx, 15, "pdcm"},
    {1, 0, Ecx, 17, "pcid"},
    {1, 0, Ecx, 18, "dca"},
    {1, 0, Ecx, 19, "sse4_1"},
    {1, 0, Ecx, 20, "sse4_2"},
    {1, 0, Ecx, 21, "x2apic"},
    {1, 0, Ecx, 22, "movbe"},
    {1, 0, Ecx, 23, "popcnt"},
    {1, 0, Ecx, 24, "tsc_deadline_timer"},
    {1, 0, Ecx, 25, "aes"},
    {1, 0, Ecx, 26, "xsave"},
    {1, 0, Ecx, 28, "avx"},
    {1, 0, Ecx, 29, "f16c"},
    {1, 0, Ecx, 30, "rdrand"},
    {1, 0, Ecx, 31, "hypervisor"},
    {0x80000001, 0, Ecx, 0, "lahf_lm"},
    {0x80000001, 0, Ecx, 1, "cmp_legacy"},
    {0x80000001, 0, Ecx, 2, "svm"},
    {0x80000001, 0, Ecx, 3, "extapic"},
    {0x80000001, 0, Ecx, 4, "cr8_legacy"},
    {0x80000001, 0, Ecx, 5, "abm"},
    {0x80000001, 0, Ecx, 6, "sse4a"},
    {0x80000001, 0, Ecx, 7, "misalignsse"},
    {0x80000001, 0, Ecx, 8, "3dnowprefetch"},
    {0x80000001, 0, Ecx, 9, "osvw"},
    {0x80000001, 0, Ecx, 10, "ibs"},
    {0x80000001, 0, Ecx, 11, "xop"},
    {0x80000001, 0, Ecx, 12, "skinit"},
    {0x80000001, 0, Ecx, 13, "wdt"},
    {0x80000001, 0, Ecx, 15, "lwp"},
    {0x80000001, 0, Ecx, 16, "fma4"},
    {0x80000001, 0, Ecx, 17, "tce"},
    {0x80000001, 0, Ecx, 19, "nodeid_msr"},
    {0x80000001, 0, Ecx, 21, "tbm"},
    {0x80000001, 0, Ecx, 22, "topoext"},
    {0x80000001, 0, Ecx, 23, "perfctr_core"},
    {0x80000001, 0, Ecx, 24, "perfctr_nb"},
    {0x80000001, 0, Ecx, 26, "bpext"},
    {0x80000001, 0, Ecx, 28, "perfctr_llc"},
    {0x80000001, 0, Ecx, 29, "mwaitx"},
    {7, 0, Ebx, 0, "fsgsbase"},
    {7, 0, Ebx, 1, "tsc_adjust"},
    {7, 0, Ebx, 2, "sgx"},
    {7, 0, Ebx, 3, "bmi1"},
    {7, 0, Ebx, 4, "hle"},
    {7, 0, Ebx, 5, "avx2"},
    {7, 0, Ebx, 7, "smep"},
    {7, 0, Ebx, 8, "bmi2"},
    {7, 0, Ebx, 9, "erms"},
    {7, 0, Ebx, 10, "invpcid"},
    {7, 0, Ebx, 11, "rtm"},
    {7, 0, Ebx, 12, "cqm"},
    {7, 0, Ebx, 14, "mpx"},
    {7, 0, Ebx, 15, "rdt_a"},
    {7, 0, Ebx, 16, "avx512f"},
    {7, 0, Ebx, 17, "avx512dq"},
    {7, 0, Ebx, 18, "rdseed"},
    {7, 0, Ebx, 19, "adx"},
    {7, 0, Ebx, 20, "smap"},
    {7, 0, Ebx, 21, "avx512ifma"},
    {7, 0, Ebx, 23, "clflushopt"},
    {7, 0, Ebx, 24, "clwb"},
    {7, 0, Ebx, 25, "intel_pt"},
    {7, 0, Ebx, 26, "avx512pf"},
    {7, 0, Ebx, 27, "avx512er"},
    {7, 0, Ebx, 28, "avx512cd"},
    {7, 0, Ebx, 29, "sha_ni"},
    {7, 0, Ebx, 30, "avx512bw"},
    {7, 0, Ebx, 31, "avx512vl"},
    {0xd, 1, Eax, 0, "xsaveopt"},
    {0xd, 1, Eax, 1, "xsavec"},
    {0xd, 1, Eax, 2, "xgetbv1"},
    {0xd, 1, Eax, 3, "xsaves"},
    {7, 0, Ecx, 1, "avx512vbmi"},
    {7, 0, Ecx, 2, "umip"},
    {7, 0, Ecx, 3, "pku"},
    {7, 0, Ecx, 4, "ospke"},
    {7, 0, Ecx, 5, "waitpkg"},
    {7, 0, Ecx, 6, "avx512_vbmi2"},
    {7, 0, Ecx, 8, "gfni"},
    {7, 0, Ecx, 9, "vaes"},
    {7, 0, Ecx, 10, "vpclmulqdq"},
    {7, 0, Ecx, 11, "avx512_vnni"},
    {7, 0, Ecx, 12, "avx512_bitalg"},
    {7, 0, Ecx, 13, "tme"},
    {7, 0, Ecx, 14, "avx512_vpopcntdq"},
    {7, 0, Ecx, 16, "la57"},
    {7, 0, Ecx, 22, "rdpid"},
    {7, 0, Ecx, 25, "cldemote"},
    {7, 0, Ecx, 27, "movdiri"},
    {7, 0, Ecx, 28, "movdir64b"},
    {7, 0, Edx, 2, "avx512_4vnniw"},
    {7, 0, Edx, 3, "avx512_4fmaps"},
    {7, 0, Edx, 4, "fsrm"},
    {7, 0, Edx, 8, "avx512_vp2intersect"},
    {7, 0, Edx, 10, "md_clear"},
    {7, 0, Edx, 14, "serialize"},
    {7, 0, Edx, 16, "tsxldtrk"},
    {7, 0, Edx, 18, "pconfig"},
    {7, 0, Edx, 19, "arch_lbr"},
    {7, 0, Edx, 22, "amx_bf16"},
    {7, 0, Edx, 23, "avx512_fp16"},
    {7, 0, Edx, 24, "amx_tile"},
    {7, 0, Edx, 25, "amx_int8"},
    {7, 0, Edx, 28, "flush_l1d"},
    {7, 0, Edx, 29, "arch_capabilities"},
};

uint32_t pick(const arch::CpuidResult& r, Reg reg) {
    switch (reg) {
    case Eax:
        return r.eax;
    case Ebx:
        return r.ebx;
    case Ecx:
        return r.ecx;
    case Edx:
        break;
    }
    return r.edx;
}

bool leafAvailable(uint32_t leaf) {
    const auto& f = arch::cpuFeatures();
    return leaf >= 0x80000000 ? leaf <= f.maxExtLeaf : leaf <= f.maxLeaf;
}

void appendFlags(Text* out) {
    uint32_t lastLeaf = ~0u;
    uint8_t lastSub = 0xff;
    arch::CpuidResult r{};
    bool first = true;
    for (const Flag& f : kFlags) {
        if (!leafAvailable(f.leaf)) {
            continue;
        }
        if (f.leaf != lastLeaf || f.subleaf != lastSub) {
            r = arch::cpuid(f.leaf, f.subleaf);
            lastLeaf = f.leaf;
            lastSub = f.subleaf;
        }
        if (pick(r, f.reg) & (1u << f.bit)) {
            out->appendf(first ? "%s" : " %s", f.name);
            first = false;
        }
    }
}

// The brand string from CPUID 0x80000002-4, leading spaces dropped.
void modelName(char out[49]) {
    out[0] = 0;
    if (!leafAvailable(0x80000004)) {
        return;
    }
    uint32_t words[12];
    for (uint32_t i = 0; i < 3; ++i) {
        arch::CpuidResult r = arch::cpuid(0x80000002 + i);
        words[i * 4] = r.eax;
        words[i * 4 + 1] = r.ebx;
        words[i * 4 + 2] = r.ecx;
        words[i * 4 + 3] = r.edx;
    }
    const char* s = reinterpret_cast<const char*>(words);
    size_t start = 0;
    while (start < 48 && s[start] == ' ') {
        ++start;
    }
    size_t n = 0;
    for (size_t i = start; i < 48 && s[i] != 0; ++i) {
        out[n++] = s[i];
    }
    out[n] = 0;
}

} // namespace

bool cpuinfoText(Text* out, void*) {
    const auto& cpu = arch::cpuFeatures();
    arch::CpuidResult l1 = arch::cpuid(1);
    uint32_t family = (l1.eax >> 8) & 0xf;
    uint32_t model = (l1.eax >> 4) & 0xf;
    if (family == 0xf) {
        family += (l1.eax >> 20) & 0xff;
    }
    if (family == 0x6 || family >= 0xf) {
        model |= ((l1.eax >> 16) & 0xf) << 4;
    }
    uint32_t stepping = l1.eax & 0xf;
    uint32_t clflush = ((l1.ebx >> 8) & 0xff) * 8;
    char name[49];
    modelName(name);
    uint32_t physBits = 36, virtBits = 48;
    if (leafAvailable(0x80000008)) {
        arch::CpuidResult a = arch::cpuid(0x80000008);
        physBits = a.eax & 0xff;
        virtBits = (a.eax >> 8) & 0xff;
    }
    uint64_t khz = clock::tscHz() / 1000;
    Text flags;
    appendFlags(&flags);
    int n = machine::cpuCount();
    for (int i = 0; i < n; ++i) {
        out->appendf("processor\t: %d\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
                     "model name\t: %s\nstepping\t: %u\nmicrocode\t: 0x1\n"
                     "cpu MHz\t\t: %lu.%03lu\ncache size\t: 16384 KB\nphysical id\t: 0\n"
                     "siblings\t: %d\ncore id\t\t: %d\ncpu cores\t: %d\napicid\t\t: %d\n"
                     "initial apicid\t: %d\nfpu\t\t: yes\nfpu_exception\t: yes\n"
                     "cpuid level\t: %u\nwp\t\t: yes\nflags\t\t: %s\n",
                     i, cpu.vendor, family, model, name[0] != 0 ? name : "unknown", stepping,
                     khz / 1000, khz % 1000, n, i, n, i, i, cpu.maxLeaf, flags.c_str());
        out->appendf("bogomips\t: %lu.%02lu\nclflush size\t: %u\ncache_alignment\t: %u\n"
                     "address sizes\t: %u bits physical, %u bits virtual\n"
                     "power management:\n\n",
                     khz * 2 / 1000, (khz * 2 / 10) % 100, clflush != 0 ? clflush : 64,
                     clflush != 0 ? clflush : 64, physBits, virtBits);
    }
    return !flags.failed();
}

} // namespace uk::vfs
