// __cxa_thread_atexit_impl: how C++ thread_local objects get destroyed. Debian's libc++abi
// was built against glibc, which provides it; musl does not.
//
// Each thread keeps its own list of destructors, newest first, so they run in reverse
// order of registration. They run when the thread exits (a pthread key destructor) or,
// for the thread that calls exit() (usually the main thread, by returning from main), from
// an atexit handler: no key destructors run at process exit. Unlike glibc, which runs them
// before all atexit handlers, that handler runs in atexit order, so static objects
// constructed after the first thread_local was registered are destroyed before it (as with
// libstdc++'s fallback for C libraries without this function).
#include <pthread.h>
#include <stdlib.h>

#include "ukrt_internal.h"

struct Destructor {
    void (*run)(void*);
    void* object;
    struct Destructor* next;
};

static __thread struct Destructor* threadDestructors;
static pthread_key_t threadExitKey;
static pthread_once_t initialized = PTHREAD_ONCE_INIT;

static void runThreadDestructors(void) {
    // A destructor may construct, and so register, another thread_local object: run until
    // none is left.
    struct Destructor* d;
    while ((d = threadDestructors) != NULL) {
        threadDestructors = d->next;
        d->run(d->object);
        free(d);
    }
}

static void atThreadExit(void* unused) {
    (void)unused;
    runThreadDestructors();
}

static void initialize(void) {
    if (pthread_key_create(&threadExitKey, atThreadExit) != 0 ||
        atexit(runThreadDestructors) != 0) {
        __ukrt_fatal("cannot set up thread_local destruction");
    }
}

int __cxa_thread_atexit_impl(void (*run)(void*), void* object, void* dsoSymbol) {
    (void)dsoSymbol; // images are linked statically: no shared object is ever unloaded
    pthread_once(&initialized, initialize);
    struct Destructor* d = malloc(sizeof *d);
    if (d == NULL) {
        __ukrt_fatal("out of memory registering a thread_local destructor");
    }
    d->run = run;
    d->object = object;
    d->next = threadDestructors;
    threadDestructors = d;
    // Any non-null value makes the key's destructor run when this thread exits.
    pthread_setspecific(threadExitKey, d);
    return 0;
}
