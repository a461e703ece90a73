#!/usr/bin/env bash
# uk run --start-gate FIFO: the guest boots up to its application's entry and waits there
# until something is written to the FIFO (how uk-runtime splits a container's create and
# start). Checked with real boots: nothing of the application shows before the write (it
# runs ahead only to its first outside system call: a long computation is parked with its
# guest idle, a fault is reported after the start); a plain "0" starts it; a SIGTERM before
# the start ends the run with 143; network settings in the write (--no-network;
# --ip/--gw/--mac) replace the command line's, and the guest uses them; a write uk run
# cannot take, a gate that is no FIFO, and an image whose library OS predates the gate, fail
# with status 125 and a message.
source "$(dirname "$0")/lib.sh"
trap stop_vm EXIT

hello="$IMAGES/hello-c.img"
inet="$IMAGES/inet.img"
gate="$UK_WORK_DIR/gate"
rm -f "$gate"
mkfifo "$gate"

# open_gate LINE: one write of LINE to the gate, as uk-runtime's start does.
open_gate() { printf '%s\n' "$1" >"$gate"; }

start_vm 'boot: [0-9]+ us to the start gate' -v --net none --start-gate "$gate" "$hello"
sleep 1
if grep -q 'Hello from uk!' "$UK_WORK_DIR/bg.out"; then
    fail "the application ran before the start"
else
    pass "the guest waits at its start gate"
fi
open_gate 0
wait_vm
expect_status 0 "a plain start (0): the application runs and its status is uk run's"
expect_out '^Hello from uk!' "a plain start: the application's output"

start_vm 'to the start gate' -v --net none --start-gate "$gate" "$hello"
kill -TERM "$VM"
wait_vm
expect_status 143 "SIGTERM before the start ends the run with 143"
expect_no_out 'Hello from uk!' "SIGTERM before the start: the application never ran"

# The program runs ahead of the start up to its first outside system call (start_gate.h).
# One that computes before any system call runs ahead for its budget, then is parked: its
# guest idles until the start, and its output comes after it.
ahead="$IMAGES/run_ahead.img"
start_vm 'ran ahead [0-9]+ us, up to its run-ahead budget' -v --net none --start-gate "$gate" \
    "$ahead" -- compute
qemu=$(pgrep -P "$VM" -f qemu-system | head -1)
cpu_ticks() { awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }
t0=$(cpu_ticks "$qemu")
sleep 1
t1=$(cpu_ticks "$qemu")
if [ $((t1 - t0)) -lt 40 ]; then
    pass "a program parked ahead of its start: its guest idles ($((t1 - t0)) ticks in 1 s)"
else
    fail "a program parked ahead of its start still runs: $((t1 - t0)) ticks of QEMU in 1 s"
fi
if grep -q '^computed' "$UK_WORK_DIR/bg.out"; then
    fail "the program's output came before the start"
else
    pass "a program parked ahead of its start: no output before the start"
fi
open_gate 0
wait_vm
expect_status 0 "a parked program resumes at the start"
expect_out '^computed' "a parked program resumes at the start: its output"

# A fault before the program's first system call: its end shows only after the start.
start_vm 'ran ahead [0-9]+ us, up to a fault' -v --net none --start-gate "$gate" \
    "$ahead" -- null
sleep 0.5
if grep -q 'killed by' "$UK_WORK_DIR/bg.out"; then
    fail "a fault ahead of the start was reported before the start"
else
    pass "a fault ahead of the start: nothing reported before the start"
fi
open_gate 0
wait_vm
expect_status 139 "a fault ahead of the start: its status after the start"
expect_out 'the application was killed by SIGSEGV' "a fault ahead of the start: the report"

# SIGTERM while the program runs (or is parked) ahead of its start: 143, no output.
start_vm 'to the start gate' -v --net none --start-gate "$gate" "$ahead" -- compute
kill -TERM "$VM"
wait_vm
expect_status 143 "SIGTERM while the program runs ahead of its start ends the run with 143"
expect_no_out '^computed' "SIGTERM while the program runs ahead: it never gets to its output"

start_vm 'to the start gate' -v --start-gate "$gate" "$inet" -- selftest
open_gate --no-network
wait_vm
expect_status 0 "--no-network at start: the sockets selftest passes on loopback"
expect_out 'net: no network \(uk\.nonet\); loopback only' "--no-network: the stack finds no card"
expect_no_out 'virtio-net:' "--no-network: the card is left alone"

port=$(free_port)
python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
s.settimeout(100)
c, _ = s.accept()
c.recv(100)
c.sendall(b"pong from the host\n")
c.close()' "$port" &
listener=$!
sleep 0.3
start_vm 'to the start gate' -v --start-gate "$gate" "$inet" -- connect 10.0.2.2 "$port"
open_gate "--ip 10.0.2.15/24 --gw 10.0.2.2 --dns 10.0.2.3 --mac 02:42:ac:11:00:09 --mtu 1400"
wait_vm
wait "$listener" 2>/dev/null || true
expect_status 0 "settings at start: the guest connects to the host"
expect_out 'start gate: uk\.ip=10\.0\.2\.15/24 uk\.gw=10\.0\.2\.2 uk\.dns=10\.0\.2\.3 uk\.mac=02:42:ac:11:00:09 uk\.mtu=1400' \
    "settings at start: uk run hands them to the guest as options"
expect_out 'net: MAC 02:42:ac:11:00:09 \(uk\.mac\)' "settings at start: the guest uses the MAC given"
expect_out 'net: MTU 1400 \(uk\.mtu\)' "settings at start: ... and the MTU"
expect_out '^reply: pong from the host' "settings at start: ... and the network works with it"

start_vm 'to the start gate' -v --net none --start-gate "$gate" "$hello"
open_gate "--hostname other"
wait_vm
expect_status 125 "a start uk run cannot take"
expect_out "^uk run: --start-gate: unexpected '--hostname'" "a start uk run cannot take: the message"
expect_no_out 'Hello from uk!' "a start uk run cannot take: the application never ran"

# An image whose library OS predates the gate (its marker is missing: made so here by
# overwriting it in a copy) would run its program at once: refused before booting.
python3 -c 'import sys
data = open(sys.argv[1], "rb").read()
marker = b"uk-abi: start-gate 1"
assert marker in data, "the marker is not in the image"
open(sys.argv[2], "wb").write(data.replace(marker, b"uk-abi: start-gate 0"))' "$hello" old.img
boot --start-gate "$gate" old.img
expect_status 125 "an image from before the start gate"
expect_err "^uk run: --start-gate: old.img was built by a uk from before the start gate" \
    "an image from before the start gate: the message"

boot --start-gate "$hello" "$hello"
expect_status 125 "a gate that is no FIFO"
expect_err "is not a FIFO \(make one with mkfifo\)" "a gate that is no FIFO: the message"
boot --start-gate "$UK_WORK_DIR/missing" "$hello"
expect_status 125 "a gate that does not exist"
expect_err "^uk run: --start-gate: cannot open $UK_WORK_DIR/missing" "a missing gate: the message"
finish
