#include <uk/support/error.h>
#include <uk/support/fs.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace uk::fs {

namespace stdfs = std::filesystem;

TempDir::TempDir(std::string_view prefix) {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base != nullptr && *base != 0 ? base : "/tmp") + "/" +
                        std::string(prefix) + "-XXXXXX";
    if (mkdtemp(templ.data()) == nullptr) {
        throwErrno("cannot create a temporary directory in " + templ.substr(0, templ.rfind('/')));
    }
    path_ = templ;
}

TempDir::~TempDir() {
    if (!keep_) {
        std::error_code ec;
        stdfs::remove_all(path_, ec);
    }
}

std::string readFile(const stdfs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throwErrno("cannot read " + path.string());
    }
    std::ostringstream s;
    s << in.rdbuf();
    if (in.bad()) {
        throwErrno("cannot read " + path.string());
    }
    return std::move(s).str();
}

void writeFileAtomic(const stdfs::path& path, std::string_view data, bool executable) {
    stdfs::path dir = path.has_parent_path() ? path.parent_path() : stdfs::path(".");
    std::string tmp = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
    int fd = mkstemp(tmp.data());
    if (fd < 0) {
        throwErrno("cannot write " + path.string());
    }
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            int e = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            errno = e;
            throwErrno("cannot write " + path.string());
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
    mode_t mode = executable ? 0755 : 0644;
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, mode & ~mask) != 0 || ::close(fd) != 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        errno = e;
        throwErrno("cannot write " + path.string());
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        errno = e;
        throwErrno("cannot write " + path.string());
    }
}

PendingOutput::PendingOutput(const stdfs::path& output) : output_(output) {
    stdfs::path dir = output.has_parent_path() ? output.parent_path() : stdfs::path(".");
    std::string pattern = (dir / ("." + output.filename().string() + ".tmp-XXXXXX")).string();
    int fd = ::mkstemp(pattern.data());
    if (fd < 0) {
        throwErrno("cannot write " + output.string());
    }
    ::close(fd);
    path_ = pattern;
}

PendingOutput::~PendingOutput() {
    if (!committed_) {
        ::unlink(path_.c_str());
    }
}

void PendingOutput::commit() {
    replaceFile(path_, output_);
    committed_ = true;
}

void replaceFile(const stdfs::path& from, const stdfs::path& to) {
    if (::rename(from.c_str(), to.c_str()) != 0) {
        throwErrno("cannot write " + to.string());
    }
}

stdfs::path selfExecutable() {
    std::error_code ec;
    stdfs::path p = stdfs::read_symlink("/proc/self/exe", ec);
    if (ec) {
        throw Error("cannot find the uk executable: /proc/self/exe: " + ec.message());
    }
    return p;
}

std::optional<stdfs::path> findProgram(std::string_view name) {
    auto executable = [](const stdfs::path& p) {
        return ::access(p.c_str(), X_OK) == 0 && !stdfs::is_directory(p);
    };
    if (name.find('/') != std::string_view::npos) {
        stdfs::path p(name);
        return executable(p) ? std::optional(p) : std::nullopt;
    }
    const char* path = std::getenv("PATH");
    std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
    size_t start = 0;
    while (start <= dirs.size()) {
        size_t end = dirs.find(':', start);
        if (end == std::string::npos) {
            end = dirs.size();
        }
        std::string dir = dirs.substr(start, end - start);
        stdfs::path candidate = stdfs::path(dir.empty() ? "." : dir) / std::string(name);
        if (executable(candidate)) {
            return candidate;
        }
        start = end + 1;
    }
    return std::nullopt;
}

bool writeAll(int fd, std::string_view data) {
    while (!data.empty()) {
        ssize_t n = ::write(fd, data.data(), data.size());
        if (n >= 0) {
            data.remove_prefix(static_cast<size_t>(n));
            continue;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN) {
            pollfd p = {fd, POLLOUT, 0};
            ::poll(&p, 1, -1);
            continue;
        }
        return false;
    }
    return true;
}

} // namespace uk::fs
