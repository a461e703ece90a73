#include <uk/support/error.h>
#include <uk/toolchain/image_config.h>

#include <cstring>
#include <limits>

#include "little_endian.h"

namespace uk::toolchain {

ImageConfigWriter& ImageConfigWriter::add(image::ConfigTag tag, std::string_view payload) {
    if (payload.size() > std::numeric_limits<uint32_t>::max()) {
        throw Error("image configuration entry too long (" + std::to_string(payload.size()) +
                    " bytes)");
    }
    if (count_ == std::numeric_limits<uint32_t>::max()) {
        throw Error("too many image configuration entries");
    }
    image::RecordHeader header{tag, static_cast<uint32_t>(payload.size())};
    appendBytes(records_, header);
    records_.append(payload);
    records_.append(image::configAlign(payload.size()) - payload.size(), '\0');
    ++count_;
    return *this;
}

std::string ImageConfigWriter::finish() const {
    image::ConfigHeader header{};
    std::memcpy(header.magic, image::kConfigMagic, sizeof header.magic);
    header.version = image::kConfigVersion;
    header.count = count_;
    header.size = sizeof header + records_.size();
    std::string blob;
    blob.reserve(header.size);
    appendBytes(blob, header);
    blob += records_;
    return blob;
}

std::string ImageConfigWriter::encode(const ImageConfig& config) {
    ImageConfigWriter writer;
    for (const auto& word : config.entrypoint) {
        writer.add(image::ConfigTag::Entrypoint, word);
    }
    for (const auto& word : config.cmd) {
        writer.add(image::ConfigTag::Cmd, word);
    }
    for (const auto& entry : config.env) {
        writer.add(image::ConfigTag::Env, entry);
    }
    if (!config.workingDir.empty()) {
        writer.add(image::ConfigTag::WorkingDir, config.workingDir);
    }
    if (!config.user.empty()) {
        writer.add(image::ConfigTag::User, config.user);
    }
    for (const auto& group : config.groups) {
        writer.add(image::ConfigTag::Group, group);
    }
    for (const auto& port : config.exposedPorts) {
        writer.add(image::ConfigTag::ExposedPort, port);
    }
    for (const auto& volume : config.volumes) {
        writer.add(image::ConfigTag::Volume, volume);
    }
    for (const auto& label : config.labels) {
        writer.add(image::ConfigTag::Label, label);
    }
    return writer.finish();
}

} // namespace uk::toolchain
