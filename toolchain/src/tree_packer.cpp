#include <uk/support/error.h>
#include <uk/toolchain/cpio_writer.h>
#include <uk/toolchain/errors.h>
#include <uk/toolchain/tree_packer.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <map>
#include <optional>

namespace uk::toolchain {

namespace stdfs = std::filesystem;

namespace {

// Closes a descriptor on scope exit.
class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

// The names in the directory `fd`, sorted by their bytes.
std::vector<std::string> listDirectory(int fd, const std::string& path) {
    // fdopendir takes over the descriptor it is given; the caller keeps `fd`.
    int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    DIR* dir = copy >= 0 ? ::fdopendir(copy) : nullptr;
    if (dir == nullptr) {
        if (copy >= 0) {
            ::close(copy);
        }
        throwErrno("cannot read directory " + path);
    }
    std::vector<std::string> names;
    for (;;) {
        errno = 0;
        const dirent* entry = ::readdir(dir);
        if (entry == nullptr) {
            break;
        }
        if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0) {
            names.emplace_back(entry->d_name);
        }
    }
    const int error = errno;
    ::closedir(dir);
    if (error != 0) {
        errno = error;
        throwErrno("cannot read directory " + path);
    }
    std::sort(names.begin(), names.end());
    return names;
}

// newc keeps 32-bit seconds: times before 1970 or after 2106 are clamped.
uint32_t clampTime(time_t seconds) {
    return static_cast<uint32_t>(
        std::clamp<time_t>(seconds, 0, std::numeric_limits<uint32_t>::max()));
}

// Entries that are one file under several names: everything but directories and symlinks.
bool linkable(mode_t mode) {
    return !S_ISDIR(mode) && !S_ISLNK(mode);
}

} // namespace

void checkTreeRoot(const stdfs::path& dir) {
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0) {
        if (errno == ENOENT) {
            throw Error(dir.string() + ": no such directory");
        }
        throwErrno(dir.string());
    }
    if (!S_ISDIR(st.st_mode)) {
        throw Error(dir.string() + ": not a directory (the root file system must be a directory "
                                   "tree)");
    }
}

TreePacker::TreePacker(stdfs::path dir, Options options)
    : dir_(std::move(dir)), options_(std::move(options)) {
    checkTreeRoot(dir_);
    struct stat st;
    rootFd_ = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootFd_ < 0 || ::fstat(rootFd_, &st) != 0) {
        int error = errno;
        if (rootFd_ >= 0) {
            ::close(rootFd_);
        }
        errno = error;
        throwErrno("cannot read directory " + dir_.string());
    }
    // What the tree has where a graft goes is left out; parents are grafted first.
    std::sort(options_.grafts.begin(), options_.grafts.end(),
              [](const Graft& a, const Graft& b) { return a.at < b.at; });
    for (const Graft& g : options_.grafts) {
        options_.skip.push_back(g.at);
    }
    entries_.push_back(Entry{.name = ".", .source = ".", .st = st});
    try {
        scanDirectory(rootFd_, "", 0, -1, "");
        for (const Graft& g : options_.grafts) {
            addGraft(g);
        }
    } catch (...) {
        // No destructor runs for a constructor that throws.
        ::close(rootFd_);
        for (int fd : graftFds_) {
            ::close(fd);
        }
        throw;
    }
    linkHardLinks();
    finishPlan();
}

TreePacker::~TreePacker() {
    if (rootFd_ >= 0) {
        ::close(rootFd_);
    }
    for (int fd : graftFds_) {
        ::close(fd);
    }
}

std::string TreePacker::hostPath(int root, const std::string& source) const {
    const stdfs::path& base = root < 0 ? dir_ : graftDirs_[static_cast<size_t>(root)];
    return source == "." ? base.string() : (base / source).string();
}

void TreePacker::scanDirectory(int fd, const std::string& prefix, size_t dirIndex, int root,
                               const std::string& sourcePrefix) {
    uint32_t subdirectories = 0;
    const std::string dirPath = hostPath(root, sourcePrefix.empty() ? "." : sourcePrefix);
    for (const std::string& name : listDirectory(fd, dirPath)) {
        const std::string relative = prefix.empty() ? name : prefix + "/" + name;
        const std::string source = sourcePrefix.empty() ? name : sourcePrefix + "/" + name;
        if (std::find(options_.skip.begin(), options_.skip.end(), relative) !=
            options_.skip.end()) {
            continue;
        }
        struct stat st;
        if (::fstatat(fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT) {
                continue; // removed since the directory was read
            }
            throwErrno(hostPath(root, source));
        }
        const bool excluded =
            std::find(options_.exclude.begin(), options_.exclude.end(),
                      std::pair<dev_t, ino_t>(st.st_dev, st.st_ino)) != options_.exclude.end();
        if (excluded && !S_ISDIR(st.st_mode)) {
            continue;
        }
        addEntry(fd, name, relative, st, root, source);
        if (!S_ISDIR(st.st_mode)) {
            continue;
        }
        ++subdirectories;
        Fd child(::openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (child.get() < 0) {
            throwErrno("cannot read directory " + hostPath(root, source));
        }
        scanDirectory(child.get(), relative, entries_.size() - 1, root, source);
    }
    // Not the host's count, which depends on the file system (btrfs says 1): "." and ".."
    // and one per subdirectory, as Linux's own file systems count them.
    entries_[dirIndex].nlink = 2 + subdirectories;
}

void TreePacker::addGraft(const Graft& graft) {
    const std::string label =
        "/" + graft.at + (graft.source.empty() ? "" : " (from " + graft.source.string() + ")");
    auto indexOf = [&](const std::string& name) -> std::optional<size_t> {
        for (size_t i = 0; i < entries_.size(); ++i) {
            if (entries_[i].name == name) {
                return i;
            }
        }
        return std::nullopt;
    };
    auto directory = [](mode_t mode) {
        struct stat st {};
        st.st_mode = S_IFDIR | mode;
        return st;
    };
    // The parents: the tree's own directories, or new ones.
    size_t parent = 0;
    for (size_t slash = graft.at.find('/'); slash != std::string::npos;
         slash = graft.at.find('/', slash + 1)) {
        const std::string name = graft.at.substr(0, slash);
        if (auto i = indexOf(name)) {
            if (!S_ISDIR(entries_[*i].st.st_mode)) {
                throw GraftError(label + ": /" + name + " is " +
                                 (S_ISLNK(entries_[*i].st.st_mode)
                                      ? "a symbolic link (to " + entries_[*i].linkTarget +
                                            ") in the root file system: use the path it leads to"
                                      : "not a directory in the root file system"));
            }
            parent = *i;
            continue;
        }
        entries_.push_back(Entry{.name = name, .source = "", .st = directory(0755)});
        ++entries_[parent].nlink;
        parent = entries_.size() - 1;
        entries_[parent].nlink = 2;
    }
    if (graft.source.empty()) {
        entries_.push_back(Entry{.name = graft.at, .source = "", .st = directory(graft.emptyMode)});
        entries_.back().nlink = 2;
        ++entries_[parent].nlink;
        return;
    }
    std::error_code ec;
    const stdfs::path source = stdfs::canonical(graft.source, ec);
    struct stat st;
    if (ec || ::stat(source.c_str(), &st) != 0) {
        throw GraftError(label + ": " + (ec ? ec.message() : std::strerror(errno)));
    }
    try {
        addGraftSource(source, st, graft.at, parent);
    } catch (const Error& e) {
        throw GraftError(label + ": " + e.what());
    }
}

void TreePacker::addGraftSource(const stdfs::path& source, const struct stat& st,
                                const std::string& at, size_t parent) {
    const bool isDirectory = S_ISDIR(st.st_mode);
    const stdfs::path dir = isDirectory ? source : source.parent_path();
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        throwErrno("cannot read directory " + dir.string());
    }
    graftFds_.push_back(fd);
    graftDirs_.push_back(dir);
    const int root = static_cast<int>(graftFds_.size() - 1);
    if (isDirectory) {
        entries_.push_back(Entry{.name = at, .root = root, .source = ".", .st = st});
        ++entries_[parent].nlink;
        scanDirectory(fd, at, entries_.size() - 1, root, "");
        return;
    }
    const std::string file = source.filename().string();
    addEntry(fd, file, at, st, root, file);
}

void TreePacker::addEntry(int dirFd, const std::string& name, const std::string& relative,
                          const struct stat& st, int root, const std::string& source) {
    const std::string path = hostPath(root, source);
    if (relative.size() + 1 > CpioWriter::kMaxNameSize) {
        throw Error(path + ": name too long for the archive (" + std::to_string(relative.size()) +
                    " bytes inside the tree, at most " +
                    std::to_string(CpioWriter::kMaxNameSize - 1) + ")");
    }
    Entry entry{.name = relative, .root = root, .source = source, .st = st};
    switch (st.st_mode & S_IFMT) {
    case S_IFREG:
        if (static_cast<uint64_t>(st.st_size) > std::numeric_limits<uint32_t>::max()) {
            throw Error(path + ": too large for the archive (" + std::to_string(st.st_size) +
                        " bytes; cpio newc holds files below 4 GiB)");
        }
        // Found now rather than after writing everything before it.
        if (::faccessat(dirFd, name.c_str(), R_OK, AT_EACCESS) != 0) {
            throwErrno("cannot read " + path);
        }
        break;
    case S_IFLNK: {
        char target[CpioWriter::kMaxNameSize];
        ssize_t n = ::readlinkat(dirFd, name.c_str(), target, sizeof target);
        if (n < 0) {
            throwErrno("cannot read symbolic link " + path);
        }
        if (static_cast<size_t>(n) >= sizeof target) {
            throw Error(path + ": symbolic link target too long for the archive");
        }
        entry.linkTarget.assign(target, static_cast<size_t>(n));
        break;
    }
    case S_IFDIR:
    case S_IFIFO:
    case S_IFCHR:
    case S_IFBLK:
        break;
    case S_IFSOCK:
        throw Error(path + ": a socket cannot be packed (remove it, or pack a copy of the tree "
                           "without it)");
    default:
        throw Error(path + ": unknown file type (mode " + std::to_string(st.st_mode) + ")");
    }
    entries_.push_back(std::move(entry));
}

void TreePacker::linkHardLinks() {
    // Names of one file (same device and inode) inside the tree; the host's st_nlink also
    // counts names outside it.
    std::map<std::pair<dev_t, ino_t>, std::vector<size_t>> files;
    for (size_t i = 1; i < entries_.size(); ++i) {
        const struct stat& st = entries_[i].st;
        if (linkable(st.st_mode) && st.st_nlink > 1) {
            files[{st.st_dev, st.st_ino}].push_back(i);
        }
    }
    // Inode numbers count from 1 in archive order; a linked file keeps its first name's.
    std::vector<size_t> firstName(entries_.size());
    for (size_t i = 0; i < entries_.size(); ++i) {
        firstName[i] = i;
    }
    for (const auto& [key, names] : files) {
        if (names.size() < 2) {
            continue;
        }
        for (size_t i : names) {
            entries_[i].nlink = static_cast<uint32_t>(names.size());
            entries_[i].carriesData = i == names.back();
            firstName[i] = names.front();
        }
    }
    uint32_t next = 1;
    for (size_t i = 0; i < entries_.size(); ++i) {
        entries_[i].ino = firstName[i] == i ? next++ : entries_[firstName[i]].ino;
    }
}

uint64_t TreePacker::dataSize(const Entry& entry) const {
    if (S_ISLNK(entry.st.st_mode)) {
        return entry.linkTarget.size();
    }
    if (S_ISREG(entry.st.st_mode) && entry.carriesData) {
        return static_cast<uint64_t>(entry.st.st_size);
    }
    return 0;
}

void TreePacker::finishPlan() {
    archiveSize_ = 0;
    for (const Entry& entry : entries_) {
        const uint64_t data = dataSize(entry);
        archiveSize_ +=
            CpioWriter::entrySize(archiveSize_, entry.name.size(), entry.st.st_mode, data);
        ++stats_.entries;
        stats_.dataBytes += data;
        switch (entry.st.st_mode & S_IFMT) {
        case S_IFREG:
            (entry.carriesData ? stats_.files : stats_.hardLinks)++;
            break;
        case S_IFDIR:
            ++stats_.directories;
            break;
        case S_IFLNK:
            ++stats_.symlinks;
            break;
        default:
            (entry.nlink > 1 && !entry.carriesData ? stats_.hardLinks : stats_.special)++;
            break;
        }
    }
    archiveSize_ += CpioWriter::trailerSize();
}

void TreePacker::write(ByteSink& sink) const {
    CpioWriter writer(sink);
    for (const Entry& entry : entries_) {
        if (options_.cancelled && options_.cancelled()) {
            throw BuildCancelled();
        }
        const struct stat& st = entry.st;
        CpioHeader header{
            .name = entry.name,
            .ino = entry.ino,
            .mode = st.st_mode,
            .uid = st.st_uid,
            .gid = st.st_gid,
            .nlink = entry.nlink,
            .mtime = clampTime(st.st_mtime),
            .fileSize = static_cast<uint32_t>(dataSize(entry)),
        };
        if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
            header.rdevMajor = major(st.st_rdev);
            header.rdevMinor = minor(st.st_rdev);
        }
        writer.beginEntry(header);
        if (S_ISLNK(st.st_mode)) {
            writer.writeData(entry.linkTarget);
        } else if (header.fileSize > 0) {
            writeFile(writer, entry);
        }
        if (options_.progress) {
            options_.progress(writer.size(), archiveSize_);
        }
    }
    writer.finish();
    if (writer.size() != archiveSize_) {
        throw Error("internal error: the archive came out " + std::to_string(writer.size()) +
                    " bytes long, planned " + std::to_string(archiveSize_));
    }
}

void TreePacker::writeFile(CpioWriter& writer, const Entry& entry) const {
    const std::string path = hostPath(entry.root, entry.source);
    const int dirFd = entry.root < 0 ? rootFd_ : graftFds_[static_cast<size_t>(entry.root)];
    Fd file(::openat(dirFd, entry.source.c_str(), O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC));
    struct stat now;
    if (file.get() < 0 || ::fstat(file.get(), &now) != 0) {
        throwErrno("cannot read " + path);
    }
    // The header, written already, promised the size seen when the tree was listed.
    if (now.st_dev != entry.st.st_dev || now.st_ino != entry.st.st_ino ||
        now.st_size != entry.st.st_size) {
        throw Error(path + ": changed while packing");
    }
    writer.copyData(file.get(), static_cast<uint64_t>(now.st_size), path);
}

} // namespace uk::toolchain
