#include "text.h"

#include "../base/format.h"
#include "../base/new.h"

namespace uk::vfs {

Text::~Text() {
    delete[] buf_;
}

bool Text::reserve(size_t total) {
    if (failed_) {
        return false;
    }
    if (total + 1 <= cap_) {
        return true;
    }
    size_t cap = cap_ < 64 ? 64 : cap_;
    while (cap < total + 1) {
        if (cap > (~size_t{0} >> 2)) {
            failed_ = true;
            return false;
        }
        cap *= 2;
    }
    char* p = new (std::nothrow) char[cap];
    if (p == nullptr) {
        failed_ = true;
        return false;
    }
    if (len_ > 0) {
        __builtin_memcpy(p, buf_, len_);
    }
    p[len_] = 0;
    delete[] buf_;
    buf_ = p;
    cap_ = cap;
    return true;
}

bool Text::append(const char* data, size_t size) {
    if (!reserve(len_ + size)) {
        return false;
    }
    if (size > 0) {
        __builtin_memcpy(buf_ + len_, data, size);
    }
    len_ += size;
    buf_[len_] = 0;
    return true;
}

bool Text::prepend(const char* data, size_t size) {
    if (!reserve(len_ + size)) {
        return false;
    }
    if (size > 0) {
        __builtin_memmove(buf_ + size, buf_, len_);
        __builtin_memcpy(buf_, data, size);
    }
    len_ += size;
    buf_[len_] = 0;
    return true;
}

bool Text::appendV(const char* fmt, va_list ap) {
    va_list copy;
    va_copy(copy, ap);
    char small[128];
    size_t n = formatV(small, sizeof small, fmt, copy);
    va_end(copy);
    if (n < sizeof small) {
        return append(small, n);
    }
    if (!reserve(len_ + n)) {
        return false;
    }
    formatV(buf_ + len_, n + 1, fmt, ap);
    len_ += n;
    return true;
}

bool Text::appendf(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    bool ok = appendV(fmt, ap);
    va_end(ap);
    return ok;
}

char* Text::release() {
    if (buf_ == nullptr && !failed_) {
        reserve(0);
    }
    char* p = buf_;
    buf_ = nullptr;
    len_ = cap_ = 0;
    return p;
}

char* dupString(const char* s, size_t n) {
    char* p = new (std::nothrow) char[n + 1];
    if (p != nullptr) {
        if (n > 0) {
            __builtin_memcpy(p, s, n);
        }
        p[n] = 0;
    }
    return p;
}

} // namespace uk::vfs
