#include "config.h"

#include <uk/hex_digit.h>
#include <uk/image_format.h>

#include "../base/format.h"
#include "../kernel/cmdline.h"
#include "../kernel/log.h"
#include "../vfs/file.h"
#include "../vfs/ops.h"
#include "../vfs/system.h"

namespace uk::net {

namespace {

constinit Config g_config;

// The value of `word` when it is "NAME=VALUE", else nullptr.
const char* optionValue(const char* word, const char* name) {
    size_t n = 0;
    while (name[n] != 0 && word[n] == name[n]) {
        ++n;
    }
    return name[n] == 0 && word[n] == '=' ? word + n + 1 : nullptr;
}

bool validHostname(const char* s) {
    size_t n = 0;
    for (; s[n] != 0; ++n) {
        char c = s[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return n > 0 && n < sizeof(Config::hostname);
}

bool sameWord(const char* a, const char* b) {
    while (*a != 0 && *a == *b) {
        ++a;
        ++b;
    }
    return *a == *b;
}

// "02:42:ac:11:00:02": six pairs of hex digits separated by ':'.
bool parseMac(const char* s, uint8_t* out) {
    for (int i = 0; i < 6; ++i) {
        int hi = hexDigitValue(s[0]);
        int lo = hi < 0 ? -1 : hexDigitValue(s[1]);
        if (lo < 0 || s[2] != (i == 5 ? 0 : ':')) {
            return false;
        }
        out[i] = static_cast<uint8_t>(hi * 16 + lo);
        s += 3;
    }
    return true;
}

long writeFile(vfs::Context& ctx, const char* path, const char* text, size_t len) {
    vfs::Ref<vfs::File> f;
    long r = vfs::openAt(ctx, vfs::kAtFdCwd, path, vfs::kOWronly | vfs::kOCreat | vfs::kOTrunc,
                         0644, &f);
    if (r < 0) {
        return r;
    }
    r = f->write(text, len);
    return r < 0 ? r : 0;
}

} // namespace

bool parseIpv4(const char* s, uint32_t* out) {
    uint32_t v = 0;
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (*s != '.') {
                return false;
            }
            ++s;
        }
        if (*s < '0' || *s > '9') {
            return false;
        }
        uint32_t x = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9') {
            x = x * 10 + static_cast<uint32_t>(*s++ - '0');
            if (++digits > 3 || x > 255) {
                return false;
            }
        }
        v = v << 8 | x;
    }
    if (*s != 0) {
        return false;
    }
    *out = v;
    return true;
}

bool parseIpv4Prefix(const char* text, uint32_t* ip, uint32_t* prefix) {
    char addr[16];
    size_t n = 0;
    while (text[n] != 0 && text[n] != '/') {
        if (n + 1 >= sizeof addr) {
            return false;
        }
        addr[n] = text[n];
        ++n;
    }
    addr[n] = 0;
    uint32_t p = 24;
    if (text[n] == '/') {
        const char* s = text + n + 1;
        p = 0;
        if (*s == 0) {
            return false;
        }
        for (; *s != 0; ++s) {
            if (*s < '0' || *s > '9' || (p = p * 10 + static_cast<uint32_t>(*s - '0')) > 32) {
                return false;
            }
        }
        if (p == 0) {
            return false;
        }
    }
    if (!parseIpv4(addr, ip) || *ip == 0) {
        return false;
    }
    *prefix = p;
    return true;
}

void formatIpv4(uint32_t ip, char* out) {
    format(out, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

Config parseConfig(const CommandLine& cmdline, void (*complain)(const char*)) {
    Config c;
    for (size_t i = 0; i < cmdline.optionCount(); ++i) {
        const char* o = cmdline.option(i);
        const char* v;
        bool ok = true;
        if ((v = optionValue(o, image::kOptIp)) != nullptr) {
            ok = parseIpv4Prefix(v, &c.ip, &c.prefix);
        } else if ((v = optionValue(o, image::kOptGateway)) != nullptr) {
            ok = parseIpv4(v, &c.gateway);
        } else if ((v = optionValue(o, image::kOptDns)) != nullptr) {
            uint32_t a;
            ok = parseIpv4(v, &a) && c.dnsCount < Config::kMaxDns;
            if (ok) {
                c.dns[c.dnsCount++] = a;
            }
        } else if ((v = optionValue(o, image::kOptMac)) != nullptr) {
            ok = parseMac(v, c.mac);
            c.haveMac = ok;
        } else if ((v = optionValue(o, image::kOptMtu)) != nullptr) {
            uint32_t mtu = 0;
            ok = *v != 0;
            for (const char* p = v; ok && *p != 0; ++p) {
                ok = *p >= '0' && *p <= '9' && mtu <= 65535;
                mtu = mtu * 10 + static_cast<uint32_t>(*p - '0');
            }
            ok = ok && mtu >= 68 && mtu <= 65535;
            if (ok) {
                c.mtu = mtu;
            }
        } else if (sameWord(o, image::kOptNoNetwork)) {
            c.noNetwork = true;
        } else if ((v = optionValue(o, image::kOptHostname)) != nullptr) {
            ok = validHostname(v);
            if (ok) {
                __builtin_memcpy(c.hostname, v, __builtin_strlen(v) + 1);
            }
        }
        if (!ok && complain != nullptr) {
            complain(o);
        }
    }
    for (size_t i = 0; i < cmdline.platformCount(); ++i) {
        const char* w = cmdline.platform(i);
        const char* v = optionValue(w, "virtio_mmio.device");
        if (v == nullptr) {
            continue;
        }
        if (c.mmioCount == Config::kMaxMmioDevices ||
            !parseVirtioMmioSpec(v, &c.mmio[c.mmioCount])) {
            if (complain != nullptr) {
                complain(w);
            }
            continue;
        }
        ++c.mmioCount;
    }
    return c;
}

void setBootConfig(const Config& config) {
    g_config = config;
}

const Config& bootConfig() {
    return g_config;
}

void applyStartOptions(const char* words) {
    static CommandLine start; // too big for a kernel stack
    start = CommandLine();
    if (!start.parse(words)) {
        log::notice("the start's words: %s", start.error());
    }
    Config late = parseConfig(start, [](const char* option) {
        log::notice("ignoring %s from the start: not a valid value", option);
    });
    if (late.ip == 0 && late.gateway == 0 && late.dnsCount == 0 && !late.haveMac && late.mtu == 0 &&
        !late.noNetwork) {
        return;
    }
    Config c = g_config;
    c.ip = late.ip;
    c.prefix = late.prefix;
    c.gateway = late.gateway;
    c.dnsCount = late.dnsCount;
    for (size_t i = 0; i < late.dnsCount; ++i) {
        c.dns[i] = late.dns[i];
    }
    c.haveMac = late.haveMac;
    __builtin_memcpy(c.mac, late.mac, sizeof c.mac);
    c.noNetwork = late.noNetwork;
    c.mtu = late.mtu;
    g_config = c;
    if (long r = writeResolverFiles(vfs::current(), c); r < 0) {
        log::notice("cannot write /etc/hosts and /etc/resolv.conf (error %ld)", -r);
    }
}

long writeResolverFiles(vfs::Context& ctx, const Config& config) {
    if (long r = vfs::mkdirAt(ctx, vfs::kAtFdCwd, "/etc", 0755); r < 0 && r != -EEXIST) {
        return r;
    }
    char text[512];
    size_t n = 0;
    if (config.dnsCount > 0) {
        for (size_t i = 0; i < config.dnsCount; ++i) {
            char a[16];
            formatIpv4(config.dns[i], a);
            n += format(text + n, sizeof text - n, "nameserver %s\n", a);
        }
        if (long r = writeFile(ctx, "/etc/resolv.conf", text, n); r < 0) {
            return r;
        }
    }
    n = format(text, sizeof text,
               "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
    if (config.hostname[0] != 0) {
        char a[16] = "127.0.1.1";
        if (config.ip != 0) {
            formatIpv4(config.ip, a);
        }
        n += format(text + n, sizeof text - n, "%s\t%s\n", a, config.hostname);
    }
    return writeFile(ctx, "/etc/hosts", text, n);
}

} // namespace uk::net
