#include <uk/runtime/launch_plan.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <string_view>

namespace uk::runtime {

namespace stdfs = std::filesystem;

namespace {

constexpr uint64_t kMiB = 1024 * 1024;
constexpr uint64_t kDefaultCpuPeriodUs = 100000; // the kernel's cfs_period_us

uint64_t roundUpMiB(uint64_t bytes) {
    return (bytes + kMiB - 1) / kMiB;
}

// "0-3,6" -> 5. nullopt when the text is not a CPU list.
std::optional<unsigned> countCpuList(const std::string& list) {
    std::set<unsigned long> cpus;
    size_t start = 0;
    while (start <= list.size()) {
        size_t end = list.find(',', start);
        if (end == std::string::npos) {
            end = list.size();
        }
        std::string part = list.substr(start, end - start);
        if (part.empty()) {
            return std::nullopt;
        }
        char* rest = nullptr;
        unsigned long first = std::strtoul(part.c_str(), &rest, 10);
        unsigned long last = first;
        if (rest == part.c_str()) {
            return std::nullopt;
        }
        if (*rest == '-') {
            const char* second = rest + 1;
            last = std::strtoul(second, &rest, 10);
            if (rest == second || last < first) {
                return std::nullopt;
            }
        }
        if (*rest != 0 || last > 4095) {
            return std::nullopt;
        }
        for (unsigned long c = first; c <= last; ++c) {
            cpus.insert(c);
        }
        start = end + 1;
    }
    return static_cast<unsigned>(cpus.size());
}

std::string normalizeDir(std::string dir) {
    while (dir.size() > 1 && dir.back() == '/') {
        dir.pop_back();
    }
    return dir.empty() ? "/" : dir;
}

// Mounts every container gets, which the library OS provides itself (/etc/hosts and
// resolv.conf from its network configuration, /dev, /proc and /sys).
bool providedByGuest(const std::string& destination) {
    for (const char* prefix : {"/dev", "/proc", "/sys"}) {
        std::string p = prefix;
        if (destination == p || destination.rfind(p + "/", 0) == 0) {
            return true;
        }
    }
    return destination == "/etc/hosts" || destination == "/etc/hostname" ||
           destination == "/etc/resolv.conf";
}

const Mount* bindMountAt(const BundleSpec& spec, const std::string& destination) {
    for (const auto& m : spec.mounts) {
        if ((m.type == "bind" || m.type.empty()) && m.destination == destination) {
            return &m;
        }
    }
    return nullptr;
}

} // namespace

uint64_t minimumMemoryMiB(const ImageNeeds& needs) {
    return roundUpMiB(needs.kernelBytes) + roundUpMiB(needs.rootfsBytes) + kRunHeadroomMiB;
}

std::optional<uint64_t> memoryMiBForLimit(const BundleSpec& spec, const ImageNeeds& needs,
                                          const std::string& what) {
    if (!spec.memoryLimit) {
        return std::nullopt;
    }
    uint64_t limit = static_cast<uint64_t>(*spec.memoryLimit);
    uint64_t mib = limit / kMiB;
    uint64_t least = minimumMemoryMiB(needs);
    if (mib < least) {
        throw BundleError(
            what + ": linux.resources.memory.limit: " + std::to_string(limit) + " bytes (" +
            std::to_string(mib) + " MiB) is less than the " + std::to_string(least) +
            " MiB this container needs: its kernel (" +
            std::to_string(roundUpMiB(needs.kernelBytes)) + " MiB) and root file system (" +
            std::to_string(roundUpMiB(needs.rootfsBytes)) + " MiB) live in the guest's RAM, plus " +
            std::to_string(kRunHeadroomMiB) + " MiB to run");
    }
    return mib;
}

unsigned cpusForLimits(const BundleSpec& spec, const std::string& what) {
    if (spec.cpuQuota) {
        uint64_t period = spec.cpuPeriod.value_or(kDefaultCpuPeriodUs);
        uint64_t quota = static_cast<uint64_t>(*spec.cpuQuota);
        uint64_t cpus = (quota + period - 1) / period;
        return static_cast<unsigned>(std::clamp<uint64_t>(cpus, 1, 255));
    }
    if (!spec.cpusetCpus.empty()) {
        auto n = countCpuList(spec.cpusetCpus);
        if (!n || *n == 0) {
            throw BundleError(what + ": linux.resources.cpu.cpus: '" + spec.cpusetCpus +
                              "' is not a CPU list such as 0-3,6");
        }
        return std::min(*n, 255u);
    }
    return 1;
}

LaunchPlan planLaunch(const BundleSpec& spec, const ImageNeeds& needs,
                      const std::filesystem::path& kernel, const std::filesystem::path& initrd,
                      const std::string& what) {
    LaunchPlan plan;
    plan.memoryMiB = memoryMiBForLimit(spec, needs, what);
    plan.cpus = cpusForLimits(spec, what);
    auto& a = plan.ukRunArgs;
    a = {"--initrd", initrd.string()};
    if (plan.memoryMiB) {
        a.insert(a.end(), {"--mem", std::to_string(*plan.memoryMiB)});
    }
    a.insert(a.end(), {"--cpus", std::to_string(plan.cpus)});

    const std::string user = std::to_string(spec.uid) + ":" + std::to_string(spec.gid);
    const std::string imageUser = needs.user.value_or("0:0");
    const bool sameUser =
        user == imageUser || (imageUser.find(':') == std::string::npos &&
                              imageUser == std::to_string(spec.uid) && spec.gid == 0);
    if (!sameUser) {
        a.insert(a.end(), {"--user", user});
    }
    if (!spec.additionalGids.empty() && !sameUser) {
        plan.warnings.push_back("process.user.additionalGids: the guest runs without "
                                "supplementary groups when the user differs from the image's");
    }
    if (!spec.hostname.empty()) {
        a.insert(a.end(), {"--hostname", spec.hostname});
    }
    for (const auto& e : spec.env) {
        a.insert(a.end(), {"-e", e});
    }
    for (const auto& port : needs.exposedPorts) {
        // "8080/tcp", "53/udp", "80" (tcp); other protocols (sctp) have no user-network path.
        const size_t slash = port.find('/');
        const std::string number = port.substr(0, slash);
        const std::string protocol = slash == std::string::npos ? "tcp" : port.substr(slash + 1);
        if (protocol != "tcp" && protocol != "udp") {
            plan.warnings.push_back("exposed port " + port + ": only tcp and udp are forwarded");
            continue;
        }
        a.insert(a.end(),
                 {"-p", "0.0.0.0:" + number + ":" + number + (protocol == "udp" ? "/udp" : "")});
    }
    // process.cwd (docker run -w, or the image's WorkingDir, which Docker creates).
    if (!spec.cwd.empty() &&
        normalizeDir(spec.cwd) != normalizeDir(needs.workingDir.value_or("/"))) {
        a.insert(a.end(), {"--workdir", spec.cwd});
    }

    // `docker run --init` puts its init (bind-mounted from the host) in front of the command:
    // the guest cannot see it and needs none (the library OS reaps its own processes).
    std::vector<std::string> args = spec.args;
    const Mount* init = bindMountAt(spec, args[0]);
    if (init != nullptr) {
        const std::string name = stdfs::path(args[0]).filename().string();
        if ((name == "docker-init" || name == "tini") && args.size() > 2 && args[1] == "--") {
            args.erase(args.begin(), args.begin() + 2);
        } else {
            throw BundleError(what + ": process.args[0]: " + args[0] + " is bind-mounted from " +
                              "the host (" + init->source + "), which the guest cannot see");
        }
    }
    a.insert(a.end(), {"--entrypoint", args[0], kernel.string(), "--"});
    a.insert(a.end(), args.begin() + 1, args.end());
    return plan;
}

MountMode mountModeFor(const BundleSpec& spec, const std::string& what) {
    auto setting = runtimeSetting(spec, kMountsAnnotation, kMountsEnvironment, what);
    if (!setting || setting->value == "read-only") {
        return MountMode::ReadOnly;
    }
    if (setting->value == "copy") {
        return MountMode::Copy;
    }
    throw BundleError(setting->from + ": expected read-only or copy, got '" + setting->value + "'");
}

namespace {
// Docker's and Podman's anonymous volumes: DATA_ROOT/volumes/<64 hex digits>/_data.
bool anonymousVolume(const std::string& source) {
    const stdfs::path p(source);
    const std::string id = p.parent_path().filename().string();
    return p.filename() == "_data" && p.parent_path().parent_path().filename() == "volumes" &&
           id.size() == 64 && std::all_of(id.begin(), id.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}
} // namespace

MountCopies planMountCopies(const BundleSpec& spec, MountMode mode,
                            const std::vector<std::string>& imageVolumes, const std::string& what) {
    MountCopies out;
    auto has = [](const Mount& m, std::string_view option) {
        return std::find(m.options.begin(), m.options.end(), option) != m.options.end();
    };
    for (const auto& m : spec.mounts) {
        const std::string destination = normalizeDir(m.destination);
        if (providedByGuest(destination) || destination == "/" ||
            (!spec.args.empty() && destination == spec.args[0])) {
            continue;
        }
        const std::string at = stdfs::path(destination).lexically_normal().relative_path().string();
        if (at.empty() || at == ".." || at.rfind("../", 0) == 0) {
            throw BundleError(what + ": mounts: " + m.destination +
                              ": not a path in the container");
        }
        toolchain::TreePacker::Graft graft{at, {}, 01777};
        const bool bind =
            m.type == "bind" || (m.type.empty() && (has(m, "bind") || has(m, "rbind")));
        if (bind) {
            const bool declared =
                std::any_of(imageVolumes.begin(), imageVolumes.end(),
                            [&](const std::string& v) { return normalizeDir(v) == destination; });
            if (!has(m, "ro") && declared && anonymousVolume(m.source)) {
                std::erase_if(out.grafts, [&](const auto& g) { return g.at == at; });
                out.imageFiles.push_back(destination);
                continue;
            }
            if (!has(m, "ro") && mode != MountMode::Copy) {
                throw BundleError(
                    what + ": mounts: " + destination + " (from " + m.source +
                    ") is read-write, but the guest runs on a copy of the container's files in "
                    "its own memory and cannot write to the host: mount it read-only (docker "
                    "run -v " +
                    m.source + ":" + destination +
                    ":ro) to have its files copied into the guest at create, or set " +
                    kMountsAnnotation + "=copy (or $" + kMountsEnvironment +
                    "=copy for uk-runtime) to copy read-write mounts too, the guest's writes "
                    "staying in the guest");
            }
            graft.source = m.source;
        } else if (m.type == "tmpfs") {
            for (const auto& o : m.options) {
                if (o.rfind("mode=", 0) == 0) {
                    graft.emptyMode =
                        static_cast<mode_t>(std::strtoul(o.c_str() + 5, nullptr, 8) & 07777);
                }
            }
        } else {
            out.warnings.push_back("mounts: " + destination + " (" +
                                   (m.type.empty() ? std::string("no type") : "type " + m.type) +
                                   ") is not in the guest");
            continue;
        }
        // A later mount at the same place hides an earlier one.
        std::erase_if(out.grafts, [&](const auto& g) { return g.at == at; });
        out.grafts.push_back(std::move(graft));
    }
    return out;
}

} // namespace uk::runtime
