#include <uk/arch/cpu.h>
#include <uk/arch/devices.h>
#include <uk/image_format.h>

namespace uk::arch {

void controlWrite(const char* text) {
    for (const char* p = text; *p != 0; ++p) {
        outb(image::kControlPort, static_cast<uint8_t>(*p));
    }
}

namespace {

[[noreturn]] void powerOff(uint32_t debugExitValue) {
    // QEMU isa-debug-exit (uk run always adds it).
    outl(image::kDebugExitPort, debugExitValue);
    // Other monitors: the i8042 reset line (Firecracker stops the VM on it) ...
    outb(0x64, 0xfe);
    // ... and finally a triple fault, which ends a VM run with -no-reboot.
    struct [[gnu::packed]] {
        uint16_t limit;
        uint64_t base;
    } empty{0, 0};
    asm volatile("lidt %0; int3" : : "m"(empty));
    haltForever();
}

} // namespace

void exitVm(int status) {
    char record[16];
    // "exit N\n" without a formatting library.
    const char* prefix = image::kControlExitRecord;
    size_t n = 0;
    while (prefix[n] != 0) {
        record[n] = prefix[n];
        ++n;
    }
    unsigned v = static_cast<unsigned>(status) & 0xff;
    char digits[4];
    int d = 0;
    do {
        digits[d++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (d > 0) {
        record[n++] = digits[--d];
    }
    record[n++] = '\n';
    record[n] = 0;
    serial::flush();
    controlWrite(record);
    powerOff(static_cast<uint32_t>(status) & 0xff);
}

void panicVm() {
    serial::flush();
    controlWrite(image::kControlPanicRecord);
    controlWrite("\n");
    powerOff(125);
}

} // namespace uk::arch
