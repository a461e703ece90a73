#include <uk/arch/context.h>
#include <uk/arch/cpu.h>
#include <uk/arch/cpu_setup.h>
#include <uk/arch/hooks.h>

extern "C" {
void uk_thread_start();
[[noreturn]] void uk_resume_copy(const uk::arch::TrapFrame* src, uk::arch::TrapFrame* dst);
void uk_thread_started(uk::arch::TrapFrame* frame);
}

namespace uk::arch {

namespace {
constexpr uint16_t kCodeSelector = 0x08;
constexpr uint16_t kDataSelector = 0x10;

bool hasXsave() {
    return cpuFeatures().xsave;
}

uint32_t maskLow() {
    return static_cast<uint32_t>(cpuFeatures().xcr0);
}
uint32_t maskHigh() {
    return static_cast<uint32_t>(cpuFeatures().xcr0 >> 32);
}
} // namespace

TrapFrame userFrame(uint64_t rip, uint64_t rsp, uint64_t rflags) {
    TrapFrame f{};
    f.rip = rip;
    f.cs = kCodeSelector;
    f.rflags = rflags;
    f.rsp = rsp;
    f.ss = kDataSelector;
    return f;
}

TrapFrame frameAfterSyscall(const SyscallFrame& f, uint64_t rax) {
    TrapFrame ctx = userFrame(f.rip, f.rsp, f.rflags);
    ctx.r15 = f.r15;
    ctx.r14 = f.r14;
    ctx.r13 = f.r13;
    ctx.r12 = f.r12;
    ctx.rbp = f.rbp;
    ctx.rbx = f.rbx;
    ctx.rdi = f.args[0];
    ctx.rsi = f.args[1];
    ctx.rdx = f.args[2];
    ctx.r10 = f.args[3];
    ctx.r8 = f.args[4];
    ctx.r9 = f.args[5];
    ctx.rcx = f.rip;
    ctx.r11 = f.rflags;
    ctx.rax = rax;
    return ctx;
}

uint64_t initialContext(uint64_t kernelStackTop, const TrapFrame& user) {
    // [TrapFrame][switch frame: r15 r14 r13 r12 rbx rbp, return address] growing down.
    uint64_t frameAddr = (kernelStackTop - sizeof(TrapFrame)) & ~uint64_t{15};
    *reinterpret_cast<TrapFrame*>(frameAddr) = user;
    auto* sw = reinterpret_cast<uint64_t*>(frameAddr) - 7;
    for (int i = 0; i < 6; ++i) {
        sw[i] = 0;
    }
    sw[6] = reinterpret_cast<uint64_t>(&uk_thread_start);
    return reinterpret_cast<uint64_t>(sw);
}

void resumeFrame(const TrapFrame& frame, uint64_t kernelStackTop) {
    uint64_t dst = (kernelStackTop - sizeof(TrapFrame)) & ~uint64_t{15};
    uint64_t src = reinterpret_cast<uint64_t>(&frame);
    if (src < dst + sizeof(TrapFrame) && dst < src + sizeof(TrapFrame)) {
        hooks::panic("resumeFrame: the frame overlaps its destination");
    }
    uk_resume_copy(&frame, reinterpret_cast<TrapFrame*>(dst));
}

size_t fpuAreaSize() {
    return hasXsave() ? cpuFeatures().xsaveSize : 512;
}

void saveFpu(void* area) {
    if (hasXsave()) {
        // XSAVE writes only XSTATE_BV of the 64-byte header; XRSTOR faults unless the rest
        // (XCOMP_BV, reserved) is zero, and the area may be recycled heap or stack memory.
        auto* header = reinterpret_cast<uint64_t*>(static_cast<uint8_t*>(area) + 512);
        for (int i = 1; i < 8; ++i) {
            header[i] = 0;
        }
        asm volatile("xsave64 (%0)" : : "r"(area), "a"(maskLow()), "d"(maskHigh()) : "memory");
    } else {
        asm volatile("fxsave64 (%0)" : : "r"(area) : "memory");
    }
}

void restoreFpu(const void* area) {
    if (hasXsave()) {
        asm volatile("xrstor64 (%0)" : : "r"(area), "a"(maskLow()), "d"(maskHigh()) : "memory");
    } else {
        asm volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
    }
}

void initFpuArea(void* area) {
    // Take the power-on state through the registers, keeping the caller's live state.
    size_t size = fpuAreaSize();
    alignas(64) static uint8_t scratch[4096];
    if (size > sizeof scratch) {
        hooks::panic("FPU state area of %zu bytes is larger than expected", size);
    }
    saveFpu(scratch);
    resetFpuState();
    auto* out = static_cast<uint8_t*>(area);
    for (size_t i = 0; i < size; ++i) {
        out[i] = 0;
    }
    saveFpu(area);
    restoreFpu(scratch);
}

uint64_t readFsBase() {
    return rdmsr(kMsrFsBase);
}
void writeFsBase(uint64_t v) {
    wrmsr(kMsrFsBase, v);
}
uint64_t readGsBase() {
    return rdmsr(kMsrGsBase);
}
void writeGsBase(uint64_t v) {
    wrmsr(kMsrGsBase, v);
}

} // namespace uk::arch

extern "C" void uk_thread_started(uk::arch::TrapFrame* frame) {
    uk::arch::hooks::threadStarted(*frame);
}
