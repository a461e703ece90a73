#include <uk/support/error.h>
#include <uk/toolchain/command_lines.h>
#include <uk/toolchain/depfile.h>

namespace uk::toolchain {

std::string escapeForMake(std::string_view path) {
    std::string out;
    for (char c : path) {
        if (c == ' ' || c == '#') {
            out += '\\';
        } else if (c == '$') {
            out += '$';
        }
        out += c;
    }
    return out;
}

std::string mergeDepfiles(const std::filesystem::path& target,
                          const std::vector<std::string>& compilerDepfiles,
                          const std::vector<std::filesystem::path>& extraDependencies) {
    const std::string prefix = std::string(kDepfileTarget) + ":";
    std::string out = escapeForMake(target.string()) + ":";
    for (const auto& text : compilerDepfiles) {
        if (!text.starts_with(prefix)) {
            throw Error("unexpected compiler dependency file (it does not start with '" + prefix +
                        "')");
        }
        // The rest is clang's own escaped list, line continuations included: keep it as is.
        std::string_view deps = std::string_view(text).substr(prefix.size());
        while (!deps.empty() && (deps.back() == '\n' || deps.back() == ' ')) {
            deps.remove_suffix(1);
        }
        if (!deps.empty()) {
            out += " \\\n ";
            out += deps;
        }
    }
    for (const auto& dependency : extraDependencies) {
        out += " \\\n  " + escapeForMake(dependency.string());
    }
    out += "\n";
    return out;
}

} // namespace uk::toolchain
