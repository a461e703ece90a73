#include <uk/converters/docker_archive_writer.h>
#include <uk/converters/image_converter.h>
#include <uk/converters/image_input.h>
#include <uk/converters/image_user.h>
#include <uk/converters/oci_metadata.h>
#include <uk/converters/sha256.h>
#include <uk/support/error.h>
#include <uk/support/fs.h>
#include <uk/support/subprocess.h>
#include <uk/toolchain/errors.h>
#include <uk/toolchain/image_config.h>
#include <uk/toolchain/rootfs_image.h>

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

namespace uk::converters {

namespace stdfs = std::filesystem;
using nlohmann::json;

namespace {

constexpr uint64_t kJsonLimit = 16 << 20;
// Changes whenever the archive written for the same layers would change.
constexpr char kCacheFormat[] = "uk-rootfs-1";

struct LayerPlan {
    std::string member; // file in the input
    std::string digest; // expected digest of the stored bytes; empty: not known
    int64_t size = -1;  // expected stored size; -1: not known
    LayerCompression compression = LayerCompression::Detect;
    std::string diffId; // from the config
    std::string what;   // "layer 2 of 3 (sha256:...)"
};

struct ResolvedImage {
    ImageConfigDocument config;
    std::string configJson;
    std::string configDigest;
    std::vector<LayerPlan> layers;
};

std::string blobPath(const std::string& digest) {
    return "blobs/sha256/" + digest.substr(7);
}

std::string shortDigest(const std::string& digest) {
    return digest.substr(0, 7 + 12);
}

LayerCompression compressionOf(const std::string& mediaType, const std::string& what) {
    auto endsWith = [&](const char* s) {
        std::string_view suffix(s);
        return mediaType.size() >= suffix.size() &&
               mediaType.compare(mediaType.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (mediaType.find("layer") == std::string::npos &&
        mediaType.find("rootfs.diff") == std::string::npos) {
        throw Error(what + ": media type \"" + mediaType + "\" is not a layer");
    }
    if (endsWith("+gzip") || endsWith(".tar.gzip")) {
        return LayerCompression::Gzip;
    }
    if (endsWith("+zstd")) {
        return LayerCompression::Zstd;
    }
    if (endsWith(".tar")) {
        return LayerCompression::None;
    }
    throw Error(what + ": unsupported layer media type \"" + mediaType +
                "\" (uk reads tar, tar+gzip and tar+zstd layers)");
}

class Resolver {
public:
    Resolver(ImageInput& input, const ImageSource& source) : in_(input), src_(source) {}

    ResolvedImage resolve() {
        const bool oci = in_.size("oci-layout").has_value();
        const bool docker = in_.size("manifest.json").has_value();
        ResolvedImage image;
        if (src_.kind == SourceKind::OciLayout || src_.kind == SourceKind::OciArchive) {
            if (!oci) {
                throw Error(name() + ": not an OCI image layout (no oci-layout file)");
            }
            image = resolveOci();
        } else if (docker) {
            image = resolveDocker();
        } else if (oci) {
            image = resolveOci();
        } else {
            throw Error(name() + ": neither a `docker save` tarball (no manifest.json) nor an "
                                 "OCI image layout (no oci-layout)");
        }
        const auto& c = image.config;
        if (c.os != "linux" || c.architecture != "amd64") {
            throw Error(name() + ": the image is for " + c.os + "/" + c.architecture +
                        "; uk runs linux/amd64 programs");
        }
        if (c.diffIds.size() != image.layers.size()) {
            throw Error(name() + ": the config lists " + std::to_string(c.diffIds.size()) +
                        " layers (rootfs.diff_ids), the manifest " +
                        std::to_string(image.layers.size()));
        }
        for (size_t i = 0; i < image.layers.size(); ++i) {
            LayerPlan& l = image.layers[i];
            l.diffId = c.diffIds[i];
            l.what = name() + ": layer " + std::to_string(i + 1) + " of " +
                     std::to_string(image.layers.size()) + " (" +
                     (l.digest.empty() ? l.member : shortDigest(l.digest)) + ")";
        }
        return image;
    }

private:
    std::string name() const { return src_.str(); }

    std::string readJson(const std::string& member, const std::string& what) {
        auto data = in_.read(member, kJsonLimit);
        if (!data) {
            throw Error(name() + ": " + what + " is missing (no " + member + " in the image)");
        }
        return *data;
    }

    // A blob named by a descriptor: present, of the size and digest the descriptor says.
    std::string readBlob(const Descriptor& d, const std::string& what) {
        std::string data = readJson(blobPath(d.digest), what + " " + shortDigest(d.digest));
        if (static_cast<int64_t>(data.size()) != d.size) {
            throw Error(name() + ": " + what + " " + shortDigest(d.digest) + " is " +
                        std::to_string(data.size()) + " bytes; its descriptor says " +
                        std::to_string(d.size));
        }
        std::string actual = Sha256::of(data);
        if (actual != d.digest) {
            throw Error(name() + ": " + what + " " + d.digest +
                        ": digest mismatch (the content's "
                        "digest is " +
                        actual + ")");
        }
        return data;
    }

    ResolvedImage resolveOci() {
        checkOciLayoutFile(readJson("oci-layout", "oci-layout"), name() + ": oci-layout");
        ImageIndex index =
            parseImageIndex(readJson("index.json", "index.json"), name() + ": index.json");
        std::vector<Descriptor> candidates;
        std::set<std::string> refs;
        for (const auto& d : index.manifests) {
            auto it = d.annotations.find("org.opencontainers.image.ref.name");
            std::string ref = it == d.annotations.end() ? "" : it->second;
            if (!ref.empty()) {
                refs.insert(ref);
            }
            if (src_.ref.empty() || ref == src_.ref) {
                candidates.push_back(d);
            }
        }
        if (candidates.empty()) {
            std::string have;
            for (const auto& r : refs) {
                have += (have.empty() ? "" : ", ") + r;
            }
            throw Error(name() + ": no image named \"" + src_.ref + "\" in index.json" +
                        (have.empty() ? "" : " (it has " + have + ")"));
        }
        std::vector<Descriptor> manifests;
        expand(candidates, manifests, 0);
        std::vector<std::string> platforms;
        for (const auto& d : manifests) {
            if (d.platform && !(d.platform->os == "linux" && d.platform->architecture == "amd64")) {
                platforms.push_back(d.platform->str());
                continue;
            }
            std::string what = "manifest " + shortDigest(d.digest);
            ImageManifest m = parseImageManifest(readBlob(d, "manifest"), name() + ": " + what);
            ResolvedImage image;
            image.configJson = readBlob(m.config, "config");
            image.configDigest = m.config.digest;
            image.config = parseImageConfig(image.configJson,
                                            name() + ": config " + shortDigest(m.config.digest));
            if (image.config.os != "linux" || image.config.architecture != "amd64") {
                platforms.push_back(image.config.os + "/" + image.config.architecture);
                continue;
            }
            for (size_t i = 0; i < m.layers.size(); ++i) {
                const Descriptor& l = m.layers[i];
                LayerPlan plan;
                plan.member = blobPath(l.digest);
                plan.digest = l.digest;
                plan.size = l.size;
                plan.compression =
                    compressionOf(l.mediaType, name() + ": layer " + std::to_string(i + 1));
                image.layers.push_back(plan);
            }
            return image;
        }
        std::string have;
        for (const auto& p : platforms) {
            have += (have.empty() ? "" : ", ") + p;
        }
        throw Error(name() + ": no linux/amd64 image in it (it has " +
                    (have.empty() ? std::string("none") : have) +
                    "); uk runs linux/amd64 programs");
    }

    // Image indexes inside the index (multi-platform images) are opened; manifests kept.
    void expand(const std::vector<Descriptor>& in, std::vector<Descriptor>& out, int depth) {
        for (const auto& d : in) {
            if (d.mediaType == kMediaOciIndex || d.mediaType == kMediaDockerManifestList) {
                if (depth >= 4) {
                    throw Error(name() + ": image indexes nested too deep");
                }
                ImageIndex nested = parseImageIndex(readBlob(d, "image index"),
                                                    name() + ": index " + shortDigest(d.digest));
                expand(nested.manifests, out, depth + 1);
            } else if (d.mediaType == kMediaOciManifest || d.mediaType == kMediaDockerManifest) {
                out.push_back(d);
            }
            // Anything else (signatures, attestations) is not an image to run.
        }
    }

    ResolvedImage resolveDocker() {
        auto images = parseDockerArchiveManifest(readJson("manifest.json", "manifest.json"),
                                                 name() + ": manifest.json");
        const DockerArchiveImage* chosen = nullptr;
        if (!src_.ref.empty()) {
            std::string want = src_.ref;
            if (want.find(':', want.rfind('/') == std::string::npos ? 0 : want.rfind('/')) ==
                std::string::npos) {
                want += ":latest";
            }
            for (const auto& i : images) {
                for (const auto& t : i.repoTags) {
                    if (t == want || t == "docker.io/" + want || t == "docker.io/library/" + want) {
                        chosen = &i;
                    }
                }
            }
            if (chosen == nullptr) {
                throw Error(name() + ": no image tagged " + want + " in it");
            }
        } else if (images.size() == 1) {
            chosen = &images[0];
        } else {
            std::string tags;
            for (const auto& i : images) {
                for (const auto& t : i.repoTags) {
                    tags += (tags.empty() ? "" : ", ") + t;
                }
            }
            throw Error(name() + ": it holds " + std::to_string(images.size()) +
                        " images; name one (docker-archive:FILE:NAME:TAG; it has " + tags + ")");
        }
        ResolvedImage image;
        image.configJson =
            readJson(chosen->config, "the config " + chosen->config + " that manifest.json names");
        image.configDigest = Sha256::of(image.configJson);
        // The config's name is its digest ("<hex>.json", or blobs/sha256/<hex>).
        std::string base = chosen->config.substr(chosen->config.rfind('/') + 1);
        if (base.size() >= 5 && base.compare(base.size() - 5, 5, ".json") == 0) {
            base.resize(base.size() - 5);
        }
        if (isSha256Digest("sha256:" + base) && "sha256:" + base != image.configDigest) {
            throw Error(name() + ": config " + chosen->config +
                        ": digest mismatch (the content's "
                        "digest is " +
                        image.configDigest + ")");
        }
        image.config = parseImageConfig(image.configJson, name() + ": " + chosen->config);
        for (const auto& member : chosen->layers) {
            LayerPlan plan;
            plan.member = member;
            auto size = in_.size(member);
            if (!size) {
                throw Error(name() + ": layer " + member + " named by manifest.json is missing");
            }
            plan.size = static_cast<int64_t>(*size);
            if (member.rfind("blobs/sha256/", 0) == 0 &&
                isSha256Digest("sha256:" + member.substr(13))) {
                plan.digest = "sha256:" + member.substr(13);
            }
            image.layers.push_back(plan);
        }
        return image;
    }

    ImageInput& in_;
    const ImageSource& src_;
};

void exportFromDaemon(const std::string& name, const stdfs::path& tar) {
    if (!fs::findProgram("docker")) {
        throw Error("docker:" + name +
                    ": the docker command is not installed (it exports the image: docker save)");
    }
    auto result = proc::capture({"docker", "save", "-o", tar.string(), name});
    if (!result.exit.exited() || result.exit.code != 0) {
        std::string err = result.err;
        while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) {
            err.pop_back();
        }
        throw Error("docker:" + name + ": docker save failed" + (err.empty() ? "" : ": " + err));
    }
}

struct CachedRootfs {
    RootfsStats stats;
    uint64_t archiveBytes = 0;
    std::vector<std::string> dropped;
    std::optional<std::string> passwd;
    std::optional<std::string> group;
};

json statsJson(const RootfsStats& s) {
    return json{{"entries", s.entries},         {"files", s.files},
                {"directories", s.directories}, {"symlinks", s.symlinks},
                {"hardLinks", s.hardLinks},     {"special", s.special},
                {"dataBytes", s.dataBytes}};
}

json cachedJson(const CachedRootfs& c) {
    json j{{"format", kCacheFormat},
           {"stats", statsJson(c.stats)},
           {"archiveBytes", c.archiveBytes},
           {"dropped", c.dropped}};
    j["passwd"] = c.passwd ? json(*c.passwd) : json(nullptr);
    j["group"] = c.group ? json(*c.group) : json(nullptr);
    return j;
}

// A cache entry that does not read back is treated as absent (and rewritten).
std::optional<CachedRootfs> loadCached(const stdfs::path& meta, const stdfs::path& object) {
    std::error_code ec;
    if (!stdfs::is_regular_file(meta, ec) || !stdfs::is_regular_file(object, ec)) {
        return std::nullopt;
    }
    try {
        json j = json::parse(fs::readFile(meta));
        if (j.at("format") != kCacheFormat) {
            return std::nullopt;
        }
        CachedRootfs c;
        const json& s = j.at("stats");
        c.stats.entries = s.at("entries");
        c.stats.files = s.at("files");
        c.stats.directories = s.at("directories");
        c.stats.symlinks = s.at("symlinks");
        c.stats.hardLinks = s.at("hardLinks");
        c.stats.special = s.at("special");
        c.stats.dataBytes = s.at("dataBytes");
        c.archiveBytes = j.at("archiveBytes");
        c.dropped = j.at("dropped").get<std::vector<std::string>>();
        if (!j.at("passwd").is_null()) {
            c.passwd = j.at("passwd").get<std::string>();
        }
        if (!j.at("group").is_null()) {
            c.group = j.at("group").get<std::string>();
        }
        return c;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// What an image linked from the same root file system and configuration also depends on:
// the library OS and linker script it was linked with (changed by a rebuild of uk).
std::string linkInputsIdentity(const toolchain::Toolchain& t) {
    std::string id;
    for (const auto& p : {t.libosObject(), t.linkerScript(), t.lld}) {
        struct stat st;
        if (::stat(p.c_str(), &st) != 0) {
            return {}; // the link will report it
        }
        id += p.string() + " " + std::to_string(st.st_size) + " " +
              std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + " " +
              std::to_string(st.st_ino) + "\n";
    }
    return id;
}

// Puts `from` at `to` atomically: a hard link where both are on one file system (instant,
// whatever the size), else a copy the kernel makes. False if neither worked.
bool placeFile(const stdfs::path& from, const stdfs::path& to) {
    try {
        fs::PendingOutput pending(to);
        std::error_code ec;
        stdfs::remove(pending.path(), ec); // the link takes the name mkstemp reserved
        stdfs::create_hard_link(from, pending.path(), ec);
        if (ec) {
            ec.clear();
            stdfs::copy_file(from, pending.path(), stdfs::copy_options::overwrite_existing, ec);
        }
        if (ec) {
            return false;
        }
        pending.commit();
        return true;
    } catch (const Error&) {
        return false;
    }
}

} // namespace

stdfs::path defaultCacheDir() {
    if (const char* d = std::getenv("UK_CACHE_DIR"); d != nullptr && *d != 0) {
        return d;
    }
    if (const char* d = std::getenv("XDG_CACHE_HOME"); d != nullptr && *d == '/') {
        return stdfs::path(d) / "uk";
    }
    if (const char* h = std::getenv("HOME"); h != nullptr && *h == '/') {
        return stdfs::path(h) / ".cache" / "uk";
    }
    return stdfs::temp_directory_path() / "uk-cache";
}

ImageConverter::ImageConverter(toolchain::Toolchain toolchain, ConvertOptions options)
    : toolchain_(std::move(toolchain)), options_(std::move(options)) {}

void ImageConverter::report(ConvertProgress::Phase phase, uint64_t done, uint64_t total) const {
    if (progress_) {
        progress_(ConvertProgress{.phase = phase, .done = done, .total = total});
    }
}

ConvertSummary ImageConverter::run() {
    if (options_.output.empty()) {
        throw Error("internal error: converting needs an output");
    }
    std::error_code ec;
    if (stdfs::is_directory(options_.output, ec)) {
        throw Error(options_.output.string() + ": Is a directory");
    }
    const ImageSource source = parseImageSource(options_.source);
    fs::TempDir temp("uk-convert");
    std::unique_ptr<ImageInput> input;
    if (source.kind == SourceKind::DockerDaemon) {
        report(ConvertProgress::Phase::Exporting, 0, 0);
        stdfs::path tar = temp.path() / "image.tar";
        exportFromDaemon(source.ref, tar);
        input = openTarInput(tar);
    } else if (stdfs::is_directory(source.path, ec)) {
        input = openDirectoryInput(source.path);
    } else {
        input = openTarInput(source.path);
    }
    ResolvedImage image = Resolver(*input, source).resolve();

    ConvertSummary summary;
    summary.source = source.str();
    summary.output = options_.output.string();
    summary.format = options_.format == OutputFormat::Docker ? "docker" : "uk";
    summary.platform = image.config.os + "/" + image.config.architecture;
    summary.configDigest = image.configDigest;
    summary.diffIds = image.config.diffIds;
    uint64_t totalStored = 0;
    for (const auto& l : image.layers) {
        totalStored += l.size > 0 ? static_cast<uint64_t>(l.size) : 0;
    }
    summary.layerBytes = totalStored;
    const ContainerConfig& cc = image.config.config;

    // The cache key: the layers, in order, and the working directory (made if missing).
    Sha256 keyHash;
    keyHash.update(std::string(kCacheFormat) + "\n");
    for (const auto& d : image.config.diffIds) {
        keyHash.update(d + "\n");
    }
    keyHash.update("workdir " + cc.workingDir + "\n");
    const std::string key = digestHex(keyHash.digest());
    const bool useCache = !options_.cacheDir.empty();
    const stdfs::path cacheDir = options_.cacheDir / "rootfs";
    const stdfs::path cachedObject = cacheDir / (key + ".o");
    const stdfs::path cachedMeta = cacheDir / (key + ".json");

    std::optional<CachedRootfs> rootfs;
    if (useCache) {
        rootfs = loadCached(cachedMeta, cachedObject);
    }
    stdfs::path initrdObject = useCache ? cachedObject : temp.path() / "uk-initrd.o";
    if (rootfs) {
        summary.cached = true;
    } else {
        if (useCache) {
            stdfs::create_directories(cacheDir, ec);
            if (ec) {
                throw Error("cannot create the cache directory " + cacheDir.string() + ": " +
                            ec.message());
            }
        }
        ContentSpool spool(useCache ? cacheDir : temp.path());
        std::vector<std::optional<LayerRecord>> records(image.layers.size());
        std::map<std::string, std::vector<size_t>> byMember;
        std::vector<std::string> members;
        for (size_t i = 0; i < image.layers.size(); ++i) {
            if (byMember[image.layers[i].member].empty()) {
                members.push_back(image.layers[i].member);
            }
            byMember[image.layers[i].member].push_back(i);
        }
        uint64_t doneBefore = 0;
        input->stream(members, [&](const std::string& member, const ByteReader& reader) {
            if (cancelled_()) {
                throw toolchain::BuildCancelled();
            }
            size_t i = byMember.at(member).front();
            const LayerPlan& plan = image.layers[i];
            LayerRecord record =
                readLayer(reader, plan.what, spool, plan.compression, [&](uint64_t done) {
                    report(ConvertProgress::Phase::Reading, doneBefore + done, totalStored);
                });
            doneBefore += record.storedBytes;
            if (!plan.digest.empty() && record.digest != plan.digest) {
                throw Error(plan.what + ": digest mismatch: the manifest says " + plan.digest +
                            ", the layer's content is " + record.digest);
            }
            if (plan.size >= 0 && record.storedBytes != static_cast<uint64_t>(plan.size)) {
                throw Error(plan.what + ": " + std::to_string(record.storedBytes) +
                            " bytes, the manifest says " + std::to_string(plan.size));
            }
            if (record.diffId != plan.diffId) {
                throw Error(plan.what + ": digest mismatch: the config's diff_id is " +
                            plan.diffId + ", the uncompressed layer's digest is " + record.diffId);
            }
            // A layer listed twice (empty layers often are) is read once, kept for both.
            const std::vector<size_t>& uses = byMember.at(member);
            for (size_t k = 0; k + 1 < uses.size(); ++k) {
                records[uses[k]] = record;
            }
            records[uses.back()] = std::move(record);
        });
        LayerFlattener flattener(spool);
        for (size_t i = 0; i < records.size(); ++i) {
            if (!records[i]) {
                throw Error(image.layers[i].what + " is missing from the image");
            }
            flattener.apply(*records[i], image.layers[i].what);
            records[i].reset();
        }
        if (!cc.workingDir.empty()) {
            flattener.ensureDirectory(cc.workingDir);
        }
        CachedRootfs made;
        made.stats = flattener.stats();
        made.archiveBytes = flattener.archiveSize();
        made.dropped = flattener.dropped();
        made.passwd = flattener.readFile("/etc/passwd");
        made.group = flattener.readFile("/etc/group");
        fs::PendingOutput pending(initrdObject);
        toolchain::writeInitrdObject(
            pending.path(), made.archiveBytes, [&](toolchain::ByteSink& sink) {
                flattener.write(sink, [&](uint64_t done) {
                    report(ConvertProgress::Phase::Writing, done, made.archiveBytes);
                });
            });
        pending.commit();
        if (useCache) {
            fs::writeFileAtomic(cachedMeta, cachedJson(made).dump());
        }
        rootfs = made;
    }
    summary.rootfs = rootfs->stats;
    summary.archiveBytes = rootfs->archiveBytes;
    if (!rootfs->dropped.empty()) {
        std::string list;
        for (const auto& d : rootfs->dropped) {
            list += (list.empty() ? "" : ", ") + d;
        }
        summary.warnings.push_back("left out " + std::to_string(rootfs->dropped.size()) +
                                   " socket(s), which a root file system cannot hold: " + list);
    }

    // The configuration, with Docker's meaning.
    toolchain::ImageConfig config;
    config.entrypoint = cc.entrypoint;
    config.cmd = cc.cmd;
    config.env = cc.env;
    config.workingDir = cc.workingDir.empty() ? "/" : cc.workingDir;
    ResolvedUser user;
    try {
        user = resolveImageUser(cc.user, rootfs->passwd, rootfs->group);
    } catch (const Error& e) {
        throw Error(source.str() + ": User \"" + cc.user + "\": " + e.what());
    }
    config.user = std::to_string(user.uid) + ":" + std::to_string(user.gid);
    for (uint32_t g : user.groups) {
        config.groups.push_back(std::to_string(g));
    }
    bool hasHome = false;
    for (const auto& e : config.env) {
        hasHome = hasHome || e.rfind("HOME=", 0) == 0;
    }
    if (!hasHome) {
        config.env.push_back("HOME=" + user.home);
    }
    config.exposedPorts = cc.exposedPorts;
    config.volumes = cc.volumes;
    for (const auto& [k, v] : cc.labels) {
        config.labels.push_back(k + "=" + v);
    }
    if (config.entrypoint.empty() && config.cmd.empty()) {
        summary.warnings.push_back("the image has neither Entrypoint nor Cmd: `uk run` needs "
                                   "the program after --");
    }
    summary.config = config;

    if (cancelled_()) {
        throw toolchain::BuildCancelled();
    }
    report(ConvertProgress::Phase::Linking, 0, 0);
    if (options_.format == OutputFormat::Uk) {
        // Linked images are cached too, by root file system, configuration and the library
        // OS they were linked with: a repeated conversion then costs a hard link, not a copy
        // of the whole root file system through the linker. Cached images are read-only
        // (0555), and so is an output that shares one.
        const std::string inputs = linkInputsIdentity(toolchain_);
        stdfs::path cachedImage;
        if (useCache && !inputs.empty()) {
            Sha256 imageKey;
            imageKey.update(std::string("uk-image-1\n") + key + "\n" + inputs);
            imageKey.update(toolchain::ImageConfigWriter::encode(config));
            cachedImage = options_.cacheDir / "images" / (digestHex(imageKey.digest()) + ".img");
            if (stdfs::is_regular_file(cachedImage, ec) &&
                placeFile(cachedImage, options_.output)) {
                summary.cached = true;
                summary.outputBytes = stdfs::file_size(options_.output, ec);
                return summary;
            }
        }
        toolchain::linkRootfsImage(toolchain_, toolchain::RootfsImageLink{
                                                   .initrdObject = initrdObject,
                                                   .config = config,
                                                   .output = options_.output,
                                                   .verbose = options_.verbose,
                                                   .cancelled = cancelled_,
                                               });
        if (!cachedImage.empty()) {
            stdfs::permissions(options_.output, stdfs::perms(0555), ec);
            stdfs::create_directories(cachedImage.parent_path(), ec);
            placeFile(options_.output, cachedImage); // a cache that cannot be filled is no error
        }
    } else {
        // The kernel alone (no root file system: the runtime hands the container's in).
        stdfs::path emptyInitrd = temp.path() / "uk-no-initrd.o";
        toolchain::writeInitrdObject(emptyInitrd, 0, [](toolchain::ByteSink&) {});
        stdfs::path kernel = temp.path() / "kernel";
        toolchain::linkRootfsImage(toolchain_, toolchain::RootfsImageLink{
                                                   .initrdObject = emptyInitrd,
                                                   .config = config,
                                                   .output = kernel,
                                                   .verbose = options_.verbose,
                                                   .cancelled = cancelled_,
                                               });
        std::vector<std::string> layerMembers;
        for (const auto& l : image.layers) {
            layerMembers.push_back(l.member);
        }
        DockerArchiveRequest request{
            .configJson = image.configJson,
            .layers = layerMembers,
            .kernel = kernel,
            .config = config,
            .repoTag = options_.tag,
            .output = options_.output,
        };
        writeDockerArchive(*input, request);
    }
    summary.outputBytes = stdfs::file_size(options_.output, ec);
    return summary;
}

} // namespace uk::converters
