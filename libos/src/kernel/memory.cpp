#include "memory.h"

#include <uk/arch/apic.h>
#include <uk/arch/cpu.h>
#include <uk/arch/cpu_setup.h>

#include "../mm/kernel_heap.h"
#include "log.h"

extern "C" {
// Kernel-half symbols are in reach of RIP-relative addressing...
extern char __uk_ktext_start[], __uk_ktext_end[], __uk_krodata_start[], __uk_kdata_start[];
extern char __uk_kernel_end[];
// ...the others come through 64-bit words (image_symbols.S).
extern const uint64_t uk_image_symbols[8];
}

namespace uk::memory {

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t k4G = 1ull << 32;

ImageLayout g_image;
mm::PageAllocator g_frames;
arch::PageTable g_kernelPt{0, arch::PhysWindow{arch::kDirectMapBase}, {}, false};
mm::KernelHeap g_heap;
uint64_t g_totalRam = 0;
uint64_t g_nextStack = arch::kKernelStackBase;
uint64_t g_nextMmio = arch::kMmioBase;

uint64_t sym(const char* s) {
    return reinterpret_cast<uint64_t>(s);
}
uint64_t alignUp(uint64_t v, uint64_t a) {
    return (v + a - 1) & ~(a - 1);
}
uint64_t alignDown(uint64_t v, uint64_t a) {
    return v & ~(a - 1);
}

uint64_t frameForPageTable(void*) {
    return allocZeroedFrame();
}

void* heapPages(void*, size_t count) {
    uint64_t phys = g_frames.alloc(count);
    if (phys == mm::PageAllocator::kNoFrame) {
        return nullptr;
    }
    return arch::physToVirt(phys);
}

void returnHeapPages(void*, void* pages, size_t count) {
    if (!g_frames.free(arch::virtToPhysDirect(pages), count)) {
        log::panic("kernel heap returned pages it did not own (%p)", pages);
    }
}

void mapOrPanic(uint64_t va, uint64_t pa, uint64_t size, uint32_t flags, const char* what) {
    if (size == 0) {
        return;
    }
    if (!g_kernelPt.map(va, pa, size, flags)) {
        log::panic("out of memory while mapping %s (%lu KiB)", what, size / 1024);
    }
}

// Hands RAM to the frame allocator, all of it or only what lies below `limit`.
void addRam(const arch::BootInfo& boot, uint64_t from, uint64_t limit) {
    for (size_t i = 0; i < boot.ramCount; ++i) {
        uint64_t base = boot.ram[i].base;
        uint64_t end = base + boot.ram[i].size;
        if (base < from) {
            base = from;
        }
        if (end > limit) {
            end = limit;
        }
        if (base < end) {
            g_frames.addFree(base, end - base);
        }
    }
}

void reserveBootData(const arch::BootInfo& boot, uint64_t bitmapPhys, uint64_t bitmapBytes) {
    g_frames.reserve(0, kPage); // frame 0: 0 means "no frame" to the page-table code
    g_frames.reserve(g_image.imagePhysStart, g_image.imagePhysEnd - g_image.imagePhysStart);
    g_frames.reserve(bitmapPhys, bitmapBytes);
    for (size_t i = 0; i < boot.moduleCount; ++i) {
        g_frames.reserve(boot.modules[i].base, boot.modules[i].size);
    }
}

} // namespace

const ImageLayout& image() {
    return g_image;
}
mm::PageAllocator& frames() {
    return g_frames;
}
arch::PageTable& kernelPageTable() {
    return g_kernelPt;
}
uint64_t totalRamBytes() {
    return g_totalRam;
}

uint64_t allocZeroedFrame() {
    uint64_t phys = g_frames.alloc();
    if (phys == mm::PageAllocator::kNoFrame) {
        return 0;
    }
    auto* p = static_cast<uint64_t*>(arch::physToVirt(phys));
    for (size_t i = 0; i < kPage / 8; ++i) {
        p[i] = 0;
    }
    return phys;
}

void init(const arch::BootInfo& boot) {
    const uint64_t* s = uk_image_symbols;
    g_image = ImageLayout{s[0],
                          s[1],
                          sym(__uk_ktext_start),
                          sym(__uk_ktext_end),
                          sym(__uk_krodata_start),
                          sym(__uk_kdata_start),
                          sym(__uk_kernel_end),
                          s[2],
                          s[3],
                          s[4],
                          s[5],
                          s[6],
                          s[7]};

    uint64_t maxPhys = 0;
    for (size_t i = 0; i < boot.ramCount; ++i) {
        g_totalRam += boot.ram[i].size;
        uint64_t end = boot.ram[i].base + boot.ram[i].size;
        if (end > maxPhys) {
            maxPhys = end;
        }
    }
    if (boot.ramCount == 0) {
        log::panic("the monitor passed no RAM in the PVH memory map");
    }
    uint64_t frameCount = maxPhys / kPage;
    uint64_t bitmapBytes = alignUp(mm::PageAllocator::bitmapBytes(frameCount), kPage);

    // The bitmap goes in the first RAM after the image that can hold it (below 4 GiB, where
    // the boot page tables reach).
    uint64_t bitmapPhys = 0;
    for (size_t i = 0; i < boot.ramCount && bitmapPhys == 0; ++i) {
        uint64_t base = alignUp(boot.ram[i].base, kPage);
        uint64_t end = alignDown(boot.ram[i].base + boot.ram[i].size, kPage);
        if (base < g_image.imagePhysEnd && end > g_image.imagePhysStart) {
            base = alignUp(g_image.imagePhysEnd, kPage);
        }
        for (size_t m = 0; m < boot.moduleCount; ++m) {
            uint64_t ms = boot.modules[m].base, me = ms + boot.modules[m].size;
            if (base < me && base + bitmapBytes > ms) {
                base = alignUp(me, kPage);
            }
        }
        if (base >= kPage && base + bitmapBytes <= end && base + bitmapBytes <= k4G) {
            bitmapPhys = base;
        }
    }
    if (bitmapPhys == 0) {
        log::panic("no room for the page allocator's bitmap (%lu bytes)", bitmapBytes);
    }
    g_frames.init(static_cast<uint64_t*>(arch::physToVirt(bitmapPhys)), frameCount);

    // Only RAM below 4 GiB until the final page tables (with a full direct map) are live.
    addRam(boot, 0, k4G);
    reserveBootData(boot, bitmapPhys, bitmapBytes);

    uint64_t root = allocZeroedFrame();
    if (root == 0) {
        log::panic("out of memory before the page tables were built");
    }
    g_kernelPt =
        arch::PageTable(root, arch::PhysWindow{arch::kDirectMapBase},
                        arch::FrameSource{frameForPageTable, nullptr}, arch::cpuFeatures().pdpe1gb);

    // Direct map of all RAM (read/write, never executable).
    for (size_t i = 0; i < boot.ramCount; ++i) {
        uint64_t base = alignDown(boot.ram[i].base, kPage);
        uint64_t end = alignUp(boot.ram[i].base + boot.ram[i].size, kPage);
        mapOrPanic(arch::kDirectMapBase + base, base, end - base,
                   arch::kMapWrite | arch::kMapGlobal, "the direct map");
    }

    // The library OS image: text read/execute, rodata read-only, data and bss read/write.
    auto kphys = [](uint64_t va) { return va - arch::kKernelBase; };
    mapOrPanic(g_image.ktextStart, kphys(g_image.ktextStart),
               alignUp(g_image.ktextEnd, kPage) - g_image.ktextStart,
               arch::kMapExec | arch::kMapGlobal, "library OS text");
    mapOrPanic(g_image.krodataStart, kphys(g_image.krodataStart),
               g_image.kdataStart - g_image.krodataStart, arch::kMapGlobal, "library OS rodata");
    mapOrPanic(g_image.kdataStart, kphys(g_image.kdataStart),
               g_image.kernelEnd - g_image.kdataStart, arch::kMapWrite | arch::kMapGlobal,
               "library OS data");

    // The application image, at its link address.
    auto aphys = [](uint64_t va) { return g_image.appPhysStart + (va - g_image.appStart); };
    uint64_t appTextEnd = alignUp(g_image.appTextEnd, kPage);
    mapOrPanic(g_image.appStart, aphys(g_image.appStart), appTextEnd - g_image.appStart,
               arch::kMapExec, "application text");
    mapOrPanic(appTextEnd, aphys(appTextEnd), g_image.appDataStart - appTextEnd, arch::kMapRead,
               "application rodata");
    mapOrPanic(g_image.appDataStart, aphys(g_image.appDataStart),
               g_image.appEnd - g_image.appDataStart, arch::kMapWrite, "application data");

    // Every top-level slot of the library OS's half exists from now on, so address spaces
    // created later (which copy those slots) see kernel stacks and device windows mapped
    // after their creation.
    const uint64_t laterSlots[] = {arch::kKernelStackBase, arch::kMmioBase};
    for (uint64_t va : laterSlots) {
        if (!g_kernelPt.prepareTopLevel(va)) {
            log::panic("out of memory building the page tables");
        }
    }

    arch::writeCr3(root);

    // Now the direct map covers everything: hand over RAM above 4 GiB too.
    addRam(boot, k4G, ~0ull);

    g_heap.init(mm::PageSource{heapPages, returnHeapPages, nullptr});
    log::info("memory: %lu KiB RAM, %lu KiB free after the image (%lu KiB)", g_totalRam / 1024,
              g_frames.freeFrames() * 4, (g_image.imagePhysEnd - g_image.imagePhysStart) / 1024);
}

arch::PageTable newAddressSpaceTable() {
    uint64_t root = allocZeroedFrame();
    arch::PageTable pt(root, arch::PhysWindow{arch::kDirectMapBase},
                       arch::FrameSource{frameForPageTable, nullptr}, false);
    if (root != 0) {
        pt.copyTopLevel(g_kernelPt, 256, 511);
    }
    return pt;
}

void releaseAddressSpaceTable(arch::PageTable& pt) {
    if (pt.rootPhys() == 0) {
        return;
    }
    pt.releaseTables(0, 255, [](uint64_t phys) { g_frames.free(phys); });
    if (pt.rootPhys() != g_kernelPt.rootPhys()) {
        g_frames.free(pt.rootPhys());
    }
}

uint64_t mapDevice(uint64_t phys, uint64_t size) {
    uint64_t base = alignDown(phys, kPage);
    uint64_t len = alignUp(phys + size, kPage) - base;
    uint64_t va = g_nextMmio;
    mapOrPanic(va, base, len, arch::kMapWrite | arch::kMapUncached | arch::kMapGlobal,
               "device registers");
    g_nextMmio += len + kPage;
    return va + (phys - base);
}

const void* mapFirmware(uint64_t phys, uint64_t size) {
    // Firmware tables are few and small; a window per call range, reusing pages already
    // mapped in the direct map when the range is RAM.
    uint64_t base = alignDown(phys, kPage);
    uint64_t len = alignUp(phys + size, kPage) - base;
    uint64_t pa;
    bool direct = true;
    for (uint64_t off = 0; off < len && direct; off += kPage) {
        direct = g_kernelPt.query(arch::kDirectMapBase + base + off, &pa, nullptr);
    }
    if (direct) {
        return arch::physToVirt(phys);
    }
    uint64_t va = g_nextMmio;
    if (!g_kernelPt.map(va, base, len, arch::kMapGlobal)) {
        return nullptr;
    }
    g_nextMmio += len + kPage;
    return reinterpret_cast<const void*>(va + (phys - base));
}

bool allocKernelStack(uint64_t size, Stack* out) {
    size = alignUp(size, kPage);
    uint64_t guard = g_nextStack;
    uint64_t bottom = guard + kPage;
    for (uint64_t off = 0; off < size; off += kPage) {
        uint64_t frame = allocZeroedFrame();
        if (frame == 0 ||
            !g_kernelPt.map(bottom + off, frame, kPage, arch::kMapWrite | arch::kMapGlobal)) {
            return false;
        }
    }
    g_nextStack = bottom + size;
    out->bottom = bottom;
    out->top = bottom + size;
    return true;
}

bool isKernelStackGuard(uint64_t va) {
    if (va < arch::kKernelStackBase || va >= g_nextStack) {
        return false;
    }
    uint64_t pa;
    return !g_kernelPt.query(va, &pa, nullptr);
}

bool isKernelReadable(uint64_t va) {
    if (g_kernelPt.rootPhys() == 0) {
        return true; // still on the boot tables, which map everything we could touch
    }
    uint64_t pa;
    return g_kernelPt.query(va, &pa, nullptr);
}

void* heapAlloc(size_t size) {
    return g_heap.alloc(size);
}
bool heapFree(void* p) {
    return g_heap.free(p);
}

} // namespace uk::memory
