// What `uk pack` checks before packing: the program and the working directory, looked up
// inside the tree the way the guest will look them up.
#include <doctest/doctest.h>

#include "error_capture.h"

#include <uk/support/error.h>
#include <uk/support/fs.h>
#include <uk/toolchain/program_check.h>
#include <uk/toolchain/tree_paths.h>

#include <elf.h>

#include <cstring>
#include <filesystem>
#include <string>

using namespace uk::toolchain;
namespace stdfs = std::filesystem;

using uk::test::errorOf;

namespace {

struct ElfShape {
    uint16_t type = ET_EXEC;
    uint16_t machine = EM_X86_64;
    unsigned char elfClass = ELFCLASS64;
    std::string interp; // PT_INTERP, if not empty
};

// Just enough of an ELF file for the checks: the header and the program headers.
std::string makeElf(const ElfShape& shape) {
    Elf64_Ehdr ehdr{};
    std::memcpy(ehdr.e_ident, ELFMAG, SELFMAG);
    ehdr.e_ident[EI_CLASS] = shape.elfClass;
    ehdr.e_ident[EI_DATA] = ELFDATA2LSB;
    ehdr.e_ident[EI_VERSION] = EV_CURRENT;
    ehdr.e_type = shape.type;
    ehdr.e_machine = shape.machine;
    ehdr.e_version = EV_CURRENT;
    ehdr.e_phoff = sizeof ehdr;
    ehdr.e_ehsize = sizeof ehdr;
    ehdr.e_phentsize = sizeof(Elf64_Phdr);
    ehdr.e_phnum = shape.interp.empty() ? 1 : 2;
    std::string file(reinterpret_cast<const char*>(&ehdr), sizeof ehdr);
    Elf64_Phdr load{};
    load.p_type = PT_LOAD;
    file.append(reinterpret_cast<const char*>(&load), sizeof load);
    if (!shape.interp.empty()) {
        Elf64_Phdr interp{};
        interp.p_type = PT_INTERP;
        interp.p_offset = sizeof ehdr + 2 * sizeof(Elf64_Phdr);
        interp.p_filesz = shape.interp.size() + 1;
        file.append(reinterpret_cast<const char*>(&interp), sizeof interp);
        file.append(shape.interp);
        file.push_back('\0');
    }
    return file;
}

void put(const stdfs::path& path, const std::string& contents, unsigned mode = 0755) {
    stdfs::create_directories(path.parent_path());
    uk::fs::writeFileAtomic(path, contents);
    stdfs::permissions(path, static_cast<stdfs::perms>(mode));
}

// A merged-/usr tree like Debian's: /bin and /lib64 are symlinks into /usr.
struct Tree {
    uk::fs::TempDir temp{"uk-test"};
    stdfs::path root = temp.path() / "root";

    Tree() {
        stdfs::create_directories(root / "usr" / "bin");
        stdfs::create_directories(root / "usr" / "lib64");
        stdfs::create_directories(root / "srv" / "www");
        stdfs::create_symlink("usr/bin", root / "bin");
        stdfs::create_symlink("/usr/lib64", root / "lib64"); // absolute: inside the tree
        put(root / "usr" / "bin" / "busybox", makeElf({}));
        stdfs::create_symlink("busybox", root / "usr" / "bin" / "sh");
        put(root / "usr" / "bin" / "pie", makeElf({.type = ET_DYN}));
        put(root / "usr" / "bin" / "dynamic",
            makeElf({.type = ET_DYN, .interp = "/lib64/ld-linux-x86-64.so.2"}));
        put(root / "usr" / "lib64" / "ld-linux-x86-64.so.2", makeElf({.type = ET_DYN}));
    }
    std::string check(const std::string& program) const {
        return errorOf([&] { checkProgram(root, program); });
    }
};

} // namespace

TEST_CASE("tree paths: symlinks resolve inside the tree") {
    Tree t;
    CHECK(resolveInTree(t.root, "/") == "");
    CHECK(resolveInTree(t.root, "/bin/sh") == "usr/bin/busybox");
    CHECK(resolveInTree(t.root, "//usr/./bin/../bin/sh") == "usr/bin/busybox");
    CHECK(resolveInTree(t.root, "/lib64/ld-linux-x86-64.so.2") == "usr/lib64/ld-linux-x86-64.so.2");
    // ".." stops at the tree's root, as at a chroot's.
    CHECK(resolveInTree(t.root, "/../../usr/bin/busybox") == "usr/bin/busybox");
    stdfs::create_symlink("../../../../../usr/bin/busybox", t.root / "usr" / "bin" / "escape");
    CHECK(resolveInTree(t.root, "/bin/escape") == "usr/bin/busybox");
    // A host path in a symlink means a path inside the tree.
    stdfs::create_symlink("/etc/passwd", t.root / "passwd");
    CHECK(errorOf([&] { resolveInTree(t.root, "/passwd"); }) ==
          "/passwd: not found in " + t.root.string() + " (/etc is missing)");

    stdfs::create_symlink("loop2", t.root / "loop1");
    stdfs::create_symlink("loop1", t.root / "loop2");
    CHECK(errorOf([&] { resolveInTree(t.root, "/loop1"); }) ==
          "/loop1: too many levels of symbolic links in " + t.root.string());
    CHECK(errorOf([&] { resolveInTree(t.root, "/bin/busybox/x"); }) ==
          "/bin/busybox/x: /usr/bin/busybox is not a directory in " + t.root.string());
}

TEST_CASE("program check: x86_64 executables, static, PIE and dynamic, pass") {
    Tree t;
    CHECK_NOTHROW(checkProgram(t.root, "/usr/bin/busybox"));
    CHECK_NOTHROW(checkProgram(t.root, "/bin/sh"));
    CHECK_NOTHROW(checkProgram(t.root, "/bin/pie"));
    CHECK_NOTHROW(checkProgram(t.root, "/usr/bin/dynamic"));
}

TEST_CASE("program check: each problem has its own message") {
    Tree t;
    const std::string in = " in " + t.root.string();
    CHECK(t.check("/bin/nope") ==
          "program /bin/nope: not found in " + t.root.string() + " (/usr/bin/nope is missing)");
    CHECK(t.check("/nope") == "program /nope: not found in " + t.root.string());
    CHECK(t.check("/usr/bin") == "program /usr/bin: is a directory" + in);

    put(t.root / "data", makeElf({}), 0644);
    CHECK(t.check("/data") ==
          "program /data: not executable (mode 0644: chmod +x " + (t.root / "data").string() + ")");

    put(t.root / "script", "#!/bin/sh\necho hi\n");
    CHECK(t.check("/script") == "program /script: a script (#!/bin/sh); uk pack starts ELF "
                                "executables: name the interpreter, e.g. -- /bin/sh /script "
                                "ARGS...");

    put(t.root / "text", "hello, world\n");
    CHECK(t.check("/text") == "program /text: not an ELF executable");
    put(t.root / "empty", "");
    CHECK(t.check("/empty") == "program /empty: not an ELF executable");

    put(t.root / "i386", makeElf({.elfClass = ELFCLASS32}));
    CHECK(t.check("/i386") == "program /i386: a 32-bit ELF file; uk runs x86_64 (64-bit) programs");
    put(t.root / "arm", makeElf({.machine = EM_AARCH64}));
    CHECK(t.check("/arm") == "program /arm: built for aarch64; uk runs x86_64 programs");
    put(t.root / "object.o", makeElf({.type = ET_REL}));
    CHECK(t.check("/object.o") == "program /object.o: an object file (.o), not an executable");
    put(t.root / "core", makeElf({.type = ET_CORE}));
    CHECK(t.check("/core") == "program /core: not an executable (ELF type 4)");
    put(t.root / "short", makeElf({}).substr(0, 40));
    CHECK(t.check("/short") == "program /short: truncated ELF file");

    put(t.root / "needs-loader", makeElf({.type = ET_DYN, .interp = "/lib/ld-musl-x86_64.so.1"}));
    CHECK(t.check("/needs-loader") ==
          "program /needs-loader needs the dynamic loader /lib/ld-musl-x86_64.so.1, which is not" +
              in + " (copy it there, with the libraries `ldd` lists)");
}

TEST_CASE("working directory check") {
    Tree t;
    CHECK_NOTHROW(checkWorkingDir(t.root, "/"));
    CHECK_NOTHROW(checkWorkingDir(t.root, "/srv/www"));
    CHECK_NOTHROW(checkWorkingDir(t.root, "/bin")); // a symlink to a directory
    CHECK(errorOf([&] { checkWorkingDir(t.root, "/home"); }) ==
          "working directory /home: not found in " + t.root.string());
    CHECK(errorOf([&] { checkWorkingDir(t.root, "/bin/sh"); }) ==
          "working directory /bin/sh: not a directory in " + t.root.string());
}
