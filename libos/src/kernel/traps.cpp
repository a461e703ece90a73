// CPU exceptions and system calls, as the platform layer hands them up.
//
// An exception in the application is a signal: demand paging first; then, if the application
// has a handler for the signal (and does not block it), the handler runs; otherwise the
// process ends with a report (registers and a backtrace that uk run symbolizes) and status
// 128 + signal. An exception in the library OS is a bug: panic.
#include <uk/arch/cpu.h>
#include <uk/arch/hooks.h>
#include <uk/arch/trap.h>

#include "../app/process.h"
#include "../app/start_gate.h"
#include "../base/format.h"
#include "../mm/address_space.h"
#include "../proc/process.h"
#include "../sched/scheduler.h"
#include "../syscalls/dispatch.h"
#include "../time/clock.h"
#include "log.h"
#include "memory.h"
#include "signals.h"

namespace uk {

namespace {

bool inLibraryOs(uint64_t rip) {
    return rip >= arch::kKernelBase;
}

bool appReadable(uint64_t addr) {
    return mm::addressSpace().isResident(addr);
}

const char* exceptionName(uint64_t v) {
    switch (v) {
    case arch::kDivideError:
        return "divide error";
    case arch::kDebug:
        return "debug trap";
    case arch::kBreakpoint:
        return "breakpoint";
    case arch::kOverflow:
        return "overflow";
    case arch::kBoundRange:
        return "bound range exceeded";
    case arch::kInvalidOpcode:
        return "invalid opcode";
    case arch::kDeviceNotAvailable:
        return "device not available";
    case arch::kDoubleFault:
        return "double fault";
    case arch::kInvalidTss:
        return "invalid TSS";
    case arch::kSegmentNotPresent:
        return "segment not present";
    case arch::kStackFault:
        return "stack-segment fault";
    case arch::kGeneralProtection:
        return "general protection fault";
    case arch::kPageFault:
        return "page fault";
    case arch::kX87Fault:
        return "x87 floating-point exception";
    case arch::kAlignmentCheck:
        return "alignment check";
    case arch::kMachineCheck:
        return "machine check";
    case arch::kSimdFault:
        return "SIMD floating-point exception";
    case arch::kControlProtection:
        return "control protection fault";
    default:
        return "exception";
    }
}

void printRegisters(const arch::TrapFrame& f, uint64_t cr2) {
    log::notice("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx", f.rax, f.rbx, f.rcx, f.rdx);
    log::notice("  rsi %016lx  rdi %016lx  rbp %016lx  rsp %016lx", f.rsi, f.rdi, f.rbp, f.rsp);
    log::notice("  r8  %016lx  r9  %016lx  r10 %016lx  r11 %016lx", f.r8, f.r9, f.r10, f.r11);
    log::notice("  r12 %016lx  r13 %016lx  r14 %016lx  r15 %016lx", f.r12, f.r13, f.r14, f.r15);
    log::notice("  rip %016lx  rflags %08lx  error %lx  cr2 %016lx", f.rip, f.rflags, f.error, cr2);
}

// What a page fault at `addr` ran into, in words.
void describePageFault(char* out, size_t cap, uint64_t addr, uint64_t error) {
    const char* access = (error & arch::kPfInstruction) ? "executing"
                         : (error & arch::kPfWrite)     ? "writing"
                                                        : "reading";
    const mm::Vma* v = mm::addressSpace().find(addr);
    if (addr < mm::AddressSpace::kMinAddress) {
        format(out, cap, "%s address 0x%lx (null pointer dereference)", access, addr);
    } else if (v != nullptr && v->kind == mm::VmaKind::Guard) {
        format(out, cap, "%s address 0x%lx (stack overflow: guard area below the stack)", access,
               addr);
    } else if (v != nullptr) {
        format(out, cap, "%s address 0x%lx (not allowed in %s, which is %c%c%c)", access, addr,
               v->name, (v->prot & mm::kProtRead) ? 'r' : '-',
               (v->prot & mm::kProtWrite) ? 'w' : '-', (v->prot & mm::kProtExec) ? 'x' : '-');
    } else {
        format(out, cap, "%s address 0x%lx (not mapped)", access, addr);
    }
}

// A fault in the application: its handler, or the end with a report.
void applicationFault(const arch::TrapFrame& f, int sig, int code, uint64_t addr, const char* what,
                      uint64_t cr2) {
    if (signals::raiseFault(sig, code, addr)) {
        return; // the trap's exit path sets up the handler
    }
    if (app::gate::armed()) {
        app::gate::parkAtNextReturn("a fault"); // reported when it faults again, after the start
        return;
    }
    const proc::Process* p = proc::current();
    if (p != nullptr && p != proc::first()) {
        log::notice("fatal: process %d was killed by %s: %s at rip 0x%lx", p->pid,
                    signals::name(sig), what, f.rip);
    } else {
        log::notice("fatal: the application was killed by %s: %s at rip 0x%lx", signals::name(sig),
                    what, f.rip);
    }
    printRegisters(f, cr2);
    log::backtrace(f.rip, f.rbp, appReadable);
    signals::terminate(sig, true);
}

[[noreturn]] void libraryOsFault(const arch::TrapFrame& f, const char* what, uint64_t cr2) {
    log::notice("fatal: %s in the library OS at rip 0x%lx", what, f.rip);
    printRegisters(f, cr2);
    log::backtrace(f.rip, f.rbp, memory::isKernelReadable);
    log::panic("unrecoverable CPU exception in the library OS");
}

} // namespace

} // namespace uk

using namespace uk;

void arch::hooks::exception(TrapFrame& f) {
    char what[160];
    uint64_t cr2 = 0;
    int sig = 0;
    int code = 0;
    switch (f.vector) {
    case kPageFault: {
        cr2 = readCr2();
        bool write = f.error & kPfWrite;
        bool exec = f.error & kPfInstruction;
        if (cr2 < kUserTop) {
            switch (mm::addressSpace().handleFault(cr2, write, exec)) {
            case mm::AddressSpace::Fault::Handled:
                return;
            case mm::AddressSpace::Fault::OutOfMemory:
                log::notice("fatal: out of memory: the application was killed (all %lu KiB of "
                            "guest RAM are in use)",
                            memory::totalRamBytes() / 1024);
                proc::exitGroup(proc::signaledStatus(signals::SIGKILL));
            default:
                break;
            }
        }
        if (inLibraryOs(f.rip)) {
            if (memory::isKernelStackGuard(cr2)) {
                libraryOsFault(f, "kernel stack overflow", cr2);
            }
            format(what, sizeof what, "page fault at address 0x%lx", cr2);
            libraryOsFault(f, what, cr2);
        }
        describePageFault(what, sizeof what, cr2, f.error);
        const mm::Vma* v = mm::addressSpace().find(cr2);
        int segvCode = (v != nullptr && v->kind != mm::VmaKind::Guard) ? signals::SEGV_ACCERR
                                                                       : signals::SEGV_MAPERR;
        applicationFault(f, signals::SIGSEGV, segvCode, cr2, what, cr2);
        return;
    }
    case kNmi:
        log::notice("NMI received (ignored)");
        return;
    case kDoubleFault:
    case kMachineCheck:
        libraryOsFault(f, exceptionName(f.vector), 0);
    case kDivideError:
        sig = signals::SIGFPE;
        code = signals::FPE_INTDIV;
        break;
    case kX87Fault:
    case kSimdFault:
        sig = signals::SIGFPE;
        code = signals::FPE_FLTINV;
        break;
    case kInvalidOpcode:
        sig = signals::SIGILL;
        code = signals::ILL_ILLOPN;
        break;
    case kBreakpoint:
    case kDebug:
        sig = signals::SIGTRAP;
        code = signals::TRAP_BRKPT;
        break;
    case kStackFault:
    case kAlignmentCheck:
        sig = signals::SIGBUS;
        code = signals::BUS_ADRALN;
        break;
    default:
        sig = signals::SIGSEGV;
        code = signals::SI_KERNEL;
        break;
    }
    if (inLibraryOs(f.rip)) {
        libraryOsFault(f, exceptionName(f.vector), 0);
    }
    applicationFault(f, sig, code, f.rip, exceptionName(f.vector), 0);
}

long arch::hooks::syscall(SyscallFrame& f) {
    return sys::dispatch(f);
}

namespace uk {

// The local APIC timer. Besides waking sleepers it catches an application stuck in a `hlt`
// loop (glibc's abort() ends in one if SIGABRT does not end the process): in ring 3 `hlt`
// faults, in our ring 0 it waits for the next interrupt. A byte 0xf4 before the interrupted
// rip is not proof on its own: it is as often the last byte of another instruction (a
// backward jcc rel8 of -12 is 0xf4), and killing a correct program for it is far worse than
// missing a crash report. So the same thread must be found there with exactly the same
// registers at three interrupts in a row spanning at least a second: a halted loop, not
// code making progress. (A single `hlt` that falls through, as musl's a_crash does, is not
// caught; what follows it usually faults.)
namespace {
struct HaltSuspect {
    const sched::Thread* thread = nullptr;
    arch::TrapFrame frame{};
    uint64_t firstNs = 0;
    int seen = 0;
};
HaltSuspect g_halt;

bool sameRegisters(const arch::TrapFrame& a, const arch::TrapFrame& b) {
    return a.rip == b.rip && a.rsp == b.rsp && a.rflags == b.rflags && a.rax == b.rax &&
           a.rbx == b.rbx && a.rcx == b.rcx && a.rdx == b.rdx && a.rsi == b.rsi && a.rdi == b.rdi &&
           a.rbp == b.rbp && a.r8 == b.r8 && a.r9 == b.r9 && a.r10 == b.r10 && a.r11 == b.r11 &&
           a.r12 == b.r12 && a.r13 == b.r13 && a.r14 == b.r14 && a.r15 == b.r15;
}
} // namespace

void onTimerInterrupt(arch::TrapFrame& f, void*) {
    bool suspect = !inLibraryOs(f.rip) && f.rip > 0 && appReadable(f.rip - 1) &&
                   *reinterpret_cast<const uint8_t*>(f.rip - 1) == 0xf4;
    if (!suspect) {
        g_halt.seen = 0;
    } else if (g_halt.seen > 0 && g_halt.thread == sched::current() &&
               sameRegisters(g_halt.frame, f)) {
        ++g_halt.seen;
    } else {
        g_halt = HaltSuspect{sched::current(), f, clock::monotonicNs(), 1};
    }
    if (suspect && g_halt.seen >= 3 && clock::monotonicNs() - g_halt.firstNs >= 1'000'000'000) {
        // In ring 3 this would be a general protection fault: SIGSEGV, no handler retries.
        g_halt.seen = 0;
        if (app::gate::armed()) {
            app::gate::parkAtNextReturn("a hlt instruction"); // seen again after the start
            sched::onTimerInterrupt();
            return;
        }
        arch::TrapFrame at = f;
        at.rip -= 1;
        log::notice("fatal: the application was killed by SIGSEGV: it is halted at a hlt "
                    "instruction (a libc crash trap) at rip 0x%lx",
                    at.rip);
        printRegisters(at, 0);
        log::backtrace(at.rip, at.rbp, appReadable);
        signals::terminate(signals::SIGSEGV, true);
    }
    sched::onTimerInterrupt();
}

} // namespace uk
