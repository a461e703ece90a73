// A growable text buffer on the kernel heap: symlink targets, generated /proc files, paths.
// Allocation failures are sticky (failed()), so builders can append freely and check once.
#pragma once

#include <stdarg.h>
#include <stddef.h>

namespace uk::vfs {

class Text {
public:
    Text() = default;
    Text(const Text&) = delete;
    Text& operator=(const Text&) = delete;
    ~Text();

    bool append(const char* data, size_t size);
    bool append(const char* s) { return append(s, __builtin_strlen(s)); }
    bool put(char c) { return append(&c, 1); }
    bool appendf(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
    bool appendV(const char* fmt, va_list ap);
    // Inserts at the front (building paths from the leaf up).
    bool prepend(const char* data, size_t size);

    // Always NUL-terminated (an empty Text reads as "").
    const char* c_str() const { return buf_ != nullptr ? buf_ : ""; }
    const char* data() const { return c_str(); }
    size_t size() const { return len_; }
    bool empty() const { return len_ == 0; }
    bool failed() const { return failed_; }
    void clear() {
        len_ = 0;
        if (buf_ != nullptr) {
            buf_[0] = 0;
        }
    }

    // Hands the heap buffer (NUL-terminated, from new char[]) to the caller.
    char* release();

private:
    bool reserve(size_t total);

    char* buf_ = nullptr;
    size_t len_ = 0;
    size_t cap_ = 0;
    bool failed_ = false;
};

// A heap copy of [s, s + n) with a terminating NUL, or nullptr.
char* dupString(const char* s, size_t n);
inline char* dupString(const char* s) {
    return dupString(s, __builtin_strlen(s));
}

} // namespace uk::vfs
