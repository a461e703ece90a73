#include "fs_user.h"

#include "../mm/address_space.h"

namespace uk::sys {

bool userReadable(const void* p, size_t n) {
    return mm::addressSpace().canRead(reinterpret_cast<uint64_t>(p), n);
}

bool userWritable(void* p, size_t n) {
    return mm::addressSpace().canWrite(reinterpret_cast<uint64_t>(p), n);
}

long copyIn(void* dst, const void* user, size_t n) {
    if (!userReadable(user, n)) {
        return -EFAULT;
    }
    __builtin_memcpy(dst, user, n);
    return 0;
}

long copyOut(void* user, const void* src, size_t n) {
    if (!userWritable(user, n)) {
        return -EFAULT;
    }
    __builtin_memcpy(user, src, n);
    return 0;
}

long copyUserString(const char* user, char* dst, size_t cap, long tooLong) {
    if (user == nullptr) {
        return -EFAULT;
    }
    auto addr = reinterpret_cast<uint64_t>(user);
    size_t n = 0;
    while (n < cap) {
        // Check one page at a time: the string may end right before an unmapped page.
        uint64_t at = addr + n;
        uint64_t pageEnd = (at | (vfs::kPageSize - 1)) + 1;
        size_t chunk = pageEnd - at;
        if (chunk > cap - n) {
            chunk = cap - n;
        }
        if (!mm::addressSpace().canRead(at, chunk)) {
            return -EFAULT;
        }
        for (size_t i = 0; i < chunk; ++i) {
            char c = user[n];
            dst[n] = c;
            if (c == 0) {
                return static_cast<long>(n);
            }
            ++n;
        }
    }
    return tooLong;
}

long UserPath::copy(const char* user) {
    if (buf_ == nullptr) {
        buf_ = new (std::nothrow) char[vfs::kPathMax];
        if (buf_ == nullptr) {
            return -ENOMEM;
        }
    }
    long n = copyUserString(user, buf_, vfs::kPathMax, -ENAMETOOLONG);
    return n < 0 ? n : 0;
}

long UserIov::copy(const void* user, int count, bool write) {
    if (count < 0 || count > 1024) { // IOV_MAX
        return -EINVAL;
    }
    n_ = count;
    if (count == 0) {
        return 0;
    }
    if (!userReadable(user, sizeof(IoVec) * static_cast<size_t>(count))) {
        return -EFAULT;
    }
    v_ = new (std::nothrow) IoVec[count];
    if (v_ == nullptr) {
        return -ENOMEM;
    }
    __builtin_memcpy(v_, user, sizeof(IoVec) * static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
        if (static_cast<int64_t>(v_[i].len) < 0) {
            return -EINVAL;
        }
        // Linux caps the total at MAX_RW_COUNT by trimming, never failing.
        if (total_ + v_[i].len > vfs::kMaxIo) {
            v_[i].len = vfs::kMaxIo - total_;
        }
        total_ += v_[i].len;
        void* p = reinterpret_cast<void*>(v_[i].base);
        if (v_[i].len > 0 && !(write ? userWritable(p, v_[i].len) : userReadable(p, v_[i].len))) {
            return -EFAULT;
        }
    }
    return 0;
}

} // namespace uk::sys
