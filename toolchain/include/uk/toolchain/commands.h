// Command-line front ends of the toolchain library, called by the `uk` dispatcher.
#pragma once

#include <string>
#include <vector>

namespace uk::toolchain {

// `uk build SRC... -o IMAGE [options]`. `args` excludes "uk" and "build". Returns the exit
// status; prints errors as "uk build: error: ..." on stderr.
int buildCommand(const std::vector<std::string>& args);

// `uk pack DIR -o IMAGE [options] -- /PROGRAM [ARGS...]`. `args` excludes "uk" and "pack".
// Returns 0, 1 on failure (printed as "uk pack: error: ..."), 2 for usage errors.
int packCommand(const std::vector<std::string>& args);

} // namespace uk::toolchain
