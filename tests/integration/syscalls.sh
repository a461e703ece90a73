#!/usr/bin/env bash
# System calls a C program uses, an unknown system call, and strace.
source "$(dirname "$0")/lib.sh"
img="$IMAGES/syscalls.img"
boot -e "EXPECT_TIME=$(date +%s)" "$img"
expect_status 0 "syscalls program"
expect_out '^all checks passed$' "every check passed"
expect_no_out '^FAIL' "no failed checks"
expect_count 'unsupported system call io_pgetevents \(333\): returning ENOSYS' 1 \
    "unknown syscall: one line, once per number"
expect_out '^ok enosys-again$' "unknown syscall: the program went on"

boot --strace "$IMAGES/hello-c.img"
expect_status 0 "hello with --strace"
expect_out '^\[uk:strace\] writev\(1, ' "strace shows writev"
expect_out '^\[uk:strace\] exit_group\(0\) = \?$' "strace shows exit_group"
expect_out '^\[uk:strace\] ioctl\(1, 0x5413, 0x[0-9a-f]+\) = 0$' "strace decodes ioctl"
expect_out '^Hello from uk!$' "program output still there"
finish
