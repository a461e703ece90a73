#include <uk/toolchain/build_options.h>
#include <uk/toolchain/input_kind.h>

#include <algorithm>
#include <charconv>
#include <string_view>

#include "argument_cursor.h"

namespace uk::toolchain {

namespace {

constexpr std::string_view kOptimizationLevels[] = {"-O0", "-O1", "-O2", "-O3",
                                                    "-Os", "-Oz", "-Og"};

std::string nonEmpty(std::string_view flag, std::string value) {
    if (value.empty()) {
        throw UsageError("option '" + std::string(flag) + "' needs a value");
    }
    return value;
}

unsigned parseJobs(const std::string& value) {
    unsigned jobs = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), jobs);
    if (ec != std::errc() || end != value.data() + value.size() || jobs == 0) {
        throw UsageError("-j needs a positive number of jobs, not '" + value + "'");
    }
    return jobs;
}

std::string macroName(std::string_view flag, const std::string& value) {
    if (value.empty() || value.front() == '=') {
        throw UsageError("option '" + std::string(flag) + "' needs a macro name");
    }
    return value;
}

// "-std=c11" sets the C standard, "-std=c++17" (or gnu++17) the C++ one, so a build that
// mixes C and C++ can say both.
void setStandard(BuildOptions& options, const std::string& standard) {
    if (standard.empty()) {
        throw UsageError("option '-std=' needs a value");
    }
    if (standard.find("++") != std::string::npos) {
        options.cxxStandard = standard;
    } else {
        options.cStandard = standard;
    }
}

void splitLinkerFlags(BuildOptions& options, std::string_view list) {
    size_t start = 0;
    while (start <= list.size()) {
        size_t comma = list.find(',', start);
        if (comma == std::string_view::npos) {
            comma = list.size();
        }
        if (comma > start) {
            options.linkFlags.emplace_back(list.substr(start, comma - start));
        }
        start = comma + 1;
    }
}

void checkComplete(const BuildOptions& options) {
    if (options.inputs.empty()) {
        throw UsageError("no input files");
    }
    if (options.output.empty()) {
        throw UsageError("no output image given (-o IMAGE)");
    }
    if (!options.output.has_filename()) {
        throw UsageError("-o needs a file name, not a directory: " + options.output.string());
    }
    for (const auto& input : options.inputs) {
        if (!inputKindOf(input)) {
            throw UsageError(input.string() +
                             ": unknown file type (expected .c, .cc, .cpp, .cxx, .C, .c++, "
                             ".o or .a)");
        }
    }
}

} // namespace

std::string defaultImageName(const std::filesystem::path& output) {
    std::string stem = output.stem().string();
    return stem.empty() ? output.filename().string() : stem;
}

ParsedBuildArguments parseBuildArguments(const std::vector<std::string>& args) {
    ParsedBuildArguments parsed;
    BuildOptions& o = parsed.options;
    std::optional<std::string> name;
    ArgumentCursor cursor(args);
    bool optionsEnded = false;
    while (!cursor.done()) {
        const std::string& arg = cursor.next();
        if (optionsEnded || arg.empty() || arg.front() != '-' || arg == "-") {
            if (arg.empty()) {
                throw UsageError("empty input file name");
            }
            o.inputs.emplace_back(arg);
        } else if (arg == "--") {
            optionsEnded = true;
        } else if (arg == "--help" || arg == "-h") {
            parsed.helpRequested = true;
            return parsed;
        } else if (auto value = cursor.longValueOf("--name", arg)) {
            name = nonEmpty("--name", *value);
        } else if (auto path = cursor.longValueOf("--depfile", arg)) {
            o.depfile = nonEmpty("--depfile", *path);
        } else if (arg == "--strip") {
            o.strip = true;
        } else if (arg == "--all-syscalls") {
            o.allSyscalls = true;
        } else if (arg == "--no-compress") {
            o.compress = false;
        } else if (arg == "--cxx-runtime") {
            o.cxxRuntime = true;
        } else if (arg == "-v" || arg == "--verbose") {
            o.verbose = true;
        } else if (arg == "-pthread") {
            // Accepted for familiarity: musl's libc.a holds the threads library.
        } else if (arg == "-w") {
            o.warningFlags.push_back(arg);
        } else if (arg == "-g") {
            o.debugInfo = true;
        } else if (arg.starts_with("-std=")) {
            setStandard(o, arg.substr(5));
        } else if (arg.starts_with("-O")) {
            if (std::find(std::begin(kOptimizationLevels), std::end(kOptimizationLevels), arg) ==
                std::end(kOptimizationLevels)) {
                throw UsageError("unknown optimization level '" + arg +
                                 "' (use -O0, -O1, -O2, -O3, -Os, -Oz or -Og)");
            }
            o.optimization = arg;
        } else if (arg.starts_with("-Wl,")) {
            splitLinkerFlags(o, std::string_view(arg).substr(4));
        } else if (arg.starts_with("-W") && arg.size() > 2) {
            o.warningFlags.push_back(arg);
        } else if ((arg.starts_with("-f") || arg.starts_with("-m")) && arg.size() > 2) {
            o.compileFlags.push_back(arg);
        } else if (arg.starts_with("-o")) {
            o.output = nonEmpty("-o", cursor.valueOf("-o", arg));
        } else if (arg.starts_with("-I")) {
            o.includeDirs.emplace_back(nonEmpty("-I", cursor.valueOf("-I", arg)));
        } else if (arg.starts_with("-D")) {
            o.macroFlags.push_back("-D" + macroName("-D", cursor.valueOf("-D", arg)));
        } else if (arg.starts_with("-U")) {
            o.macroFlags.push_back("-U" + macroName("-U", cursor.valueOf("-U", arg)));
        } else if (arg.starts_with("-L")) {
            o.libraryDirs.emplace_back(nonEmpty("-L", cursor.valueOf("-L", arg)));
        } else if (arg.starts_with("-l")) {
            o.libraries.push_back(nonEmpty("-l", cursor.valueOf("-l", arg)));
        } else if (arg.starts_with("-j")) {
            o.jobs = parseJobs(cursor.valueOf("-j", arg));
        } else {
            throw UsageError("unknown option '" + arg + "'");
        }
    }
    checkComplete(o);
    o.image.entrypoint = {name ? *name : defaultImageName(o.output)};
    return parsed;
}

const char* buildUsage() {
    return R"(usage: uk build SRC... -o IMAGE [options]

Compiles C and C++ sources against musl and libc++ and links them with the uk library OS
into one bootable image (run it with `uk run IMAGE`).

inputs:
  .c                      C source
  .cc .cpp .cxx .C .c++   C++ source (links libc++, libc++abi and libunwind)
  .o .a                   objects and archives, linked as given

options:
  -o IMAGE                the image to write (replaced only when the build succeeds)
  -I DIR                  add DIR to the include search path
  -D NAME[=VALUE]         define a macro
  -U NAME                 undefine a macro
  -O0 -O1 -O2 -O3 -Os -Oz -Og
                          optimization level (default -O2)
  -g                      full debug info (default: line tables, enough for backtraces)
  -std=STD                language standard; -std=c11 sets C's, -std=c++17 C++'s
                          (default C++ standard: c++20)
  -W... -w                warning flags, passed to the compiler (-Wall, -Werror, ...)
  -Wl,FLAG[,FLAG...]      flags for the linker (ld.lld)
  -f... -m...             other code generation flags, passed to the compiler
  -L DIR                  add DIR to the library search path
  -l NAME                 link libNAME.a (built for x86_64-linux-musl)
  --strip                 leave symbols and debug info out of the image, and compress it
                          (its boot code unpacks it, about 1 ms per 100 KB under TCG)
  --no-compress           with --strip: do not compress
  --all-syscalls          link the library OS's handler for every system call uk has; by
                          default the image gets only those the program's code can make
                          (uk build reads it for them; -v lists them), or all of them when
                          that cannot be told (a number from memory, execve)
  --cxx-runtime           link the C++ runtime even without C++ sources
  --name NAME             the program name the image starts (argv[0]); default: IMAGE's
                          file name without its extension
  --depfile FILE          write the image's dependencies (sources and headers) as a
                          Make-style depfile, for build systems
  -j N                    compile N sources at a time (default: one per CPU)
  -v                      print each command before running it
  -h, --help              show this help
)";
}

} // namespace uk::toolchain
