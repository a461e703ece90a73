// Processes: what threads share (an address space, descriptors and working directory, signal
// dispositions and process-directed signals), the parent/child tree, exit statuses for
// wait4/waitid, and vfork's hand-over of memory.
//
// The first process (pid 1) is the image's program; when it ends, the machine stops with
// its status, as a container ends with its entrypoint. Other processes come from vfork,
// posix_spawn (clone with CLONE_VM | CLONE_VFORK) and execve; full fork (copying an address
// space) is not supported yet.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../kernel/signals.h"
#include "../sched/timer.h"
#include "../sched/wait_queue.h"

namespace uk::mm {
class AddressSpace;
}
namespace uk::vfs {
struct Context;
}
namespace uk::sched {
struct Thread;
}

namespace uk::proc {

// A vfork parent sleeps on this (in its own stack frame) until the child execs or exits.
struct VforkWait {
    sched::WaitQueue queue;
    bool released = false;
};

struct Process;

// setitimer/alarm: ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF of one process.
struct IntervalTimer {
    sched::Timer timer{};
    uint64_t intervalNs = 0;
    uint64_t deadlineNs = 0; // 0: disarmed
    int signal = 0;
    Process* owner = nullptr;
};

struct Process {
    int pid = 0;
    int pgid = 0;
    int sid = 0;
    Process* parent = nullptr;
    Process* children = nullptr; // first child
    Process* sibling = nullptr;  // the parent's next child
    Process* allNext = nullptr;  // every process, live or zombie

    mm::AddressSpace* as = nullptr;
    VforkWait* vfork = nullptr; // the parent waiting for this child's execve or exit
    bool borrowsMemory = false; // `as` is the vfork parent's (until execve or exit)
    vfs::Context* files = nullptr;

    signals::KernelSigaction actions[signals::kCount + 1] = {};
    uint64_t sigPending = 0; // process-directed signals
    int32_t sigCodes[signals::kCount + 1] = {};
    int32_t sigSenders[signals::kCount + 1] = {}; // si_pid of each pending signal
    int exitSignal = 0;                           // sent to the parent when this one ends
    IntervalTimer itimers[3];

    int threads = 0;         // live threads
    bool exiting = false;    // exit_group or a fatal signal: its threads are leaving
    bool zombie = false;     // ended, waiting for its parent's wait
    int waitStatus = 0;      // as wait4 reports it
    uint64_t exitedNs = 0;   // CPU time of its threads that have ended
    uint64_t childrenNs = 0; // CPU time of its waited-for children

    sched::WaitQueue childEvents; // its wait4/waitid callers sleep here
};

// Linux's wait status encoding.
inline int exitedStatus(int code) {
    return (code & 0xff) << 8;
}
inline int signaledStatus(int sig) {
    return sig & 0x7f;
}
// The status a shell shows for a wait status: the exit code, or 128 + the signal.
inline int shellStatus(int waitStatus) {
    return (waitStatus & 0x7f) != 0 ? 128 + (waitStatus & 0x7f) : (waitStatus >> 8) & 0xff;
}

// At boot, after sched::init: the first process (pid 1) for the main thread.
Process* createFirst(sched::Thread* main, mm::AddressSpace* as, vfs::Context* files);
// The running thread's process (nullptr in the idle thread).
Process* current();
Process* first();
// A live or zombie process by pid.
Process* find(int pid);
size_t count();
template <typename Fn>
void forEach(Fn&& fn);
Process* firstInList();

// A child of the current process for vfork/posix_spawn: it shares the caller's memory
// until execve or _exit; descriptors and signal dispositions are copied. `exitSignal` goes
// to the parent when it ends. The caller creates the child's thread and then waits with
// waitForVforkChild. nullptr when memory is exhausted.
// The caller sets its pid (its first thread's id) once that thread exists.
Process* createVforkChild(int exitSignal, VforkWait* wait);
// A child of the current process for fork: a copy of the caller's address space (nullptr
// when memory is exhausted), descriptors and signal dispositions. The parent goes on.
// With `wait` (CLONE_VFORK without CLONE_VM) the parent waits all the same.
Process* createForkChild(int exitSignal, VforkWait* wait = nullptr);
// Undoes createVforkChild/createForkChild when its thread could not be made.
void discardChild(Process* child);
void waitForVforkChild(VforkWait* wait);
// The child no longer uses its parent's memory (it called execve, or it ended): the parent
// runs again. The caller deals with p->as.
void releaseVforkParent(Process* p);

// sys_exit in a thread: the end of its process if it is the last thread.
[[noreturn]] void exitThread(int code);
// exit_group, and fatal signals: every thread of the process ends; `waitStatus` is what
// the parent's wait reports. For the first process the machine stops.
[[noreturn]] void exitGroup(int waitStatus);

// wait4/waitid's search among the current process's children: any, the one with pid `id`,
// or those in process group `id`. Returns 0 and the child in *out when one has ended,
// -EAGAIN when some match but none ended yet, -ECHILD when none match.
enum class ChildMatch { Any, Pid, Group };
long findEndedChild(ChildMatch match, int id, Process** out);
// Frees an ended child after its status was collected.
void reap(Process* child);

// CPU time of a process: its live threads plus those that ended.
uint64_t cpuNs(const Process* p);

} // namespace uk::proc

namespace uk::proc {
template <typename Fn>
void forEach(Fn&& fn) {
    for (Process* p = firstInList(); p != nullptr;) {
        Process* next = p->allNext; // fn may reap p
        fn(p);
        p = next;
    }
}
} // namespace uk::proc
