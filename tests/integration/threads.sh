#!/usr/bin/env bash
# Threads (std::thread, mutex, condition variable, preemption) and signals (handlers,
# siglongjmp out of SIGSEGV, interval timers, EINTR, pthread_kill, masks, sigaltstack).
source "$(dirname "$0")/lib.sh"

img=$(image threads "$PROGRAMS/threads.cpp")
boot "$img"
expect_status 0 "threads program"
expect_out '^counter 160000$' "8 threads x 20000 increments under one mutex"
expect_out '^sum 500500$' "producer/consumer over a condition variable"
expect_out '^preemption ok: yes$' "a spinning thread is preempted"

# All at once in one C++ process: 8 threads on a mutex and condition variable, a pipe
# producer/consumer, file round trips, SIGSEGV recovery with siglongjmp, an interval timer.
img=$(image linux_abi "$PROGRAMS/linux_abi.cpp")
boot "$img"
expect_status 0 "the combined Linux ABI program"
expect_out '^turns sum 18000$' "8 threads taking turns through a condition variable"
expect_out '^pipe sum 12502500$' "producer/consumer over a pipe"
expect_out '^files 4 renamed, size ok, cleanup ok$' "write, rename, read back, list, remove"
expect_out '^segv recovered 3$' "SIGSEGV handler with siglongjmp, three times"
expect_out '^timer ticks >= 10: yes$' "setitimer ticks throughout"
expect_out '^result ok$' "combined result"

img=$(image signals "$PROGRAMS/signals.c")
boot "$img"
expect_status 7 "signals program (ends from its stack-overflow handler)"
expect_out '^recovered from SIGSEGV at 0x1234$' "SIGSEGV handler with siginfo, siglongjmp out"
expect_out '^recovered again at 0x5678$' "the signal mask is restored by siglongjmp"
expect_out '^alarms 5$' "setitimer + pause"
expect_out '^nanosleep r=-1 errno=Interrupted system call rem>=3s yes$' "nanosleep interrupted: EINTR and the time left"
expect_out '^usr1 1$' "pthread_kill from another thread"
expect_out '^sigtimedwait 10 code SI_TKILL handled 2$' "sigtimedwait takes a blocked signal from another thread"
expect_out '^sigtimedwait again -1 Resource temporarily unavailable$' "sigtimedwait times out"
expect_out '^usr1 while blocked 1$' "a blocked signal stays pending"
expect_out '^pending: 1$' "sigpending shows it"
expect_out '^usr1 after unblock 2$' "unblocking delivers it"
expect_out '^overflow handler on alt stack: yes$' "stack overflow handled on the sigaltstack"
finish
