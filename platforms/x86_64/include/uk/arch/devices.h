// Small platform devices: the 16550 serial console, the exit devices, the PIT and the
// TSC clock source.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace uk::arch {

namespace serial {
// COM1 at I/O port 0x3f8. Output is polled; input arrives by interrupt (ISA IRQ 4).
void init();
bool present();
void write(const char* data, size_t size);
// Waits until the UART has handed every byte written to the host (its transmitter is empty:
// QEMU sets that only once its character device took the byte).
void flush();
// Delivers received bytes from the interrupt handler. When canAccept() says no, input stops
// (the bytes stay queued on the host side) until resumeInput().
void enableInput(bool (*canAccept)(void* ctx), void (*onByte)(uint8_t byte, void* ctx), void* ctx);
void resumeInput();
} // namespace serial

// Reports the application's exit status to the host (control channel, then isa-debug-exit)
// and stops the machine. The console's output is all with the host before the record is
// written.
[[noreturn]] void exitVm(int status);
// Reports a library OS failure ("panic" record) and stops the machine.
[[noreturn]] void panicVm();
// Writes a record on the control channel (see uk/image_format.h).
void controlWrite(const char* text);

struct TscInfo {
    uint64_t hz = 0;
    const char* source = "none"; // how the frequency was obtained, for the boot log
    uint64_t calibrationNs = 0;  // time spent measuring (0 when read from CPUID)
};
// Finds the TSC frequency: CPUID leaves 0x40000010 or 0x15, kvmclock, the host's own
// measurement (`hostHintHz`, from uk.tsc_hz; checked against the PIT), or a short
// measurement against the PIT. hz == 0 if nothing works.
TscInfo discoverTscFrequency(uint64_t hostHintHz);

// Wall-clock time from the KVM paravirtual clock or the CMOS RTC, in ns since the epoch;
// 0 when neither is available.
uint64_t readKvmWallClockNs();
uint64_t readCmosWallClockNs();

} // namespace uk::arch
