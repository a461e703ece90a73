// A ramfs root and a process context for VFS unit tests, plus small file helpers.
#pragma once

// The VFS headers come first: they define errno names that libc's headers make macros.
#include "vfs/cpio.h"
#include "vfs/ops.h"
#include "vfs/ramfs.h"

#include <string>
#include <vector>

namespace uk::vfs::test {

struct Fs {
    Vfs vfs;
    Context ctx{&vfs};

    Fs() {
        Ref<Node> root = makeRamfs("ramfs", kRamfsMagic, 0755, Cred{});
        vfs.mountRoot(root, "rootfs", "rw");
        ctx.root = root;
        ctx.cwd = root;
    }

    long write(const std::string& path, const std::string& data, uint32_t flags = 0) {
        Ref<File> f;
        uint32_t mode = flags & kOAppend ? 0 : kOTrunc;
        long r = openAt(ctx, kAtFdCwd, path.c_str(), kOWronly | kOCreat | mode | flags, 0644, &f);
        if (r < 0) {
            return r;
        }
        return f->write(data.data(), data.size());
    }

    // The file's contents, or "E<errno>" when opening or reading fails.
    std::string read(const std::string& path) {
        Ref<File> f;
        long r = openAt(ctx, kAtFdCwd, path.c_str(), kORdonly, 0, &f);
        if (r < 0) {
            return "E" + std::to_string(-r);
        }
        std::string out;
        char buf[1000];
        for (;;) {
            long n = f->read(buf, sizeof buf);
            if (n < 0) {
                return "E" + std::to_string(-n);
            }
            if (n == 0) {
                return out;
            }
            out.append(buf, static_cast<size_t>(n));
        }
    }

    long mkdir(const std::string& path, uint32_t mode = 0755) {
        return mkdirAt(ctx, kAtFdCwd, path.c_str(), mode);
    }
    long symlink(const std::string& target, const std::string& path) {
        return symlinkAt(ctx, target.c_str(), kAtFdCwd, path.c_str());
    }
    long unlink(const std::string& path) { return unlinkAt(ctx, kAtFdCwd, path.c_str(), 0); }
    long rmdir(const std::string& path) {
        return unlinkAt(ctx, kAtFdCwd, path.c_str(), kAtRemovedir);
    }
    long rename(const std::string& a, const std::string& b, uint32_t flags = 0) {
        return renameAt(ctx, kAtFdCwd, a.c_str(), kAtFdCwd, b.c_str(), flags);
    }
    long stat(const std::string& path, Attr* a, uint32_t flags = 0) {
        return statAt(ctx, kAtFdCwd, path.c_str(), flags, a);
    }
    bool exists(const std::string& path) {
        Attr a;
        return stat(path, &a, kAtSymlinkNofollow) == 0;
    }
    std::string cwd() {
        Text t;
        long r = getcwd(ctx, &t);
        return r < 0 ? "E" + std::to_string(-r) : std::string(t.c_str());
    }
    std::string readlink(const std::string& path) {
        Text t;
        long r = readlinkAt(ctx, kAtFdCwd, path.c_str(), &t);
        return r < 0 ? "E" + std::to_string(-r) : std::string(t.c_str());
    }

    // Names in a directory, in readdir order, without "." and "..".
    std::vector<std::string> list(const std::string& path) {
        Ref<File> f;
        std::vector<std::string> names;
        if (openAt(ctx, kAtFdCwd, path.c_str(), kORdonly | kODirectory, 0, &f) < 0) {
            names.push_back("<error>");
            return names;
        }
        struct Sink : DirSink {
            std::vector<std::string>* out;
            bool emit(uint64_t, uint64_t, uint8_t, Name n) override {
                std::string s(n.ptr, n.len);
                if (s != "." && s != "..") {
                    out->push_back(s);
                }
                return true;
            }
        } sink;
        sink.out = &names;
        f->readdir(sink);
        return names;
    }
};

} // namespace uk::vfs::test
