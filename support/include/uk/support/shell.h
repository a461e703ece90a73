// Quoting for command lines shown to users (and kept by them as scripts).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace uk::shell {

// Quotes `word` for a POSIX shell, only when needed.
std::string quote(std::string_view word);
// Joins words into one shell command line.
std::string join(const std::vector<std::string>& words);

} // namespace uk::shell
