// Intrusive reference counting for the VFS's shared objects (nodes, open files, file
// systems). The library OS has no C++ library, so this stands in for shared_ptr: objects
// are made with `new (std::nothrow)` and deleted when their last Ref goes away.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../base/new.h"

namespace uk::vfs {

class RefCounted {
public:
    RefCounted() = default;
    RefCounted(const RefCounted&) = delete;
    RefCounted& operator=(const RefCounted&) = delete;

    void ref() { ++refs_; }
    void unref() {
        if (--refs_ == 0) {
            delete this;
        }
    }
    uint32_t refCount() const { return refs_; }

protected:
    virtual ~RefCounted() = default;

private:
    uint32_t refs_ = 0;
};

template <typename T>
class Ref {
public:
    constexpr Ref() = default;
    constexpr Ref(decltype(nullptr)) {}
    // Takes a new reference to p (objects start with a count of zero).
    explicit Ref(T* p) : p_(p) {
        if (p_ != nullptr) {
            p_->ref();
        }
    }
    Ref(const Ref& o) : Ref(o.p_) {}
    Ref(Ref&& o) : p_(o.p_) { o.p_ = nullptr; }
    template <typename U>
    Ref(const Ref<U>& o) : Ref(static_cast<T*>(o.get())) {}
    template <typename U>
    Ref(Ref<U>&& o) : p_(o.leak()) {}
    ~Ref() { reset(); }

    Ref& operator=(Ref o) {
        T* p = p_;
        p_ = o.p_;
        o.p_ = p;
        return *this;
    }

    void reset() {
        T* p = p_;
        p_ = nullptr;
        if (p != nullptr) {
            p->unref();
        }
    }
    T* get() const { return p_; }
    T* operator->() const { return p_; }
    T& operator*() const { return *p_; }
    explicit operator bool() const { return p_ != nullptr; }
    bool operator==(const Ref& o) const { return p_ == o.p_; }

    // Gives up the pointer without dropping its reference (for Ref<Base>(Ref<Derived>&&)).
    T* leak() {
        T* p = p_;
        p_ = nullptr;
        return p;
    }

private:
    T* p_ = nullptr;
};

// Ref<T>(new (std::nothrow) T(args...)): null when memory is exhausted.
template <typename T, typename... A>
Ref<T> make(A&&... args) {
    return Ref<T>(new (std::nothrow) T(static_cast<A&&>(args)...));
}

} // namespace uk::vfs
