// What the VFS needs from the machine, supplied at boot (vfs/guest_env.cpp) or by unit
// tests: whole pages for file data, the wall clock, random bytes. The defaults work on the
// host (heap pages, time zero, a fixed byte pattern).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "types.h"

namespace uk::vfs {

struct Environment {
    // A 4 KiB page of file data (not zeroed), page aligned in the guest; nullptr when memory
    // is exhausted. `phys` gives its physical address (what a shared mapping maps).
    void* (*allocPage)() = nullptr;
    void (*freePage)(void* page) = nullptr;
    uint64_t (*pagePhys)(const void* page) = nullptr;
    // CLOCK_REALTIME in nanoseconds.
    uint64_t (*realtimeNs)() = nullptr;
    // Fills with random bytes (/dev/random, /dev/urandom).
    void (*randomBytes)(void* out, size_t size) = nullptr;
    // A write to a pipe without readers: SIGPIPE for the writer.
    void (*brokenPipe)() = nullptr;
    // Pages of memory in all and free (what an in-memory file system can grow into).
    void (*memoryPages)(uint64_t* total, uint64_t* free) = nullptr;
    // CLOCK_MONOTONIC in nanoseconds (socket timeouts, SO_RCVTIMEO / SO_SNDTIMEO).
    uint64_t (*monotonicNs)() = nullptr;
    // Who is calling: the process id and effective user and group ids (the credentials a
    // socket message written with write(2) carries).
    void (*callerIds)(int32_t* pid, uint32_t* uid, uint32_t* gid) = nullptr;
};

// Replaces the hooks that are set in `env` (null members keep the current ones).
void setEnvironment(const Environment& env);

void* allocPage();
void* allocZeroedPage();
void freePage(void* page);
uint64_t pagePhys(const void* page);
Timespec now();
void randomBytes(void* out, size_t size);
void brokenPipe();
void memoryPages(uint64_t* total, uint64_t* free);
uint64_t monotonicNs();
void callerIds(int32_t* pid, uint32_t* uid, uint32_t* gid);
// Pages of file data currently allocated (for /proc/meminfo's Shmem and statfs).
uint64_t pagesInUse();

} // namespace uk::vfs
