// Byte counters of QEMU's user network, seen from the host. slirp keeps none, so uk run has
// QEMU dump every frame into a FIFO (the filter-dump netfilter, a pcap stream) with a snap
// length of 64 bytes, one FIFO per direction, and adds up the frames' lengths. A detached
// instance's supervisor keeps the totals in a file that uk ps and uk metrics read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace uk::loader {

// How much of each frame the dump carries: the length is in the record header, and the
// bytes themselves are not needed.
inline constexpr unsigned kNetworkDumpSnapLength = 64;

// Reads a pcap stream (24-byte file header, then records of a 16-byte header and the bytes
// captured) given in pieces of any size, and counts the records and their original lengths.
class PcapByteCounter {
public:
    void feed(std::string_view data);
    uint64_t frames() const { return frames_; }
    uint64_t bytes() const { return bytes_; }
    // False once the stream stopped making sense (a header with another magic number): the
    // counts stop there.
    bool valid() const { return valid_; }

private:
    bool valid_ = true;
    bool headerSeen_ = false;
    std::string partial_; // a header not complete yet
    uint64_t skip_ = 0;   // captured bytes of the current record still to pass
    uint64_t frames_ = 0;
    uint64_t bytes_ = 0;
};

// The counters file: "RECEIVED TRANSMITTED\n", bytes the guest received and sent.
struct NetworkTotals {
    uint64_t received = 0;
    uint64_t transmitted = 0;
    bool operator==(const NetworkTotals&) const = default;
};
std::string formatNetworkTotals(const NetworkTotals& totals);
std::optional<NetworkTotals> parseNetworkTotals(std::string_view text);
// Reads the file; nullopt when it is missing or does not parse.
std::optional<NetworkTotals> readNetworkTotals(const std::filesystem::path& file);

} // namespace uk::loader
