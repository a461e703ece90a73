// Errors the host tools report to the user. A uk::Error carries a message that names the
// input and the problem; command front ends print it and exit non-zero.
#pragma once

#include <stdexcept>
#include <string>

namespace uk {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// "<what>: <strerror(errno)>" as an Error.
[[noreturn]] void throwErrno(const std::string& what);

} // namespace uk
