#include <uk/converters/content_spool.h>
#include <uk/support/error.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace uk::converters {

namespace {
constexpr size_t kBufferSize = size_t{4} << 20;
} // namespace

ContentSpool::ContentSpool(const std::filesystem::path& dir) : dir_(dir) {
    fd_ = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd_ < 0) {
        std::string path = (dir / "uk-spool-XXXXXX").string();
        fd_ = ::mkostemp(path.data(), O_CLOEXEC);
        if (fd_ >= 0) {
            ::unlink(path.c_str());
        }
    }
    if (fd_ < 0) {
        throw Error("cannot create a temporary file in " + dir.string() + ": " +
                    std::strerror(errno));
    }
    buffer_.reserve(kBufferSize);
}

ContentSpool::~ContentSpool() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

uint64_t ContentSpool::append(std::string_view bytes) {
    uint64_t at = size_;
    size_ += bytes.size();
    if (buffer_.size() + bytes.size() > kBufferSize) {
        flush();
    }
    if (bytes.size() >= kBufferSize) {
        buffer_.assign(bytes);
        flush();
    } else {
        buffer_.append(bytes);
    }
    return at;
}

void ContentSpool::flush() {
    const char* p = buffer_.data();
    size_t left = buffer_.size();
    while (left > 0) {
        ssize_t n = ::pwrite(fd_, p, left, static_cast<off_t>(flushed_));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw Error("cannot write the temporary file in " + dir_.string() + ": " +
                        std::strerror(errno));
        }
        p += n;
        left -= static_cast<size_t>(n);
        flushed_ += static_cast<uint64_t>(n);
    }
    buffer_.clear();
}

std::string ContentSpool::read(uint64_t offset, uint64_t size) {
    flush();
    std::string out(size, '\0');
    uint64_t done = 0;
    while (done < size) {
        ssize_t n = ::pread(fd_, out.data() + done, size - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            throw Error("cannot read back the temporary file in " + dir_.string());
        }
        done += static_cast<uint64_t>(n);
    }
    return out;
}

} // namespace uk::converters
