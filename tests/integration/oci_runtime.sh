#!/usr/bin/env bash
# uk-runtime, the OCI runtime, driven directly as containerd's runc shim drives it:
# bundles made by hand (a busybox image made by busybox_image.py, converted with
# `uk convert --format docker`, its layers unpacked into ROOTFS, and a config.json as
# `runc spec` writes one), oci_shim.py standing in for the shim (a subreaper that runs create
# with the container's stdout/stderr and waits for the pid in --pid-file).
#   lifecycle     create -> created (pid file, uk run booting to its start gate, the app not
#                 running), start -> running -> stopped
#                 with the app's exit status and output, args/env/hostname, --log JSON lines,
#                 delete -> nothing left (state, archive, processes)
#   kill          SIGTERM and SIGKILL end a running container; SIGTERM ends a created one
#                 (143) before its app runs; kill --all; kill of a stopped one
#   delete        refuses a running container, --force kills it; a created one goes without
#   hooks         a bundle with hooks and a new namespace: the guest boots on uk-tap0 before
#                 them and gets --no-network at start; without /dev/net/tun (masked), it boots
#                 after them on the user network, with a warning
#   terminal      --console-socket: the pty master reaches the shim, output comes through it
#   bad bundles   missing config.json, invalid JSON, no process.args, a .uk/kernel that is no
#                 uk kernel, one from a uk before the start gate, a memory limit below what
#                 the image needs, a negative CPU quota: each fails with a message naming the
#                 problem (stderr and --log) and leaves nothing behind
#   tap network   a bad io.uk.network annotation, tap forced without an interface or in the
#                 host's namespace: errors at create; a namespace with a veth (as Docker or CNI
#                 make one) joined by path: the guest takes over eth0's address, MAC and gateway
#                 through uk-tap0 (the host reaches httpd and ping, ARP gives eth0's MAC, the
#                 guest reaches the host), delete gives eth0 its address back, a wiring left by
#                 a lost container is undone, io.uk.network=user leaves the namespace alone
#   runc          a bundle without /.uk/kernel is runc's: create/start/state/delete pass through
for tool in /usr/bin/python3 /bin/busybox; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool is missing (./setup.sh installs it)"
        exit 77
    fi
done
source "$(dirname "$0")/lib.sh"

HERE="$UK_SOURCE_DIR/tests/integration"
RUNTIME="$UK_BUILD_DIR/bin/uk-runtime"
ROOT="$UK_WORK_DIR/root"
LOG="$UK_WORK_DIR/runtime.log"
export UK_RUNTIME_DATA_DIR="$UK_WORK_DIR/archives"
export XDG_CACHE_HOME="$UK_WORK_DIR/xdg-cache"
if [ ! -x "$RUNTIME" ]; then
    echo "FAIL: $RUNTIME is missing (build the uk-runtime target)" >&2
    exit 1
fi

rt() { "$RUNTIME" --root "$ROOT" --log "$LOG" --log-format json "$@"; }

# try COMMAND...: runs it without stopping the test when it fails. Sets STATUS.
try() {
    set +e
    "$@"
    STATUS=$?
    set -e
}

# Everything the test started is gone when it ends, whatever happens.
shims=()
cleanup() {
    for id in $(ls "$ROOT" 2>/dev/null); do
        "$RUNTIME" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
    done
    for pid in "${shims[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT

# --- the image and the bundles ------------------------------------------------------------------

python3 "$HERE/busybox_image.py" bb.tar example/bb:latest --cmd sh --expose 8080/tcp \
    --file /www/index.html=hello
"$UK" convert docker-archive:bb.tar -o bb-uk.tar --format docker -t example/bb-uk:latest \
    --no-cache 2>convert.err || { cat convert.err >&2; exit 1; }
mkdir -p image rootfs-template plain-rootfs
tar -C image -xf bb-uk.tar
for layer in $(python3 -c 'import json, sys; print(" ".join(json.load(open(sys.argv[1]))[0]["Layers"]))' image/manifest.json); do
    tar -C rootfs-template -xf "image/$layer"
done
test -f rootfs-template/.uk/kernel || { echo "FAIL: the converted image has no /.uk/kernel" >&2; exit 1; }
tar -C plain-rootfs -xf "image/$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[0]["Layers"][0])' image/manifest.json)"

# bundle DIR [KEY=JSON]...: a bundle with a copy of the converted rootfs and a config.json like
# `runc spec`'s, with process.args etc. set from KEY=JSON pairs (dotted keys: process.args=[...]).
bundle() {
    local dir=$1
    shift
    rm -rf "$dir"
    mkdir -p "$dir"
    cp -a rootfs-template "$dir/rootfs"
    python3 - "$dir/config.json" "$@" <<'PY'
import json, sys
config = {
    "ociVersion": "1.0.2",
    "process": {
        "terminal": False,
        "user": {"uid": 0, "gid": 0},
        "args": ["sh", "-c", "echo hi"],
        "env": ["PATH=/bin", "TERM=xterm"],
        "cwd": "/",
        "capabilities": {"bounding": ["CAP_KILL"]},
        "noNewPrivileges": True,
    },
    "root": {"path": "rootfs", "readonly": True},
    "hostname": "uk-test",
    "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
    "linux": {
        "resources": {"devices": [{"allow": False, "access": "rwm"}]},
        "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"},
                       {"type": "uts"}, {"type": "mount"}],
        "maskedPaths": ["/proc/kcore"],
    },
}
for pair in sys.argv[2:]:
    key, _, value = pair.partition("=")
    node = config
    parts = key.split(".")
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = json.loads(value)
json.dump(config, open(sys.argv[1], "w"), indent=2)
PY
}

# create_shim NAME BUNDLE [--console]: oci_shim.py runs `create` for container NAME in the
# background (under the command SHIM_WRAP names, if any); waits for create to finish. Sets
# SHIM_DIR; CREATE_STATUS.
SHIM_WRAP=()
create_shim() {
    local name=$1 dir=$2
    shift 2
    SHIM_DIR="$UK_WORK_DIR/shim-$name"
    rm -rf "$SHIM_DIR"
    mkdir -p "$SHIM_DIR"
    "${SHIM_WRAP[@]}" python3 "$HERE/oci_shim.py" "$SHIM_DIR" "$@" -- "$RUNTIME" --root "$ROOT" \
        --log "$LOG" --log-format json create --bundle "$dir" --pid-file "$SHIM_DIR/pid" "$name" &
    shims+=($!)
    for _ in $(seq 600); do
        [ -f "$SHIM_DIR/create-status" ] && break
        sleep 0.1
    done
    CREATE_STATUS=$(cat "$SHIM_DIR/create-status" 2>/dev/null || echo none)
}

# status ID: the container's status from `state` ("" when state fails).
status() {
    rt state "$1" 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])' 2>/dev/null || true
}

# wait_exit: waits (up to 120 s) for the shim to see the container process end. Sets EXIT.
wait_exit() {
    for _ in $(seq 1200); do
        [ -f "$SHIM_DIR/exit-status" ] && break
        sleep 0.1
    done
    EXIT=$(cat "$SHIM_DIR/exit-status" 2>/dev/null || echo none)
}

# wait_output REGEX: waits (up to 120 s) for the container's stdout to match.
wait_output() {
    for _ in $(seq 1200); do
        grep -Eq -- "$1" "$SHIM_DIR/stdout" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# left_behind: processes that still name the test's archives (uk run, QEMU), and archives.
left_behind() {
    local procs
    procs=$(pgrep -f -- "$UK_RUNTIME_DATA_DIR" || true)
    echo "$procs$(ls "$UK_RUNTIME_DATA_DIR" 2>/dev/null)"
}

# --- lifecycle ------------------------------------------------------------------------------------

bundle b-life 'process.args=["sh", "-c", "echo hello $FOO from $(hostname); echo err >&2; exit 3"]' \
    'process.env=["PATH=/bin", "FOO=bar"]' 'hostname="life-host"'
: >"$LOG"
create_shim life "$UK_WORK_DIR/b-life"
expect_eq 0 "$CREATE_STATUS" "create: exit status 0"
pid=$(cat "$SHIM_DIR/pid" 2>/dev/null || echo none)
state_pid=$(rt state life | python3 -c 'import json, sys; print(json.load(sys.stdin)["pid"])')
expect_eq "$pid" "$state_pid" "create: the pid file holds the container process (state's pid)"
expect_eq created "$(status life)" "create: state says created"
if [ -d "/proc/$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q ' run --start-gate '; then
    pass "create: the container process is uk run, booting the guest up to its start gate"
else
    fail "create: the container process is $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || echo gone)"
fi
sleep 1 # time enough to boot: the application must still wait for start
if [ ! -s "$SHIM_DIR/stdout" ] && [ "$(status life)" = created ]; then
    pass "create: the application does not run before start"
else
    fail "create: before start: $(status life), stdout: $(cat "$SHIM_DIR/stdout")"
fi
if rt state life | python3 -c 'import json, sys
s = json.load(sys.stdin)
assert set(s) >= {"ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner", "annotations"}, s
assert s["id"] == "life" and s["bundle"].endswith("/b-life") and s["rootfs"].endswith("/b-life/rootfs"), s'; then
    pass "state: runc's fields"
else
    fail "state: $(rt state life)"
fi
try rt start life
expect_eq 0 "$STATUS" "start: exit status 0"
wait_exit
expect_eq 3 "$EXIT" "the container process exits with the app's status"
expect_eq stopped "$(status life)" "state says stopped"
OUT=$(cat "$SHIM_DIR/stdout")
ERR=$(cat "$SHIM_DIR/stderr")
expect_out '^hello bar from life-host' "args, env and hostname reach the app; output on create's stdout"
expect_out '^err' "the app's stderr is on the console too"
if grep -q '"level":"info"' "$LOG" && python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' "$LOG"; then
    pass "--log-format json: JSON lines"
else
    fail "--log-format json: $(head -3 "$LOG")"
fi
rt start life 2>start.err && fail "start of a stopped container succeeds" ||
    pass "start of a stopped container fails"
rt kill life TERM 2>kill.err && fail "kill of a stopped container succeeds" ||
    pass "kill of a stopped container fails ($(cat kill.err))"
try rt kill --all life KILL
expect_eq 0 "$STATUS" "kill --all of a stopped container succeeds (the shim's cleanup)"
try rt delete life
expect_eq 0 "$STATUS" "delete: exit status 0"
[ ! -e "$ROOT/life" ] && pass "delete: the state directory is gone" || fail "delete: $ROOT/life remains"
expect_eq "" "$(left_behind)" "delete: no archive, no process left"
"$RUNTIME" --root "$ROOT" --runc /nonexistent/runc state life 2>state.err &&
    fail "state of a deleted container succeeds" || pass "state of a deleted container fails"
grep -q 'does not exist' state.err && pass "... saying it does not exist" || fail "state: $(cat state.err)"

# --- limits ---------------------------------------------------------------------------------------

bundle b-limits 'process.args=["sh", "-c", "echo limits"]' \
    'linux.resources={"memory": {"limit": 100663296}, "cpu": {"quota": 150000, "period": 100000}}'
: >"$LOG"
create_shim limits "$UK_WORK_DIR/b-limits"
expect_eq 0 "$CREATE_STATUS" "limits: create"
if grep -q -- '--mem 96 --cpus 2' "$LOG"; then
    pass "limits: 96 MiB and quota 1.5 CPUs become --mem 96 --cpus 2"
else
    fail "limits: $(grep -o '"msg":"created[^"]*' "$LOG")"
fi
rt start limits
wait_exit
expect_eq 0 "$EXIT" "limits: the guest boots"
rt delete limits

# --- kill -----------------------------------------------------------------------------------------

bundle b-kill 'process.args=["sh", "-c", "echo started; while true; do sleep 1; done"]'
for sig in TERM KILL; do
    create_shim "kill-$sig" "$UK_WORK_DIR/b-kill"
    rt start "kill-$sig"
    if wait_output '^started'; then
        expect_eq running "$(status "kill-$sig")" "kill $sig: running"
        if [ "$sig" = TERM ]; then
            pids=$(rt ps --format json "kill-$sig")
            if python3 -c 'import json, sys; p = json.loads(sys.argv[1]); assert len(p) >= 2 and int(sys.argv[2]) in p, p' \
                "$pids" "$(cat "$SHIM_DIR/pid")"; then
                pass "ps --format json lists uk run and QEMU: $pids"
            else
                fail "ps --format json: $pids"
            fi
            try rt pause "kill-$sig"
            expect_eq "0 paused" "$STATUS $(status "kill-$sig")" "pause"
            try rt resume "kill-$sig"
            expect_eq "0 running" "$STATUS $(status "kill-$sig")" "resume"
        fi
        rt kill "kill-$sig" "$sig"
        wait_exit
        want=$([ "$sig" = TERM ] && echo 143 || echo 137)
        expect_eq "$want" "$EXIT" "kill $sig: the container ends with $want"
        expect_eq stopped "$(status "kill-$sig")" "kill $sig: stopped"
    else
        fail "kill $sig: the app did not start: $(cat "$SHIM_DIR/stdout" "$SHIM_DIR/stderr")"
    fi
    rt delete "kill-$sig"
done
expect_eq "" "$(left_behind)" "kill: nothing left after delete"

# SIGTERM before start: the guest, booted up to its start gate, ends as a process that has
# not started would; the application never runs.
create_shim kill-created "$UK_WORK_DIR/b-kill"
sleep 0.5
rt kill kill-created TERM
wait_exit
expect_eq 143 "$EXIT" "kill TERM of a created container: it ends with 143"
expect_eq "" "$(cat "$SHIM_DIR/stdout")" "kill TERM of a created container: the app never ran"
rt delete kill-created

# --- delete ---------------------------------------------------------------------------------------

create_shim del-run "$UK_WORK_DIR/b-kill"
rt start del-run
wait_output '^started' || fail "delete: the app did not start"
if rt delete del-run 2>del.err; then
    fail "delete of a running container succeeds"
else
    grep -q 'not stopped: running' del.err && pass "delete of a running container fails: $(cat del.err)" ||
        fail "delete of a running container: $(cat del.err)"
fi
try rt delete --force del-run
expect_eq 0 "$STATUS" "delete --force of a running container"
wait_exit
expect_eq 137 "$EXIT" "delete --force: the container process was killed"
[ ! -e "$ROOT/del-run" ] && pass "delete --force: state gone" || fail "delete --force: state remains"
expect_eq "" "$(left_behind)" "delete --force: nothing left running"

create_shim del-created "$UK_WORK_DIR/b-kill"
try rt delete del-created
expect_eq 0 "$STATUS" "delete of a created (never started) container"
wait_exit
[ "$EXIT" != none ] && pass "delete: the waiting process is gone" || fail "delete: the waiting process remains"
expect_eq "" "$(left_behind)" "delete of a created container: nothing left"

# A create killed half-way leaves a directory that is neither uk's nor runc's: delete removes it.
mkdir -p "$ROOT/half-made"
try rt delete half-made
expect_eq "0 absent" "$STATUS $([ -e "$ROOT/half-made" ] && echo present || echo absent)" \
    "delete of a half-made container removes its directory"
# The shim's cleanup deletes again what delete removed: done, as runc says, without runc.
try rt --runc /nonexistent/runc delete --force half-made
expect_eq 0 "$STATUS" "delete --force of a container that does not exist (runc not needed)"

# --- a guest booted while the hooks run ----------------------------------------------------------

# A bundle with hooks and a new network namespace (as Docker's): the guest boots on uk-tap0
# before the hooks run; with no interface after them, the start says --no-network.
bundle b-hooked 'process.args=["sh", "-c", "echo hooked; exit 6"]' \
    'hooks={"prestart": [{"path": "/bin/sh", "args": ["sh", "-c", "sleep 0.3"]}]}'
create_shim hooked "$UK_WORK_DIR/b-hooked"
expect_eq 0 "$CREATE_STATUS" "hooks: create"
words=$(tr '\0' ' ' <"/proc/$(cat "$SHIM_DIR/pid")/cmdline" 2>/dev/null || true)
start_line=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["startLine"])' \
    "$ROOT/hooked/uk-container.json" 2>/dev/null || true)
if grep -q -- ' --net tap:uk-tap0 ' <<<"$words" && [ "$start_line" = --no-network ]; then
    pass "hooks: the guest booted on uk-tap0 before them; no interface after them: --no-network at start"
else
    fail "hooks: uk run: $words; the start: $start_line"
fi
rt start hooked
wait_exit
expect_eq 6 "$EXIT" "hooks: the app's status"
expect_out_file() { grep -Eq -- "$1" "$SHIM_DIR/stdout" && pass "$2" || fail "$2: $(cat "$SHIM_DIR/stdout")"; }
expect_out_file '^hooked$' "hooks: the app's output"
rt delete hooked
# Without /dev/net/tun (masked here) there is no tap to boot on: the guest boots after the
# hooks, on the user network, with a warning.
SHIM_WRAP=(unshare -m sh -c 'mount --bind /dev/null /dev/net/tun && exec "$@"' sh)
: >"$LOG"
create_shim no-tun "$UK_WORK_DIR/b-hooked"
SHIM_WRAP=()
expect_eq 0 "$CREATE_STATUS" "no /dev/net/tun: create"
if grep -q '"level":"warning".*cannot make the tap uk-tap0.*the guest boots after the hooks' "$LOG"; then
    pass "no /dev/net/tun: a warning says the guest boots after the hooks"
else
    fail "no /dev/net/tun: the log: $(cat "$LOG")"
fi
rt start no-tun
wait_exit
expect_eq 6 "$EXIT" "no /dev/net/tun: the app's status"
expect_out_file '^hooked$' "no /dev/net/tun: the app's output"
rt delete no-tun
expect_eq "" "$(left_behind)" "hooks: nothing left"

# --- terminal -------------------------------------------------------------------------------------

bundle b-tty 'process.terminal=true' 'process.args=["sh", "-c", "echo on a terminal; exit 5"]'
create_shim tty "$UK_WORK_DIR/b-tty" --console
expect_eq 0 "$CREATE_STATUS" "terminal: create with --console-socket"
if grep -q '^/dev/pts/' "$SHIM_DIR/pty-name" 2>/dev/null; then
    pass "terminal: the shim receives the pty master ($(cat "$SHIM_DIR/pty-name"))"
else
    fail "terminal: no pty received"
fi
rt start tty
wait_exit
expect_eq 5 "$EXIT" "terminal: the app's exit status"
OUT=$(tr -d '\r' <"$SHIM_DIR/stdout")
expect_out 'on a terminal' "terminal: the app's output comes through the pty"
rt delete tty
bundle b-tty2 'process.terminal=true'
rt create --bundle "$UK_WORK_DIR/b-tty2" tty2 2>tty.err && fail "terminal without --console-socket succeeds" ||
    pass "terminal without --console-socket fails: $(cat tty.err)"

# --- bad bundles ----------------------------------------------------------------------------------

# bad NAME REGEX: `create` of bundle $UK_WORK_DIR/NAME fails with a message matching REGEX on
# stderr and as an error line of the JSON log, and leaves nothing behind.
bad() {
    local name=$1 regex=$2
    : >"$LOG"
    set +e
    rt create --bundle "$UK_WORK_DIR/$name" --pid-file "$UK_WORK_DIR/$name.pid" "$name" \
        >"$name.out" 2>"$name.err"
    STATUS=$?
    set -e
    if [ "$STATUS" -ne 0 ]; then
        pass "$name: create fails (status $STATUS)"
    else
        fail "$name: create succeeds"
        rt delete --force "$name" || true
        return
    fi
    grep -Eq -- "$regex" "$name.err" && pass "$name: stderr says $(head -c 300 "$name.err")" ||
        fail "$name: stderr does not match /$regex/: $(cat "$name.err")"
    if python3 -c 'import json, re, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert any(l["level"] == "error" and re.search(sys.argv[2], l["msg"]) for l in lines), lines' "$LOG" "$regex"; then
        pass "$name: the log has the error as JSON"
    else
        fail "$name: the log: $(cat "$LOG")"
    fi
    [ ! -e "$ROOT/$name" ] && [ ! -e "$UK_WORK_DIR/$name.pid" ] && [ -z "$(left_behind)" ] &&
        pass "$name: nothing left behind" ||
        fail "$name: left: $(ls "$ROOT" "$UK_WORK_DIR/$name.pid" 2>&1) $(left_behind)"
}

bundle no-config
rm no-config/config.json
bad no-config 'config.json: no such file'
bundle bad-json
echo '{"ociVersion": "1.0.2", "process": {' >bad-json/config.json
bad bad-json 'config.json: not valid JSON'
bundle no-args 'process.args=[]'
bad no-args 'process.args: must not be empty'
bundle bad-type 'process.env="PATH=/bin"'
bad bad-type 'process.env: must be an array of strings'
bundle bad-kernel
echo 'not a kernel' >bad-kernel/rootfs/.uk/kernel
bad bad-kernel 'uk kernel cannot be used: .*not (an ELF file|a uk image)'
bundle old-kernel
python3 -c 'import sys
data = open(sys.argv[1], "rb").read()
assert b"uk-abi: start-gate 1" in data
open(sys.argv[1], "wb").write(data.replace(b"uk-abi: start-gate 1", b"uk-abi: start-gate 0"))' \
    old-kernel/rootfs/.uk/kernel
bad old-kernel 'was built by a uk from before the start gate .*convert the image again'
bundle small-memory 'linux.resources={"memory": {"limit": 4194304}}'
bad small-memory 'linux.resources.memory.limit: 4194304 bytes \(4 MiB\) is less than the [0-9]+ MiB'
bundle negative-cpu 'linux.resources={"cpu": {"quota": -5, "period": 100000}}'
bad negative-cpu 'linux.resources.cpu.quota: -5 is negative'
bundle bad-cpuset 'linux.resources={"cpu": {"cpus": "3-1"}}'
bad bad-cpuset 'linux.resources.cpu.cpus: .3-1. is not a CPU list'
bundle bad-hostname 'hostname="no_underscores!"'
bad bad-hostname 'hostname'
bundle dup 'process.args=["true"]'
create_shim dup "$UK_WORK_DIR/dup"
set +e
rt create --bundle "$UK_WORK_DIR/dup" dup 2>dup.err
STATUS=$?
set -e
[ "$STATUS" -ne 0 ] && grep -q 'container with id exists: dup' dup.err &&
    pass "create of an existing ID fails: $(cat dup.err)" || fail "create of an existing ID: $STATUS $(cat dup.err)"
rt delete dup

# --- the tap network --------------------------------------------------------------------------------

# Annotations that cannot be honoured fail at create.
bundle bad-network 'annotations={"io.uk.network": "bridge"}'
bad bad-network 'annotations.io.uk.network: expected auto, tap or user, got .bridge.'
# The bundles' network namespace is a new, empty one: no interface for a tap.
bundle tap-no-iface 'annotations={"io.uk.network": "tap"}'
bad tap-no-iface 'io.uk.network .*is tap, but the network namespace has no interface with an IPv4 address'
bundle tap-host 'annotations={"io.uk.network": "tap"}' 'linux.namespaces=[{"type": "pid"}]'
bad tap-host "io.uk.network .*is tap, but the container shares the host's network namespace"

# A namespace wired as a container engine wires one (a veth with an address and a default
# route, what Docker's and CNI's bridge plugins make), joined by path: the guest takes over
# eth0's address, MAC and gateway through uk-tap0.
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || [ ! -c /dev/net/tun ]; then
    echo "SKIP: tap: part: needs root, ip (iproute2, to make the test's namespace) and /dev/net/tun"
else
    NS=uk-oci-$$
    VETH=uk-oci$$
    net=
    for n in $(seq 61 250); do
        if ! ip -4 -o addr show | grep -q " 10\.199\.$n\." && ! ip -4 route show | grep -q "^10\.199\.$n\."; then
            net=10.199.$n
            break
        fi
    done
    tap_cleanup() {
        cleanup
        ip netns del "$NS" 2>/dev/null || true
        ip link del "$VETH" 2>/dev/null || true
        [ -n "${HTTP_PID:-}" ] && kill "$HTTP_PID" 2>/dev/null || true
    }
    trap tap_cleanup EXIT
    ip netns add "$NS"
    ip link add "$VETH" type veth peer name eth0 netns "$NS"
    ip addr add "$net.1/24" dev "$VETH"
    ip link set "$VETH" up
    ip -n "$NS" addr add "$net.2/24" dev eth0
    ip -n "$NS" link set eth0 up
    ip -n "$NS" link set lo up
    ip -n "$NS" route add default via "$net.1"
    mac=$(ip -n "$NS" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
    printf 'nameserver 127.0.0.11\nnameserver %s.1\noptions ndots:0\n' "$net" >resolv.conf
    ns_json="[{\"type\": \"pid\"}, {\"type\": \"network\", \"path\": \"/var/run/netns/$NS\"}]"
    bundle b-tap 'process.args=["httpd", "-f", "-v", "-p", "8080", "-h", "/www"]' \
        "linux.namespaces=$ns_json" \
        "mounts=[{\"destination\": \"/etc/resolv.conf\", \"type\": \"bind\", \"source\": \"$UK_WORK_DIR/resolv.conf\", \"options\": [\"rbind\", \"ro\"]}]"
    head -c 1048576 /dev/urandom >b-tap/rootfs/www/big
    : >"$LOG"
    create_shim tap "$UK_WORK_DIR/b-tap"
    expect_eq 0 "$CREATE_STATUS" "tap: create in a namespace with eth0 $net.2/24"
    words=$(tr '\0' ' ' <"$ROOT/tap/uk-run.args" 2>/dev/null || true)
    case "$words" in
    *" --net tap:uk-tap0 --mac $mac --ip $net.2/24 --gw $net.1 --dns $net.1 --entrypoint httpd "*)
        pass "tap: uk run gets the tap, eth0's MAC, address and gateway, the non-loopback name server" ;;
    *) fail "tap: uk run's words: $words" ;;
    esac
    grep -q -- ' -p 0.0.0.0:' <<<"$words" && fail "tap: -p is still passed: $words" || pass "tap: no -p"
    grep -q 'the guest takes over eth0' "$LOG" && pass "tap: the log says the guest takes over eth0" ||
        fail "tap: the log: $(cat "$LOG")"
    grep -q 'name server 127.0.0.11 is left out' "$LOG" &&
        pass "tap: a loopback name server is left out, with a warning" || fail "tap: the log: $(cat "$LOG")"
    expect_eq "" "$(ip -n "$NS" -4 -o addr show dev eth0)" "tap: eth0 has no IPv4 address in the namespace"
    if tc -n "$NS" filter show dev eth0 ingress 2>/dev/null | grep -q 'Egress Redirect to device uk-tap0' &&
        tc -n "$NS" filter show dev uk-tap0 ingress 2>/dev/null | grep -q 'Egress Redirect to device eth0'; then
        pass "tap: eth0 and uk-tap0 redirect to each other"
    else
        command -v tc >/dev/null && fail "tap: filters: $(tc -n "$NS" filter show dev eth0 ingress 2>&1)" ||
            echo "SKIP: tap: part: tc is missing, the filters are not listed"
    fi
    rt start tap
    body=
    for _ in $(seq 120); do
        body=$(curl -s -m 5 "http://$net.2:8080/index.html" || true)
        [ -n "$body" ] && break
        sleep 0.5
    done
    expect_eq hello "$body" "tap: the host reaches httpd in the guest at $net.2:8080"
    curl -s -m 60 -o big.out "http://$net.2:8080/big" || true
    cmp -s big.out b-tap/rootfs/www/big && pass "tap: 1 MiB comes through intact (checksum offload)" ||
        fail "tap: 1 MiB: got $(stat -c %s big.out 2>/dev/null || echo nothing) bytes, or other ones"
    if ! command -v ping >/dev/null; then
        echo "SKIP: tap: part: ping is missing (iputils-ping)"
    elif ping -c 1 -W 5 "$net.2" >/dev/null 2>&1; then
        pass "tap: the guest answers ping at $net.2"
    else
        fail "tap: no answer to ping at $net.2"
    fi
    ip neigh show "$net.2" dev "$VETH" | grep -q "lladdr $mac" && pass "tap: the guest answers ARP with eth0's MAC" ||
        fail "tap: neighbour: $(ip neigh show "$net.2" dev "$VETH")"
    rt delete --force tap
    wait_exit
    expect_eq "inet $net.2/24" "$(ip -n "$NS" -4 -o addr show dev eth0 | grep -o 'inet [0-9./]*')" \
        "tap: delete gives eth0 its address back"
    ip -n "$NS" -4 route show default | grep -q "via $net.1 dev eth0" &&
        pass "tap: ... and the default route" || fail "tap: routes: $(ip -n "$NS" -4 route)"
    ip -n "$NS" link show uk-tap0 >/dev/null 2>&1 && fail "tap: uk-tap0 remains" || pass "tap: uk-tap0 is gone"
    expect_eq "" "$(left_behind)" "tap: nothing left after delete"

    # The guest connects out through its gateway (the host's end of the veth).
    mkdir -p served
    echo "from the host" >served/file
    python3 -m http.server --bind "$net.1" 18080 --directory served >http.log 2>&1 &
    HTTP_PID=$!
    bundle b-tap-out "process.args=[\"sh\", \"-c\", \"for i in 1 2 3 4 5; do wget -qO- http://$net.1:18080/file && exit 0; sleep 1; done; exit 9\"]" \
        "linux.namespaces=$ns_json"
    create_shim tap-out "$UK_WORK_DIR/b-tap-out"
    rt start tap-out
    wait_exit
    expect_eq 0 "$EXIT" "tap: the guest reaches the host at $net.1 (wget)"
    grep -q '^from the host' "$SHIM_DIR/stdout" && pass "tap: ... and gets the file" ||
        fail "tap: wget: $(cat "$SHIM_DIR/stdout" "$SHIM_DIR/stderr")"
    rt delete tap-out

    # A wiring whose delete never ran (the state lost with a crash) is undone by the next
    # create in the namespace, from what uk-tap0's alias records.
    create_shim tap-lost "$UK_WORK_DIR/b-tap"
    kill -9 "$(cat "$SHIM_DIR/pid")"
    wait_exit
    rm -rf "$ROOT/tap-lost" "$UK_RUNTIME_DATA_DIR"/tap-lost-*
    create_shim tap-again "$UK_WORK_DIR/b-tap"
    expect_eq 0 "$CREATE_STATUS" "tap: create where an earlier wiring was left"
    tr '\0' ' ' <"$ROOT/tap-again/uk-run.args" 2>/dev/null | grep -q -- "--ip $net.2/24 --gw $net.1" &&
        pass "tap: ... takes eth0's address over again" ||
        fail "tap: left wiring: $(tr '\0' ' ' <"$ROOT/tap-again/uk-run.args" 2>&1)"
    rt delete tap-again
    expect_eq "inet $net.2/24" "$(ip -n "$NS" -4 -o addr show dev eth0 | grep -o 'inet [0-9./]*')" \
        "tap: ... and its delete gives it back"

    # io.uk.network=user keeps QEMU's user network in the same namespace, untouched.
    bundle b-user 'annotations={"io.uk.network": "user"}' "linux.namespaces=$ns_json"
    : >"$LOG"
    create_shim user-net "$UK_WORK_DIR/b-user"
    expect_eq 0 "$CREATE_STATUS" "io.uk.network=user: create"
    [ ! -e "$ROOT/user-net/uk-run.args" ] && grep -q -- '-p 0.0.0.0:8080:8080 ' "$LOG" &&
        pass "io.uk.network=user: uk run publishes the exposed port (-p), no tap" ||
        fail "io.uk.network=user: $(grep -o '"msg":"created[^"]*' "$LOG")"
    expect_eq "inet $net.2/24" "$(ip -n "$NS" -4 -o addr show dev eth0 | grep -o 'inet [0-9./]*')" \
        "io.uk.network=user: eth0 keeps its address"
    rt delete user-net
    # $UK_RUNTIME_NETWORK sets the mode for bundles without the annotation (the annotation wins).
    UK_RUNTIME_NETWORK=user create_shim env-user "$UK_WORK_DIR/b-tap"
    UK_RUNTIME_NETWORK=tap create_shim env-tap-annotated-user "$UK_WORK_DIR/b-user"
    [ ! -e "$ROOT/env-user/uk-run.args" ] && [ ! -e "$ROOT/env-tap-annotated-user/uk-run.args" ] &&
        [ -n "$(ip -n "$NS" -4 -o addr show dev eth0)" ] &&
        pass "UK_RUNTIME_NETWORK=user: the user network; an io.uk.network annotation wins over it" ||
        fail "UK_RUNTIME_NETWORK: $(ls "$ROOT"/env-*/ 2>&1)"
    rt delete env-user
    rt delete env-tap-annotated-user
    kill "$HTTP_PID" 2>/dev/null || true
    HTTP_PID=
    ip netns del "$NS"
    ip link del "$VETH" 2>/dev/null || true
fi

# --- runc's bundles ---------------------------------------------------------------------------------

if command -v runc >/dev/null; then
    mkdir -p plain
    cp -a plain-rootfs plain/rootfs
    cp b-life/config.json plain/config.json
    python3 - plain/config.json <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["sh", "-c", "echo plain from runc; exit 4"]
c["root"]["readonly"] = False
c["linux"]["namespaces"] = [{"type": t} for t in ("pid", "ipc", "uts", "mount")]
c["mounts"] = [{"destination": "/proc", "type": "proc", "source": "proc"}]
del c["linux"]["resources"]
json.dump(c, open(sys.argv[1], "w"))
PY
    create_shim plain "$UK_WORK_DIR/plain"
    expect_eq 0 "$CREATE_STATUS" "runc: create of a bundle without /.uk/kernel (runc's: $(head -c 300 "$SHIM_DIR/stderr"))"
    if [ -f "$ROOT/plain/state.json" ] && [ ! -f "$ROOT/plain/uk-container.json" ]; then
        pass "runc: runc keeps the container in the same root"
    else
        fail "runc: $(ls "$ROOT/plain" 2>&1)"
    fi
    expect_eq created "$(status plain)" "runc: state passes through"
    rt start plain
    wait_exit
    expect_eq 4 "$EXIT" "runc: the container runs under runc"
    OUT=$(cat "$SHIM_DIR/stdout")
    expect_out '^plain from runc' "runc: its output"
    rt delete plain
    [ ! -e "$ROOT/plain" ] && pass "runc: delete passes through" || fail "runc: $ROOT/plain remains"
else
    echo "SKIP: runc: part: runc is not installed"
fi

# Without runc, a bundle that is not uk's cannot run, and the message says why.
bundle no-runc
rm -rf no-runc/rootfs/.uk
try "$RUNTIME" --root "$ROOT" --runc /nonexistent/runc create --bundle "$UK_WORK_DIR/no-runc" no-runc 2>no-runc.err
if [ "$STATUS" -ne 0 ] && grep -q 'holds no uk kernel .*runc, which runs everything else, is not at /nonexistent/runc' no-runc.err; then
    pass "no runc: a bundle without a uk kernel fails: $(cat no-runc.err)"
else
    fail "no runc: status $STATUS: $(cat no-runc.err)"
fi

# --- the command line --------------------------------------------------------------------------------

"$RUNTIME" --version >version.out && grep -q '^uk-runtime version' version.out &&
    pass "--version" || fail "--version: $(cat version.out)"
"$RUNTIME" features | python3 -c 'import json, sys; f = json.load(sys.stdin); assert "ociVersionMax" in f' &&
    pass "features prints JSON" || fail "features"
"$RUNTIME" --help | grep -q 'create' && pass "--help" || fail "--help"
set +e
"$RUNTIME" --no-such-option state x 2>usage.err
STATUS=$?
set -e
expect_eq 2 "$STATUS" "an unknown global option: status 2"
: >"$LOG"
"$RUNTIME" --root "$ROOT" --log "$LOG" --runc /nonexistent/runc kill nothing-here 2>/dev/null || true
grep -q '^time=".*" level=error msg="container nothing-here does not exist' "$LOG" &&
    pass "--log-format text: logrus's format" || fail "--log-format text: $(cat "$LOG")"

finish
