// Writes tiny ELF relocatable objects in process, so embedding data in an image (the
// `.uk.config` blob, the `.uk.initrd` root file system) costs neither a compiler nor an
// objcopy run.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace uk::toolchain {

// An x86_64 ELF relocatable object holding `contents` in one allocated, read-only data
// section named `sectionName` (aligned to `alignment` bytes, a power of two), plus an empty
// .note.GNU-stack so the object never asks for an executable stack. It defines no symbols:
// a linker script places the section by name.
std::string makeDataObject(std::string_view sectionName, std::string_view contents,
                           unsigned alignment = 8);

// The same object for contents that are streamed rather than held in memory: everything
// that precedes the section's `contentSize` bytes, which come last in the file. Append
// exactly that many bytes to get the object makeDataObject would return.
std::string dataObjectPrefix(std::string_view sectionName, uint64_t contentSize,
                             unsigned alignment = 8);

} // namespace uk::toolchain
