// Pieces `uk build` and `uk pack` share: the message for a tool that failed. (The output
// that appears only when everything succeeded is uk::fs::PendingOutput.)
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <uk/support/subprocess.h>
#include <uk/toolchain/errors.h>

namespace uk::toolchain {

// "ld.lld failed with exit status 1", "clang was killed by signal 9 (Killed)".
ToolFailed toolFailed(const std::vector<std::string>& argv, const proc::Exit& exit);

} // namespace uk::toolchain
