#include <uk/loader/network_counters.h>

#include <cstring>

#include <uk/support/error.h>
#include <uk/support/fs.h>

namespace uk::loader {

namespace {

constexpr size_t kFileHeader = 24;
constexpr size_t kRecordHeader = 16;
constexpr uint32_t kMagic = 0xa1b2c3d4;      // microsecond timestamps, writer's byte order
constexpr uint32_t kMagicNanos = 0xa1b23c4d; // nanosecond timestamps
constexpr uint32_t kMaxRecord = 256 * 1024;  // more than any frame QEMU passes

uint32_t word(const char* p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v; // QEMU writes host byte order, and this runs on the same host
}

std::optional<uint64_t> number(std::string_view& text) {
    size_t i = 0;
    uint64_t v = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        if (v > (UINT64_MAX - 9) / 10) {
            return std::nullopt;
        }
        v = v * 10 + static_cast<uint64_t>(text[i] - '0');
        ++i;
    }
    if (i == 0) {
        return std::nullopt;
    }
    text.remove_prefix(i);
    return v;
}

} // namespace

void PcapByteCounter::feed(std::string_view data) {
    while (valid_ && !data.empty()) {
        if (skip_ > 0) {
            size_t n = static_cast<size_t>(std::min<uint64_t>(skip_, data.size()));
            skip_ -= n;
            data.remove_prefix(n);
            continue;
        }
        const size_t want = headerSeen_ ? kRecordHeader : kFileHeader;
        size_t take = std::min(want - partial_.size(), data.size());
        partial_.append(data.substr(0, take));
        data.remove_prefix(take);
        if (partial_.size() < want) {
            return;
        }
        if (!headerSeen_) {
            uint32_t magic = word(partial_.data());
            valid_ = magic == kMagic || magic == kMagicNanos;
            headerSeen_ = true;
        } else {
            uint32_t captured = word(partial_.data() + 8);
            uint32_t length = word(partial_.data() + 12);
            if (captured > kMaxRecord || captured > length) {
                valid_ = false;
            } else {
                ++frames_;
                bytes_ += length;
                skip_ = captured;
            }
        }
        partial_.clear();
    }
}

std::string formatNetworkTotals(const NetworkTotals& t) {
    return std::to_string(t.received) + " " + std::to_string(t.transmitted) + "\n";
}

std::optional<NetworkTotals> parseNetworkTotals(std::string_view text) {
    NetworkTotals t;
    auto received = number(text);
    if (!received || text.empty() || text[0] != ' ') {
        return std::nullopt;
    }
    text.remove_prefix(1);
    auto transmitted = number(text);
    if (!transmitted || text != "\n") {
        return std::nullopt;
    }
    t.received = *received;
    t.transmitted = *transmitted;
    return t;
}

std::optional<NetworkTotals> readNetworkTotals(const std::filesystem::path& file) {
    try {
        return parseNetworkTotals(fs::readFile(file));
    } catch (const Error&) {
        return std::nullopt;
    }
}

} // namespace uk::loader
