// strerror_r as glibc's libc++ calls it. With _GNU_SOURCE, glibc's strerror_r returns the
// message (char*); musl's is the POSIX one and returns an error number, which libc++ would
// read as a pointer (std::system_error::what() dereferenced 0). The two cannot share the
// name, so uk's copy of libc++.a calls this one instead (see CMakeLists.txt) and the
// application keeps musl's.
#define _POSIX_C_SOURCE 200809L
#include <string.h>

char* __ukrt_gnu_strerror_r(int error, char* buffer, size_t size);

char* __ukrt_gnu_strerror_r(int error, char* buffer, size_t size) {
    if (size == 0) {
        return strerror(error); // musl's messages are constant strings
    }
    // On ERANGE musl has still written as much of the message as fits, NUL-terminated.
    (void)strerror_r(error, buffer, size);
    return buffer;
}
