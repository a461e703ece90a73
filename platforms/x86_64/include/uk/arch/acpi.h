// Just enough ACPI to learn the machine's shape: the number of vCPUs from the MADT.
#pragma once

#include <stdint.h>

namespace uk::arch::acpi {

// Makes `size` bytes of firmware memory at `phys` readable and returns where (nullptr if it
// cannot). ACPI tables live in reserved memory the direct map does not cover.
using MapFirmware = const void* (*)(uint64_t phys, uint64_t size);

// Reads the MADT through the RSDP the boot protocol gave (physical address; 0 = none) and
// returns the number of enabled processors (local APIC and x2APIC entries), or 1 without
// ACPI.
int countCpus(uint64_t rsdpPhys, MapFirmware map);

} // namespace uk::arch::acpi
