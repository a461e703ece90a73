// TreePacker: a directory tree as a cpio newc archive, the root file system of `uk pack`.
#include <doctest/doctest.h>

#include "error_capture.h"

#include <uk/support/error.h>
#include <uk/support/fs.h>
#include <uk/support/subprocess.h>
#include <uk/toolchain/byte_sink.h>
#include <uk/toolchain/cpio_writer.h>
#include <uk/toolchain/errors.h>
#include <uk/toolchain/tree_packer.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

using namespace uk::toolchain;
namespace stdfs = std::filesystem;

using uk::test::errorOf;
using uk::test::mentions;

namespace {

struct Entry {
    std::string name;
    uint32_t ino, mode, uid, gid, nlink, mtime, fileSize, devMajor, devMinor, rdevMajor, rdevMinor;
    std::string data;
};

// A strict newc reader, independent of the writer.
std::vector<Entry> parse(const std::string& archive) {
    std::vector<Entry> entries;
    size_t pos = 0;
    for (;;) {
        REQUIRE(pos % 4 == 0);
        REQUIRE(pos + 110 <= archive.size());
        REQUIRE(archive.substr(pos, 6) == "070701");
        uint32_t f[13];
        for (int i = 0; i < 13; ++i) {
            f[i] =
                static_cast<uint32_t>(std::stoul(archive.substr(pos + 6 + i * 8, 8), nullptr, 16));
        }
        const size_t nameSize = f[11];
        REQUIRE(pos + 110 + nameSize <= archive.size());
        std::string name = archive.substr(pos + 110, nameSize - 1);
        REQUIRE(archive[pos + 110 + nameSize - 1] == '\0');
        const size_t dataPos = (pos + 110 + nameSize + 3) & ~size_t{3};
        REQUIRE(dataPos + f[6] <= archive.size());
        pos = (dataPos + f[6] + 3) & ~size_t{3};
        if (name == "TRAILER!!!") {
            CHECK(pos == archive.size());
            return entries;
        }
        entries.push_back(Entry{name, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9],
                                f[10], archive.substr(dataPos, f[6])});
    }
}

std::string pack(const stdfs::path& dir, TreePacker::Options options = {}) {
    TreePacker packer(dir, std::move(options));
    StringSink sink;
    packer.write(sink);
    CHECK(sink.str().size() == packer.archiveSize());
    return sink.str();
}

std::map<std::string, Entry> byName(const std::vector<Entry>& entries) {
    std::map<std::string, Entry> map;
    for (const auto& e : entries) {
        map.emplace(e.name, e);
    }
    return map;
}

void write(const stdfs::path& path, const std::string& contents, mode_t mode = 0644) {
    uk::fs::writeFileAtomic(path, contents);
    stdfs::permissions(path, static_cast<stdfs::perms>(mode));
}

void setTime(const stdfs::path& path, time_t seconds) {
    const timespec times[2] = {{seconds, 0}, {seconds, 0}};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0);
}

// The same small tree wherever it is made, times included.
void makeTree(const stdfs::path& root) {
    stdfs::create_directories(root / "a" / "deep");
    stdfs::create_directories(root / "b");
    write(root / "a" / "x", "xx");
    write(root / "a-b", "dash", 0600);
    write(root / "b" / "run", "#!/bin/sh\n", 04755);
    stdfs::create_symlink("../a/x", root / "b" / "rel");
    stdfs::create_symlink("/a/x", root / "b" / "abs");
    stdfs::create_hard_link(root / "a" / "x", root / "b" / "x-link");
    REQUIRE(::mkfifo((root / "fifo").c_str(), 0640) == 0);
    for (const char* p :
         {"a/x", "a-b", "b/run", "b/rel", "b/abs", "fifo", "a/deep", "a", "b", "."}) {
        setTime(root / p, 1700000000);
    }
}

} // namespace

TEST_CASE("tree: names are relative, parents first, siblings sorted") {
    uk::fs::TempDir temp("uk-test");
    makeTree(temp.path() / "root");
    std::vector<std::string> names;
    for (const auto& e : parse(pack(temp.path() / "root"))) {
        names.push_back(e.name);
    }
    CHECK(names == std::vector<std::string>{".", "a", "a/deep", "a/x", "a-b", "b", "b/abs", "b/rel",
                                            "b/run", "b/x-link", "fifo"});
}

TEST_CASE("tree: modes, owners, times, symlinks and FIFOs are kept") {
    uk::fs::TempDir temp("uk-test");
    const stdfs::path root = temp.path() / "root";
    makeTree(root);
    auto entries = byName(parse(pack(root)));

    const Entry& dir = entries.at(".");
    CHECK(dir.mode == (S_IFDIR | 0755));
    CHECK(dir.nlink == 4); // ".", "..", a and b
    CHECK(entries.at("a").nlink == 3);
    CHECK(entries.at("a/deep").nlink == 2);
    CHECK(dir.fileSize == 0);

    const Entry& run = entries.at("b/run");
    CHECK(run.mode == (S_IFREG | 04755));
    CHECK(run.data == "#!/bin/sh\n");
    CHECK(run.uid == ::geteuid());
    CHECK(run.gid == ::getegid());
    CHECK(run.mtime == 1700000000);
    CHECK(entries.at("a-b").mode == (S_IFREG | 0600));

    // Symlink targets are the data, verbatim: an absolute one means inside the image.
    CHECK((entries.at("b/rel").mode & S_IFMT) == S_IFLNK);
    CHECK(entries.at("b/rel").data == "../a/x");
    CHECK(entries.at("b/abs").data == "/a/x");
    CHECK(entries.at("b/abs").mtime == 1700000000);

    CHECK(entries.at("fifo").mode == (S_IFIFO | 0640));
    CHECK(entries.at("fifo").fileSize == 0);
}

TEST_CASE("tree: hard links share an inode, the last name carries the data") {
    uk::fs::TempDir temp("uk-test");
    const stdfs::path root = temp.path() / "root";
    makeTree(root);
    stdfs::create_hard_link(root / "a" / "x", root / "z-third");
    // A name outside the tree does not count.
    write(root / "single", "one");
    stdfs::create_hard_link(root / "single", temp.path() / "outside");

    TreePacker packer(root);
    CHECK(packer.stats().hardLinks == 2);
    StringSink sink;
    packer.write(sink);
    auto entries = byName(parse(sink.str()));
    const Entry& first = entries.at("a/x");
    const Entry& second = entries.at("b/x-link");
    const Entry& last = entries.at("z-third");
    CHECK(first.ino == second.ino);
    CHECK(first.ino == last.ino);
    for (const Entry* e : {&first, &second, &last}) {
        CHECK(e->nlink == 3);
    }
    CHECK(first.fileSize == 0);
    CHECK(second.fileSize == 0);
    CHECK(last.data == "xx");

    CHECK(entries.at("single").nlink == 1);
    CHECK(entries.at("single").data == "one");

    // Every other entry has an inode number of its own.
    std::map<uint32_t, int> uses;
    for (const auto& [name, e] : entries) {
        ++uses[e.ino];
        CHECK(e.ino != 0);
    }
    CHECK(uses[first.ino] == 3);
    CHECK(uses.size() == entries.size() - 2);
}

TEST_CASE("tree: the same tree gives the same bytes, wherever it lives") {
    uk::fs::TempDir temp("uk-test");
    makeTree(temp.path() / "one");
    // Different host inode numbers and creation order.
    write(temp.path() / "filler", "");
    makeTree(temp.path() / "two");
    const std::string one = pack(temp.path() / "one");
    CHECK(one == pack(temp.path() / "one"));
    CHECK(one == pack(temp.path() / "two"));
}

TEST_CASE("tree: device nodes keep their device number") {
    uk::fs::TempDir temp("uk-test");
    if (::mknod((temp.path() / "null").c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0 ||
        ::mknod((temp.path() / "blk").c_str(), S_IFBLK | 0600, makedev(259, 70000)) != 0) {
        MESSAGE("skipped: creating device nodes needs privileges");
        return;
    }
    stdfs::permissions(temp.path() / "null", stdfs::perms(0666)); // mknod applied the umask
    auto entries = byName(parse(pack(temp.path())));
    CHECK(entries.at("null").mode == (S_IFCHR | 0666));
    CHECK(entries.at("null").rdevMajor == 1);
    CHECK(entries.at("null").rdevMinor == 3);
    CHECK(entries.at("blk").rdevMajor == 259);
    CHECK(entries.at("blk").rdevMinor == 70000);
    CHECK(entries.at("null").devMajor == 0);
}

TEST_CASE("tree: size, statistics and progress are known before writing") {
    uk::fs::TempDir temp("uk-test");
    makeTree(temp.path());
    std::vector<uint64_t> progress;
    TreePacker packer(temp.path(), {.progress = [&](uint64_t done, uint64_t total) {
                          CHECK(total == packer.archiveSize());
                          progress.push_back(done);
                      }});
    const TreeStats& s = packer.stats();
    CHECK(s.entries == 11);
    CHECK(s.files == 3); // a/x (twice named), a-b, b/run
    CHECK(s.hardLinks == 1);
    CHECK(s.directories == 4);
    CHECK(s.symlinks == 2);
    CHECK(s.special == 1);
    CHECK(s.dataBytes == 2 + 4 + 10 + 6 + 4);
    StringSink sink;
    packer.write(sink);
    CHECK(sink.str().size() == packer.archiveSize());
    REQUIRE(progress.size() == 11);
    CHECK(std::is_sorted(progress.begin(), progress.end()));
    CHECK(progress.back() == packer.archiveSize() - CpioWriter::trailerSize());
}

TEST_CASE("tree: GNU cpio lists and extracts what was packed") {
    auto cpio = uk::fs::findProgram("cpio");
    if (!cpio) {
        MESSAGE("skipped: GNU cpio is not installed");
        return;
    }
    uk::fs::TempDir temp("uk-test");
    const stdfs::path root = temp.path() / "root";
    makeTree(root);
    const std::string archive = pack(root);
    auto listed = uk::proc::capture({cpio->string(), "-it", "--quiet"}, archive);
    CHECK(listed.exit.code == 0);
    CHECK(listed.out == ".\na\na/deep\na/x\na-b\nb\nb/abs\nb/rel\nb/run\nb/x-link\nfifo\n");

    stdfs::create_directory(temp.path() / "out");
    auto extracted = uk::proc::capture({"/bin/sh", "-c", "cd \"$1\" && exec \"$2\" -idm --quiet",
                                        "sh", (temp.path() / "out").string(), cpio->string()},
                                       archive);
    CHECK(extracted.exit.code == 0);
    CHECK(uk::fs::readFile(temp.path() / "out" / "b" / "x-link") == "xx");
    CHECK(stdfs::equivalent(temp.path() / "out" / "a" / "x", temp.path() / "out" / "b" / "x-link"));
    CHECK(stdfs::read_symlink(temp.path() / "out" / "b" / "abs") == "/a/x");
    CHECK(stdfs::is_fifo(temp.path() / "out" / "fifo"));
    struct stat st;
    REQUIRE(::stat((temp.path() / "out" / "b" / "run").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 04755);
    CHECK(st.st_mtime == 1700000000);
}

TEST_CASE("tree: the root may be a symlink to a directory; entries under it are not followed") {
    uk::fs::TempDir temp("uk-test");
    makeTree(temp.path() / "real");
    stdfs::create_symlink("real", temp.path() / "link");
    stdfs::create_directory_symlink(temp.path() / "real" / "a", temp.path() / "real" / "c");
    auto entries = byName(parse(pack(temp.path() / "link")));
    CHECK((entries.at("c").mode & S_IFMT) == S_IFLNK);
    CHECK(entries.count("c/x") == 0);
}

TEST_CASE("tree: files to leave out are skipped") {
    uk::fs::TempDir temp("uk-test");
    makeTree(temp.path());
    write(temp.path() / "app.img", "old image");
    struct stat st;
    REQUIRE(::stat((temp.path() / "app.img").c_str(), &st) == 0);
    auto entries = byName(parse(pack(temp.path(), {.exclude = {{st.st_dev, st.st_ino}}})));
    CHECK(entries.count("app.img") == 0);
    CHECK(entries.count("a-b") == 1);
}

TEST_CASE("tree: names to skip leave out everything under them") {
    uk::fs::TempDir temp("uk-test");
    makeTree(temp.path());
    stdfs::create_directories(temp.path() / ".uk" / "inner");
    write(temp.path() / ".uk" / "kernel", "kernel");
    write(temp.path() / ".uk-not-skipped", "kept");
    auto entries = byName(parse(pack(temp.path(), {.skip = {".uk", "a/deep"}})));
    CHECK(entries.count(".uk") == 0);
    CHECK(entries.count(".uk/kernel") == 0);
    CHECK(entries.count(".uk/inner") == 0);
    CHECK(entries.count("a/deep") == 0);
    CHECK(entries.count(".uk-not-skipped") == 1);
    CHECK(entries.count("a/x") == 1);
    CHECK(entries.at("a").nlink == 2); // its one subdirectory was left out
}

TEST_CASE("tree: grafts put other trees and files in place of the tree's own") {
    uk::fs::TempDir temp("uk-test");
    const stdfs::path root = temp.path() / "root";
    makeTree(root);
    const stdfs::path html = temp.path() / "html";
    stdfs::create_directories(html / "img");
    write(html / "index.html", "<p>hi</p>");
    write(html / "img" / "a.png", "png");
    stdfs::create_symlink("index.html", html / "home.html");
    write(temp.path() / "app.conf", "port 80\n");
    stdfs::create_symlink(temp.path() / "app.conf", temp.path() / "conf-link");
    std::vector<TreePacker::Graft> grafts = {
        {"b", html, 0755},                                 // over a directory of the tree
        {"srv/www/data", html / "img", 0755},              // under parents the tree lacks
        {"etc/app.conf", temp.path() / "conf-link", 0755}, // a file, through a symlink
        {"run", {}, 01777},                                // an empty directory
    };
    const std::string archive = pack(root, {.grafts = grafts});
    std::vector<std::string> names;
    for (const auto& e : parse(archive)) {
        names.push_back(e.name);
    }
    // The tree's own entries first, then each graft after its parents.
    CHECK(names == std::vector<std::string>{".", "a", "a/deep", "a/x", "a-b", "fifo", "b",
                                            "b/home.html", "b/img", "b/img/a.png", "b/index.html",
                                            "etc", "etc/app.conf", "run", "srv", "srv/www",
                                            "srv/www/data", "srv/www/data/a.png"});
    auto entries = byName(parse(archive));
    CHECK(entries.at("b/index.html").data == "<p>hi</p>");
    CHECK(entries.at("b/home.html").data == "index.html"); // symlinks inside are kept
    CHECK(entries.at("etc/app.conf").data == "port 80\n");
    CHECK((entries.at("etc/app.conf").mode & S_IFMT) == S_IFREG);
    CHECK(entries.at("srv/www/data/a.png").data == "png");
    CHECK(entries.at("srv").mode == (S_IFDIR | 0755));
    CHECK(entries.at("srv").nlink == 3);
    CHECK(entries.at("run").mode == (S_IFDIR | 01777));
    CHECK(entries.at(".").nlink == 2 + 5); // a, b, etc, run, srv

    // A parent that is a symlink in the tree, and a source that cannot be packed.
    CHECK(errorOf([&] {
              TreePacker p(root, {.grafts = {{"b/rel/x", html, 0755}}});
          }) == "/b/rel/x (from " + html.string() +
                    "): /b/rel is a symbolic link (to ../a/x) in the "
                    "root file system: use the path it leads to");
    CHECK(mentions(errorOf([&] {
                       TreePacker p(root, {.grafts = {{"data", temp.path() / "missing", 0755}}});
                   }),
                   "/data (from " + (temp.path() / "missing").string() + "): "));
}

TEST_CASE("tree: what cannot be packed is an error naming the path") {
    uk::fs::TempDir temp("uk-test");
    const stdfs::path root = temp.path() / "root";
    stdfs::create_directories(root / "sub");

    SUBCASE("a missing directory") {
        CHECK(errorOf([&] { TreePacker p(temp.path() / "nope"); }) ==
              (temp.path() / "nope").string() + ": no such directory");
    }
    SUBCASE("a file instead of a directory") {
        write(temp.path() / "file", "x");
        CHECK(mentions(errorOf([&] { TreePacker p(temp.path() / "file"); }),
                       (temp.path() / "file").string() + ": not a directory"));
    }
    SUBCASE("a socket") {
        const stdfs::path socketPath = root / "sub" / "sock";
        int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        REQUIRE(fd >= 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        REQUIRE(socketPath.string().size() < sizeof address.sun_path);
        std::strcpy(address.sun_path, socketPath.c_str());
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        ::close(fd);
        CHECK(mentions(errorOf([&] { TreePacker p(root); }),
                       socketPath.string() + ": a socket cannot be packed"));
    }
    SUBCASE("an unreadable file") {
        if (::geteuid() == 0) {
            MESSAGE("skipped: root reads every file");
            return;
        }
        write(root / "sub" / "secret", "x", 0);
        CHECK(errorOf([&] { TreePacker p(root); }) ==
              "cannot read " + (root / "sub" / "secret").string() + ": Permission denied");
    }
    SUBCASE("a name longer than the format allows") {
        // 17 levels of 250-byte names: 4266 bytes, each made relative to each level because the
        // whole path is too long for the host's own calls.
        const std::string level(250, 'd');
        int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY);
        for (int i = 0; i < 17; ++i) {
            REQUIRE(::mkdirat(fd, level.c_str(), 0755) == 0);
            int next = ::openat(fd, level.c_str(), O_RDONLY | O_DIRECTORY);
            ::close(fd);
            fd = next;
            REQUIRE(fd >= 0);
        }
        ::close(fd);
        const std::string error = errorOf([&] { TreePacker p(root); });
        CHECK(mentions(error, "name too long for the archive (4266 bytes"));
        CHECK(mentions(error, root.string() + "/" + level + "/"));
        // Remove what std::filesystem cannot (paths beyond PATH_MAX).
        CHECK(uk::proc::capture({"rm", "-rf", (root / level).string()}).exit.code == 0);
    }
}

TEST_CASE("tree: a file that changes between listing and writing is an error") {
    uk::fs::TempDir temp("uk-test");
    write(temp.path() / "grows", "12345");
    TreePacker packer(temp.path());
    write(temp.path() / "grows", "123456789");
    StringSink sink;
    CHECK(errorOf([&] { packer.write(sink); }) ==
          (temp.path() / "grows").string() + ": changed while packing");
}

TEST_CASE("tree: cancelling stops writing") {
    uk::fs::TempDir temp("uk-test");
    makeTree(temp.path());
    int entries = 0;
    TreePacker packer(temp.path(), {.cancelled = [&] { return ++entries > 3; }});
    StringSink sink;
    CHECK_THROWS_AS(packer.write(sink), BuildCancelled);
    CHECK(entries == 4);
}
