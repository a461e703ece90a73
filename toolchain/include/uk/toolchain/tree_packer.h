// Packs a directory tree into a cpio newc archive (see cpio_writer.h): the root file system
// of an image made by `uk pack`.
//
// Every entry is archived as it is, never following a symbolic link: regular files with
// their contents, directories, symlinks (the target, verbatim, is the entry's data), FIFOs
// and device nodes (with their device number), each with its mode, owner, group and
// modification time. Names are relative to the tree ("." is its root, then "bin",
// "bin/sh", ...), parents come before their children and siblings in byte order, and inode
// numbers are counted from 1 in that order, so the same tree always gives the same archive.
//
// Hard links (names of one file inside the tree) share an inode number and carry nlink =
// the number of those names; the contents are written once, with the last name, as GNU
// cpio and the Linux kernel do. FIFOs and device nodes are linked the same way; symlinks
// are not (readers recreate each symlink from its own entry).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <uk/toolchain/byte_sink.h>

namespace uk::toolchain {

class CpioWriter;

// A graft (TreePacker::Options::grafts) that cannot be packed; the message starts with the
// graft's place: "/AT (from SOURCE): ...".
class GraftError : public Error {
public:
    using Error::Error;
};

struct TreeStats {
    size_t entries = 0; // the root included, the trailer not
    size_t files = 0;   // regular files (a hard-linked file counts once)
    size_t directories = 0;
    size_t symlinks = 0;
    size_t hardLinks = 0; // names beyond the first of hard-linked files
    size_t special = 0;   // FIFOs and device nodes
    uint64_t dataBytes = 0;
};

// Throws uk::Error unless `dir` is a directory (or a symlink to one): "DIR: no such
// directory", "DIR: not a directory ...".
void checkTreeRoot(const std::filesystem::path& dir);

class TreePacker {
public:
    // Another host tree (or file) packed at a name inside this one, in place of whatever the
    // tree has there: a container's bind mount, copied into the guest's root file system.
    struct Graft {
        std::string at;               // relative name ("srv/www"), no "./" or leading "/"
        std::filesystem::path source; // a directory or a file; empty: an empty directory
        mode_t emptyMode = 0755;      // the empty directory's permissions
    };

    struct Options {
        // Files left out, by (st_dev, st_ino): e.g. the image being written into the tree.
        std::vector<std::pair<dev_t, ino_t>> exclude;
        // Names relative to the tree ("a/b", no "./") left out with everything under them,
        // directories included: e.g. /.uk, where a container's uk kernel lives, which the
        // guest booted from it must not see in its own root file system.
        std::vector<std::string> skip;
        // Packed after the tree, parents before children (a graft may sit inside another):
        // the source's own entries (symbolic links inside it not followed; the source itself
        // followed), under directories made for the missing parents of `at` (mode 0755,
        // root's). A parent of `at` that is not a directory in the tree, and a source that
        // cannot be packed, throw GraftError.
        std::vector<Graft> grafts;
        // Called after each entry is written with the archive bytes written and the total.
        std::function<void(uint64_t done, uint64_t total)> progress;
        // Checked before each entry; true stops write() with BuildCancelled.
        std::function<bool()> cancelled;
    };

    // Lists the tree under `dir` (a directory, or a symlink to one) and plans the archive.
    // Throws uk::Error, naming the path, when `dir` is missing or not a directory, or an
    // entry cannot be archived: a socket, an unreadable file or directory, a name longer
    // than the format allows, a file of 4 GiB or more.
    explicit TreePacker(std::filesystem::path dir, Options options = {});
    ~TreePacker();
    TreePacker(const TreePacker&) = delete;
    TreePacker& operator=(const TreePacker&) = delete;

    // The archive's exact size in bytes, known before it is written.
    uint64_t archiveSize() const { return archiveSize_; }
    const TreeStats& stats() const { return stats_; }

    // Writes the archive, exactly archiveSize() bytes. Throws uk::Error when a file cannot
    // be read or changed since the tree was listed.
    void write(ByteSink& sink) const;

private:
    struct Entry {
        std::string name;
        int root = -1;      // where its bytes are: -1 the tree, else graftDirs_[root]
        std::string source; // its name under that root (for the tree, `name`)
        struct stat st;
        uint32_t ino = 0;
        uint32_t nlink = 1;
        bool carriesData = true; // false for a hard-linked file's names but the last
        std::string linkTarget;  // symlinks
    };

    void scanDirectory(int fd, const std::string& prefix, size_t dirIndex, int root,
                       const std::string& sourcePrefix);
    void addEntry(int dirFd, const std::string& name, const std::string& relative,
                  const struct stat& st, int root, const std::string& source);
    void addGraft(const Graft& graft);
    void addGraftSource(const std::filesystem::path& source, const struct stat& st,
                        const std::string& at, size_t parent);
    void linkHardLinks();
    void finishPlan();
    uint64_t dataSize(const Entry& entry) const;
    std::string hostPath(int root, const std::string& source) const;
    void writeFile(CpioWriter& writer, const Entry& entry) const;

    std::filesystem::path dir_;
    Options options_;
    int rootFd_ = -1;
    std::vector<int> graftFds_;                    // the directory each graft is read from
    std::vector<std::filesystem::path> graftDirs_; // ... and its path, for messages
    std::vector<Entry> entries_;
    uint64_t archiveSize_ = 0;
    TreeStats stats_;
};

} // namespace uk::toolchain
