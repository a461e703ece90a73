// uk build's command line: both flag forms, defaults, and the mistakes it rejects.
#include <doctest/doctest.h>

#include <uk/toolchain/build_options.h>

#include <string>
#include <vector>

using uk::toolchain::BuildOptions;
using uk::toolchain::parseBuildArguments;
using uk::toolchain::UsageError;

namespace {

BuildOptions parse(const std::vector<std::string>& args) {
    auto parsed = parseBuildArguments(args);
    REQUIRE_FALSE(parsed.helpRequested);
    return parsed.options;
}

std::string usageErrorOf(const std::vector<std::string>& args) {
    try {
        parseBuildArguments(args);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST_CASE("uk build: defaults") {
    BuildOptions o = parse({"hello.cpp", "-o", "out/hello.img"});
    CHECK(o.inputs == std::vector<std::filesystem::path>{"hello.cpp"});
    CHECK(o.output == "out/hello.img");
    CHECK(o.optimization == "-O2");
    CHECK_FALSE(o.cStandard);
    CHECK_FALSE(o.cxxStandard);
    CHECK_FALSE(o.debugInfo);
    CHECK_FALSE(o.strip);
    CHECK_FALSE(o.verbose);
    CHECK(o.jobs == 0);
    CHECK(o.image.entrypoint == std::vector<std::string>{"hello"});
    CHECK(o.image.cmd.empty());
    CHECK(o.image.env.empty());
}

TEST_CASE("uk build: joined and separate option values mean the same") {
    BuildOptions joined = parse({"a.c", "-oimg", "-Iinc", "-DX=1", "-UY", "-Llib", "-lm", "-j3"});
    BuildOptions separate = parse({"a.c", "-o", "img", "-I", "inc", "-D", "X=1", "-U", "Y", "-L",
                                   "lib", "-l", "m", "-j", "3"});
    for (const BuildOptions* o : {&joined, &separate}) {
        CHECK(o->output == "img");
        CHECK(o->includeDirs == std::vector<std::filesystem::path>{"inc"});
        CHECK(o->macroFlags == std::vector<std::string>{"-DX=1", "-UY"});
        CHECK(o->libraryDirs == std::vector<std::filesystem::path>{"lib"});
        CHECK(o->libraries == std::vector<std::string>{"m"});
        CHECK(o->jobs == 3);
    }
    CHECK(parse({"a.c", "-o", "x.img", "--name=svc"}).image.entrypoint ==
          std::vector<std::string>{"svc"});
    CHECK(parse({"a.c", "-o", "x.img", "--name", "svc"}).image.entrypoint ==
          std::vector<std::string>{"svc"});
}

TEST_CASE("uk build: macros keep their command-line order") {
    BuildOptions o = parse({"-DA", "a.c", "-UA", "-o", "x.img", "-D", "A=2"});
    CHECK(o.macroFlags == std::vector<std::string>{"-DA", "-UA", "-DA=2"});
}

TEST_CASE("uk build: code generation and pass-through flags") {
    BuildOptions o = parse({"a.c",
                            "b.cpp",
                            "-o",
                            "x.img",
                            "-O3",
                            "-g",
                            "-std=c11",
                            "-std=gnu++17",
                            "-Wall",
                            "-Werror",
                            "-w",
                            "-fno-exceptions",
                            "-march=x86-64-v2",
                            "-Wl,--print-gc-sections,-Map=x.map",
                            "--strip",
                            "-v",
                            "--depfile",
                            "x.d",
                            "--cxx-runtime",
                            "-pthread"});
    CHECK(o.optimization == "-O3");
    CHECK(o.debugInfo);
    CHECK(o.cStandard == "c11");
    CHECK(o.cxxStandard == "gnu++17");
    CHECK(o.warningFlags == std::vector<std::string>{"-Wall", "-Werror", "-w"});
    CHECK(o.compileFlags == std::vector<std::string>{"-fno-exceptions", "-march=x86-64-v2"});
    CHECK(o.linkFlags == std::vector<std::string>{"--print-gc-sections", "-Map=x.map"});
    CHECK(o.strip);
    CHECK(o.verbose);
    CHECK(o.cxxRuntime);
    CHECK(o.depfile == std::filesystem::path("x.d"));
    for (const char* level : {"-O0", "-O1", "-O2", "-Os", "-Oz", "-Og"}) {
        CHECK(parse({"a.c", "-o", "x.img", level}).optimization == level);
    }
}

TEST_CASE("uk build: inputs after -- may look like options") {
    BuildOptions o = parse({"-o", "x.img", "--", "-weird.c"});
    CHECK(o.inputs == std::vector<std::filesystem::path>{"-weird.c"});
}

TEST_CASE("uk build: the image name defaults to the output's stem") {
    CHECK(uk::toolchain::defaultImageName("build/hello.img") == "hello");
    CHECK(uk::toolchain::defaultImageName("server") == "server");
    CHECK(uk::toolchain::defaultImageName("a.b.img") == "a.b");
}

TEST_CASE("uk build: --help") {
    CHECK(parseBuildArguments({"--help"}).helpRequested);
    CHECK(parseBuildArguments({"a.c", "-h"}).helpRequested);
    CHECK(std::string(uk::toolchain::buildUsage()).find("-o IMAGE") != std::string::npos);
}

TEST_CASE("uk build: usage errors") {
    CHECK(usageErrorOf({}) == "no input files");
    CHECK(usageErrorOf({"-o", "x.img"}) == "no input files");
    CHECK(usageErrorOf({"a.c"}) == "no output image given (-o IMAGE)");
    CHECK(usageErrorOf({"a.c", "-o"}) == "option '-o' needs a value");
    CHECK(usageErrorOf({"a.c", "-o", "x.img", "-I"}) == "option '-I' needs a value");
    CHECK(usageErrorOf({"a.c", "-o", "x.img", "--name"}) == "option '--name' needs a value");
    CHECK(usageErrorOf({"a.c", "-o", "x.img", "--name="}) == "option '--name' needs a value");
    CHECK(usageErrorOf({"a.c", "-o", "x.img", "-D=1"}) == "option '-D' needs a macro name");
    CHECK(usageErrorOf({"a.c", "-o", "x.img", "-j0"}).starts_with("-j needs a positive number"));
    CHECK(usageErrorOf({"a.c", "-o", "x.img", "-jx"}).starts_with("-j needs a positive number"));
    CHECK(usageErrorOf({"a.c", "-o", "x.img", "-O4"}).starts_with("unknown optimization level"));
    CHECK(usageErrorOf({"a.c", "-o", "x.img", "-static"}) == "unknown option '-static'");
    CHECK(usageErrorOf({"a.c", "-o", "x.img", "-std="}) == "option '-std=' needs a value");
    CHECK(usageErrorOf({"notes.txt", "-o", "x.img"}).starts_with("notes.txt: unknown file type"));
    CHECK(usageErrorOf({"", "-o", "x.img"}) == "empty input file name");
    CHECK(usageErrorOf({"a.c", "-o", "out/"}) == "-o needs a file name, not a directory: out/");
}
