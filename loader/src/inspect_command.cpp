// `uk inspect`: a thin front end over the image inspector.
#include <uk/loader/commands.h>

#include <cstdio>
#include <optional>

#include <uk/loader/image_inspector.h>
#include <uk/support/error.h>

namespace uk::loader {

namespace {

struct InspectArguments {
    std::optional<std::string> image;
    bool json = false;
    bool list = false;
    bool help = false;
};

class InspectUsageError : public Error {
public:
    using Error::Error;
};

InspectArguments parseInspectArguments(const std::vector<std::string>& args) {
    InspectArguments a;
    bool options = true;
    for (const auto& w : args) {
        if (options && w == "--") {
            options = false;
        } else if (options && w.size() > 1 && w[0] == '-') {
            if (w == "--json") {
                a.json = true;
            } else if (w == "--list" || w == "-l") {
                a.list = true;
            } else if (w == "--help" || w == "-h") {
                a.help = true;
            } else {
                throw InspectUsageError("unknown option '" + w + "'");
            }
        } else if (a.image) {
            throw InspectUsageError("one image at a time ('" + *a.image + "' and '" + w + "')");
        } else {
            a.image = w;
        }
    }
    if (!a.image && !a.help) {
        throw InspectUsageError("no image given");
    }
    return a;
}

} // namespace

std::string inspectUsage() {
    return R"(usage: uk inspect IMAGE [--json] [--list]

Shows what a uk image holds, without booting it: its size, whether it is compressed
(uk build --strip), whether an application is linked into it or it runs a program from its
root file system (uk pack, uk convert), its configuration (.uk.config: Entrypoint, Cmd, Env,
WorkingDir, User, ...) and a summary of its root file system (.uk.initrd, a cpio archive).

options:
  --list, -l   list the root file system's entries instead, one a line in archive order:
               mode, uid/gid, size, modification time (UTC), name (-> symlink target)
  --json       print one JSON object instead (with --list, an "entries" array too)
  -h, --help   show this help

exit status:
  0 when the image was read, 1 when it is missing, not a uk image, or corrupt, 2 for a
  wrong command line.
)";
}

int inspectCommand(const std::vector<std::string>& args) {
    InspectArguments a;
    try {
        a = parseInspectArguments(args);
    } catch (const InspectUsageError& e) {
        std::fprintf(stderr, "uk inspect: error: %s\n", e.what());
        std::fprintf(stderr, "usage: uk inspect IMAGE [--json] [--list] "
                             "(see 'uk inspect --help')\n");
        return 2;
    }
    if (a.help) {
        std::fputs(inspectUsage().c_str(), stdout);
        return 0;
    }
    try {
        ImageReport report = inspectImage(*a.image, a.list);
        std::string out;
        if (a.json) {
            out = formatReportJson(report, a.list);
        } else if (a.list) {
            out = formatEntries(report.entries);
            if (!report.rootfs) {
                std::fprintf(stderr, "uk inspect: %s has no root file system\n", a.image->c_str());
            }
        } else {
            out = formatReport(report);
        }
        if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() ||
            std::fflush(stdout) != 0) {
            throwErrno("cannot write the report");
        }
        return 0;
    } catch (const Error& e) {
        std::fprintf(stderr, "uk inspect: error: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "uk inspect: internal error: %s\n", e.what());
        return 1;
    }
}

} // namespace uk::loader
