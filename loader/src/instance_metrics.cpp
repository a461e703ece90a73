#include <uk/loader/instance_metrics.h>

#include <uk/loader/network_counters.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>

#include <uk/loader/process_info.h>
#include <uk/loader/run_options.h>

namespace uk::loader {

namespace {

std::optional<uint64_t> readCounter(const std::filesystem::path& path) {
    std::ifstream in(path);
    uint64_t value = 0;
    if (!(in >> value)) {
        return std::nullopt;
    }
    return value;
}

std::string labels(const Instance& i) {
    return "{id=\"" + prometheusLabelValue(i.config.id) + "\",name=\"" +
           prometheusLabelValue(i.config.name) + "\"}";
}

std::string number(double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", value);
    return buf;
}

// One metric family: its HELP and TYPE lines, then a sample per instance that has a value.
class Family {
public:
    Family(std::string& out, const char* name, const char* type, const char* help)
        : out_(out), name_(name) {
        out_ += std::string("# HELP ") + name + " " + help + "\n";
        out_ += std::string("# TYPE ") + name + " " + type + "\n";
    }
    void sample(const std::string& labelSet, const std::string& value) {
        out_ += name_ + labelSet + " " + value + "\n";
    }

private:
    std::string& out_;
    std::string name_;
};

} // namespace

std::optional<pid_t> findVmProcess(pid_t supervisor) {
    std::vector<pid_t> children = childProcesses(supervisor);
    for (pid_t child : children) {
        auto st = readProcStat(child);
        if (st && st->comm.compare(0, 4, "qemu") == 0) {
            return child;
        }
    }
    if (children.size() == 1) {
        return children[0]; // --qemu naming a wrapper, or a renamed binary
    }
    return std::nullopt;
}

std::optional<InterfaceCounters> readInterfaceCounters(const std::string& interface,
                                                       const std::filesystem::path& sysClassNet) {
    if (interface.empty() || interface.find('/') != std::string::npos) {
        return std::nullopt;
    }
    auto stats = sysClassNet / interface / "statistics";
    auto rx = readCounter(stats / "rx_bytes");
    auto tx = readCounter(stats / "tx_bytes");
    if (!rx || !tx) {
        return std::nullopt;
    }
    return InterfaceCounters{*rx, *tx};
}

InstanceMetrics sampleMetrics(const Instance& instance) {
    InstanceMetrics m;
    m.memoryLimitBytes = instance.config.memoryMiB * 1024 * 1024;
    if (!instance.running()) {
        return m;
    }
    auto vm = findVmProcess(instance.state.supervisor.pid);
    if (!vm) {
        return m; // between two QEMU attempts, or already gone
    }
    m.vmPid = *vm;
    if (auto st = readProcStat(*vm)) {
        m.cpuSeconds = static_cast<double>(st->utimeTicks + st->stimeTicks) / clockTicksPerSecond();
    }
    m.rssBytes = readRssBytes(*vm);
    if (instance.config.network == "tap") {
        if (auto counters = readInterfaceCounters(instance.config.tapInterface)) {
            // The host's receive on a tap is what the guest sent, and the other way round.
            m.receiveBytes = counters->txBytes;
            m.transmitBytes = counters->rxBytes;
        }
    } else if (instance.config.network == "user") {
        // What the supervisor counted from QEMU's dumps (network_counters.h): written when
        // the VM starts and within a second of a change.
        if (auto totals = readNetworkTotals(instance.networkTotalsPath())) {
            m.receiveBytes = totals->received;
            m.transmitBytes = totals->transmitted;
        }
    }
    return m;
}

std::string prometheusLabelValue(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string formatPrometheus(const std::vector<MetricsSample>& samples) {
    std::string out;
    {
        Family f(out, "uk_up", "gauge", "Whether the instance's VM is running (1) or not (0).");
        for (const auto& s : samples) {
            f.sample(labels(s.instance), s.instance.running() ? "1" : "0");
        }
    }
    {
        Family f(out, "uk_instance_info", "gauge",
                 "Information about the instance: its image and network mode (always 1).");
        for (const auto& s : samples) {
            const InstanceConfig& c = s.instance.config;
            f.sample("{id=\"" + prometheusLabelValue(c.id) + "\",name=\"" +
                         prometheusLabelValue(c.name) + "\",image=\"" +
                         prometheusLabelValue(c.image) + "\",network=\"" +
                         prometheusLabelValue(c.network) + "\"}",
                     "1");
        }
    }
    {
        Family f(out, "uk_start_time_seconds", "gauge",
                 "Start time of the instance since the Unix epoch, in seconds.");
        for (const auto& s : samples) {
            if (s.instance.state.phase != InstancePhase::Created) {
                auto ns = s.instance.state.started.time_since_epoch().count();
                f.sample(labels(s.instance), number(static_cast<double>(ns) / 1e9));
            }
        }
    }
    {
        Family f(out, "uk_exit_code", "gauge", "Exit status of an instance that has exited.");
        for (const auto& s : samples) {
            if (s.instance.state.phase == InstancePhase::Exited) {
                f.sample(labels(s.instance), std::to_string(s.instance.state.exitCode));
            }
        }
    }
    {
        Family f(out, "uk_cpu_seconds_total", "counter",
                 "CPU time the instance's QEMU process used (user and system, all threads), "
                 "in seconds.");
        for (const auto& s : samples) {
            if (s.metrics.cpuSeconds) {
                f.sample(labels(s.instance), number(*s.metrics.cpuSeconds));
            }
        }
    }
    {
        Family f(out, "uk_memory_rss_bytes", "gauge",
                 "Resident memory of the instance's QEMU process (VmRSS), in bytes.");
        for (const auto& s : samples) {
            if (s.metrics.rssBytes) {
                f.sample(labels(s.instance), std::to_string(*s.metrics.rssBytes));
            }
        }
    }
    {
        Family f(out, "uk_memory_limit_bytes", "gauge",
                 "Guest memory given to the instance (--mem), in bytes.");
        for (const auto& s : samples) {
            if (s.instance.running()) {
                f.sample(labels(s.instance), std::to_string(s.metrics.memoryLimitBytes));
            }
        }
    }
    {
        Family f(out, "uk_network_receive_bytes_total", "counter",
                 "Bytes the guest received: on its tap interface (--net tap), or in the frames "
                 "QEMU's user network passed to it.");
        for (const auto& s : samples) {
            if (s.metrics.receiveBytes) {
                f.sample(labels(s.instance), std::to_string(*s.metrics.receiveBytes));
            }
        }
    }
    {
        Family f(out, "uk_network_transmit_bytes_total", "counter",
                 "Bytes the guest sent: on its tap interface (--net tap), or in the frames "
                 "QEMU's user network took from it.");
        for (const auto& s : samples) {
            if (s.metrics.transmitBytes) {
                f.sample(labels(s.instance), std::to_string(*s.metrics.transmitBytes));
            }
        }
    }
    return out;
}

ListenAddress parseListenAddress(std::string_view text) {
    ListenAddress a;
    auto bad = [&](const std::string& why) {
        return Error("--listen '" + std::string(text) + "': " + why +
                     " (expected [ADDR:]PORT, like 9100 or 0.0.0.0:9100)");
    };
    std::string_view port = text;
    size_t colon = text.rfind(':');
    if (colon != std::string_view::npos) {
        auto address = parseIpv4(text.substr(0, colon));
        if (!address) {
            throw bad("not an IPv4 address: '" + std::string(text.substr(0, colon)) + "'");
        }
        a.address = *address;
        port = text.substr(colon + 1);
    }
    uint32_t value = 0;
    if (port.empty() || port.size() > 5) {
        throw bad("no port number");
    }
    for (char c : port) {
        if (c < '0' || c > '9') {
            throw bad("not a port number: '" + std::string(port) + "'");
        }
        value = value * 10 + static_cast<uint32_t>(c - '0');
    }
    if (value == 0 || value > 65535) {
        throw bad("a port is from 1 to 65535");
    }
    a.port = static_cast<uint16_t>(value);
    return a;
}

} // namespace uk::loader
