// Walks a command's argument list, for the option parsers of `uk build` and `uk pack`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <uk/toolchain/errors.h>

namespace uk::toolchain {

// Walks the argument list; an option's value may be joined ("-Ifoo", "--name=foo") or be
// the next argument ("-I foo", "--name foo").
class ArgumentCursor {
public:
    explicit ArgumentCursor(const std::vector<std::string>& args) : args_(args) {}

    bool done() const { return index_ >= args_.size(); }
    const std::string& next() { return args_[index_++]; }

    // For a flag like "-I": the value of `arg`, which starts with `flag`.
    std::string valueOf(std::string_view flag, const std::string& arg) {
        if (arg.size() > flag.size()) {
            return arg.substr(flag.size());
        }
        return separateValue(flag);
    }

    // For a long option like "--name": "--name=V" or "--name V". nullopt if `arg` is
    // some other option.
    std::optional<std::string> longValueOf(std::string_view option, const std::string& arg) {
        if (arg == option) {
            return separateValue(option);
        }
        if (arg.size() > option.size() && arg.starts_with(option) && arg[option.size()] == '=') {
            return arg.substr(option.size() + 1);
        }
        return std::nullopt;
    }

private:
    std::string separateValue(std::string_view flag) {
        if (done()) {
            throw UsageError("option '" + std::string(flag) + "' needs a value");
        }
        return next();
    }

    const std::vector<std::string>& args_;
    size_t index_ = 0;
};

} // namespace uk::toolchain
