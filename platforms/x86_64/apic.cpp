#include <uk/arch/apic.h>
#include <uk/arch/cpu.h>
#include <uk/arch/cpu_setup.h>
#include <uk/arch/trap.h>

namespace uk::arch::apic {

namespace {

constexpr uint32_t kRegId = 0x20;
constexpr uint32_t kRegTpr = 0x80;
constexpr uint32_t kRegEoi = 0xb0;
constexpr uint32_t kRegSvr = 0xf0;
constexpr uint32_t kRegLvtTimer = 0x320;
constexpr uint32_t kRegLvtLint0 = 0x350;
constexpr uint32_t kRegLvtLint1 = 0x360;
constexpr uint32_t kRegLvtError = 0x370;
constexpr uint32_t kRegTimerInitial = 0x380;
constexpr uint32_t kRegTimerCurrent = 0x390;
constexpr uint32_t kRegTimerDivide = 0x3e0;

constexpr uint32_t kLvtMasked = 1u << 16;
constexpr uint32_t kTimerTscDeadline = 2u << 17;

volatile uint32_t* g_lapic = nullptr;
volatile uint32_t* g_ioapic = nullptr;
bool g_deadlineMode = false;
uint64_t g_tscHz = 0;
// One-shot mode: APIC timer ticks per TSC tick, as a 32.32 fixed-point ratio.
uint64_t g_ticksPerTscFp = 0;

uint32_t read(uint32_t reg) {
    return g_lapic[reg / 4];
}
void write(uint32_t reg, uint32_t v) {
    g_lapic[reg / 4] = v;
}

// Measures the APIC timer against the TSC over ~100 us. Only how close a wake-up lands to
// its deadline depends on this (to about 1%); the clock itself is the TSC, and a wake-up
// that comes early simply re-arms.
void calibrateOneShot() {
    write(kRegTimerDivide, 0xb); // divide by 1
    write(kRegLvtTimer, kLvtMasked | kTimerVector);
    uint64_t window = g_tscHz / 10000;
    write(kRegTimerInitial, 0xffffffff);
    uint64_t t0 = rdtsc();
    while (rdtsc() - t0 < window) {
        pause();
    }
    uint32_t elapsed = 0xffffffff - read(kRegTimerCurrent);
    uint64_t t1 = rdtsc();
    write(kRegTimerInitial, 0);
    uint64_t tscElapsed = t1 - t0;
    g_ticksPerTscFp = tscElapsed ? (uint64_t{elapsed} << 32) / tscElapsed : (1ull << 32);
    if (g_ticksPerTscFp == 0) {
        g_ticksPerTscFp = 1;
    }
}

} // namespace

void init(uint64_t localApicVirt, uint64_t tscHz) {
    g_lapic = reinterpret_cast<volatile uint32_t*>(localApicVirt);
    g_tscHz = tscHz;
    // Make sure the APIC is globally enabled in the MSR (it is after reset, but be explicit).
    wrmsr(kMsrApicBase, rdmsr(kMsrApicBase) | (1u << 11));
    write(kRegTpr, 0);
    write(kRegLvtLint0, kLvtMasked);
    write(kRegLvtLint1, kLvtMasked);
    write(kRegLvtError, kLvtMasked);
    write(kRegSvr, 0x100 | kSpuriousVector); // software enable

    g_deadlineMode = cpuFeatures().tscDeadline;
    if (g_deadlineMode) {
        write(kRegLvtTimer, kTimerTscDeadline | kTimerVector);
    } else {
        calibrateOneShot();
        write(kRegLvtTimer, kTimerVector); // one-shot, unmasked
    }
}

bool ready() {
    return g_lapic != nullptr;
}

void endOfInterrupt() {
    if (g_lapic != nullptr) {
        write(kRegEoi, 0);
    }
}

void armTimer(uint64_t deadlineTsc) {
    if (g_deadlineMode) {
        wrmsr(kMsrTscDeadline, deadlineTsc == 0 ? 1 : deadlineTsc);
        return;
    }
    uint64_t now = rdtsc();
    uint64_t delta = deadlineTsc > now ? deadlineTsc - now : 1;
    unsigned __int128 ticks = (static_cast<unsigned __int128>(delta) * g_ticksPerTscFp) >> 32;
    uint32_t count = ticks == 0 ? 1 : ticks > 0xffffffffu ? 0xffffffffu : uint32_t(ticks);
    write(kRegTimerInitial, count);
}

void cancelTimer() {
    if (g_deadlineMode) {
        wrmsr(kMsrTscDeadline, 0);
    } else {
        write(kRegTimerInitial, 0);
    }
}

const char* timerMode() {
    return g_deadlineMode ? "tsc-deadline" : "one-shot";
}

void initIoApic(uint64_t ioApicVirt) {
    g_ioapic = reinterpret_cast<volatile uint32_t*>(ioApicVirt);
}

namespace {

// Points I/O APIC input `pin` at `vector` on this CPU; `flags` are the redirection entry's
// trigger and polarity bits (fixed delivery, physical destination, unmasked).
void routePin(uint8_t pin, uint8_t vector, uint32_t flags) {
    if (g_ioapic == nullptr) {
        return;
    }
    uint32_t apicId = read(kRegId) >> 24;
    auto ioWrite = [](uint32_t reg, uint32_t v) {
        g_ioapic[0] = reg; // IOREGSEL
        g_ioapic[4] = v;   // IOWIN at +0x10
    };
    ioWrite(0x10 + 2 * pin + 1, apicId << 24);
    ioWrite(0x10 + 2 * pin, vector | flags);
}

constexpr uint32_t kRedirectionLevel = 1u << 15;

} // namespace

void routeIsaIrq(uint8_t irq, uint8_t vector) {
    routePin(irq, vector, 0); // edge, active high
}

void routeLevelIrq(uint8_t pin, uint8_t vector) {
    routePin(pin, vector, kRedirectionLevel); // active high
}

} // namespace uk::arch::apic
