/* Prints argv and selected environment variables. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
    for (int i = 0; i < argc; ++i) {
        printf("argv[%d]=[%s]\n", i, argv[i]);
    }
    const char* names[] = {"PATH", "HOME", "GREETING", "EMPTY"};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; ++i) {
        const char* v = getenv(names[i]);
        printf("env %s=%s\n", names[i], v ? v : "(unset)");
    }
    return 0;
}
