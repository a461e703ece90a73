#!/usr/bin/env bash
# uk export: the launch script boots the image on a host without uk (only QEMU and the
# shell's tools in PATH, run from elsewhere after copying script and image together), passes
# baked-in and its own arguments, returns the application's status and passes signals on;
# --embed; the Firecracker configuration; the errors.
source "$(dirname "$0")/lib.sh"

QEMU_BIN=$(command -v qemu-system-x86_64 || true)
if [ -z "$QEMU_BIN" ]; then
    echo "skipped: qemu-system-x86_64 not installed"
    exit 77
fi
exit_code=$(image exit_code "$PROGRAMS/exit_code.c")
args_env=$(image args_env "$PROGRAMS/args_env.c")
sleeper=$(image sleeper "$PROGRAMS/sleeper.c")

# A PATH with QEMU and the shell's tools but not uk: a directory holding only a link to QEMU,
# then /bin (which on Debian is /usr/bin, where uk is not installed by the build).
mkdir -p onlyqemu
ln -sf "$QEMU_BIN" onlyqemu/qemu-system-x86_64
NOUK_PATH="$UK_WORK_DIR/onlyqemu:/bin"
if env -i PATH="$NOUK_PATH" sh -c 'command -v uk' >/dev/null; then
    fail "uk is reachable through $NOUK_PATH; the test would prove nothing"
fi

# export_run [uk export args...]: runs uk export. Sets OUT, ERR, STATUS.
export_run() {
    set +e
    "$UK" export "$@" >"$UK_WORK_DIR/out" 2>"$UK_WORK_DIR/err"
    STATUS=$?
    set -e
    OUT=$(cat "$UK_WORK_DIR/out")
    ERR=$(cat "$UK_WORK_DIR/err")
}

# script_run SCRIPT [ARGS...]: runs SCRIPT with sh from / with only QEMU in PATH (and
# $SCRIPT_ENV, "NAME=VALUE" words), stdin /dev/null. Sets OUT, ERR, STATUS.
SCRIPT_ENV=()
script_run() {
    set +e
    (cd / && timeout --kill-after=5 120 env -i PATH="$NOUK_PATH" "${SCRIPT_ENV[@]}" sh "$@" \
        </dev/null >"$UK_WORK_DIR/out" 2>"$UK_WORK_DIR/err")
    STATUS=$?
    set -e
    OUT=$(cat "$UK_WORK_DIR/out")
    ERR=$(cat "$UK_WORK_DIR/err")
}

# --- the script, copied with its image, booted without uk
mkdir -p src copy made
cp "$exit_code" src/app.img
export_run src/app.img --script src/run.sh -- 7
expect_status 0 "export --script"
expect_out '^wrote src/run.sh ' "export says what it wrote"
if [ -x src/run.sh ] && [ "$(stat -c %a src/run.sh)" = 755 ]; then
    pass "the script is mode 0755"
else
    fail "the script's mode is $(stat -c %a src/run.sh 2>/dev/null)"
fi
if [ "$(ls -A src)" != "$(printf 'app.img\nrun.sh')" ]; then
    fail "more than the script was left beside it: $(ls -A src)"
fi
if sh -n src/run.sh; then pass "the script parses (sh -n)"; else fail "sh -n src/run.sh"; fi
if grep -q '^image=$here/app.img$' src/run.sh; then
    pass "the script names its image relative to itself"
else
    fail "the script's image line: $(grep '^image=' src/run.sh)"
fi
cp src/run.sh src/app.img copy/
rm -r src
mkdir -p tmp
SCRIPT_ENV=(TMPDIR="$UK_WORK_DIR/tmp")
script_run "$UK_WORK_DIR/copy/run.sh"
expect_status 7 "the script returns the application's status (7), without uk"
expect_exact "exiting with 7" "the script prints the application's output"
SCRIPT_ENV=(TMPDIR="$UK_WORK_DIR/tmp" UK_ACCEL=tcg)
script_run "$UK_WORK_DIR/copy/run.sh" 42 # after the baked "7": argv[1] stays 7
expect_status 7 "UK_ACCEL=tcg, and the script's arguments follow the baked-in ones"
if [ -n "$(ls -A tmp)" ]; then
    fail "the script left files in TMPDIR: $(ls -A tmp)"
fi
SCRIPT_ENV=()

# Status 0 comes back as QEMU's exit code 1, which QEMU's own errors share.
export_run copy/app.img --script copy/zero.sh -- 0
script_run "$UK_WORK_DIR/copy/zero.sh"
expect_status 0 "status 0"
expect_exact "exiting with 0" "status 0: output"

# Odd arguments: baked in and the script's own, through sh's quoting and the guest's.
export_run "$args_env" --script made/args.sh --net none -e 'GREETING=a "b" $c' -- 'baked one' "it's"
expect_status 0 "export with odd arguments"
script_run "$UK_WORK_DIR/made/args.sh" 'x $HOME y' '' 'q"uote' 'back\slash' '*' '-- --'
expect_status 0 "args_env through the script"
if [ "$(app_out | grep '^argv')" = 'argv[0]=[args_env]
argv[1]=[baked one]
argv[2]=[it'"'"'s]
argv[3]=[x $HOME y]
argv[4]=[]
argv[5]=[q"uote]
argv[6]=[back\slash]
argv[7]=[*]
argv[8]=[-- --]' ]; then
    pass "arguments arrive unchanged"
else
    fail "arguments changed on the way"
    show
fi
expect_out '^env GREETING=a "b" \$c$' "-e arrives unchanged"

# Nothing baked in: the script's arguments are the application's.
export_run "$exit_code" --script made/bare.sh --net none
script_run "$UK_WORK_DIR/made/bare.sh" 3
expect_status 3 "the script's own arguments without baked ones"

# --embed: one file, copied alone.
export_run "$exit_code" --script made/embedded.sh --embed --mem 32M -- 5
expect_status 0 "export --embed"
mkdir -p alone
cp made/embedded.sh alone/
SCRIPT_ENV=(TMPDIR="$UK_WORK_DIR/tmp")
script_run "$UK_WORK_DIR/alone/embedded.sh"
expect_status 5 "the embedded image boots from a lone script"
expect_exact "exiting with 5" "--embed: output"
if [ -n "$(ls -A tmp)" ]; then
    fail "the embedded script left its copy of the image: $(ls -A tmp)"
fi
SCRIPT_ENV=()

# Signals reach QEMU: TERM to the script stops the VM and the script says 143.
cp "$sleeper" made/
export_run made/sleeper.img --script made/sleep.sh --net none
set +e
env -i PATH="$NOUK_PATH" UK_ACCEL=tcg sh "$UK_WORK_DIR/made/sleep.sh" \
    </dev/null >"$UK_WORK_DIR/out" 2>"$UK_WORK_DIR/err" &
spid=$!
set -e
for _ in $(seq 100); do
    pgrep -f "$UK_WORK_DIR/made/sleeper.img" >/dev/null && break
    sleep 0.2
done
sleep 1
kill -TERM "$spid"
set +e
wait "$spid"
STATUS=$?
set -e
OUT=$(cat "$UK_WORK_DIR/out")
ERR=$(cat "$UK_WORK_DIR/err")
expect_status 143 "SIGTERM to the script"
expect_err "terminating on signal 15" "SIGTERM went on to QEMU"
sleep 0.5
if pgrep -f "$UK_WORK_DIR/made/sleeper.img" >/dev/null; then
    fail "QEMU outlived the script"
    pkill -f "$UK_WORK_DIR/made/sleeper.img" || true
else
    pass "QEMU stopped with the script"
fi

# QEMU's own failure (a published host port in use) is not status 0.
port=$(free_port)
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(); time.sleep(60)' "$port" &
holder=$!
sleep 1
export_run "$exit_code" --script made/busy.sh -p "$port:80"
script_run "$UK_WORK_DIR/made/busy.sh"
kill "$holder" 2>/dev/null || true
expect_status 125 "a port in use: QEMU's failure"
expect_err "Could not set up host forwarding|QEMU failed" "a port in use: QEMU's message"

# --- Firecracker
export_run "$args_env" --firecracker made/vm.json --cpus 2 --mem 64M --tap tap0 -e A=1 -- 'x y'
expect_status 0 "export --firecracker"
if python3 -m json.tool made/vm.json >/dev/null; then
    pass "the Firecracker configuration is JSON"
else
    fail "python3 -m json.tool made/vm.json"
fi
if python3 - "$args_env" made/vm.json <<'EOF'; then
import json, os, sys
c = json.load(open(sys.argv[2]))
assert c["boot-source"]["kernel_image_path"] == os.path.realpath(sys.argv[1]), c
assert c["boot-source"]["boot_args"] == 'uk.env=A=1 -- "x y"', c
assert c["drives"] == [], c
assert c["machine-config"] == {"vcpu_count": 2, "mem_size_mib": 64}, c
assert c["network-interfaces"] == [
    {"iface_id": "net0", "host_dev_name": "tap0", "guest_mac": "52:54:00:12:34:56"}], c
assert set(c) == {"boot-source", "drives", "machine-config", "network-interfaces"}, c
EOF
    pass "the Firecracker configuration holds the image, boot args, vCPUs, memory and tap"
else
    fail "the Firecracker configuration's contents"
fi
export_run "$exit_code" --script made/both.sh --firecracker made/both.json
expect_status 0 "both outputs at once"
expect_count '^wrote ' 2 "both outputs: two lines"

# --- errors: a clear message, the right status, nothing written
mkdir -p errs
err_case() { # WANT-STATUS REGEX WHAT -- uk export args...
    local want=$1 regex=$2 what=$3
    shift 4
    export_run "$@"
    expect_status "$want" "$what"
    expect_err "$regex" "$what: message"
    if [ -n "$(ls -A errs)" ]; then
        fail "$what: left files behind: $(ls -A errs)"
        rm -f errs/* errs/.[!.]*
    fi
}
err_case 1 "no-such.img.*No such file" "a missing image" -- \
    no-such.img --script errs/run.sh
echo "not an image" >notimage.img
err_case 1 "notimage.img is not a uk image" "not a uk image" -- \
    notimage.img --script errs/run.sh
err_case 1 "$UK_WORK_DIR/missing-dir does not exist" "an output directory that is missing" -- \
    "$exit_code" --script "$UK_WORK_DIR/missing-dir/run.sh"
err_case 2 "nothing to write" "no output asked for" -- "$exit_code"
err_case 2 "unknown option '--bogus'" "an unknown option" -- \
    "$exit_code" --script errs/run.sh --bogus
err_case 2 "--timeout is not an option of uk export" "a uk run option that makes no sense" -- \
    "$exit_code" --script errs/run.sh --timeout 3
err_case 2 "--mem" "a bad --mem" -- "$exit_code" --script errs/run.sh --mem 1M
err_case 2 "Firecracker has no user-mode network" "-p for Firecracker alone" -- \
    "$exit_code" --firecracker errs/vm.json -p 8080:80
# The script would be fine, the configuration is not: neither is written.
err_case 1 "printable ASCII" "a tab for Firecracker" -- \
    "$exit_code" --script errs/run.sh --firecracker errs/vm.json -- "$(printf 'a\tb')"
err_case 1 "is the image itself" "the script onto the image" -- \
    "$exit_code" --script "$exit_code"

export_run --help
expect_status 0 "uk export --help"
expect_out "^usage: uk export IMAGE --script FILE" "--help: usage"
set +e
"$UK" --help >"$UK_WORK_DIR/out"
set -e
OUT=$(cat "$UK_WORK_DIR/out")
expect_out "^  export " "uk --help lists export"

finish
