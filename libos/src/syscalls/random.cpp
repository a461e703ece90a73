// getrandom from the library OS's ChaCha20 generator (seeded at boot; see random/entropy).
#include "../mm/address_space.h"
#include "../random/entropy.h"
#include "syscall.h"

namespace uk::sys {

namespace {

constexpr uint64_t kGrndNonblock = 1, kGrndRandom = 2, kGrndInsecure = 4;

long sysGetrandom(void* buf, size_t count, Flags flags) {
    if (flags.value & ~(kGrndNonblock | kGrndRandom | kGrndInsecure)) {
        return -EINVAL;
    }
    if ((flags.value & kGrndRandom) && (flags.value & kGrndInsecure)) {
        return -EINVAL;
    }
    if (count > 0x1ffffff) {
        count = 0x1ffffff; // Linux returns at most 32 MiB - 1 per call
    }
    if (!mm::addressSpace().canWrite(reinterpret_cast<uint64_t>(buf), count)) {
        return -EFAULT;
    }
    random::rng().fill(buf, count);
    return static_cast<long>(count);
}

} // namespace

UK_SYSCALL_BEFORE_START(getrandom, sysGetrandom, Implemented, "");

} // namespace uk::sys
