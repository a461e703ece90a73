#!/usr/bin/env bash
# The command line: help, bad input, timeouts, the standalone QEMU command.
source "$(dirname "$0")/lib.sh"

for cmd in "" build run pack; do
    set +e
    out=$("$UK" $cmd --help 2>&1)
    st=$?
    set -e
    if [ $st -eq 0 ] && printf '%s' "$out" | grep -q "usage"; then
        pass "uk $cmd --help"
    else
        fail "uk $cmd --help (status $st)"
    fi
done

# uk build: bad input gives an error naming it and writes nothing.
# expect_build_fails SOURCE PATTERN WHAT: the build fails, stderr matches, no image appears.
expect_build_fails() {
    set +e
    "$UK" build "$1" -o out.img 2>err.txt
    local st=$?
    set -e
    if [ $st -ne 0 ] && grep -q -- "$2" err.txt && ! ls -A | grep -q out.img; then
        pass "uk build: $3"
    else
        fail "uk build: $3 (status $st: $(cat err.txt))"
    fi
}
expect_build_fails missing.c "missing.c" "missing source"
printf 'int main(void) { return undefined_thing; }\n' >broken.c
expect_build_fails broken.c "undefined_thing" "compile error, no output left"
printf 'x' >notes.txt
expect_build_fails notes.txt "notes.txt" "unknown file type"

# uk run: problems of uk itself exit 125.
boot "$UK_WORK_DIR/nothing.img"
expect_status 125 "uk run: missing image"
expect_err 'nothing.img' "missing image: named in the error"
boot notes.txt
expect_status 125 "uk run: not an image"
expect_err 'notes.txt' "not an image: named in the error"
boot --mem lots "$IMAGES/hello-c.img"
expect_status 125 "uk run: bad --mem"
boot --no-such-option "$IMAGES/hello-c.img"
expect_status 125 "uk run: unknown option"
boot --machine vax "$IMAGES/hello-c.img"
expect_status 125 "uk run: unknown machine"

start=$(date +%s)
boot --timeout 2 "$IMAGES/sleeper.img"
elapsed=$(($(date +%s) - start))
expect_status 124 "uk run --timeout"
if [ $elapsed -lt 10 ]; then pass "timeout: prompt ($elapsed s)"; else fail "timeout took $elapsed s"; fi

# uk build reads the linked program's code for the system calls it can make: it warns about
# those uk does not implement, and -v lists them. The list must cover every call a run makes.
cat >kexec.c <<'EOF'
#include <sys/syscall.h>
#include <unistd.h>
int main(void) { return syscall(SYS_kexec_load, 0, 0, 0, 0) == -1 ? 0 : 1; }
EOF
set +e
err=$("$UK" build kexec.c -o kexec.img 2>&1)
st=$?
set -e
if [ $st -eq 0 ] && grep -q "warning: the program can make system calls that uk does not implement.*kexec_load (246)" <<<"$err"; then
    pass "uk build warns about an unimplemented system call it finds"
else
    fail "uk build kexec.c: status $st, output: $err"
fi
"$UK" build -v "$PROGRAMS/signals.c" -o signals-v.img 2>listing.txt
listed=$(grep -o 'system calls the program can make ([0-9]*, from [0-9]* call sites): .*' listing.txt | sed 's/.*: //')
if [ -z "$listed" ] || grep -q "may be incomplete" listing.txt; then
    fail "uk build -v: no complete system call list"
    cat listing.txt >&2
else
    boot --strace signals-v.img
    made=$(grep -o '^\[uk:strace\] [a-z0-9_]*' <<<"$OUT" | awk '{print $2}' | sort -u)
    missing=""
    for call in $made; do
        grep -qw "$call" <<<"$listed" || missing="$missing $call"
    done
    if [ -z "$missing" ] && [ -n "$made" ]; then
        pass "the scanned list covers every system call the program made ($(wc -w <<<"$made") kinds)"
    else
        fail "system calls made but not found by the scan:$missing"
    fi
fi

if grep -Eq "^# linking [0-9]+ of uk's [0-9]+ system call handlers: those the program can make" listing.txt; then
    pass "uk build links only the handlers of the calls the program can make"
else
    fail "uk build -v: no selected handlers"
    cat listing.txt >&2
fi
# A number uk build cannot trace (here one the program reads at run time) keeps them all,
# and the program still gets every call.
cat >dynsys.c <<'EOF'
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(int argc, char** argv) { return syscall(argc > 1 ? atoi(argv[1]) : SYS_getpid) >= 0 ? 0 : 1; }
EOF
"$UK" build -v dynsys.c -o dynsys.img 2>dynsys.txt
if grep -q "^# linking every system call handler: the program's calls could not all be found" dynsys.txt; then
    pass "an untraceable system call number keeps every handler"
else
    fail "uk build -v dynsys.c: expected every handler"
    cat dynsys.txt >&2
fi
boot dynsys.img -- 102
expect_status 0 "getuid by a number chosen at run time"
expect_no_out "not in this image" "no handler missing"

# --print-cmd: a standalone QEMU command line that boots the image as-is.
# (TCG explicitly: this host may have a /dev/kvm that cannot run guests, which only uk run
# itself detects.)
"$UK" run --accel tcg --print-cmd "$IMAGES/exit_code.img" -- 5 >cmd.sh
set +e
out=$(timeout 60 sh cmd.sh </dev/null 2>&1)
st=$?
set -e
if [ $st -eq 11 ] && printf '%s' "$out" | grep -q "exiting with 5"; then
    pass "--print-cmd: runs standalone, status 5 as (5 << 1) | 1"
else
    fail "--print-cmd: status $st, output: $out"
fi
finish
