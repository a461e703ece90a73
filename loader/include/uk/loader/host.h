// What uk run takes from the host: the accelerator it can use, the wall clock and entropy
// handed to the guest on its command line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <uk/loader/run_options.h>

namespace uk::loader {

// Whether /dev/kvm opens read-write (what QEMU needs); otherwise `why` says what failed.
bool kvmUsable(std::string* why = nullptr);

// auto -> kvm or tcg: kvm when /dev/kvm opens and this host has not been seen failing to
// start a guest with it (`kvmBroken`, from HostFacts). An explicit kvm without a usable
// /dev/kvm throws uk::Error.
Accel resolveAccel(Accel requested, const std::string& kvmBroken = {});

// CLOCK_REALTIME in nanoseconds since the epoch.
uint64_t realtimeNanoseconds();

// 32 bytes from /dev/urandom as 64 lowercase hex digits (uk.seed).
std::string randomSeedHex();

// Before booting with -p: binds each host port the way QEMU's user network will (TCP with
// SO_REUSEADDR, UDP without) and lets it go again, so that a port in use or not allowed fails
// with a message naming the -p instead of QEMU's. Throws Error.
void checkPublishedPorts(const std::vector<PublishedPort>& ports);

// Before booting with --net tap:IFNAME: that /dev/net/tun opens read-write, that an existing
// IFNAME is a tap that uk run may attach to (not another program's, not another user's), and
// that a missing one may be created (QEMU creates it when it can). Throws Error.
void checkTapUsable(const std::string& interface);

} // namespace uk::loader
