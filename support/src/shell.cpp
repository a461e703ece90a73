#include <uk/support/shell.h>

namespace uk::shell {

std::string quote(std::string_view word) {
    if (word.empty()) {
        return "''";
    }
    bool plain = true;
    for (char c : word) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.' || c == '/' || c == ',' || c == ':' ||
                  c == '=' || c == '+' || c == '@' || c == '%';
        plain = plain && ok;
    }
    if (plain) {
        return std::string(word);
    }
    std::string out = "'";
    for (char c : word) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    out += "'";
    return out;
}

std::string join(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) {
        if (!out.empty()) {
            out += ' ';
        }
        out += quote(w);
    }
    return out;
}

} // namespace uk::shell
