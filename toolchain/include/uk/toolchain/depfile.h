// Make-style dependency files ("target: dep dep ..."), which Ninja and Make read to rebuild
// an image when a header it includes changes.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace uk::toolchain {

// `path` escaped for a Make rule (spaces, '#', '$').
std::string escapeForMake(std::string_view path);

// One depfile naming `target`, depending on what each clang depfile in `compilerDepfiles`
// lists (each written with `-MT kDepfileTarget`) and on `extraDependencies`. Throws
// uk::Error when a compiler depfile does not start with that target.
std::string mergeDepfiles(const std::filesystem::path& target,
                          const std::vector<std::string>& compilerDepfiles,
                          const std::vector<std::filesystem::path>& extraDependencies);

} // namespace uk::toolchain
