// Where an image's files come from: an OCI image layout (a directory, or a tar of one), a
// `docker save` tarball, or the local Docker daemon (which `docker save`s it first). Files
// are named as in the layout or tarball ("index.json", "blobs/sha256/<hex>",
// "manifest.json", "<id>/layer.tar").
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <uk/converters/layer_reader.h>

namespace uk::converters {

enum class SourceKind { OciLayout, OciArchive, DockerArchive, DockerDaemon };

struct ImageSource {
    SourceKind kind = SourceKind::OciLayout;
    std::filesystem::path path; // the layout or tarball; the daemon's image name otherwise
    std::string ref;            // OCI: the index's org.opencontainers.image.ref.name;
                                // docker-archive: a RepoTag; daemon: NAME[:TAG]
    std::string str() const;    // as the user would write it
};

// Parses SOURCE: "oci:DIR[:REF]", "oci-archive:TAR[:REF]", "docker-archive:TAR[:NAME:TAG]",
// "docker:NAME[:TAG]", or a path: a directory with an oci-layout file, or a tar holding
// manifest.json or oci-layout. Throws uk::Error for a path that is none of those.
ImageSource parseImageSource(const std::string& source);

class ImageInput {
public:
    virtual ~ImageInput() = default;

    // Whether the image has a file of that name, and its size.
    virtual std::optional<uint64_t> size(const std::string& name) = 0;
    // The whole file, for JSON documents; nullopt if there is none. Throws uk::Error for a
    // file over `limit` bytes.
    std::optional<std::string> read(const std::string& name, uint64_t limit);
    // How errors name the file: "DIR/NAME", "TAR: NAME".
    virtual std::string where(const std::string& name) const = 0;
    // Calls `visit` once for each of `names` (all present), in the order reading is
    // cheapest: a tarball's order, or the order given. `visit` reads through the
    // ByteReader; what it leaves unread is skipped.
    virtual void
    stream(const std::vector<std::string>& names,
           const std::function<void(const std::string&, const ByteReader&)>& visit) = 0;
};

std::unique_ptr<ImageInput> openDirectoryInput(const std::filesystem::path& dir);
// Lists the tarball once (contents of small members kept, large ones skipped).
std::unique_ptr<ImageInput> openTarInput(const std::filesystem::path& tar);

} // namespace uk::converters
