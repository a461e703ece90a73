#!/usr/bin/env bash
# Detached instances: uk run -d, ps, logs, wait, stop, rm and metrics, with docker's exit
# statuses, in a private state directory (so that tests can run in parallel).
source "$(dirname "$0")/lib.sh"

export UK_STATE_DIR="$UK_WORK_DIR/state"
SLEEPER="$IMAGES/sleeper.img"
EXIT_CODE="$IMAGES/exit_code.img"
SIGNALS="$IMAGES/stop_signals.img" # prints "ready", ends with 7 on SIGTERM ("ignore": never)

# Whatever happens, no VM (or tap) outlives the test.
TAP=
cleanup() {
    local ids
    ids=$("$UK" ps -aq 2>/dev/null || true)
    if [ -n "$ids" ]; then
        # shellcheck disable=SC2086
        "$UK" rm -f $ids >/dev/null 2>&1 || true
    fi
    if [ -n "$TAP" ]; then
        ip tuntap del dev "$TAP" mode tap 2>/dev/null || true
    fi
}
trap cleanup EXIT

# uk_cmd ARGS...: runs `uk ARGS` (60 s at most). Sets OUT, ERR, STATUS.
uk_cmd() {
    set +e
    timeout --kill-after=5 60 "$UK" "$@" >"$UK_WORK_DIR/out" 2>"$UK_WORK_DIR/err"
    STATUS=$?
    set -e
    OUT=$(cat "$UK_WORK_DIR/out")
    ERR=$(cat "$UK_WORK_DIR/err")
}

# json_check PYTHON-EXPRESSION WHAT: evaluates the expression with `j` = uk ps -a --json.
json_check() {
    if "$UK" ps -a --json | python3 -c "import json, sys; j = json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; then
        pass "$2"
    else
        fail "$2: ($1) is false for:"
        "$UK" ps -a --json >&2
    fi
}

# gone PID: the process has ended (a zombie not yet reaped by init counts as ended).
gone() {
    ! grep -q '^[0-9]* (.*) [^ZX]' "/proc/$1/stat" 2>/dev/null
}

# until_true SECONDS COMMAND...: retries COMMAND every 0.1 s until it succeeds.
until_true() {
    local limit=$(($1 * 10))
    shift
    for _ in $(seq 1 "$limit"); do
        if "$@"; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# --- uk run -d -----------------------------------------------------------------------------
started=$(date +%s%N)
uk_cmd run -d --name life-sleep --mem 64M "$SLEEPER"
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
expect_status 0 "run -d --name"
expect_out '^life-sleep$' "run -d --name prints the name"
if [ "$elapsed_ms" -lt 5000 ]; then
    pass "run -d returns at once (${elapsed_ms} ms)"
else
    fail "run -d took ${elapsed_ms} ms"
fi
if [ -f "$UK_STATE_DIR/life-sleep/config.json" ] && [ -f "$UK_STATE_DIR/life-sleep/state.json" ]; then
    pass "the state is under \$UK_STATE_DIR/NAME"
else
    fail "no state under $UK_STATE_DIR/life-sleep"
    ls -la "$UK_STATE_DIR" >&2 || true
fi

uk_cmd run -d "$EXIT_CODE" -- 3
expect_status 0 "run -d without --name"
expect_out '^[0-9a-f]{12}$' "run -d without --name prints a 12-digit id"
exit_id=$OUT

uk_cmd run -d --name life-sleep "$SLEEPER"
expect_status 125 "a name in use"
expect_err 'the name "life-sleep" is already in use by instance [0-9a-f]{12}' "a name in use: says so"
uk_cmd run -d --name 'bad name' "$SLEEPER"
expect_status 125 "a bad name"
expect_err "invalid name 'bad name'" "a bad name: says so"
uk_cmd run -d --name life-missing "$UK_WORK_DIR/missing.img"
expect_status 125 "run -d of a missing image"
expect_err 'missing.img' "run -d of a missing image names it"
if [ ! -e "$UK_STATE_DIR/life-missing" ]; then
    pass "a failed run -d leaves no state"
else
    fail "a failed run -d left $UK_STATE_DIR/life-missing"
fi

# --- wait, logs ----------------------------------------------------------------------------
uk_cmd wait "$exit_id"
expect_status 0 "wait"
expect_out '^3$' "wait prints the exit status"
uk_cmd logs "$exit_id"
expect_status 0 "logs"
expect_out '^exiting with 3$' "logs shows the output"
uk_cmd logs "${exit_id:0:5}"
expect_out '^exiting with 3$' "an id prefix names the instance"

# --- ps --------------------------------------------------------------------------------------
uk_cmd ps
expect_status 0 "ps"
expect_out '^ID +NAME +IMAGE +CREATED +STATUS +CPU +MEM USAGE / LIMIT +NET I/O +PORTS$' "ps header"
expect_out '^[0-9a-f]{12} +life-sleep +sleeper.img +.* ago +Up .* +[0-9.]+s +[0-9.]+[KMG]iB / 64MiB +0B / 0B$' \
    "ps shows the running instance with CPU, memory and (none yet) network bytes"
expect_no_out "^$exit_id" "ps leaves out exited instances"
uk_cmd ps -a
expect_out "^$exit_id .* Exited \\(3\\) .* ago" "ps -a shows the exited instance's status"
uk_cmd ps -q
expect_out '^[0-9a-f]{12}$' "ps -q prints ids"
expect_count '.' 1 "ps -q: only the running one"

if "$UK" ps -a --json | python3 -m json.tool >/dev/null; then
    pass "ps --json parses"
else
    fail "ps --json is not JSON"
fi
json_check 'len(j) == 2' "ps -a --json lists both"
json_check '[i for i in j if i["name"] == "life-sleep" and i["state"] == "running" and i["status"].startswith("Up ")
    and i["memoryLimitBytes"] == 64 << 20 and i["memoryRssBytes"] > 1 << 20 and i["cpuSeconds"] >= 0
    and i["qemuPid"] > 0 and i["pid"] > 0 and i["networkReceiveBytes"] == 0 and i["networkTransmitBytes"] == 0
    and i["exitCode"] is None]' \
    "ps --json: the running one's metrics (no network traffic: a program without sockets)"
json_check '[i for i in j if i["id"] == "'"$exit_id"'" and i["state"] == "exited" and i["exitCode"] == 3
    and i["args"] == ["3"] and i["finishedAt"] and i["qemuPid"] is None]' "ps --json: the exited one"

qemu_pid=$("$UK" ps --json | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["qemuPid"])')
if grep -q '^qemu' "/proc/$qemu_pid/comm" 2>/dev/null; then
    pass "qemuPid is QEMU's"
else
    fail "qemuPid $qemu_pid is not a QEMU process"
fi

# --- metrics -----------------------------------------------------------------------------------
uk_cmd metrics
expect_status 0 "metrics"
expect_out '^# TYPE uk_cpu_seconds_total counter$' "metrics: TYPE lines"
expect_out '^uk_up\{id="[0-9a-f]{12}",name="life-sleep"\} 1$' "metrics: uk_up of the running one"
expect_out "^uk_up\\{id=\"$exit_id\",name=\"[a-z]+_[a-z]+\"\\} 0$" "metrics: uk_up of the exited one"
expect_out '^uk_cpu_seconds_total\{id="[0-9a-f]{12}",name="life-sleep"\} [0-9]+\.[0-9]+$' "metrics: CPU"
expect_out '^uk_memory_rss_bytes\{id="[0-9a-f]{12}",name="life-sleep"\} [1-9][0-9]+$' "metrics: RSS"
expect_out '^uk_memory_limit_bytes\{id="[0-9a-f]{12}",name="life-sleep"\} 67108864$' "metrics: limit"
expect_out "^uk_exit_code\\{id=\"$exit_id\",.*\\} 3$" "metrics: exit code"
expect_out '^uk_network_receive_bytes_total\{id="[0-9a-f]{12}",name="life-sleep"\} 0$' \
    "metrics: the user network's counters, 0 for a program without sockets"
# The exposition format, line by line: HELP and TYPE comments, or NAME{LABELS} VALUE.
if python3 - "$UK_WORK_DIR/out" <<'EOF'; then
import re, sys
sample = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.]+([eE][+-]?[0-9]+)?$')
comment = re.compile(r'^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$')
types = {}
for line in open(sys.argv[1]).read().splitlines():
    if line.startswith('# TYPE'):
        types[line.split()[2]] = line.split()[3]
    elif not comment.match(line) and not sample.match(line):
        sys.exit('bad line: ' + line)
    elif not line.startswith('#') and line.split('{')[0] not in types:
        sys.exit('no TYPE for: ' + line)
assert types['uk_cpu_seconds_total'] == 'counter' and types['uk_memory_rss_bytes'] == 'gauge'
EOF
    pass "metrics parse as Prometheus text"
else
    fail "metrics do not parse as Prometheus text"
    show
fi

port=$(free_port)
"$UK" metrics --listen "127.0.0.1:$port" 2>"$UK_WORK_DIR/listen.err" &
server=$!
if until_true 10 python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/metrics', timeout=2)" 2>/dev/null; then
    body=$(python3 -c "import urllib.request; r = urllib.request.urlopen('http://127.0.0.1:$port/metrics', timeout=5); print(r.headers['Content-Type']); print(r.read().decode())")
    if grep -q '^text/plain; version=0.0.4' <<<"$body" && grep -q '^uk_up{.*name="life-sleep"} 1$' <<<"$body"; then
        pass "metrics --listen serves /metrics"
    else
        fail "metrics --listen: unexpected answer: $body"
    fi
else
    fail "metrics --listen did not answer"
    cat "$UK_WORK_DIR/listen.err" >&2
fi
kill "$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true

# --- rm, stop ----------------------------------------------------------------------------------
uk_cmd rm life-sleep
expect_status 1 "rm of a running instance"
expect_err 'cannot remove running instance life-sleep' "rm of a running instance: says so"

uk_cmd stop life-sleep
expect_status 0 "stop"
expect_out '^life-sleep$' "stop prints the name"
uk_cmd wait life-sleep
expect_out '^143$' "a stopped instance: 143 (SIGTERM)"
if until_true 5 gone "$qemu_pid"; then
    pass "stop ended QEMU"
else
    fail "QEMU $qemu_pid still runs after stop"
fi
uk_cmd ps -a
expect_out '^[0-9a-f]{12} +life-sleep .* Exited \(143\) ' "ps -a: Exited (143)"
uk_cmd stop life-sleep
expect_status 0 "stop of a stopped instance succeeds"

uk_cmd rm life-sleep "$exit_id"
expect_status 0 "rm"
expect_out '^life-sleep$' "rm prints the names"
if [ ! -e "$UK_STATE_DIR/life-sleep" ]; then
    pass "rm removes the state"
else
    fail "rm left $UK_STATE_DIR/life-sleep"
fi

# Graceful: the application gets SIGTERM and ends by itself; ignored: killed after -t.
if [ -f "$SIGNALS" ]; then
    uk_cmd run -d --name life-graceful "$SIGNALS"
    until_true 60 grep -q ready "$UK_STATE_DIR/life-graceful/log" || true
    uk_cmd stop life-graceful
    expect_status 0 "stop (graceful)"
    uk_cmd wait life-graceful
    expect_out '^7$' "a graceful stop: the application's own status"
    uk_cmd logs life-graceful
    expect_out '^goodbye$' "a graceful stop: the application said goodbye"

    uk_cmd run -d --name life-stubborn "$SIGNALS" -- ignore
    until_true 60 grep -q ready "$UK_STATE_DIR/life-stubborn/log" || true
    stubborn_qemu=$("$UK" ps --json | python3 -c 'import json, sys; print([i for i in json.load(sys.stdin) if i["name"] == "life-stubborn"][0]["qemuPid"])')
    started=$(date +%s%N)
    uk_cmd stop -t 1 life-stubborn
    elapsed_ms=$((($(date +%s%N) - started) / 1000000))
    expect_status 0 "stop -t 1 (SIGTERM ignored)"
    if [ "$elapsed_ms" -ge 900 ] && [ "$elapsed_ms" -lt 8000 ]; then
        pass "stop -t 1 waited about a second (${elapsed_ms} ms)"
    else
        fail "stop -t 1 took ${elapsed_ms} ms"
    fi
    uk_cmd wait life-stubborn
    expect_out '^137$' "killed after the grace time: 137"
    if gone "$stubborn_qemu"; then
        pass "the killed instance's QEMU is gone"
    else
        fail "QEMU $stubborn_qemu outlived uk stop"
    fi
    uk_cmd rm life-graceful life-stubborn
    expect_status 0 "rm both"
else
    echo "skip: $SIGNALS not built"
fi

# --- --rm, logs -f, rm -f ----------------------------------------------------------------------
uk_cmd run -d --rm --name life-rm --timeout 3 "$SLEEPER"
expect_status 0 "run -d --rm"
uk_cmd wait life-rm
expect_out '^124$' "wait on a --rm instance gets its status (124: --timeout)"
if until_true 10 test ! -e "$UK_STATE_DIR/life-rm"; then
    pass "--rm removes the state at the end"
else
    fail "--rm left $UK_STATE_DIR/life-rm"
fi

uk_cmd run -d --name life-follow --timeout 2 "$SLEEPER"
started=$(date +%s%N)
uk_cmd logs -f life-follow
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
expect_status 0 "logs -f"
expect_out 'timed out after 2 s' "logs -f follows to the end"
if [ "$elapsed_ms" -ge 1000 ]; then
    pass "logs -f waited for the end (${elapsed_ms} ms)"
else
    fail "logs -f returned after ${elapsed_ms} ms"
fi
uk_cmd logs -n 1 life-follow
expect_count '.' 1 "logs -n 1: one line"

uk_cmd run -d --name life-force "$SLEEPER"
force_qemu=
until_true 20 test -n "$("$UK" ps --json | python3 -c 'import json, sys; print([i for i in json.load(sys.stdin) if i["name"] == "life-force"][0]["qemuPid"] or "")')" || true
force_qemu=$("$UK" ps --json | python3 -c 'import json, sys; print([i for i in json.load(sys.stdin) if i["name"] == "life-force"][0]["qemuPid"])')
uk_cmd rm -f life-force life-follow
expect_status 0 "rm -f"
if [ ! -e "$UK_STATE_DIR/life-force" ] && gone "$force_qemu"; then
    pass "rm -f kills and removes a running instance"
else
    fail "rm -f left life-force (QEMU $force_qemu)"
fi

# --- network bytes on the user network (QEMU's dumps, counted by the supervisor) ---------------
httpd=$(image httpd -O2 "$UK_SOURCE_DIR/apps/httpd/httpd.cpp")
port=$(free_port)
uk_cmd run -d --name life-user -p "127.0.0.1:$port:8080" "$httpd"
expect_status 0 "run -d of httpd on the user network"
if until_true 60 grep -q 'listening on port 8080' "$UK_STATE_DIR/life-user/log"; then
    curl -sS -m 60 -o /dev/null "http://127.0.0.1:$port/bytes/1048576" || true
    sent_mib() {
        "$UK" ps --json | python3 -c 'import json, sys
i = [i for i in json.load(sys.stdin) if i["name"] == "life-user"][0]
sys.exit(0 if i["networkTransmitBytes"] >= 1 << 20 and 0 < i["networkReceiveBytes"] < 1 << 20 else 1)'
    }
    if until_true 10 sent_mib; then
        pass "ps --json: the guest sent 1 MiB and received the request on the user network"
    else
        fail "ps --json: the user network's counters: $("$UK" ps --json)"
    fi
    uk_cmd metrics life-user
    expect_out '^uk_network_transmit_bytes_total\{id="[0-9a-f]{12}",name="life-user"\} [0-9]{7,}$' \
        "metrics: bytes sent on the user network"
else
    fail "httpd on the user network did not start: $(cat "$UK_STATE_DIR/life-user/log")"
fi
uk_cmd rm -f life-user

# --- network bytes on a tap (root and /dev/net/tun needed: skipped otherwise) -------------------
tap="ukl$$"
if ip tuntap add dev "${tap:0:15}" mode tap 2>/dev/null && TAP=${tap:0:15} &&
    ip addr add 192.168.233.1/24 dev "$TAP" &&
    ip link set "$TAP" up; then
    uk_cmd run -d --name life-tap --net "tap:$TAP" --ip 192.168.233.2/24 "$httpd"
    expect_status 0 "run -d on a tap"
    if until_true 60 grep -q 'listening on port 8080' "$UK_STATE_DIR/life-tap/log"; then
        curl -sS -m 60 -o /dev/null "http://192.168.233.2:8080/bytes/1048576" || true
        json_check '[i for i in j if i["name"] == "life-tap" and i["tapInterface"] == "'"$TAP"'"
            and i["networkTransmitBytes"] >= 1 << 20 and i["networkReceiveBytes"] > 0]' \
            "ps --json: the guest sent 1 MiB and received the request on its tap"
        uk_cmd metrics life-tap
        expect_out '^uk_network_transmit_bytes_total\{id="[0-9a-f]{12}",name="life-tap"\} [0-9]{7,}$' \
            "metrics: bytes sent on the tap"
        expect_out '^uk_network_receive_bytes_total\{id="[0-9a-f]{12}",name="life-tap"\} [1-9][0-9]*$' \
            "metrics: bytes received on the tap"
        uk_cmd ps
        expect_out 'life-tap .* [0-9.]+[KMG]?i?B / [0-9.]+[KMG]iB$' "ps: NET I/O on the tap"
    else
        fail "httpd on the tap did not start: $(cat "$UK_STATE_DIR/life-tap/log")"
    fi
    uk_cmd rm -f life-tap
else
    echo "skipped: cannot make a tap interface here (needs root and /dev/net/tun)"
fi

# --- unknown names, usage ----------------------------------------------------------------------
for cmd in logs stop rm wait; do
    uk_cmd "$cmd" life-nope
    expect_status 1 "$cmd of an unknown name"
    expect_err "^uk $cmd: no such instance: life-nope$" "$cmd of an unknown name: says so"
done
uk_cmd metrics life-nope
expect_status 1 "metrics of an unknown name"
uk_cmd stop --bogus life-nope
expect_status 125 "an unknown option: 125, as docker"
uk_cmd stop
expect_status 1 "stop without a name: 1, as docker"
for cmd in ps logs stop rm wait metrics; do
    uk_cmd "$cmd" --help
    expect_status 0 "$cmd --help"
    expect_out "^usage: uk $cmd" "$cmd --help: usage"
done
uk_cmd ps -a --json
expect_out '^\[\]$' "nothing left"

finish
