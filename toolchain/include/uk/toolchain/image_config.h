// The image configuration `uk build` embeds in the `.uk.config` section (format:
// uk/image_format.h): what the library OS starts and with which arguments and environment.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <uk/image_format.h>

namespace uk::toolchain {

struct ImageConfig {
    std::vector<std::string> entrypoint;   // argv[0] first
    std::vector<std::string> cmd;          // default arguments, replaced by the command line
    std::vector<std::string> env;          // "NAME=VALUE"
    std::string workingDir;                // empty: none recorded
    std::string user;                      // "UID:GID" (or "UID"); empty: none recorded (root)
    std::vector<std::string> groups;       // supplementary group ids, decimal
    std::vector<std::string> exposedPorts; // "PORT/PROTO"; informational
    std::vector<std::string> volumes;      // absolute paths; informational
    std::vector<std::string> labels;       // "KEY=VALUE"; informational
};

// Builds a configuration blob record by record. Records keep the order they are added in.
class ImageConfigWriter {
public:
    // Throws uk::Error when `payload` does not fit the format's 32-bit length.
    ImageConfigWriter& add(image::ConfigTag tag, std::string_view payload);
    // The complete blob: header, then the records, each padded to 8 bytes.
    std::string finish() const;

    // The records of `config` in tag order: Entrypoint, Cmd, Env, WorkingDir, User, Group,
    // ExposedPort, Volume, Label (empty strings for workingDir and user write nothing).
    static std::string encode(const ImageConfig& config);

private:
    std::string records_;
    uint32_t count_ = 0;
};

} // namespace uk::toolchain
