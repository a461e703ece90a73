// Signals from outside the VM (uk run passes its own SIGTERM, SIGINT, SIGUSR1... to the
// application, as docker run and docker stop do): prints each one it gets; SIGTERM ends it
// with status 7 after a goodbye. With "ignore", it ignores SIGTERM and SIGINT instead, so
// only uk run's own stop (the third signal) ends it.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t last;

static void onSignal(int sig) {
    last = sig;
}

int main(int argc, char** argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int ignore = argc > 1 && !strcmp(argv[1], "ignore");
    struct sigaction sa = {0};
    sa.sa_handler = onSignal;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (ignore) {
        signal(SIGTERM, SIG_IGN);
        signal(SIGINT, SIG_IGN);
    } else {
        sigaction(SIGTERM, &sa, NULL);
    }
    printf("ready\n");
    for (;;) {
        pause();
        int sig = last;
        last = 0;
        if (sig != 0) {
            printf("got %s\n", strsignal(sig));
        }
        if (sig == SIGTERM) {
            printf("goodbye\n");
            return 7;
        }
    }
}
