// Command-line front ends of the loader library, called by the `uk` dispatcher.
#pragma once

#include <string>
#include <vector>

namespace uk::loader {

// `uk run IMAGE [options] [-- ARGS...]`. `args` excludes "uk" and "run". Returns the exit
// status: the application's, or 125 for problems of uk or QEMU (as `docker run` does).
int runCommand(const std::vector<std::string>& args);

// `uk inspect IMAGE [--json] [--list]`: what an image holds (uk/loader/image_inspector.h).
// Returns 0, 1 when the image is missing, not a uk image or corrupt, 2 for usage errors.
int inspectCommand(const std::vector<std::string>& args);
// Its --help text.
std::string inspectUsage();

// The lifecycle of detached instances (`uk run -d`; instance_store.h). `args` excludes "uk"
// and the command's name. Exit statuses as docker's: 0; 1 when an instance does not exist or
// an action failed (the other instances named are still handled); 125 for a wrong option.
int psCommand(const std::vector<std::string>& args);      // uk ps [-a] [-q] [--json]
int logsCommand(const std::vector<std::string>& args);    // uk logs [-f] [-n N] INSTANCE
int stopCommand(const std::vector<std::string>& args);    // uk stop [-t SECONDS] INSTANCE...
int rmCommand(const std::vector<std::string>& args);      // uk rm [-f] INSTANCE...
int waitCommand(const std::vector<std::string>& args);    // uk wait INSTANCE...
int metricsCommand(const std::vector<std::string>& args); // uk metrics [--listen ADDR:PORT]
std::string psUsage();
std::string logsUsage();
std::string stopUsage();
std::string rmUsage();
std::string waitUsage();
std::string metricsUsage();

// `uk export IMAGE --script FILE [--firecracker FILE] [options] [-- ARGS...]`: launch files
// that boot an image without uk (uk/loader/export.h). Returns 0, 1 when the image is
// missing or not a uk image or a file cannot be written, 2 for usage errors.
int exportCommand(const std::vector<std::string>& args);

} // namespace uk::loader
