// lwIP on the host for the unit tests: one lwip_init for the whole test binary (its pools
// and pcb lists are global; a second init under live pcbs would corrupt them).
#pragma once

#include <lwip/init.h>

inline void lwipInitOnce() {
    static const bool done = (lwip_init(), true);
    (void)done;
}
