#include <uk/loader/host.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include <uk/support/error.h>

namespace uk::loader {

bool kvmUsable(std::string* why) {
    int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        if (why != nullptr) {
            *why = std::string("/dev/kvm: ") + std::strerror(errno);
        }
        return false;
    }
    ::close(fd);
    return true;
}

Accel resolveAccel(Accel requested, const std::string& kvmBroken) {
    std::string why;
    switch (requested) {
    case Accel::Auto:
        return kvmBroken.empty() && kvmUsable() ? Accel::Kvm : Accel::Tcg;
    case Accel::Kvm:
        if (!kvmUsable(&why)) {
            throw Error("--accel kvm: KVM is not usable here (" + why +
                        "); use --accel tcg (or auto) to run under QEMU's emulator");
        }
        return Accel::Kvm;
    case Accel::Tcg:
        return Accel::Tcg;
    }
    return Accel::Tcg;
}

uint64_t realtimeNanoseconds() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

std::string randomSeedHex() {
    unsigned char bytes[32];
    int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throwErrno("cannot open /dev/urandom for the guest's random seed");
    }
    size_t got = 0;
    while (got < sizeof bytes) {
        ssize_t n = ::read(fd, bytes + got, sizeof bytes - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            ::close(fd);
            errno = e;
            throwErrno("cannot read /dev/urandom for the guest's random seed");
        }
        got += static_cast<size_t>(n);
    }
    ::close(fd);
    static const char kDigits[] = "0123456789abcdef";
    std::string hex;
    for (unsigned char b : bytes) {
        hex += kDigits[b >> 4];
        hex += kDigits[b & 15];
    }
    return hex;
}

} // namespace uk::loader
