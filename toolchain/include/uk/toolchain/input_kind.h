// What `uk build` does with each input file, decided by its file name extension.
#pragma once

#include <filesystem>
#include <optional>

namespace uk::toolchain {

enum class InputKind {
    CSource,   // .c
    CxxSource, // .cc .cpp .cxx .C .c++
    Object,    // .o: linked as given
    Archive,   // .a: linked as given
};

// The kind of `path`, or nullopt when uk build does not know what to do with it.
std::optional<InputKind> inputKindOf(const std::filesystem::path& path);

inline bool isSource(InputKind kind) {
    return kind == InputKind::CSource || kind == InputKind::CxxSource;
}

} // namespace uk::toolchain
