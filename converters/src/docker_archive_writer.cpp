#include <uk/converters/docker_archive_writer.h>
#include <uk/converters/sha256.h>
#include <uk/support/error.h>
#include <uk/support/fs.h>

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <set>

namespace uk::converters {

namespace stdfs = std::filesystem;
using nlohmann::json;

namespace {

struct WriterDeleter {
    void operator()(struct archive* a) const { archive_write_free(a); }
};
using WriterPtr = std::unique_ptr<struct archive, WriterDeleter>;

class TarWriter {
public:
    // Writes to `fd` (not owned); pax format (long names, big files).
    explicit TarWriter(const std::string& what) : what_(what), a_(archive_write_new()) {
        archive_write_set_format_pax_restricted(a_.get());
        archive_write_set_bytes_in_last_block(a_.get(), 1);
    }

    void openFile(const stdfs::path& path) {
        check(archive_write_open_filename(a_.get(), path.c_str()));
    }

    void openMemory(std::string& out) {
        out_ = &out;
        check(archive_write_open(a_.get(), this, nullptr, &TarWriter::writeToString, nullptr));
    }

    void add(const std::string& name, std::string_view data, unsigned mode = 0644) {
        begin(name, data.size(), AE_IFREG, mode);
        write(data);
    }

    void directory(const std::string& name) { begin(name, 0, AE_IFDIR, 0755); }

    void begin(const std::string& name, uint64_t size, unsigned type, unsigned mode) {
        struct archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, name.c_str());
        archive_entry_set_size(e, static_cast<la_int64_t>(size));
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, mode);
        archive_entry_set_mtime(e, 0, 0);
        int r = archive_write_header(a_.get(), e);
        archive_entry_free(e);
        check(r);
    }

    void write(std::string_view data) {
        while (!data.empty()) {
            la_ssize_t n = archive_write_data(a_.get(), data.data(), data.size());
            if (n <= 0) {
                check(ARCHIVE_FATAL);
            }
            data.remove_prefix(static_cast<size_t>(n));
        }
    }

    void close() { check(archive_write_close(a_.get())); }

private:
    static la_ssize_t writeToString(struct archive*, void* self, const void* buf, size_t n) {
        static_cast<TarWriter*>(self)->out_->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
    }

    void check(int r) {
        if (r < ARCHIVE_WARN) {
            const char* msg = archive_error_string(a_.get());
            throw Error(what_ + ": " + (msg ? msg : "cannot write the tarball"));
        }
    }

    std::string what_;
    WriterPtr a_;
    std::string* out_ = nullptr;
};

} // namespace

std::string runtimeConfigJson(const toolchain::ImageConfig& c) {
    json j{{"entrypoint", c.entrypoint},
           {"cmd", c.cmd},
           {"env", c.env},
           {"workingDir", c.workingDir},
           {"user", c.user},
           {"groups", c.groups},
           {"kernel", std::string("/") + kKernelPath}};
    return j.dump(2) + "\n";
}

void writeDockerArchive(ImageInput& input, const DockerArchiveRequest& request) {
    const std::string what = request.output.string();
    json config;
    try {
        config = json::parse(request.configJson);
    } catch (const json::exception& e) {
        throw Error(what + ": the image config does not parse: " + e.what());
    }

    // The uk layer, small enough to build in memory.
    std::string ukLayer;
    {
        TarWriter layer(what);
        layer.openMemory(ukLayer);
        layer.directory(".uk");
        layer.add(kKernelPath, fs::readFile(request.kernel), 0755);
        layer.add(kConfigPath, runtimeConfigJson(request.config));
        layer.close();
    }
    const std::string ukDiffId = Sha256::of(ukLayer);
    config["rootfs"]["diff_ids"].push_back(ukDiffId);
    if (!config["config"].is_object()) {
        config["config"] = json::object();
    }
    if (!config["config"]["Labels"].is_object()) {
        config["config"]["Labels"] = json::object();
    }
    config["config"]["Labels"][kKernelLabel] = std::string("/") + kKernelPath;
    if (config.contains("history") && config["history"].is_array()) {
        config["history"].push_back(
            json{{"created_by", "uk convert --format docker"},
                 {"comment", "the uk kernel and its configuration in /.uk"}});
    }
    const std::string configText = config.dump();
    const std::string configName = digestHex(Sha256::of(configText)) + ".json";

    json manifestLayers = json::array();
    std::vector<std::string> names;
    const auto& diffIds = config["rootfs"]["diff_ids"];
    for (size_t i = 0; i < request.layers.size(); ++i) {
        names.push_back(digestHex(diffIds[i].get<std::string>()) + "/layer.tar");
    }
    names.push_back(digestHex(ukDiffId) + "/layer.tar");
    for (const auto& n : names) {
        manifestLayers.push_back(n);
    }
    json manifest = json::array({json{
        {"Config", configName},
        {"RepoTags", request.repoTag.empty() ? json::array() : json::array({request.repoTag})},
        {"Layers", manifestLayers}}});

    fs::PendingOutput pending(request.output);
    {
        TarWriter out(what);
        out.openFile(pending.path());
        out.add(configName, configText);
        // Layers in order; a layer listed twice is written once.
        std::set<std::string> written;
        for (size_t i = 0; i < request.layers.size(); ++i) {
            if (!written.insert(names[i]).second) {
                continue;
            }
            const std::string dir = names[i].substr(0, names[i].find('/'));
            auto size = input.size(request.layers[i]);
            if (!size) {
                throw Error(what + ": layer " + request.layers[i] + " vanished");
            }
            out.directory(dir);
            out.begin(names[i], *size, AE_IFREG, 0644);
            input.stream({request.layers[i]}, [&](const std::string&, const ByteReader& r) {
                std::string buf(1 << 20, '\0');
                uint64_t copied = 0;
                while (size_t n = r(buf.data(), buf.size())) {
                    out.write(std::string_view(buf.data(), n));
                    copied += n;
                }
                if (copied != *size) {
                    throw Error(what + ": layer " + request.layers[i] + " changed size");
                }
            });
        }
        std::string ukDir = names.back().substr(0, names.back().find('/'));
        out.directory(ukDir);
        out.add(names.back(), ukLayer);
        out.add("manifest.json", manifest.dump());
        out.close();
    }
    pending.commit();
}

} // namespace uk::converters
