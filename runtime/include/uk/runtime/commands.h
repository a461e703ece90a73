// The `uk-runtime` command: runc's command line over the runtime library.
#pragma once

#include <string>
#include <vector>

namespace uk::runtime {

// `argv` is the whole command line, argv[0] included (bundles that are not uk's are handed
// to runc with the same words). Returns the exit status: 0, 1 when the command failed (the
// message is on stderr and in --log), 2 for usage errors.
int runtimeMain(const std::vector<std::string>& argv);

} // namespace uk::runtime
