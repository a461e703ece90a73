// Where the contents of layer files wait between reading a layer and writing the flattened
// root file system: one anonymous temporary file, appended to as layers stream in and read
// back by offset. It never becomes a directory tree, so names, modes and owners stay exactly
// as the layers say (no host file system or privilege gets in the way), and the pages are
// usually still in the page cache when the archive is written.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace uk::converters {

class ContentSpool {
public:
    // An unnamed file in `dir` (O_TMPFILE; a named-then-unlinked one where that is refused).
    explicit ContentSpool(const std::filesystem::path& dir);
    ~ContentSpool();
    ContentSpool(const ContentSpool&) = delete;
    ContentSpool& operator=(const ContentSpool&) = delete;

    // Appends `bytes`; returns where they start.
    uint64_t append(std::string_view bytes);
    uint64_t size() const { return size_; }

    // Writes out what is buffered; call before reading through fd().
    void flush();
    int fd() const { return fd_; }
    // Reads `size` bytes at `offset` (flushes first).
    std::string read(uint64_t offset, uint64_t size);

private:
    int fd_ = -1;
    std::filesystem::path dir_;
    std::string buffer_;
    uint64_t size_ = 0;
    uint64_t flushed_ = 0;
};

} // namespace uk::converters
