// Applies image layers, lowest first, to one file tree held as metadata (contents stay in the
// ContentSpool), with the OCI image-spec's rules: a later entry replaces an earlier one of
// the same name (two directories merge, the later's attributes winning); ".wh.NAME" removes
// NAME from the layers below; ".wh..wh..opq" hides everything the layers below put in its
// directory; hard links share one file (a later layer that rewrites one name breaks the link,
// as an overlay copy-up does); missing parent directories are made (0755, root).
//
// An entry that would write through a symbolic link (a parent of its name is a symlink in
// the tree) or below something that is not a directory is an error naming the entry, so
// nothing in a layer can reach outside the tree it builds. Symlink targets are kept as
// written: an absolute target means a path inside the image.
//
// write() produces the cpio newc archive uk images carry (docs/image-format.md), with the
// same conventions as `uk pack`: "." first, parents before children, siblings in byte
// order, inode numbers from 1, hard-linked data with the last name.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <uk/converters/content_spool.h>
#include <uk/converters/layer_reader.h>
#include <uk/toolchain/byte_sink.h>

namespace uk::converters {

struct RootfsStats {
    size_t entries = 0; // "." included
    size_t files = 0;   // a hard-linked file counts once
    size_t directories = 0;
    size_t symlinks = 0;
    size_t hardLinks = 0; // names beyond the first
    size_t special = 0;   // FIFOs and device nodes
    uint64_t dataBytes = 0;
};

class LayerFlattener {
public:
    explicit LayerFlattener(ContentSpool& spool);
    ~LayerFlattener();
    LayerFlattener(const LayerFlattener&) = delete;
    LayerFlattener& operator=(const LayerFlattener&) = delete;

    // Applies the next layer. `what` names it in errors.
    void apply(const LayerRecord& layer, const std::string& what);

    // Makes the directory `path` (absolute) and any missing parents (0755, root), as Docker
    // does for a WorkingDir the image lacks. Throws uk::Error if something else is in the way.
    void ensureDirectory(const std::string& path);

    // The tree's archive, exactly archiveSize() bytes.
    uint64_t archiveSize() const;
    void write(toolchain::ByteSink& sink, const std::function<void(uint64_t)>& progress = {});
    RootfsStats stats() const;

    // Names of what could not be kept (sockets), for one warning.
    const std::vector<std::string>& dropped() const { return dropped_; }

    // The contents of the regular file at `path` (symlinks followed inside the tree), or
    // nothing if there is no such file. For /etc/passwd and /etc/group.
    std::optional<std::string> readFile(const std::string& path);

    struct Inode;
    struct Node;

private:
    struct Planned;
    // The archive's entries in order, with inode numbers, link counts and which name of a
    // hard-linked file carries its data. Computed once after the last change to the tree
    // (archiveSize(), stats() and write() all need it).
    const std::vector<Planned>& plan() const;

    ContentSpool& spool_;
    std::unique_ptr<Node> root_;
    std::vector<std::string> dropped_;
    int layer_ = 0;
    mutable std::unique_ptr<std::vector<Planned>> plan_; // reset by every change
};

} // namespace uk::converters
