// The .uk.config blob `uk build` embeds: written by ImageConfigWriter, read back by the
// library OS's ConfigReader, and wrapped in an ELF object the linker accepts.
#include <doctest/doctest.h>

#include <uk/image_format.h>
#include <uk/support/error.h>
#include <uk/toolchain/elf_object.h>
#include <uk/toolchain/image_config.h>

#include <elf.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

using uk::image::ConfigReader;
using uk::image::ConfigTag;
using uk::toolchain::ImageConfig;
using uk::toolchain::ImageConfigWriter;

namespace {

std::vector<std::pair<ConfigTag, std::string>> readBack(const std::string& blob) {
    ConfigReader reader(blob.data(), blob.size());
    REQUIRE(reader.valid());
    std::vector<std::pair<ConfigTag, std::string>> records;
    reader.forEach([&](const ConfigReader::Record& r) {
        records.emplace_back(r.tag, std::string(r.data, r.length));
    });
    CHECK(records.size() == reader.count());
    return records;
}

template <typename T>
T readAt(const std::string& bytes, size_t offset) {
    REQUIRE(offset + sizeof(T) <= bytes.size());
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof value);
    return value;
}

} // namespace

TEST_CASE("image config: what uk build writes reads back in order") {
    ImageConfig config;
    config.entrypoint = {"hello"};
    config.cmd = {"--port", "8080", ""};
    config.env = {"A=1", "PATH=/bin"};
    config.workingDir = "/srv";
    std::string blob = ImageConfigWriter::encode(config);
    CHECK(blob.size() % 8 == 0);

    using Records = std::vector<std::pair<ConfigTag, std::string>>;
    CHECK(readBack(blob) == Records{{ConfigTag::Entrypoint, "hello"},
                                    {ConfigTag::Cmd, "--port"},
                                    {ConfigTag::Cmd, "8080"},
                                    {ConfigTag::Cmd, ""},
                                    {ConfigTag::Env, "A=1"},
                                    {ConfigTag::Env, "PATH=/bin"},
                                    {ConfigTag::WorkingDir, "/srv"}});

    auto header = readAt<uk::image::ConfigHeader>(blob, 0);
    CHECK(std::memcmp(header.magic, "UKCONFIG", 8) == 0);
    CHECK(header.version == uk::image::kConfigVersion);
    CHECK(header.count == 7);
    CHECK(header.size == blob.size());
}

TEST_CASE("image config: user, groups and the informational records follow in tag order") {
    ImageConfig config;
    config.entrypoint = {"/bin/sh"};
    config.workingDir = "/srv";
    config.user = "1000:1000";
    config.groups = {"27", "100"};
    config.exposedPorts = {"80/tcp", "53/udp"};
    config.volumes = {"/data"};
    config.labels = {"maintainer=uk", "empty="};
    std::string blob = ImageConfigWriter::encode(config);

    using Records = std::vector<std::pair<ConfigTag, std::string>>;
    CHECK(readBack(blob) == Records{{ConfigTag::Entrypoint, "/bin/sh"},
                                    {ConfigTag::WorkingDir, "/srv"},
                                    {ConfigTag::User, "1000:1000"},
                                    {ConfigTag::Group, "27"},
                                    {ConfigTag::Group, "100"},
                                    {ConfigTag::ExposedPort, "80/tcp"},
                                    {ConfigTag::ExposedPort, "53/udp"},
                                    {ConfigTag::Volume, "/data"},
                                    {ConfigTag::Label, "maintainer=uk"},
                                    {ConfigTag::Label, "empty="}});
    CHECK(static_cast<uint32_t>(ConfigTag::User) == 5);
    CHECK(static_cast<uint32_t>(ConfigTag::Label) == 9);

    // An empty user writes no User record, even with groups.
    config.user.clear();
    Records records = readBack(ImageConfigWriter::encode(config));
    CHECK(records.size() == 9);
    CHECK(records[2] == std::pair{ConfigTag::Group, std::string("27")});
}

TEST_CASE("image config: the image uk build makes has only an entrypoint") {
    ImageConfig config;
    config.entrypoint = {"hello"};
    std::string blob = ImageConfigWriter::encode(config);
    CHECK(blob.size() == sizeof(uk::image::ConfigHeader) + sizeof(uk::image::RecordHeader) + 8);
    CHECK(readBack(blob).size() == 1);
    CHECK(readBack(ImageConfigWriter::encode(ImageConfig{})).empty());
}

TEST_CASE("image config: payloads keep embedded NULs and are padded to 8 bytes") {
    std::string payload("a\0b", 3);
    std::string blob = ImageConfigWriter().add(ConfigTag::Env, payload).finish();
    CHECK(blob.size() == 24 + 8 + 8);
    CHECK(readBack(blob).front().second == payload);
    CHECK(blob.substr(24 + 8 + 3) == std::string(5, '\0'));
}

TEST_CASE("image config: truncated and corrupt blobs are rejected") {
    ImageConfig config;
    config.entrypoint = {"hello"};
    config.env = {"GREETING=hi"};
    const std::string blob = ImageConfigWriter::encode(config);

    SUBCASE("every truncation") {
        for (size_t n = 0; n < blob.size(); ++n) {
            CHECK_MESSAGE(!ConfigReader(blob.data(), n).valid(), "length ", n);
        }
    }
    SUBCASE("bad magic") {
        std::string bad = blob;
        bad[0] = 'X';
        CHECK_FALSE(ConfigReader(bad.data(), bad.size()).valid());
    }
    SUBCASE("unknown version") {
        std::string bad = blob;
        bad[8] = 2;
        CHECK_FALSE(ConfigReader(bad.data(), bad.size()).valid());
    }
    SUBCASE("a record longer than the blob") {
        std::string bad = blob;
        uint32_t huge = 0xfffffff0;
        std::memcpy(bad.data() + 24 + 4, &huge, sizeof huge);
        CHECK_FALSE(ConfigReader(bad.data(), bad.size()).valid());
    }
    SUBCASE("more records than present") {
        std::string bad = blob;
        bad[12] = 3;
        CHECK_FALSE(ConfigReader(bad.data(), bad.size()).valid());
    }
    SUBCASE("a size beyond the data") {
        std::string bad = blob;
        bad[16] = static_cast<char>(bad[16] + 8);
        CHECK_FALSE(ConfigReader(bad.data(), bad.size()).valid());
    }
    SUBCASE("no blob") {
        CHECK_FALSE(ConfigReader(nullptr, 100).valid());
        CHECK(ConfigReader(nullptr, 100).count() == 0);
    }
}

TEST_CASE("image config: the ELF object holds the blob in an allocated read-only section") {
    ImageConfig config;
    config.entrypoint = {"hello"};
    const std::string blob = ImageConfigWriter::encode(config);
    const std::string object = uk::toolchain::makeDataObject(uk::image::kConfigSection, blob);

    auto ehdr = readAt<Elf64_Ehdr>(object, 0);
    CHECK(std::memcmp(ehdr.e_ident, ELFMAG, SELFMAG) == 0);
    CHECK(ehdr.e_ident[EI_CLASS] == ELFCLASS64);
    CHECK(ehdr.e_ident[EI_DATA] == ELFDATA2LSB);
    CHECK(ehdr.e_type == ET_REL);
    CHECK(ehdr.e_machine == EM_X86_64);
    REQUIRE(ehdr.e_shentsize == sizeof(Elf64_Shdr));
    REQUIRE(ehdr.e_shoff + ehdr.e_shnum * sizeof(Elf64_Shdr) <= object.size());

    auto section = [&](size_t i) {
        return readAt<Elf64_Shdr>(object, ehdr.e_shoff + i * sizeof(Elf64_Shdr));
    };
    auto names = section(ehdr.e_shstrndx);
    REQUIRE(names.sh_type == SHT_STRTAB);
    auto nameOf = [&](const Elf64_Shdr& s) {
        return std::string(object.c_str() + names.sh_offset + s.sh_name);
    };

    int configSections = 0;
    bool noteStack = false;
    bool symtab = false;
    for (size_t i = 0; i < ehdr.e_shnum; ++i) {
        auto s = section(i);
        REQUIRE(s.sh_offset + (s.sh_type == SHT_NOBITS ? 0 : s.sh_size) <= object.size());
        if (nameOf(s) == ".uk.config") {
            ++configSections;
            CHECK(s.sh_type == SHT_PROGBITS);
            CHECK(s.sh_flags == SHF_ALLOC); // allocated, neither writable nor executable
            CHECK(s.sh_addralign == 8);
            CHECK(s.sh_offset % 8 == 0);
            CHECK(object.substr(s.sh_offset, s.sh_size) == blob);
            ConfigReader reader(object.data() + s.sh_offset, s.sh_size);
            CHECK(reader.valid());
            CHECK(reader.count() == 1);
        } else if (nameOf(s) == ".note.GNU-stack") {
            noteStack = true;
            CHECK(s.sh_flags == 0); // no SHF_EXECINSTR: no executable stack
        } else if (s.sh_type == SHT_SYMTAB) {
            symtab = true;
            CHECK(s.sh_entsize == sizeof(Elf64_Sym));
            CHECK(section(s.sh_link).sh_type == SHT_STRTAB);
        }
    }
    CHECK(configSections == 1);
    CHECK(noteStack);
    CHECK(symtab);
}

TEST_CASE("image config: section alignment must be a power of two") {
    CHECK_THROWS_AS(uk::toolchain::makeDataObject(".x", "data", 3), uk::Error);
    CHECK_NOTHROW(uk::toolchain::makeDataObject(".x", "", 1));
}
