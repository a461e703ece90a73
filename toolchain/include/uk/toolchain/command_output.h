// How the toolchain's commands report errors: "uk <command>: error: ..." on stderr, one
// prefix per line of the message.
#pragma once

#include <string_view>

namespace uk::toolchain {

void printCommandError(std::string_view command, std::string_view message);

} // namespace uk::toolchain
