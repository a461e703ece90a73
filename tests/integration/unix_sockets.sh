#!/usr/bin/env bash
# AF_UNIX sockets: socketpair streams and datagrams (shutdown, EOF, EPIPE and SIGPIPE,
# MSG_NOSIGNAL, MSG_TRUNC, MSG_WAITALL), a named listener in /tmp with a thread and a forked
# child connecting (accept4, names, SO_PEERCRED), the errors of bind and connect, poll and
# epoll (level- and edge-triggered) on listeners and connections, SCM_RIGHTS passing a pipe
# (also to a child), SCM_CREDENTIALS, abstract names, autobind, FIONREAD, options, fstat.
source "$(dirname "$0")/lib.sh"

img=$(image unix_sockets "$PROGRAMS/unix_sockets.c")
boot "$img"
expect_status 0 "unix_sockets program"
expect_out '^all checks passed$' "every AF_UNIX check passed"
expect_no_out '^FAIL' "no failed AF_UNIX checks"
for name in socketpair-stream stream-both-ways fionread readv-writev msg-waitall shutdown-eof \
    epipe-sigpipe msg-nosignal close-pollhup dgram-boundaries dgram-trunc seqpacket \
    dgram-sendto-path bind-creates-socket-node eaddrinuse econnrefused-enoent accept-eagain \
    poll-listener accept4-names so-peercred accepted-data fork-peercred accept-blocking \
    epoll-level epoll-edge epoll-woken-by-thread epoll-writable-edge pollrdhup epoll-listener \
    scm-rights-pipe scm-rights-ctrunc scm-rights-across-fork scm-credentials abstract-names \
    autobind sockopts so-rcvtimeo fstat-socket af-packet-eafnosupport; do
    expect_out "^ok $name\$" "$name"
done
expect_no_out 'unsupported system call' "no unknown system calls"
finish
