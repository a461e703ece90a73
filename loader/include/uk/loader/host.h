// What uk run takes from the host: the accelerator it can use, the wall clock and entropy
// handed to the guest on its command line.
#pragma once

#include <cstdint>
#include <string>

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

} // namespace uk::loader
