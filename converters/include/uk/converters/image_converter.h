// `uk convert`'s engine: reads a Docker/OCI image (image_input.h), checks every digest, picks
// linux/amd64, flattens the layers (layer_reader.h, layer_flattener.h), resolves the image's
// User, and writes either a uk image that boots the image's own programs (the root file
// system embedded, as `uk pack` does) or a `docker load`-able tarball (--format docker:
// the original layers plus one holding the uk kernel, see docker_archive_writer.h).
//
// The flattened root file system is cached by the chain of layer diff_ids: converting the
// same image again, or another image with the same layers, links the cached archive
// instead of reading any layer. Nothing is written to the output unless everything
// succeeded.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <uk/converters/layer_flattener.h>
#include <uk/toolchain/image_config.h>
#include <uk/toolchain/toolchain.h>

namespace uk::converters {

enum class OutputFormat { Uk, Docker };

struct ConvertOptions {
    std::string source; // see parseImageSource
    std::filesystem::path output;
    OutputFormat format = OutputFormat::Uk;
    std::filesystem::path cacheDir; // empty: no cache
    std::string tag;                // --format docker: the name:tag the tarball loads as
    bool verbose = false;
};

struct ConvertProgress {
    enum class Phase { Exporting, Reading, Writing, Linking };
    Phase phase = Phase::Reading;
    uint64_t done = 0;
    uint64_t total = 0;
};

struct ConvertSummary {
    std::string source;
    std::string output;
    std::string format; // "uk" or "docker"
    std::string platform;
    std::string configDigest;
    std::vector<std::string> diffIds;
    uint64_t layerBytes = 0; // as stored
    RootfsStats rootfs;
    uint64_t archiveBytes = 0;
    uint64_t outputBytes = 0;
    bool cached = false; // the root file system came from the cache
    toolchain::ImageConfig config;
    std::vector<std::string> warnings;
};

// The cache's default place: $UK_CACHE_DIR, else $XDG_CACHE_HOME/uk, else ~/.cache/uk.
std::filesystem::path defaultCacheDir();

class ImageConverter {
public:
    ImageConverter(toolchain::Toolchain toolchain, ConvertOptions options);

    void setProgress(std::function<void(const ConvertProgress&)> progress) {
        progress_ = std::move(progress);
    }
    void setCancelled(std::function<bool()> cancelled) { cancelled_ = std::move(cancelled); }

    // Throws uk::Error naming the input and the problem, ToolFailed or BuildCancelled; the
    // output is then left as it was.
    ConvertSummary run();

private:
    void report(ConvertProgress::Phase phase, uint64_t done, uint64_t total) const;

    toolchain::Toolchain toolchain_;
    ConvertOptions options_;
    std::function<void(const ConvertProgress&)> progress_;
    std::function<bool()> cancelled_ = [] { return false; };
};

} // namespace uk::converters
