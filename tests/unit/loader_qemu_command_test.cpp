// The QEMU argv for each machine type and accelerator, and the kernel command line, checked
// against the guest's own parser (libos/src/kernel/cmdline.cpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <uk/loader/qemu_command.h>

#include "kernel/cmdline.h"

using uk::loader::Accel;
using uk::loader::MachineType;
using uk::loader::NetMode;
using uk::loader::parseRunOptions;
using uk::loader::QemuCommandBuilder;
using uk::loader::quoteKernelWord;
using uk::loader::RunOptions;

namespace {

using Argv = std::vector<std::string>;

// The value after `option`, or "" when absent.
std::string valueAfter(const Argv& argv, const std::string& option) {
    auto it = std::find(argv.begin(), argv.end(), option);
    return it == argv.end() || it + 1 == argv.end() ? "" : *(it + 1);
}

bool has(const Argv& argv, const std::string& word) {
    return std::find(argv.begin(), argv.end(), word) != argv.end();
}

// The words that follow `option`, for options given several times.
std::vector<std::string> valuesAfter(const Argv& argv, const std::string& option) {
    std::vector<std::string> values;
    for (size_t i = 0; i + 1 < argv.size(); ++i) {
        if (argv[i] == option) {
            values.push_back(argv[i + 1]);
        }
    }
    return values;
}

// Without a network unless a test asks for one: the other tests are about everything else.
RunOptions options(MachineType machine = MachineType::Microvm) {
    RunOptions o;
    o.image = "/images/app.img";
    o.machine = machine;
    o.net = NetMode::None;
    return o;
}

} // namespace

TEST_CASE("qemu argv: supervised microvm under TCG") {
    RunOptions o = options();
    o.memoryMiB = 512;
    o.cpus = 2;
    QemuCommandBuilder b(o, Accel::Tcg);
    b.supervised("/tmp/uk-run-x/control", 1234567890123, std::string(64, 'a'));
    Argv argv = b.argv("/usr/bin/qemu-system-x86_64");
    CHECK(argv.at(0) == "/usr/bin/qemu-system-x86_64");
    CHECK(valueAfter(argv, "-machine") ==
          "microvm,x-option-roms=off,pit=on,pic=off,rtc=off,isa-serial=on");
    CHECK(valueAfter(argv, "-accel") == "tcg");
    CHECK(valueAfter(argv, "-cpu") == "max");
    CHECK(valueAfter(argv, "-m") == "512M");
    CHECK(valueAfter(argv, "-smp") == "2");
    CHECK(valueAfter(argv, "-display") == "none");
    CHECK(has(argv, "-nodefaults"));
    CHECK(has(argv, "-no-reboot"));
    CHECK_FALSE(has(argv, "-nographic")); // it would turn on SeaBIOS's serial console
    CHECK(valueAfter(argv, "-serial") == "chardev:con");
    CHECK(valuesAfter(argv, "-chardev") ==
          std::vector<std::string>{"stdio,id=con,signal=off",
                                   "file,id=ukctl,path=/tmp/uk-run-x/control"});
    CHECK(valuesAfter(argv, "-device") ==
          std::vector<std::string>{"isa-debug-exit,iobase=0xf4,iosize=0x04",
                                   "isa-debugcon,iobase=0xe9,chardev=ukctl"});
    CHECK(valueAfter(argv, "-kernel") == "/images/app.img");
    CHECK(valueAfter(argv, "-append") ==
          "uk.stdin=escaped uk.time=1234567890123 uk.seed=" + std::string(64, 'a'));
}

TEST_CASE("qemu argv: KVM uses the host CPU") {
    QemuCommandBuilder b(options(), Accel::Kvm);
    Argv argv = b.argv("qemu-system-x86_64");
    CHECK(valueAfter(argv, "-accel") == "kvm");
    CHECK(valueAfter(argv, "-cpu") == "host");
}

TEST_CASE("qemu argv: a standalone command with auto lets QEMU choose") {
    Argv argv = QemuCommandBuilder(options(), Accel::Auto).argv("qemu-system-x86_64");
    CHECK(valuesAfter(argv, "-accel") == std::vector<std::string>{"kvm", "tcg"});
    CHECK(valueAfter(argv, "-cpu") == "max"); // valid for both
}

TEST_CASE("qemu argv: q35 and pc") {
    for (auto entry : {std::pair{MachineType::Q35, "q35"}, {MachineType::Pc, "pc"}}) {
        std::string name = entry.second;
        CAPTURE(name);
        QemuCommandBuilder b(options(entry.first), Accel::Tcg);
        b.supervised("/t/control", 1, "00");
        Argv argv = b.argv("qemu");
        CHECK(valueAfter(argv, "-machine") == name);
        CHECK(valueAfter(argv, "-display") == "none");
        CHECK_FALSE(has(argv, "-nographic"));
    }
}

TEST_CASE("qemu argv: standalone command for --print-cmd") {
    RunOptions o = options();
    o.verbose = true;
    o.args = {"a"};
    Argv argv = QemuCommandBuilder(o, Accel::Tcg).argv("qemu-system-x86_64");
    CHECK(valueAfter(argv, "-serial") == "stdio"); // the user's terminal, Ctrl-C works
    CHECK_FALSE(has(argv, "-chardev"));            // no control channel
    CHECK(valueAfter(argv, "-device") == "isa-debug-exit,iobase=0xf4,iosize=0x04");
    // No uk run plumbing on the guest command line; the RTC stands in for uk.time.
    CHECK(valueAfter(argv, "-append") == "uk.verbose -- a");
    CHECK(valueAfter(argv, "-machine").find("rtc=on") != std::string::npos);
    CHECK_FALSE(has(QemuCommandBuilder(options(), Accel::Tcg).argv("q"), "-append"));
}

TEST_CASE("qemu argv: relative image paths become absolute; commas in option lists doubled") {
    RunOptions o = options();
    o.image = "sub/../app.img";
    QemuCommandBuilder b(o, Accel::Tcg);
    b.supervised("/tmp/a,b/control", 1, "00");
    Argv argv = b.argv("q");
    std::string kernel = valueAfter(argv, "-kernel");
    CHECK(kernel.front() == '/');
    CHECK(kernel.size() > 8);
    CHECK(kernel.substr(kernel.size() - 8) == "/app.img");
    CHECK(kernel.find("..") == std::string::npos);
    CHECK(valuesAfter(argv, "-chardev").at(1) == "file,id=ukctl,path=/tmp/a,,b/control");
    CHECK(uk::loader::escapeQemuOptionValue("a,b,,c") == "a,,b,,,,c");
}

TEST_CASE("qemu argv: the default user network on microvm") {
    RunOptions o = parseRunOptions({"/images/app.img"});
    QemuCommandBuilder b(o, Accel::Tcg);
    b.supervised("/t/control", 1, "00");
    Argv argv = b.argv("qemu");
    // acpi=off: QEMU announces virtio-mmio devices on the kernel command line.
    CHECK(valueAfter(argv, "-machine") ==
          "microvm,x-option-roms=off,pit=on,pic=off,rtc=off,isa-serial=on,acpi=off");
    CHECK(valueAfter(argv, "-global") == "virtio-mmio.force-legacy=false");
    CHECK(valueAfter(argv, "-netdev") == "user,id=net0");
    CHECK(valuesAfter(argv, "-device").at(1) ==
          "virtio-net-device,netdev=net0,mac=52:54:00:12:34:56");
    // slirp's own addresses, so the guest need not wait for DHCP.
    CHECK(valueAfter(argv, "-append") ==
          "uk.stdin=escaped uk.time=1 uk.seed=00 uk.ip=10.0.2.15/24 uk.gw=10.0.2.2 "
          "uk.dns=10.0.2.3");
}

TEST_CASE("qemu argv: no network card with --net none") {
    Argv argv = QemuCommandBuilder(options(), Accel::Tcg).argv("qemu");
    CHECK_FALSE(has(argv, "-netdev"));
    CHECK_FALSE(has(argv, "-global"));
    CHECK(valueAfter(argv, "-machine").find("acpi") == std::string::npos);
    CHECK(valuesAfter(argv, "-device") ==
          std::vector<std::string>{"isa-debug-exit,iobase=0xf4,iosize=0x04"});
}

TEST_CASE("qemu argv: q35 and pc get a modern-only virtio-net-pci without an option ROM") {
    for (const char* machine : {"q35", "pc"}) {
        CAPTURE(machine);
        RunOptions o = parseRunOptions({"/images/app.img", "--machine", machine});
        Argv argv = QemuCommandBuilder(o, Accel::Tcg).argv("qemu");
        CHECK(valueAfter(argv, "-machine") == machine);
        CHECK_FALSE(has(argv, "-global")); // virtio-mmio only
        CHECK(valueAfter(argv, "-netdev") == "user,id=net0");
        CHECK(valuesAfter(argv, "-device").at(1) ==
              "virtio-net-pci,netdev=net0,mac=52:54:00:12:34:56,disable-legacy=on,romfile=");
    }
}

TEST_CASE("qemu argv: -p becomes hostfwd rules on the user network") {
    RunOptions o = parseRunOptions(
        {"/images/app.img", "-p", "8080:80", "-p", "127.0.0.1:5353:53/udp", "-p", "2222:22/tcp"});
    Argv argv = QemuCommandBuilder(o, Accel::Tcg).argv("qemu");
    CHECK(valueAfter(argv, "-netdev") ==
          "user,id=net0,hostfwd=tcp:0.0.0.0:8080-:80,hostfwd=udp:127.0.0.1:5353-:53,"
          "hostfwd=tcp:0.0.0.0:2222-:22");
    // With --ip the forwarded ports go to that address, not slirp's first DHCP lease.
    RunOptions moved = parseRunOptions({"/images/app.img", "-p", "8080:80", "--ip", "10.0.2.40"});
    Argv movedArgv = QemuCommandBuilder(moved, Accel::Tcg).argv("qemu");
    CHECK(valueAfter(movedArgv, "-netdev") == "user,id=net0,hostfwd=tcp:0.0.0.0:8080-10.0.2.40:80");
    CHECK(valueAfter(movedArgv, "-append") == "uk.ip=10.0.2.40/24 uk.gw=10.0.2.2 uk.dns=10.0.2.3");
}

TEST_CASE("qemu argv: a tap interface") {
    RunOptions o = parseRunOptions({"/images/app.img", "--net", "tap:uk,0", "--ip",
                                    "192.168.7.2/24", "--gw", "192.168.7.1", "--dns", "192.168.7.1",
                                    "--dns", "1.1.1.1", "--hostname", "box"});
    Argv argv = QemuCommandBuilder(o, Accel::Tcg).argv("qemu");
    CHECK(valueAfter(argv, "-netdev") == "tap,id=net0,ifname=uk,,0,script=no,downscript=no");
    CHECK(valuesAfter(argv, "-device").at(1) ==
          "virtio-net-device,netdev=net0,mac=52:54:00:12:34:56");
    CHECK(valueAfter(argv, "-append") == "uk.ip=192.168.7.2/24 uk.gw=192.168.7.1 "
                                         "uk.dns=192.168.7.1 uk.dns=1.1.1.1 uk.hostname=box");
    // Without --ip the guest asks DHCP: no address on its command line.
    RunOptions dhcp = parseRunOptions({"/images/app.img", "--net", "tap:tap0"});
    CHECK(QemuCommandBuilder(dhcp, Accel::Tcg).kernelCommandLine().empty());
}

TEST_CASE("kernel command line: --dhcp and --hostname, checked by the guest's parser") {
    RunOptions o = parseRunOptions({"/images/app.img", "--dhcp", "--hostname", "web-1", "--dns",
                                    "9.9.9.9", "-e", "A=1", "--", "x"});
    std::string line = QemuCommandBuilder(o, Accel::Tcg).kernelCommandLine();
    CHECK(line == "uk.dns=9.9.9.9 uk.hostname=web-1 uk.env=A=1 -- x");
    auto parsed = std::make_unique<uk::CommandLine>();
    REQUIRE(parsed->parse(line.c_str()));
    CHECK(std::string(parsed->value("uk.hostname")) == "web-1");
    CHECK(std::string(parsed->value("uk.dns")) == "9.9.9.9");
    CHECK(parsed->value("uk.ip") == nullptr);
}

TEST_CASE("qemu argv: hostfwd rules") {
    using uk::loader::hostForwardRule;
    using uk::loader::Ipv4Interface;
    using uk::loader::parsePublish;
    CHECK(hostForwardRule(parsePublish("8080:80"), std::nullopt) == "tcp:0.0.0.0:8080-:80");
    CHECK(hostForwardRule(parsePublish("127.0.0.1:53:5353/udp"), std::nullopt) ==
          "udp:127.0.0.1:53-:5353");
    CHECK(hostForwardRule(parsePublish("1:65535"), Ipv4Interface{0x0a000216, 24}) ==
          "tcp:0.0.0.0:1-10.0.2.22:65535");
}

TEST_CASE("kernel command line: options, environment and arguments in order") {
    RunOptions o = options();
    o.verbose = true;
    o.strace = true;
    o.env = {"A=1", "B=two words"};
    o.args = {"x", "uk.verbose", "--"};
    std::string line = QemuCommandBuilder(o, Accel::Tcg).kernelCommandLine();
    CHECK(line == "uk.verbose uk.strace uk.env=A=1 \"uk.env=B=two words\" -- x uk.verbose --");
}

TEST_CASE("kernel command line: entrypoint and user") {
    RunOptions o = options();
    o.entrypoint = "/my dir/prog";
    o.user = "33:44";
    o.args = {"hi"};
    std::string line = QemuCommandBuilder(o, Accel::Tcg).kernelCommandLine();
    CHECK(line == "\"uk.entrypoint=/my dir/prog\" uk.user=33:44 -- hi");
    auto parsed = std::make_unique<uk::CommandLine>();
    REQUIRE(parsed->parse(line.c_str()));
    CHECK(std::string(parsed->value("uk.entrypoint")) == "/my dir/prog");
    CHECK(std::string(parsed->value("uk.user")) == "33:44");

    o.entrypoint = "";
    o.user.clear();
    o.args.clear();
    CHECK(QemuCommandBuilder(o, Accel::Tcg).kernelCommandLine() == "uk.entrypoint=");
    o.entrypoint.reset();
    CHECK(QemuCommandBuilder(o, Accel::Tcg).kernelCommandLine().empty());
}

TEST_CASE("kernel command line: quoting") {
    CHECK(quoteKernelWord("plain") == "plain");
    CHECK(quoteKernelWord("") == "\"\"");
    CHECK(quoteKernelWord("a b") == "\"a b\"");
    CHECK(quoteKernelWord("say \"hi\"") == "\"say \\\"hi\\\"\"");
    CHECK(quoteKernelWord("C:\\dir") == "\"C:\\\\dir\"");
    CHECK(quoteKernelWord("tab\there") == "\"tab\there\"");
}

TEST_CASE("kernel command line: arguments round-trip through the guest's parser") {
    const std::vector<std::string> args = {"simple",
                                           "two words",
                                           "",
                                           "\"",
                                           "\\",
                                           "\\\\\"",
                                           "end\\",
                                           "quote\"in\"side",
                                           "'single'",
                                           "tab\tand\nnewline",
                                           "  leading and trailing  ",
                                           "uk.strace",
                                           "--",
                                           "$HOME",
                                           "a=b"};
    const std::vector<std::string> env = {"PATH=/bin:/usr/bin", "MSG=hello \"world\" \\o/", "E="};
    RunOptions o = options();
    o.env = env;
    o.args = args;
    QemuCommandBuilder b(o, Accel::Tcg);
    b.supervised("/c", 42, std::string(64, 'f'));
    std::string line = b.kernelCommandLine();

    auto parsed = std::make_unique<uk::CommandLine>();
    REQUIRE(parsed->parse(line.c_str()));
    REQUIRE(parsed->argCount() == args.size());
    for (size_t i = 0; i < args.size(); ++i) {
        CHECK(std::string(parsed->arg(i)) == args[i]);
    }
    std::vector<std::string> envSeen;
    for (size_t i = 0; i < parsed->optionCount(); ++i) {
        std::string opt = parsed->option(i);
        if (opt.rfind("uk.env=", 0) == 0) {
            envSeen.push_back(opt.substr(7));
        }
    }
    CHECK(envSeen == env);
    CHECK(std::string(parsed->value("uk.stdin")) == "escaped");
    CHECK(std::string(parsed->value("uk.time")) == "42");
    CHECK(std::string(parsed->value("uk.seed")) == std::string(64, 'f'));
}

TEST_CASE("qemu argv: the user network's frames dumped for the byte counters") {
    RunOptions o = options();
    o.net = NetMode::User;
    QemuCommandBuilder b(o, Accel::Tcg);
    b.supervised("/tmp/r/control", 1, std::string(64, 'a'));
    CHECK(valuesAfter(b.argv("qemu"), "-object").empty());
    b.dumpNetwork("/tmp/r/net-received", "/tmp/r,x/net-sent");
    CHECK(valuesAfter(b.argv("qemu"), "-object") ==
          std::vector<std::string>{
              "filter-dump,id=ukrecv,netdev=net0,queue=tx,file=/tmp/r/net-received,maxlen=64",
              "filter-dump,id=uksent,netdev=net0,queue=rx,file=/tmp/r,,x/net-sent,maxlen=64"});
    // A tap has the kernel's counters: nothing to dump.
    o.net = NetMode::Tap;
    o.tapInterface = "tap0";
    QemuCommandBuilder tap(o, Accel::Tcg);
    tap.dumpNetwork("/a", "/b");
    CHECK(valuesAfter(tap.argv("qemu"), "-object").empty());
}
