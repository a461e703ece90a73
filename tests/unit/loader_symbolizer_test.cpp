// Parsing llvm-symbolizer's and addr2line's output into source locations.
#include <doctest/doctest.h>

#include <string>

#include <uk/loader/symbolizer.h>

using uk::loader::SourceLocation;
using uk::loader::Symbolizer;

TEST_CASE("symbolizer: llvm-symbolizer output, inlined frames and unknowns") {
    // As llvm-symbolizer 14 prints it for three addresses (the second one inlined).
    const char* out = "faulting_function\n/src/crash.c:2:66\n\n"
                      "helper()\n/src/a.cpp:10:3\nns::caller(int*)\n/src/a.cpp:20:5\n\n"
                      "??\n??:0:0\n\n";
    auto locs = Symbolizer::parseLlvmSymbolizer(out, 4);
    REQUIRE(locs.size() == 4);
    CHECK(locs[0].function == "faulting_function");
    CHECK(locs[0].file == "/src/crash.c");
    CHECK(locs[0].line == 2);
    CHECK(locs[0].describe() == " in faulting_function at /src/crash.c:2");
    CHECK(locs[1].function == "helper()");
    CHECK(locs[1].inlinedInto == std::vector<std::string>{"ns::caller(int*)"});
    CHECK(locs[1].describe() == " in helper() at /src/a.cpp:10 (inlined into ns::caller(int*))");
    CHECK_FALSE(locs[2].known());
    CHECK(locs[2].describe() == "");
    CHECK_FALSE(locs[3].known()); // missing from the output: unknown, not an error
}

TEST_CASE("symbolizer: a function without line information names only the function") {
    auto locs = Symbolizer::parseLlvmSymbolizer("libc_start_main_stage2\ncrash.c:0:0\n\n", 1);
    REQUIRE(locs.size() == 1);
    CHECK(locs[0].describe() == " in libc_start_main_stage2");
}

TEST_CASE("symbolizer: file names containing colons") {
    auto locs = Symbolizer::parseLlvmSymbolizer("f\n/src/a:b.c:7:1\n\n", 1);
    CHECK(locs[0].file == "/src/a:b.c");
    CHECK(locs[0].line == 7);
    locs = Symbolizer::parseAddr2line("f\n/src/a:b.c:7\n", 1);
    CHECK(locs[0].file == "/src/a:b.c");
    CHECK(locs[0].line == 7);
}

TEST_CASE("symbolizer: addr2line output") {
    const char* out = "faulting_function\n/src/crash.c:2\n"
                      "caller\n/src/crash.c:3 (discriminator 1)\n"
                      "libc_start_main_stage2\ncrash.c:?\n"
                      "??\n??:0\n";
    auto locs = Symbolizer::parseAddr2line(out, 4);
    REQUIRE(locs.size() == 4);
    CHECK(locs[0].describe() == " in faulting_function at /src/crash.c:2");
    CHECK(locs[1].describe() == " in caller at /src/crash.c:3");
    CHECK(locs[2].describe() == " in libc_start_main_stage2");
    CHECK(locs[3].describe() == "");
}

TEST_CASE("symbolizer: one call for all addresses of a backtrace") {
    Symbolizer llvm(Symbolizer::Kind::LlvmSymbolizer, "/usr/bin/llvm-symbolizer");
    auto argv = llvm.commandLine("/i/app.img", {0x401000, 0x40109a});
    CHECK(argv.front() == "/usr/bin/llvm-symbolizer");
    CHECK(argv[1] == "--obj=/i/app.img");
    CHECK(argv[argv.size() - 2] == "0x401000");
    CHECK(argv.back() == "0x40109a");
    Symbolizer binutils(Symbolizer::Kind::Addr2line, "/usr/bin/addr2line");
    argv = binutils.commandLine("/i/app.img", {0x10});
    CHECK(argv ==
          std::vector<std::string>{"/usr/bin/addr2line", "-e", "/i/app.img", "-f", "-C", "0x10"});
}

TEST_CASE("symbolizer: a tool that cannot run gives unknown locations") {
    Symbolizer broken(Symbolizer::Kind::LlvmSymbolizer, "/nonexistent/llvm-symbolizer");
    auto locs = broken.symbolize("/nonexistent.img", {1, 2});
    REQUIRE(locs.size() == 2);
    CHECK_FALSE(locs[0].known());
}
