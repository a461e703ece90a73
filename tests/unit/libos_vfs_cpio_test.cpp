// cpio newc: the reader's validation of corrupt archives, and unpacking good ones into a
// ramfs (hard links, symlinks, modes, owners, times, replacement, concatenation).
#include "libos_vfs_fixture.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace uk::vfs;
using uk::vfs::test::Fs;

namespace {

struct Archive {
    std::string bytes;
    uint32_t nextIno = 100;

    Archive& add(const std::string& name, uint32_t mode, const std::string& data = "",
                 uint32_t ino = 0, uint32_t nlink = 1, uint32_t uid = 0, uint32_t gid = 0,
                 uint32_t mtime = 1700000000, uint32_t rdevMajor = 0, uint32_t rdevMinor = 0,
                 const char* magic = "070701") {
        char h[111];
        uint32_t check = 0;
        if (std::strcmp(magic, "070702") == 0) {
            for (unsigned char c : data) {
                check += c;
            }
        }
        std::snprintf(h, sizeof h, "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", magic,
                      ino != 0 ? ino : nextIno++, mode, uid, gid, nlink, mtime,
                      static_cast<uint32_t>(data.size()), 0u, 0u, rdevMajor, rdevMinor,
                      static_cast<uint32_t>(name.size() + 1), check);
        bytes.append(h, 110);
        bytes += name;
        bytes.push_back('\0');
        pad();
        bytes += data;
        pad();
        return *this;
    }
    Archive& trailer() { return add("TRAILER!!!", 0, "", 0, 1, 0, 0, 0); }
    void pad() {
        while (bytes.size() % 4 != 0) {
            bytes.push_back('\0');
        }
    }
};

// Unpacks into a fresh file system; returns the error text, "" on success.
std::string unpack(Fs& fs, const std::string& bytes, UnpackStats* stats = nullptr) {
    UnpackStats s;
    Text err;
    long r = unpackCpio(fs.ctx, bytes.data(), bytes.size(), stats ? stats : &s, &err);
    if (r == 0) {
        return "";
    }
    return std::string(err.c_str()).empty() ? "error " + std::to_string(r) : err.c_str();
}

std::string readerError(const std::string& bytes) {
    CpioReader r(bytes.data(), bytes.size());
    CpioEntry e;
    for (;;) {
        switch (r.next(&e)) {
        case CpioReader::Result::Entry:
            continue;
        case CpioReader::Result::End:
            return "";
        case CpioReader::Result::Error:
            return r.error();
        }
    }
}

} // namespace

TEST_CASE("cpio: a tree with files, directories, symlinks, devices and times") {
    Archive a;
    a.add(".", kIfDir | 0755)
        .add("etc", kIfDir | 0755, "", 0, 2, 0, 0, 1600000000)
        .add("etc/hostname", kIfReg | 0644, "uk\n", 0, 1, 0, 0, 1650000000)
        .add("bin", kIfDir | 0755)
        .add("bin/tool", kIfReg | 04755, std::string(10000, 'x'), 0, 1, 1000, 50)
        .add("bin/link", kIfLnk | 0777, "tool")
        .add("dev", kIfDir | 0755)
        .add("dev/null", kIfChr | 0666, "", 0, 1, 0, 0, 1, 1, 3)
        .add("run/fifo", kIfIfo | 0600) // parent created on the way
        .trailer();
    Fs fs;
    UnpackStats st;
    CHECK(unpack(fs, a.bytes, &st) == "");
    CHECK(st.files == 2);
    CHECK(st.directories == 4);
    CHECK(st.symlinks == 1);
    CHECK(st.special == 2);
    CHECK(st.bytes == 10003);
    CHECK(fs.read("/etc/hostname") == "uk\n");
    CHECK(fs.read("/bin/link") == std::string(10000, 'x'));
    CHECK(fs.readlink("/bin/link") == "tool");
    Attr at;
    REQUIRE(fs.stat("/bin/tool", &at) == 0);
    CHECK((at.mode & 07777) == 04755);
    CHECK(at.uid == 1000);
    CHECK(at.gid == 50);
    CHECK(at.mtime.sec == 1700000000);
    REQUIRE(fs.stat("/etc", &at) == 0);
    CHECK(at.mtime.sec == 1600000000); // directory times survive their children
    REQUIRE(fs.stat("/etc/hostname", &at) == 0);
    CHECK(at.mtime.sec == 1650000000);
    REQUIRE(fs.stat("/dev/null", &at) == 0);
    CHECK((at.mode & kIfMt) == kIfChr);
    CHECK(at.rdev == makeDev(1, 3));
    REQUIRE(fs.stat("/run/fifo", &at) == 0);
    CHECK((at.mode & kIfMt) == kIfIfo);
    REQUIRE(fs.stat("/run", &at) == 0);
    CHECK((at.mode & 07777) == 0755);
}

TEST_CASE("cpio: hard links share one file, with the data on the last or first entry") {
    // GNU cpio: data with the last name.
    Archive a;
    a.add("a", kIfReg | 0644, "", 7, 3)
        .add("dir/b", kIfReg | 0644, "", 7, 3)
        .add("c", kIfReg | 0644, "payload", 7, 3)
        .add("x", kIfReg | 0600, "first", 9, 2) // data on the first name
        .add("y", kIfReg | 0600, "", 9, 2)
        .add("p1", kIfIfo | 0600, "", 11, 2) // FIFOs are linked too (no data)
        .add("p2", kIfIfo | 0600, "", 11, 2)
        .trailer();
    Fs fs;
    UnpackStats st;
    CHECK(unpack(fs, a.bytes, &st) == "");
    CHECK(st.hardLinks == 4);
    CHECK(st.special == 1);
    CHECK(fs.read("/a") == "payload");
    CHECK(fs.read("/dir/b") == "payload");
    CHECK(fs.read("/c") == "payload");
    CHECK(fs.read("/y") == "first");
    Attr x, y;
    REQUIRE(fs.stat("/a", &x) == 0);
    REQUIRE(fs.stat("/c", &y) == 0);
    CHECK(x.ino == y.ino);
    CHECK(x.nlink == 3);
    REQUIRE(fs.stat("/p1", &x) == 0);
    REQUIRE(fs.stat("/p2", &y) == 0);
    CHECK(x.ino == y.ino);
    CHECK(x.nlink == 2);
}

TEST_CASE("cpio: later entries replace earlier ones; archives may be concatenated") {
    Archive a;
    a.add("f", kIfReg | 0644, "old").add("d", kIfReg | 0644, "file").trailer();
    a.bytes.append(512 - a.bytes.size() % 512, '\0'); // block padding, as cpio writes it
    a.add("f", kIfReg | 0600, "new").add("d", kIfDir | 0700).add("d/in", kIfReg | 0644, "i");
    a.add("g", kIfReg | 0644, "crc", 0, 1, 0, 0, 1, 0, 0, "070702").trailer();
    Fs fs;
    CHECK(unpack(fs, a.bytes) == "");
    CHECK(fs.read("/f") == "new");
    CHECK(fs.read("/d/in") == "i");
    CHECK(fs.read("/g") == "crc");
}

TEST_CASE("cpio: names are cleaned; leaving the root is refused") {
    Archive a;
    a.add("./x/./y//z", kIfReg | 0644, "1").add("/abs", kIfReg | 0644, "2").trailer();
    Fs fs;
    CHECK(unpack(fs, a.bytes) == "");
    CHECK(fs.read("/x/y/z") == "1");
    CHECK(fs.read("/abs") == "2");
    Archive bad;
    bad.add("a/../../etc", kIfReg | 0644, "x").trailer();
    Fs fs2;
    CHECK(unpack(fs2, bad.bytes) == "entry 0 (a/../../etc): a \"..\" component would leave the "
                                    "root: error");
}

TEST_CASE("cpio: corrupt archives are reported with the entry") {
    Archive good;
    good.add("ok", kIfReg | 0644, "data").add("second", kIfReg | 0644, "more").trailer();
    CHECK(readerError(good.bytes) == "");

    CHECK(readerError("") == "entry 0 at byte 0: the archive ends without a TRAILER!!! entry "
                             "(truncated?)");
    std::string s = good.bytes;
    s[0] = '1';
    CHECK(readerError(s) == "entry 0 at byte 0: bad magic (not a cpio newc archive; pack with "
                            "-H newc)");
    s = good.bytes;
    std::memcpy(&s[0], "070707", 6);
    CHECK(readerError(s).find("odc") != std::string::npos);
    s = good.bytes;
    s[6 + 8 * 6 + 3] = 'g'; // filesize field
    CHECK(readerError(s) == "entry 0 at byte 0: bad hex digit in field filesize");
    // Truncations everywhere: never a crash, always an error.
    for (size_t cut = 1; cut < good.bytes.size() - 4; ++cut) {
        CAPTURE(cut);
        CHECK(readerError(good.bytes.substr(0, cut)) != "");
    }
    // Data size past the end.
    Archive big;
    big.add("f", kIfReg | 0644, "abcd");
    s = big.bytes;
    std::memcpy(&s[6 + 8 * 6], "00001000", 8);
    CHECK(readerError(s) == "entry 0 (f): data (4096 bytes) runs past the end of the archive");
    // Name size 0 and names without their NUL.
    s = good.bytes;
    std::memcpy(&s[6 + 8 * 11], "00000000", 8);
    CHECK(readerError(s) == "entry 0 at byte 0: name size 0 out of range (1-4096)");
    s = good.bytes;
    s[110 + 2] = 'X';
    CHECK(readerError(s) == "entry 0 at byte 0: name is not NUL-terminated");
    // Second entry broken: named by index.
    s = good.bytes;
    size_t second = s.find("070701", 6);
    s[second + 6 + 8] = 'z';
    CHECK(readerError(s) == "entry 1 at byte 120: bad hex digit in field mode");
    // Types and sizes that make no sense.
    Archive d;
    d.add("dir", kIfDir | 0755, "data").trailer();
    CHECK(readerError(d.bytes) == "entry 0 (dir): a directory with 4 bytes of data");
    Archive l;
    l.add("link", kIfLnk | 0777, "").trailer();
    CHECK(readerError(l.bytes) == "entry 0 (link): symlink target length 0 out of range");
    Archive t;
    t.add("weird", 0170000 | 0644).trailer();
    CHECK(readerError(t.bytes) == "entry 0 (weird): unknown file type (mode 0170644)");
    Archive c;
    c.add("g", kIfReg | 0644, "crc", 0, 1, 0, 0, 1, 0, 0, "070702").trailer();
    s = c.bytes;
    s[s.find("crc")] = 'C';
    CHECK(readerError(s) == "entry 0 (g): checksum mismatch (header 0x138, data 0x118)");
    // Garbage after the trailer.
    s = good.bytes + "xyz!";
    CHECK(readerError(s) == "entry 3 at byte " + std::to_string(good.bytes.size()) +
                                ": truncated header (4 bytes left, 110 needed)");
    s = good.bytes + std::string(200, 'q');
    CHECK(readerError(s) == "entry 3 at byte " + std::to_string(good.bytes.size()) +
                                ": bad magic (not a cpio newc archive; pack with -H newc)");
}

TEST_CASE("cpio: unpack errors name the entry and stop") {
    Archive a;
    a.add("file", kIfReg | 0644, "x").add("file/below", kIfReg | 0644, "y").trailer();
    Fs fs;
    CHECK(unpack(fs, a.bytes) == "entry 1 (file/below): resolving its path: Not a directory");
    Archive root;
    root.add(".", kIfReg | 0644).trailer();
    Fs fs2;
    CHECK(unpack(fs2, root.bytes) == "entry 0 (.): the root can only be a directory: File exists");
}

TEST_CASE("cpio: NULs may pad a name; anything after them may not") {
    // "ab" padded to a 4-byte namesize: the name is "ab" (uk's writer pads names so that
    // file data starts on a page boundary).
    Archive a;
    a.add("ab", kIfReg | 0644, "data").trailer();
    std::string padded = a.bytes;
    std::memcpy(&padded[6 + 8 * 11], "00000004", 8); // namesize 4: "ab\0\0"
    Fs fs;
    CHECK(unpack(fs, padded) == "");
    CHECK(fs.read("/ab") == "data");
    std::string bad = padded;
    bad[110 + 1] = '\0';
    bad[110 + 2] = 'x'; // "a\0x\0"
    CHECK(readerError(bad).find("NUL byte inside the name") != std::string::npos);
    std::string empty = padded;
    empty[110] = '\0'; // "\0b\0\0"
    CHECK(readerError(empty) != "");
}

TEST_CASE("cpio: permanent archives lend their page-aligned file data") {
    // A 2.5-page file whose data starts on a page boundary of a page-aligned buffer.
    Archive a;
    std::string data(2 * 4096 + 2048, 'z');
    a.add("f", kIfReg | 0644, data).trailer();
    const size_t dataAt = 112; // 110 + "f\0", padded to 4
    // Shift the data to offset 4096 by growing namesize with NULs.
    std::string bytes = a.bytes.substr(0, 110) + std::string("f") + std::string(4096 - 111, '\0') +
                        a.bytes.substr(dataAt);
    char ns[9];
    std::snprintf(ns, sizeof ns, "%08X", 4096u - 110u);
    std::memcpy(&bytes[6 + 8 * 11], ns, 8);
    auto* buffer =
        static_cast<char*>(std::aligned_alloc(4096, (bytes.size() + 4095) / 4096 * 4096));
    REQUIRE(buffer != nullptr);
    std::memcpy(buffer, bytes.data(), bytes.size());
    Fs fs;
    UnpackStats s;
    Text err;
    REQUIRE(unpackCpio(fs.ctx, buffer, bytes.size(), &s, &err, true) == 0);
    CHECK(fs.read("/f") == data);
    CHECK(fs.write("/f", "new") == 3); // O_TRUNC and a write: the archive stays as it was
    CHECK(fs.read("/f") == "new");
    CHECK(std::string(buffer + 4096, data.size()) == data);
    std::free(buffer);
}
