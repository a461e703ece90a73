#include <uk/converters/layer_flattener.h>
#include <uk/support/error.h>
#include <uk/toolchain/cpio_writer.h>

#include <sys/stat.h>
#include <unistd.h>

#include <unordered_map>

namespace uk::converters {

struct LayerFlattener::Inode {
    EntryKind kind = EntryKind::Directory;
    uint32_t mode = 0755;
    uint32_t uid = 0;
    uint32_t gid = 0;
    int64_t mtime = 0;
    uint64_t size = 0;
    uint64_t spoolOffset = 0;
    std::string target;
    uint32_t rdevMajor = 0;
    uint32_t rdevMinor = 0;
};

struct LayerFlattener::Node {
    std::shared_ptr<Inode> inode;
    std::map<std::string, std::unique_ptr<Node>> children; // directories only
    int layer = 0; // the last layer that wrote this node or something below it
};

struct LayerFlattener::Planned {
    std::string name;
    const Node* node;
    uint32_t ino;
    uint32_t nlink;
    bool carriesData;
};

namespace {

using Node = LayerFlattener::Node;
using Inode = LayerFlattener::Inode;

std::vector<std::string> split(const std::string& path) {
    std::vector<std::string> parts;
    size_t i = 0;
    while (i < path.size()) {
        size_t end = path.find('/', i);
        if (end == std::string::npos) {
            end = path.size();
        }
        parts.push_back(path.substr(i, end - i));
        i = end + 1;
    }
    return parts;
}

std::unique_ptr<Node> makeDirectory(int layer) {
    auto node = std::make_unique<Node>();
    node->inode = std::make_shared<Inode>();
    node->layer = layer;
    return node;
}

std::shared_ptr<Inode> inodeFor(const LayerEntry& e) {
    auto inode = std::make_shared<Inode>();
    inode->kind = e.kind;
    inode->mode = e.mode;
    inode->uid = e.uid;
    inode->gid = e.gid;
    inode->mtime = e.mtime;
    inode->size = e.size;
    inode->spoolOffset = e.spoolOffset;
    inode->target = e.target;
    inode->rdevMajor = e.rdevMajor;
    inode->rdevMinor = e.rdevMinor;
    return inode;
}

// Removes everything below `dir` that came from layers before `layer`.
void hideLower(Node* dir, int layer) {
    for (auto it = dir->children.begin(); it != dir->children.end();) {
        if (it->second->layer < layer) {
            it = dir->children.erase(it);
        } else {
            if (it->second->inode->kind == EntryKind::Directory) {
                hideLower(it->second.get(), layer);
            }
            ++it;
        }
    }
}

uint32_t typeBits(EntryKind kind) {
    switch (kind) {
    case EntryKind::Directory:
        return S_IFDIR;
    case EntryKind::Symlink:
        return S_IFLNK;
    case EntryKind::CharDevice:
        return S_IFCHR;
    case EntryKind::BlockDevice:
        return S_IFBLK;
    case EntryKind::Fifo:
        return S_IFIFO;
    default:
        return S_IFREG;
    }
}

} // namespace

LayerFlattener::LayerFlattener(ContentSpool& spool) : spool_(spool), root_(makeDirectory(0)) {}

LayerFlattener::~LayerFlattener() = default;

void LayerFlattener::apply(const LayerRecord& layer, const std::string& what) {
    plan_.reset();
    ++layer_;
    const int L = layer_;
    // Walks to the directory holding the last part of `parts`. With `create`, missing
    // directories are made and every directory passed is marked as written by this layer;
    // without it, a missing one ends the walk (nullptr).
    auto walk = [&](const std::vector<std::string>& parts, const LayerEntry& e,
                    bool create) -> Node* {
        Node* dir = root_.get();
        std::string prefix;
        for (size_t i = 0; i + 1 < parts.size(); ++i) {
            prefix += (i ? "/" : "") + parts[i];
            auto it = dir->children.find(parts[i]);
            if (it == dir->children.end()) {
                if (!create) {
                    return nullptr;
                }
                it = dir->children.emplace(parts[i], makeDirectory(L)).first;
            }
            Node* child = it->second.get();
            if (child->inode->kind == EntryKind::Symlink) {
                throw Error(what + ": " + entryKindName(e.kind) + " \"" + e.path +
                            "\" would be written through the symlink \"" + prefix + "\" (-> " +
                            child->inode->target + "), which could lead outside the image");
            }
            if (child->inode->kind != EntryKind::Directory) {
                throw Error(what + ": " + entryKindName(e.kind) + " \"" + e.path + "\": \"" +
                            prefix + "\" is a " + entryKindName(child->inode->kind) +
                            ", not a directory");
            }
            if (create) {
                child->layer = L;
            }
            dir = child;
        }
        return dir;
    };

    for (const LayerEntry& e : layer.entries) {
        if (e.path.empty()) {
            if (e.kind == EntryKind::Directory) {
                auto inode = inodeFor(e);
                root_->inode = inode;
            } else if (e.kind == EntryKind::Opaque) {
                hideLower(root_.get(), L);
            }
            continue;
        }
        const std::vector<std::string> parts = split(e.path);
        const std::string& last = parts.back();
        switch (e.kind) {
        case EntryKind::Whiteout: {
            if (Node* dir = walk(parts, e, false)) {
                dir->children.erase(last);
            }
            break;
        }
        case EntryKind::Opaque: {
            Node* dir = walk(parts, e, true);
            auto it = dir->children.find(last);
            if (it == dir->children.end()) {
                it = dir->children.emplace(last, makeDirectory(L)).first;
            } else if (it->second->inode->kind != EntryKind::Directory) {
                throw Error(what + ": opaque marker inside \"" + e.path + "\", which is a " +
                            entryKindName(it->second->inode->kind));
            }
            it->second->layer = L;
            hideLower(it->second.get(), L);
            break;
        }
        case EntryKind::HardLink: {
            LayerEntry probe = e;
            probe.path = e.target;
            const std::vector<std::string> targetParts = split(e.target);
            Node* tdir = walk(targetParts, probe, false);
            auto tit =
                tdir ? tdir->children.find(targetParts.back()) : decltype(tdir->children.end()){};
            if (tdir == nullptr || tit == tdir->children.end()) {
                throw Error(what + ": hard link \"" + e.path + "\" points at \"" + e.target +
                            "\", which is not in the image");
            }
            if (tit->second->inode->kind == EntryKind::Directory) {
                throw Error(what + ": hard link \"" + e.path + "\" points at the directory \"" +
                            e.target + "\"");
            }
            std::shared_ptr<Inode> shared = tit->second->inode;
            Node* dir = walk(parts, e, true);
            auto node = std::make_unique<Node>();
            node->inode = shared;
            node->layer = L;
            dir->children[last] = std::move(node);
            break;
        }
        case EntryKind::Socket: {
            Node* dir = walk(parts, e, true);
            dir->children.erase(last);
            dropped_.push_back(e.path);
            break;
        }
        default: {
            Node* dir = walk(parts, e, true);
            auto it = dir->children.find(last);
            if (e.kind == EntryKind::Directory && it != dir->children.end() &&
                it->second->inode->kind == EntryKind::Directory) {
                it->second->inode = inodeFor(e); // merge: keep what is inside
                it->second->layer = L;
                break;
            }
            auto node = std::make_unique<Node>();
            node->inode = inodeFor(e);
            node->layer = L;
            dir->children[last] = std::move(node);
            break;
        }
        }
    }
}

void LayerFlattener::ensureDirectory(const std::string& path) {
    plan_.reset();
    Node* dir = root_.get();
    std::string done;
    for (const auto& part : split(normalizeLayerPath(
             path.size() > 0 && path[0] == '/' ? path.substr(1) : path, "the working directory"))) {
        done += "/" + part;
        auto it = dir->children.find(part);
        if (it == dir->children.end()) {
            it = dir->children.emplace(part, makeDirectory(layer_)).first;
        } else if (it->second->inode->kind == EntryKind::Symlink) {
            return; // the guest follows it when it changes to the directory
        } else if (it->second->inode->kind != EntryKind::Directory) {
            throw Error("the working directory " + path + " cannot be made: " + done + " is a " +
                        entryKindName(it->second->inode->kind) + " in the image");
        }
        dir = it->second.get();
    }
}

const std::vector<LayerFlattener::Planned>& LayerFlattener::plan() const {
    if (plan_) {
        return *plan_;
    }
    plan_ = std::make_unique<std::vector<Planned>>();
    std::vector<Planned>& out = *plan_;
    std::unordered_map<const Inode*, uint32_t> ino;
    std::unordered_map<const Inode*, uint32_t> names;
    std::unordered_map<const Inode*, size_t> lastName;
    // Depth first, parents before children, siblings in byte order (std::map).
    struct Frame {
        const Node* node;
        std::string name;
    };
    std::vector<Frame> stack{{root_.get(), "."}};
    while (!stack.empty()) {
        Frame f = std::move(stack.back());
        stack.pop_back();
        const Inode* inode = f.node->inode.get();
        auto [it, fresh] = ino.emplace(inode, static_cast<uint32_t>(ino.size() + 1));
        (void)fresh;
        uint32_t nlink = 1;
        if (inode->kind == EntryKind::Directory) {
            nlink = 2;
            for (const auto& [n, child] : f.node->children) {
                (void)n;
                nlink += child->inode->kind == EntryKind::Directory ? 1 : 0;
            }
        } else if (inode->kind != EntryKind::Symlink) {
            ++names[inode];
            lastName[inode] = out.size();
        }
        out.push_back(Planned{f.name, f.node, it->second, nlink, true});
        for (auto c = f.node->children.rbegin(); c != f.node->children.rend(); ++c) {
            stack.push_back({c->second.get(), f.name == "." ? c->first : f.name + "/" + c->first});
        }
    }
    for (size_t i = 0; i < out.size(); ++i) {
        const Inode* inode = out[i].node->inode.get();
        if (inode->kind == EntryKind::Directory || inode->kind == EntryKind::Symlink) {
            continue;
        }
        out[i].nlink = names[inode];
        out[i].carriesData = lastName[inode] == i;
    }
    return out;
}

namespace {

uint64_t dataSize(const Inode& inode, bool carriesData) {
    if (inode.kind == EntryKind::Symlink) {
        return inode.target.size();
    }
    return inode.kind == EntryKind::File && carriesData ? inode.size : 0;
}

} // namespace

uint64_t LayerFlattener::archiveSize() const {
    uint64_t size = 0;
    for (const Planned& p : plan()) {
        const Inode& inode = *p.node->inode;
        size += toolchain::CpioWriter::entrySize(size, p.name.size(), typeBits(inode.kind),
                                                 dataSize(inode, p.carriesData));
    }
    return size + toolchain::CpioWriter::trailerSize();
}

RootfsStats LayerFlattener::stats() const {
    RootfsStats s;
    for (const Planned& p : plan()) {
        const Inode& inode = *p.node->inode;
        ++s.entries;
        switch (inode.kind) {
        case EntryKind::Directory:
            ++s.directories;
            break;
        case EntryKind::Symlink:
            ++s.symlinks;
            break;
        case EntryKind::File:
            if (p.carriesData) {
                ++s.files;
                s.dataBytes += inode.size;
            } else {
                ++s.hardLinks;
            }
            break;
        default:
            if (p.carriesData) {
                ++s.special;
            } else {
                ++s.hardLinks;
            }
            break;
        }
    }
    return s;
}

void LayerFlattener::write(toolchain::ByteSink& sink,
                           const std::function<void(uint64_t)>& progress) {
    spool_.flush();
    toolchain::CpioWriter writer(sink);
    for (const Planned& p : plan()) {
        const Inode& inode = *p.node->inode;
        uint64_t size = dataSize(inode, p.carriesData);
        if (size > 0xffffffffULL) {
            throw Error("\"" + p.name + "\" is " + std::to_string(size) +
                        " bytes; a uk root file system holds files under 4 GiB");
        }
        toolchain::CpioHeader h;
        h.name = p.name;
        h.ino = p.ino;
        h.mode = typeBits(inode.kind) | (inode.mode & 07777);
        h.uid = inode.uid;
        h.gid = inode.gid;
        h.nlink = p.nlink;
        h.mtime = static_cast<uint32_t>(inode.mtime < 0              ? 0
                                        : inode.mtime > 0xffffffffLL ? 0xffffffffLL
                                                                     : inode.mtime);
        h.fileSize = static_cast<uint32_t>(size);
        h.rdevMajor = inode.rdevMajor;
        h.rdevMinor = inode.rdevMinor;
        writer.beginEntry(h);
        if (inode.kind == EntryKind::Symlink) {
            writer.writeData(inode.target);
        } else if (size > 0) {
            if (::lseek(spool_.fd(), static_cast<off_t>(inode.spoolOffset), SEEK_SET) < 0) {
                throw Error("cannot read back the layer contents of \"" + p.name + "\"");
            }
            writer.copyData(spool_.fd(), size, "the layer contents of \"" + p.name + "\"");
        }
        if (progress) {
            progress(writer.size());
        }
    }
    writer.finish();
}

std::optional<std::string> LayerFlattener::readFile(const std::string& path) {
    std::vector<std::string> todo =
        split(path.size() > 0 && path[0] == '/' ? path.substr(1) : path);
    std::vector<const Node*> stack{root_.get()};
    int hops = 0;
    size_t i = 0;
    while (i < todo.size()) {
        const std::string part = todo[i++];
        if (part == "..") {
            if (stack.size() > 1) {
                stack.pop_back();
            }
            continue;
        }
        if (part == "." || part.empty()) {
            continue;
        }
        const Node* dir = stack.back();
        if (dir->inode->kind != EntryKind::Directory) {
            return std::nullopt;
        }
        auto it = dir->children.find(part);
        if (it == dir->children.end()) {
            return std::nullopt;
        }
        const Node* node = it->second.get();
        if (node->inode->kind == EntryKind::Symlink) {
            if (++hops > 40) {
                return std::nullopt;
            }
            const std::string& t = node->inode->target;
            std::vector<std::string> rest(todo.begin() + static_cast<long>(i), todo.end());
            todo = split(t[0] == '/' ? t.substr(1) : t);
            todo.insert(todo.end(), rest.begin(), rest.end());
            i = 0;
            if (t[0] == '/') {
                stack.resize(1);
            }
            continue;
        }
        stack.push_back(node);
    }
    const Inode& inode = *stack.back()->inode;
    if (inode.kind != EntryKind::File) {
        return std::nullopt;
    }
    return spool_.read(inode.spoolOffset, inode.size);
}

} // namespace uk::converters
