// operator new for code that builds both freestanding (guest) and hosted (unit tests).
// The guest has no C++ library, so declare what <new> would; kernel code allocates with
// `new (std::nothrow)` and handles nullptr.
#pragma once

#if defined(UK_GUEST)
#include <stddef.h>

namespace std {
struct nothrow_t {
    explicit nothrow_t() = default;
};
extern const nothrow_t nothrow;
enum class align_val_t : size_t {};
} // namespace std

void* operator new(size_t size, const std::nothrow_t&) noexcept;
void* operator new[](size_t size, const std::nothrow_t&) noexcept;
inline void* operator new(size_t, void* where) noexcept {
    return where;
}
void operator delete(void* p) noexcept;
void operator delete(void* p, size_t) noexcept;
void operator delete[](void* p) noexcept;
void operator delete[](void* p, size_t) noexcept;
#else
#include <new>
#endif
