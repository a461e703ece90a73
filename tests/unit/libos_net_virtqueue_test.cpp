// The driver's side of a split virtqueue against a fake device that follows the virtio
// specification (2.7): chains of readable and writable descriptors, in- and out-of-order
// completion, index wraparound past 65535, a full queue, and notification suppression.
#include "net/virtqueue.h"

#include <doctest/doctest.h>

#include <cstring>
#include <deque>
#include <vector>

using uk::net::SplitQueue;

namespace {

struct Desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

// Owns the three areas and plays the device.
struct Rings {
    explicit Rings(uint16_t n)
        : size(n), desc(SplitQueue::descBytes(n)), avail(SplitQueue::availBytes(n)),
          used(SplitQueue::usedBytes(n)) {
        REQUIRE(q.init(n, desc.data(), avail.data(), used.data()));
    }

    uint16_t availIdx() const {
        uint16_t v;
        std::memcpy(&v, avail.data() + 2, 2);
        return v;
    }

    // Takes the next chain the driver offered: its head and segments (addr, len, writable).
    struct Chain {
        uint16_t head;
        std::vector<Desc> segments;
    };
    bool take(Chain* out) {
        if (seen == availIdx()) {
            return false;
        }
        uint16_t head;
        std::memcpy(&head, avail.data() + 4 + 2 * (seen % size), 2);
        ++seen;
        out->head = head;
        out->segments.clear();
        uint16_t at = head;
        for (;;) {
            Desc d;
            std::memcpy(&d, desc.data() + 16 * at, 16);
            out->segments.push_back(d);
            if (!(d.flags & 1)) {
                break;
            }
            at = d.next;
            REQUIRE(out->segments.size() <= size);
        }
        return true;
    }

    void complete(uint16_t head, uint32_t written) {
        uint16_t idx;
        std::memcpy(&idx, used.data() + 2, 2);
        uint32_t entry[2] = {head, written};
        std::memcpy(used.data() + 4 + 8 * (idx % size), entry, 8);
        ++idx;
        std::memcpy(used.data() + 2, &idx, 2);
    }

    uint16_t size;
    std::vector<unsigned char> desc, avail, used;
    uint16_t seen = 0;
    SplitQueue q;
};

} // namespace

TEST_CASE("virtqueue: chains go out as offered and come back with their tokens") {
    Rings r(8);
    int a = 1, b = 2;
    SplitQueue::Segment tx[2] = {{0x1000, 12}, {0x2000, 1500}};
    SplitQueue::Segment rx[1] = {{0x3000, 2048}};
    REQUIRE(r.q.add(tx, 2, 0, &a));
    REQUIRE(r.q.add(rx, 0, 1, &b));
    CHECK(r.q.freeCount() == 5);
    CHECK(r.availIdx() == 0); // not visible before publish()
    CHECK(r.q.publish());
    CHECK(r.availIdx() == 2);
    CHECK_FALSE(r.q.publish()); // nothing new

    Rings::Chain c;
    REQUIRE(r.take(&c));
    REQUIRE(c.segments.size() == 2);
    CHECK(c.segments[0].addr == 0x1000);
    CHECK(c.segments[0].len == 12);
    CHECK(c.segments[0].flags == 1); // NEXT, device-readable
    CHECK(c.segments[1].flags == 0);
    const uint16_t txHead = c.head;
    REQUIRE(r.take(&c));
    REQUIRE(c.segments.size() == 1);
    CHECK(c.segments[0].flags == 2); // WRITE
    const uint16_t rxHead = c.head;

    void* token;
    uint32_t written;
    CHECK_FALSE(r.q.takeUsed(&token, &written));
    // Out of order: the receive buffer first.
    r.complete(rxHead, 60);
    r.complete(txHead, 0);
    REQUIRE(r.q.takeUsed(&token, &written));
    CHECK(token == &b);
    CHECK(written == 60);
    REQUIRE(r.q.takeUsed(&token, &written));
    CHECK(token == &a);
    CHECK_FALSE(r.q.takeUsed(&token, &written));
    CHECK(r.q.freeCount() == 8);
}

TEST_CASE("virtqueue: a full queue refuses, and the indices wrap past 65535") {
    Rings r(4);
    SplitQueue::Segment s[5] = {{1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}};
    CHECK_FALSE(r.q.add(s, 5, 0, nullptr)); // more than the queue holds
    CHECK_FALSE(r.q.add(s, 0, 0, nullptr)); // nothing
    CHECK(r.q.freeCount() == 4);
    std::deque<int> inFlight;
    std::vector<int> tokens(70000);
    for (int i = 0; i < 70000; ++i) {
        tokens[static_cast<size_t>(i)] = i;
        size_t n = 1 + static_cast<size_t>(i % 2); // chains of one and two descriptors
        while (!r.q.add(s, n - 1, 1, &tokens[static_cast<size_t>(i)])) {
            // Full: the device finishes the oldest chain.
            r.q.publish();
            Rings::Chain c;
            REQUIRE(r.take(&c));
            r.complete(c.head, static_cast<uint32_t>(c.segments.size()));
            void* token;
            uint32_t written;
            REQUIRE(r.q.takeUsed(&token, &written));
            REQUIRE(*static_cast<int*>(token) == inFlight.front());
            inFlight.pop_front();
        }
        inFlight.push_back(i);
    }
    CHECK(!inFlight.empty());
}

TEST_CASE("virtqueue: the device can ask not to be notified; bad sizes are refused") {
    Rings r(2);
    SplitQueue::Segment s{0x1000, 64};
    REQUIRE(r.q.add(&s, 1, 0, nullptr));
    uint16_t noNotify = 1;
    std::memcpy(r.used.data(), &noNotify, 2);
    CHECK_FALSE(r.q.publish());
    CHECK(r.availIdx() == 1); // published all the same

    SplitQueue q;
    std::vector<unsigned char> area(SplitQueue::usedBytes(1024) * 2);
    CHECK_FALSE(q.init(0, area.data(), area.data(), area.data()));
    CHECK_FALSE(q.init(3, area.data(), area.data(), area.data()));
    CHECK_FALSE(q.init(2048, area.data(), area.data(), area.data()));
    CHECK_FALSE(q.init(4, nullptr, area.data(), area.data()));
}
