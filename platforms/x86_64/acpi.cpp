#include <stddef.h>
#include <uk/arch/acpi.h>

namespace uk::arch::acpi {

namespace {

struct [[gnu::packed]] Rsdp {
    char signature[8]; // "RSD PTR "
    uint8_t checksum;
    char oem[6];
    uint8_t revision;
    uint32_t rsdt;
    uint32_t length; // revision >= 2
    uint64_t xsdt;
    uint8_t extendedChecksum;
    uint8_t reserved[3];
};

struct [[gnu::packed]] SdtHeader {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem[6];
    char oemTable[8];
    uint32_t oemRevision;
    uint32_t creator;
    uint32_t creatorRevision;
};

// Tables above 4 GiB or implausibly long are not trusted (the direct map covers RAM only,
// and firmware tables live in low memory on every monitor we run on).
constexpr uint64_t kMaxPhys = 1ull << 32;
constexpr uint32_t kMaxTable = 1u << 20;

bool checksumOk(const void* p, uint32_t n) {
    uint8_t sum = 0;
    for (uint32_t i = 0; i < n; ++i) {
        sum = static_cast<uint8_t>(sum + static_cast<const uint8_t*>(p)[i]);
    }
    return sum == 0;
}

const SdtHeader* table(uint64_t phys, MapFirmware map) {
    if (phys == 0 || phys >= kMaxPhys) {
        return nullptr;
    }
    const auto* h = static_cast<const SdtHeader*>(map(phys, sizeof(SdtHeader)));
    if (h == nullptr || h->length < sizeof(SdtHeader) || h->length > kMaxTable) {
        return nullptr;
    }
    h = static_cast<const SdtHeader*>(map(phys, h->length));
    if (h == nullptr || !checksumOk(h, h->length)) {
        return nullptr;
    }
    return h;
}

bool isSignature(const SdtHeader* h, const char* sig) {
    return h->signature[0] == sig[0] && h->signature[1] == sig[1] && h->signature[2] == sig[2] &&
           h->signature[3] == sig[3];
}

int countInMadt(const SdtHeader* madt) {
    const auto* p = reinterpret_cast<const uint8_t*>(madt) + sizeof(SdtHeader) + 8;
    const auto* end = reinterpret_cast<const uint8_t*>(madt) + madt->length;
    int cpus = 0;
    while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
        uint8_t type = p[0];
        if (type == 0 && p[1] >= 8) { // processor local APIC: flags at 4
            uint32_t flags = p[4] | (p[5] << 8) | (p[6] << 16) | (uint32_t{p[7]} << 24);
            cpus += (flags & 1) ? 1 : 0;
        } else if (type == 9 && p[1] >= 16) { // processor local x2APIC: flags at 8
            uint32_t flags = p[8] | (p[9] << 8) | (p[10] << 16) | (uint32_t{p[11]} << 24);
            cpus += (flags & 1) ? 1 : 0;
        }
        p += p[1];
    }
    return cpus;
}

} // namespace

int countCpus(uint64_t rsdpPhys, MapFirmware map) {
    if (rsdpPhys == 0 || rsdpPhys >= kMaxPhys) {
        return 1;
    }
    const auto* rsdp = static_cast<const Rsdp*>(map(rsdpPhys, sizeof(Rsdp)));
    if (rsdp == nullptr) {
        return 1;
    }
    const char* sig = "RSD PTR ";
    for (int i = 0; i < 8; ++i) {
        if (rsdp->signature[i] != sig[i]) {
            return 1;
        }
    }
    if (!checksumOk(rsdp, 20)) {
        return 1;
    }
    bool useXsdt = rsdp->revision >= 2 && rsdp->xsdt != 0 && checksumOk(rsdp, rsdp->length);
    const SdtHeader* root = table(useXsdt ? rsdp->xsdt : rsdp->rsdt, map);
    if (root == nullptr) {
        return 1;
    }
    size_t entrySize = useXsdt ? 8 : 4;
    size_t entries = (root->length - sizeof(SdtHeader)) / entrySize;
    const auto* base = reinterpret_cast<const uint8_t*>(root) + sizeof(SdtHeader);
    for (size_t i = 0; i < entries; ++i) {
        uint64_t phys = 0;
        for (size_t b = 0; b < entrySize; ++b) {
            phys |= uint64_t{base[i * entrySize + b]} << (8 * b);
        }
        const SdtHeader* h = table(phys, map);
        if (h != nullptr && isSignature(h, "APIC")) {
            int n = countInMadt(h);
            return n > 0 ? n : 1;
        }
    }
    return 1;
}

} // namespace uk::arch::acpi
