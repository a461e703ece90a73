#include <uk/runtime/commands.h>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include <uk/runtime/bundle_spec.h>
#include <uk/runtime/container_runtime.h>
#include <uk/runtime/runtime_log.h>
#include <uk/runtime/runtime_options.h>
#include <uk/support/fs.h>

#ifndef UK_VERSION
#define UK_VERSION "unknown"
#endif

namespace uk::runtime {

namespace stdfs = std::filesystem;

namespace {

// The commands that name one container that may be uk's.
bool isLifecycleCommand(const std::string& command) {
    for (const char* c : {"start", "state", "kill", "delete", "ps", "pause", "resume"}) {
        if (command == c) {
            return true;
        }
    }
    return false;
}

// runc, for bundles and containers that are not uk's: --runc, $UK_RUNTIME_RUNC, PATH; never
// this program itself (installed as `runc` it would call itself forever).
std::optional<stdfs::path> findRunc(const GlobalOptions& global) {
    std::string name = global.runc;
    if (name.empty()) {
        const char* env = std::getenv("UK_RUNTIME_RUNC");
        name = env != nullptr && *env != 0 ? env : "runc";
    }
    auto found = fs::findProgram(name);
    if (!found) {
        return std::nullopt;
    }
    std::error_code ec;
    stdfs::path self = stdfs::canonical("/proc/self/exe", ec);
    if (!ec && stdfs::canonical(*found, ec) == self) {
        return std::nullopt;
    }
    return found;
}

// The same words for runc, less uk-runtime's own --runc option.
std::vector<std::string> runcArguments(const std::vector<std::string>& argv,
                                       const std::string& command) {
    std::vector<std::string> out;
    bool inGlobals = true;
    for (size_t i = 1; i < argv.size(); ++i) {
        const std::string& w = argv[i];
        if (inGlobals && w == command) {
            inGlobals = false;
        }
        if (inGlobals && (w == "--runc" || w == "-runc")) {
            ++i;
            continue;
        }
        if (inGlobals && (w.rfind("--runc=", 0) == 0 || w.rfind("-runc=", 0) == 0)) {
            continue;
        }
        out.push_back(w);
    }
    return out;
}

// Replaces this process with runc and the same command line.
[[noreturn]] void delegateToRunc(const GlobalOptions& global, const std::vector<std::string>& argv,
                                 const std::string& command, RuntimeLog& log,
                                 const std::string& why) {
    auto runc = findRunc(global);
    if (!runc) {
        const char* env = std::getenv("UK_RUNTIME_RUNC");
        std::string named = !global.runc.empty() ? global.runc : env != nullptr ? env : "";
        throw Error(why + ", and runc, which runs everything else, " +
                    (named.empty() ? std::string("is not in PATH (set --runc or UK_RUNTIME_RUNC)")
                                   : "is not at " + named));
    }
    log.debug(why + ": handing `" + command + "` to " + runc->string());
    std::vector<std::string> words = runcArguments(argv, command);
    words.insert(words.begin(), runc->string());
    std::vector<char*> args;
    for (auto& w : words) {
        args.push_back(w.data());
    }
    args.push_back(nullptr);
    std::fflush(stdout);
    ::execv(runc->c_str(), args.data());
    throwErrno("cannot run " + runc->string());
}

// The first word of `args` that is the ID of a uk container (IDs are long and random in
// practice, so an option's value is never taken for one).
std::optional<std::string> namesUkContainer(const GlobalOptions& global,
                                            const std::vector<std::string>& args) {
    for (const auto& word : args) {
        try {
            checkContainerId(word);
        } catch (const UsageError&) {
            continue;
        }
        if (StateDirectory(global.root, word).isUkContainer()) {
            return word;
        }
    }
    return std::nullopt;
}

std::string versionText(const GlobalOptions& global) {
    std::string text = std::string("uk-runtime version ") + UK_VERSION +
                       "\n"
                       "spec: 1.0.2\n";
    if (auto runc = findRunc(global)) {
        text += "runc: " + runc->string() + "\n";
    }
    return text;
}

int dispatch(const Invocation& inv, const std::vector<std::string>& argv, RuntimeLog& log) {
    const std::string& command = inv.command;
    const auto& args = inv.commandArgs;
    ContainerRuntime runtime(inv.global, log);
    if (command == "create") {
        CreateOptions options = parseCreateOptions(args);
        stdfs::path rootfs = readBundleRootfs(options.bundle);
        if (!holdsUkKernel(rootfs)) {
            delegateToRunc(inv.global, argv, command, log,
                           "bundle " + options.bundle.string() + " holds no uk kernel (" +
                               (rootfs / kKernelInRootfs).string() + ")");
        }
        runtime.create(options, loadBundleSpec(options.bundle));
        return 0;
    }
    if (command == "features") {
        std::fputs(featuresJson().c_str(), stdout);
        return 0;
    }
    if (isLifecycleCommand(command)) {
        // A command line uk-runtime does not understand (a signal runc knows and it does not)
        // is runc's, unless it names a uk container.
        std::string id;
        try {
            if (command == "kill") {
                id = parseKillOptions(args).id;
            } else if (command == "delete") {
                id = parseDeleteOptions(args).id;
            } else if (command == "ps") {
                id = parsePsOptions(args).id;
            } else {
                id = parseIdArgument(command, args);
            }
        } catch (const UsageError&) {
            if (namesUkContainer(inv.global, args) || !findRunc(inv.global)) {
                throw;
            }
            delegateToRunc(inv.global, argv, command, log, "`" + command + "` is runc's");
        }
        StateDirectory dir(inv.global.root, id);
        if (command == "delete" && !dir.exists() && parseDeleteOptions(args).force) {
            // Nobody's (uk's delete ran already, as the shim's cleanup finds it): deleted, as
            // runc says for a container it does not know, without starting runc to say so.
            return 0;
        }
        if (!dir.isUkContainer()) {
            if (command == "delete" && dir.exists() && !stdfs::exists(dir.dir() / "state.json")) {
                // Neither uk's nor runc's: what a create killed half-way leaves.
                dir.remove();
                return 0;
            }
            if (findRunc(inv.global)) {
                delegateToRunc(inv.global, argv, command, log, "container " + id + " is not uk's");
            }
            throw Error("container " + id + " does not exist");
        }
        if (command == "start") {
            runtime.start(id);
        } else if (command == "state") {
            std::fputs(runtime.state(id).c_str(), stdout);
        } else if (command == "kill") {
            runtime.kill(parseKillOptions(args));
        } else if (command == "delete") {
            runtime.remove(parseDeleteOptions(args));
        } else if (command == "ps") {
            std::fputs(runtime.processes(parsePsOptions(args)).c_str(), stdout);
        } else if (command == "pause") {
            runtime.pause(id);
        } else if (command == "resume") {
            runtime.resume(id);
        }
        return 0;
    }
    // exec, update, events, checkpoint, restore, run, list, spec, ...: runc's, unless a word
    // names a uk container (a unikernel runs one application; there is nothing to exec into).
    if (auto id = namesUkContainer(inv.global, args)) {
        throw Error("`" + command + "` is not supported for uk container " + *id +
                    ": it is one application in a virtual machine");
    }
    delegateToRunc(inv.global, argv, command, log, "`" + command + "` is runc's");
}

} // namespace

int runtimeMain(const std::vector<std::string>& argv) {
    std::vector<std::string> args(argv.begin() + (argv.empty() ? 0 : 1), argv.end());
    Invocation inv;
    try {
        inv = parseInvocation(args);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "uk-runtime: %s\n", e.what());
        return 2;
    }
    if (inv.version) {
        std::fputs(versionText(inv.global).c_str(), stdout);
        return 0;
    }
    if (inv.help) {
        std::fputs(runtimeUsage().c_str(), stdout);
        return 0;
    }
    RuntimeLog log(inv.global.log, inv.global.logFormat, inv.global.debug);
    try {
        return dispatch(inv, argv, log);
    } catch (const UsageError& e) {
        log.error(e.what());
        return 2;
    } catch (const std::exception& e) {
        log.error(e.what());
        return 1;
    }
}

} // namespace uk::runtime
