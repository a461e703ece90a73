// `uk-runtime`: the OCI runtime (runc's command line) over the runtime library.
#include <signal.h>

#include <string>
#include <vector>

#include <uk/runtime/commands.h>

int main(int argc, char** argv) {
    // A shim that stops reading the log pipe must not kill a command half-way.
    signal(SIGPIPE, SIG_IGN);
    return uk::runtime::runtimeMain(std::vector<std::string>(argv, argv + argc));
}
