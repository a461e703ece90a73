// The virtio_mmio.device= words QEMU's microvm puts on the kernel command line.
#include "net/virtio_mmio.h"

#include <doctest/doctest.h>

#include <initializer_list>

using uk::net::parseVirtioMmioSpec;
using uk::net::VirtioMmioSpec;

TEST_CASE("virtio-mmio: device words parse as SIZE@BASE:IRQ") {
    VirtioMmioSpec s;
    REQUIRE(parseVirtioMmioSpec("512@0xfeb00e00:12", &s));
    CHECK(s.size == 512);
    CHECK(s.base == 0xfeb00e00);
    CHECK(s.irq == 12);
    REQUIRE(parseVirtioMmioSpec("4K@0xFEB00000:5:3", &s)); // Linux's optional device id
    CHECK(s.size == 4096);
    CHECK(s.base == 0xfeb00000);
    CHECK(s.irq == 5);
    REQUIRE(parseVirtioMmioSpec("1M@4096:255", &s));
    CHECK(s.size == 1 << 20);
    for (const char* bad : {"", "512", "512@", "512@0xfeb00e00", "512@0xfeb00e00:", "@0x1000:1",
                            "0@0x1000:1", "512@0x1000:256", "512@0xzz:1", "512@0x1000:1x",
                            "512@0xffffffffffffffff:1", "99999999999999999999@0:1"}) {
        CAPTURE(bad);
        CHECK_FALSE(parseVirtioMmioSpec(bad, &s));
    }
}
