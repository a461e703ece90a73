// uk_boot_main: from the PVH entry (boot.S) to the application's first instruction.
#include <uk/arch/acpi.h>
#include <uk/arch/apic.h>
#include <uk/arch/boot_info.h>
#include <uk/arch/cpu.h>
#include <uk/arch/cpu_setup.h>
#include <uk/arch/devices.h>
#include <uk/arch/trap.h>
#include <uk/image_format.h>

#include "../app/process.h"
#include "../mm/address_space.h"
#include "../net/config.h"
#include "../random/entropy.h"
#include "../syscalls/dispatch.h"
#include "../time/clock.h"
#include "../tty/console.h"
#include "../vfs/ops.h"
#include "../vfs/system.h"
#include "cmdline.h"
#include "log.h"
#include "machine.h"
#include "memory.h"

namespace uk {
void onTimerInterrupt(arch::TrapFrame& f, void*);
}

namespace {

uk::arch::BootInfo g_boot;
uk::CommandLine g_cmdline;

constexpr uint64_t kIstStackSize = 16 * 1024;

void checkOptions(const uk::CommandLine& cl) {
    static const char* const kKnown[] = {
        uk::image::kOptVerbose,  uk::image::kOptStrace,     uk::image::kOptStdin,
        uk::image::kOptTime,     uk::image::kOptSeed,       uk::image::kOptEnv,
        uk::image::kOptTscHz,    uk::image::kOptEntrypoint, uk::image::kOptUser,
        uk::image::kOptIp,       uk::image::kOptGateway,    uk::image::kOptDns,
        uk::image::kOptHostname, uk::image::kOptWorkdir,    uk::image::kOptStartGate,
        uk::image::kOptMac,      uk::image::kOptNoNetwork,  uk::image::kOptMtu};
    for (size_t i = 0; i < cl.optionCount(); ++i) {
        const char* o = cl.option(i);
        bool known = false;
        for (const char* k : kKnown) {
            size_t n = 0;
            while (k[n] != 0 && o[n] == k[n]) {
                ++n;
            }
            known = known || (k[n] == 0 && (o[n] == 0 || o[n] == '='));
        }
        if (!known) {
            uk::log::notice("unknown option %s (ignored)", o);
        }
    }
}

uint64_t parseDecimal(const char* s) {
    uint64_t v = 0;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + static_cast<uint64_t>(*s++ - '0');
    }
    return *s == 0 ? v : 0;
}

bool sameString(const char* a, const char* b) {
    while (*a != 0 && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

} // namespace

using namespace uk;

extern "C" [[noreturn]] void uk_boot_main(uint64_t startInfoPhys) {
    clock::markBoot(arch::rdtsc());
    arch::serial::init();
    log::setSink(tty::write);
    arch::initCpu();

    if (!arch::parsePvhStartInfo(startInfoPhys, g_boot)) {
        log::panic("not started through the PVH boot protocol (bad hvm_start_info magic); "
                   "boot this image with qemu -kernel, uk run or another PVH monitor");
    }
    if (!g_cmdline.parse(g_boot.cmdline)) {
        log::notice("kernel command line: %s", g_cmdline.error());
    }
    if (g_boot.cmdlineTruncated) {
        log::notice("kernel command line longer than %zu bytes was truncated",
                    arch::BootInfo::kMaxCmdline - 1);
    }
    log::setVerbose(g_cmdline.has(image::kOptVerbose));
    checkOptions(g_cmdline);
    const auto& cpu = arch::cpuFeatures();
    log::info("uk " UK_VERSION " on %s%s%s", cpu.vendor, cpu.hypervisor[0] ? ", hypervisor " : "",
              cpu.hypervisor);

    memory::init(g_boot);
    for (int slot = 1; slot <= arch::kIstCount; ++slot) {
        memory::Stack s;
        if (!memory::allocKernelStack(kIstStackSize, &s)) {
            log::panic("out of memory for interrupt stacks");
        }
        arch::setIstStack(static_cast<arch::IstSlot>(slot), s.top);
    }

    const char* tscHint = g_cmdline.value(image::kOptTscHz);
    machine::setCpuCount(arch::acpi::countCpus(g_boot.rsdp, memory::mapFirmware));
    log::info("cpus: %d (application threads run on the first)", machine::cpuCount());

    arch::TscInfo tsc = arch::discoverTscFrequency(tscHint != nullptr ? parseDecimal(tscHint) : 0);
    if (tsc.hz == 0) {
        log::panic("cannot determine the TSC frequency: no CPUID leaf, kvmclock or PIT");
    }
    clock::init(tsc.hz);
    log::info("clock: TSC %lu.%03lu MHz from %s (%lu us measuring)", tsc.hz / 1'000'000,
              (tsc.hz / 1000) % 1000, tsc.source, tsc.calibrationNs / 1000);

    const char* wallSource = "none (epoch)";
    uint64_t wall = arch::readKvmWallClockNs();
    if (wall != 0) {
        wallSource = "kvmclock";
    } else if (const char* t = g_cmdline.value(image::kOptTime);
               t != nullptr && parseDecimal(t) != 0) {
        wall = parseDecimal(t);
        wallSource = "uk.time";
    } else if ((wall = arch::readCmosWallClockNs()) != 0) {
        wallSource = "cmos rtc";
    }
    clock::setRealtimeNs(wall);
    log::info("clock: wall time from %s", wallSource);

    arch::apic::init(memory::mapDevice(arch::apic::kLocalApicPhys, 4096), tsc.hz);
    arch::apic::initIoApic(memory::mapDevice(arch::apic::kIoApicPhys, 4096));
    arch::setInterruptHandler(arch::kTimerVector, onTimerInterrupt, nullptr);
    log::info("timer: local APIC, %s mode", arch::apic::timerMode());

    const char* stdinMode = g_cmdline.value(image::kOptStdin);
    bool escaped = stdinMode != nullptr && sameString(stdinMode, "escaped");
    if (stdinMode != nullptr && !escaped && !sameString(stdinMode, "raw")) {
        log::notice("unknown %s=%s (expected raw or escaped)", image::kOptStdin, stdinMode);
    }
    tty::init(escaped);
    if (g_cmdline.has(image::kOptStartGate)) {
        tty::closeStartGate();
    }

    log::info("random: seeded from %s", random::seedAtBoot(g_cmdline));
    sys::initDispatch(g_cmdline.has(image::kOptStrace));
    vfs::mountRootFs(g_boot);
    {
        net::Config nc = net::parseConfig(g_cmdline, [](const char* option) {
            log::notice("ignoring %s: not a valid value", option);
        });
        net::setBootConfig(nc);
        // When uk run described a network, /etc/resolv.conf and /etc/hosts say so, as a
        // container runtime's do; otherwise a tree lacking /etc/hosts still gets localhost,
        // which libc resolvers look up there. (Network cards are found only when the first
        // Internet socket starts the stack: net/stack.h.)
        vfs::Attr attr;
        if (nc.described() ||
            vfs::statAt(vfs::current(), vfs::kAtFdCwd, "/etc/hosts", 0, &attr) == -ENOENT) {
            if (long r = net::writeResolverFiles(vfs::current(), nc); r < 0) {
                log::notice("cannot write /etc/hosts and /etc/resolv.conf (error %ld)", -r);
            }
        }
    }

    const auto& img = memory::image();
    if (img.appEntry != 0) {
        mm::addressSpace().init(img.appStart, img.appTextEnd, img.appDataStart, img.appEnd);
    }
    app::start(g_cmdline);
}
