#include "virtio_net.h"

#include <uk/arch/cpu.h>

#include "../base/new.h"
#include "../kernel/log.h"
#include "../kernel/memory.h"

namespace uk::net {

namespace {

// Feature bits: virtio-net's (5.1.3) and the transport-independent ones (6).
constexpr uint64_t kNetCsum = 1ull << 0;
constexpr uint64_t kNetMac = 1ull << 5;
constexpr uint64_t kNetStatus = 1ull << 16;
constexpr uint64_t kVersion1 = 1ull << 32;
constexpr uint16_t kNetLinkUp = 1;
constexpr uint32_t kConfigMac = 0, kConfigStatus = 6;

constexpr uint16_t kRxQueue = 0, kTxQueue = 1;
constexpr uint16_t kQueueSize = 256;
// struct virtio_net_hdr with num_buffers: 12 bytes for every VERSION_1 device (5.1.6).
constexpr size_t kHeaderSize = 12;
// A buffer holds the header and a whole frame: without the GSO and mergeable-buffer
// features no packet is larger than 14 + 1500 bytes. Two buffers per page.
constexpr size_t kBufferSize = 2048;

uint64_t physOf(const void* p) {
    return arch::virtToPhysDirect(p);
}

// struct virtio_net_hdr (5.1.6).
struct NetHeader {
    uint8_t flags;
    uint8_t gsoType;
    uint16_t hdrLen;
    uint16_t gsoSize;
    uint16_t csumStart;
    uint16_t csumOffset;
    uint16_t numBuffers;
};
static_assert(sizeof(NetHeader) == kHeaderSize);
constexpr uint8_t kNeedsCsum = 1;

uint16_t be16(const uint8_t* p) {
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

// Adds big-endian 16-bit words to a ones' complement sum.
uint32_t sumWords(const uint8_t* p, size_t len, uint32_t sum) {
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += be16(p + i);
    }
    if (len & 1) {
        sum += static_cast<uint32_t>(p[len - 1]) << 8;
    }
    return sum;
}

// For a TCP or UDP frame: asks the device for its checksum, with the pseudo-header sum in
// the checksum field (what the device's sum over the segment starts from). Other frames go
// as they are (their checksums are the stack's).
void markChecksum(uint8_t* frame, size_t len, NetHeader* h) {
    if (len < 14) {
        return;
    }
    const uint16_t type = be16(frame + 12);
    size_t l4;
    uint8_t proto;
    uint32_t sum = 0;
    size_t l4len;
    if (type == 0x0800 && len >= 34) {
        const uint8_t* ip = frame + 14;
        const size_t ihl = (ip[0] & 15u) * 4;
        if ((ip[0] >> 4) != 4 || ihl < 20 || (be16(ip + 6) & 0x3fff) != 0) {
            return; // not IPv4, or a fragment
        }
        proto = ip[9];
        l4 = 14 + ihl;
        const size_t total = be16(ip + 2);
        if (total < ihl || 14 + total > len) {
            return;
        }
        l4len = total - ihl;
        sum = sumWords(ip + 12, 8, 0);
    } else if (type == 0x86dd && len >= 54) {
        const uint8_t* ip = frame + 14;
        proto = ip[6]; // no extension headers in what lwIP sends over TCP and UDP
        l4 = 54;
        l4len = be16(ip + 4);
        if (54 + l4len > len) {
            return;
        }
        sum = sumWords(ip + 8, 32, 0);
    } else {
        return;
    }
    size_t field;
    if (proto == 6) {
        field = 16;
    } else if (proto == 17) {
        field = 6;
    } else {
        return;
    }
    if (l4 + field + 2 > len) {
        return;
    }
    sum += proto;
    sum += static_cast<uint32_t>(l4len);
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    frame[l4 + field] = static_cast<uint8_t>(sum >> 8);
    frame[l4 + field + 1] = static_cast<uint8_t>(sum);
    h->flags = kNeedsCsum;
    h->csumStart = static_cast<uint16_t>(l4);
    h->csumOffset = static_cast<uint16_t>(field);
}

} // namespace

VirtioNet* VirtioNet::probe(VirtioTransport* t) {
    // 3.1.1: reset, acknowledge, negotiate, set up the queues, then DRIVER_OK.
    t->setStatus(0);
    t->setStatus(VirtioTransport::kAcknowledge);
    t->setStatus(VirtioTransport::kAcknowledge | VirtioTransport::kDriver);
    const uint64_t offered = t->deviceFeatures();
    auto fail = [t](const char* why) -> VirtioNet* {
        log::notice("virtio-net (%s): %s", t->describe(), why);
        t->setStatus(VirtioTransport::kFailed);
        return nullptr;
    };
    if ((offered & kVersion1) == 0) {
        return fail("the device does not offer VIRTIO_F_VERSION_1");
    }
    auto* dev = new (std::nothrow) VirtioNet(t);
    if (dev == nullptr) {
        return fail("out of memory");
    }
    dev->features_ = offered & (kVersion1 | kNetMac | kNetStatus | kNetCsum);
    t->setDriverFeatures(dev->features_);
    const uint8_t negotiated =
        VirtioTransport::kAcknowledge | VirtioTransport::kDriver | VirtioTransport::kFeaturesOk;
    t->setStatus(negotiated);
    if ((t->status() & VirtioTransport::kFeaturesOk) == 0) {
        return fail("the device refused the features");
    }
    if (!dev->setUpQueue(kRxQueue, &dev->rx_) || !dev->setUpQueue(kTxQueue, &dev->tx_)) {
        return fail("its receive and transmit queues cannot be set up");
    }
    dev->tx_.setInterruptsWanted(false);
    // Transmit buffers now, so sending never allocates.
    dev->txFree_ = new (std::nothrow) uint8_t*[dev->tx_.size()];
    if (dev->txFree_ == nullptr) {
        return fail("out of memory");
    }
    for (size_t i = 0; i < dev->tx_.size(); i += 4096 / kBufferSize) {
        uint64_t phys = memory::allocZeroedFrame();
        if (phys == 0) {
            return fail("out of memory");
        }
        auto* page = static_cast<uint8_t*>(arch::physToVirt(phys));
        for (size_t k = 0; k < 4096 / kBufferSize; ++k) {
            dev->txFree_[dev->txFreeCount_++] = page + k * kBufferSize;
        }
    }
    if (!t->setUpInterrupt([](void* ctx) { static_cast<VirtioNet*>(ctx)->onInterrupt(); }, dev)) {
        return fail("its interrupt cannot be routed");
    }
    t->setStatus(negotiated | VirtioTransport::kDriverOk);
    if (dev->features_ & kNetMac) {
        for (uint32_t i = 0; i < 6; ++i) {
            dev->mac_[i] = t->config8(kConfigMac + i);
        }
    } else {
        // No address from the device: a random locally administered one (5.1.5).
        uint64_t r = arch::rdtsc();
        dev->mac_[0] = 0x02;
        for (uint32_t i = 1; i < 6; ++i) {
            dev->mac_[i] = static_cast<uint8_t>(r >> (8 * i));
        }
    }
    const uint8_t* m = dev->mac_;
    log::info("virtio-net: %02x:%02x:%02x:%02x:%02x:%02x on %s, %u-entry queues, link %s%s", m[0],
              m[1], m[2], m[3], m[4], m[5], t->describe(), dev->rx_.size(),
              dev->linkUp() ? "up" : "down", dev->checksumOffload() ? ", checksum offload" : "");
    registerNetDevice(dev);
    return dev;
}

bool VirtioNet::setUpQueue(uint16_t index, SplitQueue* q) {
    uint16_t max = transport_->queueMaxSize(index);
    if (max == 0) {
        return false;
    }
    uint16_t size = kQueueSize;
    while (size > max) {
        size /= 2;
    }
    // Each part in a page of its own: for up to 256 entries the descriptors (16 bytes each),
    // the available ring (6 + 2n) and the used ring (6 + 8n) fit one page.
    uint64_t desc = memory::allocZeroedFrame();
    uint64_t avail = memory::allocZeroedFrame();
    uint64_t used = memory::allocZeroedFrame();
    if (desc == 0 || avail == 0 || used == 0 ||
        !q->init(size, arch::physToVirt(desc), arch::physToVirt(avail), arch::physToVirt(used))) {
        return false;
    }
    return transport_->enableQueue(index, size, desc, avail, used);
}

bool VirtioNet::checksumOffload() const {
    return (features_ & kNetCsum) != 0;
}

bool VirtioNet::linkUp() const {
    if ((features_ & kNetStatus) == 0) {
        return true; // 5.1.4: without VIRTIO_NET_F_STATUS the link is assumed up
    }
    uint16_t status = static_cast<uint16_t>(transport_->config8(kConfigStatus) |
                                            (transport_->config8(kConfigStatus + 1) << 8));
    return (status & kNetLinkUp) != 0;
}

bool VirtioNet::postReceive(uint8_t* buffer) {
    SplitQueue::Segment s{physOf(buffer), kBufferSize};
    return rx_.add(&s, 0, 1, buffer);
}

bool VirtioNet::start(const Receiver& r) {
    if (started_) {
        return false;
    }
    receiver_ = r;
    for (size_t i = 0; i < rx_.size(); i += 4096 / kBufferSize) {
        uint64_t phys = memory::allocZeroedFrame();
        if (phys == 0) {
            break; // fewer receive buffers: slower, not broken
        }
        auto* page = static_cast<uint8_t*>(arch::physToVirt(phys));
        for (size_t k = 0; k < 4096 / kBufferSize; ++k) {
            postReceive(page + k * kBufferSize);
        }
    }
    started_ = true;
    if (rx_.publish()) {
        transport_->notify(kRxQueue);
    }
    return true;
}

void VirtioNet::onInterrupt() {
    // Acknowledge first, then drain: a buffer finished after this point raises the
    // interrupt again, so none is left behind (the line may be edge triggered).
    transport_->takeInterruptCause();
    if (!started_) {
        return;
    }
    void* token;
    uint32_t written;
    bool any = false;
    while (rx_.takeUsed(&token, &written)) {
        auto* buffer = static_cast<uint8_t*>(token);
        if (written > kHeaderSize && written <= kBufferSize) {
            receiver_.frame(receiver_.ctx, buffer + kHeaderSize, written - kHeaderSize);
        }
        postReceive(buffer);
        any = true;
    }
    if (any && rx_.publish()) {
        transport_->notify(kRxQueue);
    }
    if (any && receiver_.batchDone != nullptr) {
        receiver_.batchDone(receiver_.ctx);
    }
}

void VirtioNet::reclaimTransmitted() {
    void* token;
    uint32_t written;
    while (tx_.takeUsed(&token, &written)) {
        txFree_[txFreeCount_++] = static_cast<uint8_t*>(token);
    }
}

bool VirtioNet::transmit(const Piece* pieces, size_t count, size_t total) {
    if (total > kBufferSize - kHeaderSize) {
        return false;
    }
    reclaimTransmitted();
    if (txFreeCount_ == 0) {
        return false;
    }
    uint8_t* buffer = txFree_[--txFreeCount_];
    __builtin_memset(buffer, 0, kHeaderSize); // no offloads asked for
    size_t at = kHeaderSize;
    for (size_t i = 0; i < count; ++i) {
        __builtin_memcpy(buffer + at, pieces[i].data, pieces[i].len);
        at += pieces[i].len;
    }
    if (features_ & kNetCsum) {
        markChecksum(buffer + kHeaderSize, total, reinterpret_cast<NetHeader*>(buffer));
    }
    SplitQueue::Segment s{physOf(buffer), static_cast<uint32_t>(at)};
    if (!tx_.add(&s, 1, 0, buffer)) {
        txFree_[txFreeCount_++] = buffer;
        return false;
    }
    if (tx_.publish()) {
        transport_->notify(kTxQueue);
    }
    return true;
}

} // namespace uk::net
