// Processes from an unmodified Linux program (built on the host against glibc, packed with
// uk pack next to busybox as /bin/sh): posix_spawn, system(), popen(), vfork + execve, wait
// statuses, SIGCHLD, process ids and groups, and finally execve in the first process.
// Prints one line per check; the test script compares them.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

static volatile sig_atomic_t chld_count;
static void on_chld(int sig) {
    (void)sig;
    ++chld_count;
}

static void describe(const char* what, int status) {
    if (WIFEXITED(status)) {
        printf("%s: exited %d\n", what, WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        printf("%s: killed by signal %d\n", what, WTERMSIG(status));
    } else {
        printf("%s: status %#x\n", what, status);
    }
    fflush(stdout);
}

static int spawn_wait(const char* what, char* const argv[]) {
    pid_t pid;
    int r = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
    if (r != 0) {
        printf("%s: posix_spawn failed: %s\n", what, strerror(r));
        return -1;
    }
    int status;
    pid_t w = waitpid(pid, &status, 0);
    if (w != pid) {
        printf("%s: waitpid returned %d (%s)\n", what, (int)w, strerror(errno));
        return -1;
    }
    describe(what, status);
    return status;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    printf("pid %d ppid %d pgrp %d\n", (int)getpid(), (int)getppid(), (int)getpgrp());

    // posix_spawn: output through the shared console, status through waitpid.
    char* echo[] = {"/bin/busybox", "echo", "spawned echo", NULL};
    spawn_wait("echo", echo);
    char* code[] = {"/bin/sh", "-c", "exit 7", NULL};
    spawn_wait("exit 7", code);
    char* killed[] = {"/bin/sh", "-c", "kill -9 $$", NULL};
    spawn_wait("kill -9 self", killed);
    char* ppid[] = {"/bin/sh", "-c", "echo child ppid $PPID", NULL};
    spawn_wait("ppid", ppid);

    // A missing program: posix_spawn reports the exec error itself.
    pid_t pid;
    char* missing[] = {"/bin/not-there", NULL};
    int r = posix_spawn(&pid, missing[0], NULL, NULL, missing, environ);
    printf("missing: %s\n", r == 0 ? "spawned?" : strerror(r));

    // File actions: the child's stdout into a file, read back by the parent.
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/tmp/out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char* redirected[] = {"/bin/busybox", "echo", "into a file", NULL};
    r = posix_spawn(&pid, redirected[0], &fa, NULL, redirected, environ);
    int status = -1;
    if (r == 0 && waitpid(pid, &status, 0) == pid) {
        char buf[64] = {0};
        int fd = open("/tmp/out.txt", O_RDONLY);
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        printf("file action: %zd bytes: %s", n, buf);
    } else {
        printf("file action: failed (%s)\n", strerror(r));
    }
    posix_spawn_file_actions_destroy(&fa);

    // system() and popen() go through /bin/sh.
    status = system("echo from system; exit 3");
    describe("system", status);
    FILE* p = popen("echo popen line 1; echo popen line 2", "r");
    char line[128];
    int lines = 0;
    while (p != NULL && fgets(line, sizeof line, p) != NULL) {
        printf("popen read: %s", line);
        ++lines;
    }
    printf("pclose: %d after %d lines\n", p != NULL ? pclose(p) : -1, lines);

    // vfork + execve by hand; a failed exec lets the child report with _exit.
    pid = vfork();
    if (pid == 0) {
        char* argv[] = {"busybox", "echo", "vfork child runs", NULL};
        execve("/bin/busybox", argv, environ);
        _exit(126);
    }
    waitpid(pid, &status, 0);
    describe("vfork+execve", status);
    pid = vfork();
    if (pid == 0) {
        char* argv[] = {"nothing", NULL};
        execve("/nothing/here", argv, environ);
        _exit(errno == ENOENT ? 127 : 1);
    }
    waitpid(pid, &status, 0);
    describe("vfork+failed execve", status);

    // waitid, WNOHANG and ECHILD.
    char* quick[] = {"/bin/busybox", "true", NULL};
    posix_spawn(&pid, quick[0], NULL, NULL, quick, environ);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    r = waitid(P_PID, pid, &si, WEXITED);
    printf("waitid: %d code %s status %d same pid %d\n", r,
           si.si_code == CLD_EXITED ? "CLD_EXITED" : "other", si.si_status, si.si_pid == pid);
    r = waitpid(-1, &status, WNOHANG);
    printf("no children left: %d %s\n", r, r < 0 ? strerror(errno) : "");
    printf("SIGCHLD handled: %s\n", chld_count >= 8 ? "yes" : "no");

    // Finally the first process becomes busybox: the machine's exit status is its.
    char* last[] = {"/bin/sh", "-c", "echo exec in the first process; exit 5", NULL};
    execve(last[0], last, environ);
    printf("execve failed: %s\n", strerror(errno));
    return 1;
}
