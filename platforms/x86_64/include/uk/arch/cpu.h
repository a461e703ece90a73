// Thin wrappers around x86_64 instructions the library OS needs. Header-only, no state.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::arch {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t kPageShift = 12;

// Virtual address layout (see docs/architecture.md). The application owns the lower half;
// the library OS lives in the top 2 GiB (kernel code model) and reaches physical memory
// through a direct map.
inline constexpr uint64_t kDirectMapBase = 0xffff'8000'0000'0000;   // PML4 slot 256
inline constexpr uint64_t kKernelStackBase = 0xffff'c000'0000'0000; // PML4 slot 384
inline constexpr uint64_t kMmioBase = 0xffff'd000'0000'0000;        // PML4 slot 416
inline constexpr uint64_t kKernelBase = 0xffff'ffff'8000'0000;      // PML4 511, PDPT 510
inline constexpr uint64_t kUserTop = 0x0000'8000'0000'0000;

inline void* physToVirt(uint64_t phys) {
    return reinterpret_cast<void*>(kDirectMapBase + phys);
}
inline uint64_t virtToPhysDirect(const void* p) {
    return reinterpret_cast<uint64_t>(p) - kDirectMapBase;
}

#if defined(UK_GUEST)
inline uint8_t inb(uint16_t port) {
    uint8_t v;
    asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
inline void outb(uint16_t port, uint8_t v) {
    asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
inline void outw(uint16_t port, uint16_t v) {
    asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
inline uint32_t inl(uint16_t port) {
    uint32_t v;
    asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
inline void outl(uint16_t port, uint32_t v) {
    asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

inline uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t{hi} << 32) | lo;
}
inline void wrmsr(uint32_t msr, uint64_t v) {
    asm volatile("wrmsr" : : "c"(msr), "a"(uint32_t(v)), "d"(uint32_t(v >> 32)));
}

struct CpuidResult {
    uint32_t eax, ebx, ecx, edx;
};
inline CpuidResult cpuid(uint32_t leaf, uint32_t subleaf = 0) {
    CpuidResult r;
    asm volatile("cpuid"
                 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                 : "a"(leaf), "c"(subleaf));
    return r;
}

inline uint64_t rdtsc() {
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t{hi} << 32) | lo;
}

inline uint64_t readCr0() {
    uint64_t v;
    asm volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}
inline uint64_t readCr2() {
    uint64_t v;
    asm volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
inline uint64_t readCr3() {
    uint64_t v;
    asm volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}
inline uint64_t readCr4() {
    uint64_t v;
    asm volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}
inline void writeCr0(uint64_t v) {
    asm volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}
inline void writeCr3(uint64_t v) {
    asm volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}
inline void writeCr4(uint64_t v) {
    asm volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}
inline void invlpg(uint64_t va) {
    asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}
inline void xsetbv(uint32_t reg, uint64_t v) {
    asm volatile("xsetbv" : : "c"(reg), "a"(uint32_t(v)), "d"(uint32_t(v >> 32)));
}

inline void enableInterrupts() {
    asm volatile("sti" ::: "memory");
}
inline void disableInterrupts() {
    asm volatile("cli" ::: "memory");
}
// Atomically enables interrupts and halts: an interrupt pending at the sti is taken after
// the hlt starts (the sti shadow), so no wake-up can be lost between check and sleep.
inline void waitForInterrupt() {
    asm volatile("sti; hlt; cli" ::: "memory");
}
inline void pause() {
    asm volatile("pause");
}
inline uint64_t readFlags() {
    uint64_t f;
    asm volatile("pushfq; popq %0" : "=r"(f));
    return f;
}
inline bool interruptsEnabled() {
    return (readFlags() & (1u << 9)) != 0;
}

[[noreturn]] inline void haltForever() {
    for (;;) {
        asm volatile("cli; hlt");
    }
}
#endif

// Model-specific registers.
inline constexpr uint32_t kMsrApicBase = 0x1b;
inline constexpr uint32_t kMsrTscDeadline = 0x6e0;
inline constexpr uint32_t kMsrEfer = 0xc0000080;
inline constexpr uint32_t kMsrStar = 0xc0000081;
inline constexpr uint32_t kMsrLstar = 0xc0000082;
inline constexpr uint32_t kMsrFmask = 0xc0000084;
inline constexpr uint32_t kMsrFsBase = 0xc0000100;
inline constexpr uint32_t kMsrGsBase = 0xc0000101;
inline constexpr uint32_t kMsrKvmSystemTimeNew = 0x4b564d01;
inline constexpr uint32_t kMsrKvmWallClockNew = 0x4b564d00;

// CPU features the library OS cares about, read once at boot.
struct CpuFeatures {
    uint32_t maxLeaf = 0;
    uint32_t maxExtLeaf = 0;
    uint32_t hypervisorMaxLeaf = 0; // 0 when not under a hypervisor
    char hypervisor[13] = {};       // e.g. "KVMKVMKVM", "TCGTCGTCGTCG"
    char vendor[13] = {};
    bool sse3 = false, ssse3 = false, sse41 = false, sse42 = false;
    bool xsave = false, avx = false, avx2 = false, avx512f = false;
    bool fsgsbase = false;
    bool rdrand = false, rdseed = false;
    bool tscDeadline = false, invariantTsc = false;
    bool x2apic = false;
    bool pdpe1gb = false, nx = false;
    bool kvmClock = false;  // KVM paravirtual clock (kvmclock2)
    uint64_t xcr0 = 0;      // state components enabled for applications
    uint32_t xsaveSize = 0; // bytes needed by XSAVE for xcr0
};

} // namespace uk::arch
