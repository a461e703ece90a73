#!/usr/bin/env bash
# uk-runtime under Docker: a private dockerd (vfs storage, its own data root, exec root and
# socket, stopped on exit) with uk-runtime registered as the runtime "uk" in its daemon.json by
# runtime/register_docker.py (what `./setup.sh --docker` does to /etc/docker/daemon.json).
# A busybox image (busybox_image.py: no registry needed) is loaded, converted with
# `uk convert docker:... --format docker` and loaded again, then:
#   docker run --runtime uk --rm    prints and exits with the app's status; the guest is uk's
#   -e                              reaches the app
#   -v SRC:DST:ro, --tmpfs          the files are copied into the guest at create; --tmpfs is an
#                                   empty writable directory; a read-write -v is refused with
#                                   a message and leaves nothing behind; an image's VOLUME
#                                   (an anonymous volume) keeps the image's files
#   -d, logs, stop, wait, rm        a daemon's output in docker logs; stop ends it within the
#                                   grace period (SIGTERM reaches the app where uk run forwards
#                                   it, else uk run stops the VM); rm leaves nothing behind
#   runc beside it                  a plain container of the same image runs under runc on the
#                                   same daemon at the same time
#   -p, tap                         busybox httpd in a converted image, on a user-defined
#                                   network, published on 127.0.0.1: uk run takes over the
#                                   container's eth0 through a tap (its address, no -p), curl
#                                   gets the page through -p, a runc container on the network
#                                   reaches the guest at its address and the guest reaches a
#                                   runc container (the guest boots on the tap while Docker's
#                                   hook wires eth0, and gets eth0's settings at start);
#                                   --network none: no network, loopback only
#   -m too small                    docker run fails with uk-runtime's message
#   ctr                             containerd's own client (the containerd dockerd started):
#                                   ctr run --runc-binary uk-runtime for the uk image and, handed
#                                   to runc, the plain one; --annotation io.uk.network=tap
#                                   reaches uk-runtime
for tool in dockerd docker python3 curl /bin/busybox; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool is missing (./setup.sh installs docker.io, curl and busybox-static)"
        exit 77
    fi
done
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: dockerd needs root"
    exit 77
fi
source "$(dirname "$0")/lib.sh"

HERE="$UK_SOURCE_DIR/tests/integration"
RUNTIME="$UK_BUILD_DIR/bin/uk-runtime"
export XDG_CACHE_HOME="$UK_WORK_DIR/xdg-cache"
# The guests' archives land here (dockerd -> containerd -> shim -> uk-runtime inherit it).
export UK_RUNTIME_DATA_DIR="$UK_WORK_DIR/archives"
unset DOCKER_HOST

try() {
    set +e
    "$@"
    STATUS=$?
    set -e
}

# fetch_page PORT: the published httpd's page, polling for up to a minute while it boots.
fetch_page() {
    local body=
    for _ in $(seq 120); do
        body=$(curl -s -m 5 "http://127.0.0.1:$1/index.html" || true)
        [ -n "$body" ] && break
        sleep 0.5
    done
    printf '%s' "$body"
}

# A private dockerd (lib.sh), with the runtime registered in its daemon.json.
DK=$(mktemp -d /tmp/uk-docker-runtime.XXXXXX)
stop_dockerd() { stop_dockerd_at "$DK"; }
trap stop_dockerd EXIT

python3 "$UK_SOURCE_DIR/runtime/register_docker.py" "$RUNTIME" --config "$DK/daemon.json" >/dev/null
python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); assert c["runtimes"]["uk"]["path"] == sys.argv[2], c' \
    "$DK/daemon.json" "$RUNTIME" && pass "register_docker.py: daemon.json names uk-runtime" ||
    fail "register_docker.py: $(cat "$DK/daemon.json")"
# Registering again, beside other keys, keeps them.
python3 - "$DK/daemon.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["debug"] = False
c["runtimes"]["other"] = {"path": "/usr/sbin/runc"}
json.dump(c, open(sys.argv[1], "w"))
PY
python3 "$UK_SOURCE_DIR/runtime/register_docker.py" "$RUNTIME" --config "$DK/daemon.json" >/dev/null
python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); assert c["debug"] is False and "other" in c["runtimes"] and "uk" in c["runtimes"], c' \
    "$DK/daemon.json" && pass "register_docker.py: other keys and runtimes stay" ||
    fail "register_docker.py: $(cat "$DK/daemon.json")"

if ! start_dockerd "$DK" --config-file "$DK/daemon.json"; then
    echo "SKIP: the private dockerd did not start"
    exit 77
fi
if timeout 10 docker info --format '{{json .Runtimes}}' | grep -q '"uk"'; then
    pass "dockerd lists the runtime uk"
else
    fail "dockerd does not list uk: $(timeout 10 docker info --format '{{json .Runtimes}}')"
fi

# dk ARGS...: docker with a hard timeout. Sets OUT, ERR, STATUS.
dk() {
    set +e
    timeout --kill-after=5 120 docker "$@" >"$UK_WORK_DIR/out" 2>"$UK_WORK_DIR/err"
    STATUS=$?
    set -e
    OUT=$(cat "$UK_WORK_DIR/out")
    ERR=$(cat "$UK_WORK_DIR/err")
}

# left_behind: uk run and QEMU processes of this test's containers, and their archives.
left_behind() {
    echo "$(pgrep -f -- "$UK_RUNTIME_DATA_DIR" || true)$(ls "$UK_RUNTIME_DATA_DIR" 2>/dev/null)"
}

# --- images ---------------------------------------------------------------------------------------

python3 "$HERE/busybox_image.py" bb.tar example/bb:latest \
    --cmd httpd --cmd=-f --cmd=-v --cmd=-p --cmd 8080 --cmd=-h --cmd /www --expose 8080/tcp \
    --file "/www/index.html=hello from a uk httpd"
dk load -i bb.tar
expect_status 0 "docker load of the busybox image"
"$UK" convert docker:example/bb:latest -o bb-uk.tar --format docker -t example/bb-uk:latest \
    --no-cache 2>convert.err || { cat convert.err >&2; exit 1; }
dk load -i bb-uk.tar
expect_status 0 "docker load of the converted image"
IMG=example/bb-uk:latest

# --- run ------------------------------------------------------------------------------------------

dk run --runtime uk --rm "$IMG" sh -c 'echo hi; uname -r; exit 3'
expect_status 3 "docker run --runtime uk: the app's exit status"
expect_out '^hi$' "docker run --runtime uk: the app's output"
expect_out 'uk' "docker run --runtime uk: the guest is uk's (uname -r)"
dk run --runtime uk --rm -e GREETING=hello-env "$IMG" sh -c 'echo "greeting=$GREETING"'
expect_status 0 "-e: status 0"
expect_out '^greeting=hello-env$' "-e reaches the app"
dk run --runtime uk --rm -m 8m "$IMG" true
if [ "$STATUS" -ne 0 ] && grep -q 'memory.limit' <<<"$ERR"; then
    pass "-m 8m fails with uk-runtime's message: $(head -c 300 <<<"$ERR")"
else
    fail "-m 8m: status $STATUS: $ERR"
fi

# --- volumes: copied into the guest at create -----------------------------------------------------

mkdir -p vol/sub
echo "from the host" >vol/sub/note.txt
echo "port 80" >app.conf
dk run --runtime uk --rm -v "$PWD/vol:/data:ro" -v "$PWD/app.conf:/etc/app.conf:ro" \
    --tmpfs /scratch "$IMG" sh -c 'cat /data/sub/note.txt /etc/app.conf; ls -ld /scratch | cut -c1-10; touch /scratch/x && echo scratch-ok'
expect_status 0 "-v SRC:DST:ro: status 0"
expect_out '^from the host$' "-v DIR:/data:ro: the directory's files are in the guest"
expect_out '^port 80$' "-v FILE:/etc/app.conf:ro: the file is in the guest"
expect_out '^drwxrwxrwt$' "--tmpfs /scratch: an empty directory for everyone, sticky"
expect_out '^scratch-ok$' "--tmpfs /scratch: writable"
dk run --runtime uk --rm -v "$PWD/vol:/data" "$IMG" true
if [ "$STATUS" -ne 0 ] && grep -q 'is read-write, but the guest runs on a copy' <<<"$ERR" &&
    grep -q ':/data:ro' <<<"$ERR"; then
    pass "-v SRC:DST (read-write) fails with uk-runtime's message"
else
    fail "-v SRC:DST (read-write): status $STATUS: $ERR"
fi
[ -z "$(left_behind)" ] && pass "a refused volume leaves nothing running" ||
    fail "a refused volume left: $(left_behind)"
# An image's VOLUME: Docker mounts a fresh anonymous volume there (read-write), made from the
# image's files, which the guest has already.
python3 "$HERE/busybox_image.py" vol.tar example/vol:latest --volume /state \
    --file "/state/seed.txt=seeded by the image" --cmd cat --cmd /state/seed.txt
dk load -i vol.tar
"$UK" convert docker:example/vol:latest -o vol-uk.tar --format docker -t example/vol-uk:latest \
    --no-cache 2>convert.err || { cat convert.err >&2; exit 1; }
dk load -i vol-uk.tar
dk run --runtime uk --rm example/vol-uk:latest
expect_status 0 "an image with a VOLUME runs (Docker's anonymous volume)"
expect_out '^seeded by the image$' "an image's VOLUME: the guest has the image's files there"

# --- -d, logs, a runc container beside it, stop, wait, rm -----------------------------------------

dk run -d --runtime uk "$IMG" sh -c 'trap "echo got TERM; exit 7" TERM; echo ready; while true; do sleep 1; done'
expect_status 0 "docker run -d --runtime uk"
uk_cid=$OUT
dk run -d "$IMG" sh -c 'echo runc-ready; uname -r; sleep 120'
expect_status 0 "docker run -d of the same image under runc"
runc_cid=$OUT
for _ in $(seq 600); do
    timeout 30 docker logs "$uk_cid" 2>&1 | grep -q ready && break
    sleep 0.1
done
dk logs "$uk_cid"
expect_out '^ready$' "docker logs shows the uk container's output"
dk inspect -f '{{.State.Running}}' "$uk_cid" "$runc_cid"
expect_eq "$(printf 'true\ntrue')" "$OUT" "the uk and the runc container run at the same time"
dk logs "$runc_cid"
if grep -q runc-ready <<<"$OUT" && ! grep -q uk <<<"$OUT"; then
    pass "the runc container runs under runc (the host's kernel)"
else
    fail "the runc container: $OUT $ERR"
fi
dk run --rm "$IMG" echo plain
expect_status 0 "docker run without --runtime beside them"
expect_out '^plain$' "docker run without --runtime prints"
dk top "$uk_cid"
expect_out 'qemu-system' "docker top lists uk run and QEMU"
dk pause "$uk_cid"
expect_status 0 "docker pause"
dk inspect -f '{{.State.Status}}' "$uk_cid"
expect_eq paused "$OUT" "docker pause: the container is paused"
dk unpause "$uk_cid"
expect_status 0 "docker unpause"
dk inspect -f '{{.State.Status}}' "$uk_cid"
expect_eq running "$OUT" "docker unpause: the container runs again"
dk exec "$uk_cid" true
[ "$STATUS" -ne 0 ] && grep -q "not supported for uk container" <<<"$OUT$ERR" &&
    pass "docker exec says it is not supported" || fail "docker exec: status $STATUS: $ERR"

start=$(date +%s)
dk stop -t 20 "$uk_cid"
took=$(($(date +%s) - start))
expect_status 0 "docker stop"
[ "$took" -lt 20 ] && pass "docker stop took ${took} s, within the 20 s grace period" ||
    fail "docker stop took ${took} s: the grace period ran out (SIGKILL)"
dk wait "$uk_cid"
code=$OUT
dk logs "$uk_cid"
if [ "$code" = 7 ] && grep -q 'got TERM' <<<"$OUT"; then
    pass "docker stop: the app got SIGTERM and exited gracefully (docker wait says 7)"
elif [ "$code" = 143 ]; then
    pass "docker stop: the container ended (143: uk run stopped the VM on SIGTERM)"
else
    fail "docker stop: docker wait says '$code'; logs: $OUT"
fi
dk rm "$uk_cid"
expect_status 0 "docker rm"
dk rm -f "$runc_cid"
expect_eq "" "$(left_behind)" "after docker rm nothing of the uk container is left"

dk run --runtime uk --rm --init "$IMG" sh -c 'echo with init'
expect_status 0 "docker run --init --runtime uk"
expect_out '^with init$' "docker run --init: the command runs (the host's init is left out)"
dk run --runtime uk --rm example/bb:latest sh -c 'echo plain under uk-runtime; uname -r'
expect_status 0 "docker run --runtime uk of an image without a uk kernel"
if grep -q '^plain under uk-runtime' <<<"$OUT" && ! grep -q uk <<<"$(tail -1 <<<"$OUT")"; then
    pass "an image without a uk kernel runs under runc through uk-runtime"
else
    fail "an image without a uk kernel: $OUT $ERR"
fi

# --- -p and the tap network -----------------------------------------------------------------------

# On a Docker network the guest takes over the container's eth0 through a tap (uk-tap0, tc
# redirects both ways): Docker's -p (docker-proxy here, as this dockerd runs without
# iptables) and other containers reach it at the container's own address.
dk network create uk-test-net
expect_status 0 "docker network create"
subnet=$(timeout 30 docker network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' uk-test-net)
in_subnet() {
    python3 -c 'import ipaddress, sys; sys.exit(0 if ipaddress.ip_address(sys.argv[1]) in ipaddress.ip_network(sys.argv[2]) else 1)' "$1" "$subnet" 2>/dev/null
}
port=$(free_port)
dk run -d --runtime uk --network uk-test-net -p "127.0.0.1:$port:8080" "$IMG"
expect_status 0 "docker run -d -p $port:8080 of the httpd image"
http_cid=$OUT
http_ip=$(timeout 30 docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$http_cid")
http_pid=$(timeout 30 docker inspect -f '{{.State.Pid}}' "$http_cid")
words=$(tr '\0' ' ' <"/proc/$http_pid/cmdline" 2>/dev/null || true)
# The guest booted on uk-tap0 while Docker's hook wired eth0; eth0's settings came with the
# start (uk-runtime's state keeps what start wrote to the exec FIFO).
gate=$(grep -o -- '--start-gate [^ ]*' <<<"$words" | cut -d' ' -f2)
start_line=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["startLine"])' \
    "$(dirname "$gate")/uk-container.json" 2>/dev/null || true)
if grep -q -- "--net tap:uk-tap0 " <<<"$words" && ! grep -q -- ' -p 0.0.0.0:' <<<"$words" &&
    grep -q -- "^--mac [0-9a-f:]* --ip $http_ip/[0-9]* " <<<"$start_line" && in_subnet "$http_ip"; then
    pass "tap: uk run takes over eth0 ($http_ip in $subnet) through uk-tap0, without -p; the settings come at start"
else
    fail "tap: the container's uk run ($http_ip, $subnet): $words; at start: $start_line"
fi
body=$(fetch_page "$port")
expect_eq "hello from a uk httpd" "$body" "-p: curl gets the page from httpd in the guest"
# A runc container on the same network reaches the guest at the container's address. (nc,
# not wget: Debian's busybox-static wget segfaults outside the guest, even on the host.)
dk run --rm --network uk-test-net example/bb:latest sh -c \
    "printf 'GET /index.html HTTP/1.0\r\n\r\n' | nc -w 10 $http_ip 8080"
expect_status 0 "tap: a runc container on the network connects to $http_ip:8080"
expect_out '^hello from a uk httpd' "tap: ... and gets the guest's page"
# And the guest reaches a runc container: its address is the container's, its name server
# not Docker's embedded one (on the namespace's loopback, which the guest does not see).
dk run -d --network uk-test-net example/bb:latest
runc_http=$OUT
runc_ip=$(timeout 30 docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$runc_http")
dk run --runtime uk --rm --network uk-test-net "$IMG" sh -c \
    "cat /etc/hosts; grep nameserver /etc/resolv.conf; for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://$runc_ip:8080/index.html && exit 0; sleep 0.5; done; exit 9"
expect_status 0 "tap: the guest reaches a runc container at $runc_ip:8080 (wget)"
expect_out '^hello from a uk httpd' "tap: ... and gets its page"
guest_ip=$(awk '$1 !~ /^(127\.|::1)/ {print $1; exit}' <<<"$OUT")
in_subnet "$guest_ip" && pass "tap: the guest's address $guest_ip is on $subnet" ||
    fail "tap: the guest's /etc/hosts: $OUT"
grep -q 127.0.0.11 <<<"$OUT" && fail "tap: the guest has Docker's loopback name server: $OUT" ||
    pass "tap: the guest's name servers are not on the namespace's loopback"
# A uk container in another container's namespace (--network container:NAME) leaves that
# container's address alone: the user network.
dk rm -f "$runc_http"
dk run -d --network uk-test-net example/bb:latest sleep 300
sleeper=$OUT
sleeper_ip=$(timeout 30 docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$sleeper")
dk run --runtime uk --rm --network "container:$sleeper" "$IMG" cat /etc/hosts
expect_out '^10\.0\.2\.15[[:space:]]' "--network container:NAME: the guest is on the user network"
dk exec "$sleeper" ip -4 -o addr show eth0
expect_out "inet $sleeper_ip/" "--network container:NAME: the runc container keeps its address"
dk rm -f "$sleeper"
# docker restart: a new namespace from Docker, wired again.
dk restart -t 5 "$http_cid"
expect_status 0 "tap: docker restart of the httpd container"
body=$(fetch_page "$port")
expect_eq "hello from a uk httpd" "$body" "tap: after docker restart curl gets the page again"
dk rm -f "$http_cid"
expect_status 0 "docker rm -f of the httpd container"
dk network rm uk-test-net
# Without an interface (--network none) the guest has no network either: loopback only, its
# host name on 127.0.1.1.
dk run --runtime uk --rm --network none "$IMG" cat /etc/hosts
expect_out '^127\.0\.1\.1[[:space:]]' "--network none: the guest has no address (loopback only)"
expect_no_out '^10\.0\.2\.15' "--network none: the guest is not on QEMU's user network"

# --- ctr ------------------------------------------------------------------------------------------

CTR_SOCK="$DK/exec/containerd/containerd.sock"
if command -v ctr >/dev/null && [ -S "$CTR_SOCK" ]; then
    CTR=$(command -v ctr)
    ctr() { timeout --kill-after=5 120 "$CTR" -a "$CTR_SOCK" -n uk-test "$@"; }
    for tarball in bb-uk.tar bb.tar; do
        try ctr images import --snapshotter native "$tarball" >ctr-import.out 2>&1
        expect_status 0 "ctr images import $tarball"
    done
    set +e
    OUT=$(ctr run --rm --snapshotter native --runtime io.containerd.runc.v2 --runc-binary "$RUNTIME" \
        docker.io/example/bb-uk:latest uk-ctr sh -c 'echo hi from ctr; uname -r; exit 4' 2>&1)
    STATUS=$?
    set -e
    expect_status 4 "ctr run --runc-binary uk-runtime: the app's status"
    expect_out '^hi from ctr' "ctr run --runc-binary uk-runtime: the app's output"
    expect_out 'uk' "ctr run --runc-binary uk-runtime: the guest is uk's"
    # ctr passes OCI annotations (Docker 20.10 cannot): io.uk.network=tap in ctr's own network
    # namespace, which has no interface, fails at create with uk-runtime's message.
    set +e
    OUT=$(ctr run --rm --snapshotter native --runtime io.containerd.runc.v2 --runc-binary "$RUNTIME" \
        --annotation io.uk.network=tap docker.io/example/bb-uk:latest uk-ctr-tap true 2>&1)
    STATUS=$?
    set -e
    ctr containers rm uk-ctr-tap >/dev/null 2>&1 || true
    if [ "$STATUS" -ne 0 ] && grep -q 'io.uk.network .*is tap, but the network namespace has no interface' <<<"$OUT"; then
        pass "ctr run --annotation io.uk.network=tap without an interface fails: $(head -c 300 <<<"$OUT")"
    else
        fail "ctr run --annotation io.uk.network=tap: status $STATUS: $OUT"
    fi
    set +e
    OUT=$(ctr run --rm --snapshotter native --runtime io.containerd.runc.v2 --runc-binary "$RUNTIME" \
        docker.io/example/bb:latest plain-ctr sh -c 'sleep 0.3; echo plain from ctr; uname -r' 2>&1)
    STATUS=$?
    set -e
    # (The sleep: once, in CI under load, this run exited 0 and ctr showed nothing. The plain
    # image runs under runc itself; ctr losing the output of a process that prints and
    # exits at once is a known kind of race (containerd/containerd#770).)
    expect_status 0 "ctr run --runc-binary uk-runtime of a plain image (runc's)"
    if grep -q '^plain from ctr' <<<"$OUT" && ! grep -q uk <<<"$OUT"; then
        pass "ctr: the plain image runs under runc"
    else
        fail "ctr: plain image: $OUT"
    fi
    ctr images rm docker.io/example/bb-uk:latest docker.io/example/bb:latest >/dev/null 2>&1 || true
else
    echo "SKIP: ctr: part: ctr or containerd's socket ($CTR_SOCK) is missing"
fi

expect_eq "" "$(left_behind)" "in the end no uk run, QEMU or archive is left"
finish
