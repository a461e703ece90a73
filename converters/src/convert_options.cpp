#include <uk/converters/convert_options.h>
#include <uk/toolchain/errors.h>

namespace uk::converters {

using toolchain::UsageError;

const char* convertUsage() {
    return "usage: uk convert SOURCE -o OUTPUT [options]\n"
           "\n"
           "Turns a Docker/OCI image into a uk image that boots the image's own, unmodified\n"
           "Linux programs: every digest is checked, the layers are flattened into one root\n"
           "file system (whiteouts, opaque directories, hard links and symlinks applied as\n"
           "Docker does), and Entrypoint, Cmd, Env, WorkingDir and User carry over.\n"
           "\n"
           "SOURCE:\n"
           "  docker:NAME[:TAG]               an image in the local Docker daemon (exported\n"
           "                                  with `docker save`; DOCKER_HOST is honoured)\n"
           "  docker-archive:FILE[:NAME:TAG]  a `docker save` tarball (NAME:TAG picks one\n"
           "                                  image of several)\n"
           "  oci:DIR[:REF]                   an OCI image layout (REF: the index's\n"
           "                                  org.opencontainers.image.ref.name)\n"
           "  oci-archive:FILE[:REF]          an OCI image layout in a tarball\n"
           "  PATH                            any of those files or directories\n"
           "Multi-platform images: linux/amd64 is used.\n"
           "\n"
           "options:\n"
           "  -o, --output FILE    the file to write (required; replaced only on success)\n"
           "  --format uk|docker   uk (default): one image file that `uk run` and\n"
           "                       `qemu-system-x86_64 -kernel` boot, root file system\n"
           "                       embedded; docker: a `docker load` tarball of the original\n"
           "                       layers plus one with the uk kernel (/.uk/kernel)\n"
           "  -t, --tag NAME:TAG   with --format docker: the name the image loads as\n"
           "  --cache-dir DIR      keep flattened root file systems here, by layer digests,\n"
           "                       so converting the same layers again skips reading them\n"
           "                       (default: $UK_CACHE_DIR, $XDG_CACHE_HOME/uk or ~/.cache/uk)\n"
           "  --no-cache           neither use nor fill the cache\n"
           "  --json               print a summary as one JSON object on stdout\n"
           "  -v, --verbose        print what is done, and the linker command\n"
           "  -h, --help           show this help\n"
           "\n"
           "Run the result with `uk run OUTPUT [-- ARGS]` (ARGS replace the image's Cmd;\n"
           "`uk run --entrypoint` replaces its Entrypoint). See docs/converting.md.\n";
}

ParsedConvertArguments parseConvertArguments(const std::vector<std::string>& args) {
    ParsedConvertArguments parsed;
    bool noCache = false;
    std::string cacheDir;
    std::vector<std::string> positional;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](const char* name) -> std::string {
            std::string prefix = std::string(name) + "=";
            if (a.rfind(prefix, 0) == 0) {
                return a.substr(prefix.size());
            }
            if (i + 1 >= args.size()) {
                throw UsageError(std::string(name) + " needs a value");
            }
            return args[++i];
        };
        auto is = [&](const char* name) {
            return a == name || a.rfind(std::string(name) + "=", 0) == 0;
        };
        if (a == "-h" || a == "--help") {
            parsed.helpRequested = true;
            return parsed;
        } else if (a == "-o" || is("--output")) {
            parsed.options.output = value(a == "-o" ? "-o" : "--output");
        } else if (is("--format")) {
            std::string f = value("--format");
            if (f == "uk") {
                parsed.options.format = OutputFormat::Uk;
            } else if (f == "docker") {
                parsed.options.format = OutputFormat::Docker;
            } else {
                throw UsageError("--format " + f + ": unknown format (uk or docker)");
            }
        } else if (a == "-t" || is("--tag")) {
            parsed.options.tag = value(a == "-t" ? "-t" : "--tag");
            if (parsed.options.tag.find(':') == std::string::npos) {
                parsed.options.tag += ":latest";
            }
        } else if (is("--cache-dir")) {
            cacheDir = value("--cache-dir");
            if (cacheDir.empty()) {
                throw UsageError("--cache-dir needs a directory");
            }
        } else if (a == "--no-cache") {
            noCache = true;
        } else if (a == "--json") {
            parsed.json = true;
        } else if (a == "-v" || a == "--verbose") {
            parsed.options.verbose = true;
        } else if (a == "--") {
            positional.insert(positional.end(), args.begin() + static_cast<long>(i) + 1,
                              args.end());
            break;
        } else if (a.size() > 1 && a[0] == '-') {
            throw UsageError("unknown option " + a);
        } else {
            positional.push_back(a);
        }
    }
    if (positional.empty()) {
        throw UsageError("no image to convert");
    }
    if (positional.size() > 1) {
        throw UsageError("one image at a time (got " + positional[0] + " and " + positional[1] +
                         ")");
    }
    if (parsed.options.output.empty()) {
        throw UsageError("no output file (-o FILE)");
    }
    if (!parsed.options.tag.empty() && parsed.options.format != OutputFormat::Docker) {
        throw UsageError("--tag names a --format docker tarball's image");
    }
    if (noCache && !cacheDir.empty()) {
        throw UsageError("--cache-dir and --no-cache contradict each other");
    }
    parsed.options.source = positional[0];
    parsed.options.cacheDir = noCache            ? std::filesystem::path()
                              : cacheDir.empty() ? defaultCacheDir()
                                                 : std::filesystem::path(cacheDir);
    return parsed;
}

} // namespace uk::converters
