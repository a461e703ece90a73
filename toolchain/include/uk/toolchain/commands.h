// Command-line front ends of the toolchain library, called by the `uk` dispatcher.
#pragma once

#include <string>
#include <vector>

namespace uk::toolchain {

// `uk build SRC... -o IMAGE [options]`. `args` excludes "uk" and "build". Returns the exit
// status; prints errors as "uk build: error: ..." on stderr.
int buildCommand(const std::vector<std::string>& args);

} // namespace uk::toolchain
