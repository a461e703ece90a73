// Command-line front ends of the loader library, called by the `uk` dispatcher.
#pragma once

#include <string>
#include <vector>

namespace uk::loader {

// `uk run IMAGE [options] [-- ARGS...]`. `args` excludes "uk" and "run". Returns the exit
// status: the application's, or 125 for problems of uk or QEMU (as `docker run` does).
int runCommand(const std::vector<std::string>& args);

} // namespace uk::loader
