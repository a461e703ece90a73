#include <uk/toolchain/pack_options.h>

#include <string_view>

#include "argument_cursor.h"

namespace uk::toolchain {

namespace {

std::string checkedEnv(const std::string& value) {
    const size_t equals = value.find('=');
    if (equals == std::string::npos || equals == 0) {
        throw UsageError("--env needs NAME=VALUE, not '" + value + "'");
    }
    return value;
}

std::string checkedWorkdir(const std::string& value) {
    if (!value.starts_with('/')) {
        throw UsageError("--workdir needs an absolute path inside DIR, not '" + value + "'");
    }
    return value;
}

// "UID" or "UID:GID": decimal ids below 2^32 - 1.
std::string checkedUser(const std::string& value) {
    auto id = [](std::string_view digits) {
        if (digits.empty() || digits.size() > 10 ||
            digits.find_first_not_of("0123456789") != std::string_view::npos) {
            return false;
        }
        return std::stoull(std::string(digits)) < 0xffffffffull;
    };
    const size_t colon = value.find(':');
    const bool ok = colon == std::string::npos ? id(value)
                                               : id(std::string_view(value).substr(0, colon)) &&
                                                     id(std::string_view(value).substr(colon + 1));
    if (!ok) {
        throw UsageError("--user needs UID or UID:GID (decimal ids), not '" + value + "'");
    }
    return value;
}

void checkComplete(const PackOptions& o, bool sawSeparator) {
    if (o.dir.empty()) {
        throw UsageError("no directory to pack");
    }
    if (o.output.empty()) {
        throw UsageError("no output image given (-o IMAGE)");
    }
    if (!o.output.has_filename()) {
        throw UsageError("-o needs a file name, not a directory: " + o.output.string());
    }
    if (!sawSeparator) {
        throw UsageError("no program given (put it and its arguments after '--')");
    }
    if (o.image.entrypoint.empty()) {
        throw UsageError("no program after '--'");
    }
    const std::string& program = o.image.entrypoint.front();
    if (!program.starts_with('/')) {
        throw UsageError("the program must be an absolute path inside DIR (e.g. /bin/sh), not '" +
                         program + "'");
    }
}

} // namespace

ParsedPackArguments parsePackArguments(const std::vector<std::string>& args) {
    ParsedPackArguments parsed;
    PackOptions& o = parsed.options;
    o.image.workingDir = "/";
    ArgumentCursor cursor(args);
    bool sawSeparator = false;
    while (!cursor.done()) {
        const std::string& arg = cursor.next();
        if (sawSeparator) {
            // The program, then its arguments, verbatim.
            (o.image.entrypoint.empty() ? o.image.entrypoint : o.image.cmd).push_back(arg);
        } else if (arg == "--") {
            sawSeparator = true;
        } else if (arg == "--help" || arg == "-h") {
            parsed.helpRequested = true;
            return parsed;
        } else if (auto env = cursor.longValueOf("--env", arg)) {
            o.image.env.push_back(checkedEnv(*env));
        } else if (arg.starts_with("-e")) {
            o.image.env.push_back(checkedEnv(cursor.valueOf("-e", arg)));
        } else if (auto dir = cursor.longValueOf("--workdir", arg)) {
            o.image.workingDir = checkedWorkdir(*dir);
        } else if (auto user = cursor.longValueOf("--user", arg)) {
            o.image.user = checkedUser(*user);
        } else if (arg.starts_with("-u")) {
            o.image.user = checkedUser(cursor.valueOf("-u", arg));
        } else if (arg.starts_with("-w")) {
            o.image.workingDir = checkedWorkdir(cursor.valueOf("-w", arg));
        } else if (arg.starts_with("-o")) {
            std::string output = cursor.valueOf("-o", arg);
            if (output.empty()) {
                throw UsageError("option '-o' needs a value");
            }
            o.output = output;
        } else if (arg == "-v" || arg == "--verbose") {
            o.verbose = true;
        } else if (arg.starts_with("-") && arg != "-") {
            throw UsageError("unknown option '" + arg + "'");
        } else if (arg.empty()) {
            throw UsageError("empty directory name");
        } else if (!o.dir.empty()) {
            throw UsageError("more than one directory given ('" + o.dir.string() + "' and '" + arg +
                             "'); the program and its arguments go after '--'");
        } else {
            o.dir = arg;
        }
    }
    checkComplete(o, sawSeparator);
    return parsed;
}

const char* packUsage() {
    return R"(usage: uk pack DIR -o IMAGE [options] -- /PROGRAM [ARGS...]

Packs the directory tree DIR and the library OS into one bootable image. DIR becomes the
root file system; at boot the library OS loads PROGRAM (an x86_64 Linux executable, static
or dynamic, given as its absolute path inside DIR) from it and runs it with ARGS.
`uk run IMAGE -- OTHER ARGS` replaces ARGS, as `docker run` replaces a Cmd.

  uk pack rootfs -o busybox.img -- /bin/busybox sh -c 'echo hello'

DIR is packed as it is: files, directories, symlinks (not followed), hard links, FIFOs
and device nodes, with their modes, owners and times. A dynamic program needs its loader
and libraries in DIR (those `ldd PROGRAM` lists, at the same paths).

options:
  -o IMAGE                the image to write (replaced only when packing succeeds)
  -e, --env NAME=VALUE    set an environment variable (repeatable); PATH defaults to
                          Docker's default unless set here
  -w, --workdir DIR       the working directory, absolute inside the tree (default /)
  -u, --user UID[:GID]    run PROGRAM as user UID and group GID (decimal ids; default
                          root); without GID, UID's group in DIR's /etc/passwd, or 0
  -v, --verbose           say what is packed and print the linker command
  -h, --help              show this help
)";
}

} // namespace uk::toolchain
