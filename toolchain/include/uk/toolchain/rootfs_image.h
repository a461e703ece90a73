// Images that run a program from their root file system (what `uk pack` and `uk convert`
// make): the library OS, a `.uk.config` section and a `.uk.initrd` object holding a cpio
// archive, linked into one image (docs/image-format.md, "Root file system").
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>

#include <uk/toolchain/byte_sink.h>
#include <uk/toolchain/image_config.h>
#include <uk/toolchain/toolchain.h>

namespace uk::toolchain {

// Writes `object`, a relocatable object whose `.uk.initrd` section holds exactly
// `archiveSize` bytes, which `writeArchive` writes to the sink it is given. The file is
// written in place; callers rename it where it must appear whole. Throws uk::Error.
void writeInitrdObject(const std::filesystem::path& object, uint64_t archiveSize,
                       const std::function<void(ByteSink&)>& writeArchive);

struct RootfsImageLink {
    std::filesystem::path initrdObject; // from writeInitrdObject
    ImageConfig config;                 // an empty workingDir means "/"
    std::filesystem::path output;       // replaced only when linking succeeded
    bool verbose = false;               // print the linker command
    std::function<bool()> cancelled = [] { return false; };
};

// Links the image. Throws ToolFailed (the linker printed why), BuildCancelled or uk::Error;
// the output is then left as it was.
void linkRootfsImage(const Toolchain& toolchain, const RootfsImageLink& link);

} // namespace uk::toolchain
