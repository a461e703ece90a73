// One definition per system call.
//
// A handler is an ordinary C++ function whose parameter types say how each raw register
// is to be read (and how strace shows it). Registering it is one line:
//
//     static long sysWrite(Fd fd, InBuf<2> buf, size_t count) { ... }
//     UK_SYSCALL(write, sysWrite, Implemented, "");
//
// The macro defines a SyscallDesc, the global symbol uk_syscall_NAME, in a section of its
// own, uk_syscalls.NAME. The linker script gathers those sections without keeping them, so
// an image has only the descriptors (and through them the handlers and whatever they use)
// that its link asks for with -u / --undefined-glob: `uk build` asks for the calls the
// program can make, `uk pack` for all. The number also goes into uk_syscall_known, which
// every image keeps, so a call left out is told apart from one uk lacks. At boot the
// dispatch table is built from the descriptors; strace decodes arguments from them; and
// tools/gen_syscall_docs reads the UK_SYSCALL lines to write docs/syscalls.md. Nothing else
// lists system calls. Handlers returning void never return (exit, exit_group).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "errno.h"
#include "linux_syscalls.h"

namespace uk::sys {

enum class ArgKind : uint8_t {
    None,
    Int,    // signed decimal
    UInt,   // unsigned decimal
    Hex,    // flags, masks, addresses
    Ptr,    // a pointer not decoded further
    Fd,     // file descriptor
    Str,    // NUL-terminated string the kernel reads
    InBuf,  // bytes the kernel reads; length in argument `lenArg`
    OutBuf, // bytes the kernel writes; length is the return value
};

enum class Support : uint8_t {
    Implemented, // the Linux semantics, for every flag Linux accepts
    Partial,     // works for the common cases; `note` says what is missing
    NoOp,        // accepted and does nothing, which is honest here; `note` says why
};

struct ArgDesc {
    ArgKind kind;
    uint8_t lenArg;
};

struct SyscallDesc {
    uint16_t number;
    uint8_t argCount;
    Support support;
    bool noReturn;
    ArgKind result;
    // May run before the container's start (uk.gate): its effects stay inside the guest's
    // memory and process state, and its result is the same before the start as after it.
    // UK_SYSCALL_BEFORE_START sets it; see app/start_gate.h.
    bool beforeStart;
    const char* name;
    long (*invoke)(const uint64_t* args);
    const ArgDesc* args;
    const char* note;
};

// ---- argument types -------------------------------------------------------------------------

struct Fd {
    int value;
};
struct Flags {
    uint64_t value;
};
struct CStr {
    const char* ptr;
};
template <int LenArg>
struct InBuf {
    const void* ptr;
};
template <int LenArg>
struct OutBuf {
    void* ptr;
};
// Return type of calls that return addresses (brk, mmap): printed in hex.
struct Address {
    uint64_t value;
};

template <typename T>
struct ArgTraits;

#define UK_SYS_INT_TRAITS(T, KIND)                                                                 \
    template <>                                                                                    \
    struct ArgTraits<T> {                                                                          \
        static constexpr ArgDesc desc{ArgKind::KIND, 0};                                           \
        static T from(uint64_t v) { return static_cast<T>(v); }                                    \
        static long to(T v) { return static_cast<long>(v); }                                       \
    }
UK_SYS_INT_TRAITS(int, Int);
UK_SYS_INT_TRAITS(long, Int);
UK_SYS_INT_TRAITS(unsigned, UInt);
UK_SYS_INT_TRAITS(unsigned long, UInt);
#undef UK_SYS_INT_TRAITS

template <typename T>
struct ArgTraits<T*> {
    static constexpr ArgDesc desc{ArgKind::Ptr, 0};
    static T* from(uint64_t v) { return reinterpret_cast<T*>(v); }
};
template <>
struct ArgTraits<Fd> {
    static constexpr ArgDesc desc{ArgKind::Fd, 0};
    static Fd from(uint64_t v) { return Fd{static_cast<int>(v)}; }
};
template <>
struct ArgTraits<Flags> {
    static constexpr ArgDesc desc{ArgKind::Hex, 0};
    static Flags from(uint64_t v) { return Flags{v}; }
};
template <>
struct ArgTraits<CStr> {
    static constexpr ArgDesc desc{ArgKind::Str, 0};
    static CStr from(uint64_t v) { return CStr{reinterpret_cast<const char*>(v)}; }
};
template <int L>
struct ArgTraits<InBuf<L>> {
    static constexpr ArgDesc desc{ArgKind::InBuf, L};
    static InBuf<L> from(uint64_t v) { return InBuf<L>{reinterpret_cast<const void*>(v)}; }
};
template <int L>
struct ArgTraits<OutBuf<L>> {
    static constexpr ArgDesc desc{ArgKind::OutBuf, L};
    static OutBuf<L> from(uint64_t v) { return OutBuf<L>{reinterpret_cast<void*>(v)}; }
};
template <>
struct ArgTraits<Address> {
    static constexpr ArgDesc desc{ArgKind::Hex, 0};
    static long to(Address a) { return static_cast<long>(a.value); }
};

// ---- adapter from raw registers to a typed handler -----------------------------------------

template <typename T, T... I>
struct IntSeq {};
template <size_t N>
using MakeIndexSeq = __make_integer_seq<IntSeq, size_t, N>;

template <typename R>
struct ResultKind {
    static constexpr ArgKind kind = ArgTraits<R>::desc.kind;
};
template <>
struct ResultKind<void> {
    static constexpr ArgKind kind = ArgKind::None;
};

template <auto Fn>
struct Adapter;

template <typename R, typename... A, R (*Fn)(A...)>
struct Adapter<Fn> {
    static_assert(sizeof...(A) <= 6, "x86_64 system calls take at most six arguments");
    static constexpr uint8_t argCount = sizeof...(A);
    static constexpr ArgDesc args[sizeof...(A) + 1] = {ArgTraits<A>::desc..., ArgDesc{}};
    static constexpr bool noReturn = __is_same(R, void);

    template <size_t... I>
    static long call(const uint64_t* a, IntSeq<size_t, I...>) {
        if constexpr (__is_same(R, void)) {
            Fn(ArgTraits<A>::from(a[I])...);
            __builtin_unreachable();
        } else {
            return ArgTraits<R>::to(Fn(ArgTraits<A>::from(a[I])...));
        }
    }
    static long invoke(const uint64_t* a) { return call(a, MakeIndexSeq<sizeof...(A)>{}); }
    static constexpr ArgKind result = ResultKind<R>::kind;
};

} // namespace uk::sys

// Registers HANDLER as Linux system call NAME. SUPPORT is Implemented, Partial or NoOp;
// NOTE says what is missing (Partial) or why doing nothing is right (NoOp).
#define UK_SYSCALL(NAME, HANDLER, SUPPORT, NOTE)                                                   \
    UK_SYSCALL_DEFINE_(NAME, HANDLER, SUPPORT, NOTE, false)

// The same, for a call a program may make while it runs ahead of its start (uk.gate): one
// whose effects stay inside the guest's memory and process state (no file, console, network,
// clock or other process sees it) and whose result cannot depend on what the start brings.
#define UK_SYSCALL_BEFORE_START(NAME, HANDLER, SUPPORT, NOTE)                                      \
    UK_SYSCALL_DEFINE_(NAME, HANDLER, SUPPORT, NOTE, true)

#define UK_SYSCALL_DEFINE_(NAME, HANDLER, SUPPORT, NOTE, BEFORE_START)                             \
    extern "C" const ::uk::sys::SyscallDesc uk_syscall_##NAME;                                     \
    [[gnu::used, gnu::section("uk_syscalls." #NAME),                                               \
      gnu::aligned(8)]] constinit const ::uk::sys::SyscallDesc uk_syscall_##NAME{                  \
        ::uk::sys::nr::NAME,                                                                       \
        ::uk::sys::Adapter<&HANDLER>::argCount,                                                    \
        ::uk::sys::Support::SUPPORT,                                                               \
        ::uk::sys::Adapter<&HANDLER>::noReturn,                                                    \
        ::uk::sys::Adapter<&HANDLER>::result,                                                      \
        BEFORE_START,                                                                              \
        #NAME,                                                                                     \
        &::uk::sys::Adapter<&HANDLER>::invoke,                                                     \
        ::uk::sys::Adapter<&HANDLER>::args,                                                        \
        NOTE};                                                                                     \
    [[gnu::used,                                                                                   \
      gnu::section("uk_syscall_known")]] static constexpr uint16_t ukSyscallKnown_##NAME =         \
        ::uk::sys::nr::NAME
