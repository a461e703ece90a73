// Where the toolchain's writers put their bytes: a string (tests, small objects) or a file
// written through a buffer. A sink counts what it was given, so a writer that promised a size
// up front (an ELF section header says how long its contents are) can check it kept its word.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace uk::toolchain {

class ByteSink {
public:
    virtual ~ByteSink() = default;

    void write(std::string_view bytes) {
        put(bytes);
        written_ += bytes.size();
    }

    // Copies exactly `size` bytes from `fd`, starting at its current offset. `what` names
    // the source in errors: a read error, or fewer bytes than promised (the file shrank).
    void copyFrom(int fd, uint64_t size, const std::string& what) {
        copy(fd, size, what);
        written_ += size;
    }

    uint64_t written() const { return written_; }

protected:
    virtual void put(std::string_view bytes) = 0;
    // Reads through a buffer and put()s; sinks with a faster path override it.
    virtual void copy(int fd, uint64_t size, const std::string& what);

private:
    uint64_t written_ = 0;
};

class StringSink : public ByteSink {
public:
    const std::string& str() const { return out_; }

protected:
    void put(std::string_view bytes) override { out_.append(bytes); }

private:
    std::string out_;
};

// Writes to a file descriptor it does not own, in large chunks. File contents are copied
// by the kernel (copy_file_range) when it can, so they never pass through this process.
// Call flush() before closing the descriptor; errors name `path`.
class FileSink : public ByteSink {
public:
    FileSink(int fd, std::filesystem::path path);
    ~FileSink() override = default;
    FileSink(const FileSink&) = delete;
    FileSink& operator=(const FileSink&) = delete;

    void flush();

protected:
    void put(std::string_view bytes) override;
    void copy(int fd, uint64_t size, const std::string& what) override;

private:
    void writeAll(std::string_view bytes);
    // Returns how many bytes are left for the caller to copy (when the kernel cannot).
    uint64_t copyInKernel(int fd, uint64_t size, const std::string& what);

    static constexpr size_t kBufferSize = size_t{1} << 20;
    static constexpr uint64_t kKernelCopyMinimum = 64 * 1024;
    int fd_;
    std::filesystem::path path_;
    std::string buffer_;
    bool kernelCopy_ = true; // until copy_file_range says it cannot serve this pair
};

} // namespace uk::toolchain
