#include <uk/support/error.h>
#include <uk/toolchain/byte_sink.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace uk::toolchain {

namespace {

[[noreturn]] void throwShrank(const std::string& what, uint64_t missing) {
    throw Error(what + ": changed while packing (" + std::to_string(missing) +
                " bytes fewer than when it was listed)");
}

// read() that retries on EINTR; throws on errors.
size_t readSome(int fd, char* data, size_t size, const std::string& what) {
    for (;;) {
        ssize_t n = ::read(fd, data, size);
        if (n >= 0) {
            return static_cast<size_t>(n);
        }
        if (errno != EINTR) {
            throwErrno(what);
        }
    }
}

} // namespace

void ByteSink::copy(int fd, uint64_t size, const std::string& what) {
    char chunk[64 * 1024];
    while (size > 0) {
        size_t n =
            readSome(fd, chunk, static_cast<size_t>(std::min<uint64_t>(size, sizeof chunk)), what);
        if (n == 0) {
            throwShrank(what, size);
        }
        put(std::string_view(chunk, n));
        size -= n;
    }
}

FileSink::FileSink(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {
    buffer_.reserve(kBufferSize);
}

void FileSink::put(std::string_view bytes) {
    if (buffer_.size() + bytes.size() > kBufferSize) {
        flush();
    }
    if (bytes.size() >= kBufferSize) {
        writeAll(bytes);
    } else {
        buffer_.append(bytes);
    }
}

void FileSink::flush() {
    writeAll(buffer_);
    buffer_.clear();
}

void FileSink::writeAll(std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd_, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            throwErrno("cannot write " + path_.string());
        }
        bytes.remove_prefix(static_cast<size_t>(n));
    }
}

void FileSink::copy(int fd, uint64_t size, const std::string& what) {
    // Small files are read straight into the buffer, which batches them into few writes:
    // cheaper than a system call per file on the way out.
    if (kernelCopy_ && size >= kKernelCopyMinimum) {
        size = copyInKernel(fd, size, what);
    }
    while (size > 0) {
        if (buffer_.size() == kBufferSize) {
            flush();
        }
        const size_t used = buffer_.size();
        const size_t room = static_cast<size_t>(std::min<uint64_t>(size, kBufferSize - used));
        buffer_.resize(used + room);
        const size_t n = readSome(fd, buffer_.data() + used, room, what);
        buffer_.resize(used + n);
        if (n == 0) {
            throwShrank(what, size);
        }
        size -= n;
    }
}

uint64_t FileSink::copyInKernel(int fd, uint64_t size, const std::string& what) {
    flush();
    while (size > 0) {
        ssize_t n = ::copy_file_range(fd, nullptr, fd_, nullptr, size, 0);
        if (n > 0) {
            size -= static_cast<uint64_t>(n);
            continue;
        }
        if (n == 0) {
            throwShrank(what, size);
        }
        if (errno == EINTR) {
            continue;
        }
        // Not every pair of files can be copied in the kernel (older kernels across file
        // systems, some special file systems): the caller reads and writes the rest. Both
        // offsets moved together, so the rest starts where the kernel stopped.
        if (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) {
            kernelCopy_ = false;
            return size;
        }
        // EIO, ENOSPC...: which side failed is not known, so name both.
        throwErrno("copying " + what + " into " + path_.string());
    }
    return 0;
}

} // namespace uk::toolchain
