// Paths inside a directory tree that becomes an image's root file system, looked up the way
// the guest will see them: symlinks are followed inside the tree, an absolute symlink target
// starts again at the tree's root, and ".." never climbs above it.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace uk::toolchain {

// `guestPath` (absolute, as the guest names it) resolved to a path relative to `root` with
// no symlinks in it; "" is the root itself. Throws uk::Error naming `guestPath` when a
// component is missing or not a directory, or symlinks nest deeper than Linux allows (40).
std::string resolveInTree(const std::filesystem::path& root, std::string_view guestPath);

} // namespace uk::toolchain
