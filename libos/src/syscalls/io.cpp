// Reading and writing descriptors: read/write and their vector and positioned forms, lseek,
// ioctl, sendfile and copy_file_range. Every descriptor is an open file description of the
// VFS (the console included: descriptors 0-2 are /dev/console).
#include "../vfs/pipe.h"
#include "../vfs/socket.h"
#include "fs_user.h"

namespace uk::sys {

namespace {

using vfs::File;
using vfs::Ref;

Ref<File> readableFile(Fd fd, long* err) {
    Ref<File> f = fileOf(fd);
    if (!f || !f->readable()) {
        *err = -EBADF;
        return nullptr;
    }
    return f;
}

Ref<File> writableFile(Fd fd, long* err) {
    Ref<File> f = fileOf(fd);
    if (!f || !f->writable()) {
        *err = -EBADF;
        return nullptr;
    }
    return f;
}

long sysRead(Fd fd, OutBuf<2> buf, size_t count) {
    long err = 0;
    Ref<File> f = readableFile(fd, &err);
    if (!f) {
        return err;
    }
    if (count > vfs::kMaxIo) {
        count = vfs::kMaxIo;
    }
    if (!userWritable(buf.ptr, count)) {
        return -EFAULT;
    }
    return f->read(buf.ptr, count);
}

long sysWrite(Fd fd, InBuf<2> buf, size_t count) {
    long err = 0;
    Ref<File> f = writableFile(fd, &err);
    if (!f) {
        return err;
    }
    if (count > vfs::kMaxIo) {
        count = vfs::kMaxIo;
    }
    if (!userReadable(buf.ptr, count)) {
        return -EFAULT;
    }
    return f->write(buf.ptr, count);
}

// offset < 0: at the description's offset (read/readv); otherwise positioned (pread).
long readVector(File* f, const UserIov& iov, int64_t offset) {
    if (vfs::SocketFile* s = f->socket(); s != nullptr && offset < 0) {
        return s->readVector(iov.get(), iov.count(), iov.total()); // one message
    }
    long total = 0;
    for (int i = 0; i < iov.count(); ++i) {
        const IoVec& v = iov.get()[i];
        if (v.len == 0) {
            continue;
        }
        // After the first bytes, never wait for more: a stream returns what it has.
        if (total > 0 && offset < 0 && f->available() == 0) {
            break;
        }
        void* p = reinterpret_cast<void*>(v.base);
        long n = offset < 0 ? f->read(p, v.len)
                            : f->pread(p, v.len, static_cast<uint64_t>(offset + total));
        if (n < 0) {
            return total > 0 ? total : n;
        }
        total += n;
        if (static_cast<uint64_t>(n) < v.len) {
            break;
        }
    }
    return total;
}

long writeVector(File* f, const UserIov& iov, int64_t offset) {
    if (vfs::SocketFile* s = f->socket(); s != nullptr && offset < 0) {
        return s->writeVector(iov.get(), iov.count(), iov.total()); // one message
    }
    // Small vectors go out as one write: atomic on a pipe, one burst on the console (musl's
    // stdio writes its buffer and the new data as two iovecs).
    if (iov.total() <= vfs::Pipe::kAtomic && iov.count() > 1) {
        char buf[vfs::Pipe::kAtomic];
        size_t at = 0;
        for (int i = 0; i < iov.count(); ++i) {
            __builtin_memcpy(buf + at, reinterpret_cast<const void*>(iov.get()[i].base),
                             iov.get()[i].len);
            at += iov.get()[i].len;
        }
        return offset < 0 ? f->write(buf, at) : f->pwrite(buf, at, static_cast<uint64_t>(offset));
    }
    long total = 0;
    for (int i = 0; i < iov.count(); ++i) {
        const IoVec& v = iov.get()[i];
        if (v.len == 0) {
            continue;
        }
        const void* p = reinterpret_cast<const void*>(v.base);
        long n = offset < 0 ? f->write(p, v.len)
                            : f->pwrite(p, v.len, static_cast<uint64_t>(offset + total));
        if (n < 0) {
            return total > 0 ? total : n;
        }
        total += n;
        if (static_cast<uint64_t>(n) < v.len) {
            break;
        }
    }
    return total;
}

long sysReadv(Fd fd, const void* iov, int count) {
    long err = 0;
    Ref<File> f = readableFile(fd, &err);
    if (!f) {
        return err;
    }
    UserIov v;
    if (long r = v.copy(iov, count, true); r < 0) {
        return r;
    }
    return readVector(f.get(), v, -1);
}

long sysWritev(Fd fd, const void* iov, int count) {
    long err = 0;
    Ref<File> f = writableFile(fd, &err);
    if (!f) {
        return err;
    }
    UserIov v;
    if (long r = v.copy(iov, count, false); r < 0) {
        return r;
    }
    return writeVector(f.get(), v, -1);
}

long sysPread(Fd fd, OutBuf<2> buf, size_t count, long offset) {
    long err = 0;
    Ref<File> f = readableFile(fd, &err);
    if (!f) {
        return err;
    }
    if (offset < 0) {
        return -EINVAL;
    }
    if (count > vfs::kMaxIo) {
        count = vfs::kMaxIo;
    }
    if (!userWritable(buf.ptr, count)) {
        return -EFAULT;
    }
    return f->pread(buf.ptr, count, static_cast<uint64_t>(offset));
}

long sysPwrite(Fd fd, InBuf<2> buf, size_t count, long offset) {
    long err = 0;
    Ref<File> f = writableFile(fd, &err);
    if (!f) {
        return err;
    }
    if (offset < 0) {
        return -EINVAL;
    }
    if (count > vfs::kMaxIo) {
        count = vfs::kMaxIo;
    }
    if (!userReadable(buf.ptr, count)) {
        return -EFAULT;
    }
    return f->pwrite(buf.ptr, count, static_cast<uint64_t>(offset));
}

constexpr uint64_t kRwfHipri = 1, kRwfDsync = 2, kRwfSync = 4, kRwfNowait = 8, kRwfAppend = 16;

long preadvAt(Fd fd, const void* iov, int count, long offset, uint64_t flags) {
    if (flags & ~(kRwfHipri | kRwfDsync | kRwfSync | kRwfNowait)) {
        return -ENOTSUP;
    }
    long err = 0;
    Ref<File> f = readableFile(fd, &err);
    if (!f) {
        return err;
    }
    if (offset < -1) {
        return -EINVAL;
    }
    UserIov v;
    if (long r = v.copy(iov, count, true); r < 0) {
        return r;
    }
    if (offset >= 0) {
        uint64_t pos;
        if (f->seek(0, vfs::kSeekCur, &pos) == -ESPIPE) {
            return -ESPIPE;
        }
    }
    return readVector(f.get(), v, offset);
}

long pwritevAt(Fd fd, const void* iov, int count, long offset, uint64_t flags) {
    if (flags & ~(kRwfHipri | kRwfDsync | kRwfSync | kRwfNowait | kRwfAppend)) {
        return -ENOTSUP;
    }
    long err = 0;
    Ref<File> f = writableFile(fd, &err);
    if (!f) {
        return err;
    }
    if (offset < -1) {
        return -EINVAL;
    }
    UserIov v;
    if (long r = v.copy(iov, count, false); r < 0) {
        return r;
    }
    if (offset >= 0) {
        uint64_t pos;
        if (f->seek(0, vfs::kSeekCur, &pos) == -ESPIPE) {
            return -ESPIPE;
        }
        if ((flags & kRwfAppend) && f->node() != nullptr) {
            offset = static_cast<long>(f->node()->size());
        }
    }
    return writeVector(f.get(), v, offset);
}

// x86_64 passes the whole offset in pos_l; pos_h is for 32-bit ABIs.
long sysPreadv(Fd fd, const void* iov, int count, long offset, long) {
    return offset < 0 ? -EINVAL : preadvAt(fd, iov, count, offset, 0);
}
long sysPwritev(Fd fd, const void* iov, int count, long offset, long) {
    return offset < 0 ? -EINVAL : pwritevAt(fd, iov, count, offset, 0);
}
long sysPreadv2(Fd fd, const void* iov, int count, long offset, long, Flags flags) {
    return preadvAt(fd, iov, count, offset, flags.value);
}
long sysPwritev2(Fd fd, const void* iov, int count, long offset, long, Flags flags) {
    return pwritevAt(fd, iov, count, offset, flags.value);
}

long sysLseek(Fd fd, long offset, int whence) {
    Ref<File> f = fileOf(fd);
    if (!f) {
        return -EBADF;
    }
    uint64_t pos = 0;
    long r = f->seek(offset, whence, &pos);
    return r < 0 ? r : static_cast<long>(pos);
}

constexpr unsigned long kFionread = 0x541b, kFionbio = 0x5421, kFioclex = 0x5451,
                        kFionclex = 0x5450, kFioasync = 0x5452, kSiocoutq = 0x5411;

long sysIoctl(Fd fd, Flags request, Flags arg) {
    Ref<File> f = fileOf(fd);
    if (!f || f->isPath()) {
        return -EBADF;
    }
    int* argInt = reinterpret_cast<int*>(arg.value);
    switch (request.value) {
    case kFioclex:
    case kFionclex:
        return fsContext().fds.setCloexec(fd.value, request.value == kFioclex);
    case kFionbio:
    case kFioasync: {
        int on;
        if (long r = copyIn(&on, argInt, sizeof on); r < 0) {
            return r;
        }
        uint32_t bit = request.value == kFionbio ? vfs::kONonblock : vfs::kOAsync;
        f->setFlags(on != 0 ? f->flags() | bit : f->flags() & ~bit);
        return 0;
    }
    case kFionread: {
        long n = f->available();
        if (n < 0) {
            return f->ioctl(request.value, arg.value);
        }
        int v = n > 0x7fffffff ? 0x7fffffff : static_cast<int>(n);
        return copyOut(argInt, &v, sizeof v);
    }
    case kSiocoutq: // TIOCOUTQ's number: for a socket, the bytes sent and not yet read
        if (vfs::SocketFile* s = f->socket()) {
            long n = s->unsent();
            int v = n > 0x7fffffff ? 0x7fffffff : static_cast<int>(n);
            return copyOut(argInt, &v, sizeof v);
        }
        break;
    default:
        break;
    }
    return f->ioctl(request.value, arg.value); // terminal requests: ENOTTY unless a tty
}

// A kernel buffer for copies between descriptors.
constexpr size_t kCopyChunk = 64 * 1024;

// Copies up to `count` bytes from `in` (at *inOffset, or its own offset) to `out` (at
// *outOffset, or its own offset). Stops at end of input or a short write.
long copyBetween(File* in, int64_t* inOffset, File* out, int64_t* outOffset, size_t count) {
    char* buf = new (std::nothrow) char[kCopyChunk];
    if (buf == nullptr) {
        return -ENOMEM;
    }
    long total = 0;
    while (static_cast<size_t>(total) < count) {
        size_t want = count - static_cast<size_t>(total);
        if (want > kCopyChunk) {
            want = kCopyChunk;
        }
        long n = inOffset != nullptr ? in->pread(buf, want, static_cast<uint64_t>(*inOffset))
                                     : in->read(buf, want);
        if (n <= 0) {
            if (n < 0 && total == 0) {
                total = n;
            }
            break;
        }
        long w = outOffset != nullptr
                     ? out->pwrite(buf, static_cast<size_t>(n), static_cast<uint64_t>(*outOffset))
                     : out->write(buf, static_cast<size_t>(n));
        if (w < 0) {
            if (total == 0) {
                total = w;
            }
            // Give back what was read but not written (seekable input only).
            if (inOffset == nullptr) {
                uint64_t pos;
                in->seek(-n, vfs::kSeekCur, &pos);
            }
            break;
        }
        if (inOffset != nullptr) {
            *inOffset += w;
        } else if (w < n) {
            uint64_t pos;
            in->seek(w - n, vfs::kSeekCur, &pos);
        }
        if (outOffset != nullptr) {
            *outOffset += w;
        }
        total += w;
        if (w < n) {
            break;
        }
    }
    delete[] buf;
    return total;
}

long sysSendfile(Fd outFd, Fd inFd, long* offset, size_t count) {
    long err = 0;
    Ref<File> in = readableFile(inFd, &err);
    Ref<File> out = in ? writableFile(outFd, &err) : nullptr;
    if (!in || !out) {
        return err;
    }
    if (out->flags() & vfs::kOAppend) {
        return -EINVAL;
    }
    if (in->node() == nullptr || !in->node()->isReg()) {
        return -EINVAL; // Linux wants input it could map: a regular file
    }
    int64_t pos = 0;
    if (offset != nullptr) {
        if (long r = copyIn(&pos, offset, sizeof pos); r < 0) {
            return r;
        }
        if (pos < 0) {
            return -EINVAL;
        }
        if (!userWritable(offset, sizeof pos)) {
            return -EFAULT;
        }
    }
    if (count > vfs::kMaxIo) {
        count = vfs::kMaxIo;
    }
    long n = copyBetween(in.get(), offset != nullptr ? &pos : nullptr, out.get(), nullptr, count);
    if (offset != nullptr) {
        *offset = pos;
    }
    return n;
}

long sysCopyFileRange(Fd inFd, long* inOff, Fd outFd, long* outOff, size_t len, unsigned flags) {
    if (flags != 0) {
        return -EINVAL;
    }
    long err = 0;
    Ref<File> in = readableFile(inFd, &err);
    Ref<File> out = in ? writableFile(outFd, &err) : nullptr;
    if (!in || !out) {
        return err;
    }
    if (out->flags() & vfs::kOAppend) {
        return -EBADF;
    }
    vfs::Node* a = in->node();
    vfs::Node* b = out->node();
    if (a == nullptr || b == nullptr || a->isDir() || b->isDir()) {
        return a != nullptr && a->isDir() ? -EISDIR : -EINVAL;
    }
    if (!a->isReg() || !b->isReg()) {
        return -EINVAL;
    }
    int64_t ip = 0, op = 0;
    if ((inOff != nullptr && copyIn(&ip, inOff, sizeof ip) < 0) ||
        (outOff != nullptr && copyIn(&op, outOff, sizeof op) < 0)) {
        return -EFAULT;
    }
    if (ip < 0 || op < 0) {
        return -EINVAL;
    }
    if ((inOff != nullptr && !userWritable(inOff, sizeof ip)) ||
        (outOff != nullptr && !userWritable(outOff, sizeof op))) {
        return -EFAULT;
    }
    int64_t inStart = inOff != nullptr ? ip : static_cast<int64_t>(in->offset());
    int64_t outStart = outOff != nullptr ? op : static_cast<int64_t>(out->offset());
    if (len > vfs::kMaxIo) {
        len = vfs::kMaxIo;
    }
    // The same file with overlapping ranges is refused, as on Linux.
    if (a == b && inStart < outStart + static_cast<int64_t>(len) &&
        outStart < inStart + static_cast<int64_t>(len)) {
        return -EINVAL;
    }
    long n = copyBetween(in.get(), inOff != nullptr ? &ip : nullptr, out.get(),
                         outOff != nullptr ? &op : nullptr, len);
    if (inOff != nullptr) {
        *inOff = ip;
    }
    if (outOff != nullptr) {
        *outOff = op;
    }
    return n;
}

} // namespace

UK_SYSCALL(read, sysRead, Implemented, "");
UK_SYSCALL(write, sysWrite, Implemented, "");
UK_SYSCALL(readv, sysReadv, Implemented, "");
UK_SYSCALL(writev, sysWritev, Implemented, "");
UK_SYSCALL(pread64, sysPread, Implemented, "");
UK_SYSCALL(pwrite64, sysPwrite, Implemented, "");
UK_SYSCALL(preadv, sysPreadv, Implemented, "");
UK_SYSCALL(pwritev, sysPwritev, Implemented, "");
UK_SYSCALL(preadv2, sysPreadv2, Partial,
           "RWF_HIPRI/DSYNC/SYNC/NOWAIT accepted (memory never waits for a disk)");
UK_SYSCALL(pwritev2, sysPwritev2, Partial,
           "RWF_HIPRI/DSYNC/SYNC/NOWAIT accepted, RWF_APPEND honoured");
UK_SYSCALL(lseek, sysLseek, Implemented,
           "SEEK_DATA/SEEK_HOLE treat the whole file as data, as POSIX allows");
UK_SYSCALL(ioctl, sysIoctl, Partial,
           "FIOCLEX/FIONCLEX/FIONBIO/FIOASYNC/FIONREAD on any descriptor, SIOCOUTQ on sockets; "
           "terminal requests on the console (TCGETS/TCSETS*, TIOCGWINSZ/TIOCSWINSZ, "
           "TIOCGPGRP/TIOCSPGRP, ...); "
           "ENOTTY otherwise");
UK_SYSCALL(sendfile, sysSendfile, Partial,
           "the input must be a regular file (Linux 5.12+ also takes pipes); copies through a "
           "kernel buffer");
UK_SYSCALL(copy_file_range, sysCopyFileRange, Implemented, "copies through a kernel buffer");

} // namespace uk::sys
