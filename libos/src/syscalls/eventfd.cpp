// eventfd and eventfd2: vfs::EventFdFile (vfs/eventfd.h) behind a new descriptor.
#include "../vfs/eventfd.h"
#include "fs_user.h"

namespace uk::sys {

namespace {

using vfs::Ref;

long sysEventfd2(unsigned initval, Flags flags) {
    constexpr uint64_t kKnown = vfs::kEfdSemaphore | vfs::kEfdCloexec | vfs::kEfdNonblock;
    if (flags.value & ~kKnown) {
        return -EINVAL;
    }
    Ref<vfs::EventFdFile> f = vfs::EventFdFile::create(initval, static_cast<uint32_t>(flags.value));
    if (!f) {
        return -ENOMEM;
    }
    return fsContext().fds.install(Ref<vfs::File>(f.get()), flags.value & vfs::kEfdCloexec);
}

long sysEventfd(unsigned initval) {
    return sysEventfd2(initval, Flags{0});
}

} // namespace

UK_SYSCALL(eventfd, sysEventfd, Implemented, "");
UK_SYSCALL(eventfd2, sysEventfd2, Implemented, "");

} // namespace uk::sys
