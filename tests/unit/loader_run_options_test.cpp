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
using uk::loader::parseMemorySize;
using uk::loader::parseRunOptions;
using uk::loader::parseTimeout;
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
    CHECK_FALSE(parse({"a"}).userNet);
    CHECK(parse({"a", "--net", "user"}).userNet);
    CHECK(parse({"a", "--net=user"}).userNet);
    CHECK_FALSE(parse({"a", "--net=user", "--net", "none"}).userNet);
    CHECK(errorOf({"a", "--net", "tap"}) == "--net: expected none or user, got 'tap'");
    CHECK(errorOf({"a", "--net", "user", "--machine", "q35"}).find("needs --machine microvm") !=
          std::string::npos);
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
    for (const char* word :
         {"--mem", "--cpus", "--accel", "--machine", "--timeout", "--print-cmd", "--env",
          "--verbose", "--strace", "--qemu", "--help", "--entrypoint PROGRAM", "--user UID[:GID]",
          "(status << 1) | 1", "125", "124"}) {
        CAPTURE(word);
        CHECK(usage.find(word) != std::string::npos);
    }
}
