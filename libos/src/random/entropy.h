// The library OS's random generator and where its seed came from.
#pragma once

#include "chacha20.h"

namespace uk {
class CommandLine;
}

namespace uk::random {

ChaChaRng& rng();

// Seeds from RDRAND (when the CPU has it), the host seed on the command line (uk.seed) and
// TSC jitter. Returns a description of the sources for the boot log; warns on the console
// when only TSC jitter was available.
const char* seedAtBoot(const CommandLine& cmdline);

} // namespace uk::random
