// The library OS's file system state (guest only): its one name space, the process's
// context (root, cwd, umask, descriptors), the boot-time mounting of the root file system,
// and what /proc shows about the program.
#pragma once

#include <stddef.h>

#include "vfs.h"

namespace uk::arch {
struct BootInfo;
}

namespace uk::vfs {

Vfs& system();
// The running process's context (root, cwd, umask, descriptors).
Context& current();
// The context made at boot, which becomes the first process's.
Context& bootContext();

// At boot: a ramfs at "/", filled from the initrd (the PVH module, else the image's
// embedded .uk.initrd section, else left empty), /dev, /proc and /sys mounted on top (and
// /tmp created if the tree has none), and descriptors 0, 1, 2 opened on /dev/console.
// A corrupt initrd stops the boot with "[uk] initrd: ..." naming the entry.
void mountRootFs(const arch::BootInfo& boot);

// What /proc/self/exe, cmdline and environ show. The strings are copied.
void setExePath(const char* path);
void setProgramArguments(const char* const* argv, size_t argc, const char* const* envp,
                         size_t envc);
// The working directory from the image configuration: chdir there (a notice if missing).
void setInitialWorkdir(const char* path);

// The pseudo file systems (vfs/devfs.cpp, procfs.cpp, sysfs.cpp): an empty root at boot,
// filled when a path first enters it (Vfs::mount's populate).
Ref<Node> makeDevfs();
void populateDevfs(Node* root);
Ref<Node> makeProcfs();
void populateProcfs(Node* root);
Ref<Node> makeSysfs();
void populateSysfs(Node* root);
// /proc/cpuinfo's text (procfs_cpu.cpp).
bool cpuinfoText(Text* out, void*);
// The path /proc/self/exe shows (may be empty).
const char* exePath();
const char* programName(); // the basename of argv[0], for /proc/self/comm and status
// The main thread's name changed (prctl PR_SET_NAME): what /proc/self/comm shows from now
// on. At most 15 bytes are kept.
void setProgramName(const char* name);

} // namespace uk::vfs
