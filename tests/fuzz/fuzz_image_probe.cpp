// libFuzzer: uk run's ELF/PVH image check on arbitrary files. It must either accept the file
// or throw uk::Error, never crash or read out of bounds.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include <uk/loader/image_probe.h>
#include <uk/support/error.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static int fd = memfd_create("uk-fuzz-image", 0);
    if (fd < 0 || ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) {
        return 0;
    }
    try {
        uk::loader::ImageProbe::probe("/proc/self/fd/" + std::to_string(fd));
    } catch (const uk::Error&) {
        // rejected with a message: fine
    }
    return 0;
}
