// Packs one image from a directory tree (`uk pack`): the library OS, no application, the tree
// as a cpio archive in the image's `.uk.initrd` section, and the program to start, its
// arguments, environment and working directory in `.uk.config`. The archive streams from the
// tree into an object file on disk and the linker copies it into the image, so no copy of
// the tree is ever held in memory. The output is replaced only when all of that succeeded.
#pragma once

#include <cstdint>
#include <functional>

#include <uk/image_format.h>
#include <uk/toolchain/command_lines.h>
#include <uk/toolchain/errors.h>
#include <uk/toolchain/pack_options.h>
#include <uk/toolchain/toolchain.h>
#include <uk/toolchain/tree_packer.h>

namespace uk::toolchain {

// The section (image::kInitrdSection) the linker script (platforms/x86_64/uk.ld) places on
// whole pages between __uk_initrd_start and __uk_initrd_end.
using image::kInitrdSection;

struct PackProgress {
    enum class Phase { Archiving, Linking };
    Phase phase = Phase::Archiving;
    uint64_t done = 0;  // archive bytes written
    uint64_t total = 0; // the archive's size
};

class PackDriver {
public:
    PackDriver(Toolchain toolchain, PackOptions options);

    // Checked between steps and between archive entries: true stops packing, which then
    // throws BuildCancelled once its temporary files are gone.
    void setCancelled(std::function<bool()> cancelled) { cancelled_ = std::move(cancelled); }
    void setProgress(std::function<void(const PackProgress&)> progress) {
        progress_ = std::move(progress);
    }

    // Throws uk::Error (a missing or unsuitable DIR, program or working directory, a file
    // that cannot be packed, a missing toolchain file), ToolFailed or BuildCancelled; in
    // each case no output file is created or changed.
    void run();

    // What the archive held; valid after run().
    const TreeStats& stats() const { return stats_; }

private:
    void checkInputs() const;
    void report(PackProgress::Phase phase, uint64_t done, uint64_t total) const;

    Toolchain toolchain_;
    PackOptions options_;
    std::function<bool()> cancelled_ = [] { return false; };
    std::function<void(const PackProgress&)> progress_;
    TreeStats stats_;
};

} // namespace uk::toolchain
