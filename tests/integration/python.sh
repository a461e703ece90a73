#!/usr/bin/env bash
# Debian's unmodified python3 (dynamically linked against glibc, with its standard library
# and the libraries ldd names, packed from the host with uk pack): a script using os, json,
# threading, tempfile, hashlib, subprocess (children through posix_spawn and vfork, one of
# them python3 itself) and os.fork, checked line by line against what the host's python3 computes,
# and its exit status.
for tool in /usr/bin/python3 ldd /bin/busybox; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool is missing (./setup.sh installs it)"
        exit 77
    fi
done
source "$(dirname "$0")/lib.sh"

mkdir -p root/bin root/tmp root/app
copy_python3 root
cp /bin/busybox root/bin/busybox
ln -s busybox root/bin/sh
cp "$PROGRAMS/python_checks.py" root/app/
"$UK" pack root -o python.img --env GREETING=hi --workdir /app -- /usr/bin/python3 /app/python_checks.py
pass "uk pack of python3 and its standard library ($(du -sm root | cut -f1) MB)"

# What the deterministic lines must say, computed by the host's python3.
read -r threading_first md5 sha1 < <(/usr/bin/python3 -c '
import hashlib
t = []
for n in range(6):
    h = hashlib.sha256()
    for i in range(200):
        h.update(b"%d:%d" % (n, i))
    t.append(h.hexdigest()[:12])
print(sorted(t)[0], hashlib.md5(b"uk").hexdigest(), hashlib.sha1(b"uk").hexdigest()[:16])')
ver=$(/usr/bin/python3 -c 'import sys; print(sys.version_info[0], sys.version_info[1])')
expected="python $ver pid 1 ppid 0
os /app True True hi
json {\"list\": [1, 2.5, null, true], \"name\": \"uk\", \"nested\": {\"k\": \"v\"}} True
threading 6 $threading_first
tempfile 65536 ['data.bin.moved'] True
tempfile cleaned True
hashlib $md5 $sha1
posix_spawn child
posix_spawn 0
subprocess 0 12
shell 3 shell 42
fork 5 True False
check_output nested python"

boot python.img
expect_status 9 "the script's sys.exit status"
actual=$(printf '%s\n' "$OUT" | grep -v '^\[uk\] ' || true)
if [ "$actual" = "$expected" ]; then
    pass "os, json, threading, tempfile, hashlib, subprocess, posix_spawn and fork"
else
    fail "python checks: output differs from the expected"
    diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") >&2 || true
    show
fi
expect_no_out '^\[uk\] (unsupported|fatal|panic)' "no unsupported calls or faults"

# uk run -- ARGS replaces the packed arguments, as docker run does.
boot python.img -- -c 'print(40+2)'
expect_status 0 "python3 -c from uk run's arguments"
expect_out '^42$' "python3 -c output"

# AF_UNIX through glibc and the socket module: a socketpair, and a listener in /tmp.
boot python.img -- -c 'import socket
a, b = socket.socketpair()
a.send(b"x")
print(b.recv(1))
s = socket.socket(socket.AF_UNIX)
s.bind("/tmp/py.sock")
s.listen()
c = socket.socket(socket.AF_UNIX)
c.connect("/tmp/py.sock")
conn, _ = s.accept()
c.sendall(b"hi")
print(conn.recv(2), conn.getsockname())'
expect_status 0 "python3 with AF_UNIX sockets"
expect_out "^b'x'\$" "python3 socket.socketpair send and recv"
expect_out "^b'hi' /tmp/py.sock\$" "python3 unix socket listener, connect and accept"
finish
