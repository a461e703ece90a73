#include <uk/loader/host.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>

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

namespace {

// Closes a descriptor when it goes out of scope.
class FdCloser {
public:
    explicit FdCloser(int fd) : fd_(fd) {}
    FdCloser(const FdCloser&) = delete;
    FdCloser& operator=(const FdCloser&) = delete;
    ~FdCloser() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }

private:
    int fd_;
};

// Whether this process has CAP_NET_ADMIN in its effective set (bit 12 of CapEff), without
// linking libcap for one bit.
bool hasNetAdmin() {
    constexpr unsigned kCapNetAdmin = 12;
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("CapEff:", 0) == 0) {
            uint64_t caps = std::strtoull(line.c_str() + 7, nullptr, 16);
            return (caps >> kCapNetAdmin & 1) != 0;
        }
    }
    return ::geteuid() == 0;
}

} // namespace

void checkPublishedPorts(const std::vector<PublishedPort>& ports) {
    for (const PublishedPort& p : ports) {
        std::string where = "port " + std::to_string(p.hostPort) + "/" +
                            std::string(protocolName(p.protocol)) + " on " +
                            formatIpv4(p.hostAddress);
        auto fail = [&](const std::string& why) { return Error("-p " + p.spec + ": " + why); };
        bool tcp = p.protocol == PortProtocol::Tcp;
        int fd = ::socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw fail("cannot open a socket to check " + where + ": " + std::strerror(errno));
        }
        FdCloser closer(fd);
        // slirp sets SO_REUSEADDR on its TCP listeners, so a port that only lingers in
        // TIME_WAIT is free for it too; its UDP sockets bind without it.
        int on = 1;
        if (tcp && ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0) {
            throw fail("cannot check " + where + ": setsockopt: " + std::strerror(errno));
        }
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(p.hostPort);
        address.sin_addr.s_addr = htonl(p.hostAddress);
        if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
            continue;
        }
        int e = errno;
        switch (e) {
        case EADDRINUSE:
            throw fail(where + " is already in use");
        case EACCES:
        case EPERM:
            throw fail(where + " is not allowed to uk run (" + std::strerror(e) +
                       "): ports below 1024 need root or CAP_NET_BIND_SERVICE (or a lower "
                       "sysctl net.ipv4.ip_unprivileged_port_start)");
        case EADDRNOTAVAIL:
            throw fail(formatIpv4(p.hostAddress) + " is not an address of this host");
        default:
            throw fail("cannot bind " + where + ": " + std::strerror(e));
        }
    }
}

void checkTapUsable(const std::string& interface) {
    const std::string what = "--net tap:" + interface + ": ";
    const std::string makeOne = "ip tuntap add dev " + interface + " mode tap user $USER";
    int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT || e == ENODEV || e == ENXIO) {
            throw Error(what + "/dev/net/tun is missing (" + std::strerror(e) +
                        "): the host's tun driver is not loaded (modprobe tun)");
        }
        if (e == EACCES || e == EPERM) {
            throw Error(what + "cannot open /dev/net/tun read-write (" + std::strerror(e) +
                        "): a tap interface needs root or CAP_NET_ADMIN, or access to "
                        "/dev/net/tun and a tap made for you (as root: " +
                        makeOne + ")");
        }
        throw Error(what + "cannot open /dev/net/tun read-write: " + std::strerror(e));
    }
    FdCloser closer(fd);
    const std::filesystem::path sys = std::filesystem::path("/sys/class/net") / interface;
    std::error_code ec;
    if (!std::filesystem::exists(sys, ec)) {
        // QEMU creates a missing tap when it may; say so now when it may not.
        if (!hasNetAdmin()) {
            throw Error(what + "there is no interface " + interface +
                        ", and creating one needs root or CAP_NET_ADMIN (as root, once: " +
                        makeOne + ", then bridge it or give it an address)");
        }
        return;
    }
    if (!std::filesystem::exists(sys / "tun_flags", ec)) {
        throw Error(what + interface +
                    " is not a tap interface; name a tap (made with: ip tuntap add dev NAME "
                    "mode tap user $USER)");
    }
    // Attaching is what QEMU will do, and the kernel's checks are the ones that matter: an
    // attached tap is busy, another user's needs CAP_NET_ADMIN. Closing detaches again.
    ifreq request{};
    request.ifr_flags = IFF_TAP | IFF_NO_PI;
    std::strncpy(request.ifr_name, interface.c_str(), IFNAMSIZ - 1);
    if (::ioctl(fd, TUNSETIFF, &request) == 0) {
        return;
    }
    int e = errno;
    switch (e) {
    case EBUSY:
        throw Error(what + interface +
                    " is in use by another program (a tap serves one VM at a time)");
    case EPERM:
    case EACCES:
        throw Error(what + interface + " belongs to another user (" + std::strerror(e) +
                    "): using it needs root or CAP_NET_ADMIN, or a tap made for you (" + makeOne +
                    ")");
    case EINVAL:
        throw Error(what + interface +
                    " is a tun (layer 3) or multi-queue interface, not a plain tap; name a tap "
                    "(made with: ip tuntap add dev NAME mode tap user $USER)");
    default:
        throw Error(what + "cannot attach to " + interface + ": " + std::strerror(e));
    }
}

} // namespace uk::loader
