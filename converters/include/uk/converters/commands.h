// Command-line front ends of the converters library, called by the `uk` dispatcher.
#pragma once

#include <string>
#include <vector>

namespace uk::converters {

// `uk convert SOURCE -o OUTPUT [options]`. `args` excludes "uk" and "convert". Returns 0,
// 1 on failure (printed as "uk convert: error: ..."), 2 for usage errors.
int convertCommand(const std::vector<std::string>& args);

} // namespace uk::converters
