#include <uk/arch/paging.h>

namespace uk::arch {

namespace {
constexpr uint64_t k4K = 1ull << 12;
constexpr uint64_t k2M = 1ull << 21;
constexpr uint64_t k1G = 1ull << 30;

constexpr unsigned indexAt(uint64_t va, int level) {
    return (va >> (12 + 9 * level)) & 511;
}
} // namespace

uint64_t PageTable::entryFor(uint64_t pa, uint32_t flags, bool large) {
    if (flags & kMapNoAccess) {
        return (pa & kAddrMask) | kParked;
    }
    uint64_t e = (pa & kAddrMask) | kPresent;
    if (flags & kMapWrite) {
        e |= kWritable;
    }
    if (!(flags & kMapExec)) {
        e |= kNoExecute;
    }
    if (flags & kMapUncached) {
        e |= kCacheDisable | kWriteThrough;
    }
    if (flags & kMapGlobal) {
        e |= kGlobal;
    }
    if (large) {
        e |= kLarge;
    }
    return e;
}

uint64_t* PageTable::walk(uint64_t va, int level, bool create) {
    uint64_t* t = table(root_);
    for (int l = 3; l > level; --l) {
        uint64_t& e = t[indexAt(va, l)];
        if (!(e & kPresent)) {
            if (!create) {
                return nullptr;
            }
            uint64_t frame = frames_.alloc(frames_.ctx);
            if (frame == 0) {
                return nullptr;
            }
            // Intermediate entries grant everything; the leaf decides.
            e = frame | kPresent | kWritable;
        } else if (e & kLarge) {
            return nullptr;
        }
        t = table(e & kAddrMask);
    }
    return &t[indexAt(va, level)];
}

bool PageTable::prepareTopLevel(uint64_t va) {
    return walk(va, 2, true) != nullptr;
}

void PageTable::copyTopLevel(const PageTable& from, unsigned first, unsigned last) {
    uint64_t* dst = table(root_);
    const uint64_t* src = from.table(from.root_);
    for (unsigned i = first; i <= last && i < 512; ++i) {
        dst[i] = src[i];
    }
}

namespace {
// Frees the table at `phys` (a table of `level`: 2 = PDPT, 1 = PD, 0 = PT) and those below.
void releaseTable(const PhysWindow& window, uint64_t phys, int level, void (*freeFrame)(uint64_t)) {
    if (level > 0) {
        auto* t = static_cast<uint64_t*>(window.at(phys));
        for (unsigned i = 0; i < 512; ++i) {
            uint64_t e = t[i];
            if ((e & PageTable::kPresent) && !(e & PageTable::kLarge)) {
                releaseTable(window, e & PageTable::kAddrMask, level - 1, freeFrame);
            }
        }
    }
    freeFrame(phys);
}
} // namespace

void PageTable::releaseTables(unsigned first, unsigned last, void (*freeFrame)(uint64_t phys)) {
    uint64_t* top = table(root_);
    for (unsigned i = first; i <= last && i < 512; ++i) {
        if (top[i] & kPresent) {
            releaseTable(window_, top[i] & kAddrMask, 2, freeFrame);
        }
        top[i] = 0;
    }
}

bool PageTable::map(uint64_t va, uint64_t pa, uint64_t size, uint32_t flags) {
    if ((va | pa | size) & (k4K - 1)) {
        return false;
    }
    while (size > 0) {
        int level = 0;
        uint64_t step = k4K;
        if (allow1G_ && ((va | pa) & (k1G - 1)) == 0 && size >= k1G) {
            level = 2;
            step = k1G;
        } else if (((va | pa) & (k2M - 1)) == 0 && size >= k2M) {
            level = 1;
            step = k2M;
        }
        uint64_t* e = walk(va, level, true);
        if (e == nullptr) {
            return false;
        }
        if ((*e & kPresent) && level > 0 && !(*e & kLarge)) {
            // A table already covers part of this large page: fall back to smaller pages.
            if (level == 2) {
                allow1G_ = false;
                bool ok = map(va, pa, step, flags);
                allow1G_ = true;
                if (!ok) {
                    return false;
                }
            } else {
                for (uint64_t off = 0; off < step; off += k4K) {
                    uint64_t* small = walk(va + off, 0, true);
                    if (small == nullptr) {
                        return false;
                    }
                    *small = entryFor(pa + off, flags, false);
                }
            }
        } else {
            *e = entryFor(pa, flags, level > 0);
        }
        va += step;
        pa += step;
        size -= step;
    }
    return true;
}

bool PageTable::unmap(uint64_t va, uint64_t* pa) {
    uint64_t* e = walk(va, 0, false);
    if (e == nullptr || !(*e & (kPresent | kParked))) {
        return false;
    }
    if (pa != nullptr) {
        *pa = *e & kAddrMask;
    }
    *e = 0;
    return true;
}

bool PageTable::protect(uint64_t va, uint32_t flags) {
    uint64_t* e = walk(va, 0, false);
    if (e == nullptr || !(*e & (kPresent | kParked))) {
        return false;
    }
    *e = entryFor(*e & kAddrMask, flags | (*e & kGlobal ? kMapGlobal : 0), false);
    return true;
}

bool PageTable::lookupPage(uint64_t va, uint64_t* pa, uint32_t* flags) const {
    va &= ~(k4K - 1);
    const uint64_t* t = table(root_);
    for (int l = 3; l >= 0; --l) {
        uint64_t e = t[indexAt(va, l)];
        bool parked = l == 0 && !(e & kPresent) && (e & kParked);
        if (!(e & kPresent) && !parked) {
            return false;
        }
        if (l == 0 || (e & kLarge)) {
            uint64_t size = 1ull << (12 + 9 * l);
            *pa = (e & kAddrMask & ~(size - 1)) + (va & (size - 1));
            uint32_t f = parked ? kMapNoAccess : kMapRead;
            if (e & kWritable) {
                f |= kMapWrite;
            }
            if (!(e & kNoExecute)) {
                f |= kMapExec;
            }
            if (e & kGlobal) {
                f |= kMapGlobal;
            }
            *flags = f;
            return true;
        }
        t = table(e & kAddrMask);
    }
    return false;
}

bool PageTable::query(uint64_t va, uint64_t* pa, uint32_t* flags, uint64_t* pageSize) const {
    const uint64_t* t = table(root_);
    for (int l = 3; l >= 0; --l) {
        uint64_t e = t[indexAt(va, l)];
        if (!(e & kPresent)) {
            return false;
        }
        bool leaf = l == 0 || (e & kLarge);
        if (leaf) {
            uint64_t size = 1ull << (12 + 9 * l);
            if (pa != nullptr) {
                *pa = (e & kAddrMask & ~(size - 1)) + (va & (size - 1));
            }
            if (flags != nullptr) {
                uint32_t f = kMapRead;
                if (e & kWritable) {
                    f |= kMapWrite;
                }
                if (!(e & kNoExecute)) {
                    f |= kMapExec;
                }
                if (e & kCacheDisable) {
                    f |= kMapUncached;
                }
                if (e & kGlobal) {
                    f |= kMapGlobal;
                }
                *flags = f;
            }
            if (pageSize != nullptr) {
                *pageSize = size;
            }
            return true;
        }
        t = table(e & kAddrMask);
    }
    return false;
}

} // namespace uk::arch
