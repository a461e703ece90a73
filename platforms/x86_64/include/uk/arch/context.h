// Thread contexts: switching kernel stacks, starting a thread, resuming a saved user context,
// and the FPU/SSE/AVX state that goes with each thread.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <uk/arch/trap.h>

namespace uk::arch {

// Saves the callee-saved registers on the current kernel stack, stores the stack pointer in
// *saveRsp, and continues on the stack `newRsp` (saved by an earlier switch, or made by
// initialContext). Returns when some thread switches back to this one.
extern "C" void uk_context_switch(uint64_t* saveRsp, uint64_t newRsp);

// Prepares a fresh kernel stack whose first switch-in returns to `user` (the thread's first
// instruction, registers and stack). Returns the value to pass as newRsp.
uint64_t initialContext(uint64_t kernelStackTop, const TrapFrame& user);

// Restores every register from `frame` and returns to it with iretq (rt_sigreturn must
// restore rax, rcx and r11 too, which the system call return path does not). The frame is
// first copied to the top of the current kernel stack, `kernelStackTop`, where nothing is in
// use once we leave.
[[noreturn]] void resumeFrame(const TrapFrame& frame, uint64_t kernelStackTop);

// A TrapFrame for returning to code at `rip` on stack `rsp` with `rflags`, ring 0 selectors.
TrapFrame userFrame(uint64_t rip, uint64_t rsp, uint64_t rflags);

// The context of the application at a system call, as a TrapFrame that returns from that
// call with `rax` (rcx and r11 hold the return address and flags, as `syscall` left them).
TrapFrame frameAfterSyscall(const SyscallFrame& f, uint64_t rax);

// FPU/SSE/AVX state (XSAVE format when the CPU has it, else FXSAVE): the size and alignment
// of a save area, and saving/restoring the live registers.
size_t fpuAreaSize();
inline constexpr size_t kFpuAreaAlign = 64;
void saveFpu(void* area);
void restoreFpu(const void* area);
// Fills `area` with the power-on state (what a new program starts with).
void initFpuArea(void* area);

// The thread pointer registers of the running thread.
uint64_t readFsBase();
void writeFsBase(uint64_t v);
uint64_t readGsBase();
void writeGsBase(uint64_t v);

} // namespace uk::arch
