// `uk convert --format docker`: a tarball in `docker save`'s format that `docker load`
// takes. It holds the image's layers exactly as they were (so hosts keep sharing base layers
// as they do for containers) plus one small layer with the uk kernel:
//
//   /.uk/kernel        the library OS with the image's configuration and no root file
//                      system: whoever runs it (uk's OCI runtime) hands the container's root
//                      file system in as the initrd
//   /.uk/config.json   that configuration as JSON (entrypoint, cmd, env, workingDir, user,
//                      groups), for runtimes
//
// The image config is the original with that layer's diff_id appended, a history entry, and
// the label "io.uk.kernel=/.uk/kernel"; Entrypoint, Cmd and the rest are unchanged, so
// `docker run` of the image with an ordinary runtime still runs the original programs.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <uk/converters/image_input.h>
#include <uk/toolchain/image_config.h>

namespace uk::converters {

inline constexpr char kKernelLabel[] = "io.uk.kernel";
inline constexpr char kKernelPath[] = ".uk/kernel";
inline constexpr char kConfigPath[] = ".uk/config.json";

struct DockerArchiveRequest {
    std::string configJson;          // the image's config, as read
    std::vector<std::string> layers; // members of `input`, lowest first
    std::filesystem::path kernel;    // the kernel image file
    toolchain::ImageConfig config;   // for /.uk/config.json
    std::string repoTag;             // "name:tag"; empty: untagged
    std::filesystem::path output;    // replaced only on success
};

// The JSON of /.uk/config.json.
std::string runtimeConfigJson(const toolchain::ImageConfig& config);

void writeDockerArchive(ImageInput& input, const DockerArchiveRequest& request);

} // namespace uk::converters
