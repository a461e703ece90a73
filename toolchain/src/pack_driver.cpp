#include <uk/support/fs.h>
#include <uk/toolchain/command_lines.h>
#include <uk/toolchain/command_runner.h>
#include <uk/toolchain/elf_object.h>
#include <uk/toolchain/image_config.h>
#include <uk/toolchain/pack_driver.h>
#include <uk/toolchain/program_check.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "build_steps.h"

namespace uk::toolchain {

namespace stdfs = std::filesystem;

namespace {

// The image may be written inside the tree it packs (`uk pack . -o app.img`): the file
// being written, and the image it replaces, are left out of the archive.
std::vector<std::pair<dev_t, ino_t>> filesToLeaveOut(const stdfs::path& pending,
                                                     const stdfs::path& output) {
    std::vector<std::pair<dev_t, ino_t>> files;
    for (const auto& path : {pending, output}) {
        struct stat st;
        if (::stat(path.c_str(), &st) == 0) {
            files.emplace_back(st.st_dev, st.st_ino);
        }
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
    PendingOutput output(options_.output);

    TreePacker::Options packing{
        .exclude = filesToLeaveOut(output.path(), options_.output),
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
    PackLinkStep step{.configObject = writeConfigObject(temp.path()),
                      .initrdObject = temp.path() / "uk-initrd.o",
                      .output = output.path()};
    writeInitrdObject(packer, step.initrdObject);
    if (cancelled_()) {
        throw BuildCancelled();
    }
    report(PackProgress::Phase::Linking, packer.archiveSize(), packer.archiveSize());
    link(step);
    output.commit();
}

stdfs::path PackDriver::writeConfigObject(const stdfs::path& tempDir) const {
    // Not "uk-libos.o": the linker script tells the library OS's sections by that name.
    stdfs::path object = tempDir / "uk-config.o";
    ImageConfig config = options_.image;
    if (config.workingDir.empty()) {
        config.workingDir = "/";
    }
    const std::string blob = ImageConfigWriter::encode(config);
    fs::writeFileAtomic(object, makeDataObject(image::kConfigSection, blob));
    if (options_.verbose) {
        std::fprintf(stderr, "# %s: %s section, %zu bytes\n", object.c_str(), image::kConfigSection,
                     blob.size());
    }
    return object;
}

void PackDriver::writeInitrdObject(const TreePacker& packer, const stdfs::path& object) const {
    int fd = ::open(object.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        throwErrno("cannot write " + object.string());
    }
    try {
        FileSink sink(fd, object);
        sink.write(dataObjectPrefix(kInitrdSection, packer.archiveSize(), kInitrdAlignment));
        packer.write(sink);
        sink.flush();
    } catch (...) {
        ::close(fd);
        throw;
    }
    // Late write errors (a full disk on NFS, say) show up only here.
    if (::close(fd) != 0) {
        throwErrno("cannot write " + object.string());
    }
    if (options_.verbose) {
        std::fprintf(stderr, "# %s: %s section, %llu bytes\n", object.c_str(), kInitrdSection,
                     static_cast<unsigned long long>(packer.archiveSize()));
    }
}

void PackDriver::link(const PackLinkStep& step) const {
    const std::vector<std::vector<std::string>> commands = {packLinkCommand(toolchain_, step)};
    const RunSettings settings{.jobs = 1, .verbose = options_.verbose, .cancelled = cancelled_};
    if (auto failure = runCommands(commands, settings)) {
        throw toolFailed(commands[failure->index], failure->exit);
    }
    if (cancelled_()) {
        throw BuildCancelled();
    }
}

void PackDriver::report(PackProgress::Phase phase, uint64_t done, uint64_t total) const {
    if (progress_) {
        progress_(PackProgress{.phase = phase, .done = done, .total = total});
    }
}

} // namespace uk::toolchain
