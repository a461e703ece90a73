// The library OS's memory: physical frames, the kernel page table (shared by every address
// space), the kernel heap, guarded kernel stacks and device mappings.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <uk/arch/boot_info.h>
#include <uk/arch/paging.h>

#include "../mm/page_allocator.h"

namespace uk::memory {

// Linker-script symbols describing the image (see platforms/x86_64/uk.ld).
struct ImageLayout {
    uint64_t imagePhysStart, imagePhysEnd;
    uint64_t ktextStart, ktextEnd, krodataStart, kdataStart, kernelEnd;
    uint64_t appPhysStart, appStart, appTextEnd, appDataStart, appEnd;
    uint64_t appEntry; // the application's _start, 0 if the image has none
};
const ImageLayout& image();

// Sets up the frame allocator from the memory map, builds and loads the final page tables
// (direct map, kernel image with per-section rights, application image, device windows)
// and starts the kernel heap. Panics if memory is too small to boot.
void init(const arch::BootInfo& boot);

mm::PageAllocator& frames();
arch::PageTable& kernelPageTable();

// Page tables for a new address space: its own lower half, the library OS's half shared
// with every other. rootPhys() is 0 when memory is exhausted.
arch::PageTable newAddressSpaceTable();
// Frees an address space's lower-half table pages and its root (the boot tables' root
// stays). Its mappings must be gone already.
void releaseAddressSpaceTable(arch::PageTable& pt);

// A zeroed 4 KiB frame's physical address, or 0 when memory is exhausted.
uint64_t allocZeroedFrame();

// Maps device registers (uncached) and returns their virtual address.
uint64_t mapDevice(uint64_t phys, uint64_t size);
// Maps firmware memory (ACPI tables) read-only and returns where; nullptr on failure. Pages
// already mapped by an earlier call are reused.
const void* mapFirmware(uint64_t phys, uint64_t size);

struct Stack {
    uint64_t bottom; // lowest usable address; the page below is an unmapped guard
    uint64_t top;
};
// A kernel stack of `size` bytes (rounded up to pages) with an unmapped guard page below.
bool allocKernelStack(uint64_t size, Stack* out);
// Is va inside the guard page of a kernel stack? (For reporting kernel stack overflows.)
bool isKernelStackGuard(uint64_t va);

// True if va is mapped (readable) in the current page tables.
bool isKernelReadable(uint64_t va);

uint64_t totalRamBytes();

// The kernel heap (operator new/delete in the library OS).
void* heapAlloc(size_t size);
bool heapFree(void* p);

} // namespace uk::memory
