// `uk pack` end to end, without booting: the image holds the tree's archive and the
// configuration, and nothing is written when something is wrong.
#include <doctest/doctest.h>

#include "error_capture.h"

#include <uk/image_format.h>
#include <uk/support/error.h>
#include <uk/support/fs.h>
#include <uk/toolchain/byte_sink.h>
#include <uk/toolchain/commands.h>
#include <uk/toolchain/cpio_writer.h>
#include <uk/toolchain/pack_driver.h>
#include <uk/toolchain/tree_packer.h>

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

using namespace uk::toolchain;
namespace stdfs = std::filesystem;

using uk::test::errorOf;

namespace {

const stdfs::path kResourceDir = stdfs::path(UK_TEST_BUILD_DIR) / "lib" / "uk";

std::string staticElf() {
    Elf64_Ehdr ehdr{};
    std::memcpy(ehdr.e_ident, ELFMAG, SELFMAG);
    ehdr.e_ident[EI_CLASS] = ELFCLASS64;
    ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
    ehdr.e_ident[EI_VERSION] = EV_CURRENT;
    ehdr.e_type = ET_EXEC;
    ehdr.e_machine = EM_X86_64;
    ehdr.e_ehsize = sizeof ehdr;
    return std::string(reinterpret_cast<const char*>(&ehdr), sizeof ehdr);
}

void makeTree(const stdfs::path& root) {
    stdfs::create_directories(root / "bin");
    stdfs::create_directories(root / "srv");
    uk::fs::writeFileAtomic(root / "bin" / "app", staticElf(), /*executable=*/true);
    stdfs::create_symlink("app", root / "bin" / "sh");
    uk::fs::writeFileAtomic(root / "srv" / "index.html", "<p>hi</p>\n");
}

// The bytes of the image between the symbols __uk_<name>_start and __uk_<name>_end.
std::string symbolRange(const std::string& image, const std::string& name) {
    auto at = [&](auto& value, uint64_t offset) {
        REQUIRE(offset + sizeof value <= image.size());
        std::memcpy(&value, image.data() + offset, sizeof value);
    };
    Elf64_Ehdr ehdr;
    at(ehdr, 0);
    std::vector<Elf64_Shdr> sections(ehdr.e_shnum);
    for (size_t i = 0; i < sections.size(); ++i) {
        at(sections[i], ehdr.e_shoff + i * sizeof(Elf64_Shdr));
    }
    std::map<std::string, uint64_t> symbols;
    for (const auto& s : sections) {
        if (s.sh_type != SHT_SYMTAB) {
            continue;
        }
        const Elf64_Shdr& strings = sections.at(s.sh_link);
        for (uint64_t off = s.sh_offset; off < s.sh_offset + s.sh_size; off += sizeof(Elf64_Sym)) {
            Elf64_Sym sym;
            at(sym, off);
            symbols[image.c_str() + strings.sh_offset + sym.st_name] = sym.st_value;
        }
    }
    const uint64_t start = symbols.at("__uk_" + name + "_start");
    const uint64_t end = symbols.at("__uk_" + name + "_end");
    for (const auto& s : sections) {
        if (s.sh_type != SHT_NOBITS && s.sh_addr <= start && end <= s.sh_addr + s.sh_size) {
            return image.substr(s.sh_offset + (start - s.sh_addr), end - start);
        }
    }
    FAIL("no section holds __uk_" << name << "_start");
    return "";
}

size_t filesIn(const stdfs::path& dir) {
    size_t n = 0;
    for ([[maybe_unused]] const auto& entry : stdfs::directory_iterator(dir)) {
        ++n;
    }
    return n;
}

struct Captured {
    int status;
    std::string err;
};

// Runs packCommand with stderr in a file, to check what it prints.
Captured runPackCommand(const std::vector<std::string>& args) {
    uk::fs::TempDir temp("uk-test");
    const stdfs::path errPath = temp.path() / "stderr";
    std::fflush(stderr);
    int saved = ::dup(STDERR_FILENO);
    int file = ::open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(saved >= 0);
    REQUIRE(file >= 0);
    ::dup2(file, STDERR_FILENO);
    ::close(file);
    int status = packCommand(args);
    std::fflush(stderr);
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
    return {status, uk::fs::readFile(errPath)};
}

} // namespace

TEST_CASE("pack driver: the image embeds the tree and the configuration") {
    if (!stdfs::exists(kResourceDir / "uk-libos.o")) {
        MESSAGE("skipped: the library OS is not built");
        return;
    }
    uk::fs::TempDir temp("uk-test");
    const stdfs::path root = temp.path() / "root";
    makeTree(root);
    PackOptions o;
    o.dir = root;
    o.output = temp.path() / "app.img";
    o.image = {
        .entrypoint = {"/bin/sh"}, .cmd = {"-c", "echo hi"}, .env = {"A=1"}, .workingDir = "/srv"};
    PackDriver driver(Toolchain::configured(kResourceDir), o);
    std::vector<PackProgress> progress;
    driver.setProgress([&](const PackProgress& p) { progress.push_back(p); });
    driver.run();
    CHECK(driver.stats().files == 2);
    REQUIRE(!progress.empty());
    CHECK(progress.back().phase == PackProgress::Phase::Linking);

    const std::string image = uk::fs::readFile(o.output);
    StringSink expected;
    TreePacker(root).write(expected);
    CHECK(symbolRange(image, "initrd") == expected.str());

    const std::string config = symbolRange(image, "config");
    uk::image::ConfigReader reader(config.data(), config.size());
    REQUIRE(reader.valid());
    std::vector<std::pair<uk::image::ConfigTag, std::string>> records;
    reader.forEach([&](const uk::image::ConfigReader::Record& r) {
        records.emplace_back(r.tag, std::string(r.data, r.length));
    });
    using Tag = uk::image::ConfigTag;
    CHECK(records == std::vector<std::pair<Tag, std::string>>{{Tag::Entrypoint, "/bin/sh"},
                                                              {Tag::Cmd, "-c"},
                                                              {Tag::Cmd, "echo hi"},
                                                              {Tag::Env, "A=1"},
                                                              {Tag::WorkingDir, "/srv"}});
    // Only the image and the tree: no temporary files left next to it.
    CHECK(filesIn(temp.path()) == 2);
}

TEST_CASE("pack driver: an image written into the tree leaves itself out") {
    if (!stdfs::exists(kResourceDir / "uk-libos.o")) {
        MESSAGE("skipped: the library OS is not built");
        return;
    }
    uk::fs::TempDir temp("uk-test");
    makeTree(temp.path());
    PackOptions o{.dir = temp.path(), .output = temp.path() / "app.img"};
    o.image.entrypoint = {"/bin/app"};
    PackDriver(Toolchain::configured(kResourceDir), o).run();
    PackDriver(Toolchain::configured(kResourceDir), o).run(); // now replacing the old one
    // The image is there now; the archive inside it must be the tree without it (the same
    // size: only the root directory's mtime changed when the image was renamed into place).
    struct stat st;
    REQUIRE(::stat(o.output.c_str(), &st) == 0);
    StringSink expected;
    TreePacker(temp.path(), TreePacker::Options{.exclude = {{st.st_dev, st.st_ino}}})
        .write(expected);
    const std::string archive = symbolRange(uk::fs::readFile(o.output), "initrd");
    CHECK(archive.find("app.img") == std::string::npos);
    CHECK(archive.size() == expected.str().size());
}

TEST_CASE("pack driver: bad inputs fail before anything is written") {
    uk::fs::TempDir temp("uk-test");
    const stdfs::path root = temp.path() / "root";
    makeTree(root);
    PackOptions o;
    o.dir = root;
    o.output = temp.path() / "app.img";
    o.image.entrypoint = {"/bin/app"};
    o.image.workingDir = "/";
    auto errorWith = [&](PackOptions options, Toolchain t = Toolchain::configured(kResourceDir)) {
        return errorOf([&] { PackDriver(t, options).run(); });
    };

    PackOptions missingDir = o;
    missingDir.dir = temp.path() / "nope";
    CHECK(errorWith(missingDir) == (temp.path() / "nope").string() + ": no such directory");

    PackOptions missingProgram = o;
    missingProgram.image.entrypoint = {"/bin/nope"};
    CHECK(errorWith(missingProgram) == "program /bin/nope: not found in " + root.string());

    PackOptions badWorkdir = o;
    badWorkdir.image.workingDir = "/bin/app";
    CHECK(errorWith(badWorkdir) ==
          "working directory /bin/app: not a directory in " + root.string());

    PackOptions toDirectory = o;
    toDirectory.output = root;
    CHECK(errorWith(toDirectory) == root.string() + ": Is a directory");

    Toolchain broken = Toolchain::configured(temp.path() / "resources");
    broken.lld = temp.path() / "no-lld";
    CHECK(errorWith(o, broken).find("no-lld not found (Debian package: lld)") != std::string::npos);

    // The tree is untouched and no image or temporary file appeared.
    CHECK(filesIn(temp.path()) == 1);
}

TEST_CASE("pack driver: a failing link leaves the old image as it was") {
    uk::fs::TempDir temp("uk-test");
    makeTree(temp.path() / "root");
    // A "linker" that fails, and resources that exist but are not objects.
    stdfs::create_directories(temp.path() / "res");
    uk::fs::writeFileAtomic(temp.path() / "res" / "uk-libos.o", "");
    uk::fs::writeFileAtomic(temp.path() / "res" / "uk.ld", "");
    uk::fs::writeFileAtomic(temp.path() / "fail", "#!/bin/sh\nexit 3\n", /*executable=*/true);
    Toolchain t = Toolchain::configured(temp.path() / "res");
    t.lld = temp.path() / "fail";
    uk::fs::writeFileAtomic(temp.path() / "app.img", "old");
    PackOptions o{.dir = temp.path() / "root", .output = temp.path() / "app.img"};
    o.image.entrypoint = {"/bin/app"};
    CHECK(errorOf([&] { PackDriver(t, o).run(); }) == "fail failed with exit status 3");
    CHECK(uk::fs::readFile(temp.path() / "app.img") == "old");
    CHECK(filesIn(temp.path()) == 4); // root, res, fail, app.img
}

TEST_CASE("uk pack: exit statuses and error format") {
    uk::fs::TempDir temp("uk-test");
    Captured usage = runPackCommand({"dir", "-o", "x.img"});
    CHECK(usage.status == 2);
    CHECK(usage.err.starts_with("uk pack: error: no program given"));
    CHECK(usage.err.find("see 'uk pack --help'") != std::string::npos);

    Captured missing = runPackCommand(
        {(temp.path() / "nope").string(), "-o", (temp.path() / "x.img").string(), "--", "/bin/sh"});
    CHECK(missing.status == 1);
    CHECK(missing.err ==
          "uk pack: error: " + (temp.path() / "nope").string() + ": no such directory\n");
    CHECK(filesIn(temp.path()) == 0);
}
