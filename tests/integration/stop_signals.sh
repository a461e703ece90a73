#!/usr/bin/env bash
# Signals from outside: uk run passes SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2
# on to the application's first process (as docker run proxies signals and docker stop
# sends SIGTERM to the container's init), through the console input's framing. An
# application that handles SIGTERM says goodbye and picks its exit status; one that ends on
# it by default ends the VM with 143; one that ignores it is stopped by uk run itself at the
# third SIGTERM/SIGINT (status 128 + the signal).
source "$(dirname "$0")/lib.sh"
trap stop_vm EXIT

img=$(image stop_signals "$PROGRAMS/stop_signals.c")
sleeper="$IMAGES/sleeper.img"

if start_vm '^ready$' --net none "$img"; then
    kill -USR1 "$VM"
    sleep 0.5
    kill -HUP "$VM"
    sleep 0.5
    kill -TERM "$VM"
    wait_vm
    expect_status 7 "the application's SIGTERM handler picks the exit status"
    expect_exact "$(printf 'ready\ngot User defined signal 1\ngot Hangup\ngot Terminated\ngoodbye')" \
        "SIGUSR1, SIGHUP and SIGTERM reach the application in order"
fi

# (A background job of a non-interactive shell starts with SIGINT ignored, and uk run keeps
# it so: SIGHUP stands in for the second signal.)
if start_vm '^ready$' --net none "$img" -- ignore; then
    kill -TERM "$VM"
    sleep 0.5
    kill -HUP "$VM"
    sleep 0.5
    if kill -0 "$VM" 2>/dev/null; then
        pass "an application that ignores SIGTERM keeps running"
    else
        fail "the VM ended although the application ignores SIGTERM"
    fi
    kill -TERM "$VM"
    wait_vm
    expect_status 143 "the third stop signal stops the VM from outside"
    expect_out '^got Hangup$' "SIGHUP reached the application before"
fi

# A program without handlers ends on SIGTERM by default: the VM's status is 128 + 15.
if start_vm 'to the application entry' -v --net none "$sleeper"; then
    kill -TERM "$VM"
    wait_vm
    expect_status 143 "SIGTERM's default action ends the application: status 143"
fi
finish
