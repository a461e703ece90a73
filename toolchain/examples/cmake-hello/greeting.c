#include "greeting.h"

#include <stdio.h>

const char* greeting(const char* who) {
    static char buffer[128];
    snprintf(buffer, sizeof buffer, "Hello from uk, built with %s!", who);
    return buffer;
}
