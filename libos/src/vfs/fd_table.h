// A process's file descriptors: small integers naming open file descriptions, each with
// its own close-on-exec flag. The lowest free number is always used; the limit is
// RLIMIT_NOFILE's default soft limit.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "file.h"

namespace uk::vfs {

class FdTable {
public:
    static constexpr int kLimit = 1024; // RLIMIT_NOFILE

    FdTable() = default;
    FdTable(const FdTable&) = delete;
    FdTable& operator=(const FdTable&) = delete;
    ~FdTable();

    // Installs `file` at the lowest free descriptor >= minFd. Returns it, -EMFILE when none
    // is free below the limit, -EINVAL for a bad minFd, -ENOMEM.
    long install(Ref<File> file, bool cloexec, int minFd = 0);
    // Installs at exactly `fd`, closing what was there (dup2/dup3).
    long installAt(int fd, Ref<File> file, bool cloexec);

    Ref<File> get(int fd) const;
    File* peek(int fd) const; // no reference: only while nothing can close it
    long close(int fd);
    // Closes every descriptor in [first, last]; with `cloexecOnly` just marks them.
    void closeRange(int first, int last, bool cloexecOnly);
    void closeOnExec();

    // For a new process (vfork, posix_spawn): this empty table gets every descriptor of
    // `other`, sharing the open file descriptions, with the same close-on-exec flags.
    long copyFrom(const FdTable& other);

    bool cloexec(int fd) const;
    long setCloexec(int fd, bool on);

    // Open descriptors, in ascending order: the next one at or after `from`, -1 if none.
    int next(int from) const;
    int count() const;

private:
    struct Slot {
        File* file;
        bool cloexec;
    };
    bool grow(int needed);

    Slot* slots_ = nullptr;
    int cap_ = 0;
};

} // namespace uk::vfs
