// `uk convert`: a thin command-line front end over ImageConverter.
#include <uk/converters/commands.h>
#include <uk/converters/convert_options.h>
#include <uk/converters/image_converter.h>
#include <uk/support/fs.h>
#include <uk/toolchain/command_output.h>
#include <uk/toolchain/deferred_signals.h>
#include <uk/toolchain/errors.h>
#include <uk/toolchain/terminal_progress.h>
#include <uk/toolchain/toolchain.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace uk::converters {

namespace {

using nlohmann::json;

std::string megabytes(uint64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
    return buf;
}

// Shows the converter's phases on a terminal line. The reading phase's total (the layers'
// size) decides, for every phase, whether the work is long enough to show.
class ConvertProgressLine {
public:
    explicit ConvertProgressLine(bool enabled) : line_("uk convert", enabled) {}

    void update(const ConvertProgress& p) {
        switch (p.phase) {
        case ConvertProgress::Phase::Exporting: // the size is not known yet: always worth it
            line_.show("exporting the image from the Docker daemon", 0, 0,
                       toolchain::TerminalProgress::kMinimumBytes);
            break;
        case ConvertProgress::Phase::Reading:
            size_ = p.total;
            line_.show("reading layers", p.done, p.total, size_);
            break;
        case ConvertProgress::Phase::Writing:
            line_.show("writing the root file system", p.done, p.total, size_);
            break;
        case ConvertProgress::Phase::Linking:
            line_.show("linking", 0, 0, size_);
            break;
        }
    }
    void clear() { line_.clear(); }

private:
    toolchain::TerminalProgress line_;
    uint64_t size_ = 0;
};

json summaryJson(const ConvertSummary& s, double seconds) {
    const auto& c = s.config;
    return json{
        {"source", s.source},
        {"output", s.output},
        {"format", s.format},
        {"platform", s.platform},
        {"configDigest", s.configDigest},
        {"layers", s.diffIds.size()},
        {"layerBytes", s.layerBytes},
        {"files", s.rootfs.files},
        {"directories", s.rootfs.directories},
        {"symlinks", s.rootfs.symlinks},
        {"hardLinks", s.rootfs.hardLinks},
        {"special", s.rootfs.special},
        {"entries", s.rootfs.entries},
        {"bytes", s.rootfs.dataBytes},
        {"archiveBytes", s.archiveBytes},
        {"outputBytes", s.outputBytes},
        {"cached", s.cached},
        {"seconds", seconds},
        {"warnings", s.warnings},
        {"config", json{{"entrypoint", c.entrypoint},
                        {"cmd", c.cmd},
                        {"env", c.env},
                        {"workingDir", c.workingDir},
                        {"user", c.user},
                        {"groups", c.groups},
                        {"exposedPorts", c.exposedPorts},
                        {"volumes", c.volumes},
                        {"labels", c.labels}}},
    };
}

} // namespace

int convertCommand(const std::vector<std::string>& args) {
    ParsedConvertArguments parsed;
    try {
        parsed = parseConvertArguments(args);
    } catch (const toolchain::UsageError& e) {
        toolchain::printCommandError("convert", e.what());
        std::fprintf(stderr, "usage: uk convert SOURCE -o OUTPUT [options] (see 'uk convert "
                             "--help')\n");
        return 2;
    }
    if (parsed.helpRequested) {
        std::fputs(convertUsage(), stdout);
        return 0;
    }

    toolchain::DeferredSignals signals;
    int status = 0;
    {
        ConvertProgressLine progress(::isatty(STDERR_FILENO) != 0 && !parsed.options.verbose);
        auto start = std::chrono::steady_clock::now();
        try {
            auto resourceDir =
                toolchain::findResourceDir(fs::selfExecutable(), std::getenv("UK_RESOURCE_DIR"));
            ImageConverter converter(toolchain::Toolchain::configured(resourceDir), parsed.options);
            converter.setCancelled([&signals] { return signals.pending() != 0; });
            converter.setProgress([&progress](const ConvertProgress& p) { progress.update(p); });
            ConvertSummary s = converter.run();
            progress.clear();
            double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            for (const auto& w : s.warnings) {
                std::fprintf(stderr, "uk convert: warning: %s\n", w.c_str());
            }
            if (parsed.json) {
                std::printf("%s\n", summaryJson(s, seconds).dump(2).c_str());
            } else {
                std::fprintf(stderr,
                             "uk convert: %s -> %s (%s): %zu layers (%s), %zu files, %zu "
                             "directories, %zu symlinks, %s of data%s, %.2f s\n",
                             s.source.c_str(), s.output.c_str(), s.format.c_str(), s.diffIds.size(),
                             megabytes(s.layerBytes).c_str(), s.rootfs.files, s.rootfs.directories,
                             s.rootfs.symlinks, megabytes(s.rootfs.dataBytes).c_str(),
                             s.cached ? "; root file system from the cache" : "", seconds);
            }
        } catch (const toolchain::ToolFailed& e) {
            progress.clear();
            if (!e.exit().exited() && signals.pending() == 0) {
                toolchain::printCommandError("convert", e.what());
            }
            status = 1;
        } catch (const toolchain::BuildCancelled&) {
            status = 1;
        } catch (const std::exception& e) {
            progress.clear();
            toolchain::printCommandError("convert", e.what());
            status = 1;
        }
    }
    signals.reraise();
    return status;
}

} // namespace uk::converters
