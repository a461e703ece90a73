// The name space: the mount table, a process's view of it (root, working directory, umask,
// credentials, descriptors) and path resolution.
//
// Mounts are found by node: a mount covers a directory node (its mountpoint) with the root
// of another file system; resolution steps onto the mounted root when it reaches the
// mountpoint, and ".." at a mounted root steps back out to the mountpoint's parent.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fd_table.h"
#include "node.h"

namespace uk::vfs {

// Fills a file system's root the first time a path enters it (lazy /dev, /proc, /sys:
// a program that never looks there never pays for building them).
using Populate = void (*)(Node* root);

struct Mount {
    Ref<Node> mountpoint; // null for the root mount
    Ref<Node> root;
    char* path;          // where it is mounted, for /proc/mounts
    const char* source;  // "rootfs", "proc", ... (static)
    const char* options; // "rw,nosuid,..." (static)
    Populate populate;   // run once, at the first crossing; then null
    Mount* next;
};

class Vfs {
public:
    static constexpr int kMaxMounts = 32;

    Vfs() = default;
    Vfs(const Vfs&) = delete;
    Vfs& operator=(const Vfs&) = delete;
    ~Vfs();

    // The file system at "/". Once.
    long mountRoot(Ref<Node> root, const char* source, const char* options);
    // Mounts `root` on the directory `on` (already resolved). `path` is copied.
    long mount(Node* on, const char* path, Ref<Node> root, const char* source, const char* options,
               Populate populate = nullptr);

    Node* root() const { return mounts_ != nullptr ? mounts_->root.get() : nullptr; }
    const Mount* mounts() const { return mounts_; }
    // The root mounted on `n` (the last one mounted there, populated), or nullptr.
    Node* mountedOn(const Node* n);
    // The mount whose root is `n`, or nullptr.
    const Mount* mountOfRoot(const Node* n) const;
    // Is `n` a mountpoint or the root of a mount (both are busy: no rmdir or rename)?
    bool isBusy(const Node* n) const;

private:
    Mount* mounts_ = nullptr; // in mount order; the first is "/"
    int count_ = 0;
};

// A process's view: what paths are resolved against and who asks.
struct Context {
    explicit Context(Vfs* v) : vfs(v) {}
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    Vfs* vfs;
    Ref<Node> root; // "/" for this process
    Ref<Node> cwd;
    uint32_t umask = 022;
    Cred cred;
    FdTable fds;
};

// ---- path resolution -------------------------------------------------------------------

enum WalkFlags : uint32_t {
    kWalkFollow = 1,    // follow a symlink in the final component
    kWalkParent = 2,    // the final component may be missing: report its directory and name
    kWalkDirectory = 4, // the result must be a directory (also implied by a trailing slash)
    kWalkEmptyOk = 8,   // "" names the start itself (AT_EMPTY_PATH)
};

struct WalkResult {
    Ref<Node> node;   // what the path names; null if it does not exist (kWalkParent only)
    Ref<Node> parent; // the directory the final component was looked up in (may be null)
    char name[kNameMax + 1] = {};
    size_t nameLen = 0;
    bool trailingSlash = false;

    Name last() const { return Name{name, nameLen}; }
};

// Resolves `path` (NUL-terminated, shorter than kPathMax) from `start` (used when the path
// is relative). Errors: ENOENT, ENOTDIR, ELOOP (more than 40 symlinks), ENAMETOOLONG,
// EACCES, ENOMEM. With kWalkParent a missing final component is not an error.
long walk(Context& ctx, Node* start, const char* path, uint32_t flags, WalkResult* out);

// The parent of directory `dir` as ".." sees it (crossing mounts, stopping at ctx.root).
long parentOf(Context& ctx, Node* dir, Ref<Node>* out);

// The absolute path of directory `dir` ("/" for the root); -ENOENT if it was removed.
long pathOf(Context& ctx, Node* dir, Text* out);
// The path of what `r` names: the directory's own path, or its directory's plus its name.
long pathOf(Context& ctx, const WalkResult& r, Text* out);

} // namespace uk::vfs
