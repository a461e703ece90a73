#include "process.h"

#include "../app/process.h"
#include "../base/new.h"
#include "../kernel/log.h"
#include "../mm/address_space.h"
#include "../sched/scheduler.h"
#include "../syscalls/errno.h"
#include "../syscalls/timers.h"
#include "../vfs/system.h"
#include "../vfs/vfs.h"

namespace uk::proc {

namespace {

Process* g_first = nullptr;
Process* g_all = nullptr;
size_t g_count = 0;

void link(Process* p) {
    p->allNext = g_all;
    g_all = p;
    ++g_count;
}

void unlink(Process* p) {
    for (Process** q = &g_all; *q != nullptr; q = &(*q)->allNext) {
        if (*q == p) {
            *q = p->allNext;
            --g_count;
            return;
        }
    }
}

void addChild(Process* parent, Process* child) {
    child->parent = parent;
    child->sibling = parent->children;
    parent->children = child;
}

void removeChild(Process* parent, Process* child) {
    for (Process** q = &parent->children; *q != nullptr; q = &(*q)->sibling) {
        if (*q == child) {
            *q = child->sibling;
            child->sibling = nullptr;
            return;
        }
    }
}

// Does the parent want no zombies (SIGCHLD ignored, or SA_NOCLDWAIT)? Then children are
// reaped as they end, as on Linux.
bool parentDiscardsChildren(const Process* parent) {
    const signals::KernelSigaction& a = parent->actions[signals::SIGCHLD];
    return a.handler == signals::kSigIgn || (a.flags & signals::SA_NOCLDWAIT);
}

// The end of a process, on its last thread: descriptors close, memory goes (unless it was
// borrowed from a vfork parent), children go to the first process, the parent hears of it.
[[noreturn]] void finish(Process* p) {
    sched::Thread* self = sched::current();
    for (IntervalTimer& it : p->itimers) {
        sched::cancelTimer(&it.timer);
    }
    sys::deletePosixTimers(p->pid);
    p->exitedNs += sched::threadCpuNs(self);
    --p->threads;
    if (p->borrowsMemory) {
        p->as = nullptr; // borrowed from the parent, which gets it back now
        p->borrowsMemory = false;
    }
    releaseVforkParent(p);
    delete p->files; // closing pipes wakes their readers and writers
    p->files = nullptr;
    if (p->as != nullptr) {
        // Off our own page tables first: the first process's are always there.
        mm::activate(g_first->as);
        mm::AddressSpace::destroy(p->as);
        p->as = nullptr;
    }
    while (Process* c = p->children) {
        removeChild(p, c);
        addChild(g_first, c);
        if (c->zombie) {
            g_first->childEvents.wakeAll();
        }
    }
    p->zombie = true;
    Process* parent = p->parent;
    self->process = nullptr;
    if (p->exitSignal != 0 && !parentDiscardsChildren(parent)) {
        signals::SigInfo info{};
        info.signo = p->exitSignal;
        int code = (p->waitStatus & 0x7f) != 0 ? 2 : 1; // CLD_KILLED : CLD_EXITED
        info.code = code;
        info.u.kill.pid = p->pid;
        signals::sendToProcess(parent, p->exitSignal, info);
    }
    if (parentDiscardsChildren(parent)) {
        reap(p);
    }
    parent->childEvents.wakeAll();
    sched::exitCurrent();
}

} // namespace

Process* createFirst(sched::Thread* main, mm::AddressSpace* as, vfs::Context* files) {
    auto* p = new (std::nothrow) Process;
    if (p == nullptr) {
        log::panic("out of memory creating the first process");
    }
    p->pid = p->pgid = p->sid = main->tid;
    p->as = as;
    p->files = files;
    p->threads = 1;
    main->process = p;
    g_first = p;
    link(p);
    return p;
}

Process* current() {
    sched::Thread* t = sched::current();
    return t != nullptr ? t->process : nullptr;
}

Process* first() {
    return g_first;
}

Process* firstInList() {
    return g_all;
}

Process* find(int pid) {
    for (Process* p = g_all; p != nullptr; p = p->allNext) {
        if (p->pid == pid) {
            return p;
        }
    }
    return nullptr;
}

size_t count() {
    return g_count;
}

namespace {
// A new child of the current process with copies of its descriptors, working directory and
// signal dispositions; no address space yet.
Process* newChild(int exitSignal) {
    Process* parent = current();
    auto* p = new (std::nothrow) Process;
    if (p == nullptr) {
        return nullptr;
    }
    p->files = new (std::nothrow) vfs::Context(parent->files->vfs);
    if (p->files == nullptr || p->files->fds.copyFrom(parent->files->fds) < 0) {
        delete p->files;
        delete p;
        return nullptr;
    }
    p->files->root = parent->files->root;
    p->files->cwd = parent->files->cwd;
    p->files->umask = parent->files->umask;
    p->files->cred = parent->files->cred;
    p->pgid = parent->pgid;
    p->sid = parent->sid;
    p->exitSignal = exitSignal;
    for (int s = 1; s <= signals::kCount; ++s) {
        p->actions[s] = parent->actions[s];
    }
    addChild(parent, p);
    link(p);
    return p;
}
} // namespace

Process* createVforkChild(int exitSignal, VforkWait* wait) {
    Process* p = newChild(exitSignal);
    if (p != nullptr) {
        p->as = current()->as;
        p->borrowsMemory = true;
        p->vfork = wait;
    }
    return p;
}

Process* createForkChild(int exitSignal, VforkWait* wait) {
    mm::AddressSpace* copy = current()->as->duplicate();
    if (copy == nullptr) {
        return nullptr;
    }
    Process* p = newChild(exitSignal);
    if (p == nullptr) {
        mm::AddressSpace::destroy(copy);
        return nullptr;
    }
    p->as = copy;
    p->vfork = wait;
    return p;
}

void discardChild(Process* child) {
    if (!child->borrowsMemory && child->as != nullptr) {
        mm::AddressSpace::destroy(child->as);
    }
    removeChild(child->parent, child);
    unlink(child);
    delete child->files;
    delete child;
}

void waitForVforkChild(VforkWait* wait) {
    // Not interruptible: the child runs on this process's memory and stack, so the parent
    // must not return (or end) before the child lets go.
    while (!wait->released) {
        wait->queue.wait(0, false);
    }
}

void releaseVforkParent(Process* p) {
    if (p->vfork != nullptr) {
        VforkWait* w = p->vfork;
        p->vfork = nullptr;
        w->released = true;
        w->queue.wakeAll();
    }
}

void exitThread(int code) {
    Process* p = current();
    if (p->threads <= 1) {
        exitGroup(p->exiting ? p->waitStatus : exitedStatus(code));
    }
    --p->threads;
    p->exitedNs += sched::threadCpuNs(sched::current());
    sched::current()->process = nullptr;
    sched::exitCurrent();
}

void exitGroup(int waitStatus) {
    Process* p = current();
    if (p == g_first) {
        app::exitProcess(shellStatus(waitStatus));
    }
    if (!p->exiting) {
        p->exiting = true;
        p->waitStatus = waitStatus;
        sched::forEachThread([&](sched::Thread* t) {
            if (t->process == p && t != sched::current()) {
                t->sigPending |= signals::bit(signals::SIGKILL);
                sched::interrupt(t);
            }
        });
    }
    if (p->threads > 1) {
        --p->threads;
        p->exitedNs += sched::threadCpuNs(sched::current());
        sched::current()->process = nullptr;
        sched::exitCurrent();
    }
    finish(p);
}

long findEndedChild(ChildMatch match, int id, Process** out) {
    bool any = false;
    for (Process* c = current()->children; c != nullptr; c = c->sibling) {
        bool matches = match == ChildMatch::Any || (match == ChildMatch::Pid && c->pid == id) ||
                       (match == ChildMatch::Group && c->pgid == id);
        if (!matches) {
            continue;
        }
        any = true;
        if (c->zombie) {
            *out = c;
            return 0;
        }
    }
    return any ? -EAGAIN : -ECHILD;
}

void reap(Process* child) {
    if (child->parent != nullptr) {
        child->parent->childrenNs += child->exitedNs + child->childrenNs;
        removeChild(child->parent, child);
    }
    unlink(child);
    delete child;
}

uint64_t cpuNs(const Process* p) {
    uint64_t ns = p->exitedNs;
    sched::forEachThread([&](sched::Thread* t) {
        if (t->process == p) {
            ns += sched::threadCpuNs(t);
        }
    });
    return ns;
}

} // namespace uk::proc
