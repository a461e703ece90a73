#include <uk/support/fs.h>
#include <uk/toolchain/command_lines.h>
#include <uk/toolchain/command_runner.h>
#include <uk/toolchain/elf_object.h>
#include <uk/toolchain/rootfs_image.h>

#include <fcntl.h>
#include <unistd.h>

#include "build_steps.h"

namespace uk::toolchain {

namespace {
// What cpio newc needs; the linker script starts the output section on a page boundary, and
// a larger alignment would put padding between __uk_initrd_start and the archive.
constexpr unsigned kArchiveAlignment = 4;
} // namespace

void writeInitrdObject(const std::filesystem::path& object, uint64_t archiveSize,
                       const std::function<void(ByteSink&)>& writeArchive) {
    int fd = ::open(object.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        throwErrno("cannot write " + object.string());
    }
    try {
        FileSink sink(fd, object);
        sink.write(dataObjectPrefix(image::kInitrdSection, archiveSize, kArchiveAlignment));
        const uint64_t start = sink.written();
        writeArchive(sink);
        sink.flush();
        if (sink.written() - start != archiveSize) {
            throw Error("internal error: the root file system archive is " +
                        std::to_string(sink.written() - start) + " bytes, not the " +
                        std::to_string(archiveSize) + " planned");
        }
    } catch (...) {
        ::close(fd);
        throw;
    }
    // Late write errors (a full disk on NFS, say) show up only here.
    if (::close(fd) != 0) {
        throwErrno("cannot write " + object.string());
    }
}

void linkRootfsImage(const Toolchain& toolchain, const RootfsImageLink& link) {
    toolchain.validateForPack();
    fs::PendingOutput output(link.output);
    fs::TempDir temp("uk-link");
    ImageConfig config = link.config;
    if (config.workingDir.empty()) {
        config.workingDir = "/";
    }
    // Not "uk-libos.o": the linker script tells the library OS's sections by that name.
    PackLinkStep step{.configObject = temp.path() / "uk-config.o",
                      .initrdObject = link.initrdObject,
                      .output = output.path()};
    fs::writeFileAtomic(step.configObject,
                        makeDataObject(image::kConfigSection, ImageConfigWriter::encode(config)));
    const std::vector<std::vector<std::string>> commands = {packLinkCommand(toolchain, step)};
    const RunSettings settings{.jobs = 1, .verbose = link.verbose, .cancelled = link.cancelled};
    if (auto failure = runCommands(commands, settings)) {
        throw toolFailed(commands[failure->index], failure->exit);
    }
    if (link.cancelled()) {
        throw BuildCancelled();
    }
    output.commit();
}

} // namespace uk::toolchain
