// Helpers for tests of code that reports problems by throwing uk::Error.
#pragma once

#include <string>

#include <uk/support/error.h>

namespace uk::test {

// What `action` threw as uk::Error, or "(no error)".
inline std::string errorOf(auto&& action) {
    try {
        action();
    } catch (const uk::Error& e) {
        return e.what();
    }
    return "(no error)";
}

inline bool mentions(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace uk::test
