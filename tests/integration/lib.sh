# Shared helpers for integration tests (sourced). Each test script builds images with
# `uk build`, boots them with `uk run` under QEMU, and checks output and exit codes.
#
# Environment (set by tests/integration/CMakeLists.txt):
#   UK_BUILD_DIR   the build tree (bin/uk, lib/uk, ...)
#   UK_SOURCE_DIR  the source tree
#   UK_WORK_DIR    a scratch directory for this test
set -euo pipefail

UK="$UK_BUILD_DIR/bin/uk"
PROGRAMS="$UK_SOURCE_DIR/tests/integration/programs"
IMAGES="$UK_BUILD_DIR/integration/images"
rm -rf "$UK_WORK_DIR"
mkdir -p "$UK_WORK_DIR" "$IMAGES"
cd "$UK_WORK_DIR"

failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
pass() { echo "ok: $*"; }

# image NAME SOURCE... [-- uk build options]: builds $IMAGES/NAME.img once per ctest run
# (the fixture test builds them all first; a stale image is rebuilt).
image() {
    local name=$1
    shift
    local img="$IMAGES/$name.img"
    local newest
    newest=$(ls -t "$@" "$UK_BUILD_DIR/lib/uk/uk-libos.o" "$UK" 2>/dev/null | head -1)
    if [ ! -f "$img" ] || [ "$newest" -nt "$img" ]; then
        "$UK" build "$@" -o "$img"
    fi
    echo "$img"
}

# boot [uk run args...]: runs `uk run` with a hard timeout. Sets OUT, ERR, STATUS.
boot() {
    set +e
    timeout --kill-after=5 120 "$UK" run "$@" >"$UK_WORK_DIR/out" 2>"$UK_WORK_DIR/err"
    STATUS=$?
    set -e
    OUT=$(cat "$UK_WORK_DIR/out")
    ERR=$(cat "$UK_WORK_DIR/err")
}

# boot_stdin INPUT-FILE [uk run args...]
boot_stdin() {
    local input=$1
    shift
    set +e
    timeout --kill-after=5 120 "$UK" run "$@" <"$input" >"$UK_WORK_DIR/out" 2>"$UK_WORK_DIR/err"
    STATUS=$?
    set -e
    OUT=$(cat "$UK_WORK_DIR/out")
    ERR=$(cat "$UK_WORK_DIR/err")
}

show() {
    echo "--- status $STATUS, stdout:" >&2
    printf '%s\n' "$OUT" | head -60 >&2
    echo "--- stderr:" >&2
    printf '%s\n' "$ERR" | head -30 >&2
}

expect_status() {
    local want=$1 what=$2
    if [ "$STATUS" -eq "$want" ]; then
        pass "$what: status $want"
    else
        fail "$what: status $STATUS, expected $want"
        show
    fi
}

# expect_out REGEX WHAT: stdout has a line matching the extended regex. (A here-string, not
# a pipe: under pipefail, grep -q leaving early would fail the writer with SIGPIPE.)
expect_out() {
    if grep -Eq -- "$1" <<<"$OUT"; then
        pass "$2"
    else
        fail "$2: no stdout line matches /$1/"
        show
    fi
}

expect_no_out() {
    if grep -Eq -- "$1" <<<"$OUT"; then
        fail "$2: stdout unexpectedly matches /$1/"
        show
    else
        pass "$2"
    fi
}

expect_err() {
    if grep -Eq -- "$1" <<<"$ERR"; then
        pass "$2"
    else
        fail "$2: no stderr line matches /$1/"
        show
    fi
}

# expect_count REGEX N WHAT: exactly N stdout lines match.
expect_count() {
    local n
    n=$(printf '%s\n' "$OUT" | grep -Ec -- "$1" || true)
    if [ "$n" -eq "$2" ]; then
        pass "$3"
    else
        fail "$3: $n stdout lines match /$1/, expected $2"
        show
    fi
}

# expect_eq EXPECTED ACTUAL WHAT: two strings are equal.
expect_eq() {
    if [ "$1" = "$2" ]; then
        pass "$3"
    else
        fail "$3: expected '$1', got '$2'"
    fi
}

# The application's lines: stdout without the library OS's "[uk] " messages.
app_out() { printf '%s\n' "$OUT" | grep -v '^\[uk\] ' || true; }

# expect_exact EXPECTED WHAT: the application's output is exactly EXPECTED (lines).
expect_exact() {
    if [ "$(app_out)" = "$1" ]; then
        pass "$2"
    else
        fail "$2: output differs from the expected"
        diff <(printf '%s\n' "$1") <(app_out) | head -30 >&2 || true
        show
    fi
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick), for -p.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# copy_libs ROOT FILE...: copies the shared libraries and the loader that `ldd` lists for
# each FILE into the tree ROOT, at the same paths (symbolic links followed).
copy_libs() {
    local root=$1 f lib
    shift
    for f in "$@"; do
        ldd "$f" 2>/dev/null | grep -o '/[^ ]*' || true
    done | sort -u | while read -r lib; do
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
    done
}

# copy_python3 ROOT: Debian's python3 into the tree ROOT for uk pack: the interpreter (and
# a python3 link to it), its standard library less tests, IDLE, tkinter, ensurepip and
# caches, and the libraries of the interpreter and its extension modules.
copy_python3() {
    local root=$1 py pyver
    py=$(readlink -f /usr/bin/python3)
    pyver=$(basename "$py")
    mkdir -p "$root/usr/bin" "$root/usr/lib"
    cp "$py" "$root/usr/bin/$pyver"
    ln -sfn "$pyver" "$root/usr/bin/python3"
    tar -C /usr/lib --exclude=test --exclude=__pycache__ --exclude=idlelib --exclude=tkinter \
        --exclude=ensurepip -cf - "$pyver" | tar -C "$root/usr/lib" -xf -
    copy_libs "$root" "$py" /usr/lib/"$pyver"/lib-dynload/*.so
}

# start_vm READY ARGS...: starts `uk run ARGS` in the background (stdout and stderr in
# $UK_WORK_DIR/bg.out, its pid in $VM: uk run itself, so signals reach it) and waits until
# its output has a line matching READY (30 s at most). stop_vm ends it (and waits);
# wait_vm waits for it to end by itself and sets STATUS and OUT.
VM=
start_vm() {
    local ready=$1
    shift
    : >"$UK_WORK_DIR/bg.out"
    "$UK" run --timeout 110 "$@" >"$UK_WORK_DIR/bg.out" 2>&1 &
    VM=$!
    for _ in $(seq 1 300); do
        if grep -Eq -- "$ready" "$UK_WORK_DIR/bg.out"; then
            return 0
        fi
        if ! kill -0 "$VM" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    fail "the guest did not get ready (/$ready/)"
    cat "$UK_WORK_DIR/bg.out" >&2
    return 1
}
stop_vm() {
    if [ -n "$VM" ]; then
        kill "$VM" 2>/dev/null || true
        wait "$VM" 2>/dev/null || true
        VM=
    fi
}
wait_vm() {
    set +e
    wait "$VM"
    STATUS=$?
    set -e
    VM=
    OUT=$(cat "$UK_WORK_DIR/bg.out")
    ERR=
}

# A private dockerd (../shared/design/environment.md: no iptables, no bridge, vfs storage)
# whose data root, exec root, pid file and socket live in DIR (keep DIR short: unix socket
# names are limited to 108 bytes). start_dockerd DIR [DOCKERD ARGS...] sets DOCKERD_PID and
# exports DOCKER_HOST; it returns 1, after printing the log's tail, when the daemon does not
# answer within 30 s. stop_dockerd_at DIR removes its containers, stops it (SIGKILL after
# 20 s), unmounts what it left mounted under DIR and removes DIR.
DOCKERD_PID=
start_dockerd() {
    local dir=$1
    shift
    dockerd "$@" --iptables=false --ip-masq=false --bridge=none --storage-driver=vfs \
        --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
        -H "unix://$dir/docker.sock" >"$dir/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    export DOCKER_HOST="unix://$dir/docker.sock"
    for _ in $(seq 60); do
        if timeout 5 docker version >/dev/null 2>&1; then
            return 0
        fi
        kill -0 "$DOCKERD_PID" 2>/dev/null || break
        sleep 0.5
    done
    echo "dockerd did not start (or not within 30 s); its log:"
    tail -20 "$dir/dockerd.log" || true
    return 1
}
stop_dockerd_at() {
    local dir=$1
    if [ -n "$DOCKERD_PID" ]; then
        timeout 60 docker rm -f $(timeout 30 docker ps -aq 2>/dev/null) >/dev/null 2>&1 || true
        kill "$DOCKERD_PID" 2>/dev/null || true
        for _ in $(seq 100); do
            kill -0 "$DOCKERD_PID" 2>/dev/null || break
            sleep 0.2
        done
        kill -9 "$DOCKERD_PID" 2>/dev/null || true
        DOCKERD_PID=
    fi
    for m in $(grep -o "$dir/[^ ]*" /proc/mounts 2>/dev/null | sort -r); do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    rm -rf "$dir"
}

finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$failures check(s) failed" >&2
        exit 1
    fi
    echo "all checks passed"
}
