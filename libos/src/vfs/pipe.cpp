#include "pipe.h"

#include "env.h"
#include "wait.h"

namespace uk::vfs {

namespace {

// The internal file system of anonymous pipes (what fstat reports, "pipe:[ino]").
class PipeFs : public FileSystem {
public:
    PipeFs() : FileSystem("pipefs", kPipefsMagic) {}
};

class PipeNode : public Node {
public:
    explicit PipeNode(FileSystem* fs) : Node(fs, kIfIfo | 0600, Cred{}) {}
    Pipe* fifo() override {
        if (!pipe_) {
            pipe_ = Pipe::create(this);
        }
        return pipe_.get();
    }

protected:
    ~PipeNode() override = default;

private:
    Ref<Pipe> pipe_;
};

FileSystem* pipeFs() {
    // Lives for the whole run: static storage, one reference that is never dropped.
    alignas(PipeFs) static unsigned char storage[sizeof(PipeFs)];
    static PipeFs* fs = nullptr;
    if (fs == nullptr) {
        fs = new (storage) PipeFs();
        fs->ref();
    }
    return fs;
}

bool readerMode(uint32_t flags) {
    return (flags & kOAccmode) != kOWronly;
}
bool writerMode(uint32_t flags) {
    return (flags & kOAccmode) != kORdonly;
}

} // namespace

Ref<Pipe> Pipe::create(Node*) {
    return make<Pipe>();
}

Pipe::~Pipe() {
    delete[] buf_;
}

long Pipe::makePair(uint32_t flags, Ref<File>* readEnd, Ref<File>* writeEnd) {
    Ref<Node> node = make<PipeNode>(pipeFs());
    Pipe* p = node ? node->fifo() : nullptr;
    if (p == nullptr) {
        return -ENFILE;
    }
    uint32_t extra = flags & (kONonblock | kODirect);
    Ref<File> r = make<PipeFile>(node, Ref<Pipe>(p), kORdonly | extra);
    Ref<File> w = make<PipeFile>(node, Ref<Pipe>(p), kOWronly | extra);
    if (!r || !w) {
        return -ENFILE;
    }
    *readEnd = r;
    *writeEnd = w;
    return 0;
}

void Pipe::addEnd(bool reader, bool writer) {
    if (reader) {
        ++readers_;
        ++readerOpens_;
    }
    if (writer) {
        ++writers_;
        ++writerOpens_;
    }
    wakeAll(queue_);
}

void Pipe::dropEnd(bool reader, bool writer) {
    if (reader) {
        --readers_;
    }
    if (writer) {
        --writers_;
    }
    wakeAll(queue_);
}

long Pipe::openFifo(Node* node, uint32_t flags, Ref<File>* out) {
    bool reader = readerMode(flags);
    bool writer = writerMode(flags);
    bool nonBlocking = flags & kONonblock;
    if (writer && !reader && nonBlocking && readers_ == 0) {
        return -ENXIO;
    }
    Ref<File> f = make<PipeFile>(Ref<Node>(node), Ref<Pipe>(this), flags);
    if (!f) {
        return -ENOMEM;
    }
    // O_RDWR never waits; otherwise wait for the other side to have opened at least once.
    if (!nonBlocking && reader != writer) {
        uint32_t seen = reader ? writerOpens_ : readerOpens_;
        while ((reader ? writers_ : readers_) == 0 &&
               (reader ? writerOpens_ : readerOpens_) == seen) {
            if (waitOn(queue_) == WaitResult::Interrupted) {
                return -kRestartSys; // f goes away and drops its end
            }
        }
    }
    *out = f;
    return 0;
}

long Pipe::read(void* buf, size_t size, bool nonBlocking) {
    if (size == 0) {
        return 0;
    }
    for (;;) {
        if (count_ > 0) {
            size_t n = size < count_ ? size : count_;
            auto* out = static_cast<char*>(buf);
            size_t first = capacity_ - head_ < n ? capacity_ - head_ : n;
            __builtin_memcpy(out, buf_ + head_, first);
            __builtin_memcpy(out + first, buf_, n - first);
            head_ = (head_ + n) % capacity_;
            count_ -= n;
            if (count_ == 0) {
                head_ = 0;
            }
            wakeAll(queue_);
            return static_cast<long>(n);
        }
        if (writers_ == 0) {
            return 0;
        }
        if (nonBlocking) {
            return -EAGAIN;
        }
        if (waitOn(queue_) == WaitResult::Interrupted) {
            return -kRestartSys;
        }
    }
}

long Pipe::write(const void* buf, size_t size, bool nonBlocking) {
    if (readers_ == 0) {
        brokenPipe();
        return -EPIPE;
    }
    if (size == 0) {
        return 0;
    }
    if (buf_ == nullptr) {
        buf_ = new (std::nothrow) char[capacity_];
        if (buf_ == nullptr) {
            return -ENOMEM;
        }
    }
    auto* in = static_cast<const char*>(buf);
    size_t written = 0;
    bool atomic = size <= kAtomic;
    for (;;) {
        if (readers_ == 0) {
            if (written > 0) {
                return static_cast<long>(written);
            }
            brokenPipe();
            return -EPIPE;
        }
        size_t space = capacity_ - count_;
        size_t want = size - written;
        if (space > 0 && (!atomic || space >= want)) {
            size_t n = want < space ? want : space;
            size_t tail = (head_ + count_) % capacity_;
            size_t first = capacity_ - tail < n ? capacity_ - tail : n;
            __builtin_memcpy(buf_ + tail, in + written, first);
            __builtin_memcpy(buf_, in + written + first, n - first);
            count_ += n;
            written += n;
            wakeAll(queue_);
            if (written == size) {
                return static_cast<long>(written);
            }
        }
        if (nonBlocking) {
            return written > 0 ? static_cast<long>(written) : -EAGAIN;
        }
        if (waitOn(queue_) == WaitResult::Interrupted) {
            return written > 0 ? static_cast<long>(written) : -kRestartSys;
        }
    }
}

uint32_t Pipe::poll(bool reader, bool writer) const {
    uint32_t r = 0;
    if (reader) {
        if (count_ > 0) {
            r |= kPollIn | kPollRdNorm;
        }
        if (writers_ == 0) {
            r |= kPollHup;
        }
    }
    if (writer) {
        if (capacity_ - count_ >= kAtomic || (capacity_ - count_ > 0 && capacity_ < kAtomic)) {
            r |= kPollOut | kPollWrNorm;
        }
        if (readers_ == 0) {
            r |= kPollErr;
        }
    }
    return r;
}

long Pipe::setCapacity(uint64_t size) {
    if (size > kMaxSize) {
        return -EPERM; // beyond pipe-max-size needs CAP_SYS_RESOURCE... which root has, but
                       // Linux still refuses more than the hard cap for everyone
    }
    size_t cap = kPageSize;
    while (cap < size) {
        cap *= 2;
    }
    if (cap < count_) {
        return -EBUSY;
    }
    if (cap == capacity_) {
        return static_cast<long>(cap);
    }
    if (buf_ != nullptr) {
        char* nb = new (std::nothrow) char[cap];
        if (nb == nullptr) {
            return -ENOMEM;
        }
        size_t first = capacity_ - head_ < count_ ? capacity_ - head_ : count_;
        __builtin_memcpy(nb, buf_ + head_, first);
        __builtin_memcpy(nb + first, buf_, count_ - first);
        delete[] buf_;
        buf_ = nb;
        head_ = 0;
    }
    capacity_ = cap;
    wakeAll(queue_);
    return static_cast<long>(cap);
}

// ---- PipeFile ------------------------------------------------------------------------------

PipeFile::PipeFile(Ref<Node> node, Ref<Pipe> pipe, uint32_t flags)
    : File(static_cast<Ref<Node>&&>(node), flags), pipe_(static_cast<Ref<Pipe>&&>(pipe)) {
    pipe_->addEnd(readable(), writable());
}

PipeFile::~PipeFile() {
    pipe_->dropEnd(readable(), writable());
}

long PipeFile::read(void* buf, size_t size) {
    if (!readable()) {
        return -EBADF;
    }
    if (size > kMaxIo) {
        size = kMaxIo;
    }
    long n = pipe_->read(buf, size, nonBlocking());
    if (n > 0) {
        node_->touchAtime();
    }
    return n;
}

long PipeFile::write(const void* buf, size_t size) {
    if (!writable()) {
        return -EBADF;
    }
    if (size > kMaxIo) {
        size = kMaxIo;
    }
    long n = pipe_->write(buf, size, nonBlocking());
    if (n > 0) {
        node_->touchMtime();
    }
    return n;
}

uint32_t PipeFile::poll() const {
    return pipe_->poll(readable(), writable());
}

void PipeFile::describe(Text* out) const {
    if (node_->fs()->magic() == kPipefsMagic) {
        out->appendf("pipe:[%lu]", node_->ino());
    } else {
        File::describe(out);
    }
}

} // namespace uk::vfs
