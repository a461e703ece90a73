#include "machine.h"

namespace uk::machine {

namespace {
int g_cpus = 1;
}

int cpuCount() {
    return g_cpus;
}

void setCpuCount(int n) {
    g_cpus = n > 0 ? n : 1;
}

} // namespace uk::machine
