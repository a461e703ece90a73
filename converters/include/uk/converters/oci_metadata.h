// The JSON documents of Docker and OCI images, parsed strictly: a document that is not
// JSON, a required field that is missing or has the wrong type, or a digest that is not
// "sha256:<64 hex>" is an error (uk::Error) naming the document and the field. Fields the
// specifications allow us to ignore are ignored.
//
// References: OCI image-spec v1.0/1.1 (image-layout, image-index, manifest, config) and
// Docker's `docker save` format (manifest.json, image config v1.2).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace uk::converters {

inline constexpr char kMediaOciIndex[] = "application/vnd.oci.image.index.v1+json";
inline constexpr char kMediaOciManifest[] = "application/vnd.oci.image.manifest.v1+json";
inline constexpr char kMediaDockerManifestList[] =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr char kMediaDockerManifest[] =
    "application/vnd.docker.distribution.manifest.v2+json";

struct Platform {
    std::string os;
    std::string architecture;
    std::string variant;
    std::string str() const; // "linux/amd64", "linux/arm/v7"
};

struct Descriptor {
    std::string mediaType;
    std::string digest; // "sha256:..."
    int64_t size = 0;
    std::optional<Platform> platform;
    std::map<std::string, std::string> annotations;
};

// index.json of an OCI layout, or an image index blob.
struct ImageIndex {
    std::vector<Descriptor> manifests;
};

struct ImageManifest {
    Descriptor config;
    std::vector<Descriptor> layers;
};

// The runtime part of an image configuration ("config" in the JSON).
struct ContainerConfig {
    std::string user;
    std::vector<std::string> env;
    std::vector<std::string> entrypoint;
    std::vector<std::string> cmd;
    std::string workingDir;
    std::vector<std::string> exposedPorts; // keys of ExposedPorts, sorted
    std::vector<std::string> volumes;      // keys of Volumes, sorted
    std::map<std::string, std::string> labels;
};

struct ImageConfigDocument {
    std::string architecture;
    std::string os;
    std::string variant;
    ContainerConfig config;
    std::vector<std::string> diffIds; // rootfs.diff_ids, lowest layer first
};

// One image of a `docker save` tarball's manifest.json.
struct DockerArchiveImage {
    std::string config;                // member name of the config JSON
    std::vector<std::string> repoTags; // "name:tag", may be empty
    std::vector<std::string> layers;   // member names of the layer tars, lowest first
};

// `what` names the document in errors ("index.json", "blobs/sha256/ab12... (manifest)").
ImageIndex parseImageIndex(std::string_view json, const std::string& what);
ImageManifest parseImageManifest(std::string_view json, const std::string& what);
ImageConfigDocument parseImageConfig(std::string_view json, const std::string& what);
std::vector<DockerArchiveImage> parseDockerArchiveManifest(std::string_view json,
                                                           const std::string& what);
// The oci-layout file: {"imageLayoutVersion": "1.0.0"} (1.x accepted).
void checkOciLayoutFile(std::string_view json, const std::string& what);

// What the document at `json` declares itself to be ("mediaType"), empty if it does not say.
std::string declaredMediaType(std::string_view json, const std::string& what);

} // namespace uk::converters
