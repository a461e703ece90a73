// Small text helpers for the host tools.
#pragma once

#include <string_view>
#include <vector>

namespace uk::text {

// The lines of `text` without their "\n" (or "\r\n"); a final line without a newline counts.
std::vector<std::string_view> splitLines(std::string_view text);

} // namespace uk::text
