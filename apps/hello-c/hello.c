/* The smallest C unikernel: `uk build apps/hello-c/hello.c -o hello-c.img`. */
#include <stdio.h>

int main(void) {
    printf("Hello from uk!\n");
    return 0;
}
