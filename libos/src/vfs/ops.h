// The file system calls' semantics over a Context, independent of user memory: each
// function is one system call family with Linux's checks and errors, so that unit tests can
// run them on the host. `dirfd` is a descriptor of a directory or kAtFdCwd; paths are
// kernel copies, NUL-terminated.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "vfs.h"

namespace uk::vfs {

// Where a relative `path` starts: the cwd, or dirfd's directory (ENOTDIR, EBADF). With an
// empty path and `emptyOk`, dirfd may name any file.
long startAt(Context& ctx, int dirfd, const char* path, bool emptyOk, Ref<Node>* out);

// Resolves for the calls that act on an existing file (stat, chmod, access, truncate, ...).
// atFlags: kAtSymlinkNofollow, kAtEmptyPath (others are the caller's business).
long lookupAt(Context& ctx, int dirfd, const char* path, uint32_t atFlags, Ref<Node>* out);

// open/openat/creat. Installs nothing: returns the new description.
long openAt(Context& ctx, int dirfd, const char* path, uint32_t flags, uint32_t mode,
            Ref<File>* out);
// openat + installing the descriptor (O_CLOEXEC).
long openFd(Context& ctx, int dirfd, const char* path, uint32_t flags, uint32_t mode);

long mkdirAt(Context& ctx, int dirfd, const char* path, uint32_t mode);
// `out`, if given, receives the new node (bind(2) of an AF_UNIX socket keeps it).
long mknodAt(Context& ctx, int dirfd, const char* path, uint32_t mode, uint64_t dev,
             Ref<Node>* out = nullptr);
long unlinkAt(Context& ctx, int dirfd, const char* path, uint32_t flags);
long renameAt(Context& ctx, int oldDirfd, const char* oldPath, int newDirfd, const char* newPath,
              uint32_t flags);
long linkAt(Context& ctx, int oldDirfd, const char* oldPath, int newDirfd, const char* newPath,
            uint32_t flags);
long symlinkAt(Context& ctx, const char* target, int dirfd, const char* path);
long readlinkAt(Context& ctx, int dirfd, const char* path, Text* out);
long statAt(Context& ctx, int dirfd, const char* path, uint32_t flags, Attr* out);
long accessAt(Context& ctx, int dirfd, const char* path, int mode, uint32_t flags);

long chmodNode(Context& ctx, Node* node, uint32_t mode);
long chownNode(Context& ctx, Node* node, uint32_t uid, uint32_t gid);
// utimensat: null `times` means now for both; otherwise each may be kUtimeNow/kUtimeOmit.
long utimesNode(Context& ctx, Node* node, const Timespec* times);
long truncateNode(Context& ctx, Node* node, int64_t length);

long chdirPath(Context& ctx, const char* path);
long fchdir(Context& ctx, int fd);
long getcwd(Context& ctx, Text* out);

// Descriptor calls.
long dupFd(Context& ctx, int fd, int minFd, bool cloexec);
long dup3Fd(Context& ctx, int oldFd, int newFd, uint32_t flags, bool isDup2);

} // namespace uk::vfs
