// The image inspector behind `uk inspect`: the cpio summarizer on hand-built archives (well
// formed, in the variants the kernel accepts, corrupt and truncated), the configuration
// decoder, the listing format, and images without section headers (plain and compressed).
#include <doctest/doctest.h>

#include <elf.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <uk/image_format.h>
#include <uk/loader/image_inspector.h>
#include <uk/support/error.h>
#include <uk/toolchain/image_compressor.h>
#include <uk/toolchain/image_config.h>

using uk::loader::CpioEntry;
using uk::loader::CpioFormatError;
using uk::loader::RootfsSummary;
using uk::loader::summarizeCpio;

namespace {

struct Entry {
    std::string name;
    uint32_t mode;
    std::string data;
    uint32_t ino = 0;
    uint32_t nlink = 1;
    uint32_t rdevMajor = 0;
    uint32_t rdevMinor = 0;
};

void pad4(std::string& out) {
    while (out.size() % 4 != 0) {
        out += '\0';
    }
}

// A newc archive as GNU cpio writes it (upper-case hex unless `lower`), trailer included.
std::string archive(const std::vector<Entry>& entries, bool lower = false) {
    std::string out;
    uint32_t ino = 0;
    auto put = [&](const Entry& e) {
        char header[111];
        std::snprintf(header, sizeof header,
                      lower ? "070701%08x%08x%08x%08x%08x%08x%08zx%08x%08x%08x%08x%08zx%08x"
                            : "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
                      e.ino != 0 ? e.ino : ++ino, e.mode, 0u, 0u, e.nlink, 1704110400u,
                      e.data.size(), 0u, 0u, e.rdevMajor, e.rdevMinor, e.name.size() + 1, 0u);
        out.append(header, 110);
        out += e.name;
        out += '\0';
        pad4(out);
        out += e.data;
        pad4(out);
    };
    for (const auto& e : entries) {
        put(e);
    }
    put(Entry{"TRAILER!!!", 0, ""});
    return out;
}

// A small tree with one of everything: directories, files, a symlink, a file with two names
// (data with the last), a FIFO and a character device.
std::vector<Entry> sampleTree() {
    return {
        {".", S_IFDIR | 0755, ""},
        {"bin", S_IFDIR | 0755, ""},
        {"bin/busybox", S_IFREG | 0755, "#!busybox\n"},
        {"bin/sh", S_IFLNK | 0777, "busybox"},
        {"data", S_IFDIR | 01777, ""},
        {"data/a", S_IFREG | 0644, "", 100, 2},
        {"data/b", S_IFREG | 0644, "linked", 100, 2},
        {"dev", S_IFDIR | 0755, ""},
        {"dev/fifo", S_IFIFO | 0600, ""},
        {"dev/null", S_IFCHR | 0666, "", 0, 1, 1, 3},
    };
}

uint64_t errorOffset(std::string_view bytes) {
    try {
        summarizeCpio(bytes);
    } catch (const CpioFormatError& e) {
        return e.offset();
    }
    FAIL("the archive was accepted");
    return 0;
}

std::string errorReason(std::string_view bytes) {
    try {
        summarizeCpio(bytes);
    } catch (const CpioFormatError& e) {
        return e.reason();
    }
    FAIL("the archive was accepted");
    return "";
}

} // namespace

TEST_CASE("inspector: cpio summary counts every kind of entry") {
    std::string a = archive(sampleTree());
    std::vector<CpioEntry> entries;
    RootfsSummary s = summarizeCpio(a, &entries);
    CHECK(s.entries == 10);
    CHECK(s.files == 3);
    CHECK(s.directories == 4);
    CHECK(s.symlinks == 1);
    CHECK(s.hardLinks == 1);
    CHECK(s.special == 2);
    CHECK(s.dataBytes == 10 + 6);
    CHECK(s.archiveBytes == a.size());
    REQUIRE(entries.size() == 10);
    CHECK(entries[0].name == ".");
    CHECK(entries[3].name == "bin/sh");
    CHECK(entries[3].target == "busybox");
    CHECK(entries[9].rdevMajor == 1);
    CHECK(entries[9].rdevMinor == 3);
    CHECK(entries[6].size == 6);
    CHECK(entries[6].mtime == 1704110400u);
    // Without a list to fill, the same counts.
    CHECK(summarizeCpio(a).entries == 10);
}

TEST_CASE("inspector: cpio variants the kernel accepts") {
    SUBCASE("lower-case hex and ./ names") {
        std::string a = archive({{".", S_IFDIR | 0755, ""}, {"./x", S_IFREG | 0644, "abc"}}, true);
        std::vector<CpioEntry> entries;
        RootfsSummary s = summarizeCpio(a, &entries);
        CHECK(s.entries == 2);
        CHECK(entries[1].name == "./x");
        CHECK(s.dataBytes == 3);
    }
    SUBCASE("concatenated archives with NUL padding, and padding after the last") {
        std::string one = archive({{".", S_IFDIR | 0755, ""}, {"a", S_IFREG | 0644, "1"}});
        std::string two = archive({{"b", S_IFREG | 0644, "22"}});
        std::string a = one + std::string(512, '\0') + two;
        size_t end = a.size();
        a += std::string(4096, '\0');
        RootfsSummary s = summarizeCpio(a);
        CHECK(s.entries == 3);
        CHECK(s.files == 2);
        CHECK(s.archiveBytes == end);
    }
    SUBCASE("hard links are per archive") {
        std::string one = archive({{"a", S_IFREG | 0644, "", 7, 2}});
        std::string two = archive({{"b", S_IFREG | 0644, "x", 7, 2}});
        CHECK(summarizeCpio(one + two).hardLinks == 0);
        CHECK(summarizeCpio(
                  archive({{"a", S_IFREG | 0644, "", 7, 2}, {"b", S_IFREG | 0644, "x", 7, 2}}))
                  .hardLinks == 1);
    }
    SUBCASE("070702 (with checksums) and a missing final padding") {
        std::string a = archive({{"f", S_IFREG | 0644, "x"}});
        a[5] = '2';
        a.resize(a.size() - 1); // the trailer's name ends 3 bytes before the archive's end
        CHECK(summarizeCpio(a).entries == 1);
    }
    SUBCASE("nothing, or nothing but NULs, or only a trailer") {
        CHECK(summarizeCpio("").entries == 0);
        CHECK(summarizeCpio(std::string(64, '\0')).archiveBytes == 0);
        RootfsSummary s = summarizeCpio(archive({}));
        CHECK(s.entries == 0);
        CHECK(s.archiveBytes == archive({}).size());
    }
}

TEST_CASE("inspector: every truncation of an archive is an error, none a wild read") {
    std::string a = archive(sampleTree());
    for (size_t n = 1; n < a.size(); ++n) {
        std::string cut = a.substr(0, n);
        // The trailer's own padding may be missing; anything shorter is truncated.
        if (n >= a.size() - 3 && a.substr(n).find_first_not_of('\0') == std::string::npos) {
            continue;
        }
        CAPTURE(n);
        CHECK_THROWS_AS(summarizeCpio(cut), CpioFormatError);
    }
}

TEST_CASE("inspector: corrupt archives name the offset and the problem") {
    std::string good = archive(sampleTree());
    SUBCASE("bad magic") {
        std::string a = good;
        a[0] = 'X';
        CHECK(errorOffset(a) == 0);
        CHECK(errorReason(a).find("no cpio header") != std::string::npos);
    }
    SUBCASE("a field that is not hex") {
        std::string a = good;
        a[6 + 8 * 6 + 3] = 'g'; // filesize of "."
        CHECK(errorOffset(a) == 6 + 8 * 6);
        CHECK(errorReason(a).find("filesize") != std::string::npos);
    }
    SUBCASE("name sizes out of range") {
        std::string a = good;
        std::memcpy(a.data() + 6 + 8 * 11, "00000000", 8);
        CHECK(errorReason(a).find("name size is 0") != std::string::npos);
        std::memcpy(a.data() + 6 + 8 * 11, "00001001", 8);
        CHECK(errorReason(a).find("name size is 4097") != std::string::npos);
        std::memcpy(a.data() + 6 + 8 * 11, "FFFFFFFF", 8);
        CHECK_THROWS_AS(summarizeCpio(a), CpioFormatError);
    }
    SUBCASE("a name without its NUL, or with one inside") {
        std::string a = archive({{"ab", S_IFREG | 0644, ""}});
        a[110 + 2] = 'c';
        CHECK(errorOffset(a) == 110);
        CHECK(errorReason(a).find("not NUL-terminated") != std::string::npos);
        a = archive({{"abc", S_IFREG | 0644, ""}});
        a[110 + 1] = '\0';
        CHECK(errorReason(a).find("NUL byte in it") != std::string::npos);
        // NULs after the name are padding (uk aligns file data that way): "a" is the name.
        a = archive({{"ab", S_IFREG | 0644, ""}});
        a[110 + 1] = '\0';
        std::vector<CpioEntry> listed;
        CHECK(summarizeCpio(a, &listed).entries == 1);
        CHECK(listed.at(0).name == "a");
    }
    SUBCASE("data past the end") {
        std::string a = archive({{"f", S_IFREG | 0644, "data"}});
        std::memcpy(a.data() + 6 + 8 * 6, "7FFFFFFF", 8);
        CHECK(errorReason(a).find("truncated in the data of \"f\"") != std::string::npos);
        std::memcpy(a.data() + 6 + 8 * 6, "FFFFFFFF", 8);
        CHECK(errorOffset(a) == 112); // where the data would start
    }
    SUBCASE("no trailer") {
        std::string a = archive({{"f", S_IFREG | 0644, "data"}});
        a.resize(a.size() - 124); // the trailer: 110 + 11 bytes of name + 3 of padding
        CHECK(errorOffset(a) == a.size());
        CHECK(errorReason(a).find("without its TRAILER!!!") != std::string::npos);
    }
    SUBCASE("garbage after the trailer, or an archive at an unaligned offset") {
        CHECK(errorOffset(good + "junk") == good.size());
        CHECK(errorOffset(good + std::string(2, '\0') + good) == good.size() + 2);
    }
    SUBCASE("an unknown file type") {
        std::string a = archive({{"f", 0644, ""}});
        CHECK(errorReason(a).find("no known file type (mode 0644)") != std::string::npos);
    }
}

TEST_CASE("inspector: mode strings and the listing") {
    using uk::loader::modeString;
    CHECK(modeString(S_IFDIR | 0755) == "drwxr-xr-x");
    CHECK(modeString(S_IFREG | 04755) == "-rwsr-xr-x");
    CHECK(modeString(S_IFREG | 02644) == "-rw-r-Sr--");
    CHECK(modeString(S_IFDIR | 01777) == "drwxrwxrwt");
    CHECK(modeString(S_IFDIR | 01770) == "drwxrwx--T");
    CHECK(modeString(S_IFLNK | 0777) == "lrwxrwxrwx");
    CHECK(modeString(S_IFCHR | 0666) == "crw-rw-rw-");
    CHECK(modeString(S_IFBLK | 0660) == "brw-rw----");
    CHECK(modeString(S_IFIFO | 0600) == "prw-------");
    CHECK(modeString(S_IFSOCK | 0755) == "srwxr-xr-x");

    std::vector<CpioEntry> entries;
    summarizeCpio(archive(sampleTree()), &entries);
    std::string text = uk::loader::formatEntries(entries);
    CHECK(text.find("drwxr-xr-x 0/0   0 2024-01-01 12:00 .\n") == 0);
    CHECK(text.find("lrwxrwxrwx 0/0   7 2024-01-01 12:00 bin/sh -> busybox\n") !=
          std::string::npos);
    CHECK(text.find("-rw-r--r-- 0/0   6 2024-01-01 12:00 data/b\n") != std::string::npos);
    CHECK(text.find("crw-rw-rw- 0/0 1,3 2024-01-01 12:00 dev/null\n") != std::string::npos);
}

namespace {

std::string sampleConfig() {
    using uk::image::ConfigTag;
    uk::toolchain::ImageConfigWriter w;
    w.add(ConfigTag::Entrypoint, "/bin/sh")
        .add(ConfigTag::Entrypoint, "-c")
        .add(ConfigTag::Cmd, "echo hi")
        .add(ConfigTag::Env, "PATH=/bin")
        .add(ConfigTag::Env, "HOME=/root")
        .add(ConfigTag::WorkingDir, "/srv")
        .add(ConfigTag::User, "1000:100")
        .add(ConfigTag::Group, "10")
        .add(ConfigTag::Group, "20")
        .add(ConfigTag::ExposedPort, "80/tcp")
        .add(ConfigTag::Volume, "/data")
        .add(ConfigTag::Label, "org.example=yes")
        .add(ConfigTag::Label, "plain")
        .add(static_cast<ConfigTag>(42), "12345");
    return w.finish();
}

} // namespace

TEST_CASE("inspector: configuration records, known and unknown") {
    auto c = uk::loader::parseImageConfig(sampleConfig());
    CHECK(c.entrypoint == std::vector<std::string>{"/bin/sh", "-c"});
    CHECK(c.cmd == std::vector<std::string>{"echo hi"});
    CHECK(c.env == std::vector<std::string>{"PATH=/bin", "HOME=/root"});
    CHECK(c.workingDir == "/srv");
    CHECK(c.user == "1000:100");
    CHECK(c.groups == std::vector<std::string>{"10", "20"});
    CHECK(c.exposedPorts == std::vector<std::string>{"80/tcp"});
    CHECK(c.volumes == std::vector<std::string>{"/data"});
    REQUIRE(c.labels.size() == 2);
    CHECK(c.labels[0] == std::pair<std::string, std::string>{"org.example", "yes"});
    CHECK(c.labels[1] == std::pair<std::string, std::string>{"plain", ""});
    REQUIRE(c.unknown.size() == 1);
    CHECK(c.unknown[0].tag == 42);
    CHECK(c.unknown[0].length == 5);

    std::string blob = sampleConfig();
    CHECK_THROWS_WITH_AS(uk::loader::parseImageConfig(blob.substr(0, 10)),
                         doctest::Contains("less than its 24-byte header"), uk::Error);
    std::string bad = blob;
    bad[0] = 'X';
    CHECK_THROWS_WITH_AS(uk::loader::parseImageConfig(bad), doctest::Contains("UKCONFIG"),
                         uk::Error);
    bad = blob;
    bad[8] = 2;
    CHECK_THROWS_WITH_AS(uk::loader::parseImageConfig(bad), doctest::Contains("version 2"),
                         uk::Error);
    CHECK_THROWS_WITH_AS(uk::loader::parseImageConfig(blob.substr(0, blob.size() - 8)),
                         doctest::Contains("its header says"), uk::Error);
    bad = blob;
    uint32_t length = 1000; // the first record's length
    std::memcpy(bad.data() + 24 + 4, &length, 4);
    CHECK_THROWS_WITH_AS(uk::loader::parseImageConfig(bad), doctest::Contains("run past its end"),
                         uk::Error);
}

namespace {

void put(std::string& out, const void* p, size_t n) {
    out.append(static_cast<const char*>(p), n);
}

// A minimal image without section headers: one boot PT_LOAD at 1 MiB holding the ELF and
// program headers, and a second PT_LOAD with `segment` (at 0x102000; page-aligned, as
// .uk.initrd is). With `compressed`, the second is a boot payload with `segment` deflated.
std::string tinyImage(const std::string& segment, bool compressed, bool appSegment = false) {
    const uint16_t phnum = appSegment ? 3 : 2;
    const uint64_t headers = sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr);
    std::string second = segment;
    uint64_t secondPhys = 0x102000;
    if (compressed) {
        std::string stream = uk::toolchain::deflateRaw(segment, 9);
        second.clear();
        uk::image::BootPayloadHeader h{uk::image::kBootPayloadMagic, 1, 0};
        uk::image::BootPayloadSegment s{0x102000, segment.size(), segment.size() + 64,
                                        stream.size()};
        put(second, &h, sizeof h);
        put(second, &s, sizeof s);
        second += stream;
        secondPhys = 0x200000;
    }
    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_phoff = sizeof eh;
    eh.e_ehsize = sizeof eh;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = phnum;
    Elf64_Phdr boot{};
    boot.p_type = PT_LOAD;
    boot.p_offset = 0;
    boot.p_vaddr = boot.p_paddr = 0x100000;
    boot.p_filesz = boot.p_memsz = headers;
    Elf64_Phdr load{};
    load.p_type = PT_LOAD;
    load.p_offset = headers;
    load.p_vaddr = load.p_paddr = secondPhys;
    load.p_filesz = load.p_memsz = second.size();
    std::string out;
    put(out, &eh, sizeof eh);
    put(out, &boot, sizeof boot);
    put(out, &load, sizeof load);
    if (appSegment) {
        Elf64_Phdr app{};
        app.p_type = PT_LOAD;
        app.p_offset = headers;
        app.p_vaddr = 0x400000;
        app.p_paddr = 0x300000;
        app.p_filesz = 0;
        app.p_memsz = 4096;
        put(out, &app, sizeof app);
    }
    out += second;
    return out;
}

// What a krodata segment of a packed image might hold: some bytes, the configuration on an
// 8-byte boundary, then the archive on the next page.
std::string sampleSegment() {
    std::string seg = "rodata: UKCONFIG is also a constant here";
    seg.resize(1024, 'r');
    seg += sampleConfig();
    seg.resize(4096, '\0');
    seg += archive(sampleTree());
    seg.resize(3 * 4096, '\0');
    return seg;
}

} // namespace

TEST_CASE("inspector: images without section headers, plain and compressed") {
    for (bool compressed : {false, true}) {
        CAPTURE(compressed);
        std::string img = tinyImage(sampleSegment(), compressed);
        auto report = uk::loader::inspectImageBytes(img, "tiny.img", true);
        CHECK(report.image == "tiny.img");
        CHECK(report.size == img.size());
        CHECK(report.compressed == compressed);
        CHECK_FALSE(report.applicationLinked);
        REQUIRE(report.config);
        CHECK(report.config->entrypoint == std::vector<std::string>{"/bin/sh", "-c"});
        REQUIRE(report.rootfs);
        CHECK(report.rootfs->entries == 10);
        CHECK(report.entries.size() == 10);

        std::string text = uk::loader::formatReport(report);
        CHECK(text.find(compressed ? "compressed:     yes" : "compressed:     no") !=
              std::string::npos);
        CHECK(text.find("  Entrypoint:   /bin/sh -c\n") != std::string::npos);
        CHECK(text.find("  Cmd:          'echo hi'\n") != std::string::npos);
        CHECK(text.find("  ExposedPort:  80/tcp\n") != std::string::npos);
        CHECK(text.find("  tag 42 (5 bytes)\n") != std::string::npos);
        CHECK(text.find("  hard links:   1") != std::string::npos);
        std::string json = uk::loader::formatReportJson(report, true);
        CHECK(json.find("\"application\": \"rootfs\"") != std::string::npos);
        CHECK(json.find("\"org.example\": \"yes\"") != std::string::npos);
        CHECK(json.find("\"target\": \"busybox\"") != std::string::npos);
    }
    CHECK(uk::loader::inspectImageBytes(tinyImage("x", false, true), "app.img").applicationLinked);
    auto none = uk::loader::inspectImageBytes(tinyImage(std::string(64, 'x'), false), "n.img");
    CHECK_FALSE(none.config);
    CHECK_FALSE(none.rootfs);
    CHECK(uk::loader::formatReportJson(none, false).find("\"rootfs\": null") != std::string::npos);
}

TEST_CASE("inspector: corrupt images are errors that name the image") {
    CHECK_THROWS_WITH_AS(uk::loader::inspectImageBytes("hello", "notes.txt"),
                         "notes.txt: not an ELF file", uk::Error);
    std::string img = tinyImage(sampleSegment(), true);
    // Flip a byte inside the DEFLATE stream (the payload table is 48 bytes).
    std::string bad = img;
    size_t streamAt = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr) + 48;
    bad[streamAt + 10] ^= 0x55;
    CHECK_THROWS_WITH_AS(uk::loader::inspectImageBytes(bad, "bad.img"),
                         doctest::Contains("bad.img: the compressed payload is corrupt"),
                         uk::Error);
    // A stream size past the payload's end.
    bad = img;
    bad[streamAt - 1] = '\x7f';
    CHECK_THROWS_WITH_AS(uk::loader::inspectImageBytes(bad, "bad.img"),
                         doctest::Contains("runs past the payload's end"), uk::Error);
    // A corrupt archive inside an uncompressed image.
    std::string seg = sampleSegment();
    seg[4096 + 112 + 6 + 8 + 3] = 'z'; // the "bin" entry's mode field (after ".", 112 bytes)
    CHECK_THROWS_WITH_AS(
        uk::loader::inspectImageBytes(tinyImage(seg, false), "bad.img"),
        doctest::Contains("bad.img: the root file system (found by its cpio header) is corrupt "
                          "at offset 126: the header's mode field is not hexadecimal"),
        uk::Error);
    // Every truncation of a compressed image is an error or a (smaller) report, never a crash.
    for (size_t n = 0; n < img.size(); n += 7) {
        try {
            uk::loader::inspectImageBytes(img.substr(0, n), "cut.img");
        } catch (const uk::Error&) {
        }
    }
}
