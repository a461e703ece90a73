// TSC frequency discovery and wall-clock sources.
//
// Under QEMU TCG the TSC runs at the host's TSC rate, and nothing in CPUID says what that
// is; under KVM the hypervisor usually tells us. We prefer being told (CPUID 0x40000010,
// CPUID 0x15, kvmclock) and otherwise measure briefly against the PIT, the one timer whose
// rate is architectural. Unikraft 0.17 spends ~100 ms here; we spend a few.
#include <uk/arch/cpu.h>
#include <uk/arch/cpu_setup.h>
#include <uk/arch/devices.h>

namespace uk::arch {

namespace {

struct PvclockTimeInfo {
    volatile uint32_t version;
    uint32_t pad0;
    volatile uint64_t tscTimestamp;
    volatile uint64_t systemTime;
    volatile uint32_t tscToSystemMul;
    volatile int8_t tscShift;
    volatile uint8_t flags;
    uint8_t pad[2];
};
static_assert(sizeof(PvclockTimeInfo) == 32);

struct PvclockWallClock {
    volatile uint32_t version;
    volatile uint32_t sec;
    volatile uint32_t nsec;
};

alignas(64) PvclockTimeInfo g_pvclock;
alignas(16) PvclockWallClock g_wallClock;

uint64_t kernelVirtToPhys(const void* p) {
    return reinterpret_cast<uint64_t>(p) - kKernelBase;
}

uint64_t pvclockScale(uint64_t delta, uint32_t mul, int8_t shift) {
    if (shift < 0) {
        delta >>= -shift;
    } else {
        delta <<= shift;
    }
    return static_cast<uint64_t>((static_cast<unsigned __int128>(delta) * mul) >> 32);
}

bool readKvmClock(uint64_t* hz) {
    if (!cpuFeatures().kvmClock) {
        return false;
    }
    wrmsr(kMsrKvmSystemTimeNew, kernelVirtToPhys(&g_pvclock) | 1);
    uint32_t mul = 0;
    int8_t shift = 0;
    for (int tries = 0; tries < 100; ++tries) {
        uint32_t v = g_pvclock.version;
        if (v & 1) {
            continue;
        }
        mul = g_pvclock.tscToSystemMul;
        shift = g_pvclock.tscShift;
        if (g_pvclock.version == v) {
            break;
        }
    }
    if (mul == 0) {
        return false;
    }
    uint64_t f = ((1'000'000'000ull << 32) / mul);
    *hz = shift >= 0 ? f >> shift : f << -shift;
    return true;
}

// Measures the TSC against PIT channel 0 (mode 0, polled; its interrupt stays masked in
// the I/O APIC) over about `ns`. Channel 2 would need the speaker port 0x61, which QEMU's
// microvm does not have.
//
// Precision comes from timing counter *edges*: each read is stamped with the TSC just
// before its latch command, and an edge lies between the stamps of the two reads that saw
// the count change. An edge counts only if those stamps are close together, so a read
// delayed by the host scheduler cannot skew the result. Returns false when there is no PIT.
uint16_t readPit0() {
    outb(0x43, 0x00); // latch channel 0
    uint8_t lo = inb(0x40);
    uint8_t hi = inb(0x40);
    return static_cast<uint16_t>(lo | (hi << 8));
}

struct PitEdge {
    uint64_t tsc;   // midpoint of the two stamps around the edge
    uint64_t width; // their distance: the uncertainty
    uint16_t count; // the count after the edge
};

// Waits for the count to change with the two stamps at most `maxWidth` apart.
bool nextEdge(uint64_t maxWidth, PitEdge* out) {
    uint64_t before = rdtsc();
    uint16_t last = readPit0();
    for (int i = 0; i < 1'000'000; ++i) {
        uint64_t t = rdtsc();
        uint16_t c = readPit0();
        if (c != last) {
            if (t - before <= maxWidth) {
                *out = PitEdge{before + (t - before) / 2, t - before, c};
                return true;
            }
            last = c; // edge seen too late to time well: wait for the next one
        }
        before = t;
    }
    return false;
}

bool measureWithPit(uint64_t ns, uint64_t* hz, uint64_t* spentNs) {
    constexpr uint64_t kPitHz = 1193182;
    uint64_t ticks = kPitHz * ns / 1'000'000'000ull;
    if (ticks == 0 || ticks > 0xf000) {
        ticks = 0xf000;
    }
    outb(0x43, 0x30); // channel 0, lobyte/hibyte, mode 0, binary
    outb(0x40, 0xff);
    outb(0x40, 0xff);
    // How long one read takes here: the best of a few, to judge edges by.
    uint64_t readCost = ~0ull;
    for (int i = 0; i < 8; ++i) {
        uint64_t t0 = rdtsc();
        readPit0();
        uint64_t d = rdtsc() - t0;
        readCost = d < readCost ? d : readCost;
    }
    uint64_t maxWidth = readCost * 3;
    PitEdge start, end;
    if (!nextEdge(maxWidth, &start)) {
        return false; // the counter does not move: no PIT
    }
    // Skip ahead to shortly before the target, then time the next good edge.
    uint64_t loops = 0;
    while (static_cast<uint16_t>(start.count - readPit0()) + 2 < ticks) {
        if (++loops > 50'000'000) {
            return false;
        }
    }
    if (!nextEdge(maxWidth, &end) || end.count > start.count) {
        return false;
    }
    uint64_t elapsed = static_cast<uint16_t>(start.count - end.count);
    *hz = (end.tsc - start.tsc) * kPitHz / elapsed;
    *spentNs = elapsed * 1'000'000'000ull / kPitHz;
    return *hz > 1'000'000;
}

int cmosRead(uint8_t reg) {
    outb(0x70, reg);
    return inb(0x71);
}

uint64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
    // Howard Hinnant's algorithm.
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return static_cast<uint64_t>(era * 146097 + static_cast<int64_t>(doe) - 719468);
}

} // namespace

TscInfo discoverTscFrequency(uint64_t hostHintHz) {
    const CpuFeatures& f = cpuFeatures();
    TscInfo info;
    if (f.hypervisorMaxLeaf >= 0x40000010) {
        uint32_t khz = cpuid(0x40000010).eax;
        if (khz != 0) {
            info.hz = uint64_t{khz} * 1000;
            info.source = "cpuid 0x40000010";
            return info;
        }
    }
    if (f.maxLeaf >= 0x15) {
        CpuidResult r = cpuid(0x15);
        if (r.eax != 0 && r.ebx != 0 && r.ecx != 0) {
            info.hz = uint64_t{r.ecx} * r.ebx / r.eax;
            info.source = "cpuid 0x15";
            return info;
        }
    }
    if (readKvmClock(&info.hz)) {
        info.source = "kvmclock";
        return info;
    }
    if (hostHintHz != 0) {
        // The host measured its TSC, which a TCG guest shares. Trust it if a quick check
        // against the PIT agrees to within 1% (or if there is no PIT to ask).
        uint64_t measured = 0;
        if (!measureWithPit(1'000'000, &measured, &info.calibrationNs) ||
            (measured > hostHintHz * 99 / 100 && measured < hostHintHz * 101 / 100)) {
            info.hz = hostHintHz;
            info.source = "host (uk.tsc_hz)";
            return info;
        }
        info.calibrationNs = 0;
    }
    if (measureWithPit(5'000'000, &info.hz, &info.calibrationNs)) {
        info.source = hostHintHz != 0 ? "pit (uk.tsc_hz disagreed)" : "pit";
        return info;
    }
    if (f.maxLeaf >= 0x16) {
        uint32_t mhz = cpuid(0x16).eax & 0xffff;
        if (mhz != 0) {
            info.hz = uint64_t{mhz} * 1'000'000;
            info.source = "cpuid 0x16 (nominal)";
            return info;
        }
    }
    return info; // hz == 0: the caller panics with a clear message
}

uint64_t readKvmWallClockNs() {
    if (!cpuFeatures().kvmClock) {
        return 0;
    }
    wrmsr(kMsrKvmWallClockNew, kernelVirtToPhys(&g_wallClock));
    for (int tries = 0; tries < 100; ++tries) {
        uint32_t v = g_wallClock.version;
        if (v & 1) {
            continue;
        }
        uint64_t boot = uint64_t{g_wallClock.sec} * 1'000'000'000ull + g_wallClock.nsec;
        uint64_t sys =
            g_pvclock.systemTime + pvclockScale(rdtsc() - g_pvclock.tscTimestamp,
                                                g_pvclock.tscToSystemMul, g_pvclock.tscShift);
        if (g_wallClock.version == v) {
            return boot + sys;
        }
    }
    return 0;
}

uint64_t readCmosWallClockNs() {
    if (cmosRead(0x0a) == 0xff) {
        return 0; // no RTC
    }
    // Wait out an update in progress (at most ~2 ms), then read twice until stable.
    for (int i = 0; i < 100000 && (cmosRead(0x0a) & 0x80); ++i) {
        pause();
    }
    int regs[7], again[7];
    const uint8_t idx[7] = {0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x32};
    for (int attempt = 0; attempt < 5; ++attempt) {
        for (int i = 0; i < 7; ++i) {
            regs[i] = cmosRead(idx[i]);
        }
        for (int i = 0; i < 7; ++i) {
            again[i] = cmosRead(idx[i]);
        }
        bool same = true;
        for (int i = 0; i < 7; ++i) {
            same = same && regs[i] == again[i];
        }
        if (same) {
            break;
        }
    }
    int statusB = cmosRead(0x0b);
    auto bin = [statusB](int v) { return (statusB & 0x04) ? v : (v & 0x0f) + (v >> 4) * 10; };
    int sec = bin(regs[0]), min = bin(regs[1]);
    int hour = bin(regs[2] & 0x7f);
    if (!(statusB & 0x02) && (regs[2] & 0x80)) {
        hour = (hour % 12) + 12; // 12-hour mode, PM
    }
    int day = bin(regs[3]), mon = bin(regs[4]), year = bin(regs[5]);
    int century = bin(regs[6]);
    int64_t fullYear = (century >= 19 && century <= 30) ? century * 100 + year : 2000 + year;
    if (mon < 1 || mon > 12 || day < 1 || day > 31) {
        return 0;
    }
    uint64_t days = daysFromCivil(fullYear, static_cast<unsigned>(mon), static_cast<unsigned>(day));
    uint64_t secs = days * 86400 + static_cast<uint64_t>(hour * 3600 + min * 60 + sec);
    return secs * 1'000'000'000ull;
}

} // namespace uk::arch
