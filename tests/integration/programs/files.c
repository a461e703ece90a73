/* Files on uk's VFS: the initrd's tree (built by files.sh), writing, renaming and removing in
   ramfs, directories, symlinks, hard links, descriptors, pipes and the errors Linux gives.
   Prints "ok NAME" per check or "FAIL NAME: why"; exits non-zero if anything failed. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "checks.h"

static int put(const char* path, const char* data, int flags) {
    int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);
    if (fd < 0) {
        return -1;
    }
    ssize_t n = write(fd, data, strlen(data));
    close(fd);
    return n == (ssize_t)strlen(data) ? 0 : -1;
}

static int fails(int r, int err) {
    return r == -1 && errno == err;
}

static void initrd(void) {
    CHECK("initrd-read", strcmp(slurp("/etc/greeting"), "hello from the initrd\n") == 0, "[%s]",
          slurp("/etc/greeting"));
    struct stat st;
    CHECK("initrd-stat",
          stat("/etc/greeting", &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0640 &&
              st.st_size == 22 && st.st_mtime == 1600000000 && st.st_nlink == 1,
          "mode %o size %ld mtime %ld", st.st_mode, (long)st.st_size, (long)st.st_mtime);
    const char* big = slurp("/data/big");
    size_t len = strlen(big);
    int same = len == 10000;
    for (size_t i = 0; same && i < len; ++i) {
        same = big[i] == "0123456789"[i % 10];
    }
    CHECK("initrd-big-file", same, "length %zu", len);
    struct stat a, b;
    CHECK("initrd-hard-link",
          stat("/data/big", &a) == 0 && stat("/data/big-hardlink", &b) == 0 &&
              a.st_ino == b.st_ino && a.st_nlink == 2,
          "ino %lu/%lu nlink %lu", (unsigned long)a.st_ino, (unsigned long)b.st_ino,
          (unsigned long)a.st_nlink);
    char target[PATH_MAX];
    ssize_t n = readlink("/data/link", target, sizeof target);
    CHECK("initrd-symlink", n == 15 && memcmp(target, "../etc/greeting", 15) == 0, "n=%zd", n);
    CHECK("initrd-symlink-follow",
          strcmp(slurp("/data/link"), "hello from the initrd\n") == 0 &&
              strcmp(slurp("/abslink"), "hello from the initrd\n") == 0,
          "[%s]", slurp("/data/link"));
    CHECK("initrd-dir-mode",
          stat("/data/private", &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700,
          "mode %o", st.st_mode);
    CHECK("initrd-empty-file", stat("/data/empty", &st) == 0 && st.st_size == 0, "size %ld",
          (long)st.st_size);
    CHECK("initrd-fifo", stat("/data/fifo", &st) == 0 && S_ISFIFO(st.st_mode), "mode %o",
          st.st_mode);
}

static void cwd(void) {
    char buf[PATH_MAX];
    CHECK("getcwd-root", getcwd(buf, sizeof buf) && strcmp(buf, "/") == 0, "[%s]", buf);
    CHECK("chdir",
          chdir("/data/private/..") == 0 && getcwd(buf, sizeof buf) && strcmp(buf, "/data") == 0,
          "[%s]", buf);
    CHECK("relative-open", strcmp(slurp("link"), "hello from the initrd\n") == 0, "[%s]",
          slurp("link"));
    CHECK("getcwd-erange", getcwd(buf, 3) == NULL && errno == ERANGE, "");
    int fd = open("/etc", O_RDONLY | O_DIRECTORY);
    CHECK("fchdir",
          fd >= 0 && fchdir(fd) == 0 && getcwd(buf, sizeof buf) && strcmp(buf, "/etc") == 0, "[%s]",
          buf);
    CHECK("openat-dirfd", openat(fd, "greeting", O_RDONLY) >= 0, "");
    CHECK("chdir-back", chdir("/") == 0, "");
    close(fd);
}

static void writing(void) {
    int fd = open("/tmp/new", O_RDWR | O_CREAT | O_EXCL, 0600);
    CHECK("create", fd >= 0, "fd %d", fd);
    CHECK("write", write(fd, "hello world", 11) == 11, "");
    char buf[64] = {0};
    CHECK("lseek-read",
          lseek(fd, 6, SEEK_SET) == 6 && read(fd, buf, sizeof buf) == 5 &&
              strcmp(buf, "world") == 0,
          "[%s]", buf);
    CHECK("pwrite-pread",
          pwrite(fd, "WORLD", 5, 6) == 5 && pread(fd, buf, 11, 0) == 11 &&
              memcmp(buf, "hello WORLD", 11) == 0,
          "[%s]", buf);
    struct iovec iov[2] = {{"ab", 2}, {"cd", 2}};
    CHECK("writev", lseek(fd, 0, SEEK_END) == 11 && writev(fd, iov, 2) == 4, "");
    CHECK("ftruncate", ftruncate(fd, 5) == 0 && lseek(fd, 0, SEEK_END) == 5, "");
    struct stat st;
    CHECK("fstat-size", fstat(fd, &st) == 0 && st.st_size == 5 && (st.st_mode & 0777) == 0600,
          "size %ld mode %o", (long)st.st_size, st.st_mode);
    close(fd);
    CHECK("append",
          put("/tmp/new", "+tail", O_APPEND) == 0 && strcmp(slurp("/tmp/new"), "hello+tail") == 0,
          "[%s]", slurp("/tmp/new"));
    CHECK("rename",
          rename("/tmp/new", "/tmp/renamed") == 0 && access("/tmp/new", F_OK) == -1 &&
              strcmp(slurp("/tmp/renamed"), "hello+tail") == 0,
          "");
    CHECK("rename-over",
          put("/tmp/other", "other", O_TRUNC) == 0 && rename("/tmp/other", "/tmp/renamed") == 0 &&
              strcmp(slurp("/tmp/renamed"), "other") == 0,
          "");
    CHECK(
        "renameat2-noreplace",
        put("/tmp/x1", "1", O_TRUNC) == 0 &&
            fails(syscall(SYS_renameat2, AT_FDCWD, "/tmp/x1", AT_FDCWD, "/tmp/renamed", 1), EEXIST),
        "");
    CHECK("renameat2-exchange",
          syscall(SYS_renameat2, AT_FDCWD, "/tmp/x1", AT_FDCWD, "/tmp/renamed", 2) == 0 &&
              strcmp(slurp("/tmp/x1"), "other") == 0,
          "[%s]", slurp("/tmp/x1"));
    CHECK("unlink", unlink("/tmp/renamed") == 0 && fails(access("/tmp/renamed", F_OK), ENOENT), "");
    /* The initrd's files are writable too (ramfs). */
    CHECK("overwrite-initrd-file",
          put("/etc/greeting", "changed\n", O_TRUNC) == 0 &&
              strcmp(slurp("/data/link"), "changed\n") == 0,
          "");
    fd = open("/tmp/held", O_RDWR | O_CREAT, 0600);
    CHECK("unlinked-but-open",
          fd >= 0 && write(fd, "kept", 4) == 4 && unlink("/tmp/held") == 0 &&
              pread(fd, buf, 4, 0) == 4 && memcmp(buf, "kept", 4) == 0,
          "");
    close(fd);
    CHECK("utimensat",
          put("/tmp/t", "", O_TRUNC) == 0 &&
              utimensat(AT_FDCWD, "/tmp/t", (struct timespec[]){{1000, 0}, {2000, 0}}, 0) == 0 &&
              stat("/tmp/t", &st) == 0 && st.st_mtime == 2000 && st.st_atime == 1000,
          "mtime %ld", (long)st.st_mtime);
    CHECK("chmod-chown",
          chmod("/tmp/t", 0751) == 0 && chown("/tmp/t", 42, 43) == 0 && stat("/tmp/t", &st) == 0 &&
              (st.st_mode & 07777) == 0751 && st.st_uid == 42 && st.st_gid == 43,
          "mode %o uid %d", st.st_mode, st.st_uid);
    CHECK("umask",
          umask(077) == 022 && put("/tmp/masked", "", 0) == 0 && stat("/tmp/masked", &st) == 0 &&
              (st.st_mode & 0777) == 0600 && umask(022) == 077,
          "mode %o", st.st_mode);
}

static void directories(void) {
    CHECK("mkdir", mkdir("/tmp/d", 0755) == 0, "");
    put("/tmp/d/a", "a", 0);
    put("/tmp/d/b", "b", 0);
    CHECK("mkdir-sub", mkdir("/tmp/d/sub", 0700) == 0, "");
    DIR* d = opendir("/tmp/d");
    int seen = 0, count = 0;
    struct dirent* e;
    while (d && (e = readdir(d)) != NULL) {
        count++;
        if (strcmp(e->d_name, "a") == 0 && e->d_type == DT_REG) {
            seen |= 1;
        } else if (strcmp(e->d_name, "b") == 0) {
            seen |= 2;
        } else if (strcmp(e->d_name, "sub") == 0 && e->d_type == DT_DIR) {
            seen |= 4;
        } else if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            seen |= 8;
        }
    }
    if (d) {
        closedir(d);
    }
    CHECK("getdents", seen == 15 && count == 5, "seen %d count %d", seen, count);
    struct stat st;
    CHECK("dir-nlink", stat("/tmp/d", &st) == 0 && st.st_nlink == 3, "nlink %lu",
          (unsigned long)st.st_nlink);
    CHECK("rmdir-notempty", fails(rmdir("/tmp/d"), ENOTEMPTY), "");
    CHECK("unlink-dir-eisdir", fails(unlink("/tmp/d"), EISDIR), "");
    CHECK("rmdir",
          unlink("/tmp/d/a") == 0 && unlink("/tmp/d/b") == 0 && rmdir("/tmp/d/sub") == 0 &&
              rmdir("/tmp/d") == 0,
          "");
    /* Listing the initrd's root. */
    d = opendir("/");
    int dev = 0, etc = 0;
    while (d && (e = readdir(d)) != NULL) {
        dev |= strcmp(e->d_name, "dev") == 0;
        etc |= strcmp(e->d_name, "etc") == 0;
    }
    if (d) {
        closedir(d);
    }
    CHECK("getdents-root", dev && etc, "dev %d etc %d", dev, etc);
}

static void links(void) {
    CHECK("symlink", symlink("/tmp/target", "/tmp/sl") == 0, "");
    char buf[PATH_MAX];
    ssize_t n = readlink("/tmp/sl", buf, sizeof buf);
    CHECK("readlink", n == 11 && memcmp(buf, "/tmp/target", 11) == 0, "n=%zd", n);
    CHECK("dangling", fails(open("/tmp/sl", O_RDONLY), ENOENT), "");
    CHECK("create-through-symlink",
          put("/tmp/sl", "via link", 0) == 0 && strcmp(slurp("/tmp/target"), "via link") == 0, "");
    struct stat st;
    CHECK("lstat", lstat("/tmp/sl", &st) == 0 && S_ISLNK(st.st_mode) && st.st_size == 11, "");
    CHECK("nofollow", fails(open("/tmp/sl", O_RDONLY | O_NOFOLLOW), ELOOP), "");
    symlink("loop2", "/tmp/loop1");
    symlink("loop1", "/tmp/loop2");
    CHECK("eloop", fails(open("/tmp/loop1", O_RDONLY), ELOOP), "");
    CHECK("link",
          link("/tmp/target", "/tmp/hard") == 0 && stat("/tmp/hard", &st) == 0 && st.st_nlink == 2,
          "nlink %lu", (unsigned long)st.st_nlink);
    CHECK("link-shares-data",
          put("/tmp/hard", "shared", O_TRUNC) == 0 && strcmp(slurp("/tmp/target"), "shared") == 0,
          "");
    CHECK("link-count-down",
          unlink("/tmp/target") == 0 && stat("/tmp/hard", &st) == 0 && st.st_nlink == 1, "");
    CHECK("link-dir-eperm", fails(link("/tmp", "/tmp2"), EPERM), "");
}

static void descriptors(void) {
    put("/tmp/fdtest", "0123456789", O_TRUNC);
    int fd = open("/tmp/fdtest", O_RDWR);
    int d = dup(fd);
    char c;
    CHECK("dup-shares-offset", d > fd && read(fd, &c, 1) == 1 && read(d, &c, 1) == 1 && c == '1',
          "c=%c", c);
    CHECK("dup2", dup2(fd, 10) == 10 && read(10, &c, 1) == 1 && c == '2', "");
    CHECK("dup2-same", dup2(10, 10) == 10, "");
    CHECK("dup3-cloexec", dup3(fd, 11, O_CLOEXEC) == 11 && fcntl(11, F_GETFD) == FD_CLOEXEC, "");
    CHECK("dup3-same-einval", fails(dup3(11, 11, 0), EINVAL), "");
    CHECK("fcntl-setfd",
          fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC &&
              fcntl(d, F_GETFD) == 0,
          "");
    CHECK("fcntl-dupfd",
          fcntl(fd, F_DUPFD, 20) == 20 && fcntl(fd, F_DUPFD_CLOEXEC, 20) == 21 &&
              fcntl(21, F_GETFD) == FD_CLOEXEC,
          "");
    CHECK("fcntl-getfl", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR, "");
    CHECK("fcntl-setfl-shared",
          fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK) == 0 &&
              (fcntl(d, F_GETFL) & (O_APPEND | O_NONBLOCK)) == (O_APPEND | O_NONBLOCK),
          "");
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    CHECK("fcntl-setlk", fcntl(fd, F_SETLK, &lk) == 0, "");
    CHECK("fcntl-getlk", fcntl(fd, F_GETLK, &lk) == 0 && lk.l_type == F_UNLCK, "");
    CHECK("close", close(d) == 0 && fails(close(d), EBADF), "");
    CHECK("fionread", lseek(fd, 0, SEEK_SET) == 0 && ioctl(fd, FIONREAD, &d) == 0 && d == 10,
          "d=%d", d);
    CHECK("tcgets-enotty", !isatty(fd) && errno == ENOTTY, "");
    close(fd);
    close(10);
    close(11);
    close(20);
    close(21);
    /* The console: descriptors 0-2, one description of /dev/console. */
    struct stat st;
    CHECK("console-fds", fstat(1, &st) == 0 && S_ISCHR(st.st_mode) && isatty(0) && isatty(2),
          "mode %o", st.st_mode);
    char path[64] = {0};
    CHECK("console-path",
          readlink("/proc/self/fd/1", path, sizeof path) == 12 && strcmp(path, "/dev/console") == 0,
          "[%s]", path);
}

static int sigpipes;
static void onSigpipe(int sig) {
    (void)sig;
    sigpipes++;
}

static void pipes(void) {
    int p[2];
    CHECK("pipe", pipe(p) == 0, "");
    char buf[16] = {0};
    int avail = 0;
    CHECK("pipe-write-read",
          write(p[1], "ping", 4) == 4 && ioctl(p[0], FIONREAD, &avail) == 0 && avail == 4 &&
              read(p[0], buf, sizeof buf) == 4 && strcmp(buf, "ping") == 0,
          "avail %d", avail);
    CHECK("pipe-size", fcntl(p[0], F_GETPIPE_SZ) == 65536, "");
    CHECK("pipe-nonblock",
          fcntl(p[0], F_SETFL, O_NONBLOCK) == 0 && fails(read(p[0], buf, 1), EAGAIN), "");
    CHECK("pipe-lseek-espipe", fails(lseek(p[0], 0, SEEK_SET), ESPIPE), "");
    CHECK("pipe-eof", close(p[1]) == 0 && read(p[0], buf, 1) == 0, "");
    close(p[0]);
    int q[2];
    CHECK("pipe2-flags",
          pipe2(q, O_CLOEXEC | O_NONBLOCK) == 0 && fcntl(q[0], F_GETFD) == FD_CLOEXEC &&
              (fcntl(q[1], F_GETFL) & O_NONBLOCK),
          "");
    signal(SIGPIPE, onSigpipe);
    close(q[0]);
    CHECK("pipe-epipe-sigpipe", fails(write(q[1], "x", 1), EPIPE) && sigpipes == 1, "sigpipes %d",
          sigpipes);
    close(q[1]);
    signal(SIGPIPE, SIG_DFL);
    /* Through a FIFO from the initrd, opened both ways. */
    int r = open("/data/fifo", O_RDONLY | O_NONBLOCK);
    int w = open("/data/fifo", O_WRONLY | O_NONBLOCK);
    CHECK("fifo",
          r >= 0 && w >= 0 && write(w, "fifo", 4) == 4 && read(r, buf, 4) == 4 &&
              memcmp(buf, "fifo", 4) == 0,
          "r %d w %d", r, w);
    close(r);
    close(w);
}

static void errors(void) {
    CHECK("enoent", fails(open("/nope", O_RDONLY), ENOENT), "");
    CHECK("enoent-dir", fails(open("/nope/x", O_RDONLY | O_CREAT, 0644), ENOENT), "");
    CHECK("eexist", fails(open("/etc/greeting", O_RDONLY | O_CREAT | O_EXCL, 0644), EEXIST), "");
    CHECK("eexist-mkdir", fails(mkdir("/etc", 0755), EEXIST), "");
    CHECK("enotdir", fails(open("/etc/greeting/x", O_RDONLY), ENOTDIR), "");
    CHECK("enotdir-slash", fails(open("/etc/greeting/", O_RDONLY), ENOTDIR), "");
    CHECK("eisdir", fails(open("/tmp", O_WRONLY), EISDIR), "");
    char c;
    CHECK("eisdir-read", fails(read(open("/etc", O_RDONLY), &c, 1), EISDIR), "");
    CHECK("ebadf", fails(read(999, &c, 1), EBADF) && fails(close(-1), EBADF), "");
    CHECK("ebadf-wronly", fails(read(open("/tmp/fdtest", O_WRONLY), &c, 1), EBADF), "");
    CHECK("efault", fails(open((const char*)1, O_RDONLY), EFAULT), "");
    char longName[300];
    memset(longName, 'n', sizeof longName - 1);
    longName[0] = '/';
    longName[sizeof longName - 1] = 0;
    CHECK("enametoolong", fails(open(longName, O_RDONLY), ENAMETOOLONG), "");
    CHECK("enotempty", fails(rmdir("/etc"), ENOTEMPTY), "");
    CHECK("exdev", fails(rename("/tmp/fdtest", "/proc/x"), EXDEV), "");
    CHECK("ebusy", fails(rmdir("/proc"), EBUSY), "");
}

int main(void) {
    initrd();
    cwd();
    writing();
    directories();
    links();
    descriptors();
    pipes();
    errors();
    if (failures) {
        printf("%d checks failed\n", failures);
        return 1;
    }
    printf("all checks passed\n");
    return 0;
}
