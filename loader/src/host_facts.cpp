#include <uk/loader/host_facts.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>
#include <x86intrin.h>

#include <uk/support/error.h>
#include <uk/support/fs.h>

namespace uk::loader {

namespace {

std::string currentBootId() {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    std::getline(in, id);
    return id;
}

std::filesystem::path defaultFile() {
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    std::filesystem::path dir = runtime != nullptr && *runtime != 0 ? runtime : "/tmp";
    return dir / ("uk-" + std::to_string(::getuid())) / "host-facts";
}

// The TSC is a usable clock only if it runs at a constant rate and keeps running in deep
// idle states; otherwise the guest measures its own.
bool constantTsc() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("flags", 0) == 0) {
            return line.find(" constant_tsc") != std::string::npos &&
                   line.find(" nonstop_tsc") != std::string::npos;
        }
    }
    return false;
}

// The cache directory must be ours and private: /tmp is shared, and another user could have
// made /tmp/uk-<uid> first to feed us facts.
bool privateDirectory(const std::filesystem::path& dir) {
    struct stat st;
    return ::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::getuid() &&
           (st.st_mode & 077) == 0;
}

uint64_t monotonicRawNs() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

} // namespace

HostFacts HostFacts::parse(const std::string& text, const std::string& bootId) {
    HostFacts f;
    f.bootId = bootId;
    std::istringstream in(text);
    std::string line;
    HostFacts read;
    while (std::getline(in, line)) {
        auto eq = line.find('=');
        if (eq == std::string::npos) {
            continue;
        }
        std::string key = line.substr(0, eq), value = line.substr(eq + 1);
        if (key == "boot_id") {
            read.bootId = value;
        } else if (key == "tsc_hz") {
            read.tscHz = std::strtoull(value.c_str(), nullptr, 10);
            read.tscMeasured = true;
        } else if (key == "kvm_broken") {
            read.kvmBroken = value;
        }
    }
    return read.bootId == bootId && !bootId.empty() ? read : f;
}

std::string HostFacts::serialize() const {
    std::ostringstream out;
    out << "boot_id=" << bootId << "\n";
    if (tscMeasured) {
        out << "tsc_hz=" << tscHz << "\n";
    }
    if (!kvmBroken.empty()) {
        out << "kvm_broken=" << kvmBroken << "\n";
    }
    return out.str();
}

HostFactsStore::HostFactsStore() : HostFactsStore(defaultFile()) {}

HostFactsStore::HostFactsStore(std::filesystem::path file) : file_(std::move(file)) {
    std::string text;
    if (privateDirectory(file_.parent_path())) {
        try {
            text = fs::readFile(file_);
        } catch (const Error&) {
            // No facts yet (or unreadable): start empty.
        }
    }
    facts_ = HostFacts::parse(text, currentBootId());
}

void HostFactsStore::save() const {
    // A cache: failing to write it only costs the next run a measurement.
    auto dir = file_.parent_path();
    ::mkdir(dir.c_str(), 0700);
    if (!privateDirectory(dir)) {
        return;
    }
    try {
        fs::writeFileAtomic(file_, facts_.serialize());
    } catch (const Error&) {
    }
}

uint64_t HostFactsStore::tscHz() {
    if (!facts_.tscMeasured) {
        facts_.tscHz = constantTsc() ? measureTscHz(std::chrono::milliseconds(50)) : 0;
        facts_.tscMeasured = true;
        save();
    }
    return facts_.tscHz;
}

void HostFactsStore::rememberKvmBroken(const std::string& reason) {
    facts_.kvmBroken = reason.empty() ? "failed to start a guest" : reason;
    for (char& c : facts_.kvmBroken) {
        if (c == '\n') {
            c = ' ';
        }
    }
    save();
}

uint64_t measureTscHz(std::chrono::milliseconds window) {
    // Bracket each clock read with TSC reads and keep the tightest bracket at each end, so a
    // preemption in the middle of a read cannot skew the result.
    auto sample = [](uint64_t* tsc, uint64_t* ns) {
        uint64_t best = ~0ull;
        for (int i = 0; i < 16; ++i) {
            uint64_t a = __rdtsc();
            uint64_t t = monotonicRawNs();
            uint64_t b = __rdtsc();
            if (b - a < best) {
                best = b - a;
                *tsc = a + (b - a) / 2;
                *ns = t;
            }
        }
    };
    uint64_t tsc0, ns0, tsc1, ns1;
    sample(&tsc0, &ns0);
    std::this_thread::sleep_for(window);
    sample(&tsc1, &ns1);
    if (ns1 <= ns0 || tsc1 <= tsc0) {
        return 0;
    }
    return static_cast<uint64_t>(static_cast<unsigned __int128>(tsc1 - tsc0) * 1'000'000'000u /
                                 (ns1 - ns0));
}

} // namespace uk::loader
