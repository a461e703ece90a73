// ramfs: files and their data, directories and getdents, hard links, rename edge cases,
// metadata, devices and FIFOs as entries, O_TMPFILE, truncation and sparse files.
#include "libos_vfs_fixture.h"
#include "vfs/env.h"
#include "vfs/page_tree.h"
#include "vfs/ramfs.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>

using namespace uk::vfs;
using uk::vfs::test::Fs;

namespace {

std::string str(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& n : v) {
        s += (s.empty() ? "" : ",") + n;
    }
    return s;
}

} // namespace

TEST_CASE("ramfs: create, write, read, append, O_EXCL, O_TRUNC") {
    Fs fs;
    CHECK(fs.write("/a", "hello") == 5);
    CHECK(fs.read("/a") == "hello");
    CHECK(fs.write("/a", " world", kOAppend) == 6);
    CHECK(fs.read("/a") == "hello world");
    Ref<File> f;
    CHECK(openAt(fs.ctx, kAtFdCwd, "/a", kOWronly | kOCreat | kOExcl, 0644, &f) == -EEXIST);
    CHECK(openAt(fs.ctx, kAtFdCwd, "/missing", kORdonly, 0, &f) == -ENOENT);
    CHECK(openAt(fs.ctx, kAtFdCwd, "/", kOWronly, 0, &f) == -EISDIR);
    CHECK(openAt(fs.ctx, kAtFdCwd, "/a", kORdonly | kODirectory, 0, &f) == -ENOTDIR);
    CHECK(fs.write("/a", "x") == 1); // O_TRUNC
    CHECK(fs.read("/a") == "x");
    // Writing to a read-only description, reading a write-only one.
    REQUIRE(openAt(fs.ctx, kAtFdCwd, "/a", kORdonly, 0, &f) == 0);
    Attr a;
    REQUIRE(fs.stat("/a", &a) == 0);
    CHECK((a.mode & 0777) == 0644); // 0644 & ~022
    CHECK(a.nlink == 1);
    CHECK(a.size == 1);
    CHECK(a.blocks == 8);
}

TEST_CASE("ramfs: umask and modes") {
    Fs fs;
    fs.ctx.umask = 077;
    REQUIRE(fs.write("/p", "") == 0);
    REQUIRE(fs.mkdir("/dd", 0777) == 0);
    Attr a;
    REQUIRE(fs.stat("/p", &a) == 0);
    CHECK((a.mode & 07777) == 0600);
    REQUIRE(fs.stat("/dd", &a) == 0);
    CHECK((a.mode & 07777) == 0700);
    Ref<Node> n;
    REQUIRE(lookupAt(fs.ctx, kAtFdCwd, "/p", 0, &n) == 0);
    CHECK(chmodNode(fs.ctx, n.get(), 04755) == 0);
    CHECK(chownNode(fs.ctx, n.get(), 1000, 100) == 0);
    REQUIRE(fs.stat("/p", &a) == 0);
    CHECK((a.mode & 07777) == 0755); // chown clears set-user-ID
    CHECK(a.uid == 1000);
    CHECK(a.gid == 100);
    Timespec t[2] = {{1000, 5}, {2000, 6}};
    CHECK(utimesNode(fs.ctx, n.get(), t) == 0);
    REQUIRE(fs.stat("/p", &a) == 0);
    CHECK(a.atime.sec == 1000);
    CHECK(a.mtime.sec == 2000);
    CHECK(a.mtime.nsec == 6);
    Timespec omit[2] = {{0, kUtimeOmit}, {3000, 0}};
    CHECK(utimesNode(fs.ctx, n.get(), omit) == 0);
    REQUIRE(fs.stat("/p", &a) == 0);
    CHECK(a.atime.sec == 1000);
    CHECK(a.mtime.sec == 3000);
    Timespec bad[2] = {{0, 1'000'000'000}, {0, 0}};
    CHECK(utimesNode(fs.ctx, n.get(), bad) == -EINVAL);
}

TEST_CASE("ramfs: sparse files, truncate, pread/pwrite, lseek") {
    Fs fs;
    Ref<File> f;
    REQUIRE(openAt(fs.ctx, kAtFdCwd, "/s", kORdwr | kOCreat, 0600, &f) == 0);
    CHECK(f->pwrite("end", 3, 1 << 20) == 3);
    Attr a;
    REQUIRE(fs.stat("/s", &a) == 0);
    CHECK(a.size == (1 << 20) + 3);
    CHECK(a.blocks == 8); // one page stored
    std::string buf(10, 'x');
    CHECK(f->pread(buf.data(), 10, 4096 * 10) == 10);
    CHECK(buf == std::string(10, '\0'));
    CHECK(f->pread(buf.data(), 10, (1 << 20) + 1) == 2);
    CHECK(buf.substr(0, 2) == "nd");
    CHECK(f->pread(buf.data(), 10, 1 << 21) == 0);
    uint64_t pos = 0;
    CHECK(f->seek(0, kSeekEnd, &pos) == 0);
    CHECK(pos == (1 << 20) + 3);
    CHECK(f->seek(-4, kSeekSet, &pos) == -EINVAL);
    CHECK(f->seek(100, kSeekSet, &pos) == 0);
    CHECK(f->write("abc", 3) == 3);
    CHECK(f->seek(0, kSeekCur, &pos) == 0);
    CHECK(pos == 103);
    // Shrinking drops the data; growing again reads zeros, not the old bytes.
    CHECK(f->node()->truncate(101) == 0);
    CHECK(f->node()->truncate(200) == 0);
    CHECK(f->pread(buf.data(), 3, 100) == 3);
    CHECK(buf.substr(0, 3) == std::string("a\0\0", 3));
    REQUIRE(fs.stat("/s", &a) == 0);
    CHECK(a.blocks == 8);
    CHECK(truncateNode(fs.ctx, f->node(), -1) == -EINVAL);
    CHECK(truncateNode(fs.ctx, fs.ctx.root.get(), 0) == -EISDIR);
    CHECK(f->node()->truncate(kMaxFileSize + 1) == -EFBIG);
    CHECK(f->pwrite("x", 1, kMaxFileSize) == -EFBIG);
    // fallocate
    CHECK(f->node()->allocate(8192, 8192) == 0);
    REQUIRE(fs.stat("/s", &a) == 0);
    CHECK(a.size == 16384);
    CHECK(a.blocks == 24);
    CHECK(f->seek(0, kSeekData, &pos) == 0);
    CHECK(f->seek(0, kSeekHole, &pos) == 0);
    CHECK(pos == 16384);
    CHECK(f->seek(16384, kSeekData, &pos) == -ENXIO);
}

TEST_CASE("ramfs: truncating a one-page file keeps its page") {
    Fs fs;
    REQUIRE(fs.write("/one", "hello world") == 11);
    Ref<Node> n;
    REQUIRE(lookupAt(fs.ctx, kAtFdCwd, "/one", 0, &n) == 0);
    CHECK(n->truncate(5) == 0);
    CHECK(fs.read("/one") == "hello");
    CHECK(fs.write("/one", "+", kOAppend) == 1);
    CHECK(fs.read("/one") == "hello+");
    CHECK(n->truncate(0) == 0);
    CHECK(n->blocks() == 0);
}

TEST_CASE("ramfs: large writes cross pages and survive rewrites") {
    Fs fs;
    std::string big;
    for (int i = 0; i < 100000; ++i) {
        big += static_cast<char>('a' + i % 26);
    }
    REQUIRE(fs.write("/big", big) == static_cast<long>(big.size()));
    CHECK(fs.read("/big") == big);
    uint64_t before = pagesInUse();
    REQUIRE(fs.unlink("/big") == 0);
    CHECK(pagesInUse() == before - 25);
}

TEST_CASE("ramfs: directories, getdents order and cookies, rmdir") {
    Fs fs;
    REQUIRE(fs.mkdir("/d") == 0);
    for (const char* n : {"c", "a", "b"}) {
        REQUIRE(fs.write(std::string("/d/") + n, n) == 1);
    }
    REQUIRE(fs.mkdir("/d/sub") == 0);
    CHECK(str(fs.list("/d")) == "c,a,b,sub");
    Attr a;
    REQUIRE(fs.stat("/d", &a) == 0);
    CHECK(a.nlink == 3); // ".", its entry, and sub's ".."
    CHECK(fs.mkdir("/d") == -EEXIST);
    CHECK(fs.mkdir("/d/a") == -EEXIST);
    CHECK(fs.mkdir("/") == -EEXIST);
    CHECK(fs.mkdir("/d/.") == -EEXIST);
    CHECK(fs.mkdir("/x/y") == -ENOENT);
    CHECK(fs.rmdir("/d") == -ENOTEMPTY);
    CHECK(fs.rmdir("/d/a") == -ENOTDIR);
    CHECK(fs.rmdir("/d/.") == -EINVAL);
    CHECK(fs.rmdir("/d/..") == -ENOTEMPTY);
    CHECK(fs.rmdir("/") == -EBUSY);
    CHECK(fs.unlink("/d") == -EISDIR);
    CHECK(fs.unlink("/d/.") == -EISDIR);
    CHECK(fs.unlink("/d/missing") == -ENOENT);

    // Readdir in small pieces resumes at the cookie, also across removals.
    Ref<File> f;
    REQUIRE(openAt(fs.ctx, kAtFdCwd, "/d", kORdonly, 0, &f) == 0);
    struct One : DirSink {
        std::vector<std::string> names;
        size_t room = 1;
        bool emit(uint64_t, uint64_t, uint8_t, Name n) override {
            if (room == 0) {
                return false;
            }
            --room;
            names.emplace_back(n.ptr, n.len);
            return true;
        }
    } one;
    for (int i = 0; i < 3; ++i) {
        one.room = 1;
        CHECK(f->readdir(one) == 1);
    }
    CHECK(str(one.names) == ".,..,c");
    REQUIRE(fs.unlink("/d/a") == 0);
    one.room = 10;
    CHECK(f->readdir(one) == 2);
    CHECK(str(one.names) == ".,..,c,b,sub");
    one.room = 10;
    CHECK(f->readdir(one) == 0); // the end
    uint64_t pos;
    CHECK(f->seek(0, kSeekSet, &pos) == 0);
    one.names.clear();
    CHECK(f->readdir(one) == 5);

    // Removing a directory that is someone's cwd: getcwd fails, creating there fails.
    REQUIRE(chdirPath(fs.ctx, "/d/sub") == 0);
    REQUIRE(fs.rmdir("/d/sub") == 0);
    CHECK(fs.cwd() == "E" + std::to_string(ENOENT));
    CHECK(fs.write("x", "x") == -ENOENT);
    Attr s;
    CHECK(fs.stat(".", &s) == 0);
    CHECK(s.nlink == 0);
    CHECK(fs.stat("..", &s) == -ENOENT);
    REQUIRE(fs.stat("/d", &a) == 0);
    CHECK(a.nlink == 2);
}

TEST_CASE("ramfs: hard links share data and count links") {
    Fs fs;
    REQUIRE(fs.write("/orig", "shared") == 6);
    REQUIRE(fs.mkdir("/dir") == 0);
    CHECK(linkAt(fs.ctx, kAtFdCwd, "/orig", kAtFdCwd, "/dir/link", 0) == 0);
    CHECK(linkAt(fs.ctx, kAtFdCwd, "/orig", kAtFdCwd, "/dir/link", 0) == -EEXIST);
    CHECK(linkAt(fs.ctx, kAtFdCwd, "/dir", kAtFdCwd, "/dirlink", 0) == -EPERM);
    CHECK(linkAt(fs.ctx, kAtFdCwd, "/missing", kAtFdCwd, "/x", 0) == -ENOENT);
    CHECK(linkAt(fs.ctx, kAtFdCwd, "/orig", kAtFdCwd, "/x", 0x1) == -EINVAL);
    Attr a, b;
    REQUIRE(fs.stat("/orig", &a) == 0);
    REQUIRE(fs.stat("/dir/link", &b) == 0);
    CHECK(a.ino == b.ino);
    CHECK(a.nlink == 2);
    REQUIRE(fs.write("/dir/link", "changed") == 7);
    CHECK(fs.read("/orig") == "changed");
    REQUIRE(fs.unlink("/orig") == 0);
    REQUIRE(fs.stat("/dir/link", &b) == 0);
    CHECK(b.nlink == 1);
    // Linking a symlink links the symlink itself unless AT_SYMLINK_FOLLOW.
    REQUIRE(fs.symlink("/dir/link", "/sl") == 0);
    CHECK(linkAt(fs.ctx, kAtFdCwd, "/sl", kAtFdCwd, "/sl2", 0) == 0);
    CHECK(fs.readlink("/sl2") == "/dir/link");
    CHECK(linkAt(fs.ctx, kAtFdCwd, "/sl", kAtFdCwd, "/hard", kAtSymlinkFollow) == 0);
    REQUIRE(fs.stat("/hard", &a, kAtSymlinkNofollow) == 0);
    CHECK(isReg(a.mode));
    CHECK(a.nlink == 2);
}

TEST_CASE("ramfs: unlinked files live while open") {
    Fs fs;
    REQUIRE(fs.write("/tmp1", "still here") == 10);
    Ref<File> f;
    REQUIRE(openAt(fs.ctx, kAtFdCwd, "/tmp1", kORdwr, 0, &f) == 0);
    REQUIRE(fs.unlink("/tmp1") == 0);
    CHECK_FALSE(fs.exists("/tmp1"));
    char buf[20] = {};
    CHECK(f->read(buf, sizeof buf) == 10);
    CHECK(std::string(buf) == "still here");
    CHECK(f->node()->nlink() == 0);
    Text t;
    f->describe(&t);
    CHECK(std::string(t.c_str()) == "/tmp1 (deleted)");
}

TEST_CASE("ramfs: rename edge cases") {
    Fs fs;
    REQUIRE(fs.mkdir("/a") == 0);
    REQUIRE(fs.mkdir("/a/b") == 0);
    REQUIRE(fs.mkdir("/c") == 0);
    REQUIRE(fs.write("/f", "F") == 1);
    REQUIRE(fs.write("/g", "G") == 1);
    REQUIRE(fs.write("/c/inner", "I") == 1);
    // Plain rename, replacing a file.
    CHECK(fs.rename("/f", "/g") == 0);
    CHECK(fs.read("/g") == "F");
    CHECK_FALSE(fs.exists("/f"));
    CHECK(fs.rename("/missing", "/x") == -ENOENT);
    // Same file under two names: nothing happens.
    REQUIRE(linkAt(fs.ctx, kAtFdCwd, "/g", kAtFdCwd, "/g2", 0) == 0);
    CHECK(fs.rename("/g", "/g2") == 0);
    CHECK(fs.exists("/g"));
    CHECK(fs.exists("/g2"));
    CHECK(fs.rename("/g", "/g") == 0);
    // Types must agree.
    CHECK(fs.rename("/g", "/a") == -EISDIR);
    CHECK(fs.rename("/a", "/g") == -ENOTDIR);
    CHECK(fs.rename("/a", "/c") == -ENOTEMPTY);
    // Not into itself.
    CHECK(fs.rename("/a", "/a/b/x") == -EINVAL);
    CHECK(fs.rename("/a", "/a/x") == -EINVAL);
    CHECK(fs.rename("/a/b", "/a") == -ENOTEMPTY);
    CHECK(fs.rename("/", "/x") == -EBUSY);
    CHECK(fs.rename("/a/.", "/x") == -EBUSY);
    CHECK(fs.rename("/a/b", "/a/..") == -EBUSY);
    // A directory onto an empty directory, across parents; link counts follow.
    REQUIRE(fs.mkdir("/empty") == 0);
    CHECK(fs.rename("/a/b", "/empty") == 0);
    Attr a;
    REQUIRE(fs.stat("/a", &a) == 0);
    CHECK(a.nlink == 2);
    REQUIRE(fs.stat("/", &a) == 0);
    CHECK(a.nlink == 5); // ".", "..", a, c, empty
    REQUIRE(chdirPath(fs.ctx, "/empty") == 0);
    CHECK(fs.cwd() == "/empty");
    // RENAME_NOREPLACE
    CHECK(fs.rename("/g", "/g2", kRenameNoreplace) == -EEXIST); // checked before "same file"
    REQUIRE(fs.write("/h", "H") == 1);
    CHECK(fs.rename("/h", "/c/inner", kRenameNoreplace) == -EEXIST);
    CHECK(fs.rename("/h", "/c/new", kRenameNoreplace) == 0);
    CHECK(fs.read("/c/new") == "H");
    // RENAME_EXCHANGE, a file and a directory across directories.
    CHECK(fs.rename("/c/new", "/a", kRenameExchange) == 0);
    CHECK(fs.read("/a") == "H");
    CHECK(fs.list("/c/new").empty());
    REQUIRE(fs.stat("/c/new", &a) == 0);
    CHECK(isDir(a.mode));
    REQUIRE(chdirPath(fs.ctx, "/c/new") == 0);
    CHECK(fs.cwd() == "/c/new");
    CHECK(fs.rename("/c/new", "/missing", kRenameExchange) == -ENOENT);
    CHECK(fs.rename("/c", "/c/new", kRenameExchange) == -EINVAL);
    CHECK(fs.rename("/g", "/h", kRenameExchange | kRenameNoreplace) == -EINVAL);
    CHECK(fs.rename("/g", "/h", 8) == -EINVAL);
    // Rename within one directory keeps a directory's name right for getcwd.
    REQUIRE(fs.rename("/c/new", "/c/renamed") == 0);
    CHECK(fs.cwd() == "/c/renamed");
    REQUIRE(fs.rename("/c", "/empty/moved") == 0);
    CHECK(fs.cwd() == "/empty/moved/renamed");
}

TEST_CASE("ramfs: device nodes, FIFOs and sockets are recorded") {
    Fs fs;
    CHECK(mknodAt(fs.ctx, kAtFdCwd, "/null", kIfChr | 0666, makeDev(1, 3)) == 0);
    CHECK(mknodAt(fs.ctx, kAtFdCwd, "/fifo", kIfIfo | 0644, 0) == 0);
    CHECK(mknodAt(fs.ctx, kAtFdCwd, "/sock", kIfSock | 0644, 0) == 0);
    CHECK(mknodAt(fs.ctx, kAtFdCwd, "/reg", 0644, 0) == 0);
    CHECK(mknodAt(fs.ctx, kAtFdCwd, "/dir", kIfDir | 0644, 0) == -EPERM);
    CHECK(mknodAt(fs.ctx, kAtFdCwd, "/null", kIfChr | 0666, 0) == -EEXIST);
    Attr a;
    REQUIRE(fs.stat("/null", &a) == 0);
    CHECK((a.mode & kIfMt) == kIfChr);
    CHECK(devMajor(a.rdev) == 1);
    CHECK(devMinor(a.rdev) == 3);
    REQUIRE(fs.stat("/fifo", &a) == 0);
    CHECK((a.mode & kIfMt) == kIfIfo);
    REQUIRE(fs.stat("/reg", &a) == 0);
    CHECK(isReg(a.mode));
    Ref<File> f;
    CHECK(openAt(fs.ctx, kAtFdCwd, "/sock", kORdonly, 0, &f) == -ENXIO);
    // A FIFO opened non-blocking for writing without a reader.
    CHECK(openAt(fs.ctx, kAtFdCwd, "/fifo", kOWronly | kONonblock, 0, &f) == -ENXIO);
    Ref<File> r, w;
    REQUIRE(openAt(fs.ctx, kAtFdCwd, "/fifo", kORdonly | kONonblock, 0, &r) == 0);
    REQUIRE(openAt(fs.ctx, kAtFdCwd, "/fifo", kOWronly | kONonblock, 0, &w) == 0);
    CHECK(w->write("via fifo", 8) == 8);
    char buf[16] = {};
    CHECK(r->read(buf, sizeof buf) == 8);
    CHECK(std::string(buf) == "via fifo");
}

TEST_CASE("ramfs: O_TMPFILE files can be linked in later") {
    Fs fs;
    REQUIRE(fs.mkdir("/t") == 0);
    Ref<File> f;
    CHECK(openAt(fs.ctx, kAtFdCwd, "/t", kORdonly | kOTmpfile | kODirectory, 0600, &f) == -EINVAL);
    CHECK(openAt(fs.ctx, kAtFdCwd, "/t", kORdwr | kOTmpfile, 0600, &f) == -EINVAL);
    long fd = openFd(fs.ctx, kAtFdCwd, "/t", kORdwr | kOTmpfile | kODirectory, 0600);
    REQUIRE(fd >= 0);
    File* file = fs.ctx.fds.peek(static_cast<int>(fd));
    CHECK(file->write("tmp", 3) == 3);
    CHECK(fs.list("/t").empty());
    CHECK(linkAt(fs.ctx, static_cast<int>(fd), "", kAtFdCwd, "/t/named", kAtEmptyPath) == 0);
    CHECK(fs.read("/t/named") == "tmp");
}

TEST_CASE("ramfs: permissions for an ordinary user") {
    Fs fs;
    REQUIRE(fs.mkdir("/priv", 0700) == 0);
    REQUIRE(fs.write("/priv/f", "secret") == 6);
    REQUIRE(fs.write("/ro", "r") == 1);
    fs.ctx.cred = Cred::of(1000, 1000);
    Attr a;
    CHECK(fs.stat("/priv/f", &a) == -EACCES);
    CHECK(fs.read("/ro") == "r");
    CHECK(fs.write("/ro", "w") == -EACCES);
    CHECK(fs.write("/mine", "w") == -EACCES); // "/" is 0755 root
    CHECK(accessAt(fs.ctx, kAtFdCwd, "/ro", kROk, 0) == 0);
    CHECK(accessAt(fs.ctx, kAtFdCwd, "/ro", kWOk, 0) == -EACCES);
    CHECK(accessAt(fs.ctx, kAtFdCwd, "/ro", 8, 0) == -EINVAL);
    fs.ctx.cred = Cred{};
    CHECK(accessAt(fs.ctx, kAtFdCwd, "/ro", kWOk, 0) == 0);       // root writes anything
    CHECK(accessAt(fs.ctx, kAtFdCwd, "/ro", kXOk, 0) == -EACCES); // but runs no data
    CHECK(accessAt(fs.ctx, kAtFdCwd, "/priv", kXOk, 0) == 0);
}

TEST_CASE("ramfs: group permissions, supplementary groups, real and effective ids") {
    Fs fs;
    REQUIRE(fs.mkdir("/shared", 0770) == 0);
    REQUIRE(fs.write("/shared/f", "s") == 1);
    Ref<Node> shared;
    REQUIRE(lookupAt(fs.ctx, kAtFdCwd, "/shared", 0, &shared) == 0);
    REQUIRE(chownNode(fs.ctx, shared.get(), ~0u, 50) == 0);
    fs.ctx.cred = Cred::of(1000, 1000);
    CHECK(fs.read("/shared/f") == "E13"); // EACCES
    CHECK(accessAt(fs.ctx, kAtFdCwd, "/shared", kXOk, 0) == -EACCES);
    // A supplementary group opens it.
    auto* groups = new uint32_t[2]{60, 50};
    setGroups(groups, 2);
    CHECK(groupCount() == 2);
    CHECK(groupList()[0] == 50); // sorted
    CHECK(inGroup(fs.ctx.cred, 50));
    CHECK(inGroup(fs.ctx.cred, 1000));
    CHECK_FALSE(inGroup(fs.ctx.cred, 0));
    CHECK(accessAt(fs.ctx, kAtFdCwd, "/shared", kXOk, 0) == 0);
    CHECK(fs.read("/shared/f") == "s");
    setGroups(nullptr, 0);
    CHECK(groupCount() == 0);

    // access() asks about the real ids, AT_EACCESS about the effective ones.
    fs.ctx.cred = Cred::of(0, 0);
    fs.ctx.cred.uid = fs.ctx.cred.euid = 1000;
    fs.ctx.cred.gid = fs.ctx.cred.egid = 1000;
    CHECK(accessAt(fs.ctx, kAtFdCwd, "/shared", kXOk, 0) == 0);
    CHECK(accessAt(fs.ctx, kAtFdCwd, "/shared", kXOk, kAtEaccess) == -EACCES);
    fs.ctx.cred = Cred{};
}

TEST_CASE("page tree: sparse insertion, ordered walk, removal") {
    PageTree t;
    std::set<uint64_t> want = {0, 1, 63, 64, 4095, 4096, 1u << 20, (1ull << 30) + 7};
    for (uint64_t i : want) {
        CHECK(t.insert(i, reinterpret_cast<void*>(i * 8 + 8)));
    }
    CHECK(t.count() == want.size());
    for (uint64_t i : want) {
        CHECK(t.get(i) == reinterpret_cast<void*>(i * 8 + 8));
    }
    CHECK(t.get(2) == nullptr);
    CHECK(t.get(1ull << 40) == nullptr);
    std::vector<uint64_t> seen;
    t.forEach(0, ~0ull, [&](uint64_t i, void*&) { seen.push_back(i); });
    CHECK(std::vector<uint64_t>(want.begin(), want.end()) == seen);
    seen.clear();
    t.forEach(64, 4097, [&](uint64_t i, void*&) { seen.push_back(i); });
    CHECK(seen == std::vector<uint64_t>{64, 4095, 4096});
    t.forEach(100, ~0ull, [](uint64_t, void*& p) { p = nullptr; });
    CHECK(t.count() == 4);
    CHECK(t.get(4096) == nullptr);
    CHECK(t.get(63) != nullptr);
    CHECK_FALSE(t.insert(1ull << 42, reinterpret_cast<void*>(1)));
    t.forEach(0, ~0ull, [](uint64_t, void*& p) { p = nullptr; });
    CHECK(t.count() == 0);
}

TEST_CASE("ramfs: permanent data is used in place until written") {
    Fs fs;
    // 3.5 pages, page-aligned, as a file's data sits in the image's initrd.
    const size_t size = 3 * kPageSize + kPageSize / 2;
    auto* data = static_cast<char*>(std::aligned_alloc(kPageSize, 4 * kPageSize));
    REQUIRE(data != nullptr);
    for (size_t i = 0; i < 4 * kPageSize; ++i) {
        data[i] = static_cast<char>('a' + i % 23);
    }
    const std::string original(data, size);
    REQUIRE(fs.write("/f", "") == 0);
    Ref<File> f;
    REQUIRE(openAt(fs.ctx, kAtFdCwd, "/f", kORdwr, 0, &f) == 0);
    auto* file = static_cast<RamFile*>(f->node());
    REQUIRE(file->setPermanentData(data, size) == 0);
    CHECK(fs.read("/f") == original);
    // The whole pages are the archive's own; the partial last one is a zero-padded copy.
    CHECK(file->size() == size);
    char page[kPageSize];
    file->copyPage(3, page);
    CHECK(std::string(page, kPageSize / 2) == original.substr(3 * kPageSize));
    CHECK(std::all_of(page + kPageSize / 2, page + kPageSize, [](char c) { return c == 0; }));

    // Writing gives the file its own copy; the archive never changes.
    REQUIRE(file->writeAt("XYZ", 3, kPageSize + 10) == 3);
    std::string expected = original;
    expected.replace(kPageSize + 10, 3, "XYZ");
    CHECK(fs.read("/f") == expected);
    CHECK(std::string(data, size) == original);
    // A shared mapping's page is the file's own too.
    void* shared = file->pageForSharing(0);
    CHECK(shared != data);
    CHECK(std::memcmp(shared, data, kPageSize) == 0);
    // Truncating into a borrowed page zeroes its tail in a copy; growing reads zeros.
    REQUIRE(file->truncate(2 * kPageSize + 100) == 0);
    REQUIRE(file->truncate(3 * kPageSize) == 0);
    expected = expected.substr(0, 2 * kPageSize + 100) + std::string(kPageSize - 100, '\0');
    CHECK(fs.read("/f") == expected);
    CHECK(std::string(data, size) == original);
    // Unaligned or short data is copied as before.
    REQUIRE(file->setPermanentData(data + 8, 100) == 0);
    CHECK(fs.read("/f") == std::string(data + 8, 100));
    f = nullptr;
    REQUIRE(unlinkAt(fs.ctx, kAtFdCwd, "/f", 0) == 0); // frees only the file's own pages
    CHECK(std::string(data, size) == original);
    std::free(data);
}
