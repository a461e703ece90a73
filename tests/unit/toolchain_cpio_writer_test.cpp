// The cpio newc writer behind `uk pack`: headers byte for byte, padding, the trailer, and the
// sinks it writes through.
#include <doctest/doctest.h>

#include "error_capture.h"

#include <cstdio>

#include <uk/support/error.h>
#include <uk/support/fs.h>
#include <uk/toolchain/byte_sink.h>
#include <uk/toolchain/cpio_writer.h>
#include <uk/toolchain/elf_object.h>

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>

using namespace uk::toolchain;

using uk::test::errorOf;

namespace {

std::string hex8(uint32_t value) {
    char text[9];
    std::snprintf(text, sizeof text, "%08X", value);
    return text;
}

// A header the slow, obvious way, to compare the writer against.
std::string expectedHeader(const CpioHeader& h) {
    std::string out = "070701";
    for (uint32_t field :
         {h.ino, h.mode, h.uid, h.gid, h.nlink, h.mtime, h.fileSize, h.devMajor, h.devMinor,
          h.rdevMajor, h.rdevMinor, static_cast<uint32_t>(h.name.size() + 1), uint32_t{0}}) {
        out += hex8(field);
    }
    return out;
}

std::string archiveOf(auto&& write) {
    StringSink sink;
    CpioWriter writer(sink);
    write(writer);
    CHECK(writer.size() == sink.str().size());
    return sink.str();
}

} // namespace

TEST_CASE("cpio: a regular file's entry, byte for byte") {
    const CpioHeader h{.name = "bin/sh",
                       .ino = 2,
                       .mode = 0100755,
                       .uid = 1000,
                       .gid = 100,
                       .nlink = 1,
                       .mtime = 0x5f5e1000,
                       .fileSize = 5};
    const std::string archive = archiveOf([&](CpioWriter& w) { w.addEntry(h, "hello"); });
    const char expected[] = "070701"
                            "00000002" // ino
                            "000081ED" // mode 0100755, upper-case hex
                            "000003E8" // uid
                            "00000064" // gid
                            "00000001" // nlink
                            "5F5E1000" // mtime
                            "00000005" // filesize
                            "00000000" // devmajor
                            "00000000" // devminor
                            "00000000" // rdevmajor
                            "00000000" // rdevminor
                            "00000007" // namesize, NUL included
                            "00000000" // check
                            "bin/sh\0"
                            "\0\0\0" // 110 + 7 = 117, padded to 120
                            "hello"
                            "\0\0\0"; // data padded to 4
    CHECK(archive == std::string(expected, sizeof expected - 1));
    CHECK(archive.size() == 128);
    CHECK(CpioWriter::entrySize(0, 6, 0100644, 5) == 128);
}

TEST_CASE("cpio: device nodes keep their device number; the trailer ends the archive") {
    const CpioHeader h{
        .name = "dev/null", .ino = 7, .mode = 020666, .rdevMajor = 1, .rdevMinor = 3};
    const std::string archive = archiveOf([&](CpioWriter& w) {
        w.addEntry(h);
        w.finish();
    });
    const std::string first =
        expectedHeader(h) + std::string("dev/null\0\0", 10); // 119 bytes, padded to 120
    REQUIRE(archive.size() == first.size() + CpioWriter::trailerSize());
    CHECK(archive.substr(0, first.size()) == first);
    CHECK(archive.substr(6 + 9 * 8, 16) == "0000000100000003");

    const std::string trailer = archive.substr(first.size());
    CHECK(trailer == "070701" + std::string(4 * 8, '0') + "00000001" // nlink
                         + std::string(6 * 8, '0') + "0000000B"      // "TRAILER!!!" and its NUL
                         + "00000000" + std::string("TRAILER!!!\0\0\0\0", 14));
    CHECK(CpioWriter::trailerSize() == 124);
    CHECK(archive.size() % 4 == 0);
}

TEST_CASE("cpio: every name and data length pads to 4 bytes from the archive's start") {
    for (size_t nameLength = 1; nameLength <= 9; ++nameLength) {
        for (uint32_t dataSize = 0; dataSize <= 9; ++dataSize) {
            const CpioHeader h{
                .name = std::string(nameLength, 'n'), .mode = 0100644, .fileSize = dataSize};
            const std::string data(dataSize, 'd');
            const std::string archive = archiveOf([&](CpioWriter& w) {
                w.addEntry(h, data);
                w.addEntry(h, data);
            });
            const uint64_t entry = CpioWriter::entrySize(0, nameLength, 0100644, dataSize);
            CAPTURE(nameLength);
            CAPTURE(dataSize);
            REQUIRE(archive.size() == 2 * entry);
            CHECK(entry % 4 == 0);
            // The second entry starts where the first one's padding ends.
            CHECK(archive.substr(entry, 6) == "070701");
            const size_t dataStart = (110 + nameLength + 1 + 3) / 4 * 4;
            CHECK(archive.substr(dataStart, dataSize) == data);
            // Padding is zeros.
            for (size_t i = 110 + nameLength; i < dataStart; ++i) {
                CHECK(archive[i] == '\0');
            }
            for (size_t i = dataStart + dataSize; i < entry; ++i) {
                CHECK(archive[i] == '\0');
            }
        }
    }
}

TEST_CASE("cpio: data may arrive in pieces and from a file") {
    uk::fs::TempDir temp("uk-test");
    const auto path = temp.path() / "f";
    uk::fs::writeFileAtomic(path, "world");
    int fd = ::open(path.c_str(), O_RDONLY);
    REQUIRE(fd >= 0);
    const std::string pieces = archiveOf([&](CpioWriter& w) {
        w.beginEntry({.name = "f", .mode = 0100644, .fileSize = 11});
        w.writeData("hello");
        w.writeData(" ");
        w.copyData(fd, 5, path.string());
        w.finish();
    });
    ::close(fd);
    const std::string whole = archiveOf([&](CpioWriter& w) {
        w.addEntry({.name = "f", .mode = 0100644, .fileSize = 11}, "hello world");
        w.finish();
    });
    CHECK(pieces == whole);
}

TEST_CASE("cpio: names that cannot be archived, and misuse") {
    StringSink sink;
    CpioWriter w(sink);
    CHECK_NOTHROW(w.addEntry({.name = std::string(4095, 'a')}));
    CHECK(errorOf([&] {
              w.addEntry({.name = std::string(4096, 'a')});
          }).find("name too long for a cpio archive (4096 bytes, at most 4095)") !=
          std::string::npos);
    CHECK(errorOf([&] { w.addEntry({.name = std::string("a\0b", 3)}); }).find("NUL") !=
          std::string::npos);
    CHECK_THROWS_AS(w.addEntry({.name = ""}), uk::Error);
    CHECK_THROWS_AS(w.addEntry({.name = "x", .fileSize = 3}, "ab"), uk::Error);

    StringSink other;
    CpioWriter unfinished(other);
    unfinished.beginEntry({.name = "x", .fileSize = 2});
    CHECK_THROWS_AS(unfinished.writeData("abc"), uk::Error);          // more than announced
    CHECK_THROWS_AS(unfinished.beginEntry({.name = "y"}), uk::Error); // data still owed
}

TEST_CASE("file sink: buffered writes and kernel copies give the same bytes") {
    uk::fs::TempDir temp("uk-test");
    // Larger than the kernel-copy threshold and the buffer, and not a multiple of either.
    std::string big(3 * 1024 * 1024 + 7, '\0');
    for (size_t i = 0; i < big.size(); ++i) {
        big[i] = static_cast<char>(i * 7 + i / 4096);
    }
    uk::fs::writeFileAtomic(temp.path() / "big", big);
    uk::fs::writeFileAtomic(temp.path() / "small", "small file");

    const auto outPath = temp.path() / "out";
    int out = ::open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(out >= 0);
    FileSink sink(out, outPath);
    sink.write("head:");
    for (const char* name : {"small", "big", "small"}) {
        int in = ::open((temp.path() / name).c_str(), O_RDONLY);
        REQUIRE(in >= 0);
        struct stat st;
        REQUIRE(::fstat(in, &st) == 0);
        sink.copyFrom(in, static_cast<uint64_t>(st.st_size), name);
        ::close(in);
    }
    sink.write(":tail");
    sink.flush();
    ::close(out);
    const std::string expected = "head:small file" + big + "small file:tail";
    CHECK(sink.written() == expected.size());
    CHECK(uk::fs::readFile(outPath) == expected);
}

TEST_CASE("byte sink: a source shorter than promised is an error naming it") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    REQUIRE(::write(fds[1], "abc", 3) == 3);
    ::close(fds[1]);
    StringSink sink;
    CHECK(errorOf([&] { sink.copyFrom(fds[0], 10, "the/file"); }) ==
          "the/file: changed while packing (7 bytes fewer than when it was listed)");
    ::close(fds[0]);
}

TEST_CASE("data objects: a streamed object equals the one built in memory") {
    const std::string contents = "0123456789abcdef-cpio";
    const std::string prefix = dataObjectPrefix(".uk.initrd", contents.size(), 4);
    CHECK(prefix + contents == makeDataObject(".uk.initrd", contents, 4));

    // The data comes last, aligned, and its header tells its size and name.
    Elf64_Ehdr ehdr;
    std::memcpy(&ehdr, prefix.data(), sizeof ehdr);
    REQUIRE(ehdr.e_shoff + ehdr.e_shnum * sizeof(Elf64_Shdr) <= prefix.size());
    Elf64_Shdr data;
    std::memcpy(&data, prefix.data() + ehdr.e_shoff + sizeof(Elf64_Shdr), sizeof data);
    CHECK(data.sh_offset == prefix.size());
    CHECK(data.sh_offset % 4 == 0);
    CHECK(data.sh_size == contents.size());
    CHECK(data.sh_flags == SHF_ALLOC);
    Elf64_Shdr names;
    std::memcpy(&names, prefix.data() + ehdr.e_shoff + ehdr.e_shstrndx * sizeof(Elf64_Shdr),
                sizeof names);
    CHECK(std::string(prefix.c_str() + names.sh_offset + data.sh_name) == ".uk.initrd");

    // Sizes beyond what a string could hold are only numbers in the header.
    const std::string huge = dataObjectPrefix(".uk.initrd", uint64_t{5} << 32, 16);
    std::memcpy(&data, huge.data() + ehdr.e_shoff + sizeof(Elf64_Shdr), sizeof data);
    CHECK(data.sh_size == uint64_t{5} << 32);
    CHECK(data.sh_offset % 16 == 0);
}

TEST_CASE("cpio: the data of files of a page or more starts on a page boundary") {
    const std::string big(5000, 'b');
    const CpioHeader small{.name = "a", .mode = 0100644, .fileSize = 3};
    const CpioHeader file{.name = "usr/lib/big.so", .mode = 0100755, .fileSize = 5000};
    const CpioHeader dir{.name = "usr", .mode = 040755};
    const std::string archive = archiveOf([&](CpioWriter& w) {
        w.addEntry(small, "abc");
        w.addEntry(dir);
        w.addEntry(file, big);
        w.finish();
    });
    const uint64_t first = CpioWriter::entrySize(0, 1, 0100644, 3);
    const uint64_t second = CpioWriter::entrySize(first, 3, 040755, 0);
    const uint64_t third = CpioWriter::entrySize(first + second, file.name.size(), 0100755, 5000);
    CHECK(archive.size() == first + second + third + CpioWriter::trailerSize());
    CHECK(archive.substr(4096, 5000) == big);
    // namesize covers the name, its NUL and the NUL padding up to the boundary.
    const uint64_t at = first + second;
    const uint32_t nameSize = CpioWriter::nameSizeAt(at, file.name.size(), 0100755, 5000);
    CHECK(at + 110 + nameSize == 4096);
    CHECK(archive.substr(at + 94, 8) == [&] {
        char hex[9];
        std::snprintf(hex, sizeof hex, "%08X", nameSize);
        return std::string(hex);
    }());
    CHECK(archive.substr(at + 110, file.name.size() + 1) == file.name + std::string(1, '\0'));
    for (size_t i = at + 110 + file.name.size(); i < 4096; ++i) {
        CHECK(archive[i] == '\0');
    }
    // A name too long to pad within 4096 bytes stays where it is; so do symlinks and
    // directories, and files under a page.
    CHECK(CpioWriter::nameSizeAt(0, 4000, 0100644, 1 << 20) == 4001);
    CHECK(CpioWriter::nameSizeAt(0, 3, 0120777, 5000) == 4);
    CHECK(CpioWriter::nameSizeAt(0, 3, 0100644, 4095) == 4);
}
