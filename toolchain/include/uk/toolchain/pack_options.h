// What `uk pack` needs to know about one image, and the parser that reads it from the
// command line: uk pack DIR -o IMAGE [--env NAME=VALUE]... [--workdir DIR] -- PROGRAM ARGS...
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <uk/toolchain/errors.h>
#include <uk/toolchain/image_config.h>

namespace uk::toolchain {

struct PackOptions {
    std::filesystem::path dir; // the tree that becomes the root file system
    std::filesystem::path output;
    // Entrypoint = [PROGRAM] (absolute inside dir), Cmd = its arguments, Env = each --env,
    // WorkingDir = --workdir or "/".
    ImageConfig image;
    bool verbose = false; // print what is packed and the linker command
};

struct ParsedPackArguments {
    PackOptions options;
    bool helpRequested = false; // --help: nothing else was checked
};

// Parses the arguments of `uk pack` (without "uk pack"). Throws UsageError for unknown
// options, missing values, a missing DIR, -o, "--" or program, a program or working
// directory that is not an absolute path, or an --env without NAME=.
ParsedPackArguments parsePackArguments(const std::vector<std::string>& args);

// The text `uk pack --help` prints.
const char* packUsage();

} // namespace uk::toolchain
