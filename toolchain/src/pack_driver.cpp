#include <uk/support/fs.h>
#include <uk/toolchain/command_lines.h>
#include <uk/toolchain/command_runner.h>
#include <uk/toolchain/elf_object.h>
#include <uk/toolchain/image_config.h>
#include <uk/toolchain/pack_driver.h>
#include <uk/toolchain/program_check.h>
#include <uk/toolchain/rootfs_image.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "build_steps.h"

namespace uk::toolchain {

namespace stdfs = std::filesystem;

namespace {

// The image may be written inside the tree it packs (`uk pack . -o app.img`): the image it
// replaces is left out of the archive. (The new one is written after the tree is listed.)
std::vector<std::pair<dev_t, ino_t>> filesToLeaveOut(const stdfs::path& output) {
    std::vector<std::pair<dev_t, ino_t>> files;
    struct stat st;
    if (::stat(output.c_str(), &st) == 0) {
        files.emplace_back(st.st_dev, st.st_ino);
    }
    return files;
}

} // namespace

PackDriver::PackDriver(Toolchain toolchain, PackOptions options)
    : toolchain_(std::move(toolchain)), options_(std::move(options)) {}

void PackDriver::checkInputs() const {
    if (options_.dir.empty() || options_.output.empty() || options_.image.entrypoint.empty()) {
        throw Error("internal error: packing needs a directory, an output and a program");
    }
    std::error_code ec;
    if (stdfs::is_directory(options_.output, ec)) {
        throw Error(options_.output.string() + ": Is a directory");
    }
    checkTreeRoot(options_.dir);
    checkProgram(options_.dir, options_.image.entrypoint.front());
    checkWorkingDir(options_.dir,
                    options_.image.workingDir.empty() ? "/" : options_.image.workingDir);
}

void PackDriver::run() {
    checkInputs();
    toolchain_.validateForPack();

    TreePacker::Options packing{
        .exclude = filesToLeaveOut(options_.output),
        .progress = [this](uint64_t done,
                           uint64_t total) { report(PackProgress::Phase::Archiving, done, total); },
        .cancelled = cancelled_,
    };
    TreePacker packer(options_.dir, std::move(packing));
    stats_ = packer.stats();
    if (options_.verbose) {
        std::fprintf(stderr,
                     "# %s: %zu entries (%zu files, %zu directories, %zu symlinks, %zu hard "
                     "links, %zu special files), %llu bytes of data, a %llu-byte archive\n",
                     options_.dir.c_str(), stats_.entries, stats_.files, stats_.directories,
                     stats_.symlinks, stats_.hardLinks, stats_.special,
                     static_cast<unsigned long long>(stats_.dataBytes),
                     static_cast<unsigned long long>(packer.archiveSize()));
    }

    fs::TempDir temp("uk-pack");
    const stdfs::path initrd = temp.path() / "uk-initrd.o";
    writeInitrdObject(initrd, packer.archiveSize(),
                      [&packer](ByteSink& sink) { packer.write(sink); });
    if (options_.verbose) {
        std::fprintf(stderr, "# %s: %s section, %llu bytes\n", initrd.c_str(), kInitrdSection,
                     static_cast<unsigned long long>(packer.archiveSize()));
    }
    if (cancelled_()) {
        throw BuildCancelled();
    }
    report(PackProgress::Phase::Linking, packer.archiveSize(), packer.archiveSize());
    linkRootfsImage(toolchain_, RootfsImageLink{.initrdObject = initrd,
                                                .config = options_.image,
                                                .output = options_.output,
                                                .verbose = options_.verbose,
                                                .cancelled = cancelled_});
}

void PackDriver::report(PackProgress::Phase phase, uint64_t done, uint64_t total) const {
    if (progress_) {
        progress_(PackProgress{.phase = phase, .done = done, .total = total});
    }
}

} // namespace uk::toolchain
