// Shared helpers of the file system calls: the process's file context, descriptors, and
// safe copies of what the application passes (paths above all).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../vfs/file.h"
#include "../vfs/system.h"
#include "syscall.h"

namespace uk::sys {

inline vfs::Context& fsContext() {
    return vfs::current();
}

// The open description behind `fd` (null: EBADF).
inline vfs::Ref<vfs::File> fileOf(Fd fd) {
    return fsContext().fds.get(fd.value);
}

bool userReadable(const void* p, size_t n);
bool userWritable(void* p, size_t n);
// Checked copies: 0 or -EFAULT.
long copyIn(void* dst, const void* user, size_t n);
long copyOut(void* user, const void* src, size_t n);

// A path the application passed: copied (bounded, page by page, so an unterminated string
// at the end of a mapping is EFAULT, not a fault in the library OS) into a heap buffer.
class UserPath {
public:
    UserPath() = default;
    UserPath(const UserPath&) = delete;
    UserPath& operator=(const UserPath&) = delete;
    ~UserPath() { delete[] buf_; }

    // 0, -EFAULT, -ENAMETOOLONG (no NUL within PATH_MAX bytes) or -ENOMEM.
    long copy(CStr user) { return copy(user.ptr); }
    long copy(const char* user);
    const char* get() const { return buf_; }

private:
    char* buf_ = nullptr;
};

// Copies a NUL-terminated string of at most `cap` - 1 bytes: its length, -EFAULT, or
// `tooLong` when no NUL comes within the limit.
long copyUserString(const char* user, char* dst, size_t cap, long tooLong);

// One iovec array from the application, checked: each buffer's rights (`write`: the kernel
// writes into them) and a total within what one transfer may move.
using IoVec = vfs::IoVec;
class UserIov {
public:
    ~UserIov() { delete[] v_; }
    long copy(const void* user, int count, bool write);
    const IoVec* get() const { return v_; }
    int count() const { return n_; }
    size_t total() const { return total_; }

private:
    IoVec* v_ = nullptr;
    int n_ = 0;
    size_t total_ = 0;
};

} // namespace uk::sys
