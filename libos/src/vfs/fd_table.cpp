#include "fd_table.h"

namespace uk::vfs {

FdTable::~FdTable() {
    closeRange(0, cap_ - 1, false);
    delete[] slots_;
}

bool FdTable::grow(int needed) {
    if (needed <= cap_) {
        return true;
    }
    int cap = cap_ == 0 ? 64 : cap_;
    while (cap < needed) {
        cap *= 2;
    }
    if (cap > kLimit) {
        cap = kLimit;
    }
    Slot* s = new (std::nothrow) Slot[cap];
    if (s == nullptr) {
        return false;
    }
    for (int i = 0; i < cap; ++i) {
        s[i] = i < cap_ ? slots_[i] : Slot{nullptr, false};
    }
    delete[] slots_;
    slots_ = s;
    cap_ = cap;
    return true;
}

long FdTable::install(Ref<File> file, bool cloexec, int minFd) {
    if (minFd < 0 || minFd >= kLimit) {
        return -EINVAL;
    }
    int fd = minFd;
    while (fd < cap_ && slots_[fd].file != nullptr) {
        ++fd;
    }
    if (fd >= kLimit) {
        return -EMFILE;
    }
    if (!grow(fd + 1)) {
        return -ENOMEM;
    }
    slots_[fd] = Slot{file.leak(), cloexec};
    return fd;
}

long FdTable::installAt(int fd, Ref<File> file, bool cloexec) {
    if (fd < 0 || fd >= kLimit) {
        return -EBADF;
    }
    if (!grow(fd + 1)) {
        return -ENOMEM;
    }
    File* old = slots_[fd].file;
    slots_[fd] = Slot{file.leak(), cloexec};
    if (old != nullptr) {
        old->unref(); // errors of the implicit close are not reported, as on Linux
    }
    return fd;
}

long FdTable::copyFrom(const FdTable& other) {
    if (!grow(other.cap_)) {
        return -ENOMEM;
    }
    for (int i = 0; i < other.cap_; ++i) {
        if (other.slots_[i].file != nullptr) {
            other.slots_[i].file->ref();
            slots_[i] = other.slots_[i];
        }
    }
    return 0;
}

Ref<File> FdTable::get(int fd) const {
    return Ref<File>(peek(fd));
}

File* FdTable::peek(int fd) const {
    if (fd < 0 || fd >= cap_) {
        return nullptr;
    }
    return slots_[fd].file;
}

long FdTable::close(int fd) {
    File* f = peek(fd);
    if (f == nullptr) {
        return -EBADF;
    }
    slots_[fd] = Slot{nullptr, false};
    f->unref();
    return 0;
}

void FdTable::closeRange(int first, int last, bool cloexecOnly) {
    if (first < 0) {
        first = 0;
    }
    for (int fd = first; fd <= last && fd < cap_; ++fd) {
        if (slots_[fd].file == nullptr) {
            continue;
        }
        if (cloexecOnly) {
            slots_[fd].cloexec = true;
        } else {
            close(fd);
        }
    }
}

void FdTable::closeOnExec() {
    for (int fd = 0; fd < cap_; ++fd) {
        if (slots_[fd].file != nullptr && slots_[fd].cloexec) {
            close(fd);
        }
    }
}

bool FdTable::cloexec(int fd) const {
    return peek(fd) != nullptr && slots_[fd].cloexec;
}

long FdTable::setCloexec(int fd, bool on) {
    if (peek(fd) == nullptr) {
        return -EBADF;
    }
    slots_[fd].cloexec = on;
    return 0;
}

int FdTable::next(int from) const {
    for (int fd = from < 0 ? 0 : from; fd < cap_; ++fd) {
        if (slots_[fd].file != nullptr) {
            return fd;
        }
    }
    return -1;
}

int FdTable::count() const {
    int n = 0;
    for (int fd = 0; fd < cap_; ++fd) {
        n += slots_[fd].file != nullptr;
    }
    return n;
}

} // namespace uk::vfs
