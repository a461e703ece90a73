// sysinfo: the machine's real memory and uptime, and the number of threads as "processes".
#include "../kernel/memory.h"
#include "../sched/scheduler.h"
#include "../time/clock.h"
#include "../vfs/env.h"
#include "fs_user.h"

namespace uk::sys {

namespace {

struct Sysinfo {
    int64_t uptime;
    uint64_t loads[3];
    uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    uint16_t procs, pad;
    uint64_t totalhigh, freehigh;
    uint32_t memUnit;
    char reserved[4];
};
static_assert(sizeof(Sysinfo) == 112);

long sysSysinfo(void* buf) {
    Sysinfo s{};
    s.uptime = static_cast<int64_t>(clock::monotonicNs() / 1'000'000'000);
    s.totalram = memory::totalRamBytes();
    s.freeram = memory::frames().freeFrames() * vfs::kPageSize;
    s.sharedram = vfs::pagesInUse() * vfs::kPageSize; // file data, like tmpfs's shmem
    s.procs = static_cast<uint16_t>(sched::threadCount());
    s.memUnit = 1;
    return copyOut(buf, &s, sizeof s);
}

} // namespace

UK_SYSCALL(sysinfo, sysSysinfo, Implemented,
           "load averages are 0: the scheduler keeps none; procs counts threads");

} // namespace uk::sys
