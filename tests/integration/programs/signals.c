#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static sigjmp_buf env;
static volatile sig_atomic_t alarms, usr1;
static volatile void* fault_addr;

static void on_segv(int sig, siginfo_t* si, void* uc) {
    fault_addr = si->si_addr;
    siglongjmp(env, 1);
}
static void on_alarm(int sig) {
    alarms++;
}
static void on_usr1(int sig, siginfo_t* si, void* uc) {
    usr1++;
}

static char altstack[65536];
static void on_segv_alt(int sig, siginfo_t* si, void* ucv) {
    char local;
    int on_alt = (&local >= altstack && &local < altstack + sizeof altstack);
    printf("overflow handler on alt stack: %s\n", on_alt ? "yes" : "no");
    _exit(7);
}
static int recurse(int n) {
    volatile char b[1024];
    b[0] = n;
    return recurse(n + 1) + b[0];
}

static void* thread_fn(void* arg) {
    pthread_kill(*(pthread_t*)arg, SIGUSR1);
    return NULL;
}

int main(int argc, char** argv) {
    struct sigaction sa = {0};
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(env, 1) == 0) {
        *(volatile int*)0x1234 = 5;
        printf("not reached\n");
    } else {
        printf("recovered from SIGSEGV at %p\n", fault_addr);
    }
    // again: the mask was restored by siglongjmp
    if (sigsetjmp(env, 1) == 0) {
        *(volatile int*)0x5678 = 5;
    } else {
        printf("recovered again at %p\n", fault_addr);
    }

    signal(SIGALRM, on_alarm);
    struct itimerval it = {{0, 20000}, {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    while (alarms < 5)
        pause();
    it.it_value.tv_usec = 0;
    it.it_interval.tv_usec = 0;
    setitimer(ITIMER_REAL, &it, NULL);
    printf("alarms %d\n", (int)alarms);

    // nanosleep interrupted by a signal returns EINTR with time left
    alarm(1);
    struct timespec req = {5, 0}, rem;
    int r = nanosleep(&req, &rem);
    printf("nanosleep r=%d errno=%s rem>=3s %s\n", r, r ? strerror(errno) : "-",
           rem.tv_sec >= 3 ? "yes" : "no");

    // a signal from another thread, with SA_RESTART
    struct sigaction su = {0};
    su.sa_sigaction = on_usr1;
    su.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGUSR1, &su, NULL);
    pthread_t self = pthread_self(), th;
    pthread_create(&th, NULL, thread_fn, &self);
    pthread_join(th, NULL);
    printf("usr1 %d\n", (int)usr1);

    // blocked then unblocked
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    printf("usr1 while blocked %d\n", (int)usr1);
    sigset_t pend;
    sigpending(&pend);
    printf("pending: %d\n", sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    printf("usr1 after unblock %d\n", (int)usr1);

    // sigtimedwait: a blocked signal sent by another thread is taken, not handled; with
    // nothing pending the wait times out.
    sigprocmask(SIG_BLOCK, &set, NULL);
    pthread_create(&th, NULL, thread_fn, &self);
    siginfo_t wi;
    struct timespec two = {2, 0}, short_wait = {0, 20000000};
    int got = sigtimedwait(&set, &wi, &two);
    pthread_join(th, NULL);
    printf("sigtimedwait %d code %s handled %d\n", got, wi.si_code == SI_TKILL ? "SI_TKILL" : "?",
           (int)usr1);
    got = sigtimedwait(&set, &wi, &short_wait);
    printf("sigtimedwait again %d %s\n", got, got < 0 ? strerror(errno) : "");
    sigprocmask(SIG_UNBLOCK, &set, NULL);

    // stack overflow caught on the alternate stack
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction so = {0};
    so.sa_sigaction = on_segv_alt;
    so.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGSEGV, &so, NULL);
    return recurse(0);
}
