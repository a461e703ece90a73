// `uk run` command-line parsing: options, values and the errors a user sees.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <uk/loader/run_options.h>

using uk::loader::Accel;
using uk::loader::applyDefaultMemory;
using uk::loader::defaultMemoryMiB;
using uk::loader::MachineType;
using uk::loader::NetMode;
using uk::loader::parseMemorySize;
using uk::loader::parsePublish;
using uk::loader::parseRunOptions;
using uk::loader::parseTimeout;
using uk::loader::PortProtocol;
using uk::loader::PublishedPort;
using uk::loader::RunOptions;
using uk::loader::UsageError;

namespace {

RunOptions parse(std::vector<std::string> args) {
    return parseRunOptions(args);
}

std::string errorOf(std::vector<std::string> args) {
    try {
        parseRunOptions(args);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST_CASE("run options: defaults") {
    RunOptions o = parse({"app.img"});
    CHECK(o.image == "app.img");
    CHECK(o.memoryMiB == 128);
    CHECK_FALSE(o.memoryGiven);
    CHECK(o.cpus == 1);
    CHECK(o.accel == Accel::Auto);
    CHECK(o.machine == MachineType::Microvm);
    CHECK_FALSE(o.timeout.has_value());
    CHECK_FALSE(o.printCommand);
    CHECK_FALSE(o.verbose);
    CHECK_FALSE(o.strace);
    CHECK(o.env.empty());
    CHECK_FALSE(o.entrypoint.has_value());
    CHECK(o.user.empty());
    CHECK(o.net == NetMode::User);
    CHECK(o.publish.empty());
    CHECK_FALSE(o.ip.has_value());
    CHECK_FALSE(o.dhcp);
    CHECK(o.hostname.empty());
    CHECK(o.args.empty());
    CHECK(o.qemu == "qemu-system-x86_64");
}

TEST_CASE("run options: --entrypoint and --user") {
    RunOptions o = parse({"--entrypoint", "/bin/echo", "app.img", "--user", "33:44", "--", "hi"});
    CHECK(o.image == "app.img");
    CHECK(o.entrypoint == "/bin/echo");
    CHECK(o.user == "33:44");
    CHECK(o.args == std::vector<std::string>{"hi"});
    CHECK(parse({"a", "--entrypoint=/my dir/prog"}).entrypoint == "/my dir/prog");
    CHECK(parse({"a", "--entrypoint="}).entrypoint == ""); // docker's way to clear it
    CHECK(parse({"a", "-u", "1000"}).user == "1000");
    CHECK(parse({"a", "--user=0:0"}).user == "0:0");
    for (const char* bad : {"", "root", "1:", ":1", "1:2:3", "-1", "4294967295", "1 0"}) {
        CAPTURE(bad);
        CHECK(errorOf({"a", "--user", bad}) ==
              "--user: expected UID or UID:GID (decimal ids), got '" + std::string(bad) + "'");
    }
    CHECK(errorOf({"a", "--entrypoint"}).find("--entrypoint needs a value") != std::string::npos);
}

TEST_CASE("run options: --net") {
    CHECK(parse({"a"}).net == NetMode::User); // user networking needs no privileges
    CHECK(parse({"a", "--net", "user"}).net == NetMode::User);
    CHECK(parse({"a", "--net=none"}).net == NetMode::None);
    CHECK(parse({"a", "--net=none", "--net", "user"}).net == NetMode::User); // the last wins
    RunOptions tap = parse({"a", "--net", "tap:tap0"});
    CHECK(tap.net == NetMode::Tap);
    CHECK(tap.tapInterface == "tap0");
    CHECK(parse({"a", "--net=tap:uk,x"}).tapInterface == "uk,x"); // Linux allows ','
    // Every machine type gets the NIC (PCI on q35 and pc).
    CHECK(parse({"a", "--net", "user", "--machine", "q35"}).net == NetMode::User);
    CHECK(errorOf({"a", "--net", "bogus"}) ==
          "--net: expected none, user or tap:IFNAME, got 'bogus'");
    CHECK(errorOf({"a", "--net", "tap"}) ==
          "--net tap:: give the tap interface's name: tap:IFNAME (for example tap:tap0)");
    CHECK(errorOf({"a", "--net", "tap:"}).find("give the tap interface's name") !=
          std::string::npos);
    CHECK(errorOf({"a", "--net", "tap:abcdefghijklmnop"}) ==
          "--net tap:abcdefghijklmnop: an interface name has at most 15 characters");
    CHECK(errorOf({"a", "--net", "tap:a/b"}) ==
          "--net tap:a/b: an interface name cannot contain '/'");
    CHECK(errorOf({"a", "--net", "tap:a b"}).find("cannot contain ' '") != std::string::npos);
    CHECK(errorOf({"a", "--net", "tap:.."}) == "--net tap:..: not an interface name");
}

TEST_CASE("run options: -p forms") {
    RunOptions o = parse({"a", "-p", "8080:80", "--publish", "127.0.0.1:5353:53/udp",
                          "-p8443:443/tcp", "--publish=10.1.2.3:2222:22", "-p=9000:9000"});
    REQUIRE(o.publish.size() == 5);
    CHECK(o.publish[0] == PublishedPort{"8080:80", 0, 8080, 80, PortProtocol::Tcp});
    CHECK(o.publish[1] ==
          PublishedPort{"127.0.0.1:5353:53/udp", 0x7f000001, 5353, 53, PortProtocol::Udp});
    CHECK(o.publish[2] == PublishedPort{"8443:443/tcp", 0, 8443, 443, PortProtocol::Tcp});
    CHECK(o.publish[3] ==
          PublishedPort{"10.1.2.3:2222:22", 0x0a010203, 2222, 22, PortProtocol::Tcp});
    CHECK(o.publish[4].hostPort == 9000);
    CHECK(o.net == NetMode::User); // -p implies user networking, the default
    CHECK(parsePublish("1:65535").guestPort == 65535);
    CHECK(parsePublish("0.0.0.0:65535:1").hostPort == 65535);
    // The same host port twice for different protocols or host addresses is fine.
    CHECK(parse({"a", "-p", "53:53/udp", "-p", "53:53/tcp"}).publish.size() == 2);
    CHECK(parse({"a", "-p", "127.0.0.1:80:80", "-p", "127.0.0.2:80:81"}).publish.size() == 2);
}

TEST_CASE("run options: -p errors name the spec and the problem") {
    auto err = [](const char* spec) { return errorOf({"a", "-p", spec}); };
    CHECK(err("80") == "-p 80: expected [HOSTIP:]HOSTPORT:GUESTPORT[/tcp|/udp], for example "
                       "8080:80 (uk run does not pick a host port itself)");
    CHECK(err("8080:0") == "-p 8080:0: the guest port must be a number from 1 to 65535, got '0'");
    CHECK(err("0:80") == "-p 0:80: the host port must be a number from 1 to 65535, got '0'");
    CHECK(err("65536:80") ==
          "-p 65536:80: the host port must be a number from 1 to 65535, got '65536'");
    CHECK(err("8080:http") ==
          "-p 8080:http: the guest port must be a number from 1 to 65535, got 'http'");
    CHECK(err("99999999999999999999999:1").find("the host port must be a number") !=
          std::string::npos);
    CHECK(err(":80") == "-p :80: the host port is missing (uk run does not pick one itself)");
    CHECK(err("8080:") == "-p 8080:: the guest port is missing (uk run does not pick one itself)");
    CHECK(err("127.0.0.1::80").find("the host port is missing") != std::string::npos);
    CHECK(err("8080:80/sctp") ==
          "-p 8080:80/sctp: expected the protocol tcp or udp after '/', got 'sctp'");
    CHECK(err("8080:80/TCP").find("got 'TCP'") != std::string::npos);
    CHECK(err("8080:80/").find("got ''") != std::string::npos);
    CHECK(err("8080-8081:80-81") ==
          "-p 8080-8081:80-81: port ranges are not supported; give one -p for each port");
    CHECK(err("[::1]:8080:80") == "-p [::1]:8080:80: only IPv4 host addresses can be published "
                                  "(QEMU's user network forwards IPv4 only)");
    CHECK(err("::1:8080:80").find("only IPv4 host addresses") != std::string::npos);
    CHECK(err("localhost:8080:80") == "-p localhost:8080:80: expected an IPv4 host address like "
                                      "127.0.0.1 before the host port, got 'localhost'");
    CHECK(err("1.2.3:8080:80").find("got '1.2.3'") != std::string::npos);
    CHECK(err("256.0.0.1:8080:80").find("got '256.0.0.1'") != std::string::npos);
    CHECK(err("224.0.0.1:8080:80") ==
          "-p 224.0.0.1:8080:80: 224.0.0.1 is not an address the host can listen on");
    CHECK(errorOf({"a", "-p"}).find("-p needs a value") != std::string::npos);
    CHECK(errorOf({"a", "-p", "8080:80", "-p", "8080:81"}) ==
          "-p 8080:80 and -p 8080:81 both publish host port 8080/tcp");
    CHECK(errorOf({"a", "-p", "127.0.0.1:8080:80", "-p", "8080:81"}).find("both publish") !=
          std::string::npos);
}

TEST_CASE("run options: -p needs the user network") {
    CHECK(errorOf({"a", "--net", "tap:tap0", "-p", "8080:80"}) ==
          "-p 8080:80: publishing ports is a feature of QEMU's user network (--net user); on "
          "--net tap:tap0 the guest is reached at its own address on that interface");
    CHECK(errorOf({"a", "-p", "8080:80", "--net", "none"})
              .find("--net none gives the guest no "
                    "network") != std::string::npos);
}

TEST_CASE("IPv4 addresses: dotted quads only") {
    using uk::loader::formatIpv4;
    using uk::loader::parseIpv4;
    CHECK(parseIpv4("10.0.2.15") == 0x0a00020fu);
    CHECK(parseIpv4("0.0.0.0") == 0u);
    CHECK(parseIpv4("255.255.255.255") == 0xffffffffu);
    for (const char* bad : {"", "10.0.2", "10.0.2.15.1", "10.0.2.256", "010.0.2.15", "10..2.15",
                            "10.0.2.15 ", "+1.0.0.1", "1.0.0.0x1", "a.b.c.d", "1234.0.0.1"}) {
        CAPTURE(bad);
        CHECK_FALSE(parseIpv4(bad).has_value());
    }
    CHECK(formatIpv4(0x0a00020f) == "10.0.2.15");
    CHECK(formatIpv4(0xffffffff) == "255.255.255.255");
}

TEST_CASE("run options: --ip, --gw, --dns, --dhcp, --hostname") {
    using uk::loader::guestNetwork;
    using uk::loader::Ipv4Interface;
    RunOptions o = parse({"a", "--ip", "10.0.2.20", "--dns", "1.1.1.1", "--dns=9.9.9.9",
                          "--hostname", "web-1.example", "--gw=10.0.2.2"});
    CHECK(o.ip == Ipv4Interface{0x0a000214, 24});
    CHECK(o.gateway == 0x0a000202u);
    CHECK(o.dns == std::vector<uint32_t>{0x01010101, 0x09090909});
    CHECK(o.hostname == "web-1.example");
    CHECK(parse({"a", "--ip=10.0.2.21/24"}).ip == Ipv4Interface{0x0a000215, 24});
    CHECK(parse({"a", "--net=tap:t0", "--ip", "192.168.7.2/30", "--gw", "192.168.7.1"}).ip ==
          Ipv4Interface{0xc0a80702, 30});
    CHECK(parse({"a", "--net=tap:t0", "--ip", "192.168.7.0/31"}).ip->prefix == 31);
    CHECK(parse({"a", "--net=tap:t0", "--ip", "192.168.7.7/32"}).ip->prefix == 32);
    CHECK(parse({"a", "--dhcp"}).dhcp);
    CHECK(parse({"a", "--dhcp", "--dns", "10.0.2.3"}).dns.size() == 1);
    CHECK(parse({"a", "--net", "none", "--hostname", "box"}).hostname == "box");

    CHECK(errorOf({"a", "--ip", "10.0.2"}) == "--ip: expected an IPv4 address with an optional "
                                              "prefix length, like 10.0.2.20 or 192.168.7.2/24, "
                                              "got '10.0.2'");
    CHECK(errorOf({"a", "--ip", "10.0.2.20/33"}) ==
          "--ip: the prefix length after '/' must be from 1 to 32, got '10.0.2.20/33'");
    CHECK(errorOf({"a", "--ip", "10.0.2.20/0"}).find("from 1 to 32") != std::string::npos);
    CHECK(errorOf({"a", "--ip", "10.0.2.20/"}).find("from 1 to 32") != std::string::npos);
    CHECK(errorOf({"a", "--ip", "127.0.0.1"}).find("127.0.0.1 is a loopback address") !=
          std::string::npos);
    CHECK(errorOf({"a", "--ip", "0.0.0.0"}).find("is not a host address") != std::string::npos);
    CHECK(errorOf({"a", "--ip", "239.1.1.1"}).find("multicast") != std::string::npos);
    CHECK(errorOf({"a", "--ip", "255.255.255.255"}).find("reserved") != std::string::npos);
    CHECK(errorOf({"a", "--ip", "10.0.2.0"}) ==
          "--ip: 10.0.2.0 is the network address of 10.0.2.0/24; give the guest an address "
          "inside it");
    CHECK(errorOf({"a", "--ip", "10.0.2.255/24"}).find("is the broadcast address of") !=
          std::string::npos);
    // QEMU's user network is 10.0.2.0/24, with its own gateway and DNS addresses in it.
    CHECK(errorOf({"a", "--ip", "192.168.1.5"}) ==
          "--ip 192.168.1.5/24: QEMU's user network (--net user) is 10.0.2.0/24; give an "
          "address in it (10.0.2.15 is the default) or use --net tap:IFNAME for another network");
    CHECK(errorOf({"a", "--ip", "10.0.2.15/16"}).find("is 10.0.2.0/24") != std::string::npos);
    CHECK(errorOf({"a", "--ip", "10.0.2.2"}).find("is the user network's own gateway address") !=
          std::string::npos);
    CHECK(errorOf({"a", "--ip", "10.0.2.3"}).find("own DNS server address") != std::string::npos);
    CHECK(errorOf({"a", "--gw", "10.0.2.1"}) == "--gw 10.0.2.1: QEMU's user network (--net "
                                                "user) routes only through 10.0.2.2 (leave "
                                                "--gw out)");
    CHECK(errorOf({"a", "--gw", "10.0.2"}) ==
          "--gw: expected an IPv4 address like 10.0.2.2, got '10.0.2'");
    CHECK(errorOf({"a", "--dns", "224.0.0.251"}) == "--dns: 224.0.0.251 is a multicast address");
    CHECK(errorOf({"a", "--dns", "1.1.1.1", "--dns", "1.0.0.1", "--dns", "8.8.8.8", "--dns",
                   "8.8.4.4"}) == "--dns: at most 3 servers, got 4");
    // Tap: the guest's own network, whatever it is.
    CHECK(errorOf({"a", "--net=tap:t0", "--gw", "192.168.7.1"}) ==
          "--gw needs --ip (without --ip the guest asks DHCP, which names the gateway)");
    CHECK(errorOf({"a", "--net=tap:t0", "--ip", "192.168.7.2", "--gw", "192.168.8.1"}) ==
          "--gw 192.168.8.1 is not in the guest's network 192.168.7.0/24 (from --ip)");
    CHECK(errorOf({"a", "--net=tap:t0", "--ip", "192.168.7.2", "--gw", "192.168.7.2"}) ==
          "--gw 192.168.7.2 is the guest's own address (--ip)");
    // Nothing to configure without a network; DHCP or a static address, not both.
    for (const char* option : {"--ip", "--gw", "--dns"}) {
        CAPTURE(option);
        CHECK(errorOf({"a", "--net", "none", option, "10.0.2.2"}) ==
              std::string(option) +
                  " configures the guest's network, but --net none gives it none");
    }
    CHECK(errorOf({"a", "--net", "none", "--dhcp"}).find("--dhcp configures") != std::string::npos);
    CHECK(errorOf({"a", "--dhcp", "--ip", "10.0.2.20"}) ==
          "--ip and --dhcp: choose one (a static address, or one from DHCP)");
    CHECK(errorOf({"a", "--dhcp", "--gw", "10.0.2.2"}) ==
          "--gw and --dhcp: with --dhcp the DHCP server names the gateway");
}

TEST_CASE("run options: --hostname is an RFC 1123 name of at most 64 characters") {
    for (const char* good : {"a", "uk", "web-1", "A.b.C", "0day", "x.y.z.example"}) {
        CAPTURE(good);
        CHECK(parse({"a", "--hostname", good}).hostname == good);
    }
    std::string label63(63, 'a');
    CHECK(parse({"a", "--hostname", label63}).hostname == label63);
    std::string long64 = label63 + "b";
    CHECK(errorOf({"a", "--hostname", long64}).find("a label longer than 63 characters") !=
          std::string::npos);
    CHECK(parse({"a", "--hostname", std::string(31, 'a') + "." + std::string(32, 'b')})
              .hostname.size() == 64);
    CHECK(errorOf({"a", "--hostname", std::string(32, 'a') + "." + std::string(32, 'b')})
              .find("longer than 64 characters") != std::string::npos);
    CHECK(errorOf({"a", "--hostname", "my_host"}) ==
          "--hostname: '_' is not allowed (got 'my_host'; a host name is letters, digits and "
          "'-', in labels separated by '.')");
    CHECK(errorOf({"a", "--hostname", "-web"}).find("starts or ends with '-'") !=
          std::string::npos);
    CHECK(errorOf({"a", "--hostname", "web-"}).find("starts or ends with '-'") !=
          std::string::npos);
    CHECK(errorOf({"a", "--hostname", "a..b"}).find("an empty label") != std::string::npos);
    CHECK(errorOf({"a", "--hostname", "a."}).find("an empty label") != std::string::npos);
    CHECK(errorOf({"a", "--hostname="}).find("the name is empty") != std::string::npos);
    CHECK(errorOf({"a", "--hostname", "a b"}).find("' ' is not allowed") != std::string::npos);
}

TEST_CASE("guest network: what the guest is told") {
    using uk::loader::guestNetwork;
    using uk::loader::Ipv4Interface;
    // The user network's addresses, so the guest need not wait for DHCP.
    auto user = guestNetwork(parse({"a"}));
    CHECK(user.ip == Ipv4Interface{0x0a00020f, 24});
    CHECK(user.gateway == 0x0a000202u);
    CHECK(user.dns == std::vector<uint32_t>{0x0a000203});
    auto own = guestNetwork(parse({"a", "--ip", "10.0.2.30", "--dns", "1.1.1.1"}));
    CHECK(own.ip == Ipv4Interface{0x0a00021e, 24});
    CHECK(own.gateway == 0x0a000202u);
    CHECK(own.dns == std::vector<uint32_t>{0x01010101});
    auto dhcp = guestNetwork(parse({"a", "--dhcp"}));
    CHECK_FALSE(dhcp.ip.has_value());
    CHECK_FALSE(dhcp.gateway.has_value());
    CHECK(dhcp.dns.empty());
    // A tap: only what was given; without --ip the guest asks DHCP.
    auto tap = guestNetwork(parse({"a", "--net", "tap:t0"}));
    CHECK_FALSE(tap.ip.has_value());
    CHECK(tap.dns.empty());
    auto none = guestNetwork(parse({"a", "--net", "none"}));
    CHECK_FALSE(none.ip.has_value());
}

TEST_CASE("run options: every option, both spellings of values") {
    RunOptions o = parse({"--mem",
                          "1G",
                          "app.img",
                          "--cpus=2",
                          "--accel",
                          "tcg",
                          "--machine=q35",
                          "--timeout",
                          "2.5",
                          "--print-cmd",
                          "-v",
                          "--strace",
                          "-e",
                          "A=1",
                          "--env=B=two words",
                          "-eC=3",
                          "--qemu",
                          "/opt/qemu",
                          "--",
                          "x",
                          "--mem",
                          "-v"});
    CHECK(o.image == "app.img");
    CHECK(o.memoryMiB == 1024);
    CHECK(o.memoryGiven);
    CHECK(o.cpus == 2);
    CHECK(o.accel == Accel::Tcg);
    CHECK(o.machine == MachineType::Q35);
    REQUIRE(o.timeout.has_value());
    CHECK(o.timeout->count() == 2500);
    CHECK(o.timeoutText == "2.5");
    CHECK(o.printCommand);
    CHECK(o.verbose);
    CHECK(o.strace);
    CHECK(o.env == std::vector<std::string>{"A=1", "B=two words", "C=3"});
    CHECK(o.qemu == "/opt/qemu");
    // Everything after "--" belongs to the application, option-like words included.
    CHECK(o.args == std::vector<std::string>{"x", "--mem", "-v"});
}

TEST_CASE("run options: machine and accel names") {
    CHECK(parse({"a", "--machine", "pc"}).machine == MachineType::Pc);
    CHECK(parse({"a", "--machine", "microvm"}).machine == MachineType::Microvm);
    CHECK(parse({"a", "--accel", "kvm"}).accel == Accel::Kvm);
    CHECK(parse({"a", "--accel", "auto"}).accel == Accel::Auto);
    CHECK(uk::loader::machineName(MachineType::Q35) == "q35");
    CHECK(uk::loader::accelName(Accel::Tcg) == "tcg");
}

TEST_CASE("run options: --help needs no image and stops parsing") {
    CHECK(parse({"--help"}).help);
    CHECK(parse({"-h"}).help);
    CHECK(parse({"app.img", "-v", "-h", "--bogus"}).help);
    CHECK_FALSE(parse({"app.img", "--", "-h"}).help);      // an application argument
    CHECK_THROWS_AS(parse({"--bogus", "-h"}), UsageError); // words are taken in order
}

TEST_CASE("run options: -e NAME takes the value from uk run's environment") {
    ::setenv("UK_LOADER_TEST_VAR", "from host", 1);
    ::unsetenv("UK_LOADER_TEST_UNSET");
    RunOptions o = parse({"a", "-e", "UK_LOADER_TEST_VAR", "-e", "UK_LOADER_TEST_UNSET"});
    CHECK(o.env == std::vector<std::string>{"UK_LOADER_TEST_VAR=from host"});
    CHECK(parse({"a", "-e", "EMPTY="}).env == std::vector<std::string>{"EMPTY="});
}

TEST_CASE("run options: errors name the problem") {
    CHECK(errorOf({}).find("no image given") != std::string::npos);
    CHECK(errorOf({"--mem", "1G"}).find("no image given") != std::string::npos);
    CHECK(errorOf({"a", "--frobnicate"}).find("unknown option '--frobnicate'") !=
          std::string::npos);
    CHECK(errorOf({"a", "b"}).find("unexpected argument 'b'") != std::string::npos);
    CHECK(errorOf({"a", "--mem"}).find("--mem needs a value") != std::string::npos);
    CHECK(errorOf({"a", "--cpus", "0"}).find("--cpus") != std::string::npos);
    CHECK(errorOf({"a", "--cpus", "two"}).find("--cpus") != std::string::npos);
    CHECK(errorOf({"a", "--cpus", "999"}).find("--cpus") != std::string::npos);
    CHECK(errorOf({"a", "--accel", "hvf"}).find("expected auto, kvm or tcg, got 'hvf'") !=
          std::string::npos);
    CHECK(errorOf({"a", "--machine", "virt"}).find("expected microvm, q35 or pc") !=
          std::string::npos);
    CHECK(errorOf({"a", "--timeout", "soon"}).find("--timeout") != std::string::npos);
    CHECK(errorOf({"a", "-e", "=x"}).find("expected NAME=VALUE") != std::string::npos);
    CHECK(errorOf({"a", "--qemu="}).find("--qemu") != std::string::npos);
    CHECK(errorOf({""}).find("empty") != std::string::npos);
}

TEST_CASE("memory sizes") {
    CHECK(parseMemorySize("4M") == 4);
    CHECK(parseMemorySize("512M") == 512);
    CHECK(parseMemorySize("512m") == 512);
    CHECK(parseMemorySize("512MiB") == 512);
    CHECK(parseMemorySize("512MB") == 512);
    CHECK(parseMemorySize("1G") == 1024);
    CHECK(parseMemorySize("2g") == 2048);
    CHECK(parseMemorySize("1T") == 1024 * 1024);
    CHECK(parseMemorySize("64") == 64); // bare number: MiB
    CHECK(parseMemorySize("65536K") == 64);
    CHECK(parseMemorySize("2M") == 2);
    for (const char* bad : {"", "M", "0", "1M", "1", "1.5G", "-1G", "12X", "1536K", "12 M", "G1",
                            "99999999999999999999", "999999999999T", "8P"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(parseMemorySize(bad), UsageError);
    }
    auto messageOf = [](const char* text) -> std::string {
        try {
            parseMemorySize(text);
        } catch (const UsageError& e) {
            return e.what();
        }
        return "";
    };
    CHECK(messageOf("1536K").find("whole number of MiB") != std::string::npos);
    CHECK(messageOf("1.5G").find("1536M") != std::string::npos);
    CHECK(messageOf("1M").find("at least 2 MiB") != std::string::npos);
}

TEST_CASE("default memory: max(128 MiB, twice the files plus 64 MiB), a multiple of 2 MiB") {
    constexpr uint64_t kMiB = 1024 * 1024;
    CHECK(defaultMemoryMiB(0, 0) == 128);
    CHECK(defaultMemoryMiB(68 * 1024, 0) == 128); // a hello image
    CHECK(defaultMemoryMiB(32 * kMiB, 0) == 128); // 2 x 32 + 64 = 128 exactly
    CHECK(defaultMemoryMiB(32 * kMiB + 1, 0) == 130);
    CHECK(defaultMemoryMiB(100 * kMiB, 0) == 264);
    CHECK(defaultMemoryMiB(100 * kMiB + 512 * 1024, 0) == 266); // 264 + 1 MiB, rounded up
    CHECK(defaultMemoryMiB(40 * kMiB, 60 * kMiB) == 264);       // --initrd counts too
    CHECK(defaultMemoryMiB(UINT64_MAX / 4, 0) % 2 == 0);        // no overflow to small sizes
    CHECK(defaultMemoryMiB(UINT64_MAX / 4, 0) > 128);
}

TEST_CASE("default memory comes from the image's size unless --mem is given") {
    auto dir = std::filesystem::temp_directory_path() / "uk-run-options-test";
    std::filesystem::create_directories(dir);
    auto image = dir / "big.img";
    {
        std::ofstream f(image, std::ios::binary);
        f.seekp(50 * 1024 * 1024 - 1);
        f.put(0); // a sparse 50 MiB file
    }
    RunOptions o = parse({image.string()});
    applyDefaultMemory(o);
    CHECK(o.memoryMiB == 164);
    RunOptions given = parse({"--mem", "64M", image.string()});
    applyDefaultMemory(given);
    CHECK(given.memoryMiB == 64);
    RunOptions missing = parse({(dir / "missing.img").string()});
    CHECK_THROWS_AS(applyDefaultMemory(missing), uk::Error);
    std::filesystem::remove_all(dir);
}

TEST_CASE("timeouts") {
    CHECK(parseTimeout("1").count() == 1000);
    CHECK(parseTimeout("0.5").count() == 500);
    CHECK(parseTimeout("30").count() == 30000);
    CHECK(parseTimeout(".25").count() == 250);
    CHECK(parseTimeout("0.0001").count() == 1); // rounded up, never 0
    for (const char* bad : {"", "0", "0.0", "-1", "1e3", "inf", "nan", " 5", "5s", "1.2.3", "."}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(parseTimeout(bad), UsageError);
    }
}

TEST_CASE("usage text documents the options and the standalone exit code") {
    std::string usage = uk::loader::runUsage();
    for (const char* word : {"--mem",
                             "--cpus",
                             "--accel",
                             "--machine",
                             "--timeout",
                             "--print-cmd",
                             "--env",
                             "--verbose",
                             "--strace",
                             "--qemu",
                             "--help",
                             "--entrypoint PROGRAM",
                             "--user UID[:GID]",
                             "--net MODE",
                             "tap:IFNAME",
                             "--publish [HOSTIP:]HOSTPORT:GUESTPORT[/tcp|/udp]",
                             "--ip ADDR[/PREFIX]",
                             "--gw ADDR",
                             "--dns ADDR",
                             "--dhcp",
                             "--hostname NAME",
                             "(status << 1) | 1",
                             "125",
                             "124"}) {
        CAPTURE(word);
        CHECK(usage.find(word) != std::string::npos);
    }
}

TEST_CASE("run options: --workdir and --mac") {
    CHECK(parse({"a", "-w", "/srv/app"}).workdir == "/srv/app");
    CHECK(parse({"a", "--workdir=/tmp"}).workdir == "/tmp");
    CHECK(parse({"a"}).workdir.empty());
    CHECK(errorOf({"a", "-w", "rel"}) ==
          "--workdir: expected an absolute path in the guest, got 'rel'");
    CHECK(parse({"a", "--mac", "02:AB:cd:00:11:22"}).mac == "02:ab:cd:00:11:22");
    CHECK(parse({"a"}).mac.empty());
    CHECK(errorOf({"a", "--mac", "02:ab:cd:00:11"}).find("six hex pairs") != std::string::npos);
    CHECK(errorOf({"a", "--mac", "02-ab-cd-00-11-22"}).find("six hex pairs") != std::string::npos);
    CHECK(errorOf({"a", "--mac", "03:00:00:00:00:01"}).find("multicast") != std::string::npos);
}

TEST_CASE("run options: --mtu") {
    CHECK(parse({"a", "--mtu", "1450"}).mtu == 1450);
    CHECK(parse({"a"}).mtu == 0);
    CHECK(errorOf({"a", "--mtu", "67"}).find("from 68 to 1500") != std::string::npos);
    CHECK(errorOf({"a", "--mtu", "1501"}).find("from 68 to 1500") != std::string::npos);
    CHECK(errorOf({"a", "--mtu", "x"}).find("got 'x'") != std::string::npos);
}

TEST_CASE("run options: --start-gate and what its FIFO may carry") {
    using uk::loader::startGateWords;
    CHECK(parse({"a", "--start-gate", "/run/x/exec.fifo"}).startGate == "/run/x/exec.fifo");
    CHECK(errorOf({"a", "--start-gate", ""}) == "--start-gate: expected the path of a FIFO");
    CHECK(errorOf({"a", "--start-gate", "f", "-d"}).find("foreground") != std::string::npos);
    CHECK(errorOf({"a", "--start-gate", "f", "--print-cmd"}).find("foreground") !=
          std::string::npos);

    CHECK(startGateWords("0\n") == "");
    CHECK(startGateWords("") == "");
    CHECK(startGateWords(" \n") == "");
    CHECK(startGateWords("--mac 02:42:AC:11:00:02 --ip 172.17.0.2/16 --gw 172.17.0.1 --dns "
                         "10.0.0.1 --dns 10.0.0.2\n") ==
          "uk.mac=02:42:ac:11:00:02 uk.ip=172.17.0.2/16 uk.gw=172.17.0.1 uk.dns=10.0.0.1 "
          "uk.dns=10.0.0.2");
    CHECK(startGateWords("--ip 10.1.2.3") == "uk.ip=10.1.2.3/24");
    CHECK(startGateWords("--no-network\n") == "uk.nonet");
    CHECK(startGateWords("--mac 02:00:00:00:00:01 --mtu 1450") ==
          "uk.mac=02:00:00:00:00:01 uk.mtu=1450");
    auto error = [](std::string_view text) {
        try {
            startGateWords(text);
        } catch (const UsageError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(error("--hostname x").find("unexpected '--hostname'") != std::string::npos);
    CHECK(error("--ip") == "--ip needs a value");
    CHECK(error("--ip 1.2.3.4/8 --ip 1.2.3.5/8").find("unexpected '--ip'") != std::string::npos);
    CHECK(error("--gw 10.0.0.1") == "--gw without --ip");
    CHECK(error("--no-network --ip 10.0.0.2/8") == "--no-network with network settings");
    CHECK(error("--mac 03:00:00:00:00:01").find("multicast") != std::string::npos);
    CHECK(error("--ip 300.1.1.1/8") != "no error");
    CHECK(error("--dns 1.1.1.1 --dns 1.1.1.2 --dns 1.1.1.3 --dns 1.1.1.4")
              .find("unexpected '--dns'") != std::string::npos);
    CHECK(error("0 0") != "no error");
    CHECK(error("--mtu 9000").find("from 68 to 1500") != std::string::npos);
    CHECK(error("--no-network --mtu 1400") == "--no-network with network settings");
}
