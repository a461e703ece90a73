// Register frames built by the entry stubs in entry.S. The field order mirrors the pushes
// there; static_asserts pin the layout.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::arch {

// An exception or interrupt, saved on the vector's IST stack.
struct TrapFrame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;
    uint64_t error; // CPU error code, or 0 for vectors without one
    // pushed by the CPU
    uint64_t rip, cs, rflags, rsp, ss;
};
static_assert(sizeof(TrapFrame) == 22 * 8);
static_assert(offsetof(TrapFrame, vector) == 15 * 8);

// A `syscall` instruction, saved on the kernel stack. Arguments follow the Linux x86_64
// convention: number in rax, arguments in rdi, rsi, rdx, r10, r8, r9.
struct SyscallFrame {
    uint64_t r15, r14, r13, r12, rbp, rbx;
    uint64_t args[6]; // rdi, rsi, rdx, r10, r8, r9
    uint64_t number;  // rax at entry
    uint64_t rip;     // return address (rcx at entry)
    uint64_t rflags;  // r11 at entry
    uint64_t rsp;     // the caller's stack pointer
};
static_assert(sizeof(SyscallFrame) == 16 * 8);
static_assert(offsetof(SyscallFrame, args) == 6 * 8);

// Exception vectors.
enum Vector : uint8_t {
    kDivideError = 0,
    kDebug = 1,
    kNmi = 2,
    kBreakpoint = 3,
    kOverflow = 4,
    kBoundRange = 5,
    kInvalidOpcode = 6,
    kDeviceNotAvailable = 7,
    kDoubleFault = 8,
    kInvalidTss = 10,
    kSegmentNotPresent = 11,
    kStackFault = 12,
    kGeneralProtection = 13,
    kPageFault = 14,
    kX87Fault = 16,
    kAlignmentCheck = 17,
    kMachineCheck = 18,
    kSimdFault = 19,
    kVirtualization = 20,
    kControlProtection = 21,
};

// Interrupt vectors the library OS assigns.
inline constexpr uint8_t kIrqBase = 0x20;        // ISA IRQ n arrives on vector 0x20 + n
inline constexpr uint8_t kMsiBase = 0x40;        // message-signalled interrupts (PCI MSI-X)
inline constexpr uint8_t kMsiCount = 0x40;       // ... up to 0x7f
inline constexpr uint8_t kTimerVector = 0xf0;    // local APIC timer
inline constexpr uint8_t kSpuriousVector = 0xff; // local APIC spurious interrupts

// Page-fault error code bits.
inline constexpr uint64_t kPfPresent = 1u << 0;
inline constexpr uint64_t kPfWrite = 1u << 1;
inline constexpr uint64_t kPfUser = 1u << 2;
inline constexpr uint64_t kPfInstruction = 1u << 4;

} // namespace uk::arch
