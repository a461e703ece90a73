#!/usr/bin/env bash
# Networking, as far as it goes today: `uk run --net user` gives the guest a virtio-net
# device on QEMU's user-mode network, which the library OS finds (virtio-mmio, announced on
# the kernel command line), negotiates with (virtio 1.x) and sets up (receive and transmit
# queues), logging its MAC address and link state; the application still runs as before.
source "$(dirname "$0")/lib.sh"
img="$IMAGES/hello-c.img"

boot --net user -v "$img"
expect_status 0 "hello with a virtio-net device"
expect_out '^Hello from uk!$' "hello with a virtio-net device: its output"
expect_out 'virtio-net: 52:54:00:12:34:56 at 0x[0-9a-f]+ irq [0-9]+, 256-entry queues, link up$' \
    "the guest finds the NIC, its MAC and that the link is up"

boot -v "$img"
expect_no_out 'virtio-net' "no NIC without --net"

boot --net bogus "$img"
expect_status 125 "--net bogus is refused"
expect_err "expected none or user" "--net bogus: the message says what is accepted"
boot --net user --machine q35 "$img"
expect_status 125 "--net user on q35 is refused (no PCI transport yet)"
expect_err "needs --machine microvm" "--net user on q35: the message says why"
finish
