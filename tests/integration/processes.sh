#!/usr/bin/env bash
# Processes: an unmodified glibc program (built here with the host's gcc, dynamically
# linked) packed with busybox as /bin/sh spawns children with posix_spawn, system(), popen()
# and vfork + execve, collects exit and signal statuses with waitpid and waitid, gets
# SIGCHLD, and finally replaces itself with execve (whose status ends the machine). The
# same run under --strace shows the child processes' calls marked with their pid. busybox sh
# forks for pipelines, command substitution and subshells.
for tool in gcc ldd /bin/busybox; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool is missing (./setup.sh installs it)"
        exit 77
    fi
done
source "$(dirname "$0")/lib.sh"

mkdir -p root/bin root/tmp
gcc -O2 -Wall -o root/bin/spawn "$PROGRAMS/spawn.c"
cp /bin/busybox root/bin/busybox
ln -s busybox root/bin/sh
for lib in $(ldd root/bin/spawn | grep -o '/[^ ]*' | sort -u); do
    mkdir -p "root$(dirname "$lib")"
    cp -L "$lib" "root$lib"
done
"$UK" pack root -o spawn.img -- /bin/spawn
"$UK" pack root -o shell.img -- /bin/sh
pass "uk pack of a glibc program with busybox"

expected='pid 1 ppid 0 pgrp 1
spawned echo
echo: exited 0
exit 7: exited 7
kill -9 self: killed by signal 9
child ppid 1
ppid: exited 0
missing: No such file or directory
file action: 12 bytes: into a file
from system
system: exited 3
popen read: popen line 1
popen read: popen line 2
pclose: 0 after 2 lines
vfork child runs
vfork+execve: exited 0
vfork+failed execve: exited 127
waitid: 0 code CLD_EXITED status 0 same pid 1
no children left: -1 No child processes
SIGCHLD handled: yes
exec in the first process'

boot spawn.img
expect_status 5 "the first process's final execve decides the machine's status"
actual=$(printf '%s\n' "$OUT" | grep -v '^\[uk\] ' || true)
if [ "$actual" = "$expected" ]; then
    pass "posix_spawn, system, popen, vfork, execve, waitpid, waitid, SIGCHLD"
else
    fail "process checks: output differs from the expected"
    diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual") >&2 || true
    show
fi
expect_no_out '^\[uk\] (unsupported|fatal|panic)' "no unsupported calls or faults"

# fork: busybox sh runs pipelines, command substitution, subshells and external commands.
script='echo start
echo hello | busybox wc -c
x=$(echo sub | busybox tr a-z A-Z); echo "x=$x"
busybox seq 1 100 | busybox sort -rn | busybox head -2
(echo in a subshell; exit 3); echo "subshell status $?"
/bin/sh -c "exit 4"; echo "child shell status $?"
for i in 1 2 3; do echo "$i"; done | busybox tac
echo done'
boot shell.img -- -c "$script"
expect_status 0 "busybox sh with forks"
actual=$(printf '%s\n' "$OUT" | grep -v '^\[uk\] ' || true)
want='start
6
x=SUB
100
99
in a subshell
subshell status 3
child shell status 4
3
2
1
done'
if [ "$actual" = "$want" ]; then
    pass "pipelines, \$(...), subshells and child shells (fork)"
else
    fail "busybox sh with forks: output differs"
    diff <(printf '%s\n' "$want") <(printf '%s\n' "$actual") >&2 || true
    show
fi

boot --strace spawn.img
expect_status 5 "under --strace"
expect_out '^\[uk:strace\] clone3\(.*\) = [0-9]+$' "strace: posix_spawn's clone3 returns the child's pid"
expect_out '^\[uk:strace\] \[pid [0-9]+\] execve\("/bin/busybox", 0x[0-9a-f]+, 0x[0-9a-f]+\) = 0$' \
    "strace: the child's execve, marked with its pid"
expect_out '^\[uk:strace\] \[pid [0-9]+\] exit_group\(7\) = \?$' "strace: a child's exit_group"
expect_out '^\[uk:strace\] wait4\([0-9]+, 0x[0-9a-f]+, 0, NULL\) = [0-9]+$' "strace: the parent's wait4"
expect_out '^\[uk:strace\] vfork\(\) = [0-9]+$' "strace: vfork"
expect_out '^\[uk:strace\] waitid\(' "strace: waitid"
expect_out '^\[uk:strace\] execve\("/bin/sh", ' "strace: the first process's own execve"
finish
