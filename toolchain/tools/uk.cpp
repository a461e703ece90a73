// The `uk` command: a thin dispatcher over the toolchain and loader libraries.
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <uk/converters/commands.h>
#include <uk/loader/commands.h>
#include <uk/toolchain/commands.h>

namespace {

struct Command {
    const char* name;
    const char* summary;
    int (*main)(const std::vector<std::string>& args);
};

const Command kCommands[] = {
    {"build", "compile C/C++ sources into a bootable unikernel image", uk::toolchain::buildCommand},
    {"pack", "pack a directory tree and a program in it into a bootable image",
     uk::toolchain::packCommand},
    {"inspect", "show an image's configuration and root file system without booting it",
     uk::loader::inspectCommand},
    {"convert", "turn a Docker/OCI image into a unikernel image that runs its programs",
     uk::converters::convertCommand},
    {"run", "boot an image under QEMU and return the application's exit status",
     uk::loader::runCommand},
    {"ps", "list detached instances (uk run -d) with their CPU, memory and network use",
     uk::loader::psCommand},
    {"logs", "print (or follow) what a detached instance printed", uk::loader::logsCommand},
    {"stop", "stop detached instances (SIGTERM, then SIGKILL after a grace time)",
     uk::loader::stopCommand},
    {"rm", "remove ended detached instances and their logs", uk::loader::rmCommand},
    {"wait", "wait for detached instances to end and print their exit statuses",
     uk::loader::waitCommand},
    {"metrics", "the instances' CPU, memory and network use as Prometheus metrics",
     uk::loader::metricsCommand},
    {"export", "write a shell script (QEMU) or Firecracker config that boots an image without uk",
     uk::loader::exportCommand},
};

void usage(FILE* out) {
    std::fprintf(out,
                 "usage: uk <command> [options]\n"
                 "\n"
                 "uk turns C and C++ programs into unikernels: one bootable image holding the\n"
                 "application and a library OS, run on QEMU/KVM.\n"
                 "\n"
                 "commands:\n");
    for (const auto& c : kCommands) {
        std::fprintf(out, "  %-8s %s\n", c.name, c.summary);
    }
    std::fprintf(out, "\n"
                      "  uk <command> --help   shows a command's options\n"
                      "  uk --version          prints the version\n");
}

} // namespace

int main(int argc, char** argv) {
    // Writes to a closed pipe (e.g. `uk run app.img | head`) report EPIPE, not kill us.
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    std::string cmd = argv[1];
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
        usage(stdout);
        return 0;
    }
    if (cmd == "--version" || cmd == "version") {
        std::printf("uk %s\n", UK_VERSION);
        return 0;
    }
    for (const auto& c : kCommands) {
        if (cmd == c.name) {
            return c.main(std::vector<std::string>(argv + 2, argv + argc));
        }
    }
    std::fprintf(stderr, "uk: unknown command '%s' (see 'uk --help')\n", cmd.c_str());
    return 2;
}
