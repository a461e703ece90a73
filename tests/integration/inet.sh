#!/usr/bin/env bash
# Internet sockets end to end: the guest's own checks over loopback (TCP and UDP, IPv4 and
# IPv6, poll/epoll, errors), apps/httpd answering curl through `uk run -p` (keep-alive, a
# 1 MiB response checked byte for byte), a UDP echo server through `-p .../udp`, the guest
# connecting out to a TCP server this script runs on the host (QEMU's gateway address
# 10.0.2.2 is the host's loopback), DHCP on the user network, /etc/resolv.conf and
# /etc/hosts, and (where this host lets the test make a tap interface) httpd on a tap with a
# static address, where the device offers checksum offload, and ping.
source "$(dirname "$0")/lib.sh"

inet=$(image inet "$PROGRAMS/inet.c")
httpd=$(image httpd -O2 "$UK_SOURCE_DIR/apps/httpd/httpd.cpp")

# expect_mib URL WHAT: httpd at URL sends /bytes/1048576 intact ("0123456789abcdef" over and
# over).
want=$(python3 -c 'import hashlib; print(hashlib.sha256(b"0123456789abcdef" * 65536).hexdigest())')
expect_mib() {
    local got
    got=$(curl -sS -m 60 "$1/bytes/1048576" | sha256sum | cut -d' ' -f1)
    if [ "$got" = "$want" ]; then
        pass "$2"
    else
        fail "$2: sha256 $got, expected $want"
    fi
}

TAP=
cleanup() {
    stop_vm
    if [ -n "$TAP" ]; then
        ip tuntap del dev "$TAP" mode tap 2>/dev/null || true
    fi
}
trap cleanup EXIT

boot "$inet" -- selftest
expect_status 0 "inet selftest"
expect_out '^all checks passed$' "every Internet socket check in the guest passed"
expect_no_out '^FAIL' "no failed checks"
for name in tcp-connect-accept tcp-data tcp-poll-readable tcp-epoll-edge tcp-epoll-listener \
    tcp-half-close tcp-bulk-4mib tcp-msg-waitall tcp-reset tcp-econnrefused \
    tcp-nonblock-connect-so-error tcp-eaddrinuse tcp-eaddrnotavail tcp-ipv6-loopback \
    tcp-dual-stack udp-sendto-recvfrom udp-trunc udp-connected-send getaddrinfo-localhost; do
    expect_out "^ok $name\$" "$name"
done

# apps/httpd through -p.
port=$(free_port)
if start_vm '^httpd: listening on port 8080$' -p "127.0.0.1:$port:8080" "$httpd"; then
    body=$(curl -sS -m 20 "http://127.0.0.1:$port/" || true)
    if grep -q 'Hello from uk' <<<"$body"; then
        pass "httpd answers curl through -p"
    else
        fail "httpd through -p: got '$body'"
    fi
    verbose=$(curl -sS -m 20 -v "http://127.0.0.1:$port/health" "http://127.0.0.1:$port/health" 2>&1 || true)
    if grep -q 'Re-using existing connection' <<<"$verbose" &&
        [ "$(grep -c '^< HTTP/1.1 200' <<<"$verbose")" -eq 2 ]; then
        pass "httpd keeps the connection alive for a second request"
    else
        fail "keep-alive: $(grep -E '^[<*]' <<<"$verbose" | head -20)"
    fi
    expect_mib "http://127.0.0.1:$port" "a 1 MiB response arrives intact through -p"
fi
stop_vm

# A UDP echo server through -p HOSTPORT:GUESTPORT/udp.
uport=$(free_port)
if start_vm '^udp echo on 7000$' -p "127.0.0.1:$uport:7000/udp" "$inet" -- udp-echo 7000; then
    reply=$(python3 - "$uport" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
port = int(sys.argv[1])
for attempt in range(5):
    s.sendto(b"hello over udp", ("127.0.0.1", port))
    try:
        print(s.recvfrom(2048)[0].decode())
        break
    except socket.timeout:
        pass
s.sendto(b"quit", ("127.0.0.1", port))
PY
)
    if [ "$reply" = "hello over udp" ]; then
        pass "the UDP echo server answers through -p .../udp"
    else
        fail "UDP echo: got '$reply'"
    fi
fi
stop_vm

# The guest connects out to a server on the host.
hport=$(free_port)
rm -f "$UK_WORK_DIR/host-server.ready"
python3 - "$hport" "$UK_WORK_DIR/host-server.ready" >"$UK_WORK_DIR/host-server.log" 2>&1 <<'PY' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
open(sys.argv[2], "w").close()
s.settimeout(60)
c, _ = s.accept()
line = c.makefile("rb").readline()
c.sendall(b"pong for " + line)
c.close()
PY
server=$!
for _ in $(seq 1 100); do
    [ -e "$UK_WORK_DIR/host-server.ready" ] && break
    sleep 0.1
done
boot "$inet" -- connect 10.0.2.2 "$hport"
expect_status 0 "the guest connects to the host's server through the gateway"
expect_out '^reply: pong for ping from uk$' "the host's server answers the guest"
kill "$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true

# DHCP on the user network, and the resolver files the guest gets.
boot --dhcp -v --hostname web1 "$inet" -- selftest
expect_status 0 "selftest with an address from DHCP"
expect_out 'net: 10\.0\.2\.15/24 gateway 10\.0\.2\.2 \(dhcp\)$' "the guest leases 10.0.2.15 from QEMU's DHCP server"
expect_out '^all checks passed$' "the checks pass with DHCP too"
resolv=$(image inet_files "$PROGRAMS/inet_files.c")
boot --hostname web1 "$resolv"
expect_status 0 "reading the resolver files"
expect_exact "$(printf 'nameserver 10.0.2.3\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.0.2.15\tweb1\nnodename web1')" \
    "/etc/resolv.conf names QEMU's DNS server, /etc/hosts the guest's name, uname agrees"

# A tap interface with a static address (root and /dev/net/tun needed: skipped otherwise).
tap="ukt$$"
TAP=${tap:0:15}
if ip tuntap add dev "$TAP" mode tap 2>/dev/null && ip addr add 192.168.231.1/24 dev "$TAP" &&
    ip link set "$TAP" up; then
    if start_vm '^httpd: listening on port 8080$' -v --net "tap:$TAP" --ip 192.168.231.2/24 "$httpd"; then
        if grep -q 'checksum offload' "$UK_WORK_DIR/bg.out"; then
            pass "the tap backend's device offers checksum offload and the driver takes it"
        else
            fail "no checksum offload on the tap: $(grep virtio-net "$UK_WORK_DIR/bg.out")"
        fi
        expect_mib "http://192.168.231.2:8080" "1 MiB from httpd over the tap, checksums by the device"
        if ! command -v ping >/dev/null; then
            echo "skipped: no ping on this host"
        elif ping -c 2 -W 5 192.168.231.2 >"$UK_WORK_DIR/ping.out" 2>&1; then
            pass "the guest answers ICMP echo (ping) on the tap"
        else
            fail "ping 192.168.231.2: $(tail -3 "$UK_WORK_DIR/ping.out")"
        fi
    fi
    stop_vm
else
    echo "skipped: cannot make a tap interface here (needs root and /dev/net/tun)"
fi
finish
