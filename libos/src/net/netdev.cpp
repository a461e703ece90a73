#include "netdev.h"

namespace uk::net {

namespace {
constexpr size_t kMaxDevices = 4;
constinit NetDevice* g_devices[kMaxDevices] = {};
constinit size_t g_count = 0;
} // namespace

void registerNetDevice(NetDevice* device) {
    if (g_count < kMaxDevices) {
        g_devices[g_count++] = device;
    }
}

NetDevice* netDevice(size_t index) {
    return index < g_count ? g_devices[index] : nullptr;
}

} // namespace uk::net
