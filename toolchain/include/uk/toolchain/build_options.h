// Everything `uk build` needs to know about one image, and the parser that reads it from
// the command line.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <uk/toolchain/errors.h>
#include <uk/toolchain/image_config.h>

namespace uk::toolchain {

struct BuildOptions {
    std::vector<std::filesystem::path> inputs; // sources, objects and archives, in order
    std::filesystem::path output;
    std::vector<std::filesystem::path> includeDirs;
    std::vector<std::string> macroFlags; // "-DNAME[=V]" and "-UNAME", in command-line order
    std::vector<std::filesystem::path> libraryDirs;
    std::vector<std::string> libraries; // NAME of each -lNAME, in order
    std::string optimization = "-O2";
    std::optional<std::string> cStandard;   // e.g. "c11"; clang's default when unset
    std::optional<std::string> cxxStandard; // e.g. "c++17"; c++20 when unset
    std::vector<std::string> warningFlags;  // -W..., given to every compile
    std::vector<std::string> compileFlags;  // other flags for every compile (-f..., -m...)
    std::vector<std::string> linkFlags;     // flags for ld.lld (from -Wl,...)
    bool debugInfo = false;                 // -g: full debug info, not just line tables
    bool strip = false;                     // no symbols or debug info in the image
    bool allSyscalls = false; // link every system call, not only those the program can make
    bool compress = true;     // --strip also compresses (--no-compress: not)
    bool verbose = false;     // print every command before running it
    bool cxxRuntime = false;  // link libc++ even without C++ sources (prebuilt C++ objects)
    unsigned jobs = 0;        // parallel compiles; 0: one per CPU
    std::optional<std::filesystem::path> depfile; // Make-style dependencies of the image
    // What the library OS starts. An empty entrypoint means [defaultImageName(output)].
    ImageConfig image;
};

// The name an image's program is started as (its argv[0]) unless --name says otherwise: the
// output file name without its extension (hello.img -> hello).
std::string defaultImageName(const std::filesystem::path& output);

struct ParsedBuildArguments {
    BuildOptions options;
    bool helpRequested = false; // --help: nothing else was checked
};

// Parses the arguments of `uk build` (without "uk build"). Accepts "-Ifoo" and "-I foo"
// alike. Throws UsageError for unknown options, missing values, no inputs or no -o.
ParsedBuildArguments parseBuildArguments(const std::vector<std::string>& args);

// The text `uk build --help` prints.
const char* buildUsage();

} // namespace uk::toolchain
