#include "vfs.h"

namespace uk::vfs {

// ---- mounts --------------------------------------------------------------------------------

Vfs::~Vfs() {
    // Unmount in reverse order: later mounts sit on nodes of earlier ones.
    while (mounts_ != nullptr) {
        Mount** last = &mounts_;
        while ((*last)->next != nullptr) {
            last = &(*last)->next;
        }
        Mount* m = *last;
        *last = nullptr;
        delete[] m->path;
        delete m;
    }
}

long Vfs::mountRoot(Ref<Node> root, const char* source, const char* options) {
    if (mounts_ != nullptr) {
        return -EBUSY;
    }
    if (!root || !root->isDir()) {
        return -ENOTDIR;
    }
    char* path = dupString("/");
    Mount* m = path != nullptr ? new (std::nothrow) Mount{} : nullptr;
    if (m == nullptr) {
        delete[] path;
        return -ENOMEM;
    }
    m->root = static_cast<Ref<Node>&&>(root);
    m->path = path;
    m->source = source;
    m->options = options;
    mounts_ = m;
    count_ = 1;
    return 0;
}

long Vfs::mount(Node* on, const char* path, Ref<Node> root, const char* source, const char* options,
                Populate populate) {
    if (mounts_ == nullptr) {
        return -EINVAL;
    }
    if (!on->isDir() || !root || !root->isDir()) {
        return -ENOTDIR;
    }
    if (count_ == kMaxMounts) {
        return -ENOMEM;
    }
    char* copy = dupString(path);
    Mount* m = copy != nullptr ? new (std::nothrow) Mount{} : nullptr;
    if (m == nullptr) {
        delete[] copy;
        return -ENOMEM;
    }
    m->mountpoint = Ref<Node>(on);
    m->root = static_cast<Ref<Node>&&>(root);
    m->path = copy;
    m->source = source;
    m->options = options;
    m->populate = populate;
    Mount** at = &mounts_;
    while (*at != nullptr) {
        at = &(*at)->next;
    }
    *at = m;
    ++count_;
    return 0;
}

Node* Vfs::mountedOn(const Node* n) {
    Mount* found = nullptr;
    for (Mount* m = mounts_; m != nullptr; m = m->next) {
        if (m->mountpoint.get() == n) {
            found = m;
        }
    }
    if (found == nullptr) {
        return nullptr;
    }
    if (found->populate != nullptr) {
        Populate p = found->populate;
        found->populate = nullptr; // once, even if it fails half-way
        p(found->root.get());
    }
    return found->root.get();
}

const Mount* Vfs::mountOfRoot(const Node* n) const {
    for (const Mount* m = mounts_; m != nullptr; m = m->next) {
        if (m->root.get() == n) {
            return m;
        }
    }
    return nullptr;
}

bool Vfs::isBusy(const Node* n) const {
    for (const Mount* m = mounts_; m != nullptr; m = m->next) {
        if (m->root.get() == n || m->mountpoint.get() == n) {
            return true;
        }
    }
    return false;
}

// ---- resolution ----------------------------------------------------------------------------

namespace {

// A heap path buffer (paths are up to 4 KiB; the kernel stack is small).
class PathBuf {
public:
    PathBuf() : p_(new (std::nothrow) char[kPathMax]) {}
    ~PathBuf() { delete[] p_; }
    PathBuf(const PathBuf&) = delete;
    PathBuf& operator=(const PathBuf&) = delete;
    char* get() const { return p_; }
    void swap(PathBuf& o) {
        char* t = p_;
        p_ = o.p_;
        o.p_ = t;
    }

private:
    char* p_;
};

// Steps onto whatever is mounted on n (repeatedly: mounts can stack).
Ref<Node> crossMounts(Context& ctx, Ref<Node> n) {
    for (;;) {
        Node* over = ctx.vfs->mountedOn(n.get());
        if (over == nullptr) {
            return n;
        }
        n = Ref<Node>(over);
    }
}

long lookupChild(Context& ctx, Node* dir, Name name, Ref<Node>* out) {
    long r = dir->lookup(name, out);
    if (r < 0) {
        return r;
    }
    *out = crossMounts(ctx, static_cast<Ref<Node>&&>(*out));
    return 0;
}

void setName(WalkResult* out, Name n) {
    __builtin_memcpy(out->name, n.ptr, n.len);
    out->name[n.len] = 0;
    out->nameLen = n.len;
}

} // namespace

long parentOf(Context& ctx, Node* dir, Ref<Node>* out) {
    Node* cur = dir;
    for (;;) {
        if (cur == ctx.root.get()) {
            *out = Ref<Node>(cur);
            return 0;
        }
        const Mount* m = ctx.vfs->mountOfRoot(cur);
        if (m == nullptr) {
            break;
        }
        if (!m->mountpoint) {
            *out = Ref<Node>(cur); // the global root is its own parent
            return 0;
        }
        cur = m->mountpoint.get();
    }
    Node* p = cur->parentDir();
    if (p == nullptr) {
        return -ENOENT; // a removed directory
    }
    *out = crossMounts(ctx, Ref<Node>(p));
    return 0;
}

long walk(Context& ctx, Node* start, const char* path, uint32_t flags, WalkResult* out) {
    out->node.reset();
    out->parent.reset();
    out->nameLen = 0;
    out->name[0] = 0;
    out->trailingSlash = false;
    size_t len = __builtin_strlen(path);
    if (len >= kPathMax) {
        return -ENAMETOOLONG;
    }
    if (len == 0) {
        if (!(flags & kWalkEmptyOk)) {
            return -ENOENT;
        }
        out->node = Ref<Node>(start);
        return 0;
    }
    PathBuf buf;
    if (buf.get() == nullptr) {
        return -ENOMEM;
    }
    __builtin_memcpy(buf.get(), path, len + 1);
    const char* p = buf.get();
    Ref<Node> cur = *p == '/' ? ctx.root : Ref<Node>(start);
    int links = 0;

    for (;;) {
        while (*p == '/') {
            ++p;
        }
        if (*p == 0) {
            // Only slashes left: the path named a directory ("/", or a symlink to "/").
            out->node = cur;
            out->trailingSlash = true;
            return 0;
        }
        const char* s = p;
        while (*p != 0 && *p != '/') {
            ++p;
        }
        Name comp{s, static_cast<size_t>(p - s)};
        const char* rest = p;
        while (*rest == '/') {
            ++rest;
        }
        bool last = *rest == 0;
        bool trailing = last && rest != p;
        if (comp.len > kNameMax) {
            return -ENAMETOOLONG;
        }
        if (!cur->isDir()) {
            return -ENOTDIR;
        }
        if (long r = permission(cur.get(), kXOk, ctx.cred); r < 0) {
            return r;
        }

        Ref<Node> child;
        if (comp.isDot()) {
            child = cur;
        } else if (comp.isDotDot()) {
            if (long r = parentOf(ctx, cur.get(), &child); r < 0) {
                return r;
            }
        } else {
            long r = lookupChild(ctx, cur.get(), comp, &child);
            if (r == -ENOENT && last && (flags & kWalkParent)) {
                out->parent = cur;
                setName(out, comp);
                out->trailingSlash = trailing;
                return 0;
            }
            if (r < 0) {
                return r;
            }
        }

        // A trailing slash means "the directory": it follows a final symlink, except for the
        // calls that act on the name itself (rmdir("link/") is ENOTDIR, not the target).
        bool follow = !last || (flags & kWalkFollow) || (trailing && !(flags & kWalkParent));
        if (child->isSymlink() && follow) {
            if (++links > kMaxSymlinks) {
                return -ELOOP;
            }
            if (Ref<Node> magic = child->magicTarget()) {
                cur = magic;
                p = rest;
                if (last) {
                    out->parent.reset();
                    setName(out, comp);
                    out->trailingSlash = trailing;
                    if ((trailing || (flags & kWalkDirectory)) && !cur->isDir()) {
                        return -ENOTDIR;
                    }
                    out->node = cur;
                    return 0;
                }
                continue;
            }
            Text target;
            if (long r = child->readlink(&target); r < 0) {
                return r;
            }
            if (target.failed()) {
                return -ENOMEM;
            }
            if (target.empty()) {
                return -ENOENT;
            }
            size_t restLen = __builtin_strlen(rest);
            // target + "/" + rest; a trailing slash carries over to the expansion.
            size_t total = target.size() + (restLen > 0 || trailing ? 1 : 0) + restLen;
            if (total >= kPathMax) {
                return -ENAMETOOLONG;
            }
            PathBuf next;
            if (next.get() == nullptr) {
                return -ENOMEM;
            }
            char* w = next.get();
            __builtin_memcpy(w, target.data(), target.size());
            w += target.size();
            if (restLen > 0 || trailing) {
                *w++ = '/';
            }
            __builtin_memcpy(w, rest, restLen + 1);
            buf.swap(next);
            p = buf.get();
            if (*p == '/') {
                cur = ctx.root;
            }
            continue;
        }

        if (last) {
            out->parent = cur;
            setName(out, comp);
            out->trailingSlash = trailing;
            if ((trailing || (flags & kWalkDirectory)) && !child->isDir()) {
                // kWalkParent callers decide themselves (rename, unlink want their own errors).
                if (!(flags & kWalkParent)) {
                    return -ENOTDIR;
                }
            }
            out->node = child;
            return 0;
        }
        cur = child;
        p = rest;
    }
}

long pathOf(Context& ctx, Node* dir, Text* out) {
    out->clear();
    Node* cur = dir;
    for (;;) {
        if (cur == ctx.root.get()) {
            break;
        }
        if (const Mount* m = ctx.vfs->mountOfRoot(cur)) {
            if (!m->mountpoint) {
                break;
            }
            cur = m->mountpoint.get();
            continue;
        }
        Node* parent = cur->parentDir();
        const char* name = cur->dirName();
        if (parent == nullptr || name == nullptr) {
            return -ENOENT;
        }
        out->prepend(name, __builtin_strlen(name));
        out->prepend("/", 1);
        cur = parent;
    }
    if (out->empty()) {
        out->append("/", 1);
    }
    return out->failed() ? -ENOMEM : 0;
}

long pathOf(Context& ctx, const WalkResult& r, Text* out) {
    if (r.node && r.node->isDir()) {
        return pathOf(ctx, r.node.get(), out);
    }
    if (!r.parent) {
        out->clear();
        return -ENOENT;
    }
    long e = pathOf(ctx, r.parent.get(), out);
    if (e < 0) {
        return e;
    }
    if (out->size() > 1) {
        out->put('/');
    }
    out->append(r.name, r.nameLen);
    return out->failed() ? -ENOMEM : 0;
}

} // namespace uk::vfs
