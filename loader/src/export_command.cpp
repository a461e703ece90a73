// `uk export`: a thin front end over uk/loader/export.h.
#include <uk/loader/commands.h>

#include <cstdio>

#include <uk/loader/export.h>
#include <uk/support/error.h>

namespace uk::loader {

int exportCommand(const std::vector<std::string>& args) {
    ExportOptions options;
    try {
        options = parseExportOptions(args);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "uk export: error: %s\n", e.what());
        std::fprintf(stderr, "usage: uk export IMAGE --script FILE [--firecracker FILE] "
                             "[options] [-- ARGS...] (see 'uk export --help')\n");
        return 2;
    }
    if (options.help) {
        std::fputs(exportUsage().c_str(), stdout);
        return 0;
    }
    try {
        for (const std::string& line : exportImage(options)) {
            std::printf("%s\n", line.c_str());
        }
        return 0;
    } catch (const Error& e) {
        std::fprintf(stderr, "uk export: error: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "uk export: internal error: %s\n", e.what());
        return 1;
    }
}

} // namespace uk::loader
