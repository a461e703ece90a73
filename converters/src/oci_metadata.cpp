#include <uk/converters/oci_metadata.h>
#include <uk/converters/sha256.h>
#include <uk/support/error.h>

#include <nlohmann/json.hpp>

namespace uk::converters {

using nlohmann::json;

namespace {

// The path of the value being read, for messages: `manifest.json: [0].Layers[2]: ...`.
class Reader {
public:
    Reader(std::string_view text, const std::string& what) : what_(what) {
        try {
            root_ = json::parse(text.begin(), text.end());
        } catch (const json::exception& e) {
            throw Error(what + ": not valid JSON (" + trim(e.what()) + ")");
        }
    }

    const json& root() const { return root_; }

    [[noreturn]] void fail(const std::string& path, const std::string& problem) const {
        throw Error(what_ + ": " + (path.empty() ? "" : path + ": ") + problem);
    }

    const json& object(const json& v, const std::string& path) const {
        if (!v.is_object()) {
            fail(path, std::string("expected an object, found ") + v.type_name());
        }
        return v;
    }

    // A member that must be present.
    const json& need(const json& obj, const char* key, const std::string& path) const {
        auto it = obj.find(key);
        if (it == obj.end()) {
            fail(path, std::string("the required field \"") + key + "\" is missing");
        }
        return *it;
    }

    // A member that may be missing or null.
    const json* maybe(const json& obj, const char* key) const {
        auto it = obj.find(key);
        if (it == obj.end() || it->is_null()) {
            return nullptr;
        }
        return &*it;
    }

    std::string string(const json& v, const std::string& path) const {
        if (!v.is_string()) {
            fail(path, std::string("expected a string, found ") + v.type_name());
        }
        return v.get<std::string>();
    }

    std::string optString(const json& obj, const char* key, const std::string& path) const {
        const json* v = maybe(obj, key);
        return v ? string(*v, join(path, key)) : std::string();
    }

    std::vector<std::string> strings(const json& v, const std::string& path) const {
        if (!v.is_array()) {
            fail(path, std::string("expected an array of strings, found ") + v.type_name());
        }
        std::vector<std::string> out;
        for (size_t i = 0; i < v.size(); ++i) {
            out.push_back(string(v[i], path + "[" + std::to_string(i) + "]"));
        }
        return out;
    }

    std::vector<std::string> optStrings(const json& obj, const char* key,
                                        const std::string& path) const {
        const json* v = maybe(obj, key);
        return v ? strings(*v, join(path, key)) : std::vector<std::string>{};
    }

    // {"80/tcp": {}, ...}: the keys, sorted (json objects are ordered maps).
    std::vector<std::string> keys(const json& obj, const char* key, const std::string& path) const {
        std::vector<std::string> out;
        if (const json* v = maybe(obj, key)) {
            for (const auto& [k, value] : object(*v, join(path, key)).items()) {
                (void)value;
                out.push_back(k);
            }
        }
        return out;
    }

    std::string digest(const json& v, const std::string& path) const {
        std::string d = string(v, path);
        if (!isSha256Digest(d)) {
            if (d.rfind("sha256:", 0) == 0) {
                fail(path, "\"" + d.substr(0, 80) + "\" is not a sha256 digest (64 hex digits)");
            }
            fail(path,
                 "unsupported digest \"" + d.substr(0, 80) + "\" (uk checks sha256 digests only)");
        }
        return d;
    }

    static std::string join(const std::string& path, const char* key) {
        return path.empty() ? std::string(key) : path + "." + key;
    }

private:
    static std::string trim(const char* message) {
        // nlohmann's messages start with "[json.exception.parse_error.101] ".
        std::string m = message;
        if (auto p = m.find("] "); m.rfind("[json.exception", 0) == 0 && p != std::string::npos) {
            m = m.substr(p + 2);
        }
        return m;
    }

    std::string what_;
    json root_;
};

Descriptor readDescriptor(const Reader& r, const json& v, const std::string& path) {
    r.object(v, path);
    Descriptor d;
    d.mediaType = r.string(r.need(v, "mediaType", path), Reader::join(path, "mediaType"));
    d.digest = r.digest(r.need(v, "digest", path), Reader::join(path, "digest"));
    const json& size = r.need(v, "size", path);
    if (!size.is_number_integer() || size.get<int64_t>() < 0) {
        r.fail(Reader::join(path, "size"), "expected a non-negative integer");
    }
    d.size = size.get<int64_t>();
    if (const json* p = r.maybe(v, "platform")) {
        std::string pp = Reader::join(path, "platform");
        r.object(*p, pp);
        Platform platform;
        platform.os = r.string(r.need(*p, "os", pp), Reader::join(pp, "os"));
        platform.architecture =
            r.string(r.need(*p, "architecture", pp), Reader::join(pp, "architecture"));
        platform.variant = r.optString(*p, "variant", pp);
        d.platform = platform;
    }
    if (const json* a = r.maybe(v, "annotations")) {
        std::string ap = Reader::join(path, "annotations");
        for (const auto& [k, value] : r.object(*a, ap).items()) {
            d.annotations[k] = r.string(value, ap + "." + k);
        }
    }
    return d;
}

void checkSchemaVersion(const Reader& r, const json& root) {
    if (const json* v = r.maybe(root, "schemaVersion")) {
        if (!v->is_number_integer() || v->get<int64_t>() != 2) {
            r.fail("schemaVersion", "expected 2, found " + v->dump());
        }
    }
}

} // namespace

std::string Platform::str() const {
    return os + "/" + architecture + (variant.empty() ? "" : "/" + variant);
}

std::string declaredMediaType(std::string_view text, const std::string& what) {
    Reader r(text, what);
    r.object(r.root(), "");
    return r.optString(r.root(), "mediaType", "");
}

ImageIndex parseImageIndex(std::string_view text, const std::string& what) {
    Reader r(text, what);
    const json& root = r.object(r.root(), "");
    checkSchemaVersion(r, root);
    ImageIndex index;
    const json& manifests = r.need(root, "manifests", "");
    if (!manifests.is_array()) {
        r.fail("manifests", "expected an array");
    }
    for (size_t i = 0; i < manifests.size(); ++i) {
        index.manifests.push_back(
            readDescriptor(r, manifests[i], "manifests[" + std::to_string(i) + "]"));
    }
    return index;
}

ImageManifest parseImageManifest(std::string_view text, const std::string& what) {
    Reader r(text, what);
    const json& root = r.object(r.root(), "");
    checkSchemaVersion(r, root);
    ImageManifest m;
    m.config = readDescriptor(r, r.need(root, "config", ""), "config");
    const json& layers = r.need(root, "layers", "");
    if (!layers.is_array()) {
        r.fail("layers", "expected an array");
    }
    for (size_t i = 0; i < layers.size(); ++i) {
        m.layers.push_back(readDescriptor(r, layers[i], "layers[" + std::to_string(i) + "]"));
    }
    return m;
}

ImageConfigDocument parseImageConfig(std::string_view text, const std::string& what) {
    Reader r(text, what);
    const json& root = r.object(r.root(), "");
    ImageConfigDocument doc;
    doc.architecture = r.string(r.need(root, "architecture", ""), "architecture");
    doc.os = r.string(r.need(root, "os", ""), "os");
    doc.variant = r.optString(root, "variant", "");
    if (const json* c = r.maybe(root, "config")) {
        r.object(*c, "config");
        ContainerConfig& cc = doc.config;
        cc.user = r.optString(*c, "User", "config");
        cc.env = r.optStrings(*c, "Env", "config");
        cc.entrypoint = r.optStrings(*c, "Entrypoint", "config");
        cc.cmd = r.optStrings(*c, "Cmd", "config");
        cc.workingDir = r.optString(*c, "WorkingDir", "config");
        cc.exposedPorts = r.keys(*c, "ExposedPorts", "config");
        cc.volumes = r.keys(*c, "Volumes", "config");
        if (const json* l = r.maybe(*c, "Labels")) {
            for (const auto& [k, value] : r.object(*l, "config.Labels").items()) {
                cc.labels[k] = r.string(value, "config.Labels." + k);
            }
        }
    }
    const json& rootfs = r.object(r.need(root, "rootfs", ""), "rootfs");
    std::string type = r.string(r.need(rootfs, "type", "rootfs"), "rootfs.type");
    if (type != "layers") {
        r.fail("rootfs.type", "expected \"layers\", found \"" + type + "\"");
    }
    const json& diffIds = r.need(rootfs, "diff_ids", "rootfs");
    if (!diffIds.is_array()) {
        r.fail("rootfs.diff_ids", "expected an array");
    }
    for (size_t i = 0; i < diffIds.size(); ++i) {
        doc.diffIds.push_back(r.digest(diffIds[i], "rootfs.diff_ids[" + std::to_string(i) + "]"));
    }
    return doc;
}

std::vector<DockerArchiveImage> parseDockerArchiveManifest(std::string_view text,
                                                           const std::string& what) {
    Reader r(text, what);
    if (!r.root().is_array()) {
        r.fail("", std::string("expected an array of images, found ") + r.root().type_name());
    }
    std::vector<DockerArchiveImage> images;
    for (size_t i = 0; i < r.root().size(); ++i) {
        std::string path = "[" + std::to_string(i) + "]";
        const json& e = r.object(r.root()[i], path);
        DockerArchiveImage image;
        image.config = r.string(r.need(e, "Config", path), path + ".Config");
        image.repoTags = r.optStrings(e, "RepoTags", path);
        image.layers = r.strings(r.need(e, "Layers", path), path + ".Layers");
        images.push_back(std::move(image));
    }
    if (images.empty()) {
        r.fail("", "no images in it");
    }
    return images;
}

void checkOciLayoutFile(std::string_view text, const std::string& what) {
    Reader r(text, what);
    const json& root = r.object(r.root(), "");
    std::string version = r.string(r.need(root, "imageLayoutVersion", ""), "imageLayoutVersion");
    if (version.rfind("1.", 0) != 0) {
        r.fail("imageLayoutVersion", "unsupported version \"" + version + "\" (uk reads 1.x)");
    }
}

} // namespace uk::converters
