#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ukrt_internal.h"

_Noreturn void __ukrt_fatal(const char* message) {
    // write(2) directly: async-signal-safe and independent of stdio's buffers and locks.
    static const char prefix[] = "*** ";
    static const char suffix[] = " ***: terminated\n";
    (void)!write(STDERR_FILENO, prefix, sizeof prefix - 1);
    (void)!write(STDERR_FILENO, message, strlen(message));
    (void)!write(STDERR_FILENO, suffix, sizeof suffix - 1);
    abort();
}
