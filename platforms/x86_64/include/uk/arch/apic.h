// Local APIC (xAPIC, memory mapped) with its timer, and the I/O APIC for ISA interrupts.
#pragma once

#include <stdint.h>

namespace uk::arch::apic {

inline constexpr uint64_t kLocalApicPhys = 0xfee00000;
inline constexpr uint64_t kIoApicPhys = 0xfec00000;

// Enables the local APIC at its (already mapped) virtual address and picks the timer mode:
// TSC-deadline when the CPU has it, otherwise one-shot counting calibrated against the TSC.
void init(uint64_t localApicVirt, uint64_t tscHz);
bool ready();
void endOfInterrupt();

// Arms the timer to fire kTimerVector once the TSC reaches `deadline` (or at once if it
// has passed). A later call replaces the earlier deadline.
void armTimer(uint64_t deadlineTsc);
void cancelTimer();
const char* timerMode();

// Routes ISA interrupt `irq` (no overrides: the ISA identity mapping) to `vector` on this
// CPU, edge triggered. Needs the I/O APIC mapped at ioApicVirt.
void initIoApic(uint64_t ioApicVirt);
void routeIsaIrq(uint8_t irq, uint8_t vector);
// Routes I/O APIC input `pin` to `vector` on this CPU, level triggered, for PCI INTx lines:
// the handler must quiet the device before the end of interrupt, or it fires again. Active
// high, as QEMU's ACPI tables describe its PCI lines (pc's LNKA-D, q35's GSIA-H); QEMU
// raises such a line by driving it to 1.
void routeLevelIrq(uint8_t pin, uint8_t vector);

} // namespace uk::arch::apic
