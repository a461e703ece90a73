// The command line of `uk pack` and the ld.lld command it runs.
#include <doctest/doctest.h>
#include <uk/toolchain/syscall_scan.h>

#include <uk/toolchain/command_lines.h>
#include <uk/toolchain/pack_options.h>

#include <string>
#include <vector>

using namespace uk::toolchain;
using Args = std::vector<std::string>;

namespace {

PackOptions parse(const Args& args) {
    ParsedPackArguments parsed = parsePackArguments(args);
    CHECK_FALSE(parsed.helpRequested);
    return parsed.options;
}

std::string usageErrorOf(const Args& args) {
    try {
        parsePackArguments(args);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace

TEST_CASE("uk pack: the program, its arguments and the defaults") {
    PackOptions o = parse({"rootfs", "-o", "app.img", "--", "/bin/busybox", "sh", "-c", "echo hi"});
    CHECK(o.dir == "rootfs");
    CHECK(o.output == "app.img");
    CHECK(o.image.entrypoint == Args{"/bin/busybox"});
    CHECK(o.image.cmd == Args{"sh", "-c", "echo hi"});
    CHECK(o.image.env.empty()); // the guest supplies Docker's PATH
    CHECK(o.image.workingDir == "/");
    CHECK_FALSE(o.verbose);

    // After "--" everything is the program's, even "--" and options uk pack knows.
    o = parse({"-o", "x.img", "root", "--", "/prog", "--", "-o", "--env", "-v"});
    CHECK(o.dir == "root");
    CHECK(o.image.entrypoint == Args{"/prog"});
    CHECK(o.image.cmd == Args{"--", "-o", "--env", "-v"});

    o = parse({"root", "-o", "x.img", "--", "/prog"});
    CHECK(o.image.cmd.empty());
}

TEST_CASE("uk pack: environment and working directory, joined or separate") {
    PackOptions o = parse({"root", "-ox.img", "--env", "A=1", "--env=B=two=2", "-e", "C=", "-eD=4",
                           "--workdir", "/srv", "-v", "--", "/prog"});
    CHECK(o.output == "x.img");
    CHECK(o.image.env == Args{"A=1", "B=two=2", "C=", "D=4"});
    CHECK(o.image.workingDir == "/srv");
    CHECK(o.verbose);
    CHECK(parse({"root", "-o", "x", "--workdir=/a", "--", "/p"}).image.workingDir == "/a");
    CHECK(parse({"root", "-o", "x", "-w", "/b", "--", "/p"}).image.workingDir == "/b");
    CHECK(parse({"root", "-o", "x", "-w/c", "--", "/p"}).image.workingDir == "/c");
}

TEST_CASE("uk pack: --user UID[:GID]") {
    CHECK(parse({"root", "-o", "x", "--", "/p"}).image.user.empty()); // root
    CHECK(parse({"root", "-o", "x", "--user", "1000:1000", "--", "/p"}).image.user == "1000:1000");
    CHECK(parse({"root", "-o", "x", "--user=33", "--", "/p"}).image.user == "33");
    CHECK(parse({"root", "-o", "x", "-u", "0:44", "--", "/p"}).image.user == "0:44");
    CHECK(parse({"root", "-o", "x", "-u5:6", "--", "/p"}).image.user == "5:6");
    CHECK(parse({"root", "-o", "x", "--", "/p", "--user", "1"}).image.user.empty());
    for (const char* bad :
         {"", "www-data", "1000:", ":1000", "1:2:3", "-1", "4294967295", "99999999999", "1 000"}) {
        CAPTURE(bad);
        CHECK(usageErrorOf({"root", "-o", "x", "--user", bad, "--", "/p"}) ==
              "--user needs UID or UID:GID (decimal ids), not '" + std::string(bad) + "'");
    }
    CHECK(parse({"root", "-o", "x", "--user", "4294967294:0", "--", "/p"}).image.user ==
          "4294967294:0");
}

TEST_CASE("uk pack: --help") {
    CHECK(parsePackArguments({"--help"}).helpRequested);
    CHECK(parsePackArguments({"root", "-h", "--bogus"}).helpRequested);
    const std::string usage = packUsage();
    for (const char* option :
         {"-o IMAGE", "--env NAME=VALUE", "--workdir DIR", "--user UID[:GID]", "--verbose"}) {
        CHECK_MESSAGE(usage.find(option) != std::string::npos, option);
    }
}

TEST_CASE("uk pack: usage errors") {
    CHECK(usageErrorOf({}) == "no directory to pack");
    CHECK(usageErrorOf({"-o", "x.img", "--", "/p"}) == "no directory to pack");
    CHECK(usageErrorOf({"root", "--", "/p"}) == "no output image given (-o IMAGE)");
    CHECK(usageErrorOf({"root", "-o", "dir/", "--", "/p"}) ==
          "-o needs a file name, not a directory: dir/");
    CHECK(usageErrorOf({"root", "-o"}) == "option '-o' needs a value");
    CHECK(usageErrorOf({"root", "-o", "", "--", "/p"}) == "option '-o' needs a value");
    CHECK(usageErrorOf({"root", "-o", "x.img"}) ==
          "no program given (put it and its arguments after '--')");
    CHECK(usageErrorOf({"root", "-o", "x.img", "/bin/sh"}).starts_with("more than one directory"));
    CHECK(usageErrorOf({"root", "-o", "x.img", "--"}) == "no program after '--'");
    CHECK(usageErrorOf({"root", "-o", "x.img", "--", "bin/sh"}) ==
          "the program must be an absolute path inside DIR (e.g. /bin/sh), not 'bin/sh'");
    CHECK(usageErrorOf({"root", "-o", "x.img", "--env", "PATH", "--", "/p"}) ==
          "--env needs NAME=VALUE, not 'PATH'");
    CHECK(usageErrorOf({"root", "-o", "x.img", "-e", "=1", "--", "/p"}) ==
          "--env needs NAME=VALUE, not '=1'");
    CHECK(usageErrorOf({"root", "-o", "x.img", "--env"}) == "option '--env' needs a value");
    CHECK(usageErrorOf({"root", "-o", "x.img", "--workdir", "srv", "--", "/p"}) ==
          "--workdir needs an absolute path inside DIR, not 'srv'");
    CHECK(usageErrorOf({"root", "-o", "x.img", "--frobnicate", "--", "/p"}) ==
          "unknown option '--frobnicate'");
    CHECK(usageErrorOf({"", "-o", "x.img", "--", "/p"}) == "empty directory name");
}

TEST_CASE("uk pack: the link has the library OS, the configuration and the archive only") {
    Toolchain t{.lld = "/tc/ld.lld", .muslLib = "/musl/lib", .resourceDir = "/uk/lib/uk"};
    Args cmd = packLinkCommand(t, {.configObject = "/tmp/p/uk-config.o",
                                   .initrdObject = "/tmp/p/uk-initrd.o",
                                   .output = "out/.x.img.tmp"});
    Args handlers, rest;
    for (const auto& a : cmd) {
        (a.rfind("--undefined=uk_syscall_", 0) == 0 ? handlers : rest).push_back(a);
    }
    CHECK(rest == Args{"/tc/ld.lld", "-static", "--gc-sections", "-z", "noexecstack", "-z",
                       "max-page-size=16", "-T", "/uk/lib/uk/uk.ld", "-o", "out/.x.img.tmp",
                       "/uk/lib/uk/uk-libos.o", "/tmp/p/uk-config.o", "/tmp/p/uk-initrd.o"});
    // The program is only known in the guest: every system call handler.
    CHECK(handlers.size() == uk::toolchain::implementedSyscalls().size());
}
