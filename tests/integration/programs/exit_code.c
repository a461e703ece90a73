/* Exits with the status given as argv[1], via return from main or exit(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
    int status = argc > 1 ? atoi(argv[1]) : 0;
    printf("exiting with %d\n", status);
    if (argc > 2 && strcmp(argv[2], "exit") == 0) {
        exit(status);
    }
    return status;
}
