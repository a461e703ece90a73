// Descriptors that are not files in any directory (epoll, eventfd, timerfd): Linux gives
// them all one inode of its internal anon_inodefs, mode 0600 without a file type, and
// /proc/self/fd shows them as "anon_inode:[kind]". So here: an AnonFile has that shared
// node (fstat, fchmod and friends work on it as on Linux) and describes itself by kind.
#pragma once

#include "file.h"

namespace uk::vfs {

inline constexpr uint64_t kAnonInodeMagic = 0x09041934;

// The shared anon_inode node (made on first use, kept for the whole run); null when memory
// is exhausted.
Ref<Node> anonNode();

class AnonFile : public File {
public:
    // `kind` is static text: "eventpoll", "eventfd", "timerfd".
    AnonFile(const char* kind, uint32_t flags);
    void describe(Text* out) const override;

private:
    const char* kind_;
};

} // namespace uk::vfs
