// CPU bring-up: feature detection, FPU/SSE/AVX state, segments, interrupt and system call
// entry.
#pragma once

#include <stdint.h>
#include <uk/arch/cpu.h>

namespace uk::arch {

// IST slots (TSS.IST1..7). Every IDT vector uses one, because the interrupted code may be
// the application running in ring 0 with live data in its red zone.
enum IstSlot : uint8_t {
    kIstException = 1,
    kIstNmi = 2,
    kIstDoubleFault = 3,
    kIstMachineCheck = 4,
    kIstIrq = 5,
    kIstPageFault = 6, // separate so a page fault while reporting another fault is survivable
    kIstCount = 6,
};

// Detects features, enables FPU/SSE/XSAVE for applications, loads GDT, TSS and IDT (with
// small static IST stacks until setIstStack replaces them) and programs the syscall MSRs.
void initCpu();

const CpuFeatures& cpuFeatures();

// Points an IST slot at a new stack (its top, 16-byte aligned).
void setIstStack(IstSlot slot, uint64_t top);

// Sets the kernel stack that `syscall` switches to.
void setSyscallStack(uint64_t top);

// The application's FS base (its thread pointer).
void setFsBase(uint64_t base);
uint64_t fsBase();

struct TrapFrame;
// Registers a handler for an interrupt vector (32..255). Drivers call this for their IRQs.
// The frame is the interrupted context.
using InterruptHandler = void (*)(TrapFrame& frame, void* ctx);
void setInterruptHandler(uint8_t vector, InterruptHandler fn, void* ctx);

// Resets x87/SSE/AVX registers to their power-on values for a fresh application.
void resetFpuState();

} // namespace uk::arch
