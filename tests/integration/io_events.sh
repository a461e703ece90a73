#!/usr/bin/env bash
# I/O multiplexing and event descriptors: poll, select, ppoll and pselect (timeouts, signal
# masks, EINTR, POLLHUP/POLLNVAL), epoll (level- and edge-triggered, one-shot, nested, woken
# from another thread), eventfd, timerfd, POSIX timers, extended attributes, prctl names.
source "$(dirname "$0")/lib.sh"

img=$(image io_events "$PROGRAMS/io_events.c")
boot "$img"
expect_status 0 "io_events program"
expect_out '^all checks passed$' "every I/O event check passed"
expect_no_out '^FAIL' "no failed I/O event checks"
for name in poll-timeout poll-woken-by-thread poll-hangup poll-nval select-timeout ppoll-eintr \
    pselect-eintr epoll-level-again epoll-edge-and-oneshot epoll-nested-woken \
    eventfd-semaphore timerfd-periodic timer-signals getxattr-enodata prctl-name; do
    expect_out "^ok $name\$" "$name"
done
# glibc falls back quietly without rseq, and nothing here is an unknown system call.
expect_no_out 'unsupported system call' "no unknown system calls"
finish
