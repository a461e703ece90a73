#include <uk/arch/apic.h>
#include <uk/arch/cpu_setup.h>
#include <uk/arch/hooks.h>
#include <uk/arch/trap.h>

extern "C" {
extern const char uk_trap_stubs[]; // 256 stubs, 16 bytes apart (entry.S)
void uk_syscall_entry();
extern uint64_t uk_syscall_kernel_rsp;
uk::arch::TrapFrame* uk_trap_dispatch(uk::arch::TrapFrame* frame);
void uk_trap_preempt(uk::arch::TrapFrame* frame);
}

namespace uk::arch {

namespace {

CpuFeatures g_features;

// GDT: null, kernel code, kernel data, (user data, user code for a later ring-3 mode), TSS.
constexpr uint16_t kKernelCs = 0x08;
constexpr uint16_t kKernelDs = 0x10;
constexpr uint16_t kTssSelector = 0x28;

struct [[gnu::packed]] Tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomapBase;
};
static_assert(sizeof(Tss) == 104);

struct [[gnu::packed]] DescriptorPointer {
    uint16_t limit;
    uint64_t base;
};

struct IdtGate {
    uint16_t offsetLow;
    uint16_t selector;
    uint8_t ist;
    uint8_t typeAttr;
    uint16_t offsetMid;
    uint32_t offsetHigh;
    uint32_t reserved;
};
static_assert(sizeof(IdtGate) == 16);

alignas(16) uint64_t g_gdt[7];
alignas(16) Tss g_tss;
alignas(16) IdtGate g_idt[256];

struct HandlerSlot {
    InterruptHandler fn;
    void* ctx;
};
HandlerSlot g_handlers[256];

// Boot-time IST stacks, replaced by guarded stacks once the memory manager runs.
constexpr uint64_t kBootIstSize = 4096;
alignas(16) uint8_t g_bootIst[kIstCount][kBootIstSize];

void copyString(char* dst, const uint32_t* words, int n) {
    for (int i = 0; i < n; ++i) {
        for (int b = 0; b < 4; ++b) {
            dst[i * 4 + b] = static_cast<char>(words[i] >> (8 * b));
        }
    }
    dst[n * 4] = 0;
}

void detectFeatures() {
    CpuFeatures& f = g_features;
    CpuidResult r = cpuid(0);
    f.maxLeaf = r.eax;
    uint32_t vendor[3] = {r.ebx, r.edx, r.ecx};
    copyString(f.vendor, vendor, 3);

    r = cpuid(1);
    f.sse3 = r.ecx & (1u << 0);
    f.ssse3 = r.ecx & (1u << 9);
    f.sse41 = r.ecx & (1u << 19);
    f.sse42 = r.ecx & (1u << 20);
    f.x2apic = r.ecx & (1u << 21);
    f.tscDeadline = r.ecx & (1u << 24);
    f.xsave = r.ecx & (1u << 26);
    f.avx = r.ecx & (1u << 28);
    f.rdrand = r.ecx & (1u << 30);
    bool hypervisor = r.ecx & (1u << 31);

    if (f.maxLeaf >= 7) {
        r = cpuid(7, 0);
        f.fsgsbase = r.ebx & (1u << 0);
        f.avx2 = r.ebx & (1u << 5);
        f.avx512f = r.ebx & (1u << 16);
        f.rdseed = r.ebx & (1u << 18);
    }
    f.maxExtLeaf = cpuid(0x80000000).eax;
    if (f.maxExtLeaf >= 0x80000001) {
        r = cpuid(0x80000001);
        f.nx = r.edx & (1u << 20);
        f.pdpe1gb = r.edx & (1u << 26);
    }
    if (f.maxExtLeaf >= 0x80000007) {
        f.invariantTsc = cpuid(0x80000007).edx & (1u << 8);
    }
    if (hypervisor) {
        r = cpuid(0x40000000);
        f.hypervisorMaxLeaf = r.eax;
        uint32_t sig[3] = {r.ebx, r.ecx, r.edx};
        copyString(f.hypervisor, sig, 3);
        bool kvm = f.hypervisor[0] == 'K' && f.hypervisor[1] == 'V' && f.hypervisor[2] == 'M';
        if (kvm && f.hypervisorMaxLeaf >= 0x40000001) {
            f.kvmClock = cpuid(0x40000001).eax & (1u << 3); // KVM_FEATURE_CLOCKSOURCE2
        }
    }
}

// Turns on what applications expect of a Linux x86_64 process: x87, SSE, and, when the CPU
// has them, AVX and AVX-512 through XSAVE. CPUID reflects CR4.OSXSAVE, so programs that
// choose code paths by CPUID (glibc does) see exactly what is enabled.
void enableFpu() {
    uint64_t cr0 = readCr0();
    cr0 &= ~(1ull << 2);              // EM: no x87 emulation
    cr0 |= (1ull << 1) | (1ull << 5); // MP, NE
    cr0 &= ~(1ull << 3);              // TS: no lazy switching
    writeCr0(cr0);

    uint64_t cr4 = readCr4();
    cr4 |= (1ull << 9) | (1ull << 10); // OSFXSR, OSXMMEXCPT
    cr4 |= (1ull << 7);                // PGE: global pages for the library OS
    if (g_features.fsgsbase) {
        cr4 |= (1ull << 16);
    }
    if (g_features.xsave) {
        cr4 |= (1ull << 18); // OSXSAVE
    }
    writeCr4(cr4);

    if (g_features.xsave) {
        CpuidResult r = cpuid(0xd, 0);
        uint64_t supported = (uint64_t{r.edx} << 32) | r.eax;
        uint64_t xcr0 = 0x3; // x87, SSE
        if (g_features.avx && (supported & 0x4)) {
            xcr0 |= 0x4;
        }
        if (g_features.avx512f && (supported & 0xe0) == 0xe0) {
            xcr0 |= 0xe0; // opmask, ZMM_Hi256, Hi16_ZMM
        }
        xsetbv(0, xcr0);
        g_features.xcr0 = xcr0;
        g_features.xsaveSize = cpuid(0xd, 0).ebx;
    } else {
        g_features.avx = g_features.avx2 = g_features.avx512f = false;
        g_features.xcr0 = 0x3;
        g_features.xsaveSize = 512;
    }
    resetFpuState();
}

void setGate(uint8_t vector, uint8_t ist) {
    uint64_t addr = reinterpret_cast<uint64_t>(uk_trap_stubs) + 16ull * vector;
    IdtGate& g = g_idt[vector];
    g.offsetLow = static_cast<uint16_t>(addr);
    g.selector = kKernelCs;
    g.ist = ist;
    g.typeAttr = 0x8e; // present, DPL 0, 64-bit interrupt gate (IF cleared on entry)
    g.offsetMid = static_cast<uint16_t>(addr >> 16);
    g.offsetHigh = static_cast<uint32_t>(addr >> 32);
    g.reserved = 0;
}

void loadDescriptorTables() {
    g_gdt[0] = 0;
    g_gdt[1] = 0x00af9a000000ffff; // 0x08 kernel code, 64-bit
    g_gdt[2] = 0x00cf92000000ffff; // 0x10 kernel data
    g_gdt[3] = 0x00cff2000000ffff; // 0x18 user data (reserved for a ring-3 mode)
    g_gdt[4] = 0x00affa000000ffff; // 0x20 user code (reserved for a ring-3 mode)
    uint64_t tss = reinterpret_cast<uint64_t>(&g_tss);
    uint64_t limit = sizeof(Tss) - 1;
    g_gdt[5] = (limit & 0xffff) | ((tss & 0xffffff) << 16) | (0x89ull << 40) |
               (((limit >> 16) & 0xf) << 48) | (((tss >> 24) & 0xff) << 56);
    g_gdt[6] = tss >> 32;

    g_tss.iomapBase = sizeof(Tss);
    for (int i = 0; i < kIstCount; ++i) {
        g_tss.ist[i] = reinterpret_cast<uint64_t>(&g_bootIst[i][kBootIstSize]);
    }

    DescriptorPointer gdtr{sizeof(g_gdt) - 1, reinterpret_cast<uint64_t>(g_gdt)};
    asm volatile("lgdt %0" : : "m"(gdtr));
    // Reload CS with a far return, then the data segments and the task register.
    asm volatile("pushq %[cs]\n"
                 "leaq 1f(%%rip), %%rax\n"
                 "pushq %%rax\n"
                 "lretq\n"
                 "1:\n"
                 "movl %[ds], %%eax\n"
                 "movl %%eax, %%ds\n"
                 "movl %%eax, %%es\n"
                 "movl %%eax, %%ss\n"
                 "xorl %%eax, %%eax\n"
                 "movl %%eax, %%fs\n"
                 "movl %%eax, %%gs\n"
                 "ltr %w[tss]\n"
                 :
                 : [cs] "i"(kKernelCs), [ds] "i"(kKernelDs), [tss] "r"(kTssSelector)
                 : "rax", "memory");

    for (int v = 0; v < 256; ++v) {
        uint8_t ist = kIstException;
        if (v == kNmi) {
            ist = kIstNmi;
        } else if (v == kDoubleFault) {
            ist = kIstDoubleFault;
        } else if (v == kMachineCheck) {
            ist = kIstMachineCheck;
        } else if (v == kPageFault) {
            ist = kIstPageFault;
        } else if (v >= 32) {
            ist = kIstIrq;
        }
        setGate(static_cast<uint8_t>(v), ist);
    }
    DescriptorPointer idtr{sizeof(g_idt) - 1, reinterpret_cast<uint64_t>(g_idt)};
    asm volatile("lidt %0" : : "m"(idtr));
}

// `syscall` in ring 0: CS/SS come from STAR (our kernel selectors), RIP from LSTAR. FMASK
// clears IF (entry runs with interrupts off until it is on the kernel stack), TF, DF and AC.
void enableSyscall() {
    wrmsr(kMsrEfer, rdmsr(kMsrEfer) | 1); // SCE
    wrmsr(kMsrStar, (uint64_t{kKernelCs} << 32) | (uint64_t{0x10 | 3} << 48));
    wrmsr(kMsrLstar, reinterpret_cast<uint64_t>(&uk_syscall_entry));
    wrmsr(kMsrFmask, (1u << 9) | (1u << 8) | (1u << 10) | (1u << 18));
}

} // namespace

void initCpu() {
    detectFeatures();
    enableFpu();
    loadDescriptorTables();
    enableSyscall();
}

const CpuFeatures& cpuFeatures() {
    return g_features;
}

void setIstStack(IstSlot slot, uint64_t top) {
    g_tss.ist[slot - 1] = top;
}

void setSyscallStack(uint64_t top) {
    uk_syscall_kernel_rsp = top;
}

void setFsBase(uint64_t base) {
    wrmsr(kMsrFsBase, base);
}
uint64_t fsBase() {
    return rdmsr(kMsrFsBase);
}

void setInterruptHandler(uint8_t vector, InterruptHandler fn, void* ctx) {
    g_handlers[vector] = HandlerSlot{fn, ctx};
}

void resetFpuState() {
    asm volatile("fninit");
    uint32_t mxcsr = 0x1f80;
    asm volatile("ldmxcsr %0" : : "m"(mxcsr));
}

} // namespace uk::arch

using namespace uk::arch;

extern "C" TrapFrame* uk_trap_dispatch(TrapFrame* frame) {
    uint64_t vector = frame->vector;
    if (vector < 32) {
        hooks::exception(*frame);
        return hooks::trapExit(*frame);
    }
    if (vector == kSpuriousVector) {
        return frame; // no EOI for spurious interrupts
    }
    const HandlerSlot& h = g_handlers[vector];
    if (h.fn != nullptr) {
        h.fn(*frame, h.ctx);
    } else {
        hooks::log("unexpected interrupt on vector %lu", vector);
    }
    apic::endOfInterrupt();
    return hooks::trapExit(*frame);
}

extern "C" void uk_trap_preempt(TrapFrame* frame) {
    hooks::preempt(*frame);
}

extern "C" long uk_syscall_dispatch(SyscallFrame* frame) {
    return hooks::syscall(*frame);
}
