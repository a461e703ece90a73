/* Reads stdin to end of file, then reports the byte count and a checksum, and echoes the
   first line. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
    unsigned long total = 0, sum = 0;
    char first[128];
    size_t firstLen = 0;
    int sawNewline = 0;
    unsigned char buf[4096];
    ssize_t n;
    while ((n = read(0, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; ++i) {
            sum = (sum * 31 + buf[i]) % 1000000007;
            if (!sawNewline && firstLen + 1 < sizeof first) {
                if (buf[i] == '\n') {
                    sawNewline = 1;
                } else {
                    first[firstLen++] = (char)buf[i];
                }
            }
        }
        total += (unsigned long)n;
    }
    first[firstLen] = 0;
    printf("bytes=%lu checksum=%lu first=[%s] last_read=%zd\n", total, sum, first, n);
    return n < 0 ? 1 : 0;
}
