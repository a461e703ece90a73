#include "socket.h"

#include "env.h"
#include "wait.h"

namespace uk::vfs {

namespace {

class SockFs : public FileSystem {
public:
    SockFs() : FileSystem("sockfs", kSockfsMagic) {}
};

class SockNode : public Node {
public:
    SockNode(FileSystem* fs, const Cred& owner) : Node(fs, kIfSock | 0777, owner) {}

protected:
    ~SockNode() override = default;
};

FileSystem* sockFs() {
    // Lives for the whole run: static storage, one reference that is never dropped.
    alignas(SockFs) static unsigned char storage[sizeof(SockFs)];
    static SockFs* fs = nullptr;
    if (fs == nullptr) {
        fs = new (storage) SockFs();
        fs->ref();
    }
    return fs;
}

} // namespace

uint64_t socketDeadline(uint64_t timeoutNs) {
    if (timeoutNs == kNoTimeout) {
        return 0;
    }
    uint64_t now = monotonicNs();
    uint64_t d = now + (timeoutNs == 0 ? 1 : timeoutNs);
    return d < now ? 0 : d;
}

long socketWait(sched::WaitQueue& queue, uint64_t deadline) {
    switch (waitOn(queue, deadline)) {
    case WaitResult::Woken:
        return 0;
    case WaitResult::TimedOut:
        return -EAGAIN;
    case WaitResult::Interrupted:
        break;
    }
    return deadline != 0 ? -EINTR : -kRestartSys;
}

SocketFile::SocketFile(const Cred& owner, uint32_t flags)
    : File(make<SockNode>(sockFs(), owner), kORdwr | (flags & kONonblock)) {}

void SocketFile::describe(Text* out) const {
    out->appendf("socket:[%lu]", node_ ? node_->ino() : 0ul);
}

long SocketFile::readVector(const IoVec* iov, int count, size_t total) {
    if (total == 0) {
        return 0; // as sock_read_iter: nothing asked, nothing waited for
    }
    SocketMessage m;
    m.iov = iov;
    m.iovCount = count;
    m.total = total;
    m.flags = nonBlocking() ? kMsgDontwait : 0;
    return recvMsg(m);
}

long SocketFile::writeVector(const IoVec* iov, int count, size_t total) {
    SocketMessage m;
    m.iov = iov;
    m.iovCount = count;
    m.total = total;
    m.flags = nonBlocking() ? kMsgDontwait : 0;
    callerIds(&m.self.pid, &m.self.uid, &m.self.gid);
    return sendMsg(m);
}

long SocketFile::read(void* buf, size_t size) {
    IoVec v{reinterpret_cast<uint64_t>(buf), size};
    return readVector(&v, 1, size);
}

long SocketFile::write(const void* buf, size_t size) {
    IoVec v{reinterpret_cast<uint64_t>(buf), size};
    return writeVector(&v, 1, size);
}

} // namespace uk::vfs
