#include "env.h"

#include "../base/new.h"

namespace uk::vfs {

namespace {

constinit uint64_t g_pages = 0;

void* heapPage() {
    return new (std::nothrow) unsigned char[kPageSize];
}
void heapFree(void* p) {
    delete[] static_cast<unsigned char*>(p);
}
uint64_t noPhys(const void*) {
    return 0;
}
uint64_t zeroTime() {
    return 0;
}
void patternBytes(void* out, size_t size) {
    // Only until the library OS installs its generator; unit tests do not need randomness.
    auto* p = static_cast<unsigned char*>(out);
    for (size_t i = 0; i < size; ++i) {
        p[i] = static_cast<unsigned char>(i * 167 + 13);
    }
}

void noSignal() {}
void rootCaller(int32_t* pid, uint32_t* uid, uint32_t* gid) {
    *pid = 1;
    *uid = *gid = 0;
}
void hostMemory(uint64_t* total, uint64_t* free) {
    *total = 1u << 20; // 4 GiB, for unit tests
    *free = *total - g_pages;
}

constinit Environment g_env{heapPage, heapFree,   noPhys,   zeroTime,  patternBytes,
                            noSignal, hostMemory, zeroTime, rootCaller};
} // namespace

void setEnvironment(const Environment& env) {
    if (env.allocPage != nullptr) {
        g_env.allocPage = env.allocPage;
    }
    if (env.freePage != nullptr) {
        g_env.freePage = env.freePage;
    }
    if (env.pagePhys != nullptr) {
        g_env.pagePhys = env.pagePhys;
    }
    if (env.realtimeNs != nullptr) {
        g_env.realtimeNs = env.realtimeNs;
    }
    if (env.randomBytes != nullptr) {
        g_env.randomBytes = env.randomBytes;
    }
    if (env.brokenPipe != nullptr) {
        g_env.brokenPipe = env.brokenPipe;
    }
    if (env.memoryPages != nullptr) {
        g_env.memoryPages = env.memoryPages;
    }
    if (env.monotonicNs != nullptr) {
        g_env.monotonicNs = env.monotonicNs;
    }
    if (env.callerIds != nullptr) {
        g_env.callerIds = env.callerIds;
    }
}

void* allocPage() {
    void* p = g_env.allocPage();
    if (p != nullptr) {
        ++g_pages;
    }
    return p;
}

void* allocZeroedPage() {
    void* p = allocPage();
    if (p != nullptr) {
        __builtin_memset(p, 0, kPageSize);
    }
    return p;
}

void freePage(void* page) {
    if (page != nullptr) {
        --g_pages;
        g_env.freePage(page);
    }
}

uint64_t pagePhys(const void* page) {
    return g_env.pagePhys(page);
}

Timespec now() {
    uint64_t ns = g_env.realtimeNs();
    return Timespec{static_cast<int64_t>(ns / 1'000'000'000),
                    static_cast<int64_t>(ns % 1'000'000'000)};
}

void randomBytes(void* out, size_t size) {
    g_env.randomBytes(out, size);
}

void brokenPipe() {
    g_env.brokenPipe();
}

void memoryPages(uint64_t* total, uint64_t* free) {
    g_env.memoryPages(total, free);
}

uint64_t monotonicNs() {
    return g_env.monotonicNs();
}

void callerIds(int32_t* pid, uint32_t* uid, uint32_t* gid) {
    g_env.callerIds(pid, uid, gid);
}

uint64_t pagesInUse() {
    return g_pages;
}

} // namespace uk::vfs
