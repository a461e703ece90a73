#include "console.h"

#include <uk/arch/cpu.h>
#include <uk/arch/devices.h>
#include <uk/image_format.h>

#include "../kernel/signals.h"
#include "../proc/process.h"
#include "../sched/wait_queue.h"
#include "../syscalls/errno.h"
#include "../vfs/types.h"
#include "../vfs/wait.h"
#include "stdin_decoder.h"

namespace uk::tty {

namespace {

constexpr size_t kRingSize = 4096;
constexpr size_t kStartTextSize = 1024;

struct Input {
    uint8_t ring[kRingSize] = {};
    size_t head = 0; // next byte to read
    size_t count = 0;
    bool eof = false;
    bool paused = false;
    StdinDecoder decoder;
    // The start gate (uk.gate): the host's start, or a signal for the application before it.
    bool gated = false;
    bool started = false;
    int signalBeforeStart = 0;
    char startText[kStartTextSize] = {}; // the start's words (kept NUL-terminated)
    size_t startTextLength = 0;
};
Input g_in;
constinit sched::WaitQueue g_readers;
constinit sched::WaitQueue g_gate;
constinit void (*g_signalBeforeStart)() = nullptr;

// Signals whose default action neither ends nor stops a process: they cannot end a guest
// waiting at the start gate either.
bool ignoredByDefault(int sig) {
    return sig == 17 /* SIGCHLD */ || sig == 18 /* SIGCONT */ || sig == 23 /* SIGURG */ ||
           sig == 28 /* SIGWINCH */;
}

bool canAccept(void*) {
    // Keep one slot spare: a decoded byte never needs more than one.
    if (g_in.count + 1 >= kRingSize) {
        g_in.paused = true;
        return false;
    }
    return true;
}

void onByte(uint8_t b, void*) {
    uint8_t decoded;
    switch (g_in.decoder.feed(b, &decoded)) {
    case StdinDecoder::Result::Byte:
        g_in.ring[(g_in.head + g_in.count) % kRingSize] = decoded;
        ++g_in.count;
        vfs::wakeAll(g_readers);
        break;
    case StdinDecoder::Result::EndOfFile:
        g_in.eof = true;
        vfs::wakeAll(g_readers);
        break;
    case StdinDecoder::Result::StartText:
        // Words beyond the room are dropped; the options that fit still parse.
        if (!g_in.started && g_in.startTextLength + 1 < kStartTextSize) {
            g_in.startText[g_in.startTextLength++] = static_cast<char>(decoded);
        }
        break;
    case StdinDecoder::Result::Start:
        g_in.started = true;
        vfs::wakeAll(g_gate);
        break;
    case StdinDecoder::Result::Signal:
        if (g_in.gated && !g_in.started) {
            // Before the application runs, a signal ends it as it ends a process that has
            // not changed its disposition (a stop signal included: nobody could continue it).
            if (!ignoredByDefault(decoded) && g_in.signalBeforeStart == 0) {
                g_in.signalBeforeStart = decoded;
                vfs::wakeAll(g_gate);
                if (g_signalBeforeStart != nullptr) {
                    g_signalBeforeStart();
                }
            }
            break;
        }
        // From the host (docker stop, Ctrl-C at uk run): for the first process, as a
        // container runtime signals the container's init.
        if (proc::Process* p = proc::first(); p != nullptr && !p->zombie) {
            signals::SigInfo info{};
            info.signo = decoded;
            info.code = 0; // SI_USER, from pid 0 (outside)
            signals::sendToProcess(p, decoded, info);
        }
        break;
    case StdinDecoder::Result::Nothing:
        break;
    }
}

} // namespace

void init(bool escapedInput) {
    g_in.decoder.setEscaped(escapedInput);
    arch::serial::enableInput(canAccept, onByte, nullptr);
    arch::controlWrite(image::kControlStdinReadyRecord);
    arch::controlWrite("\n");
}

void onSignalBeforeStart(void (*fn)()) {
    g_signalBeforeStart = fn;
}

void closeStartGate() {
    g_in.gated = true;
}

int waitAtStartGate(const char** words) {
    bool wereEnabled = arch::interruptsEnabled();
    arch::disableInterrupts();
    // The receive interrupt opens the gate; the CPU halts meanwhile.
    while (!g_in.started && g_in.signalBeforeStart == 0) {
        vfs::waitOn(g_gate);
    }
    int sig = g_in.started ? 0 : g_in.signalBeforeStart;
    g_in.gated = false;
    *words = g_in.startText;
    if (wereEnabled) {
        arch::enableInterrupts();
    }
    return sig;
}

void write(const char* data, size_t size) {
    arch::serial::write(data, size);
}

long read(char* out, size_t size, bool nonBlocking) {
    if (size == 0) {
        return 0;
    }
    bool wereEnabled = arch::interruptsEnabled();
    arch::disableInterrupts();
    long result;
    for (;;) {
        if (g_in.count > 0) {
            size_t n = 0;
            while (n < size && g_in.count > 0) {
                out[n++] = static_cast<char>(g_in.ring[g_in.head]);
                g_in.head = (g_in.head + 1) % kRingSize;
                --g_in.count;
            }
            if (g_in.paused) {
                g_in.paused = false;
                arch::serial::resumeInput();
            }
            result = static_cast<long>(n);
            break;
        }
        if (g_in.eof) {
            result = 0;
            break;
        }
        if (nonBlocking) {
            result = -EAGAIN;
            break;
        }
        // The receive interrupt wakes us; other threads run meanwhile.
        if (vfs::waitOn(g_readers) == vfs::WaitResult::Interrupted) {
            result = -vfs::kRestartSys; // EINTR, or a restart under SA_RESTART
            break;
        }
    }
    if (wereEnabled) {
        arch::enableInterrupts();
    }
    return result;
}

size_t buffered() {
    return g_in.count;
}

bool atEof() {
    return g_in.eof;
}

sched::WaitQueue& inputQueue() {
    return g_readers;
}

} // namespace uk::tty
