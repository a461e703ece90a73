#include "pseudo.h"

namespace uk::vfs {

// ---- PseudoDir -----------------------------------------------------------------------------

PseudoDir::PseudoDir(FileSystem* fs, uint32_t perm, Node* parent, const char* name)
    : Node(fs, kIfDir | (perm & kPermMask), Cred{}), parent_(parent), name_(name) {}

PseudoDir::~PseudoDir() {
    while (head_ != nullptr) {
        Entry* e = head_;
        head_ = e->next;
        e->node->unref();
        delete e;
    }
}

bool PseudoDir::add(const char* name, Ref<Node> child) {
    if (!child) {
        return false;
    }
    auto* e = new (std::nothrow) Entry{name, child.leak(), nullptr};
    if (e == nullptr) {
        return false;
    }
    if (e->node->isDir()) {
        ++nlink_;
    }
    if (tail_ != nullptr) {
        tail_->next = e;
    } else {
        head_ = e;
    }
    tail_ = e;
    return true;
}

long PseudoDir::lookup(Name name, Ref<Node>* out) {
    if (name.isDot()) {
        *out = Ref<Node>(this);
        return 0;
    }
    if (name.isDotDot()) {
        *out = Ref<Node>(parent_ != nullptr ? parent_ : this);
        return 0;
    }
    for (Entry* e = head_; e != nullptr; e = e->next) {
        if (name.is(e->name)) {
            *out = Ref<Node>(e->node);
            return 0;
        }
    }
    return dynamicLookup(name, out);
}

long PseudoDir::unlink(Name name, bool) {
    Ref<Node> n;
    return lookup(name, &n) < 0 ? -ENOENT : -EACCES;
}

long PseudoDir::readdir(uint64_t* cookie, DirSink& sink) {
    long emitted = 0;
    if (*cookie == 0) {
        if (!sink.emit(ino_, 1, kDtDir, Name{".", 1})) {
            return emitted;
        }
        ++emitted;
        *cookie = 1;
    }
    if (*cookie == 1) {
        Node* up = parent_ != nullptr ? parent_ : this;
        if (!sink.emit(up->ino(), 2, kDtDir, Name{"..", 2})) {
            return emitted;
        }
        ++emitted;
        *cookie = 2;
    }
    uint64_t index = 2;
    for (Entry* e = head_; e != nullptr && *cookie < kDynamicBase; e = e->next, ++index) {
        if (index < *cookie) {
            continue;
        }
        if (!sink.emit(e->node->ino(), index + 1, dtype(e->node->mode()), nameOf(e->name))) {
            return emitted;
        }
        ++emitted;
        *cookie = index + 1;
    }
    if (*cookie < kDynamicBase) {
        *cookie = kDynamicBase;
    }
    for (;;) {
        Text name;
        Ref<Node> node;
        if (!dynamicEntry(*cookie - kDynamicBase, &name, &node)) {
            return emitted;
        }
        if (name.failed()) {
            return emitted > 0 ? emitted : -ENOMEM;
        }
        if (!sink.emit(node->ino(), *cookie + 1, dtype(node->mode()),
                       Name{name.c_str(), name.size()})) {
            return emitted;
        }
        ++emitted;
        ++*cookie;
    }
}

// ---- PseudoFile ----------------------------------------------------------------------------

PseudoFile::PseudoFile(FileSystem* fs, uint32_t perm, Generator gen, void* arg, Writer writer)
    : Node(fs, kIfReg | (perm & kPermMask), Cred{}), gen_(gen), arg_(arg), writer_(writer) {}

long PseudoFile::open(uint32_t flags, Ref<File>* out) {
    bool wantsWrite = (flags & kOAccmode) != kORdonly;
    if (wantsWrite && writer_ == nullptr) {
        return -EACCES;
    }
    Ref<SnapshotFile> f = make<SnapshotFile>(Ref<Node>(this), flags, writer_, arg_);
    if (!f) {
        return -ENOMEM;
    }
    if ((flags & kOAccmode) != kOWronly && !gen_(&f->text(), arg_)) {
        return f->text().failed() ? -ENOMEM : -EIO;
    }
    if (f->text().failed()) {
        return -ENOMEM;
    }
    *out = f;
    return 0;
}

// ---- PseudoLink ----------------------------------------------------------------------------

PseudoLink::PseudoLink(FileSystem* fs, LinkTarget target, void* arg, MagicTarget magic)
    : Node(fs, kIfLnk | 0777, Cred{}), target_(target), arg_(arg), magic_(magic) {}

long PseudoLink::readlink(Text* out) const {
    if (!target_(out, arg_)) {
        return out->failed() ? -ENOMEM : -ENOENT;
    }
    return 0;
}

uint64_t PseudoLink::size() const {
    Text t;
    return target_(&t, arg_) ? t.size() : 0;
}

// ---- SnapshotFile --------------------------------------------------------------------------

long SnapshotFile::pread(void* buf, size_t size, uint64_t offset) {
    if (!readable()) {
        return -EBADF;
    }
    if (offset >= text_.size()) {
        return 0;
    }
    size_t n = text_.size() - offset < size ? text_.size() - offset : size;
    __builtin_memcpy(buf, text_.data() + offset, n);
    return static_cast<long>(n);
}

long SnapshotFile::read(void* buf, size_t size) {
    long n = pread(buf, size, offset_);
    if (n > 0) {
        offset_ += static_cast<uint64_t>(n);
    }
    return n;
}

long SnapshotFile::write(const void* buf, size_t size) {
    if (!writable() || writer_ == nullptr) {
        return -EBADF;
    }
    return writer_(static_cast<const char*>(buf), size, arg_);
}

long SnapshotFile::seek(int64_t offset, int whence, uint64_t* result) {
    int64_t base = whence == kSeekSet   ? 0
                   : whence == kSeekCur ? static_cast<int64_t>(offset_)
                   : whence == kSeekEnd ? static_cast<int64_t>(text_.size())
                                        : -1;
    int64_t pos;
    if (base < 0 || __builtin_add_overflow(base, offset, &pos) || pos < 0) {
        return -EINVAL;
    }
    offset_ = static_cast<uint64_t>(pos);
    *result = offset_;
    return 0;
}

long SnapshotFile::available() const {
    return text_.size() > offset_ ? static_cast<long>(text_.size() - offset_) : 0;
}

bool staticText(Text* out, void* text) {
    return out->append(static_cast<const char*>(text));
}

} // namespace uk::vfs
