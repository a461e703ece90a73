#include <uk/toolchain/input_kind.h>

#include <string>

namespace uk::toolchain {

std::optional<InputKind> inputKindOf(const std::filesystem::path& path) {
    // Case matters: ".C" is C++ (as for clang and gcc), ".c" is C.
    const std::string ext = path.extension().string();
    if (ext == ".c") {
        return InputKind::CSource;
    }
    if (ext == ".cc" || ext == ".cpp" || ext == ".cxx" || ext == ".C" || ext == ".c++") {
        return InputKind::CxxSource;
    }
    if (ext == ".o") {
        return InputKind::Object;
    }
    if (ext == ".a") {
        return InputKind::Archive;
    }
    return std::nullopt;
}

} // namespace uk::toolchain
