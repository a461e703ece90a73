#include "file.h"

namespace uk::vfs {

File::File(Ref<Node> node, uint32_t flags)
    : node_(static_cast<Ref<Node>&&>(node)), flags_(flags & kOStatusFlags) {}

File::~File() {
    while (observers_ != nullptr) {
        FileObserver* o = observers_;
        unobserve(o);
        o->gone(o);
    }
    delete[] path_;
}

void File::observe(FileObserver* o) {
    o->prev = nullptr;
    o->next = observers_;
    if (observers_ != nullptr) {
        observers_->prev = o;
    }
    observers_ = o;
}

void File::unobserve(FileObserver* o) {
    if (o->prev != nullptr) {
        o->prev->next = o->next;
    } else if (observers_ == o) {
        observers_ = o->next;
    }
    if (o->next != nullptr) {
        o->next->prev = o->prev;
    }
    o->next = o->prev = nullptr;
}

void File::setPath(char* heapString) {
    delete[] path_;
    path_ = heapString;
}

void File::describe(Text* out) const {
    out->append(path());
    if (node_ && node_->nlink() == 0 && !node_->isDir()) {
        out->append(" (deleted)");
    }
}

long File::read(void*, size_t) {
    return -EINVAL;
}
long File::write(const void*, size_t) {
    return -EINVAL;
}
long File::pread(void*, size_t, uint64_t) {
    return -ESPIPE;
}
long File::pwrite(const void*, size_t, uint64_t) {
    return -ESPIPE;
}
long File::seek(int64_t, int, uint64_t*) {
    return -ESPIPE;
}
long File::readdir(DirSink&) {
    return -ENOTDIR;
}
long File::ioctl(unsigned long, uint64_t) {
    return -ENOTTY;
}
long File::available() const {
    return -ENOTTY;
}

// ---- NodeFile --------------------------------------------------------------------------

long NodeFile::read(void* buf, size_t size) {
    long n = pread(buf, size, offset_);
    if (n > 0) {
        offset_ += static_cast<uint64_t>(n);
    }
    return n;
}

long NodeFile::write(const void* buf, size_t size) {
    if (flags_ & kOAppend) {
        offset_ = node_->size();
    }
    long n = pwrite(buf, size, offset_);
    if (n > 0) {
        offset_ += static_cast<uint64_t>(n);
    }
    return n;
}

long NodeFile::pread(void* buf, size_t size, uint64_t offset) {
    if (size > kMaxIo) {
        size = kMaxIo;
    }
    if (static_cast<int64_t>(offset) < 0) {
        return -EINVAL;
    }
    long n = node_->readAt(buf, size, offset);
    if (n >= 0 && !(flags_ & kONoatime)) {
        node_->touchAtime();
    }
    return n;
}

long NodeFile::pwrite(const void* buf, size_t size, uint64_t offset) {
    if (size > kMaxIo) {
        size = kMaxIo;
    }
    if (static_cast<int64_t>(offset) < 0) {
        return -EINVAL;
    }
    if (size == 0) {
        return 0;
    }
    return node_->writeAt(buf, size, offset);
}

long NodeFile::seek(int64_t offset, int whence, uint64_t* result) {
    int64_t base;
    int64_t size = static_cast<int64_t>(node_->size());
    switch (whence) {
    case kSeekSet:
        base = 0;
        break;
    case kSeekCur:
        base = static_cast<int64_t>(offset_);
        break;
    case kSeekEnd:
        base = size;
        break;
    case kSeekData:
    case kSeekHole:
        // The whole file counts as data (allowed by POSIX): holes read as zeros anyway.
        if (offset < 0 || offset >= size) {
            return -ENXIO;
        }
        offset_ = static_cast<uint64_t>(whence == kSeekData ? offset : size);
        *result = offset_;
        return 0;
    default:
        return -EINVAL;
    }
    int64_t pos;
    if (__builtin_add_overflow(base, offset, &pos) || pos < 0) {
        return -EINVAL;
    }
    offset_ = static_cast<uint64_t>(pos);
    *result = offset_;
    return 0;
}

long NodeFile::available() const {
    uint64_t size = node_->size();
    return size > offset_ ? static_cast<long>(size - offset_) : 0;
}

// ---- DirFile ---------------------------------------------------------------------------

long DirFile::seek(int64_t offset, int whence, uint64_t* result) {
    // Cookies are opaque: only absolute positions (telldir/seekdir values) and rewinds.
    if (whence == kSeekCur && offset == 0) {
        *result = offset_;
        return 0;
    }
    if (whence != kSeekSet || offset < 0) {
        return -EINVAL;
    }
    offset_ = static_cast<uint64_t>(offset);
    *result = offset_;
    return 0;
}

long DirFile::readdir(DirSink& sink) {
    long r = node_->readdir(&offset_, sink);
    if (r >= 0) {
        node_->touchAtime();
    }
    return r;
}

} // namespace uk::vfs
