#include <uk/runtime/bundle_spec.h>

#include <sys/stat.h>

#include <cstdlib>
#include <limits>

#include <nlohmann/json.hpp>

#include <uk/support/fs.h>

namespace uk::runtime {

namespace stdfs = std::filesystem;
using json = nlohmann::json;

namespace {

// Reads fields of one config.json; each error names the file and the field's path.
class Reader {
public:
    explicit Reader(std::string what) : what_(std::move(what)) {}

    [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
        throw BundleError(what_ + ": " + field + ": " + problem);
    }

    // The member, or nullptr when it is absent or null (the spec's "optional").
    static const json* member(const json& object, const char* key) {
        auto it = object.find(key);
        return it == object.end() || it->is_null() ? nullptr : &*it;
    }

    const json* object(const json& parent, const char* key, const std::string& field) const {
        const json* j = member(parent, key);
        if (j != nullptr && !j->is_object()) {
            fail(field, "must be an object");
        }
        return j;
    }

    std::string string(const json& j, const std::string& field) const {
        if (!j.is_string()) {
            fail(field, "must be a string");
        }
        return j.get<std::string>();
    }

    std::vector<std::string> strings(const json& j, const std::string& field) const {
        if (!j.is_array()) {
            fail(field, "must be an array of strings");
        }
        std::vector<std::string> out;
        for (size_t i = 0; i < j.size(); ++i) {
            out.push_back(string(j[i], field + "[" + std::to_string(i) + "]"));
        }
        return out;
    }

    int64_t integer(const json& j, const std::string& field) const {
        if (!j.is_number_integer()) {
            fail(field, "must be an integer");
        }
        if (j.is_number_unsigned() &&
            j.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
            fail(field, "is too large");
        }
        return j.get<int64_t>();
    }

    uint64_t unsignedInteger(const json& j, const std::string& field) const {
        if (!j.is_number_integer() || (!j.is_number_unsigned() && j.get<int64_t>() < 0)) {
            fail(field, "must be a non-negative integer");
        }
        return j.get<uint64_t>();
    }

    uint32_t id32(const json& j, const std::string& field) const {
        uint64_t v = unsignedInteger(j, field);
        if (v > std::numeric_limits<uint32_t>::max()) {
            fail(field, "is too large for a user or group id");
        }
        return static_cast<uint32_t>(v);
    }

    bool boolean(const json& j, const std::string& field) const {
        if (!j.is_boolean()) {
            fail(field, "must be true or false");
        }
        return j.get<bool>();
    }

    std::vector<Hook> hooks(const json& j, const std::string& field) const {
        if (!j.is_array()) {
            fail(field, "must be an array of hooks");
        }
        std::vector<Hook> out;
        for (size_t i = 0; i < j.size(); ++i) {
            std::string f = field + "[" + std::to_string(i) + "]";
            if (!j[i].is_object()) {
                fail(f, "must be an object");
            }
            Hook h;
            const json* path = member(j[i], "path");
            if (path == nullptr) {
                fail(f + ".path", "is missing");
            }
            h.path = string(*path, f + ".path");
            if (h.path.empty() || h.path[0] != '/') {
                fail(f + ".path", "must be an absolute path, not '" + h.path + "'");
            }
            if (const json* a = member(j[i], "args")) {
                h.args = strings(*a, f + ".args");
            }
            if (const json* e = member(j[i], "env")) {
                h.env = strings(*e, f + ".env");
            }
            if (const json* t = member(j[i], "timeout")) {
                int64_t seconds = integer(*t, f + ".timeout");
                if (seconds <= 0 || seconds > 86400) {
                    fail(f + ".timeout", "must be a positive number of seconds");
                }
                h.timeoutSeconds = static_cast<int>(seconds);
            }
            out.push_back(std::move(h));
        }
        return out;
    }

private:
    std::string what_;
};

json parseJson(std::string_view text, const std::string& what) {
    try {
        json j = json::parse(text);
        if (!j.is_object()) {
            throw BundleError(what + ": not a JSON object");
        }
        return j;
    } catch (const json::parse_error& e) {
        // nlohmann's message names the byte; "[json.exception.parse_error.101] " says nothing.
        std::string reason = e.what();
        if (size_t p = reason.find("] "); p != std::string::npos) {
            reason.erase(0, p + 2);
        }
        throw BundleError(what + ": not valid JSON: " + reason);
    }
}

std::string readConfig(const stdfs::path& bundle, std::string* what) {
    stdfs::path file = bundle / "config.json";
    *what = file.string();
    std::error_code ec;
    if (!stdfs::is_directory(bundle, ec)) {
        throw BundleError("bundle " + bundle.string() + ": no such directory");
    }
    if (!stdfs::exists(file, ec)) {
        throw BundleError(*what + ": no such file (a bundle holds its container's configuration "
                                  "there, as `runc spec` writes it)");
    }
    try {
        return fs::readFile(file);
    } catch (const Error& e) {
        throw BundleError(e.what());
    }
}

stdfs::path absoluteBundle(const stdfs::path& bundle) {
    std::error_code ec;
    stdfs::path abs = stdfs::absolute(bundle, ec);
    return ec ? bundle : abs.lexically_normal();
}

stdfs::path rootPath(const json& config, const Reader& r, const stdfs::path& bundle) {
    const json* root = r.object(config, "root", "root");
    if (root == nullptr) {
        r.fail("root", "is missing (it names the container's root file system)");
    }
    const json* path = Reader::member(*root, "path");
    if (path == nullptr) {
        r.fail("root.path", "is missing");
    }
    stdfs::path p = r.string(*path, "root.path");
    if (p.empty()) {
        r.fail("root.path", "is empty");
    }
    return (p.is_absolute() ? p : bundle / p).lexically_normal();
}

} // namespace

stdfs::path readBundleRootfs(const stdfs::path& bundle) {
    stdfs::path abs = absoluteBundle(bundle);
    std::string what;
    std::string text = readConfig(abs, &what);
    json config = parseJson(text, what);
    return rootPath(config, Reader(what), abs);
}

BundleSpec loadBundleSpec(const stdfs::path& bundle) {
    stdfs::path abs = absoluteBundle(bundle);
    std::string what;
    std::string text = readConfig(abs, &what);
    return parseBundleSpec(text, abs, what);
}

BundleSpec parseBundleSpec(std::string_view text, const stdfs::path& bundle,
                           const std::string& what) {
    json config = parseJson(text, what);
    Reader r(what);
    BundleSpec spec;
    spec.bundle = bundle;
    spec.rootfs = rootPath(config, r, bundle);
    if (const json* v = Reader::member(config, "ociVersion")) {
        spec.ociVersion = r.string(*v, "ociVersion");
    }

    const json* process = r.object(config, "process", "process");
    if (process == nullptr) {
        r.fail("process", "is missing (it names the program to run)");
    }
    const json* args = Reader::member(*process, "args");
    if (args == nullptr) {
        r.fail("process.args", "is missing (it names the program to run)");
    }
    spec.args = r.strings(*args, "process.args");
    if (spec.args.empty() || spec.args[0].empty()) {
        r.fail("process.args", "must not be empty: its first word is the program to run");
    }
    if (const json* env = Reader::member(*process, "env")) {
        spec.env = r.strings(*env, "process.env");
        for (size_t i = 0; i < spec.env.size(); ++i) {
            size_t eq = spec.env[i].find('=');
            if (eq == std::string::npos || eq == 0) {
                r.fail("process.env[" + std::to_string(i) + "]",
                       "'" + spec.env[i] + "' is not NAME=VALUE");
            }
        }
    }
    if (const json* cwd = Reader::member(*process, "cwd")) {
        spec.cwd = r.string(*cwd, "process.cwd");
        if (spec.cwd.empty() || spec.cwd[0] != '/') {
            r.fail("process.cwd", "must be an absolute path, not '" + spec.cwd + "'");
        }
    }
    if (const json* t = Reader::member(*process, "terminal")) {
        spec.terminal = r.boolean(*t, "process.terminal");
    }
    if (const json* user = r.object(*process, "user", "process.user")) {
        if (const json* uid = Reader::member(*user, "uid")) {
            spec.uid = r.id32(*uid, "process.user.uid");
        }
        if (const json* gid = Reader::member(*user, "gid")) {
            spec.gid = r.id32(*gid, "process.user.gid");
        }
        if (const json* extra = Reader::member(*user, "additionalGids")) {
            if (!extra->is_array()) {
                r.fail("process.user.additionalGids", "must be an array of group ids");
            }
            for (size_t i = 0; i < extra->size(); ++i) {
                spec.additionalGids.push_back(
                    r.id32((*extra)[i], "process.user.additionalGids[" + std::to_string(i) + "]"));
            }
        }
    }
    if (const json* h = Reader::member(config, "hostname")) {
        spec.hostname = r.string(*h, "hostname");
    }

    if (const json* mounts = Reader::member(config, "mounts")) {
        if (!mounts->is_array()) {
            r.fail("mounts", "must be an array");
        }
        for (size_t i = 0; i < mounts->size(); ++i) {
            std::string f = "mounts[" + std::to_string(i) + "]";
            const json& m = (*mounts)[i];
            if (!m.is_object()) {
                r.fail(f, "must be an object");
            }
            Mount mount;
            const json* destination = Reader::member(m, "destination");
            if (destination == nullptr) {
                r.fail(f + ".destination", "is missing");
            }
            mount.destination = r.string(*destination, f + ".destination");
            if (const json* type = Reader::member(m, "type")) {
                mount.type = r.string(*type, f + ".type");
            }
            if (const json* source = Reader::member(m, "source")) {
                mount.source = r.string(*source, f + ".source");
            }
            if (const json* options = Reader::member(m, "options")) {
                mount.options = r.strings(*options, f + ".options");
            }
            spec.mounts.push_back(std::move(mount));
        }
    }

    if (const json* linuxSection = r.object(config, "linux", "linux")) {
        if (const json* resources = r.object(*linuxSection, "resources", "linux.resources")) {
            if (const json* memory = r.object(*resources, "memory", "linux.resources.memory")) {
                if (const json* limit = Reader::member(*memory, "limit")) {
                    int64_t bytes = r.integer(*limit, "linux.resources.memory.limit");
                    if (bytes < -1) {
                        r.fail("linux.resources.memory.limit",
                               std::to_string(bytes) + " is negative (-1 means no limit)");
                    }
                    if (bytes > 0) { // 0, as -1, sets no limit (runc's reading)
                        spec.memoryLimit = bytes;
                    }
                }
            }
            if (const json* cpu = r.object(*resources, "cpu", "linux.resources.cpu")) {
                if (const json* quota = Reader::member(*cpu, "quota")) {
                    int64_t q = r.integer(*quota, "linux.resources.cpu.quota");
                    if (q < -1) {
                        r.fail("linux.resources.cpu.quota",
                               std::to_string(q) + " is negative (-1 means no limit)");
                    }
                    if (q > 0) {
                        spec.cpuQuota = q;
                    }
                }
                if (const json* period = Reader::member(*cpu, "period")) {
                    spec.cpuPeriod = r.unsignedInteger(*period, "linux.resources.cpu.period");
                    if (*spec.cpuPeriod == 0) {
                        spec.cpuPeriod.reset(); // unset: the kernel's default
                    }
                }
                if (const json* cpus = Reader::member(*cpu, "cpus")) {
                    spec.cpusetCpus = r.string(*cpus, "linux.resources.cpu.cpus");
                }
            }
        }
        if (const json* namespaces = Reader::member(*linuxSection, "namespaces")) {
            if (!namespaces->is_array()) {
                r.fail("linux.namespaces", "must be an array");
            }
            for (size_t i = 0; i < namespaces->size(); ++i) {
                std::string f = "linux.namespaces[" + std::to_string(i) + "]";
                const json& ns = (*namespaces)[i];
                if (!ns.is_object()) {
                    r.fail(f, "must be an object");
                }
                const json* type = Reader::member(ns, "type");
                if (type == nullptr) {
                    r.fail(f + ".type", "is missing");
                }
                if (r.string(*type, f + ".type") != "network") {
                    continue; // the guest is its own pid, mount, ipc, uts and user space
                }
                const json* path = Reader::member(ns, "path");
                std::string p = path != nullptr ? r.string(*path, f + ".path") : "";
                if (p.empty()) {
                    spec.network = NetworkNamespace::New;
                } else {
                    if (p[0] != '/') {
                        r.fail(f + ".path", "must be an absolute path, not '" + p + "'");
                    }
                    spec.network = NetworkNamespace::Join;
                    spec.networkPath = p;
                }
            }
        }
        if (const json* cg = Reader::member(*linuxSection, "cgroupsPath")) {
            spec.cgroupsPath = r.string(*cg, "linux.cgroupsPath");
        }
    }

    if (const json* hooks = r.object(config, "hooks", "hooks")) {
        auto stage = [&](const char* name, std::vector<Hook>& out) {
            if (const json* h = Reader::member(*hooks, name)) {
                out = r.hooks(*h, std::string("hooks.") + name);
            }
        };
        stage("prestart", spec.hooks.prestart);
        stage("createRuntime", spec.hooks.createRuntime);
        stage("createContainer", spec.hooks.createContainer);
        stage("startContainer", spec.hooks.startContainer);
        stage("poststart", spec.hooks.poststart);
        stage("poststop", spec.hooks.poststop);
    }

    if (const json* annotations = r.object(config, "annotations", "annotations")) {
        for (const auto& [key, value] : annotations->items()) {
            spec.annotations.emplace_back(key, r.string(value, "annotations." + key));
        }
    }
    return spec;
}

bool holdsUkKernel(const stdfs::path& rootfs) {
    struct stat st;
    return ::lstat((rootfs / kKernelInRootfs).c_str(), &st) == 0;
}

std::optional<RuntimeSetting> runtimeSetting(const BundleSpec& spec, std::string_view annotation,
                                             const char* environment, const std::string& what) {
    std::optional<RuntimeSetting> found;
    for (const auto& [key, v] : spec.annotations) {
        if (key == annotation) {
            found = RuntimeSetting{v, what + ": annotations." + key};
        }
    }
    if (!found) {
        if (const char* env = std::getenv(environment); env != nullptr && *env != 0) {
            found = RuntimeSetting{env, std::string("$") + environment};
        }
    }
    return found;
}

} // namespace uk::runtime
