#include "log.h"

#include <uk/arch/cpu.h>
#include <uk/arch/devices.h>
#include <uk/arch/hooks.h>
#include <uk/image_format.h>

#include "../base/format.h"
#include "../time/clock.h"
#include "memory.h"

namespace uk::log {

namespace {
Sink g_sink = nullptr;
bool g_verbose = false;
bool g_panicking = false;

void line(const char* fmt, va_list ap) {
    char buf[512];
    size_t n = format(buf, sizeof buf, "[uk] ");
    n += formatV(buf + n, sizeof buf - n, fmt, ap);
    if (n > sizeof buf - 2) {
        n = sizeof buf - 2;
    }
    buf[n++] = '\n';
    write(buf, n);
}
} // namespace

void setSink(Sink sink) {
    g_sink = sink;
}

void write(const char* data, size_t size) {
    if (g_sink != nullptr) {
        g_sink(data, size);
    }
}

void setVerbose(bool on) {
    g_verbose = on;
}
bool verbose() {
    return g_verbose;
}

void noticeV(const char* fmt, va_list ap) {
    line(fmt, ap);
}

void notice(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    line(fmt, ap);
    va_end(ap);
}

void info(const char* fmt, ...) {
    if (!g_verbose) {
        return;
    }
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    formatV(buf, sizeof buf, fmt, ap);
    va_end(ap);
    // Boot-log lines carry the time since boot, once the clock knows its rate.
    if (clock::tscHz() != 0) {
        uint64_t us = clock::tscToNs(arch::rdtsc() - clock::bootTsc()) / 1000;
        notice("%3lu.%03lu ms %s", us / 1000, us % 1000, buf);
    } else {
        notice("%s", buf);
    }
}

void backtrace(uint64_t rip, uint64_t rbp, bool (*readable)(uint64_t addr)) {
    constexpr int kMaxFrames = 32;
    char buf[64];
    write("[uk] backtrace:\n", 16);
    size_t n = format(buf, sizeof buf, "%s0 0x%016lx\n", image::kBacktracePrefix, rip);
    write(buf, n);
    for (int i = 1; i < kMaxFrames; ++i) {
        if (rbp == 0 || rbp % 8 != 0 || !readable(rbp) || !readable(rbp + 8)) {
            break;
        }
        uint64_t next = reinterpret_cast<const uint64_t*>(rbp)[0];
        uint64_t ret = reinterpret_cast<const uint64_t*>(rbp)[1];
        if (ret == 0) {
            break;
        }
        n = format(buf, sizeof buf, "%s%d 0x%016lx\n", image::kBacktracePrefix, i, ret);
        write(buf, n);
        if (next <= rbp) {
            break; // frames must move up the stack; anything else is a broken chain
        }
        rbp = next;
    }
}

void panic(const char* fmt, ...) {
    arch::disableInterrupts();
    if (!g_panicking) {
        g_panicking = true;
        char buf[512];
        va_list ap;
        va_start(ap, fmt);
        size_t n = format(buf, sizeof buf, "[uk] panic: ");
        n += formatV(buf + n, sizeof buf - n, fmt, ap);
        va_end(ap);
        if (n > sizeof buf - 2) {
            n = sizeof buf - 2;
        }
        buf[n++] = '\n';
        write(buf, n);
        // Start at our caller: its return address and its saved frame pointer.
        auto* frame = static_cast<uint64_t*>(__builtin_frame_address(0));
        backtrace(frame[1], frame[0], memory::isKernelReadable);
    }
    arch::panicVm();
}

} // namespace uk::log

// The platform layer's upward hooks for logging.
namespace uk::arch::hooks {

void panic(const char* fmt, ...) {
    char buf[384];
    va_list ap;
    va_start(ap, fmt);
    formatV(buf, sizeof buf, fmt, ap);
    va_end(ap);
    log::panic("%s", buf);
}

void log(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    log::noticeV(fmt, ap);
    va_end(ap);
}

} // namespace uk::arch::hooks
