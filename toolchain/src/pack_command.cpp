// `uk pack`: a thin command-line front end over PackOptions, Toolchain and PackDriver.
#include <uk/support/fs.h>
#include <uk/toolchain/commands.h>
#include <uk/toolchain/pack_driver.h>
#include <uk/toolchain/pack_options.h>
#include <uk/toolchain/toolchain.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <uk/toolchain/command_output.h>
#include <uk/toolchain/deferred_signals.h>
#include <uk/toolchain/terminal_progress.h>

namespace uk::toolchain {

int packCommand(const std::vector<std::string>& args) {
    ParsedPackArguments parsed;
    try {
        parsed = parsePackArguments(args);
    } catch (const UsageError& e) {
        printCommandError("pack", e.what());
        std::fprintf(stderr, "usage: uk pack DIR -o IMAGE [options] -- /PROGRAM [ARGS...] "
                             "(see 'uk pack --help')\n");
        return 2;
    }
    if (parsed.helpRequested) {
        std::fputs(packUsage(), stdout);
        return 0;
    }

    DeferredSignals signals;
    int status = 0;
    {
        TerminalProgress progress("uk pack: " + parsed.options.dir.string(),
                                  ::isatty(STDERR_FILENO) != 0 && !parsed.options.verbose);
        try {
            auto resourceDir =
                findResourceDir(fs::selfExecutable(), std::getenv("UK_RESOURCE_DIR"));
            PackDriver driver(Toolchain::configured(resourceDir), std::move(parsed.options));
            driver.setCancelled([&signals] { return signals.pending() != 0; });
            driver.setProgress([&progress](const PackProgress& p) { progress.update(p); });
            driver.run();
        } catch (const ToolFailed& e) {
            progress.clear();
            // The linker printed its own diagnostics; say more only when it did not end
            // normally.
            if (!e.exit().exited() && signals.pending() == 0) {
                printCommandError("pack", e.what());
            }
            status = 1;
        } catch (const BuildCancelled&) {
            status = 1;
        } catch (const std::exception& e) {
            progress.clear();
            printCommandError("pack", e.what());
            status = 1;
        }
    }
    // The temporary files are gone by now; end the way the signal would have ended us.
    signals.reraise();
    return status;
}

} // namespace uk::toolchain
