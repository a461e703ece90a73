// Linux file-system constants and the VFS's plain data types (x86_64 ABI values).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../syscalls/errno.h"

namespace uk::vfs {

inline constexpr size_t kPathMax = 4096; // including the terminating NUL
inline constexpr size_t kNameMax = 255;
inline constexpr int kMaxSymlinks = 40; // Linux's MAXSYMLINKS
inline constexpr uint64_t kPageSize = 4096;

// st_mode
inline constexpr uint32_t kIfMt = 0170000, kIfSock = 0140000, kIfLnk = 0120000, kIfReg = 0100000,
                          kIfBlk = 0060000, kIfDir = 0040000, kIfChr = 0020000, kIfIfo = 0010000;
inline constexpr uint32_t kSetUid = 04000, kSetGid = 02000, kSticky = 01000;
inline constexpr uint32_t kPermMask = 07777;

inline constexpr bool isDir(uint32_t mode) {
    return (mode & kIfMt) == kIfDir;
}
inline constexpr bool isReg(uint32_t mode) {
    return (mode & kIfMt) == kIfReg;
}
inline constexpr bool isLnk(uint32_t mode) {
    return (mode & kIfMt) == kIfLnk;
}

// open(2) flags
inline constexpr uint32_t kORdonly = 0, kOWronly = 1, kORdwr = 2, kOAccmode = 3;
inline constexpr uint32_t kOCreat = 0100, kOExcl = 0200, kONoctty = 0400, kOTrunc = 01000,
                          kOAppend = 02000, kONonblock = 04000, kODsync = 010000, kOAsync = 020000,
                          kODirect = 040000, kOLargefile = 0100000, kODirectory = 0200000,
                          kONofollow = 0400000, kONoatime = 01000000, kOCloexec = 02000000,
                          kOSync = 04010000, kOPath = 010000000, kOTmpfile = 020000000;
// Flags that stay with the open file description (F_GETFL reports them).
inline constexpr uint32_t kOStatusFlags = kOAccmode | kOAppend | kONonblock | kODsync | kOAsync |
                                          kODirect | kOLargefile | kONoatime | kOSync | kOPath;
// Flags F_SETFL may change.
inline constexpr uint32_t kOSettable = kOAppend | kONonblock | kOAsync | kODirect | kONoatime;

// *at(2) flags
inline constexpr int kAtFdCwd = -100;
inline constexpr uint32_t kAtSymlinkNofollow = 0x100, kAtRemovedir = 0x200, kAtEaccess = 0x200,
                          kAtSymlinkFollow = 0x400, kAtNoAutomount = 0x800, kAtEmptyPath = 0x1000,
                          kAtStatxSyncType = 0x6000;

// renameat2(2) flags
inline constexpr uint32_t kRenameNoreplace = 1, kRenameExchange = 2, kRenameWhiteout = 4;

// d_type
inline constexpr uint8_t kDtUnknown = 0, kDtFifo = 1, kDtChr = 2, kDtDir = 4, kDtBlk = 6,
                         kDtReg = 8, kDtLnk = 10, kDtSock = 12;
inline constexpr uint8_t dtype(uint32_t mode) {
    return static_cast<uint8_t>((mode & kIfMt) >> 12);
}

// lseek(2)
inline constexpr int kSeekSet = 0, kSeekCur = 1, kSeekEnd = 2, kSeekData = 3, kSeekHole = 4;

// A blocking call interrupted by a signal before it did anything: the signal code turns
// this kernel-internal result into a restart (SA_RESTART, or no handler ran) or EINTR
// (kernel/signals.h, kRestartSys).
inline constexpr long kRestartSys = 512;

// poll(2) readiness bits, as File::poll() reports them.
inline constexpr uint32_t kPollIn = 0x001, kPollPri = 0x002, kPollOut = 0x004, kPollErr = 0x008,
                          kPollHup = 0x010, kPollNval = 0x020, kPollRdNorm = 0x040,
                          kPollWrNorm = 0x100, kPollRdHup = 0x2000;

// access(2)
inline constexpr int kROk = 4, kWOk = 2, kXOk = 1, kFOk = 0;

// utimensat(2)
inline constexpr int64_t kUtimeNow = (1l << 30) - 1, kUtimeOmit = (1l << 30) - 2;

inline constexpr uint64_t makeDev(uint32_t major, uint32_t minor) {
    // Linux's new_encode_dev / glibc's makedev layout.
    return (uint64_t{minor} & 0xff) | ((uint64_t{major} & 0xfff) << 8) |
           ((uint64_t{minor} & ~0xffull) << 12) | ((uint64_t{major} & ~0xfffull) << 32);
}
inline constexpr uint32_t devMajor(uint64_t dev) {
    return static_cast<uint32_t>(((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffull));
}
inline constexpr uint32_t devMinor(uint64_t dev) {
    return static_cast<uint32_t>((dev & 0xff) | ((dev >> 12) & ~0xffull));
}

struct Timespec {
    int64_t sec = 0;
    int64_t nsec = 0;
};

// Who is asking: a process's user and group ids (root's unless the image's User record or
// uk.user says otherwise, or a set*id call changed them). Permission checks and the owners
// of new files use the file-system ids, `uid` and `gid`; getuid() and friends report the
// real, effective and saved ones. A file owner is a Cred with only `uid` and `gid` set.
struct Cred {
    uint32_t uid = 0; // file-system user id (follows the effective one, see setfsuid(2))
    uint32_t gid = 0; // file-system group id
    uint32_t ruid = 0, euid = 0, suid = 0;
    uint32_t rgid = 0, egid = 0, sgid = 0;

    // Every id of a process started as uid:gid.
    static constexpr Cred of(uint32_t uid, uint32_t gid) {
        return Cred{uid, gid, uid, uid, uid, gid, gid, gid};
    }
};

// What stat(2) and statx(2) report, independent of either ABI struct.
struct Attr {
    uint64_t dev = 0;
    uint64_t ino = 0;
    uint32_t mode = 0;
    uint32_t nlink = 0;
    uint32_t uid = 0;
    uint32_t gid = 0;
    uint64_t rdev = 0;
    uint64_t size = 0;
    uint64_t blocks = 0; // 512-byte units
    uint32_t blksize = 4096;
    Timespec atime, mtime, ctime, btime;
};

// A path component: not NUL-terminated.
struct Name {
    const char* ptr = nullptr;
    size_t len = 0;

    bool is(const char* s) const {
        size_t i = 0;
        for (; i < len; ++i) {
            if (s[i] != ptr[i]) {
                return false;
            }
        }
        return s[i] == 0;
    }
    bool isDot() const { return len == 1 && ptr[0] == '.'; }
    bool isDotDot() const { return len == 2 && ptr[0] == '.' && ptr[1] == '.'; }
};

inline Name nameOf(const char* s) {
    return Name{s, __builtin_strlen(s)};
}

} // namespace uk::vfs
