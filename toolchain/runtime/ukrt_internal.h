// Shared by the pieces of libukrt.a, uk's runtime for C++ images (see CMakeLists.txt).
#ifndef UKRT_INTERNAL_H
#define UKRT_INTERNAL_H

// Reports "*** message ***: terminated" on stderr, as glibc does for the same failures, and
// aborts.
_Noreturn void __ukrt_fatal(const char* message);

#endif
