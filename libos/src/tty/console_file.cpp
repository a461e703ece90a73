// The console as a character device: /dev/console, /dev/tty and ttyS0 open it, and the
// descriptors 0, 1 and 2 of the application are one open description of /dev/console.
// Reads block on the input queue (lossless, with uk run's end-of-file framing, see
// console.cpp); writes go to the serial line unchanged; the terminal requests a program
// asks of a tty are answered as a raw serial line would.
#include "../mm/address_space.h"
#include "../vfs/devices.h"
#include "console.h"

namespace uk::tty {

namespace {

constexpr unsigned long kTcgets = 0x5401, kTcsets = 0x5402, kTcsetsw = 0x5403, kTcsetsf = 0x5404,
                        kTcflsh = 0x540b, kTiocgpgrp = 0x540f, kTiocspgrp = 0x5410,
                        kTiocoutq = 0x5411, kTiocgwinsz = 0x5413, kTiocswinsz = 0x5414,
                        kTiocsctty = 0x540e, kTiocnotty = 0x5422, kTiocgsid = 0x5429,
                        kTcxonc = 0x540a, kTcsbrk = 0x5409;

struct KernelTermios {
    uint32_t iflag, oflag, cflag, lflag;
    uint8_t line;
    uint8_t cc[19];
};
struct Winsize {
    uint16_t rows, cols, xpixel, ypixel;
};

class ConsoleFile : public vfs::File {
public:
    using File::File;

    long read(void* buf, size_t size) override {
        if (size > vfs::kMaxIo) {
            size = vfs::kMaxIo;
        }
        return tty::read(static_cast<char*>(buf), size, nonBlocking());
    }
    long write(const void* buf, size_t size) override {
        if (size > vfs::kMaxIo) {
            size = vfs::kMaxIo;
        }
        tty::write(static_cast<const char*>(buf), size);
        return static_cast<long>(size);
    }
    bool isTerminal() const override { return true; }
    long available() const override { return static_cast<long>(buffered()); }
    uint32_t poll() const override {
        uint32_t r = vfs::kPollOut | vfs::kPollWrNorm;
        if (buffered() > 0 || atEof()) {
            r |= vfs::kPollIn | vfs::kPollRdNorm;
        }
        return r;
    }
    sched::WaitQueue* pollQueue() override { return &inputQueue(); }
    void describe(vfs::Text* out) const override { out->append("/dev/console"); }
    long ioctl(unsigned long request, uint64_t arg) override;
};

long ConsoleFile::ioctl(unsigned long request, uint64_t arg) {
    auto& as = mm::addressSpace();
    switch (request) {
    case kTcgets: {
        if (!as.canWrite(arg, sizeof(KernelTermios))) {
            return -EFAULT;
        }
        // A raw serial line: no echo, no line editing (the host terminal does that), output
        // passed through unchanged.
        KernelTermios t{};
        t.cflag = 0x8bd; // B115200 | CS8 | CREAD | CLOCAL
        t.cc[4] = 1;     // VMIN
        *reinterpret_cast<KernelTermios*>(arg) = t;
        return 0;
    }
    case kTcsets:
    case kTcsetsw:
    case kTcsetsf:
        // Accepted: the console has no line discipline to configure.
        return as.canRead(arg, sizeof(KernelTermios)) ? 0 : -EFAULT;
    case kTiocgwinsz: {
        if (!as.canWrite(arg, sizeof(Winsize))) {
            return -EFAULT;
        }
        *reinterpret_cast<Winsize*>(arg) = Winsize{24, 80, 0, 0};
        return 0;
    }
    case kTiocswinsz:
        return as.canRead(arg, sizeof(Winsize)) ? 0 : -EFAULT;
    case kTiocgpgrp:
    case kTiocgsid:
        if (!as.canWrite(arg, sizeof(int))) {
            return -EFAULT;
        }
        *reinterpret_cast<int*>(arg) = 1;
        return 0;
    case kTiocoutq:
        if (!as.canWrite(arg, sizeof(int))) {
            return -EFAULT;
        }
        *reinterpret_cast<int*>(arg) = 0; // output is polled out synchronously
        return 0;
    case kTiocspgrp:
    case kTiocsctty:
    case kTiocnotty:
    case kTcflsh:
    case kTcxonc:
    case kTcsbrk:
        return 0;
    default:
        return -ENOTTY;
    }
}

long openConsole(vfs::Node* node, uint32_t flags, vfs::Ref<vfs::File>* out) {
    vfs::Ref<vfs::File> f = vfs::make<ConsoleFile>(vfs::Ref<vfs::Node>(node), flags);
    if (!f) {
        return -ENOMEM;
    }
    *out = f;
    return 0;
}

} // namespace

void registerDevices() {
    vfs::registerDevice(vfs::kDevConsole, openConsole);
    vfs::registerDevice(vfs::kDevTty, openConsole);
    vfs::registerDevice(vfs::makeDev(4, 64), openConsole);
}

} // namespace uk::tty
