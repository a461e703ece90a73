/* Prints argv, selected environment variables and the working directory. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
    for (int i = 0; i < argc; ++i) {
        printf("argv[%d]=[%s]\n", i, argv[i]);
    }
    const char* names[] = {"PATH", "HOME", "GREETING", "EMPTY"};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; ++i) {
        const char* v = getenv(names[i]);
        printf("env %s=%s\n", names[i], v ? v : "(unset)");
    }
    char cwd[256];
    printf("cwd %s\n", getcwd(cwd, sizeof cwd) != NULL ? cwd : "(unknown)");
    return 0;
}
