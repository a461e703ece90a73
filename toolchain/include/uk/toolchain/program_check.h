// Checks, before anything is written, that an image made from a directory tree can start:
// the program exists in the tree and is an x86_64 Linux executable whose dynamic loader is
// there too, and the working directory exists.
#pragma once

#include <filesystem>
#include <string_view>

namespace uk::toolchain {

// `program` (absolute inside `root`, symlinks followed as the guest will) must be a regular,
// executable ELF64 x86_64 file of type ET_EXEC or ET_DYN; if it names a dynamic loader
// (PT_INTERP), that must be in the tree as well. Throws uk::Error saying what is wrong.
void checkProgram(const std::filesystem::path& root, std::string_view program);

// `dir` (absolute) must be a directory inside `root`. Throws uk::Error otherwise.
void checkWorkingDir(const std::filesystem::path& root, std::string_view dir);

} // namespace uk::toolchain
