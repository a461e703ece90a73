// `uk build`: a thin command-line front end over BuildOptions, Toolchain and BuildDriver.
#include <uk/support/fs.h>
#include <uk/toolchain/build_driver.h>
#include <uk/toolchain/build_options.h>
#include <uk/toolchain/commands.h>
#include <uk/toolchain/toolchain.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <uk/toolchain/command_output.h>
#include <uk/toolchain/deferred_signals.h>

namespace uk::toolchain {

namespace {

void printError(std::string_view message) {
    printCommandError("build", message);
}

} // namespace

int buildCommand(const std::vector<std::string>& args) {
    ParsedBuildArguments parsed;
    try {
        parsed = parseBuildArguments(args);
    } catch (const UsageError& e) {
        printError(e.what());
        std::fprintf(stderr, "usage: uk build SRC... -o IMAGE [options] (see 'uk build --help')\n");
        return 2;
    }
    if (parsed.helpRequested) {
        std::fputs(buildUsage(), stdout);
        return 0;
    }

    DeferredSignals signals;
    int status = 0;
    try {
        auto resourceDir = findResourceDir(fs::selfExecutable(), std::getenv("UK_RESOURCE_DIR"));
        BuildDriver driver(Toolchain::configured(resourceDir), std::move(parsed.options));
        driver.setCancelled([&signals] { return signals.pending() != 0; });
        driver.run();
    } catch (const ToolFailed& e) {
        // The tool printed its own diagnostics; say more only when it did not end normally.
        if (!e.exit().exited() && signals.pending() == 0) {
            printError(e.what());
        }
        status = 1;
    } catch (const BuildCancelled&) {
        status = 1;
    } catch (const std::exception& e) {
        printError(e.what());
        status = 1;
    }
    // The temporary files are gone by now; end the way the signal would have ended us.
    signals.reraise();
    return status;
}

} // namespace uk::toolchain
