#include "format.h"

#include <stdint.h>

namespace uk {

namespace {

class Out {
public:
    Out(char* buf, size_t cap) : buf_(buf), cap_(cap) {}
    void put(char c) {
        if (len_ + 1 < cap_) {
            buf_[len_] = c;
        }
        ++len_;
    }
    void repeat(char c, int n) {
        for (int i = 0; i < n; ++i) {
            put(c);
        }
    }
    size_t finish() {
        if (cap_ > 0) {
            buf_[len_ < cap_ ? len_ : cap_ - 1] = 0;
        }
        return len_;
    }

private:
    char* buf_;
    size_t cap_;
    size_t len_ = 0;
};

struct Spec {
    bool left = false, zero = false, alt = false, space = false, plus = false;
    int width = 0;
    int precision = -1;
};

void emitNumber(Out& out, const Spec& s, uint64_t v, bool negative, unsigned base, bool upper,
                const char* prefix) {
    char digits[24];
    int n = 0;
    const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    if (v == 0 && s.precision != 0) {
        digits[n++] = '0';
    }
    while (v != 0) {
        digits[n++] = set[v % base];
        v /= base;
    }
    int zeros = s.precision > n ? s.precision - n : 0;
    char sign = negative ? '-' : s.plus ? '+' : s.space ? ' ' : 0;
    int prefixLen = 0;
    while (prefix[prefixLen] != 0) {
        ++prefixLen;
    }
    int total = n + zeros + (sign ? 1 : 0) + prefixLen;
    int pad = s.width > total ? s.width - total : 0;
    if (!s.left && !(s.zero && s.precision < 0)) {
        out.repeat(' ', pad);
    }
    if (sign) {
        out.put(sign);
    }
    for (int i = 0; i < prefixLen; ++i) {
        out.put(prefix[i]);
    }
    if (!s.left && s.zero && s.precision < 0) {
        out.repeat('0', pad);
    }
    out.repeat('0', zeros);
    while (n > 0) {
        out.put(digits[--n]);
    }
    if (s.left) {
        out.repeat(' ', pad);
    }
}

} // namespace

size_t formatV(char* buf, size_t cap, const char* fmt, va_list ap) {
    Out out(buf, cap);
    for (const char* p = fmt; *p != 0; ++p) {
        if (*p != '%') {
            out.put(*p);
            continue;
        }
        ++p;
        Spec s;
        for (;; ++p) {
            if (*p == '-') {
                s.left = true;
            } else if (*p == '0') {
                s.zero = true;
            } else if (*p == '#') {
                s.alt = true;
            } else if (*p == ' ') {
                s.space = true;
            } else if (*p == '+') {
                s.plus = true;
            } else {
                break;
            }
        }
        if (*p == '*') {
            s.width = va_arg(ap, int);
            if (s.width < 0) {
                s.left = true;
                s.width = -s.width;
            }
            ++p;
        } else {
            while (*p >= '0' && *p <= '9') {
                s.width = s.width * 10 + (*p++ - '0');
            }
        }
        if (*p == '.') {
            ++p;
            s.precision = 0;
            if (*p == '*') {
                s.precision = va_arg(ap, int);
                ++p;
            } else {
                while (*p >= '0' && *p <= '9') {
                    s.precision = s.precision * 10 + (*p++ - '0');
                }
            }
        }
        int longness = 0; // 0 int, 1 long, 2 long long; 'z', 'j', 't' are 64-bit here
        for (;; ++p) {
            if (*p == 'l') {
                ++longness;
            } else if (*p == 'z' || *p == 'j' || *p == 't') {
                longness = 2;
            } else if (*p == 'h') {
                // promoted to int anyway
            } else {
                break;
            }
        }
        auto fetchSigned = [&]() -> int64_t {
            if (longness == 0) {
                return va_arg(ap, int);
            }
            return longness == 1 ? va_arg(ap, long) : va_arg(ap, long long);
        };
        auto fetchUnsigned = [&]() -> uint64_t {
            if (longness == 0) {
                return va_arg(ap, unsigned);
            }
            return longness == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned long long);
        };
        switch (*p) {
        case 'd':
        case 'i': {
            int64_t v = fetchSigned();
            uint64_t mag = v < 0 ? uint64_t(0) - uint64_t(v) : uint64_t(v);
            emitNumber(out, s, mag, v < 0, 10, false, "");
            break;
        }
        case 'u':
            emitNumber(out, s, fetchUnsigned(), false, 10, false, "");
            break;
        case 'x':
        case 'X': {
            uint64_t v = fetchUnsigned();
            const char* prefix = (s.alt && v != 0) ? (*p == 'x' ? "0x" : "0X") : "";
            emitNumber(out, s, v, false, 16, *p == 'X', prefix);
            break;
        }
        case 'o':
            emitNumber(out, s, fetchUnsigned(), false, 8, false, s.alt ? "0" : "");
            break;
        case 'p': {
            Spec ps = s;
            ps.precision = -1;
            emitNumber(out, ps, reinterpret_cast<uintptr_t>(va_arg(ap, void*)), false, 16, false,
                       "0x");
            break;
        }
        case 'c': {
            int pad = s.width > 1 ? s.width - 1 : 0;
            if (!s.left) {
                out.repeat(' ', pad);
            }
            out.put(static_cast<char>(va_arg(ap, int)));
            if (s.left) {
                out.repeat(' ', pad);
            }
            break;
        }
        case 's': {
            const char* str = va_arg(ap, const char*);
            if (str == nullptr) {
                str = "(null)";
            }
            int len = 0;
            while (str[len] != 0 && (s.precision < 0 || len < s.precision)) {
                ++len;
            }
            int pad = s.width > len ? s.width - len : 0;
            if (!s.left) {
                out.repeat(' ', pad);
            }
            for (int i = 0; i < len; ++i) {
                out.put(str[i]);
            }
            if (s.left) {
                out.repeat(' ', pad);
            }
            break;
        }
        case '%':
            out.put('%');
            break;
        case 0:
            --p; // a lone '%' at the end
            break;
        default:
            out.put('%');
            out.put(*p);
            break;
        }
    }
    return out.finish();
}

size_t format(char* buf, size_t cap, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t n = formatV(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

} // namespace uk
