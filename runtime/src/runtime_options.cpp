#include <uk/runtime/runtime_options.h>

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <optional>

namespace uk::runtime {

namespace {

// One option of a command: its names (without dashes) and whether it takes a value.
struct OptionSpec {
    std::vector<std::string_view> names;
    bool takesValue;
    std::function<void(const std::string&)> apply;
};

// "-x", "--x", "-x=v", "--x=v": the name and, after "=", the value. nullopt for a word
// that is no option ("-" alone, or no dash).
struct OptionWord {
    std::string name;
    std::optional<std::string> value;
};
std::optional<OptionWord> splitOption(const std::string& word) {
    if (word.size() < 2 || word[0] != '-') {
        return std::nullopt;
    }
    size_t start = word[1] == '-' ? 2 : 1;
    if (start >= word.size()) {
        return std::nullopt; // "--": handled by the caller
    }
    OptionWord o;
    size_t eq = word.find('=', start);
    if (eq == std::string::npos) {
        o.name = word.substr(start);
    } else {
        o.name = word.substr(start, eq - start);
        o.value = word.substr(eq + 1);
    }
    return o;
}

bool parseBool(const std::string& option, const std::string& value) {
    if (value == "true" || value == "1") {
        return true;
    }
    if (value == "false" || value == "0") {
        return false;
    }
    throw UsageError("--" + option + "=" + value + ": expected true or false");
}

// Parses `args` against `specs`; returns the positional words in order. Options may follow
// positional words (runc's parser stops at the first one; go-runc never puts options after
// the ID, people sometimes do).
// With `stopAtPositional`, everything from the first positional word on is positional (`ps ID
// [ps(1) options]`).
std::vector<std::string> parseOptions(std::string_view command,
                                      const std::vector<std::string>& args,
                                      const std::vector<OptionSpec>& specs,
                                      bool stopAtPositional = false) {
    std::vector<std::string> positional;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& word = args[i];
        if (word == "--" || (stopAtPositional && !positional.empty())) {
            if (word != "--") {
                --i;
            }
            positional.insert(positional.end(), args.begin() + static_cast<long>(i) + 1,
                              args.end());
            break;
        }
        auto option = splitOption(word);
        if (!option) {
            positional.push_back(word);
            continue;
        }
        const OptionSpec* spec = nullptr;
        for (const auto& s : specs) {
            if (std::find(s.names.begin(), s.names.end(), option->name) != s.names.end()) {
                spec = &s;
                break;
            }
        }
        if (spec == nullptr) {
            throw UsageError(std::string(command) + ": unknown option " + word);
        }
        if (spec->takesValue) {
            if (!option->value) {
                if (i + 1 >= args.size()) {
                    throw UsageError(std::string(command) + ": " + word + " needs a value");
                }
                option->value = args[++i];
            }
            spec->apply(*option->value);
        } else {
            spec->apply(option->value ? *option->value : "true");
        }
    }
    return positional;
}

std::string oneId(std::string_view command, const std::vector<std::string>& positional,
                  size_t expected = 1) {
    if (positional.empty()) {
        throw UsageError(std::string(command) + ": the container ID is missing");
    }
    if (positional.size() > expected) {
        throw UsageError(std::string(command) + ": unexpected argument '" + positional[expected] +
                         "'");
    }
    checkContainerId(positional[0]);
    return positional[0];
}

unsigned parseCount(const std::string& option, const std::string& value) {
    char* end = nullptr;
    errno = 0;
    unsigned long n = std::strtoul(value.c_str(), &end, 10);
    if (value.empty() || *end != 0 || errno != 0 || n > 1024 || value[0] == '-') {
        throw UsageError("--" + option + " " + value + ": expected a number of descriptors");
    }
    return static_cast<unsigned>(n);
}

} // namespace

Invocation parseInvocation(const std::vector<std::string>& args) {
    Invocation inv;
    size_t i = 0;
    for (; i < args.size(); ++i) {
        const std::string& word = args[i];
        auto option = splitOption(word);
        if (!option) {
            break;
        }
        auto value = [&]() -> std::string {
            if (option->value) {
                return *option->value;
            }
            if (i + 1 >= args.size()) {
                throw UsageError(word + " needs a value");
            }
            return args[++i];
        };
        const std::string& name = option->name;
        if (name == "root") {
            inv.global.root = value();
        } else if (name == "log") {
            inv.global.log = value();
        } else if (name == "log-format") {
            std::string f = value();
            if (f == "text") {
                inv.global.logFormat = LogFormat::Text;
            } else if (f == "json") {
                inv.global.logFormat = LogFormat::Json;
            } else {
                throw UsageError("--log-format " + f + ": expected text or json");
            }
        } else if (name == "systemd-cgroup") {
            inv.global.systemdCgroup = option->value ? parseBool(name, *option->value) : true;
        } else if (name == "debug") {
            inv.global.debug = option->value ? parseBool(name, *option->value) : true;
        } else if (name == "runc") {
            inv.global.runc = value();
        } else if (name == "criu" || name == "rootless") {
            value(); // runc's; nothing here to do with them
        } else if (name == "version" || name == "v") {
            inv.version = true;
            return inv;
        } else if (name == "help" || name == "h") {
            inv.help = true;
            return inv;
        } else {
            throw UsageError("unknown global option " + word + " (see uk-runtime --help)");
        }
    }
    if (i < args.size()) {
        inv.command = args[i];
        inv.commandArgs.assign(args.begin() + static_cast<long>(i) + 1, args.end());
    } else {
        inv.help = true;
    }
    return inv;
}

CreateOptions parseCreateOptions(const std::vector<std::string>& args) {
    CreateOptions o;
    auto ignore = [](const std::string&) {};
    std::vector<OptionSpec> specs = {
        {{"bundle", "b"}, true, [&](const std::string& v) { o.bundle = v; }},
        {{"pid-file"}, true, [&](const std::string& v) { o.pidFile = v; }},
        {{"console-socket"}, true, [&](const std::string& v) { o.consoleSocket = v; }},
        {{"preserve-fds"},
         true,
         [&](const std::string& v) { o.preserveFds = parseCount("preserve-fds", v); }},
        {{"no-pivot"}, false, ignore},       // no pivot_root: there is no container mount
        {{"no-new-keyring"}, false, ignore}, // namespace here, nor a session keyring
        {{"notify-socket"}, true, ignore},
    };
    o.id = oneId("create", parseOptions("create", args, specs));
    return o;
}

KillOptions parseKillOptions(const std::vector<std::string>& args) {
    KillOptions o;
    std::vector<OptionSpec> specs = {
        {{"all", "a"}, false, [&](const std::string& v) { o.all = parseBool("all", v); }},
    };
    auto positional = parseOptions("kill", args, specs);
    o.id = oneId("kill", positional, 2);
    if (positional.size() == 2) {
        o.signal = parseSignal(positional[1]);
    }
    return o;
}

DeleteOptions parseDeleteOptions(const std::vector<std::string>& args) {
    DeleteOptions o;
    std::vector<OptionSpec> specs = {
        {{"force", "f"}, false, [&](const std::string& v) { o.force = parseBool("force", v); }},
    };
    o.id = oneId("delete", parseOptions("delete", args, specs));
    return o;
}

PsOptions parsePsOptions(const std::vector<std::string>& args) {
    PsOptions o;
    std::vector<OptionSpec> specs = {
        {{"format", "f"},
         true,
         [&](const std::string& v) {
             if (v != "json" && v != "table") {
                 throw UsageError("ps: --format " + v + ": expected table or json");
             }
             o.json = v == "json";
         }},
    };
    auto positional = parseOptions("ps", args, specs, true);
    // `runc ps ID [ps(1) options]`: there is no ps(1) to give them to here.
    o.id = oneId("ps", positional, std::max<size_t>(positional.size(), 1));
    return o;
}

std::string parseIdArgument(std::string_view command, const std::vector<std::string>& args) {
    return oneId(command, parseOptions(command, args, {}));
}

int parseSignal(std::string_view text) {
    if (text.empty()) {
        throw UsageError("kill: an empty signal");
    }
    if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        int n = text.size() <= 3 ? std::atoi(std::string(text).c_str()) : 0;
        if (n < 1 || n >= NSIG) {
            throw UsageError("kill: " + std::string(text) + " is not a signal number");
        }
        return n;
    }
    std::string name(text);
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (name.rfind("SIG", 0) == 0) {
        name.erase(0, 3);
    }
    static const struct {
        const char* name;
        int number;
    } kSignals[] = {
        {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
        {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
        {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
        {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
        {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
        {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
        {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
        {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL},     {"PWR", SIGPWR},
        {"SYS", SIGSYS},
    };
    for (const auto& s : kSignals) {
        if (name == s.name) {
            return s.number;
        }
    }
    throw UsageError("kill: unknown signal '" + std::string(text) + "'");
}

void checkContainerId(std::string_view id) {
    auto allowed = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '-' ||
               c == '.';
    };
    if (id.empty() || id == "." || id == ".." || id.size() > 1024 ||
        !std::all_of(id.begin(), id.end(), allowed)) {
        throw UsageError("invalid container ID '" + std::string(id) +
                         "': letters, digits, '_', '+', '-' and '.' only");
    }
}

std::string runtimeUsage() {
    return "usage: uk-runtime [global options] COMMAND [options] ID\n"
           "\n"
           "An OCI runtime with runc's command line. A bundle whose root file system holds a uk\n"
           "kernel (/.uk/kernel, as `uk convert --format docker` makes images) boots as a\n"
           "unikernel under `uk run`; every other bundle, and every container that is not\n"
           "uk's, is handed to runc with the same command line.\n"
           "\n"
           "commands:\n"
           "  create [--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] ID\n"
           "                 prepare the container; its process waits for `start`\n"
           "  start ID       let the container's process run\n"
           "  state ID       print the container's state as JSON\n"
           "  kill [--all] ID [SIGNAL]\n"
           "                 send SIGNAL (default TERM; a name or a number) to the container\n"
           "  delete [--force] ID\n"
           "                 remove a stopped (or, with --force, any) container\n"
           "  ps [--format json] ID, pause ID, resume ID\n"
           "  features       print what this runtime supports, as JSON\n"
           "\n"
           "global options:\n"
           "  --root DIR              container state (default /run/uk-runtime)\n"
           "  --log FILE              append log lines (errors included) to FILE\n"
           "  --log-format text|json  the log's format (default text)\n"
           "  --systemd-cgroup        cgroupsPath is systemd's slice:prefix:name\n"
           "  --debug                 log debug lines too\n"
           "  --runc PATH             runc for other bundles (default $UK_RUNTIME_RUNC, else\n"
           "                          runc from PATH)\n"
           "  -v, --version           print the version\n"
           "  -h, --help              show this help\n"
           "\n"
           "See docs/oci-runtime.md for Docker, containerd and Kubernetes.\n";
}

} // namespace uk::runtime
