// Command-line front ends of the loader library, called by the `uk` dispatcher.
#pragma once

#include <string>
#include <vector>

namespace uk::loader {

// `uk run IMAGE [options] [-- ARGS...]`. `args` excludes "uk" and "run". Returns the exit
// status: the application's, or 125 for problems of uk or QEMU (as `docker run` does).
int runCommand(const std::vector<std::string>& args);

// `uk inspect IMAGE [--json] [--list]`: what an image holds (uk/loader/image_inspector.h).
// Returns 0, 1 when the image is missing, not a uk image or corrupt, 2 for usage errors.
int inspectCommand(const std::vector<std::string>& args);
// Its --help text.
std::string inspectUsage();

} // namespace uk::loader
