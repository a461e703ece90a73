#include <uk/converters/image_input.h>
#include <uk/support/error.h>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>

namespace uk::converters {

namespace stdfs = std::filesystem;

namespace {

// Members up to this size are kept in memory when a tarball is listed: every JSON document,
// and small layers, so that most images need one pass over their tarball plus one for the
// big layers.
constexpr uint64_t kKeepInMemory = 1 << 20;

bool isFile(const stdfs::path& p) {
    std::error_code ec;
    return stdfs::is_regular_file(p, ec);
}

bool isDirectory(const stdfs::path& p) {
    std::error_code ec;
    return stdfs::is_directory(p, ec);
}

// "a:b:c" with a prefix that names an existing path: the longest such prefix is the path,
// the rest the reference.
std::pair<std::string, std::string> splitPathAndRef(const std::string& rest, bool directory) {
    auto exists = [&](const std::string& p) { return directory ? isDirectory(p) : isFile(p); };
    if (exists(rest)) {
        return {rest, ""};
    }
    for (size_t colon = rest.rfind(':'); colon != std::string::npos && colon > 0;
         colon = rest.rfind(':', colon - 1)) {
        if (exists(rest.substr(0, colon))) {
            return {rest.substr(0, colon), rest.substr(colon + 1)};
        }
    }
    return {rest, ""};
}

std::string memberName(const char* raw) {
    std::string name = raw != nullptr ? raw : "";
    while (name.rfind("./", 0) == 0) {
        name.erase(0, 2);
    }
    while (!name.empty() && name.back() == '/') {
        name.pop_back();
    }
    return name;
}

// Rejects names from JSON documents that could leave the layout ("../x", "/etc/x").
void checkMemberName(const std::string& name, const std::string& where) {
    if (name.empty() || name[0] == '/' || name == ".." || name.rfind("../", 0) == 0 ||
        name.find("/../") != std::string::npos ||
        (name.size() >= 3 && name.compare(name.size() - 3, 3, "/..") == 0)) {
        throw Error(where + ": the image refers to \"" + name +
                    "\", which is outside the image (a \"..\" or absolute name)");
    }
}

class DirectoryInput : public ImageInput {
public:
    explicit DirectoryInput(stdfs::path dir) : dir_(std::move(dir)) {}

    std::optional<uint64_t> size(const std::string& name) override {
        checkMemberName(name, dir_.string());
        struct stat st;
        if (::stat((dir_ / name).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
            return std::nullopt;
        }
        return static_cast<uint64_t>(st.st_size);
    }

    std::string where(const std::string& name) const override { return (dir_ / name).string(); }

    void stream(const std::vector<std::string>& names,
                const std::function<void(const std::string&, const ByteReader&)>& visit) override {
        for (const auto& name : names) {
            checkMemberName(name, dir_.string());
            stdfs::path path = dir_ / name;
            int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                throwErrno("cannot open " + path.string());
            }
            ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
            ByteReader reader = [fd, &path](char* buf, size_t cap) -> size_t {
                while (true) {
                    ssize_t n = ::read(fd, buf, cap);
                    if (n >= 0) {
                        return static_cast<size_t>(n);
                    }
                    if (errno != EINTR) {
                        throwErrno("cannot read " + path.string());
                    }
                }
            };
            try {
                visit(name, reader);
            } catch (...) {
                ::close(fd);
                throw;
            }
            ::close(fd);
        }
    }

private:
    stdfs::path dir_;
};

struct ArchiveDeleter {
    void operator()(struct archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<struct archive, ArchiveDeleter>;

class TarInput : public ImageInput {
public:
    explicit TarInput(stdfs::path tar) : tar_(std::move(tar)) { list(); }

    std::optional<uint64_t> size(const std::string& name) override {
        auto it = members_.find(resolve(name));
        if (it == members_.end()) {
            return std::nullopt;
        }
        return it->second.size;
    }

    std::string where(const std::string& name) const override {
        return tar_.string() + ": " + name;
    }

    void stream(const std::vector<std::string>& names,
                const std::function<void(const std::string&, const ByteReader&)>& visit) override {
        // Requested name -> the member it is (symlinked members resolved).
        std::map<std::string, std::vector<std::string>> wanted;
        for (const auto& name : names) {
            std::string member = resolve(name);
            if (!members_.count(member)) {
                throw Error(tar_.string() + ": no member " + name);
            }
            wanted[member].push_back(name);
        }
        auto serve = [&](const std::string& member, const ByteReader& reader,
                         const std::function<void()>& rewind) {
            bool first = true;
            for (const auto& name : wanted[member]) {
                if (!first) {
                    rewind();
                }
                first = false;
                visit(name, reader);
            }
        };
        std::set<std::string> left;
        for (const auto& [member, requested] : wanted) {
            (void)requested;
            const Member& m = members_.at(member);
            if (!m.kept) {
                left.insert(member);
                continue;
            }
            size_t pos = 0;
            ByteReader reader = [&](char* buf, size_t cap) {
                size_t n = std::min(cap, m.data.size() - pos);
                std::memcpy(buf, m.data.data() + pos, n);
                pos += n;
                return n;
            };
            serve(member, reader, [&] { pos = 0; });
        }
        if (left.empty()) {
            return;
        }
        ArchivePtr a = open();
        struct archive_entry* e = nullptr;
        while (!left.empty()) {
            int r = archive_read_next_header(a.get(), &e);
            if (r == ARCHIVE_EOF) {
                break;
            }
            check(a.get(), r);
            std::string name = memberName(archive_entry_pathname(e));
            if (!left.count(name) || archive_entry_filetype(e) != AE_IFREG) {
                continue;
            }
            left.erase(name);
            ByteReader reader = [&](char* buf, size_t cap) -> size_t {
                la_ssize_t n = archive_read_data(a.get(), buf, cap);
                if (n < 0) {
                    check(a.get(), static_cast<int>(n));
                }
                return static_cast<size_t>(n);
            };
            if (wanted[name].size() > 1) {
                // The same layer twice in one image: read it once into memory.
                std::string data;
                char buf[65536];
                while (size_t got = reader(buf, sizeof buf)) {
                    data.append(buf, got);
                }
                size_t pos = 0;
                ByteReader memory = [&](char* b, size_t cap) {
                    size_t n = std::min(cap, data.size() - pos);
                    std::memcpy(b, data.data() + pos, n);
                    pos += n;
                    return n;
                };
                serve(name, memory, [&] { pos = 0; });
            } else {
                serve(name, reader, [] {});
            }
        }
        if (!left.empty()) {
            throw Error(tar_.string() + ": " + *left.begin() + " disappeared while reading");
        }
    }

private:
    struct Member {
        uint64_t size = 0;
        bool kept = false;
        std::string data;
    };

    ArchivePtr open() const {
        ArchivePtr a(archive_read_new());
        archive_read_support_filter_all(a.get());
        archive_read_support_format_tar(a.get());
        if (archive_read_open_filename(a.get(), tar_.c_str(), 1 << 20) != ARCHIVE_OK) {
            throw notTar(a.get());
        }
        return a;
    }

    Error notTar(struct archive* a) const {
        const char* msg = archive_error_string(a);
        return Error(tar_.string() +
                     ": not a tar archive (a `docker save` tarball or an OCI layout in a tar was "
                     "expected; libarchive: " +
                     (msg ? msg : "unreadable") + ")");
    }

    void check(struct archive* a, int r) const {
        if (r < ARCHIVE_WARN) {
            const char* msg = archive_error_string(a);
            throw Error(tar_.string() + ": " + (msg ? msg : "not a readable tar archive"));
        }
    }

    void list() {
        ArchivePtr a = open();
        struct archive_entry* e = nullptr;
        bool first = true;
        while (true) {
            int r = archive_read_next_header(a.get(), &e);
            if (r == ARCHIVE_EOF) {
                break;
            }
            if (first && r < ARCHIVE_WARN) {
                throw notTar(a.get());
            }
            first = false;
            check(a.get(), r);
            std::string name = memberName(archive_entry_pathname(e));
            if (members_.count(name) || links_.count(name)) {
                throw Error(tar_.string() + ": \"" + name +
                            "\" appears twice in the tarball; which one is meant is unclear");
            }
            if (archive_entry_filetype(e) == AE_IFLNK && archive_entry_symlink(e) != nullptr) {
                // `docker save` links a layer that several images share.
                std::string dir =
                    name.find('/') == std::string::npos ? "" : name.substr(0, name.rfind('/') + 1);
                links_[name] = lexical(dir + archive_entry_symlink(e));
                continue;
            }
            if (archive_entry_filetype(e) != AE_IFREG) {
                continue;
            }
            Member m;
            m.size = static_cast<uint64_t>(archive_entry_size(e));
            if (m.size <= kKeepInMemory) {
                m.data.resize(m.size);
                la_ssize_t got = archive_read_data(a.get(), m.data.data(), m.size);
                if (got < 0) {
                    check(a.get(), static_cast<int>(got));
                }
                if (static_cast<uint64_t>(got) != m.size) {
                    throw Error(tar_.string() + ": " + name + " is truncated (" +
                                std::to_string(got) + " of " + std::to_string(m.size) + " bytes)");
                }
                m.kept = true;
            }
            members_[name] = std::move(m);
        }
        if (members_.empty()) {
            throw Error(tar_.string() + ": an empty tarball, not an image");
        }
    }

    static std::string lexical(const std::string& path) {
        std::vector<std::string> parts;
        size_t i = 0;
        while (i <= path.size()) {
            size_t end = path.find('/', i);
            if (end == std::string::npos) {
                end = path.size();
            }
            std::string part = path.substr(i, end - i);
            if (part == "..") {
                if (!parts.empty()) {
                    parts.pop_back();
                }
            } else if (!part.empty() && part != ".") {
                parts.push_back(part);
            }
            i = end + 1;
        }
        std::string out;
        for (const auto& p : parts) {
            out += (out.empty() ? "" : "/") + p;
        }
        return out;
    }

    std::string resolve(std::string name) const {
        for (int hops = 0; hops < 8; ++hops) {
            auto it = links_.find(name);
            if (it == links_.end()) {
                return name;
            }
            name = it->second;
        }
        return name;
    }

    stdfs::path tar_;
    std::map<std::string, Member> members_;
    std::map<std::string, std::string> links_;
};

} // namespace

std::optional<std::string> ImageInput::read(const std::string& name, uint64_t limit) {
    auto n = size(name);
    if (!n) {
        return std::nullopt;
    }
    if (*n > limit) {
        throw Error(where(name) + ": " + std::to_string(*n) +
                    " bytes, too big for what it should be (at most " + std::to_string(limit) +
                    ")");
    }
    std::string out;
    stream({name}, [&](const std::string&, const ByteReader& r) {
        char buf[65536];
        while (size_t got = r(buf, sizeof buf)) {
            out.append(buf, got);
            if (out.size() > limit) {
                throw Error(where(name) + ": grew while being read");
            }
        }
    });
    return out;
}

std::string ImageSource::str() const {
    switch (kind) {
    case SourceKind::OciLayout:
        return "oci:" + path.string() + (ref.empty() ? "" : ":" + ref);
    case SourceKind::OciArchive:
        return "oci-archive:" + path.string() + (ref.empty() ? "" : ":" + ref);
    case SourceKind::DockerArchive:
        return "docker-archive:" + path.string() + (ref.empty() ? "" : ":" + ref);
    case SourceKind::DockerDaemon:
        return "docker:" + ref;
    }
    return path.string();
}

ImageSource parseImageSource(const std::string& source) {
    ImageSource s;
    auto prefixed = [&](const char* prefix) {
        size_t n = std::strlen(prefix);
        return source.compare(0, n, prefix) == 0 ? std::optional(source.substr(n)) : std::nullopt;
    };
    if (auto rest = prefixed("docker:")) {
        if (rest->empty()) {
            throw Error("docker: needs an image name (docker:NAME[:TAG])");
        }
        s.kind = SourceKind::DockerDaemon;
        s.ref = *rest;
        s.path = *rest;
        return s;
    }
    struct Prefix {
        const char* text;
        SourceKind kind;
        bool directory;
    };
    for (const Prefix& p : {Prefix{"oci:", SourceKind::OciLayout, true},
                            Prefix{"oci-archive:", SourceKind::OciArchive, false},
                            Prefix{"docker-archive:", SourceKind::DockerArchive, false}}) {
        if (auto rest = prefixed(p.text)) {
            auto [path, ref] = splitPathAndRef(*rest, p.directory);
            s.kind = p.kind;
            s.path = path;
            s.ref = ref;
            if (p.directory ? !isDirectory(s.path) : !isFile(s.path)) {
                throw Error(s.path.string() + ": no such " + (p.directory ? "directory" : "file"));
            }
            return s;
        }
    }
    s.path = source;
    if (isDirectory(s.path)) {
        s.kind = SourceKind::OciLayout;
        return s;
    }
    if (isFile(s.path)) {
        // A tarball: OCI or `docker save`; the converter tells them apart by their files.
        s.kind = SourceKind::DockerArchive;
        return s;
    }
    throw Error(source +
                ": no such file or directory (an image in the local Docker daemon is "
                "docker:" +
                source + ")");
}

std::unique_ptr<ImageInput> openDirectoryInput(const stdfs::path& dir) {
    return std::make_unique<DirectoryInput>(dir);
}

std::unique_ptr<ImageInput> openTarInput(const stdfs::path& tar) {
    return std::make_unique<TarInput>(tar);
}

} // namespace uk::converters
