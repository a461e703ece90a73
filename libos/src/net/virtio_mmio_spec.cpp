#include "virtio_mmio.h"

namespace uk::net {

namespace {

// Reads an unsigned number (decimal, or hex after 0x) at *p; false if there is none or it
// overflows.
bool number(const char** p, uint64_t* out) {
    const char* s = *p;
    uint64_t base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    uint64_t v = 0;
    const char* start = s;
    for (;; ++s) {
        uint64_t d;
        if (*s >= '0' && *s <= '9') {
            d = static_cast<uint64_t>(*s - '0');
        } else if (base == 16 && *s >= 'a' && *s <= 'f') {
            d = static_cast<uint64_t>(*s - 'a' + 10);
        } else if (base == 16 && *s >= 'A' && *s <= 'F') {
            d = static_cast<uint64_t>(*s - 'A' + 10);
        } else {
            break;
        }
        if (v > (~uint64_t{0} - d) / base) {
            return false;
        }
        v = v * base + d;
    }
    if (s == start) {
        return false;
    }
    *p = s;
    *out = v;
    return true;
}

} // namespace

bool parseVirtioMmioSpec(const char* value, VirtioMmioSpec* out) {
    const char* p = value;
    uint64_t size, base, irq;
    if (!number(&p, &size)) {
        return false;
    }
    if (*p == 'K' || *p == 'k') {
        size <<= 10;
        ++p;
    } else if (*p == 'M' || *p == 'm') {
        size <<= 20;
        ++p;
    }
    if (*p++ != '@' || !number(&p, &base) || *p++ != ':' || !number(&p, &irq)) {
        return false;
    }
    // Linux allows a platform device id after a further colon; nothing else may follow.
    if (*p == ':') {
        uint64_t id;
        ++p;
        if (!number(&p, &id)) {
            return false;
        }
    }
    if (*p != 0 || size == 0 || irq > 255 || base + size < base) {
        return false;
    }
    out->base = base;
    out->size = size;
    out->irq = static_cast<uint32_t>(irq);
    return true;
}

} // namespace uk::net
