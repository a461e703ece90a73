/* Prints the host TSC frequency in kHz (TSC against CLOCK_MONOTONIC_RAW over 200 ms).
   bench/boot passes it to the Linux baseline as tsc_early_khz=, as uk run passes it to uk
   guests as uk.tsc_hz=: under TCG, Linux's own calibration sometimes fails and then hangs. */
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static unsigned long long ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC_RAW, &t);
    return (unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec;
}

int main(void) {
    unsigned long long n0 = ns(), t0 = __rdtsc();
    struct timespec d = {0, 200 * 1000 * 1000};
    nanosleep(&d, NULL);
    unsigned long long t1 = __rdtsc(), n1 = ns();
    printf("%llu\n", (t1 - t0) * 1000000ull / (n1 - n0));
    return 0;
}
