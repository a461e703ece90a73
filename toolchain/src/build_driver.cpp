#include <uk/support/fs.h>
#include <uk/support/shell.h>
#include <uk/support/subprocess.h>
#include <uk/toolchain/build_driver.h>
#include <uk/toolchain/command_lines.h>
#include <uk/toolchain/command_runner.h>
#include <uk/toolchain/depfile.h>
#include <uk/toolchain/elf_object.h>
#include <uk/toolchain/image_compressor.h>
#include <uk/toolchain/image_config.h>
#include <uk/toolchain/syscall_scan.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "build_steps.h"

namespace uk::toolchain {

namespace stdfs = std::filesystem;

namespace {

unsigned defaultJobs() {
    return std::max(1u, std::thread::hardware_concurrency());
}

ImageConfig imageConfigOf(const BuildOptions& options) {
    ImageConfig config = options.image;
    if (config.entrypoint.empty()) {
        config.entrypoint = {defaultImageName(options.output)};
    }
    return config;
}

} // namespace

BuildDriver::BuildDriver(Toolchain toolchain, BuildOptions options)
    : toolchain_(std::move(toolchain)), options_(std::move(options)) {}

void BuildDriver::checkInputs() const {
    std::error_code ec;
    if (stdfs::is_directory(options_.output, ec)) {
        throw Error(options_.output.string() + ": Is a directory");
    }
    for (const auto& input : options_.inputs) {
        struct stat st;
        if (::stat(input.c_str(), &st) != 0) {
            throwErrno(input.string());
        }
        if (S_ISDIR(st.st_mode)) {
            throw Error(input.string() + ": Is a directory");
        }
        if (!inputKindOf(input)) {
            throw Error(input.string() + ": unknown file type");
        }
    }
}

void BuildDriver::run() {
    if (options_.inputs.empty() || options_.output.empty()) {
        throw Error("internal error: a build needs inputs and an output");
    }
    checkInputs();
    const bool cxx = needsCxxRuntime(options_);
    toolchain_.validate(cxx);
    fs::PendingOutput output(options_.output);
    fs::TempDir temp("uk-build");

    std::vector<CompileStep> compiles;
    LinkStep link{.output = output.path(), .cxx = cxx};
    planSteps(temp.path(), compiles, link);
    compile(compiles);
    link.configObject = writeConfigObject(temp.path());
    runStep({linkCommand(toolchain_, options_, link)});
    // Linked with every system call handler; then again with only those the program can
    // make, when they can all be found.
    std::optional<SyscallScan> scan = scanImage(output.path());
    if (scan && !options_.allSyscalls) {
        std::string why;
        link.syscalls = syscallsToLink(*scan, &why);
        if (options_.verbose) {
            std::fprintf(stderr, "# linking %s\n", why.c_str());
        }
        if (link.syscalls) {
            runStep({linkCommand(toolchain_, options_, link)});
        }
    }
    if (options_.strip) {
        runStep({stripCommand(toolchain_, output.path())});
        if (options_.compress) {
            compress(output.path());
        }
    }
    if (options_.depfile) {
        writeDepfile(compiles);
    }
    output.commit();
}

void BuildDriver::planSteps(const stdfs::path& tempDir, std::vector<CompileStep>& compiles,
                            LinkStep& link) const {
    // Sources compile into the temporary directory; objects and archives given on the
    // command line are linked in place, keeping the command line's order.
    for (size_t i = 0; i < options_.inputs.size(); ++i) {
        const stdfs::path& input = options_.inputs[i];
        InputKind kind = *inputKindOf(input);
        if (!isSource(kind)) {
            link.inputs.push_back(input);
            continue;
        }
        // The index keeps a.c and lib/a.c apart.
        std::string base = std::to_string(i) + "-" + input.stem().string();
        CompileStep step{.source = input, .kind = kind, .object = tempDir / (base + ".o")};
        if (options_.depfile) {
            step.depfile = tempDir / (base + ".d");
        }
        link.inputs.push_back(step.object);
        compiles.push_back(std::move(step));
    }
}

RunSettings BuildDriver::runSettings() const {
    return RunSettings{.jobs = options_.jobs != 0 ? options_.jobs : defaultJobs(),
                       .verbose = options_.verbose,
                       .cancelled = cancelled_};
}

void BuildDriver::compile(std::vector<CompileStep>& compiles) const {
    // Side by side, clang writes into a pipe and would drop its colors.
    const bool parallel = runSettings().jobs > 1 && compiles.size() > 1;
    std::vector<std::vector<std::string>> commands;
    for (auto& step : compiles) {
        step.colorDiagnostics = parallel && ::isatty(STDERR_FILENO);
        commands.push_back(compileCommand(toolchain_, options_, step));
    }
    runStep(commands);
}

void BuildDriver::runStep(const std::vector<std::vector<std::string>>& commands) const {
    if (auto failure = runCommands(commands, runSettings())) {
        throw toolFailed(commands[failure->index], failure->exit);
    }
    if (cancelled_()) {
        throw BuildCancelled();
    }
}

stdfs::path BuildDriver::writeConfigObject(const stdfs::path& tempDir) const {
    // Not "uk-libos.o": the linker script tells the library OS's sections by that name.
    stdfs::path object = tempDir / "uk-config.o";
    const std::string blob = ImageConfigWriter::encode(imageConfigOf(options_));
    fs::writeFileAtomic(object, makeDataObject(image::kConfigSection, blob));
    if (options_.verbose) {
        std::fprintf(stderr, "# %s: %s section, %zu bytes\n", object.c_str(), image::kConfigSection,
                     blob.size());
    }
    return object;
}

std::optional<SyscallScan> BuildDriver::scanImage(const stdfs::path& image) const {
    const auto command = disassembleCommand(toolchain_, image);
    if (options_.verbose) {
        std::fprintf(stderr, "%s\n", shell::join(command).c_str());
    }
    proc::Captured dis = proc::capture(command);
    if (dis.exit.shellStatus() != 0) {
        // Only a report: the image is fine without it.
        std::fprintf(stderr, "uk build: warning: could not list the program's system calls "
                             "(llvm-objdump failed); linking all of them\n");
        return std::nullopt;
    }
    SyscallScan scan = scanSyscalls(dis.out);
    SyscallReport report = toolchain::reportSyscalls(scan);
    if (!report.warning.empty()) {
        std::fprintf(stderr, "uk build: warning: %s\n", report.warning.c_str());
    }
    if (options_.verbose) {
        std::fprintf(stderr, "# %s\n", report.details.c_str());
    }
    return scan;
}

void BuildDriver::compress(const stdfs::path& image) const {
    std::string linked = fs::readFile(image);
    CompressedImage packed;
    try {
        packed = compressImage(linked);
    } catch (const Error& e) {
        throw Error("cannot compress " + options_.output.string() + ": " + e.what());
    }
    if (packed.bytes.size() >= linked.size()) {
        return; // nothing gained: keep it as linked
    }
    fs::writeFileAtomic(image, packed.bytes, /*executable=*/true);
    if (options_.verbose) {
        std::fprintf(stderr, "# compressed: %zu -> %zu bytes, payload at %#llx\n", linked.size(),
                     packed.bytes.size(), static_cast<unsigned long long>(packed.payloadPhys));
    }
}

void BuildDriver::writeDepfile(const std::vector<CompileStep>& compiles) const {
    std::vector<std::string> depfiles;
    for (const auto& step : compiles) {
        depfiles.push_back(fs::readFile(*step.depfile));
    }
    std::vector<stdfs::path> prebuilt;
    for (const auto& input : options_.inputs) {
        if (!isSource(*inputKindOf(input))) {
            prebuilt.push_back(input);
        }
    }
    fs::writeFileAtomic(*options_.depfile, mergeDepfiles(options_.output, depfiles, prebuilt));
}

} // namespace uk::toolchain
