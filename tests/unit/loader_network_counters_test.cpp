// The user network's byte counters: QEMU's pcap dump read in pieces, and the totals file.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <uk/loader/network_counters.h>

using uk::loader::formatNetworkTotals;
using uk::loader::NetworkTotals;
using uk::loader::parseNetworkTotals;
using uk::loader::PcapByteCounter;

namespace {

void put32(std::string& out, uint32_t v) {
    char b[4];
    std::memcpy(b, &v, 4);
    out.append(b, 4);
}

// A pcap stream as QEMU's filter-dump writes it: the file header, then for each frame of
// `lengths` a record with at most `snap` bytes of it.
std::string pcap(const std::vector<uint32_t>& lengths, uint32_t snap = 64,
                 uint32_t magic = 0xa1b2c3d4) {
    std::string out;
    put32(out, magic);
    out += std::string("\x02\x00\x04\x00", 4);
    put32(out, 0);
    put32(out, 0);
    put32(out, snap);
    put32(out, 1); // Ethernet
    for (uint32_t len : lengths) {
        uint32_t captured = std::min(len, snap);
        put32(out, 1);
        put32(out, 2);
        put32(out, captured);
        put32(out, len);
        out.append(captured, 'x');
    }
    return out;
}

} // namespace

TEST_CASE("network counters: frames and bytes from a pcap stream, whole or in pieces") {
    const std::string stream = pcap({60, 1514, 42, 9000});
    PcapByteCounter whole;
    whole.feed(stream);
    CHECK(whole.valid());
    CHECK(whole.frames() == 4);
    CHECK(whole.bytes() == 60 + 1514 + 42 + 9000);
    for (size_t piece : {1, 3, 7, 16, 23, 100}) {
        PcapByteCounter c;
        for (size_t i = 0; i < stream.size(); i += piece) {
            c.feed(std::string_view(stream).substr(i, piece));
        }
        CHECK(c.frames() == 4);
        CHECK(c.bytes() == whole.bytes());
    }
    PcapByteCounter none;
    none.feed(pcap({}));
    CHECK(none.frames() == 0);
    CHECK(none.bytes() == 0);
    PcapByteCounter nanos;
    nanos.feed(pcap({100}, 64, 0xa1b23c4d));
    CHECK(nanos.bytes() == 100);
}

TEST_CASE("network counters: a stream that is not pcap stops the count") {
    PcapByteCounter c;
    c.feed(pcap({100}, 64, 0x12345678));
    CHECK_FALSE(c.valid());
    CHECK(c.bytes() == 0);
    // A record claiming more captured bytes than the frame had.
    std::string bad = pcap({100});
    bad.replace(24 + 8, 4, std::string("\xff\x00\x00\x00", 4));
    PcapByteCounter d;
    d.feed(bad);
    CHECK_FALSE(d.valid());
    CHECK(d.frames() == 0);
}

TEST_CASE("network counters: the totals file") {
    CHECK(formatNetworkTotals({12, 3456}) == "12 3456\n");
    CHECK(parseNetworkTotals("12 3456\n") == NetworkTotals{12, 3456});
    CHECK(parseNetworkTotals("0 0\n") == NetworkTotals{0, 0});
    CHECK_FALSE(parseNetworkTotals(""));
    CHECK_FALSE(parseNetworkTotals("12 3456"));
    CHECK_FALSE(parseNetworkTotals("12  3456\n"));
    CHECK_FALSE(parseNetworkTotals("-1 2\n"));
    CHECK_FALSE(parseNetworkTotals("99999999999999999999999 1\n"));
    CHECK_FALSE(parseNetworkTotals("1 2\nx"));
}
