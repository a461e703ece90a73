#!/usr/bin/env bash
# Networking, host side: `uk run` gives the guest a virtio-net device on QEMU's user-mode
# network by default (--net none: no NIC; --net tap:IFNAME: a host tap), which the library OS
# finds when a program's first Internet socket starts the stack (virtio-mmio, announced on the
# kernel command line; virtio-pci on q35), negotiates with (virtio 1.x) and sets up, logging
# its MAC address and link state; -p publishes host ports (hostfwd), checked before booting;
# --ip/--gw/--dns/--hostname reach the guest as uk.* words.
source "$(dirname "$0")/lib.sh"
img="$IMAGES/hello-c.img"
inet="$IMAGES/inet.img" # opens sockets: its selftest starts the stack
nic_line='virtio-net: 52:54:00:12:34:56 on virtio-mmio at 0x[0-9a-f]+ irq [0-9]+, 256-entry queues, link up'

boot --net user -v "$inet" -- selftest
expect_status 0 "sockets with a virtio-net device"
expect_out "$nic_line" "the guest finds the NIC, its MAC and that the link is up"

boot -v "$inet" -- selftest
expect_status 0 "sockets on the default network"
expect_out "$nic_line" "the user network is the default"

boot -v "$img"
expect_status 0 "hello on the default network"
expect_no_out 'virtio-net' "a program without sockets never starts the NIC"
expect_no_out 'unknown option' "the guest knows the network options uk run passes"

boot "$img"
expect_status 0 "hello on the default network, without -v"
if [ "$OUT" = "Hello from uk!" ]; then
    pass "default network: stdout is exactly the greeting"
else
    fail "default network: stdout is not exactly 'Hello from uk!'"
    show
fi

boot --net none -v "$inet" -- selftest
expect_status 0 "sockets with --net none (loopback)"
expect_no_out 'virtio-net' "no NIC with --net none"

boot -v --mtu 1400 "$inet" -- selftest
expect_status 0 "sockets with --mtu 1400"
expect_out 'net: MTU 1400 \(uk\.mtu\)' "--mtu: the guest keeps to it"

boot -v --mac 02:AA:bb:cc:dd:ee "$inet" -- selftest
expect_out 'virtio-net: 02:aa:bb:cc:dd:ee on ' "--mac sets the guest's MAC address"
boot --mac 01:00:00:00:00:01 "$img"
expect_status 125 "--mac refuses a multicast address"
expect_err "multicast address" "--mac multicast: the message says why"

boot --net bogus "$img"
expect_status 125 "--net bogus is refused"
expect_err "^uk run: --net: expected none, user or tap:IFNAME, got 'bogus'$" \
    "--net bogus: the message says what is accepted"

# q35 and pc get a virtio-net-pci device (modern only, no option ROM), which QEMU accepts
# and the guest drives (MSI-X).
boot --machine q35 "$img"
expect_status 0 "hello on q35 with the default network"
expect_out '^Hello from uk!$' "hello on q35 with a virtio-net-pci device: its output"
boot --machine q35 -v "$inet" -- selftest
expect_out 'virtio-net: 52:54:00:12:34:56 on virtio-pci at [0-9a-f]{2}:[0-9a-f]{2}\.[0-7] .*link up' \
    "q35: the guest finds the PCI NIC"
expect_out '^all checks passed$' "q35: the socket checks pass"

# -p: a free host port is forwarded (QEMU accepts the rule); a taken one fails before booting.
port=$(free_port)
boot -p "127.0.0.1:$port:80" -p "$port:53/udp" "$img"
expect_status 0 "hello with published ports"

# hold PORT tcp|udp: binds the port in the background until the test ends.
holders=()
cleanup() {
    for pid in "${holders[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [ -n "${tap:-}" ]; then ip link del "$tap" 2>/dev/null || true; fi
}
trap cleanup EXIT
hold() {
    python3 -c '
import socket, sys, time
kind = socket.SOCK_STREAM if sys.argv[2] == "tcp" else socket.SOCK_DGRAM
s = socket.socket(socket.AF_INET, kind)
s.bind(("0.0.0.0", int(sys.argv[1])))
if kind == socket.SOCK_STREAM:
    s.listen()
print("held", flush=True)
time.sleep(300)
' "$1" "$2" >"held-$1-$2" &
    holders+=($!)
    for _ in $(seq 50); do
        [ -s "held-$1-$2" ] && return 0
        sleep 0.1
    done
    fail "could not hold port $1/$2 for the test"
}
port=$(free_port)
hold "$port" tcp
boot -p "$port:80" "$img"
expect_status 125 "-p on a host port in use"
expect_err "^uk run: -p $port:80: port $port/tcp on 0.0.0.0 is already in use$" \
    "-p on a port in use: the message names the -p, the port and the address"
expect_no_out 'Hello' "-p on a port in use: the guest does not boot"
hold "$port" udp
boot -p "127.0.0.1:$port:53/udp" "$img"
expect_status 125 "-p on a UDP port in use"
expect_err "port $port/udp on 127.0.0.1 is already in use" "-p on a UDP port in use: the message"

# If QEMU itself cannot set up the forwarding (the port was taken after uk run's check), its
# failure is put in words too. A wrapper takes the port just before it starts QEMU.
port=$(free_port)
cat >taking-qemu <<EOF
#!/usr/bin/env python3
import os, socket, sys
s = socket.socket()
s.bind(("0.0.0.0", $port))
s.listen()
s.set_inheritable(True)
os.execvp("qemu-system-x86_64", ["qemu-system-x86_64"] + sys.argv[1:])
EOF
chmod +x taking-qemu
boot --qemu "$UK_WORK_DIR/taking-qemu" -p "$port:80" "$img"
expect_status 125 "QEMU could not publish a port"
expect_err "^uk run: QEMU could not publish host port $port/tcp on 0.0.0.0 \(-p\)" \
    "QEMU could not publish a port: uk run says which"

boot -p 8080:0 "$img"
expect_status 125 "-p with guest port 0"
expect_err "^uk run: -p 8080:0: the guest port must be a number from 1 to 65535, got '0'$" \
    "-p with guest port 0: the message"
boot --net none -p 8080:80 "$img"
expect_status 125 "-p with --net none"
boot --net tap:uknotthere -p 8080:80 "$img"
expect_status 125 "-p with a tap"
expect_err "publishing ports is a feature of QEMU's user network" "-p with a tap: the message"
boot --ip 192.168.1.5 "$img"
expect_status 125 "--ip outside the user network"
expect_err "QEMU's user network \(--net user\) is 10.0.2.0/24" "--ip outside: the message"

# --print-cmd carries the network as well (and checks no host ports: it may run elsewhere).
"$UK" run --print-cmd -p 127.0.0.1:8080:80 --hostname box --dns 1.1.1.1 "$img" >cmd.txt
if grep -q -- "-netdev user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80 " cmd.txt &&
    grep -q -- "virtio-net-device,netdev=net0,mac=52:54:00:12:34:56" cmd.txt &&
    grep -q "uk.ip=10.0.2.15/24 uk.gw=10.0.2.2 uk.dns=1.1.1.1 uk.hostname=box" cmd.txt; then
    pass "--print-cmd: the network options"
else
    fail "--print-cmd: the network options: $(cat cmd.txt)"
fi

# A tap interface, where this host lets the test make one (root with CAP_NET_ADMIN).
tap="uktest$$"
tap=${tap:0:15}
if [ "$(id -u)" -eq 0 ] && ip tuntap add dev "$tap" mode tap 2>/dev/null; then
    boot --net "tap:$tap" --ip 192.168.232.2/24 -v "$inet" -- selftest
    expect_status 0 "sockets on a tap"
    expect_out "$nic_line" "the guest finds the NIC on a tap"
    # A tap serves one VM: while QEMU holds it, uk run says so before booting.
    qemu-system-x86_64 -nodefaults -no-user-config -display none -machine microvm -S \
        -netdev "tap,id=n,ifname=$tap,script=no,downscript=no" -device virtio-net-device,netdev=n &
    holders+=($!)
    for _ in $(seq 50); do
        [ "$(cat "/sys/class/net/$tap/carrier" 2>/dev/null)" = 1 ] && break
        sleep 0.1
    done
    boot --net "tap:$tap" "$img"
    expect_status 125 "a tap in use"
    expect_err "^uk run: --net tap:$tap: $tap is in use by another program" "a tap in use: the message"
    boot --net tap:lo "$img"
    expect_status 125 "a tap that is not one"
    expect_err "^uk run: --net tap:lo: lo is not a tap interface" "not a tap: the message"
else
    echo "skipped: the tap checks (they need root with CAP_NET_ADMIN)"
    tap=
fi
finish
