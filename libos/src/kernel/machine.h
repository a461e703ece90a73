// Facts about the virtual machine, read at boot, for /proc, sysinfo and sched_getaffinity.
#pragma once

namespace uk::machine {

// vCPUs the VM has (from the ACPI MADT; 1 without ACPI). The library OS runs application
// threads on the first one for now.
int cpuCount();
void setCpuCount(int n);

} // namespace uk::machine
