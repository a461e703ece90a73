#include "cpio.h"

#include <stdarg.h>
#include <uk/hex_digit.h>

#include "../base/format.h"
#include "ops.h"

namespace uk::vfs {

namespace {

constexpr size_t kHeaderSize = 110;
const char* const kFieldNames[13] = {"ino",       "mode",     "uid",      "gid",      "nlink",
                                     "mtime",     "filesize", "devmajor", "devminor", "rdevmajor",
                                     "rdevminor", "namesize", "check"};

size_t align4(size_t v) {
    return (v + 3) & ~size_t{3};
}

bool isTrailer(const CpioEntry& e) {
    static const char kTrailer[] = "TRAILER!!!";
    return e.nameLen == sizeof kTrailer - 1 &&
           __builtin_memcmp(e.name, kTrailer, sizeof kTrailer - 1) == 0;
}

} // namespace

CpioReader::Result CpioReader::fail(const CpioEntry* e, const char* fmt, ...) {
    size_t n;
    if (e != nullptr && e->name != nullptr) {
        int shown = e->nameLen > 100 ? 100 : static_cast<int>(e->nameLen);
        n = format(error_, sizeof error_, "entry %zu (%.*s%s): ", e->index, shown, e->name,
                   e->nameLen > 100 ? "..." : "");
    } else {
        n = format(error_, sizeof error_, "entry %zu at byte %zu: ", index_, pos_);
    }
    if (n < sizeof error_) {
        va_list ap;
        va_start(ap, fmt);
        formatV(error_ + n, sizeof error_ - n, fmt, ap);
        va_end(ap);
    }
    return Result::Error;
}

CpioReader::Result CpioReader::next(CpioEntry* out) {
    for (;;) {
        if (sawTrailer_) {
            // Between concatenated archives (and after the last) only NUL padding.
            while (pos_ < size_ && data_[pos_] == 0) {
                ++pos_;
            }
            if (pos_ >= size_) {
                return Result::End;
            }
            if (pos_ % 4 != 0) {
                return fail(nullptr, "data after the trailer is not a 4-byte aligned archive");
            }
            sawTrailer_ = false;
        }
        if (pos_ >= size_) {
            return fail(nullptr, "the archive ends without a TRAILER!!! entry (truncated?)");
        }
        CpioEntry e;
        e.index = index_;
        if (size_ - pos_ < kHeaderSize) {
            return fail(nullptr, "truncated header (%zu bytes left, 110 needed)", size_ - pos_);
        }
        const uint8_t* h = data_ + pos_;
        bool withCrc;
        if (__builtin_memcmp(h, "070701", 6) == 0) {
            withCrc = false;
        } else if (__builtin_memcmp(h, "070702", 6) == 0) {
            withCrc = true;
        } else if (__builtin_memcmp(h, "070707", 6) == 0) {
            return fail(nullptr, "old portable (odc) cpio format; pack with -H newc");
        } else {
            return fail(nullptr, "bad magic (not a cpio newc archive; pack with -H newc)");
        }
        uint32_t f[13];
        for (int i = 0; i < 13; ++i) {
            uint32_t v = 0;
            for (int k = 0; k < 8; ++k) {
                int d = hexDigitValue(h[6 + i * 8 + k]);
                if (d < 0) {
                    return fail(nullptr, "bad hex digit in field %s", kFieldNames[i]);
                }
                v = (v << 4) | static_cast<uint32_t>(d);
            }
            f[i] = v;
        }
        e.ino = f[0];
        e.mode = f[1];
        e.uid = f[2];
        e.gid = f[3];
        e.nlink = f[4];
        e.mtime = f[5];
        e.size = f[6];
        e.devMajor = f[7];
        e.devMinor = f[8];
        e.rdevMajor = f[9];
        e.rdevMinor = f[10];
        uint32_t nameSize = f[11];
        uint32_t check = f[12];

        if (nameSize == 0 || nameSize > kPathMax) {
            return fail(nullptr, "name size %u out of range (1-%zu)", nameSize, kPathMax);
        }
        if (size_ - pos_ - kHeaderSize < nameSize) {
            return fail(nullptr, "name runs past the end of the archive");
        }
        const char* name = reinterpret_cast<const char*>(h + kHeaderSize);
        if (name[nameSize - 1] != 0) {
            return fail(nullptr, "name is not NUL-terminated");
        }
        e.name = name;
        e.nameLen = __builtin_strlen(name);
        // NUL bytes may follow the name inside namesize (uk's writer pads names so that file
        // data starts on a page boundary); anything else after a NUL is a corrupt name.
        for (size_t i = e.nameLen; i < nameSize; ++i) {
            if (name[i] != 0) {
                return fail(&e, "NUL byte inside the name");
            }
        }
        if (e.nameLen == 0) {
            return fail(&e, "empty name");
        }
        size_t dataPos = align4(pos_ + kHeaderSize + nameSize);
        if (dataPos > size_ || size_ - dataPos < e.size) {
            return fail(&e, "data (%lu bytes) runs past the end of the archive", e.size);
        }
        e.data = data_ + dataPos;
        if (withCrc) {
            uint32_t sum = 0;
            for (uint64_t i = 0; i < e.size; ++i) {
                sum += e.data[i];
            }
            if (sum != check) {
                return fail(&e, "checksum mismatch (header %#x, data %#x)", check, sum);
            }
        }
        pos_ = align4(dataPos + e.size);
        if (pos_ > size_) {
            pos_ = size_; // the final padding may be missing
        }
        ++index_;
        if (isTrailer(e)) {
            sawTrailer_ = true;
            continue;
        }
        switch (e.mode & kIfMt) {
        case kIfReg:
            break;
        case kIfDir:
        case kIfChr:
        case kIfBlk:
        case kIfIfo:
        case kIfSock:
            if (e.size != 0) {
                return fail(&e, "a %s with %lu bytes of data",
                            (e.mode & kIfMt) == kIfDir ? "directory" : "special file", e.size);
            }
            break;
        case kIfLnk:
            if (e.size == 0 || e.size >= kPathMax) {
                return fail(&e, "symlink target length %lu out of range", e.size);
            }
            for (uint64_t i = 0; i < e.size; ++i) {
                if (e.data[i] == 0) {
                    return fail(&e, "NUL byte inside the symlink target");
                }
            }
            break;
        default:
            return fail(&e, "unknown file type (mode %#o)", e.mode);
        }
        *out = e;
        return Result::Entry;
    }
}

// ---- unpacking -----------------------------------------------------------------------------

namespace {

struct LinkKey {
    uint32_t major, minor, ino;
    Node* node; // holds a reference
};

class Unpacker {
public:
    Unpacker(Context& ctx, UnpackStats* stats, Text* error, bool permanent)
        : ctx_(ctx), stats_(stats), error_(error), permanent_(permanent) {}
    ~Unpacker() {
        for (size_t i = 0; i < linkCount_; ++i) {
            links_[i].node->unref();
        }
        delete[] links_;
        for (size_t i = 0; i < dirCount_; ++i) {
            dirs_[i].node->unref();
        }
        delete[] dirs_;
    }

    long entry(const CpioEntry& e);
    void finish();

private:
    struct DirTime {
        Node* node; // holds a reference
        uint64_t mtime;
    };

    long fail(const CpioEntry& e, long err, const char* what);
    long resolve(const CpioEntry& e, const char* path, WalkResult* w);
    long makeParents(const char* path);
    Node* findLink(const CpioEntry& e) const;
    bool rememberLink(const CpioEntry& e, Node* n);
    bool rememberDir(Node* n, uint64_t mtime);
    void setAttributes(Node* n, const CpioEntry& e);

    Context& ctx_;
    UnpackStats* stats_;
    Text* error_;
    bool permanent_;
    LinkKey* links_ = nullptr;
    size_t linkCount_ = 0, linkCap_ = 0;
    DirTime* dirs_ = nullptr;
    size_t dirCount_ = 0, dirCap_ = 0;
};

template <typename T>
bool push(T*& arr, size_t& count, size_t& cap, const T& v) {
    if (count == cap) {
        size_t ncap = cap == 0 ? 16 : cap * 2;
        T* n = new (std::nothrow) T[ncap];
        if (n == nullptr) {
            return false;
        }
        for (size_t i = 0; i < count; ++i) {
            n[i] = arr[i];
        }
        delete[] arr;
        arr = n;
        cap = ncap;
    }
    arr[count++] = v;
    return true;
}

const char* errorText(long err) {
    switch (-err) {
    case ENOENT:
        return "No such file or directory";
    case ENOTDIR:
        return "Not a directory";
    case EEXIST:
        return "File exists";
    case ENOTEMPTY:
        return "Directory not empty";
    case ENOSPC:
    case ENOMEM:
        return "out of memory";
    case ENAMETOOLONG:
        return "File name too long";
    case ELOOP:
        return "Too many levels of symbolic links";
    case EISDIR:
        return "Is a directory";
    default:
        return "error";
    }
}

} // namespace

long Unpacker::fail(const CpioEntry& e, long err, const char* what) {
    error_->clear();
    int shown = e.nameLen > 100 ? 100 : static_cast<int>(e.nameLen);
    error_->appendf("entry %zu (%.*s): %s: %s", e.index, shown, e.name, what, errorText(err));
    return err;
}

Node* Unpacker::findLink(const CpioEntry& e) const {
    for (size_t i = 0; i < linkCount_; ++i) {
        const LinkKey& k = links_[i];
        if (k.ino == e.ino && k.major == e.devMajor && k.minor == e.devMinor) {
            return k.node;
        }
    }
    return nullptr;
}

bool Unpacker::rememberLink(const CpioEntry& e, Node* n) {
    if (!push(links_, linkCount_, linkCap_, LinkKey{e.devMajor, e.devMinor, e.ino, n})) {
        return false;
    }
    n->ref();
    return true;
}

bool Unpacker::rememberDir(Node* n, uint64_t mtime) {
    if (!push(dirs_, dirCount_, dirCap_, DirTime{n, mtime})) {
        return false;
    }
    n->ref();
    return true;
}

void Unpacker::setAttributes(Node* n, const CpioEntry& e) {
    if (!n->isSymlink()) {
        n->setMode(e.mode & kPermMask);
    }
    n->setOwner(e.uid, e.gid);
    Timespec t{static_cast<int64_t>(e.mtime), 0};
    n->setTimes(&t, &t);
}

long Unpacker::makeParents(const char* path) {
    // mkdir -p of every prefix that ends before a slash.
    size_t len = __builtin_strlen(path);
    char* copy = dupString(path, len);
    if (copy == nullptr) {
        return -ENOMEM;
    }
    long result = 0;
    for (size_t i = 1; i < len && result == 0; ++i) {
        if (copy[i] != '/') {
            continue;
        }
        copy[i] = 0;
        uint32_t saved = ctx_.umask;
        ctx_.umask = 0;
        long r = mkdirAt(ctx_, kAtFdCwd, copy, 0755);
        ctx_.umask = saved;
        if (r < 0 && r != -EEXIST) {
            result = r;
        }
        copy[i] = '/';
    }
    delete[] copy;
    return result;
}

long Unpacker::resolve(const CpioEntry& e, const char* path, WalkResult* w) {
    long r = walk(ctx_, ctx_.root.get(), path, kWalkParent, w);
    if (r == -ENOENT) {
        if (long m = makeParents(path); m < 0) {
            return fail(e, m, "creating its parent directories");
        }
        r = walk(ctx_, ctx_.root.get(), path, kWalkParent, w);
    }
    if (r < 0) {
        return fail(e, r, "resolving its path");
    }
    return 0;
}

long Unpacker::entry(const CpioEntry& e) {
    ++stats_->entries;
    // Names are relative to the root: drop "./" and "/" prefixes; "." is the root itself.
    Text path;
    path.append("/");
    const char* n = e.name;
    const char* end = e.name + e.nameLen;
    bool any = false;
    while (n < end) {
        while (n < end && *n == '/') {
            ++n;
        }
        const char* s = n;
        while (n < end && *n != '/') {
            ++n;
        }
        Name comp{s, static_cast<size_t>(n - s)};
        if (comp.len == 0 || comp.isDot()) {
            continue;
        }
        if (comp.isDotDot()) {
            return fail(e, -EINVAL, "a \"..\" component would leave the root");
        }
        if (comp.len > kNameMax) {
            return fail(e, -ENAMETOOLONG, "a path component is longer than 255 bytes");
        }
        if (any) {
            path.put('/');
        }
        path.append(comp.ptr, comp.len);
        any = true;
    }
    if (path.failed()) {
        return fail(e, -ENOMEM, "copying its name");
    }
    uint32_t type = e.mode & kIfMt;
    if (!any) {
        if (type != kIfDir) {
            return fail(e, -EEXIST, "the root can only be a directory");
        }
        setAttributes(ctx_.root.get(), e);
        rememberDir(ctx_.root.get(), e.mtime);
        ++stats_->directories;
        return 0;
    }
    WalkResult w;
    if (long r = resolve(e, path.c_str(), &w); r < 0) {
        return r;
    }
    Ref<Node> node = w.node;

    // A further name of a hard-linked file (or FIFO, device node) seen before.
    bool linkable = type != kIfDir && type != kIfLnk && e.nlink > 1;
    Node* linked = linkable ? findLink(e) : nullptr;
    if (linked != nullptr && node.get() == linked) {
        linked = nullptr; // the same name again: rewrite its data below
    }
    if (node && !(type == kIfDir && node->isDir()) && node.get() != linked) {
        // Later entries replace earlier ones (Linux's initramfs does the same).
        long r = w.parent->unlink(w.last(), node->isDir());
        if (r < 0) {
            return fail(e, r, "replacing what was there");
        }
        node.reset();
    }
    if (linked != nullptr) {
        if (!node) {
            if (long r = w.parent->link(w.last(), linked); r < 0) {
                return fail(e, r, "creating a hard link");
            }
        }
        node = Ref<Node>(linked);
        ++stats_->hardLinks;
    } else if (!node) {
        Cred owner{e.uid, e.gid};
        long r;
        if (type == kIfLnk) {
            r = w.parent->symlink(w.last(), Name{reinterpret_cast<const char*>(e.data), e.size},
                                  owner, &node);
        } else {
            r = w.parent->create(w.last(), e.mode & (kIfMt | kPermMask),
                                 makeDev(e.rdevMajor, e.rdevMinor), owner, &node);
        }
        if (r < 0) {
            return fail(e, r, "creating it");
        }
        if (linkable && !rememberLink(e, node.get())) {
            return fail(e, -ENOMEM, "recording a hard link");
        }
    }
    switch (type) {
    case kIfReg:
        if (e.size > 0) {
            if (permanent_) {
                if (long r = node->setPermanentData(e.data, e.size); r < 0) {
                    return fail(e, r, "writing its data");
                }
            } else {
                if (long r = node->truncate(0); r < 0) {
                    return fail(e, r, "writing its data");
                }
                long r = node->writeAt(e.data, e.size, 0);
                if (r < 0 || static_cast<uint64_t>(r) != e.size) {
                    return fail(e, r < 0 ? r : -ENOSPC, "writing its data");
                }
            }
            stats_->bytes += e.size;
        }
        if (linked == nullptr) {
            ++stats_->files;
        }
        break;
    case kIfDir:
        ++stats_->directories;
        if (!rememberDir(node.get(), e.mtime)) {
            return fail(e, -ENOMEM, "recording its time");
        }
        break;
    case kIfLnk:
        ++stats_->symlinks;
        break;
    default:
        if (linked == nullptr) {
            ++stats_->special;
        }
        break;
    }
    setAttributes(node.get(), e);
    return 0;
}

void Unpacker::finish() {
    // Creating entries changed the directories' times; put the archive's back.
    for (size_t i = 0; i < dirCount_; ++i) {
        Timespec t{static_cast<int64_t>(dirs_[i].mtime), 0};
        dirs_[i].node->setTimes(&t, &t);
    }
}

long unpackCpio(Context& ctx, const void* data, size_t size, UnpackStats* stats, Text* error,
                bool permanentData) {
    CpioReader reader(data, size);
    Unpacker u(ctx, stats, error, permanentData);
    CpioEntry e;
    for (;;) {
        switch (reader.next(&e)) {
        case CpioReader::Result::Entry:
            if (long r = u.entry(e); r < 0) {
                return r;
            }
            continue;
        case CpioReader::Result::End:
            u.finish();
            return 0;
        case CpioReader::Result::Error:
            error->clear();
            error->append(reader.error());
            return -EINVAL;
        }
    }
}

} // namespace uk::vfs
