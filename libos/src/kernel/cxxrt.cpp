// The C++ runtime pieces the library OS needs without a C++ library: operator new/delete on
// the kernel heap, and the pure-virtual trap.
#include "../base/new.h"
#include "log.h"
#include "memory.h"

namespace std {
const nothrow_t nothrow{};
}

void* operator new(size_t size, const std::nothrow_t&) noexcept {
    return uk::memory::heapAlloc(size);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
    return uk::memory::heapAlloc(size);
}

// Plain `new` exists only for completeness; kernel code uses the nothrow form.
void* operator new(size_t size) {
    void* p = uk::memory::heapAlloc(size);
    if (p == nullptr) {
        uk::log::panic("kernel heap exhausted (%lu bytes requested)", size);
    }
    return p;
}

void operator delete(void* p) noexcept {
    if (!uk::memory::heapFree(p)) {
        uk::log::panic("kernel heap: bad free of %p", p);
    }
}
void operator delete(void* p, size_t) noexcept {
    operator delete(p);
}
void operator delete[](void* p) noexcept {
    operator delete(p);
}
void operator delete[](void* p, size_t) noexcept {
    operator delete(p);
}

extern "C" void __cxa_pure_virtual() {
    uk::log::panic("pure virtual function called");
}
