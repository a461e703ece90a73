// The clang and ld.lld command lines of uk build, input kinds, and depfile merging.
#include <doctest/doctest.h>

#include <uk/toolchain/command_lines.h>
#include <uk/toolchain/command_runner.h>
#include <uk/toolchain/depfile.h>
#include <uk/toolchain/input_kind.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace uk::toolchain;
using Args = std::vector<std::string>;

namespace {

// Fixed, made-up locations: command construction never touches the file system.
Toolchain fakeToolchain() {
    return Toolchain{
        .clang = "/tc/clang",
        .clangxx = "/tc/clang++",
        .lld = "/tc/ld.lld",
        .objdump = "/usr/bin/llvm-objdump",
        .strip = "/usr/bin/llvm-strip",
        .clangResourceDir = "/tc/res",
        .muslInclude = "/musl/include",
        .muslLib = "/musl/lib",
        .libcxxInclude = "/cxx/include",
        .libcxxLib = "/cxx/lib",
        .builtins = "/tc/res/builtins.a",
        .crtbegin = "/tc/res/crtbegin.o",
        .crtend = "/tc/res/crtend.o",
        .resourceDir = "/uk/lib/uk",
        .llvmMajor = "14",
    };
}

// A link command without its --undefined=uk_syscall_* flags (checked on their own).
Args withoutSyscallHandlers(const Args& cmd) {
    Args out;
    for (const auto& a : cmd) {
        if (a.rfind("--undefined=uk_syscall_", 0) != 0) {
            out.push_back(a);
        }
    }
    return out;
}

bool contains(const Args& args, const std::string& word) {
    return std::find(args.begin(), args.end(), word) != args.end();
}

// Position of `word` in `args`; args.size() if absent.
size_t indexOf(const Args& args, const std::string& word) {
    return static_cast<size_t>(std::find(args.begin(), args.end(), word) - args.begin());
}

// Whether `words` occur in `args` one right after another.
bool containsSequence(const Args& args, const Args& words) {
    return std::search(args.begin(), args.end(), words.begin(), words.end()) != args.end();
}

} // namespace

TEST_CASE("input kinds follow the file name extension") {
    CHECK(inputKindOf("a.c") == InputKind::CSource);
    for (const char* name : {"a.cc", "a.cpp", "a.cxx", "a.C", "a.c++", "dir.d/x.cpp"}) {
        CHECK_MESSAGE(inputKindOf(name) == InputKind::CxxSource, name);
    }
    CHECK(inputKindOf("lib/x.o") == InputKind::Object);
    CHECK(inputKindOf("libx.a") == InputKind::Archive);
    for (const char* name : {"a.h", "a.s", "a.txt", "Makefile", "a.CPP", "a.", ".c"}) {
        CHECK_MESSAGE(!inputKindOf(name), name);
    }
    CHECK(isSource(InputKind::CSource));
    CHECK_FALSE(isSource(InputKind::Archive));
}

TEST_CASE("compile command for C") {
    BuildOptions o;
    o.includeDirs = {"inc"};
    o.macroFlags = {"-DX=1", "-UY"};
    o.warningFlags = {"-Wall"};
    o.compileFlags = {"-fno-builtin"};
    Args cmd = compileCommand(fakeToolchain(), o,
                              {.source = "src/a.c", .kind = InputKind::CSource, .object = "a.o"});
    CHECK(cmd.front() == "/tc/clang");
    CHECK(contains(cmd, "--target=x86_64-linux-musl"));
    CHECK(containsSequence(
        cmd, {"-nostdinc", "-isystem", "/musl/include", "-isystem", "/tc/res/include"}));
    CHECK_FALSE(contains(cmd, "-nostdinc++"));
    CHECK_FALSE(contains(cmd, "/cxx/include"));
    CHECK_FALSE(contains(cmd, "-D_LIBCPP_HAS_MUSL_LIBC"));
    for (const char* flag :
         {"-O2", "-fno-omit-frame-pointer", "-gline-tables-only", "-ffunction-sections",
          "-fdata-sections", "-Iinc", "-DX=1", "-UY", "-Wall", "-fno-builtin"}) {
        CHECK_MESSAGE(contains(cmd, flag), flag);
    }
    CHECK(indexOf(cmd, "-DX=1") < indexOf(cmd, "-UY"));
    CHECK(std::none_of(cmd.begin(), cmd.end(), [](auto& a) { return a.starts_with("-std="); }));
    CHECK(containsSequence(cmd, {"-c", "-x", "c", "src/a.c", "-o", "a.o"}));
    CHECK_FALSE(contains(cmd, "-MD"));
    CHECK_FALSE(contains(cmd, "-fcolor-diagnostics"));
}

TEST_CASE("compile command for C++") {
    BuildOptions o;
    Args cmd = compileCommand(fakeToolchain(), o,
                              {.source = "a.C", .kind = InputKind::CxxSource, .object = "a.o"});
    CHECK(cmd.front() == "/tc/clang++");
    // uk's ctype wrapper first, then libc++, then musl, then clang's own headers.
    CHECK(containsSequence(cmd, {"-nostdinc", "-nostdinc++", "-D_LIBCPP_HAS_MUSL_LIBC", "-isystem",
                                 "/uk/lib/uk/include/c++compat", "-isystem", "/cxx/include",
                                 "-isystem", "/musl/include", "-isystem", "/tc/res/include"}));
    CHECK(contains(cmd, "-std=c++20"));
    CHECK(containsSequence(cmd, {"-c", "-x", "c++", "a.C"}));

    o.cxxStandard = "gnu++17";
    o.cStandard = "c99";
    cmd = compileCommand(fakeToolchain(), o,
                         {.source = "a.cc", .kind = InputKind::CxxSource, .object = "a.o"});
    CHECK(contains(cmd, "-std=gnu++17"));
    CHECK_FALSE(contains(cmd, "-std=c99"));
    CHECK_FALSE(contains(cmd, "-std=c++20"));
    cmd = compileCommand(fakeToolchain(), o,
                         {.source = "b.c", .kind = InputKind::CSource, .object = "b.o"});
    CHECK(contains(cmd, "-std=c99"));
}

TEST_CASE("compile command: -g, -O, depfiles and colors") {
    BuildOptions o;
    o.debugInfo = true;
    o.optimization = "-Os";
    Args cmd = compileCommand(fakeToolchain(), o,
                              {.source = "a.c",
                               .kind = InputKind::CSource,
                               .object = "a.o",
                               .depfile = "a.d",
                               .colorDiagnostics = true});
    CHECK(contains(cmd, "-g"));
    CHECK_FALSE(contains(cmd, "-gline-tables-only"));
    CHECK(contains(cmd, "-Os"));
    CHECK_FALSE(contains(cmd, "-O2"));
    CHECK(containsSequence(cmd, {"-MD", "-MT", kDepfileTarget, "-MF", "a.d"}));
    CHECK(contains(cmd, "-fcolor-diagnostics"));
}

TEST_CASE("link command for a C image leaves the C++ runtime out") {
    BuildOptions o;
    o.libraryDirs = {"mylibs"};
    o.libraries = {"z"};
    o.linkFlags = {"-Map=x.map"};
    Args cmd = withoutSyscallHandlers(linkCommand(fakeToolchain(), o,
                                                  {.inputs = {"/tmp/0-a.o", "prebuilt.a"},
                                                   .configObject = "/tmp/uk-config.o",
                                                   .output = "out/.x.img.tmp"}));
    Args expected = {"/tc/ld.lld",
                     "-static",
                     "--gc-sections",
                     "--eh-frame-hdr",
                     "-z",
                     "noexecstack",
                     "-z",
                     "max-page-size=16",
                     "-T",
                     "/uk/lib/uk/uk.ld",
                     "-Lmylibs",
                     "-L/musl/lib",
                     "-Map=x.map",
                     "-o",
                     "out/.x.img.tmp",
                     "/musl/lib/crt1.o",
                     "/musl/lib/crti.o",
                     "/tmp/0-a.o",
                     "prebuilt.a",
                     "-lz",
                     "/musl/lib/libc.a",
                     "/tc/res/builtins.a",
                     "/musl/lib/crtn.o",
                     "/uk/lib/uk/uk-libos.o",
                     "/tmp/uk-config.o"};
    CHECK(cmd == expected);
}

TEST_CASE("link command for a C++ image") {
    BuildOptions o;
    o.strip = true;
    Args cmd = linkCommand(fakeToolchain(), o,
                           {.inputs = {"/tmp/0-a.o"},
                            .configObject = "/tmp/uk-config.o",
                            .output = "x.img",
                            .cxx = true});
    CHECK_FALSE(contains(cmd, "--strip-all")); // stripped after the system call scan
    CHECK(stripCommand(fakeToolchain(), "x.img") ==
          Args{"/usr/bin/llvm-strip", "--strip-all", "x.img"});
    CHECK(containsSequence(cmd, {"/musl/lib/crt1.o", "/musl/lib/crti.o", "/tc/res/crtbegin.o",
                                 "/tmp/0-a.o", "/uk/lib/uk/libc++-uk.a", "/cxx/lib/libc++abi.a",
                                 "/cxx/lib/libunwind.a", "/uk/lib/uk/libukrt.a", "/musl/lib/libc.a",
                                 "/tc/res/builtins.a", "/tc/res/crtend.o", "/musl/lib/crtn.o",
                                 "/uk/lib/uk/uk-libos.o"}));
    CHECK_FALSE(contains(cmd, "/cxx/lib/libc++.a")); // Debian's, unadapted
}

TEST_CASE("link command: the system call handlers the image gets") {
    BuildOptions o;
    LinkStep all{.inputs = {"/tmp/0-a.o"}, .configObject = "/tmp/c.o", .output = "x.img"};
    Args cmd = linkCommand(fakeToolchain(), o, all);
    // Every handler uk has, asked for by name: they are kept only when named.
    CHECK(contains(cmd, "--undefined=uk_syscall_write"));
    CHECK(contains(cmd, "--undefined=uk_syscall_execve"));
    CHECK_FALSE(contains(cmd, "--undefined=uk_syscall_kexec_load")); // uk has none
    LinkStep some = all;
    some.syscalls = std::vector<std::string>{"write", "exit_group"};
    cmd = linkCommand(fakeToolchain(), o, some);
    CHECK(contains(cmd, "--undefined=uk_syscall_write"));
    CHECK(contains(cmd, "--undefined=uk_syscall_exit_group"));
    CHECK_FALSE(contains(cmd, "--undefined=uk_syscall_execve"));
}

TEST_CASE("the C++ runtime is linked when any source is C++") {
    BuildOptions o;
    o.inputs = {"a.c", "b.o", "c.a"};
    CHECK_FALSE(needsCxxRuntime(o));
    o.inputs.push_back("d.cpp");
    CHECK(needsCxxRuntime(o));
    o.inputs = {"b.o"};
    o.cxxRuntime = true;
    CHECK(needsCxxRuntime(o));
}

TEST_CASE("depfiles: escaping and merging") {
    CHECK(escapeForMake("a b#c$d") == "a\\ b\\#c$$d");
    std::string merged = mergeDepfiles("out/x.img",
                                       {std::string(kDepfileTarget) + ": /src/a.c \\\n  /inc/a.h\n",
                                        std::string(kDepfileTarget) + ": /src/b.c\n"},
                                       {"lib/pre built.a"});
    CHECK(merged ==
          "out/x.img: \\\n  /src/a.c \\\n  /inc/a.h \\\n  /src/b.c \\\n  lib/pre\\ built.a\n");
    CHECK_THROWS_AS(mergeDepfiles("x", {"other: a.c\n"}, {}), uk::Error);
}

TEST_CASE("commands run, in parallel too, and the first failure is reported") {
    RunSettings settings;
    settings.jobs = 2;
    CHECK_FALSE(runCommands({{"true"}, {"true"}, {"true"}}, settings));

    settings.jobs = 1;
    auto failure = runCommands({{"true"}, {"sh", "-c", "exit 3"}, {"true"}}, settings);
    REQUIRE(failure);
    CHECK(failure->index == 1);
    CHECK(failure->exit.code == 3);

    settings.cancelled = [] { return true; };
    CHECK_FALSE(runCommands({{"sh", "-c", "exit 1"}}, settings)); // never started
    CHECK_THROWS_AS(runCommands({{"/nonexistent/uk-test-tool"}}, RunSettings{}), uk::Error);
}
