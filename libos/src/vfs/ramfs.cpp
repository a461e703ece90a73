#include "ramfs.h"

#include "env.h"
#include "file_mapping.h"
#include "pipe.h"

namespace uk::vfs {

namespace {

uint64_t pageOf(uint64_t offset) {
    return offset / kPageSize;
}

// A file's page may be borrowed: a page of the image's initrd used in place
// (setPermanentData), marked by the low bit of its pointer. It is read like any other page,
// never written and never freed; writing to it first gives the file its own copy.
constexpr uintptr_t kBorrowed = 1;

bool isBorrowed(const void* page) {
    return (reinterpret_cast<uintptr_t>(page) & kBorrowed) != 0;
}

char* bytesOf(const void* page) {
    return reinterpret_cast<char*>(reinterpret_cast<uintptr_t>(page) & ~kBorrowed);
}

void releasePage(void* page) {
    if (!isBorrowed(page)) {
        freePage(page);
    }
}

// A page of the file's own with a borrowed page's bytes; nullptr when memory is exhausted.
void* copyOfBorrowed(const void* page) {
    void* own = allocPage();
    if (own != nullptr) {
        __builtin_memcpy(own, bytesOf(page), kPageSize);
    }
    return own;
}

// Every node type of a ramfs can have its link count changed by its directory.
void adjustLinks(Node* n, int delta);

class RamSymlink : public Node {
public:
    RamSymlink(FileSystem* fs, const Cred& owner, char* target, size_t len)
        : Node(fs, kIfLnk | 0777, owner), target_(target), len_(len) {}
    uint64_t size() const override { return len_; }
    long readlink(Text* out) const override { return out->append(target_, len_) ? 0 : -ENOMEM; }
    void adjust(int delta) { nlink_ = static_cast<uint32_t>(static_cast<int>(nlink_) + delta); }

protected:
    ~RamSymlink() override { delete[] target_; }

private:
    char* target_;
    size_t len_;
};

// Device nodes, FIFOs and sockets: recorded entries; opening a device goes to the device
// registry, opening a FIFO to its pipe.
class RamSpecial : public Node {
public:
    RamSpecial(FileSystem* fs, uint32_t mode, uint64_t rdev, const Cred& owner)
        : Node(fs, mode, owner) {
        rdev_ = rdev;
    }
    Pipe* fifo() override {
        if ((mode_ & kIfMt) != kIfIfo) {
            return nullptr;
        }
        if (!pipe_) {
            pipe_ = Pipe::create(this);
        }
        return pipe_.get();
    }
    void adjust(int delta) { nlink_ = static_cast<uint32_t>(static_cast<int>(nlink_) + delta); }

protected:
    ~RamSpecial() override = default;

private:
    Ref<Pipe> pipe_;
};

} // namespace

class RamDir : public Node {
public:
    RamDir(FileSystem* fs, uint32_t mode, const Cred& owner, RamDir* parent, char* name)
        : Node(fs, mode, owner), parent_(parent), name_(name) {}

    long lookup(Name name, Ref<Node>* out) override;
    long create(Name name, uint32_t mode, uint64_t rdev, const Cred& cred, Ref<Node>* out) override;
    long symlink(Name name, Name target, const Cred& cred, Ref<Node>* out) override;
    long link(Name name, Node* target) override;
    long unlink(Name name, bool directory) override;
    long rename(Name from, Node* newDir, Name to, uint32_t flags) override;
    long readdir(uint64_t* cookie, DirSink& sink) override;
    Node* parentDir() const override { return parent_; }
    const char* dirName() const override { return name_; }
    bool isEmptyDir() const override { return count_ == 0; }
    uint64_t size() const override { return 4096; }

    void adjust(int delta) { nlink_ = static_cast<uint32_t>(static_cast<int>(nlink_) + delta); }

protected:
    ~RamDir() override;

private:
    struct Entry {
        Entry* prev;
        Entry* next;
        Node* node;   // holds a reference
        uint64_t seq; // the readdir cookie of this entry
        size_t len;
        char* name;
    };

    Entry* find(Name name) const;
    // Adds an entry (taking a new reference to node). False when memory is exhausted.
    bool add(Name name, Node* node);
    void addEntry(Entry* e);
    void detach(Entry* e);
    // Removes an entry whose node is going away from here: link counts, parent pointer.
    void drop(Entry* e);
    // Makes `dir` (a directory that just moved here, or away) consistent.
    void adopt(RamDir* dir, const char* name);
    static bool isAncestor(const RamDir* maybeAncestor, const RamDir* dir);
    long insertNew(Name name, Node* node, Ref<Node>* out);

    RamDir* parent_;
    char* name_;
    Entry* head_ = nullptr;
    Entry* tail_ = nullptr;
    size_t count_ = 0;
    uint64_t nextSeq_ = 2; // 0 and 1 are "." and ".."
};

namespace {

void adjustLinks(Node* n, int delta) {
    switch (n->type()) {
    case kIfReg:
        static_cast<RamFile*>(n)->adjustLinks(delta);
        break;
    case kIfDir:
        static_cast<RamDir*>(n)->adjust(delta);
        break;
    case kIfLnk:
        static_cast<RamSymlink*>(n)->adjust(delta);
        break;
    default:
        static_cast<RamSpecial*>(n)->adjust(delta);
        break;
    }
}

} // namespace

// ---- RamFs ---------------------------------------------------------------------------------

void RamFs::stats(FsStats* out) const {
    FileSystem::stats(out);
    // Memory is the limit (like tmpfs without size=): all of it, and what is still free.
    uint64_t total = 0, free = 0;
    memoryPages(&total, &free);
    out->blocks = total;
    out->freeBlocks = free;
    out->files = total;
    out->freeFiles = free;
}

Ref<Node> makeRamfs(const char* type, uint64_t magic, uint32_t rootMode, const Cred& owner) {
    Ref<FileSystem> fs = make<RamFs>(type, magic);
    if (!fs) {
        return nullptr;
    }
    char* name = dupString("/");
    if (name == nullptr) {
        return nullptr;
    }
    Ref<Node> root = make<RamDir>(fs.get(), kIfDir | (rootMode & kPermMask), owner, nullptr, name);
    if (!root) {
        delete[] name;
    }
    return root;
}

Ref<Node> makeUnlinkedRamFile(FileSystem* dirFs, uint32_t mode, const Cred& owner, bool linkable) {
    Ref<RamFile> f = make<RamFile>(dirFs, kIfReg | (mode & kPermMask), owner);
    if (f) {
        f->adjustLinks(-1);
        f->setLinkable(linkable);
    }
    return f;
}

// ---- RamDir --------------------------------------------------------------------------------

RamDir::~RamDir() {
    while (head_ != nullptr) {
        Entry* e = head_;
        detach(e);
        drop(e);
    }
    delete[] name_;
}

RamDir::Entry* RamDir::find(Name name) const {
    for (Entry* e = head_; e != nullptr; e = e->next) {
        if (e->len == name.len && __builtin_memcmp(e->name, name.ptr, name.len) == 0) {
            return e;
        }
    }
    return nullptr;
}

void RamDir::addEntry(Entry* e) {
    e->seq = nextSeq_++;
    e->prev = tail_;
    e->next = nullptr;
    if (tail_ != nullptr) {
        tail_->next = e;
    } else {
        head_ = e;
    }
    tail_ = e;
    ++count_;
}

bool RamDir::add(Name name, Node* node) {
    char* copy = dupString(name.ptr, name.len);
    Entry* e = copy != nullptr ? new (std::nothrow) Entry{} : nullptr;
    if (e == nullptr) {
        delete[] copy;
        return false;
    }
    e->node = node;
    node->ref();
    e->len = name.len;
    e->name = copy;
    addEntry(e);
    return true;
}

void RamDir::detach(Entry* e) {
    if (e->prev != nullptr) {
        e->prev->next = e->next;
    } else {
        head_ = e->next;
    }
    if (e->next != nullptr) {
        e->next->prev = e->prev;
    } else {
        tail_ = e->prev;
    }
    --count_;
}

void RamDir::drop(Entry* e) {
    Node* n = e->node;
    if (n->isDir()) {
        auto* d = static_cast<RamDir*>(n);
        if (d->parent_ == this) {
            d->parent_ = nullptr;
            d->adjust(-static_cast<int>(d->nlink())); // a removed directory has no links
            adjust(-1);                               // its ".." no longer points here
        }
    } else {
        adjustLinks(n, -1);
    }
    n->touchCtime();
    delete[] e->name;
    delete e;
    n->unref();
}

void RamDir::adopt(RamDir* dir, const char* name) {
    delete[] dir->name_;
    dir->name_ = const_cast<char*>(name);
    if (dir->parent_ != this) {
        if (dir->parent_ != nullptr) {
            dir->parent_->adjust(-1);
        }
        dir->parent_ = this;
        adjust(1);
    }
}

bool RamDir::isAncestor(const RamDir* maybeAncestor, const RamDir* dir) {
    for (const RamDir* d = dir; d != nullptr; d = d->parent_) {
        if (d == maybeAncestor) {
            return true;
        }
    }
    return false;
}

long RamDir::lookup(Name name, Ref<Node>* out) {
    if (name.isDot()) {
        *out = Ref<Node>(this);
        return 0;
    }
    if (name.isDotDot()) {
        *out = Ref<Node>(parent_ != nullptr ? static_cast<Node*>(parent_) : this);
        return 0;
    }
    Entry* e = find(name);
    if (e == nullptr) {
        return -ENOENT;
    }
    *out = Ref<Node>(e->node);
    return 0;
}

long RamDir::insertNew(Name name, Node* node, Ref<Node>* out) {
    Ref<Node> keep(node);
    if (!keep) {
        return -ENOSPC;
    }
    if (!add(name, node)) {
        return -ENOSPC;
    }
    touchMtime();
    if (out != nullptr) {
        *out = keep;
    }
    return 0;
}

long RamDir::create(Name name, uint32_t mode, uint64_t rdev, const Cred& cred, Ref<Node>* out) {
    if (parent_ == nullptr && nlink_ == 0) {
        return -ENOENT; // removed directory
    }
    if (find(name) != nullptr) {
        return -EEXIST;
    }
    Cred owner = cred;
    if (mode_ & kSetGid) {
        owner.gid = gid_; // BSD group semantics under a set-group-ID directory
        if (vfs::isDir(mode)) {
            mode |= kSetGid;
        }
    }
    Node* node;
    switch (mode & kIfMt) {
    case kIfDir: {
        char* copy = dupString(name.ptr, name.len);
        if (copy == nullptr) {
            return -ENOSPC;
        }
        node = new (std::nothrow) RamDir(fs(), mode, owner, this, copy);
        if (node == nullptr) {
            delete[] copy;
            return -ENOSPC;
        }
        long r = insertNew(name, node, out);
        if (r == 0) {
            adjust(1); // the new directory's ".."
        }
        return r;
    }
    case kIfReg:
        node = new (std::nothrow) RamFile(fs(), mode, owner);
        break;
    case kIfChr:
    case kIfBlk:
    case kIfIfo:
    case kIfSock:
        node = new (std::nothrow) RamSpecial(
            fs(), mode, (mode & kIfMt) == kIfChr || (mode & kIfMt) == kIfBlk ? rdev : 0, owner);
        break;
    default:
        return -EINVAL;
    }
    return insertNew(name, node, out);
}

long RamDir::symlink(Name name, Name target, const Cred& cred, Ref<Node>* out) {
    if (parent_ == nullptr && nlink_ == 0) {
        return -ENOENT;
    }
    if (find(name) != nullptr) {
        return -EEXIST;
    }
    char* copy = dupString(target.ptr, target.len);
    if (copy == nullptr) {
        return -ENOSPC;
    }
    Node* node = new (std::nothrow) RamSymlink(fs(), cred, copy, target.len);
    if (node == nullptr) {
        delete[] copy;
        return -ENOSPC;
    }
    return insertNew(name, node, out);
}

long RamDir::link(Name name, Node* target) {
    if (parent_ == nullptr && nlink_ == 0) {
        return -ENOENT;
    }
    if (target->isDir()) {
        return -EPERM;
    }
    if (find(name) != nullptr) {
        return -EEXIST;
    }
    if (target->nlink() == 0) {
        auto* f = target->isReg() ? static_cast<RamFile*>(target) : nullptr;
        if (f == nullptr || !f->linkable()) {
            return -ENOENT;
        }
        f->setLinkable(false);
    }
    if (!add(name, target)) {
        return -ENOSPC;
    }
    adjustLinks(target, 1);
    target->touchCtime();
    touchMtime();
    return 0;
}

long RamDir::unlink(Name name, bool directory) {
    Entry* e = find(name);
    if (e == nullptr) {
        return -ENOENT;
    }
    if (directory) {
        if (!e->node->isDir()) {
            return -ENOTDIR;
        }
        if (!e->node->isEmptyDir()) {
            return -ENOTEMPTY;
        }
    } else if (e->node->isDir()) {
        return -EISDIR;
    }
    detach(e);
    drop(e);
    touchMtime();
    return 0;
}

long RamDir::rename(Name from, Node* newDir, Name to, uint32_t flags) {
    auto* dst = static_cast<RamDir*>(newDir);
    Entry* se = find(from);
    if (se == nullptr) {
        return -ENOENT;
    }
    if (dst->parent_ == nullptr && dst->nlink_ == 0) {
        return -ENOENT;
    }
    Entry* de = dst->find(to);
    Node* src = se->node;

    if (flags & kRenameExchange) {
        if (de == nullptr) {
            return -ENOENT;
        }
        Node* other = de->node;
        if (src == other) {
            return 0;
        }
        if (src->isDir() && isAncestor(static_cast<RamDir*>(src), dst)) {
            return -EINVAL;
        }
        if (other->isDir() && isAncestor(static_cast<RamDir*>(other), this)) {
            return -EINVAL;
        }
        char* srcName = src->isDir() ? dupString(to.ptr, to.len) : nullptr;
        char* otherName = other->isDir() ? dupString(from.ptr, from.len) : nullptr;
        if ((src->isDir() && srcName == nullptr) || (other->isDir() && otherName == nullptr)) {
            delete[] srcName;
            delete[] otherName;
            return -ENOMEM;
        }
        se->node = other;
        de->node = src;
        if (src->isDir()) {
            dst->adopt(static_cast<RamDir*>(src), srcName);
        }
        if (other->isDir()) {
            adopt(static_cast<RamDir*>(other), otherName);
        }
        src->touchCtime();
        other->touchCtime();
        touchMtime();
        dst->touchMtime();
        return 0;
    }

    if (de != nullptr) {
        if (flags & kRenameNoreplace) {
            return -EEXIST;
        }
        Node* target = de->node;
        if (target == src) {
            return 0; // the same file under two names: nothing to do (POSIX)
        }
        if (src->isDir()) {
            if (!target->isDir()) {
                return -ENOTDIR;
            }
            if (!target->isEmptyDir()) {
                return -ENOTEMPTY;
            }
        } else if (target->isDir()) {
            return -EISDIR;
        }
    }
    if (src->isDir() && isAncestor(static_cast<RamDir*>(src), dst)) {
        return -EINVAL; // into itself or below itself
    }

    // Allocate everything first, so that a failure changes nothing.
    char* entryName = dupString(to.ptr, to.len);
    char* dirName = src->isDir() ? dupString(to.ptr, to.len) : nullptr;
    if (entryName == nullptr || (src->isDir() && dirName == nullptr)) {
        delete[] entryName;
        delete[] dirName;
        return -ENOMEM;
    }
    if (de != nullptr) {
        dst->detach(de);
        dst->drop(de);
    }
    detach(se);
    delete[] se->name;
    se->name = entryName;
    se->len = to.len;
    dst->addEntry(se);
    if (src->isDir()) {
        dst->adopt(static_cast<RamDir*>(src), dirName);
    }
    src->touchCtime();
    touchMtime();
    if (dst != this) {
        dst->touchMtime();
    }
    return 0;
}

long RamDir::readdir(uint64_t* cookie, DirSink& sink) {
    long emitted = 0;
    if (*cookie == 0) {
        if (!sink.emit(ino_, 1, kDtDir, Name{".", 1})) {
            return emitted;
        }
        ++emitted;
        *cookie = 1;
    }
    if (*cookie == 1) {
        Node* up = parent_ != nullptr ? static_cast<Node*>(parent_) : this;
        if (!sink.emit(up->ino(), 2, kDtDir, Name{"..", 2})) {
            return emitted;
        }
        ++emitted;
        *cookie = 2;
    }
    for (Entry* e = head_; e != nullptr; e = e->next) {
        if (e->seq < *cookie) {
            continue;
        }
        if (!sink.emit(e->node->ino(), e->seq + 1, dtype(e->node->mode()), Name{e->name, e->len})) {
            break;
        }
        ++emitted;
        *cookie = e->seq + 1;
    }
    return emitted;
}

// ---- RamFile -------------------------------------------------------------------------------

RamFile::~RamFile() {
    pages_.forEach(0, ~uint64_t{0}, [](uint64_t, void*& page) {
        releasePage(page);
        page = nullptr;
    });
}

void* RamFile::ownPage(uint64_t index, void* page) {
    if (!isBorrowed(page)) {
        return page;
    }
    void* own = copyOfBorrowed(page);
    if (own != nullptr) {
        pages_.replace(index, own);
    }
    return own;
}

long RamFile::setPermanentData(const void* data, uint64_t size) {
    if (size < kPageSize || reinterpret_cast<uintptr_t>(data) % kPageSize != 0 || sharedMaps_ > 0 ||
        size > kMaxFileSize) {
        return Node::setPermanentData(data, size);
    }
    if (long r = truncate(0); r < 0) {
        return r;
    }
    const uint64_t whole = size / kPageSize;
    for (uint64_t i = 0; i < whole; ++i) {
        const uintptr_t at = reinterpret_cast<uintptr_t>(data) + i * kPageSize;
        if (!pages_.insert(i, reinterpret_cast<void*>(at | kBorrowed))) {
            return -ENOMEM;
        }
    }
    // The last, partial page is copied: what lies past the end of file in the archive (the
    // next entry's header) must read as zeros through a mapping.
    if (const uint64_t tail = size % kPageSize; tail != 0) {
        void* page = allocZeroedPage();
        if (page == nullptr || !pages_.insert(whole, page)) {
            freePage(page);
            return -ENOMEM;
        }
        __builtin_memcpy(page, static_cast<const char*>(data) + whole * kPageSize, tail);
    }
    size_ = size;
    touchMtime();
    return 0;
}

long RamFile::readAt(void* buf, size_t size, uint64_t offset) {
    if (offset >= size_) {
        return 0;
    }
    if (size > size_ - offset) {
        size = size_ - offset;
    }
    auto* out = static_cast<char*>(buf);
    size_t done = 0;
    while (done < size) {
        uint64_t at = offset + done;
        size_t inPage = at % kPageSize;
        size_t n = kPageSize - inPage;
        if (n > size - done) {
            n = size - done;
        }
        const void* page = pages_.get(pageOf(at));
        if (page != nullptr) {
            __builtin_memcpy(out + done, bytesOf(page) + inPage, n);
        } else {
            __builtin_memset(out + done, 0, n);
        }
        done += n;
    }
    return static_cast<long>(done);
}

bool RamFile::zeroRange(uint64_t from, uint64_t to) {
    if (from >= to) {
        return true;
    }
    bool ok = true;
    pages_.forEach(pageOf(from), pageOf(to - 1) + 1, [&](uint64_t index, void*& page) {
        uint64_t start = index * kPageSize;
        uint64_t lo = from > start ? from - start : 0;
        uint64_t hi = to < start + kPageSize ? to - start : kPageSize;
        if (isBorrowed(page)) {
            if (lo == 0 && hi == kPageSize) {
                page = nullptr; // a hole reads as zeros
                return;
            }
            void* own = copyOfBorrowed(page);
            if (own == nullptr) {
                ok = false;
                return;
            }
            page = own;
        }
        __builtin_memset(static_cast<char*>(page) + lo, 0, hi - lo);
    });
    return ok;
}

long RamFile::writeAt(const void* buf, size_t size, uint64_t offset) {
    if (offset >= kMaxFileSize || size > kMaxFileSize - offset) {
        if (offset >= kMaxFileSize) {
            return -EFBIG;
        }
        size = kMaxFileSize - offset;
    }
    if (offset > size_ && !zeroRange(size_, offset)) {
        return -ENOSPC;
    }
    auto* in = static_cast<const char*>(buf);
    size_t done = 0;
    while (done < size) {
        uint64_t at = offset + done;
        size_t inPage = at % kPageSize;
        size_t n = kPageSize - inPage;
        if (n > size - done) {
            n = size - done;
        }
        uint64_t index = pageOf(at);
        void* page = pages_.get(index);
        if (page == nullptr) {
            page = n == kPageSize ? allocPage() : allocZeroedPage();
            if (page == nullptr || !pages_.insert(index, page)) {
                freePage(page);
                break;
            }
        } else if (page = ownPage(index, page); page == nullptr) {
            break;
        }
        __builtin_memcpy(static_cast<char*>(page) + inPage, in + done, n);
        done += n;
    }
    if (offset + done > size_) {
        size_ = offset + done;
    }
    if (done == 0) {
        return -ENOSPC;
    }
    touchMtime();
    return static_cast<long>(done);
}

void RamFile::trimPages() {
    if (sharedMaps_ > 0) {
        return; // a mapping may still reach them; they are zeroed and freed later
    }
    uint64_t keep = (size_ + kPageSize - 1) / kPageSize;
    pages_.forEach(keep, ~uint64_t{0}, [](uint64_t, void*& page) {
        releasePage(page);
        page = nullptr;
    });
}

long RamFile::truncate(uint64_t size) {
    if (size > kMaxFileSize) {
        return -EFBIG;
    }
    if (size < size_) {
        if (!zeroRange(size, size_)) {
            return -ENOMEM;
        }
        size_ = size;
        trimPages();
    } else if (size > size_) {
        if (!zeroRange(size_, size)) {
            return -ENOMEM;
        }
        size_ = size;
    }
    touchMtime();
    return 0;
}

long RamFile::allocate(uint64_t offset, uint64_t length) {
    if (length == 0) {
        return -EINVAL;
    }
    if (offset >= kMaxFileSize || length > kMaxFileSize - offset) {
        return -EFBIG;
    }
    uint64_t end = offset + length;
    for (uint64_t index = pageOf(offset); index <= pageOf(end - 1); ++index) {
        if (pages_.get(index) == nullptr) {
            void* page = allocZeroedPage();
            if (page == nullptr || !pages_.insert(index, page)) {
                freePage(page);
                return -ENOSPC;
            }
        }
    }
    if (end > size_) {
        if (!zeroRange(size_, end)) {
            return -ENOSPC;
        }
        size_ = end;
    }
    touchCtime();
    return 0;
}

void* RamFile::pageForSharing(uint64_t index) {
    void* page = pages_.get(index);
    if (page != nullptr) {
        return ownPage(index, page); // a shared mapping may write to it
    }
    page = allocZeroedPage();
    if (page != nullptr && !pages_.insert(index, page)) {
        freePage(page);
        page = nullptr;
    }
    return page;
}

void RamFile::copyPage(uint64_t index, void* dst) const {
    const void* page = pages_.get(index);
    uint64_t start = index * kPageSize;
    size_t valid = size_ > start ? (size_ - start < kPageSize ? size_ - start : kPageSize) : 0;
    if (page != nullptr && valid > 0) {
        __builtin_memcpy(dst, bytesOf(page), valid);
    } else {
        valid = 0;
    }
    __builtin_memset(static_cast<char*>(dst) + valid, 0, kPageSize - valid);
}

void RamFile::unmapShared() {
    if (sharedMaps_ > 0 && --sharedMaps_ == 0) {
        // What a mapping wrote past the end of file must not reappear if the file grows.
        // (Pages a mapping wrote are the file's own, so this needs no memory.)
        (void)zeroRange(size_, (size_ + kPageSize - 1) / kPageSize * kPageSize);
        trimPages();
    }
}

long RamFile::mapping(bool shared, const char* path, mm::VmaBacking** out) {
    FileMapping* m = FileMapping::create(Ref<RamFile>(this), shared, path);
    if (m == nullptr) {
        return -ENOMEM;
    }
    *out = m;
    return 0;
}

} // namespace uk::vfs
