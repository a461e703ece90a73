// Path resolution: relative paths, "." and "..", symlinks and their limits, trailing
// slashes, *at with descriptors, mounts, getcwd.
#include "libos_vfs_fixture.h"

#include <doctest/doctest.h>

using namespace uk::vfs;
using uk::vfs::test::Fs;

TEST_CASE("vfs path: absolute, relative, dot and dot-dot") {
    Fs fs;
    REQUIRE(fs.mkdir("/a") == 0);
    REQUIRE(fs.mkdir("/a/b") == 0);
    REQUIRE(fs.write("/a/b/f", "hello") == 5);
    CHECK(fs.read("/a/b/f") == "hello");
    CHECK(fs.read("//a///b//f") == "hello");
    CHECK(fs.read("/a/./b/../b/f") == "hello");
    CHECK(fs.read("/../../a/b/f") == "hello"); // ".." at the root stays there
    REQUIRE(chdirPath(fs.ctx, "/a") == 0);
    CHECK(fs.read("b/f") == "hello");
    CHECK(fs.read("./b/../b/f") == "hello");
    CHECK(fs.cwd() == "/a");
    REQUIRE(chdirPath(fs.ctx, "b/..//b/.") == 0);
    CHECK(fs.cwd() == "/a/b");
    REQUIRE(chdirPath(fs.ctx, "..") == 0);
    CHECK(fs.cwd() == "/a");
    CHECK(chdirPath(fs.ctx, "b/f") == -ENOTDIR);
    CHECK(chdirPath(fs.ctx, "nope") == -ENOENT);
    CHECK(chdirPath(fs.ctx, "") == -ENOENT);
}

TEST_CASE("vfs path: errors ENOENT, ENOTDIR, ENAMETOOLONG") {
    Fs fs;
    REQUIRE(fs.write("/file", "x") == 1);
    Attr a;
    CHECK(fs.stat("/missing", &a) == -ENOENT);
    CHECK(fs.stat("/missing/x", &a) == -ENOENT);
    CHECK(fs.stat("/file/x", &a) == -ENOTDIR);
    CHECK(fs.stat("/file/", &a) == -ENOTDIR);
    CHECK(fs.stat("/file/.", &a) == -ENOTDIR);
    CHECK(fs.stat("", &a) == -ENOENT);
    std::string longName(256, 'n');
    CHECK(fs.stat("/" + longName, &a) == -ENAMETOOLONG);
    CHECK(fs.write("/" + longName, "x") == -ENAMETOOLONG);
    std::string okName(255, 'n');
    CHECK(fs.write("/" + okName, "x") == 1);
    std::string longPath(5000, '/');
    CHECK(fs.stat(longPath, &a) == -ENAMETOOLONG);
}

TEST_CASE("vfs path: symlinks, relative and absolute, in the middle and at the end") {
    Fs fs;
    REQUIRE(fs.mkdir("/d") == 0);
    REQUIRE(fs.mkdir("/d/sub") == 0);
    REQUIRE(fs.write("/d/sub/f", "data") == 4);
    REQUIRE(fs.symlink("sub", "/d/rel") == 0);
    REQUIRE(fs.symlink("/d/sub/f", "/abs") == 0);
    REQUIRE(fs.symlink("../sub", "/d/sub/up") == 0);
    CHECK(fs.read("/d/rel/f") == "data");
    CHECK(fs.read("/abs") == "data");
    CHECK(fs.read("/d/sub/up/up/up/f") == "data");
    CHECK(fs.readlink("/abs") == "/d/sub/f");
    CHECK(fs.readlink("/d/rel") == "sub");
    CHECK(fs.readlink("/d/sub") == "E" + std::to_string(EINVAL));
    Attr a, l;
    REQUIRE(fs.stat("/abs", &a) == 0);
    REQUIRE(fs.stat("/abs", &l, kAtSymlinkNofollow) == 0);
    CHECK(isReg(a.mode));
    CHECK(isLnk(l.mode));
    CHECK(l.size == 8);
    // A trailing slash follows a symlink to a directory even for lstat.
    REQUIRE(fs.stat("/d/rel/", &l, kAtSymlinkNofollow) == 0);
    CHECK(isDir(l.mode));
    // Dangling.
    REQUIRE(fs.symlink("/nowhere", "/dangling") == 0);
    CHECK(fs.stat("/dangling", &a) == -ENOENT);
    CHECK(fs.stat("/dangling", &a, kAtSymlinkNofollow) == 0);
    // getcwd after entering through a symlink shows the real path.
    REQUIRE(chdirPath(fs.ctx, "/d/rel") == 0);
    CHECK(fs.cwd() == "/d/sub");
}

TEST_CASE("vfs path: symlink loops give ELOOP after 40 links") {
    Fs fs;
    REQUIRE(fs.symlink("loop2", "/loop1") == 0);
    REQUIRE(fs.symlink("loop1", "/loop2") == 0);
    REQUIRE(fs.symlink("self", "/self") == 0);
    Attr a;
    CHECK(fs.stat("/loop1", &a) == -ELOOP);
    CHECK(fs.stat("/self/x", &a) == -ELOOP);
    CHECK(fs.read("/self") == "E" + std::to_string(ELOOP));
    // A chain of exactly 40 works, 41 does not.
    REQUIRE(fs.write("/target", "t") == 1);
    std::string prev = "/target";
    for (int i = 0; i < 41; ++i) {
        std::string name = "/chain" + std::to_string(i);
        REQUIRE(fs.symlink(prev, name) == 0);
        prev = name;
    }
    CHECK(fs.read("/chain39") == "t");
    CHECK(fs.read("/chain40") == "E" + std::to_string(ELOOP));
    // O_NOFOLLOW on a symlink is ELOOP; O_PATH|O_NOFOLLOW opens the link itself.
    Ref<File> f;
    CHECK(openAt(fs.ctx, kAtFdCwd, "/chain0", kORdonly | kONofollow, 0, &f) == -ELOOP);
    CHECK(openAt(fs.ctx, kAtFdCwd, "/chain0", kOPath | kONofollow, 0, &f) == 0);
    CHECK(f->node()->isSymlink());
}

TEST_CASE("vfs path: *at calls with a directory descriptor, AT_EMPTY_PATH") {
    Fs fs;
    REQUIRE(fs.mkdir("/dir") == 0);
    REQUIRE(fs.write("/dir/f", "abc") == 3);
    long dfd = openFd(fs.ctx, kAtFdCwd, "/dir", kORdonly | kODirectory, 0);
    REQUIRE(dfd >= 0);
    long ffd = openFd(fs.ctx, kAtFdCwd, "/dir/f", kORdonly, 0);
    REQUIRE(ffd >= 0);
    Attr a;
    CHECK(statAt(fs.ctx, static_cast<int>(dfd), "f", 0, &a) == 0);
    CHECK(a.size == 3);
    CHECK(statAt(fs.ctx, static_cast<int>(ffd), "x", 0, &a) == -ENOTDIR);
    CHECK(statAt(fs.ctx, 99, "x", 0, &a) == -EBADF);
    CHECK(statAt(fs.ctx, 99, "/dir/f", 0, &a) == 0); // absolute paths ignore dirfd
    CHECK(statAt(fs.ctx, static_cast<int>(ffd), "", 0, &a) == -ENOENT);
    CHECK(statAt(fs.ctx, static_cast<int>(ffd), "", kAtEmptyPath, &a) == 0);
    CHECK(a.size == 3);
    CHECK(statAt(fs.ctx, kAtFdCwd, "", kAtEmptyPath, &a) == 0);
    CHECK(isDir(a.mode));
    CHECK(statAt(fs.ctx, kAtFdCwd, "/", 0x8000, &a) == -EINVAL);
    CHECK(mkdirAt(fs.ctx, static_cast<int>(dfd), "new", 0700) == 0);
    CHECK(fs.exists("/dir/new"));
    CHECK(fchdir(fs.ctx, static_cast<int>(dfd)) == 0);
    CHECK(fs.cwd() == "/dir");
    CHECK(fchdir(fs.ctx, static_cast<int>(ffd)) == -ENOTDIR);
}

TEST_CASE("vfs path: mounts are crossed both ways, and are busy") {
    Fs fs;
    REQUIRE(fs.mkdir("/mnt") == 0);
    REQUIRE(fs.write("/mnt/hidden", "under") == 5);
    Ref<Node> other = makeRamfs("tmpfs", kTmpfsMagic, 01777, Cred{});
    Ref<Node> on;
    REQUIRE(lookupAt(fs.ctx, kAtFdCwd, "/mnt", 0, &on) == 0);
    REQUIRE(fs.vfs.mount(on.get(), "/mnt", other, "tmpfs", "rw") == 0);
    CHECK(fs.read("/mnt/hidden") == "E" + std::to_string(ENOENT));
    REQUIRE(fs.write("/mnt/top", "over") == 4);
    CHECK(fs.read("/mnt/../mnt/top") == "over");
    Attr a, b;
    REQUIRE(fs.stat("/mnt", &a) == 0);
    REQUIRE(fs.stat("/", &b) == 0);
    CHECK(a.dev != b.dev);
    CHECK((a.mode & 07777) == 01777);
    REQUIRE(chdirPath(fs.ctx, "/mnt") == 0);
    CHECK(fs.cwd() == "/mnt");
    REQUIRE(chdirPath(fs.ctx, "..") == 0);
    CHECK(fs.cwd() == "/");
    CHECK(fs.rmdir("/mnt") == -EBUSY);
    CHECK(fs.rename("/mnt", "/mnt2") == -EBUSY);
    CHECK(fs.rename("/mnt/top", "/top") == -EXDEV);
    CHECK(linkAt(fs.ctx, kAtFdCwd, "/mnt/top", kAtFdCwd, "/top", 0) == -EXDEV);
}

namespace {
int g_populated = 0;
void populateOnce(Node* root) {
    ++g_populated;
    root->create(nameOf("made"), kIfReg | 0644, 0, Cred{}, nullptr);
}
} // namespace

TEST_CASE("vfs path: a mount can fill itself when first entered") {
    Fs fs;
    REQUIRE(fs.mkdir("/lazy") == 0);
    Ref<Node> on;
    REQUIRE(lookupAt(fs.ctx, kAtFdCwd, "/lazy", 0, &on) == 0);
    g_populated = 0;
    REQUIRE(fs.vfs.mount(on.get(), "/lazy", makeRamfs("tmpfs", kTmpfsMagic, 0755, Cred{}), "tmpfs",
                         "rw", populateOnce) == 0);
    CHECK(g_populated == 0);
    CHECK(fs.exists("/lazy/made"));
    CHECK(fs.exists("/lazy/../lazy/made"));
    CHECK(g_populated == 1);
}

TEST_CASE("vfs path: trailing slashes") {
    Fs fs;
    REQUIRE(fs.write("/f", "x") == 1);
    REQUIRE(fs.mkdir("/d/") == 0); // mkdir accepts a trailing slash
    REQUIRE(fs.symlink("d", "/ld") == 0);
    REQUIRE(fs.symlink("f", "/lf") == 0);
    Ref<File> f;
    CHECK(openAt(fs.ctx, kAtFdCwd, "/f/", kORdonly, 0, &f) == -ENOTDIR);
    CHECK(openAt(fs.ctx, kAtFdCwd, "/new/", kOWronly | kOCreat, 0644, &f) == -EISDIR);
    CHECK(openAt(fs.ctx, kAtFdCwd, "/d/", kORdonly, 0, &f) == 0);
    CHECK(fs.unlink("/f/") == -ENOTDIR);
    CHECK(fs.rmdir("/ld/") == -ENOTDIR); // the link itself is not a directory
    CHECK(fs.rename("/f/", "/g") == -ENOTDIR);
    CHECK(fs.rename("/f", "/g/") == -ENOTDIR);
    CHECK(fs.rename("/d/", "/e/") == 0);
    CHECK(fs.exists("/e"));
    CHECK(fs.rmdir("/e/") == 0);
    CHECK(fs.stat("/lf/", nullptr) == -ENOTDIR);
}
