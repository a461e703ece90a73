// The lifecycle of uk containers, one method per runc command: what `uk-runtime create`,
// `start`, `state`, `kill`, `delete`, `ps`, `pause` and `resume` do for a container whose
// bundle holds a uk kernel. Deciding which containers are uk's, and handing the others to
// runc, is the command's job (commands.h).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <uk/runtime/bundle_spec.h>
#include <uk/runtime/container_state.h>
#include <uk/runtime/runtime_log.h>
#include <uk/runtime/runtime_options.h>

namespace uk::runtime {

// Where the guests' root file systems (cpio archives, as large as the container's files) are
// written: $UK_RUNTIME_DATA_DIR, else /var/lib/uk-runtime/archives. Not the state directory,
// which is usually on a tmpfs (/run), where every archive would take host RAM besides the
// guest's.
std::filesystem::path archiveDirectory();

// The `uk` command that boots the container: $UK_RUNTIME_UK, else `uk` next to this
// program, else `uk` in PATH. Throws uk::Error naming where it looked.
std::filesystem::path findUkProgram();

class ContainerRuntime {
public:
    ContainerRuntime(const GlobalOptions& global, RuntimeLog& log) : global_(global), log_(log) {}

    // Boots nothing yet: checks the bundle and the kernel, writes the root file system
    // archive, forks the container process (waiting on its exec FIFO), joins it to its
    // cgroup, runs the prestart, createRuntime and createContainer hooks and writes the pid
    // file. Throws BundleError, HookFailed or uk::Error; nothing is left behind then.
    void create(const CreateOptions& options, const BundleSpec& spec);
    void start(const std::string& id);
    // runc's state JSON.
    std::string state(const std::string& id);
    void kill(const KillOptions& options);
    void remove(const DeleteOptions& options);
    // The container's processes (uk run, QEMU) as a JSON array of pids, or a table.
    std::string processes(const PsOptions& options);
    void pause(const std::string& id);
    void resume(const std::string& id);

private:
    StateDirectory directory(const std::string& id) const { return {global_.root, id}; }

    const GlobalOptions& global_;
    RuntimeLog& log_;
};

// `features`: what uk-runtime supports for uk containers, as runc's `features` JSON.
std::string featuresJson();

} // namespace uk::runtime
