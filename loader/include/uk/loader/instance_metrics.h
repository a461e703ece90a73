// What a running instance costs the host, measured from the host side (nothing asks the
// guest): QEMU's CPU time and resident memory from /proc, the configured guest memory, and
// for --net tap the tap interface's byte counters. For the user network (slirp inside QEMU)
// the host has no per-VM byte counter (QEMU 7.2's QMP and HMP offer none), so those stay
// unknown rather than estimated.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <uk/loader/instance_store.h>

namespace uk::loader {

struct InstanceMetrics {
    pid_t vmPid = 0;                  // QEMU's pid; 0 when not running (or not found)
    std::optional<double> cpuSeconds; // QEMU's user + system time, all its threads
    std::optional<uint64_t> rssBytes; // QEMU's VmRSS: guest memory it touched, plus its own
    uint64_t memoryLimitBytes = 0;    // the guest memory given (--mem), running or not
    // Seen from the guest (as a container's interface counters are): received = what the
    // host sent into the tap, transmitted = what came out of it (--net tap); on the user
    // network, the frames QEMU passed to and took from the guest (network_counters.h).
    std::optional<uint64_t> receiveBytes;
    std::optional<uint64_t> transmitBytes;
};

// The VM process of a supervisor: its child named qemu* (comm), else its only child.
std::optional<pid_t> findVmProcess(pid_t supervisor);

// A network interface's statistics/{rx,tx}_bytes under `sysClassNet` (/sys/class/net).
struct InterfaceCounters {
    uint64_t rxBytes = 0;
    uint64_t txBytes = 0;
};
std::optional<InterfaceCounters>
readInterfaceCounters(const std::string& interface,
                      const std::filesystem::path& sysClassNet = "/sys/class/net");

// The metrics of `instance` now (only the limit when it is not running).
InstanceMetrics sampleMetrics(const Instance& instance);

// Prometheus's text exposition format (version 0.0.4): per instance uk_up, uk_instance_info,
// uk_start_time_seconds and uk_exit_code, and for running ones uk_cpu_seconds_total,
// uk_memory_rss_bytes, uk_memory_limit_bytes and, where known, uk_network_receive_bytes_total
// and uk_network_transmit_bytes_total, each labelled {id, name}.
struct MetricsSample {
    Instance instance;
    InstanceMetrics metrics;
};
std::string formatPrometheus(const std::vector<MetricsSample>& samples);

// A label value escaped for the exposition format (\\, \" and \n).
std::string prometheusLabelValue(std::string_view value);

// "[ADDR:]PORT" for `uk metrics --listen` (ADDR an IPv4 address, default 127.0.0.1).
// Throws Error naming the text.
struct ListenAddress {
    uint32_t address = 0x7f000001; // host byte order
    uint16_t port = 0;
};
ListenAddress parseListenAddress(std::string_view text);

} // namespace uk::loader
