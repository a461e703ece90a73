#include "start_gate.h"

#include <uk/arch/cpu.h>
#include <uk/image_format.h>

#include "../kernel/log.h"
#include "../net/config.h"
#include "../sched/scheduler.h"
#include "../sched/timer.h"
#include "../time/clock.h"
#include "../tty/console.h"
#include "process.h"

namespace uk::app::gate {

bool g_armed = false;

namespace {

// Guest CPU time the program may spend ahead of its start before it is parked: C libraries'
// and runtimes' start-up before their first outside call takes a few milliseconds under
// TCG, and a container may sit created for long (docker create, then start later).
constexpr uint64_t kRunAheadBudgetNs = 100'000'000;

constinit sched::Timer g_budget{};
constinit uint64_t g_armedAtTsc = 0;
constinit const char* g_parkReason = "";

void parkAtReturn() {
    pass(g_parkReason);
}

void budgetSpent(sched::Timer*) {
    parkAtNextReturn("its run-ahead budget");
}

void signalBeforeStart() {
    parkAtNextReturn("a signal before the start");
}

} // namespace

void arm() {
    // Keeps the marker in the image (image::kAbiStartGateMarker).
    asm volatile("" : : "r"(image::kAbiStartGateMarker));
    g_armed = true;
    g_armedAtTsc = arch::rdtsc();
    tty::onSignalBeforeStart(signalBeforeStart);
    g_budget.fire = budgetSpent;
    sched::armTimer(&g_budget, clock::monotonicNs() + kRunAheadBudgetNs);
}

void parkAtNextReturn(const char* why) {
    if (g_armed) {
        g_parkReason = why;
        sched::atNextReturnToApp(parkAtReturn);
    }
}

void pass(const char* why) {
    if (!g_armed) {
        return;
    }
    g_armed = false;
    sched::cancelTimer(&g_budget);
    log::info("start gate: the program ran ahead %lu us, up to %s",
              clock::tscToNs(arch::rdtsc() - g_armedAtTsc) / 1000, why);
    // Interrupts on while waiting and applying the settings, as in a system call, whatever
    // path brought the program here.
    bool wereEnabled = arch::interruptsEnabled();
    arch::enableInterrupts();
    const char* words = "";
    if (int sig = tty::waitAtStartGate(&words); sig != 0) {
        log::info("start gate: signal %d came before the start", sig);
        exitProcess(128 + sig);
    }
    if (words[0] != 0) {
        log::info("start gate: %s", words);
        net::applyStartOptions(words);
    }
    log::info("boot: %lu us to the start", clock::tscToNs(arch::rdtsc() - clock::bootTsc()) / 1000);
    if (!wereEnabled) {
        arch::disableInterrupts();
    }
}

} // namespace uk::app::gate
