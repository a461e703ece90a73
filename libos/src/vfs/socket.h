// Sockets as open file descriptions, whatever their family: what the socket system calls
// (syscalls/socket.cpp) ask of one, and how read/write/readv/writev become one message each.
// AF_UNIX (vfs/unix_socket.h) is the only family so far; AF_INET will come with lwIP.
//
// Every socket has its own node on an internal sockfs (S_IFSOCK, mode 0777, owned by its
// creator), which is what fstat reports and what /proc/self/fd shows as "socket:[ino]".
// Addresses are the caller's sockaddr bytes, copied into the kernel (at most kSockAddrMax).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "file.h"

namespace uk::vfs {

struct Context;

inline constexpr int kAfUnspec = 0, kAfUnix = 1, kAfMax = 46; // AF_MAX in Linux 6.x
inline constexpr int kSockStream = 1, kSockDgram = 2, kSockRaw = 3, kSockSeqpacket = 5,
                     kSockMax = 11, kSockTypeMask = 0xf;
inline constexpr uint32_t kSockNonblock = kONonblock, kSockCloexec = kOCloexec;

// send/recv flags (MSG_*).
inline constexpr int kMsgOob = 1, kMsgPeek = 2, kMsgCtrunc = 8, kMsgTrunc = 0x20,
                     kMsgDontwait = 0x40, kMsgEor = 0x80, kMsgWaitall = 0x100,
                     kMsgNosignal = 0x4000, kMsgWaitforone = 0x10000, kMsgCmsgCloexec = 0x40000000;
inline constexpr int kShutRd = 0, kShutWr = 1, kShutRdwr = 2;

// SOL_SOCKET options (x86_64 numbers).
inline constexpr int kSolSocket = 1;
inline constexpr int kSoDebug = 1, kSoReuseaddr = 2, kSoType = 3, kSoError = 4, kSoDontroute = 5,
                     kSoBroadcast = 6, kSoSndbuf = 7, kSoRcvbuf = 8, kSoKeepalive = 9,
                     kSoOobinline = 10, kSoNoCheck = 11, kSoPriority = 12, kSoLinger = 13,
                     kSoReuseport = 15, kSoPasscred = 16, kSoPeercred = 17, kSoRcvlowat = 18,
                     kSoSndlowat = 19, kSoRcvtimeoOld = 20, kSoSndtimeoOld = 21, kSoAcceptconn = 30,
                     kSoProtocol = 38, kSoDomain = 39, kSoRcvtimeoNew = 66, kSoSndtimeoNew = 67;
// Control messages (SOL_SOCKET level).
inline constexpr int kScmRights = 1, kScmCredentials = 2;
inline constexpr int kScmMaxFd = 253; // SCM_MAX_FD

inline constexpr size_t kSockAddrMax = 128; // sizeof(struct sockaddr_storage)
inline constexpr uint64_t kSockfsMagic = 0x534f434b;

// struct ucred: who sent a message (SCM_CREDENTIALS) or is at the other end (SO_PEERCRED).
struct Ucred {
    int32_t pid;
    uint32_t uid;
    uint32_t gid;
};
inline constexpr uint32_t kOverflowId = 65534; // overflowuid: "nobody" where no id is known

// Files passed with SCM_RIGHTS, owned: dropped (closed) with the list unless taken.
struct FileList {
    FileList() = default;
    FileList(const FileList&) = delete;
    FileList& operator=(const FileList&) = delete;
    ~FileList() { delete[] files; }

    Ref<File>* files = nullptr;
    int count = 0;
};

// One sendmsg/recvmsg. The iovec buffers are user memory that was checked; `name` is a
// kernel copy.
struct SocketMessage {
    const IoVec* iov = nullptr;
    int iovCount = 0;
    size_t total = 0; // bytes in all of iov
    int flags = 0;    // MSG_*

    // send: the destination (nameLen 0: the connected peer), and where to look paths up.
    // recv: the sender's address (nameLen 0: none, or unbound).
    uint8_t name[kSockAddrMax] = {};
    size_t nameLen = 0;
    Context* ctx = nullptr;

    // SCM_RIGHTS: send, the files to pass (taken); recv, the files that came (the caller
    // installs them).
    FileList rights;
    // SCM_CREDENTIALS: send, `self` is who sends (the caller's pid and effective ids, or what
    // it asserted and the system call layer checked); recv, `creds` are the sender's,
    // reported (hasCreds) when the socket has SO_PASSCRED.
    Ucred self{};
    bool hasCreds = false;
    Ucred creds{};

    int msgFlags = 0; // recv: MSG_TRUNC, MSG_CTRUNC (the caller adds its own)
};

// SO_RCVTIMEO / SO_SNDTIMEO in ns; kNoTimeout when not set.
inline constexpr uint64_t kNoTimeout = ~0ull;
// A timeout as a CLOCK_MONOTONIC deadline for waitOn (0: none; a zero timeout, which means
// "do not wait", is the next nanosecond).
uint64_t socketDeadline(uint64_t timeoutNs);
// One wait of a blocking socket call on `queue`: 0 to look again, -EAGAIN when the deadline
// passed, and for a signal -EINTR (a call with a timeout is not restarted, as
// sock_intr_errno) or -kRestartSys.
long socketWait(sched::WaitQueue& queue, uint64_t deadline);

class SocketFile : public File {
public:
    SocketFile* socket() override { return this; }

    virtual int family() const = 0;
    virtual int type() const = 0;
    virtual long bind(Context& ctx, const uint8_t* addr, size_t len) = 0;
    // `self`: the caller's pid and effective ids, for SO_PEERCRED at the other end.
    virtual long connect(Context& ctx, const uint8_t* addr, size_t len, const Ucred& self) = 0;
    virtual long listen(int backlog, const Ucred& self) = 0;
    // `flags`: O_NONBLOCK for the new description. Waits unless nonBlocking().
    virtual long accept(uint32_t flags, const Cred& owner, Ref<File>* out) = 0;
    virtual long shutdown(int how) = 0;
    // Bytes sent or received, or -errno. A send that finds the connection gone raises
    // SIGPIPE where Linux does (unless MSG_NOSIGNAL).
    virtual long sendMsg(SocketMessage& m) = 0;
    virtual long recvMsg(SocketMessage& m) = 0;
    // getsockname (peer false) / getpeername: the address (kSockAddrMax bytes of room) and
    // its length, or -errno.
    virtual long name(bool peer, uint8_t* out, size_t* len) = 0;
    // Options: `val` is a kernel buffer; getOption gets `*len` bytes of room and sets the
    // length of the value.
    virtual long getOption(int level, int option, void* val, size_t* len) = 0;
    virtual long setOption(int level, int option, const void* val, size_t len) = 0;
    // SIOCOUTQ: bytes sent and not yet read.
    virtual long unsent() const = 0;

    // read/write and readv/writev: one recvmsg/sendmsg without address or control data.
    long read(void* buf, size_t size) override;
    long write(const void* buf, size_t size) override;
    long readVector(const IoVec* iov, int count, size_t total);
    long writeVector(const IoVec* iov, int count, size_t total);
    void describe(Text* out) const override;

protected:
    // A new node on sockfs for this socket.
    SocketFile(const Cred& owner, uint32_t flags);
    ~SocketFile() override = default;
};

} // namespace uk::vfs
