/* Touches memory until the guest runs out. The blocks are chained through a global list so
   the compiler cannot drop the allocations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct block {
    struct block* next;
    char data[(1 << 20) - sizeof(struct block*)];
};

struct block* volatile blocks;

int main(void) {
    size_t mib = 0;
    for (;;) {
        struct block* b = malloc(sizeof *b);
        if (!b) {
            printf("malloc returned NULL after %zu MiB\n", mib);
            return 3;
        }
        memset(b->data, 1, sizeof b->data);
        b->next = blocks;
        blocks = b;
        mib++;
    }
}
