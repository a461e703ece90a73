#include <uk/toolchain/command_output.h>

#include <uk/support/text.h>

#include <cstdio>

namespace uk::toolchain {

void printCommandError(std::string_view command, std::string_view message) {
    for (std::string_view line : text::splitLines(message)) {
        std::fprintf(stderr, "uk %.*s: error: %.*s\n", static_cast<int>(command.size()),
                     command.data(), static_cast<int>(line.size()), line.data());
    }
}

} // namespace uk::toolchain
