#include <uk/arch/apic.h>
#include <uk/arch/cpu.h>
#include <uk/arch/cpu_setup.h>
#include <uk/arch/devices.h>
#include <uk/arch/trap.h>

namespace uk::arch::serial {

namespace {
constexpr uint16_t kBase = 0x3f8;
constexpr uint16_t kData = kBase + 0;
constexpr uint16_t kIer = kBase + 1;
constexpr uint16_t kFcr = kBase + 2;
constexpr uint16_t kLcr = kBase + 3;
constexpr uint16_t kMcr = kBase + 4;
constexpr uint16_t kLsr = kBase + 5;
constexpr uint8_t kLsrDataReady = 1u << 0;
constexpr uint8_t kLsrThrEmpty = 1u << 5;
constexpr uint8_t kLsrTransmitterEmpty = 1u << 6;
constexpr uint8_t kIrq = 4;

bool g_present = false;
// Bytes received before the FIFO was switched on: enabling it flushes the receiver, so
// init() takes them out first and input delivery starts with them. A byte that arrives
// between that and the switch would still be lost, which is why the host waits for the
// guest's "stdin-ready" control record before it sends anything (uk/image_format.h).
uint8_t g_early[16];
size_t g_earlyCount = 0;
size_t g_earlyNext = 0;
bool (*g_canAccept)(void*) = nullptr;
void (*g_onByte)(uint8_t, void*) = nullptr;
void* g_ctx = nullptr;

void drainInput() {
    while (g_earlyNext < g_earlyCount) {
        if (!g_canAccept(g_ctx)) {
            outb(kIer, 0x00);
            return;
        }
        g_onByte(g_early[g_earlyNext++], g_ctx);
    }
    // Drain the receive FIFO while the consumer has room. When it has none, stop the
    // receive interrupt: the bytes wait in the UART, and QEMU stops reading its input until
    // resumeInput(). That is the backpressure that keeps piped input lossless.
    while (inb(kLsr) & kLsrDataReady) {
        if (!g_canAccept(g_ctx)) {
            outb(kIer, 0x00);
            return;
        }
        g_onByte(inb(kData), g_ctx);
    }
}
} // namespace

void init() {
    // A missing UART reads back all ones.
    if (inb(kLsr) == 0xff) {
        g_present = false;
        return;
    }
    outb(kIer, 0x00);
    outb(kLcr, 0x80); // DLAB: set divisor 1 (115200 baud)
    outb(kData, 0x01);
    outb(kIer, 0x00);
    outb(kLcr, 0x03); // 8 data bits, no parity, one stop bit
    while ((inb(kLsr) & kLsrDataReady) && g_earlyCount < sizeof g_early) {
        g_early[g_earlyCount++] = inb(kData);
    }
    outb(kFcr, 0xc7); // enable and clear FIFOs, 14-byte receive threshold
    outb(kMcr, 0x0b); // DTR, RTS, OUT2 (routes the interrupt line)
    g_present = true;
}

bool present() {
    return g_present;
}

void write(const char* data, size_t size) {
    if (!g_present) {
        return;
    }
    for (size_t i = 0; i < size; ++i) {
        while (!(inb(kLsr) & kLsrThrEmpty)) {
            pause();
        }
        outb(kData, static_cast<uint8_t>(data[i]));
    }
}

void flush() {
    if (!g_present) {
        return;
    }
    while (!(inb(kLsr) & kLsrTransmitterEmpty)) {
        pause();
    }
}

void enableInput(bool (*canAccept)(void*), void (*onByte)(uint8_t, void*), void* ctx) {
    if (!g_present) {
        return;
    }
    g_canAccept = canAccept;
    g_onByte = onByte;
    g_ctx = ctx;
    setInterruptHandler(
        kIrqBase + kIrq, [](TrapFrame&, void*) { drainInput(); }, nullptr);
    apic::routeIsaIrq(kIrq, kIrqBase + kIrq);
    resumeInput();
}

void resumeInput() {
    if (!g_present || g_onByte == nullptr) {
        return;
    }
    outb(kIer, 0x01); // received-data-available interrupt
    drainInput();     // bytes that arrived while it was off
}

} // namespace uk::arch::serial
