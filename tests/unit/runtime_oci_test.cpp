// The OCI runtime library (uk-runtime): its command line, config.json, how a bundle becomes a
// `uk run` command, the state it keeps and prints, its log lines and cgroup paths.
#include <doctest/doctest.h>

#include "error_capture.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <uk/runtime/bundle_spec.h>
#include <uk/runtime/cgroups.h>
#include <uk/runtime/container_state.h>
#include <uk/runtime/hooks.h>
#include <uk/runtime/launch_plan.h>
#include <uk/runtime/runtime_log.h>
#include <uk/runtime/runtime_options.h>
#include <uk/runtime/tap_network.h>
#include <uk/support/fs.h>

using namespace uk::runtime;
namespace stdfs = std::filesystem;
using json = nlohmann::json;

using uk::test::errorOf;
using uk::test::mentions;

namespace {

// A config.json as `runc spec` writes it, with `changes` merged in (a JSON merge patch).
std::string config(const json& changes = json::object()) {
    json c = {
        {"ociVersion", "1.0.2"},
        {"process",
         {{"terminal", false},
          {"user", {{"uid", 0}, {"gid", 0}}},
          {"args", {"sh", "-c", "echo hi"}},
          {"env", {"PATH=/bin", "TERM=xterm"}},
          {"cwd", "/"}}},
        {"root", {{"path", "rootfs"}, {"readonly", true}}},
        {"hostname", "runc"},
        {"linux", {{"namespaces", {{{"type", "pid"}}, {{"type", "network"}}}}}},
    };
    c.merge_patch(changes);
    return c.dump();
}

BundleSpec spec(const json& changes = json::object()) {
    return parseBundleSpec(config(changes), "/b", "/b/config.json");
}

std::string specError(const json& changes) {
    return errorOf([&] { spec(changes); });
}

ImageNeeds needs() {
    ImageNeeds n;
    n.kernelBytes = 1100 * 1024;      // 2 MiB rounded up
    n.rootfsBytes = 10 * 1024 * 1024; // 10 MiB
    n.workingDir = "/";
    n.user = "0:0";
    return n;
}

std::vector<std::string> plan(const BundleSpec& s, const ImageNeeds& n = needs()) {
    return planLaunch(s, n, "/r/.uk/kernel", "/a/x.cpio", "/b/config.json").ukRunArgs;
}

bool contains(const std::vector<std::string>& words, const std::vector<std::string>& run) {
    return std::search(words.begin(), words.end(), run.begin(), run.end()) != words.end();
}

} // namespace

TEST_CASE("runtime options: global options before the command, runc's spellings") {
    Invocation inv =
        parseInvocation({"--root", "/run/r", "--log=/l.json", "--log-format", "json",
                         "--systemd-cgroup", "-debug", "create", "--bundle", "/b", "id1"});
    CHECK(inv.global.root == "/run/r");
    CHECK(inv.global.log == "/l.json");
    CHECK(inv.global.logFormat == LogFormat::Json);
    CHECK(inv.global.systemdCgroup);
    CHECK(inv.global.debug);
    CHECK(inv.command == "create");
    CHECK(inv.commandArgs == std::vector<std::string>{"--bundle", "/b", "id1"});
    CHECK(parseInvocation({}).help);
    CHECK(parseInvocation({"--version"}).version);
    CHECK(parseInvocation({"-v"}).version);
    CHECK(parseInvocation({"state", "x"}).global.root == kDefaultRoot);
    CHECK(mentions(errorOf([] {
                       parseInvocation({"--log-format", "xml", "state", "x"});
                   }),
                   "expected text or json"));
    CHECK(mentions(errorOf([] {
                       parseInvocation({"--bogus", "state", "x"});
                   }),
                   "unknown global option --bogus"));
    CHECK(mentions(errorOf([] { parseInvocation({"--root"}); }), "--root needs a value"));
}

TEST_CASE("runtime options: create, kill, delete, ps") {
    CreateOptions c = parseCreateOptions({"--bundle", "/b", "--pid-file=/p", "--console-socket",
                                          "/s", "--no-pivot", "--no-new-keyring", "id"});
    CHECK(c.bundle == "/b");
    CHECK(c.pidFile == "/p");
    CHECK(c.consoleSocket == "/s");
    CHECK(c.id == "id");
    CHECK(parseCreateOptions({"-b", "x", "id"}).bundle == "x");
    CHECK(parseCreateOptions({"id"}).bundle == ".");
    CHECK(parseCreateOptions({"--preserve-fds", "2", "id"}).preserveFds == 2);
    CHECK(mentions(errorOf([] {
                       parseCreateOptions({"--bundle", "/b"});
                   }),
                   "the container ID is missing"));
    CHECK(mentions(errorOf([] {
                       parseCreateOptions({"--frobnicate", "id"});
                   }),
                   "unknown option --frobnicate"));
    CHECK(mentions(errorOf([] { parseCreateOptions({"a", "b"}); }), "unexpected argument 'b'"));

    KillOptions k = parseKillOptions({"id", "KILL"});
    CHECK(k.id == "id");
    CHECK(k.signal == SIGKILL);
    CHECK_FALSE(k.all);
    CHECK(parseKillOptions({"id"}).signal == SIGTERM);
    CHECK(parseKillOptions({"--all", "id", "9"}).all);
    CHECK(parseKillOptions({"-a", "id", "9"}).all);

    CHECK(parseDeleteOptions({"--force", "id"}).force);
    CHECK_FALSE(parseDeleteOptions({"id"}).force);
    CHECK_FALSE(parseDeleteOptions({"--force=false", "id"}).force);

    PsOptions p = parsePsOptions({"--format", "json", "id"});
    CHECK(p.json);
    CHECK(p.id == "id");
    CHECK(parsePsOptions({"id", "-ef"}).id == "id"); // ps(1)'s options after the ID
}

TEST_CASE("runtime options: signals by name and number") {
    CHECK(parseSignal("KILL") == SIGKILL);
    CHECK(parseSignal("SIGTERM") == SIGTERM);
    CHECK(parseSignal("sigint") == SIGINT);
    CHECK(parseSignal("hup") == SIGHUP);
    CHECK(parseSignal("15") == 15);
    CHECK(parseSignal("9") == 9);
    CHECK(mentions(errorOf([] { parseSignal("NOPE"); }), "unknown signal 'NOPE'"));
    CHECK(mentions(errorOf([] { parseSignal("0"); }), "not a signal number"));
    CHECK(mentions(errorOf([] { parseSignal("999"); }), "not a signal number"));
}

TEST_CASE("runtime options: container IDs are path components runc accepts") {
    checkContainerId("84dca734cb01397a12abfda8368fd27feb08ccc2e6596ee8e5c75e9b4190b024");
    checkContainerId("my_app-1.2+x");
    for (const char* bad : {"", ".", "..", "a/b", "a b", "../x"}) {
        CHECK(mentions(errorOf([&] { checkContainerId(bad); }), "invalid container ID"));
    }
}

TEST_CASE("bundle: what uk reads from config.json") {
    BundleSpec s =
        spec({{"process",
               {{"args", {"/bin/app", "--flag"}},
                {"env", {"A=1", "B=two=2"}},
                {"cwd", "/work"},
                {"user", {{"uid", 1000}, {"gid", 100}, {"additionalGids", {5, 6}}}},
                {"terminal", true}}},
              {"hostname", "web"},
              {"linux",
               {{"resources",
                 {{"memory", {{"limit", 268435456}}},
                  {"cpu", {{"quota", 50000}, {"period", 100000}, {"cpus", "0-1"}}}}},
                {"namespaces", {{{"type", "network"}, {"path", "/proc/1/ns/net"}}}},
                {"cgroupsPath", "/docker/abc"}}},
              {"hooks",
               {{"prestart", {{{"path", "/bin/hook"}, {"args", {"hook", "x"}}, {"timeout", 5}}}}}},
              {"annotations", {{"k", "v"}}}});
    CHECK(s.bundle == "/b");
    CHECK(s.rootfs == "/b/rootfs");
    CHECK(s.args == std::vector<std::string>{"/bin/app", "--flag"});
    CHECK(s.env == std::vector<std::string>{"A=1", "B=two=2"});
    CHECK(s.cwd == "/work");
    CHECK(s.uid == 1000);
    CHECK(s.gid == 100);
    CHECK(s.additionalGids == std::vector<uint32_t>{5, 6});
    CHECK(s.terminal);
    CHECK(s.hostname == "web");
    CHECK(s.memoryLimit == 268435456);
    CHECK(s.cpuQuota == 50000);
    CHECK(s.cpuPeriod == 100000u);
    CHECK(s.cpusetCpus == "0-1");
    CHECK(s.network == NetworkNamespace::Join);
    CHECK(s.networkPath == "/proc/1/ns/net");
    CHECK(s.cgroupsPath == "/docker/abc");
    REQUIRE(s.hooks.prestart.size() == 1);
    CHECK(s.hooks.prestart[0].path == "/bin/hook");
    CHECK(s.hooks.prestart[0].args == std::vector<std::string>{"hook", "x"});
    CHECK(s.hooks.prestart[0].timeoutSeconds == 5);
    CHECK(s.annotations == std::vector<std::pair<std::string, std::string>>{{"k", "v"}});

    CHECK(spec().network == NetworkNamespace::New);
    CHECK(spec({{"linux", {{"namespaces", json::array()}}}}).network == NetworkNamespace::Host);
    CHECK(spec({{"root", {{"path", "/abs/root"}}}}).rootfs == "/abs/root");
    // -1 and 0 set no limit, as for runc.
    CHECK_FALSE(spec({{"linux", {{"resources", {{"memory", {{"limit", -1}}}}}}}}).memoryLimit);
    CHECK_FALSE(spec({{"linux", {{"resources", {{"cpu", {{"quota", -1}}}}}}}}).cpuQuota);
    CHECK_FALSE(spec({{"linux", {{"resources", {{"memory", {{"limit", 0}}}}}}}}).memoryLimit);
}

TEST_CASE("bundle: errors name the file and the field") {
    auto err = [](const json& changes) { return specError(changes); };
    CHECK(err({{"process", {{"args", json::array()}}}}) ==
          "/b/config.json: process.args: must not be empty: its first word is the program to run");
    CHECK(err({{"process", {{"args", "sh"}}}}) ==
          "/b/config.json: process.args: must be an array of strings");
    CHECK(err({{"process", {{"args", {"sh", 3}}}}}) ==
          "/b/config.json: process.args[1]: must be a string");
    CHECK(err({{"process", {{"env", {"NOVALUE"}}}}}) ==
          "/b/config.json: process.env[0]: 'NOVALUE' is not NAME=VALUE");
    CHECK(err({{"process", {{"cwd", "relative"}}}}) ==
          "/b/config.json: process.cwd: must be an absolute path, not 'relative'");
    CHECK(err({{"process", {{"user", {{"uid", -1}}}}}}) ==
          "/b/config.json: process.user.uid: must be a non-negative integer");
    CHECK(err({{"process", {{"terminal", "yes"}}}}) ==
          "/b/config.json: process.terminal: must be true or false");
    CHECK(err({{"root", nullptr}}) ==
          "/b/config.json: root: is missing (it names the container's root file system)");
    CHECK(err({{"linux", {{"resources", {{"memory", {{"limit", -2}}}}}}}}) ==
          "/b/config.json: linux.resources.memory.limit: -2 is negative (-1 means no limit)");
    CHECK(err({{"linux", {{"resources", {{"memory", {{"limit", "1G"}}}}}}}}) ==
          "/b/config.json: linux.resources.memory.limit: must be an integer");
    CHECK(err({{"linux", {{"resources", {{"cpu", {{"quota", -5}}}}}}}}) ==
          "/b/config.json: linux.resources.cpu.quota: -5 is negative (-1 means no limit)");
    CHECK(err({{"linux", {{"resources", {{"cpu", {{"period", -1}}}}}}}}) ==
          "/b/config.json: linux.resources.cpu.period: must be a non-negative integer");
    CHECK(err({{"linux", {{"namespaces", {{{"type", "network"}, {"path", "rel"}}}}}}}) ==
          "/b/config.json: linux.namespaces[0].path: must be an absolute path, not 'rel'");
    CHECK(err({{"hooks", {{"prestart", {{{"path", "hook"}}}}}}}) ==
          "/b/config.json: hooks.prestart[0].path: must be an absolute path, not 'hook'");
    CHECK(mentions(errorOf([] { parseBundleSpec("{\"process\": ", "/b", "/b/config.json"); }),
                   "/b/config.json: not valid JSON: "));
    CHECK(errorOf([] { parseBundleSpec("[1]", "/b", "/b/config.json"); }) ==
          "/b/config.json: not a JSON object");
}

TEST_CASE("bundle: files on disk") {
    uk::fs::TempDir temp("uk-test");
    const stdfs::path b = temp.path() / "bundle";
    CHECK(mentions(errorOf([&] { readBundleRootfs(b); }), "no such directory"));
    stdfs::create_directories(b / "rootfs" / ".uk");
    CHECK(mentions(errorOf([&] { loadBundleSpec(b); }), "config.json: no such file"));
    uk::fs::writeFileAtomic(b / "config.json", config());
    CHECK(readBundleRootfs(b) == b / "rootfs");
    CHECK(loadBundleSpec(b).args.front() == "sh");
    CHECK_FALSE(holdsUkKernel(b / "rootfs"));
    stdfs::create_symlink("/nowhere", b / "rootfs" / ".uk" / "kernel");
    CHECK(holdsUkKernel(b / "rootfs")); // a link is the bundle's claim, refused later
}

TEST_CASE("launch plan: the uk run command") {
    auto words = plan(spec(
        {{"process", {{"args", {"sh", "-c", "echo $A"}}, {"env", {"A=1"}}}}, {"hostname", "web"}}));
    CHECK(words == std::vector<std::string>{"--initrd", "/a/x.cpio", "--cpus", "1", "--hostname",
                                            "web", "-e", "A=1", "--entrypoint", "sh",
                                            "/r/.uk/kernel", "--", "-c", "echo $A"});
    // The image's own user needs no --user (its supplementary groups stay); another does.
    CHECK_FALSE(contains(plan(spec()), {"--user"}));
    auto other = spec({{"process", {{"user", {{"uid", 1000}, {"gid", 1000}}}}}});
    CHECK(contains(plan(other), {"--user", "1000:1000"}));
    ImageNeeds appUser = needs();
    appUser.user = "1000:1000";
    CHECK_FALSE(contains(plan(other, appUser), {"--user"}));
    CHECK(contains(plan(spec(), appUser), {"--user", "0:0"}));
}

TEST_CASE("launch plan: exposed ports are published on the container's address") {
    ImageNeeds n = needs();
    n.exposedPorts = {"8080/tcp", "53/udp", "9000", "132/sctp"};
    LaunchPlan p = planLaunch(spec(), n, "/k", "/i", "/b/config.json");
    CHECK(contains(p.ukRunArgs, {"-p", "0.0.0.0:8080:8080"}));
    CHECK(contains(p.ukRunArgs, {"-p", "0.0.0.0:53:53/udp"}));
    CHECK(contains(p.ukRunArgs, {"-p", "0.0.0.0:9000:9000"}));
    CHECK_FALSE(contains(p.ukRunArgs, {"-p", "0.0.0.0:132:132"}));
    REQUIRE(p.warnings.size() == 1);
    CHECK(mentions(p.warnings[0], "132/sctp"));
}

TEST_CASE("launch plan: memory limits") {
    ImageNeeds n = needs();
    CHECK(minimumMemoryMiB(n) == 2 + 10 + kRunHeadroomMiB);
    CHECK_FALSE(memoryMiBForLimit(spec(), n, "c"));
    auto limited = [](int64_t bytes) {
        return spec({{"linux", {{"resources", {{"memory", {{"limit", bytes}}}}}}}});
    };
    CHECK(memoryMiBForLimit(limited(256 << 20), n, "c") == 256u);
    CHECK(memoryMiBForLimit(limited((100 << 20) + 12345), n, "c") == 100u); // rounded down
    CHECK(memoryMiBForLimit(limited(44 << 20), n, "c") == 44u);
    CHECK(errorOf([&] { memoryMiBForLimit(limited(43 << 20), n, "c"); }) ==
          "c: linux.resources.memory.limit: 45088768 bytes (43 MiB) is less than the 44 MiB "
          "this container needs: its kernel (2 MiB) and root file system (10 MiB) live in the "
          "guest's RAM, plus 32 MiB to run");
    CHECK(contains(plan(limited(256 << 20)), {"--mem", "256"}));
    CHECK_FALSE(contains(plan(spec()), {"--mem"}));
}

TEST_CASE("launch plan: CPU limits") {
    auto cpu = [](const json& c) {
        return cpusForLimits(spec({{"linux", {{"resources", {{"cpu", c}}}}}}), "c");
    };
    CHECK(cpusForLimits(spec(), "c") == 1);
    CHECK(cpu({{"quota", 150000}, {"period", 100000}}) == 2);
    CHECK(cpu({{"quota", 200000}, {"period", 100000}}) == 2);
    CHECK(cpu({{"quota", 50000}}) == 1); // the kernel's default period, 100 ms
    CHECK(cpu({{"quota", 1000}, {"period", 100000}}) == 1);
    CHECK(cpu({{"cpus", "0-3,6"}}) == 5);
    CHECK(cpu({{"cpus", "2"}}) == 1);
    CHECK(cpu({{"quota", 300000}, {"cpus", "0"}}) == 3); // the quota decides
    CHECK(errorOf([&] {
              cpu({{"cpus", "3-1"}});
          }) == "c: linux.resources.cpu.cpus: '3-1' is not a CPU list such as 0-3,6");
    CHECK(mentions(errorOf([&] { cpu({{"cpus", "a"}}); }), "not a CPU list"));
}

TEST_CASE("launch plan: process.cwd becomes uk run --workdir") {
    auto hasWorkdir = [](const LaunchPlan& p, const std::string& dir) {
        const auto& a = p.ukRunArgs;
        for (size_t i = 0; i + 1 < a.size(); ++i) {
            if (a[i] == "--workdir" && a[i + 1] == dir) {
                return true;
            }
        }
        return false;
    };
    LaunchPlan p = planLaunch(spec({{"process", {{"cwd", "/srv"}}}}), needs(), "/k", "/i", "c");
    CHECK(hasWorkdir(p, "/srv"));
    CHECK(p.warnings.empty());
    LaunchPlan root = planLaunch(spec({{"process", {{"cwd", "/"}}}}), needs(), "/k", "/i", "c");
    CHECK_FALSE(hasWorkdir(root, "/"));
}

TEST_CASE("state: the marker round-trips; runc's state JSON") {
    ContainerState s;
    s.id = "c1";
    s.pid = 4242;
    s.pidStartTime = 99;
    s.bundle = "/b";
    s.rootfs = "/b/rootfs";
    s.initrd = "/a/c1.cpio";
    s.created = "2024-05-01T12:00:00.000000001Z";
    s.started = true;
    s.cgroupDirs = {"/sys/fs/cgroup/memory/docker/c1"};
    s.annotations = {{"a", "b"}};
    s.poststop = {Hook{"/bin/h", {"h"}, {"X=1"}, 3}};
    CHECK(decodeState(encodeState(s), "m").startLine == "0"); // the default: a plain start
    s.startLine = "--mac 02:42:ac:11:00:02 --ip 172.17.0.2/16";
    ContainerState back = decodeState(encodeState(s), "m");
    CHECK(back.startLine == s.startLine);
    CHECK(back.id == "c1");
    CHECK(back.pid == 4242);
    CHECK(back.pidStartTime == 99);
    CHECK(back.initrd == "/a/c1.cpio");
    CHECK(back.started);
    CHECK_FALSE(back.paused);
    CHECK(back.cgroupDirs == s.cgroupDirs);
    CHECK(back.annotations == s.annotations);
    REQUIRE(back.poststop.size() == 1);
    CHECK(back.poststop[0].timeoutSeconds == 3);
    CHECK(mentions(errorOf([] { decodeState("{}", "m"); }), "m: corrupt container state"));

    json running = json::parse(stateJson(s, Status::Running));
    CHECK(running["ociVersion"] == "1.0.2");
    CHECK(running["id"] == "c1");
    CHECK(running["pid"] == 4242);
    CHECK(running["status"] == "running");
    CHECK(running["bundle"] == "/b");
    CHECK(running["rootfs"] == "/b/rootfs");
    CHECK(running["created"] == s.created);
    CHECK(running["owner"] == "");
    CHECK(running["annotations"]["a"] == "b");
    CHECK(json::parse(stateJson(s, Status::Stopped))["pid"] == 0);
    json hook = json::parse(hookStateJson(s, "created"));
    CHECK(hook["pid"] == 4242);
    CHECK(hook["status"] == "created");
}

TEST_CASE("state: the directory, statuses from the process") {
    uk::fs::TempDir temp("uk-test");
    StateDirectory dir(temp.path() / "root", "c1");
    CHECK_FALSE(dir.exists());
    CHECK_FALSE(dir.isUkContainer());
    dir.create();
    CHECK(dir.exists());
    CHECK_FALSE(dir.isUkContainer()); // runc's, until the marker is written
    CHECK(errorOf([&] { dir.create(); }) == "container with id exists: c1");
    CHECK(mentions(errorOf([&] { dir.load(); }), "container c1 does not exist"));
    ContainerState s;
    s.id = "c1";
    s.pid = ::getpid();
    s.pidStartTime = processStartTime(s.pid).value();
    dir.save(s);
    CHECK(dir.isUkContainer());
    CHECK(currentStatus(dir.load()) == Status::Created);
    s.started = true;
    CHECK(currentStatus(s) == Status::Running);
    s.paused = true;
    CHECK(currentStatus(s) == Status::Paused);
    s.pidStartTime += 1; // the pid was reused by another process
    CHECK(currentStatus(s) == Status::Stopped);
    dir.remove();
    CHECK_FALSE(dir.exists());
    CHECK(mentions(errorOf([&] { StateDirectory(temp.path(), "../x"); }), "invalid container ID"));

    // A child that starts its own session is found in it. (The test's own session
    // will not do: under a PID namespace its leader may be outside, and getsid says 0.)
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::setsid();
        char c = 1;
        (void)!::write(ready[1], &c, 1);
        ::pause();
        ::_exit(0);
    }
    char c = 0;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    auto session = sessionProcesses(child);
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    ::close(ready[0]);
    ::close(ready[1]);
    CHECK(session == std::vector<pid_t>{child});
    CHECK(sessionProcesses(0).empty());
    CHECK(rfc3339Now().size() == std::string("2024-05-01T12:00:00.000000001Z").size());
}

TEST_CASE("hooks: state on stdin, failures named") {
    uk::fs::TempDir temp("uk-test");
    const std::string out = (temp.path() / "seen").string();
    Hook ok{"/bin/sh", {"sh", "-c", "cat > " + out + "; echo $X >> " + out}, {"X=from-env"}, 5};
    runHooks({ok}, "prestart", "{\"pid\":1}");
    CHECK(uk::fs::readFile(out) == "{\"pid\":1}from-env\n");
    Hook failing{"/bin/sh", {"sh", "-c", "echo broken >&2; exit 3"}, {}, std::nullopt};
    CHECK(errorOf([&] {
              runHooks({ok, failing}, "prestart", "{}");
          }) == "prestart hook #1 (/bin/sh): exit status 3: broken");
    Hook slow{"/bin/sh", {"sh", "-c", "sleep 10"}, {}, 1};
    CHECK(errorOf([&] { runHooks({slow}, "createRuntime", "{}"); }) ==
          "createRuntime hook #0 (/bin/sh): timed out after 1 s");
    // A hook that leaves a daemon holding its output is done when it exits, not when the
    // daemon lets the pipe go.
    Hook forks{"/bin/sh", {"sh", "-c", "sleep 5 & echo started"}, {}, 30};
    auto t0 = std::chrono::steady_clock::now();
    runHooks({forks}, "prestart", "{}");
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(4));
    Hook missing{"/nonexistent/hook", {}, {}, std::nullopt};
    CHECK(mentions(errorOf([&] { runHooks({missing}, "poststop", "{}"); }),
                   "poststop hook #0 (/nonexistent/hook): cannot run it"));
}

TEST_CASE("log: logrus's text and JSON lines") {
    CHECK(RuntimeLog::formatLine(LogFormat::Json, "error", "bad \"x\"", "T") ==
          R"({"level":"error","msg":"bad \"x\"","time":"T"})");
    CHECK(RuntimeLog::formatLine(LogFormat::Text, "error", "bad \"x\"", "T") ==
          R"(time="T" level=error msg="bad \"x\"")");
}

TEST_CASE("cgroups: cgroupfs and systemd paths") {
    CHECK(cgroupRelativePath("/docker/abc", false) == "/docker/abc");
    CHECK(cgroupRelativePath("docker/abc", false) == "/docker/abc");
    CHECK(cgroupRelativePath("system.slice:docker:abc", true) == "/system.slice/docker-abc.scope");
    CHECK(cgroupRelativePath("kubepods-besteffort.slice:cri-containerd:abc", true) ==
          "/kubepods.slice/kubepods-besteffort.slice/cri-containerd-abc.scope");
    CHECK(cgroupRelativePath("/docker/abc", true) == "/docker/abc");
}

TEST_CASE("launch plan: mounts the guest cannot see") {
    json dockerMounts = {
        {{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
        {{"destination", "/dev/shm"}, {"type", "bind"}, {"source", "/var/lib/docker/shm"}},
        {{"destination", "/etc/resolv.conf"}, {"type", "bind"}, {"source", "/x/resolv.conf"}},
        {{"destination", "/etc/hosts"}, {"type", "bind"}, {"source", "/x/hosts"}},
        {{"destination", "/sbin/docker-init"}, {"type", "bind"}, {"source", "/usr/bin/tini"}},
    };
    // docker run --init: the init is dropped, the command stays.
    auto init = spec({{"mounts", dockerMounts},
                      {"process", {{"args", {"/sbin/docker-init", "--", "sh", "-c", "x"}}}}});
    LaunchPlan p = planLaunch(init, needs(), "/k", "/i", "c");
    CHECK(contains(p.ukRunArgs, {"--entrypoint", "sh", "/k", "--", "-c", "x"}));
    CHECK(p.warnings.empty());
    // Docker's own mounts are the guest's (or its init's): nothing to copy.
    MountCopies copies = planMountCopies(init, MountMode::ReadOnly, {}, "c");
    CHECK(copies.grafts.empty());
    CHECK(copies.warnings.empty());
    // A program from the host is an error.
    auto hostProgram =
        spec({{"mounts", dockerMounts}, {"process", {{"args", {"/sbin/docker-init", "sh"}}}}});
    CHECK(errorOf([&] { planLaunch(hostProgram, needs(), "/k", "/i", "c"); }) ==
          "c: process.args[0]: /sbin/docker-init is bind-mounted from the host (/usr/bin/tini), "
          "which the guest cannot see");
    CHECK(mentions(specError({{"mounts", {{{"type", "bind"}}}}}),
                   "mounts[0].destination: is missing"));
}

TEST_CASE("mounts: bind mounts are copied into the guest, read-write ones only when asked") {
    ::unsetenv(kMountsEnvironment);
    json mounts = {
        {{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
        {{"destination", "/etc/hosts"}, {"type", "bind"}, {"source", "/x/hosts"}},
        {{"destination", "/srv/www/"},
         {"type", "bind"},
         {"source", "/host/www"},
         {"options", {"rbind", "ro"}}},
        {{"destination", "/etc/app.conf"},
         {"source", "/host/app.conf"},
         {"options", {"bind", "ro"}}},
        {{"destination", "/run"}, {"type", "tmpfs"}, {"options", {"nosuid", "mode=755"}}},
        {{"destination", "/cache"}, {"type", "tmpfs"}},
        {{"destination", "/mnt/nfs"}, {"type", "nfs"}, {"source", "server:/x"}},
    };
    MountCopies c = planMountCopies(spec({{"mounts", mounts}}), MountMode::ReadOnly, {}, "c");
    REQUIRE(c.grafts.size() == 4);
    CHECK(c.grafts[0].at == "srv/www");
    CHECK(c.grafts[0].source == "/host/www");
    CHECK(c.grafts[1].at == "etc/app.conf");
    CHECK(c.grafts[1].source == "/host/app.conf");
    CHECK(c.grafts[2].at == "run");
    CHECK(c.grafts[2].source.empty());
    CHECK(c.grafts[2].emptyMode == 0755);
    CHECK(c.grafts[3].emptyMode == 01777);
    REQUIRE(c.warnings.size() == 1);
    CHECK(c.warnings[0] == "mounts: /mnt/nfs (type nfs) is not in the guest");

    // A read-write bind mount: refused, naming the way out; copied when asked.
    json rw = {{{"destination", "/data"}, {"type", "bind"}, {"source", "/var/lib/vol"}}};
    CHECK(mentions(errorOf([&] {
                       planMountCopies(spec({{"mounts", rw}}), MountMode::ReadOnly, {}, "c");
                   }),
                   "c: mounts: /data (from /var/lib/vol) is read-write, but the guest runs on a "
                   "copy of the container's files"));
    CHECK(mentions(errorOf([&] {
                       planMountCopies(spec({{"mounts", rw}}), MountMode::ReadOnly, {}, "c");
                   }),
                   "docker run -v /var/lib/vol:/data:ro"));
    c = planMountCopies(spec({{"mounts", rw}}), MountMode::Copy, {}, "c");
    REQUIRE(c.grafts.size() == 1);
    CHECK(c.grafts[0].at == "data");

    // An anonymous volume at one of the image's VOLUMEs: the image's own files, no error; a
    // named one there is still refused.
    const std::string anon = "/var/lib/docker/volumes/" + std::string(64, 'a') + "/_data";
    json anonymous = {{{"destination", "/var/lib/redis/"}, {"type", "bind"}, {"source", anon}}};
    c = planMountCopies(spec({{"mounts", anonymous}}), MountMode::ReadOnly, {"/var/lib/redis"},
                        "c");
    CHECK(c.grafts.empty());
    CHECK(c.imageFiles == std::vector<std::string>{"/var/lib/redis"});
    CHECK(mentions(errorOf([&] {
                       planMountCopies(spec({{"mounts", anonymous}}), MountMode::ReadOnly,
                                       {"/elsewhere"}, "c");
                   }),
                   "is read-write"));
    json named = {{{"destination", "/var/lib/redis"},
                   {"type", "bind"},
                   {"source", "/var/lib/docker/volumes/redis-data/_data"}}};
    CHECK(mentions(errorOf([&] {
                       planMountCopies(spec({{"mounts", named}}), MountMode::ReadOnly,
                                       {"/var/lib/redis"}, "c");
                   }),
                   "is read-write"));

    // The mode: the annotation, else the environment; anything else is an error.
    CHECK(mountModeFor(spec(), "c") == MountMode::ReadOnly);
    CHECK(mountModeFor(spec({{"annotations", {{kMountsAnnotation, "copy"}}}}), "c") ==
          MountMode::Copy);
    ::setenv(kMountsEnvironment, "copy", 1);
    CHECK(mountModeFor(spec(), "c") == MountMode::Copy);
    CHECK(mountModeFor(spec({{"annotations", {{kMountsAnnotation, "read-only"}}}}), "c") ==
          MountMode::ReadOnly);
    ::unsetenv(kMountsEnvironment);
    CHECK(errorOf([&] {
              mountModeFor(spec({{"annotations", {{kMountsAnnotation, "rw"}}}}), "c");
          }) == "c: annotations.io.uk.mounts: expected read-only or copy, got 'rw'");
    // A destination outside the container.
    json out = {{{"destination", "/../.."}, {"type", "tmpfs"}}};
    CHECK(errorOf([&] {
              planMountCopies(spec({{"mounts", out}}), MountMode::ReadOnly, {}, "c");
          }) == "c: mounts: /../..: not a path in the container");
}

TEST_CASE("tap network: the mode from the annotation, else the environment") {
    ::unsetenv(kNetworkEnvironment);
    CHECK(networkModeFor(spec(), "c") == NetworkMode::Auto);
    CHECK(networkModeFor(spec({{"annotations", {{kNetworkAnnotation, "tap"}}}}), "c") ==
          NetworkMode::Tap);
    ::setenv(kNetworkEnvironment, "user", 1);
    CHECK(networkModeFor(spec(), "c") == NetworkMode::User);
    CHECK(networkModeFor(spec({{"annotations", {{kNetworkAnnotation, "auto"}}}}), "c") ==
          NetworkMode::Auto); // the annotation wins
    ::unsetenv(kNetworkEnvironment);
    CHECK(
        mentions(errorOf([&] {
                     networkModeFor(spec({{"annotations", {{kNetworkAnnotation, "bridge"}}}}), "c");
                 }),
                 "bridge"));
}

TEST_CASE("tap network: name servers for the guest") {
    std::vector<std::string> notes;
    CHECK(guestNameServers("nameserver 10.0.0.2\nnameserver 1.1.1.1\n", {}, notes) ==
          std::vector<std::string>{"10.0.0.2", "1.1.1.1"});
    CHECK(notes.empty());
    // Docker's embedded DNS lives on the namespace's loopback: the host's servers instead.
    notes.clear();
    CHECK(guestNameServers("nameserver 127.0.0.11\noptions ndots:0\n",
                           {"# none\n", "nameserver 192.0.2.53\nnameserver ::1\n"},
                           notes) == std::vector<std::string>{"192.0.2.53"});
    CHECK_FALSE(notes.empty());
    // At most three, IPv4 only.
    notes.clear();
    CHECK(guestNameServers("nameserver 1.0.0.1\nnameserver fe80::1\nnameserver 1.0.0.2\n"
                           "nameserver 1.0.0.3\nnameserver 1.0.0.4\n",
                           {}, notes)
              .size() == 3);
}

TEST_CASE("tap network: uk run's words with the tap instead of published ports") {
    TapWiring w;
    w.interface = "eth0";
    w.mac = "02:42:ac:12:00:02";
    w.addresses.push_back(InterfaceAddress{0xac120002, 16, std::nullopt});
    w.gateway = 0xac120001;
    std::vector<std::string> user = {"--initrd",
                                     "/a/x.cpio",
                                     "-p",
                                     "0.0.0.0:80:80",
                                     "-p",
                                     "0.0.0.0:53:53/udp",
                                     "--entrypoint",
                                     "/bin/sh",
                                     "/r/.uk/kernel",
                                     "--",
                                     "-p"};
    std::vector<std::string> got = tapRunArgs(user, w, {"10.0.0.2"});
    std::vector<std::string> want = {"--initrd",
                                     "/a/x.cpio",
                                     "--net",
                                     "tap:uk-tap0",
                                     "--mac",
                                     "02:42:ac:12:00:02",
                                     "--ip",
                                     "172.18.0.2/16",
                                     "--gw",
                                     "172.18.0.1",
                                     "--dns",
                                     "10.0.0.2",
                                     "--entrypoint",
                                     "/bin/sh",
                                     "/r/.uk/kernel",
                                     "--",
                                     "-p"};
    CHECK(got == want);
    CHECK(formatInterfaceAddress(w.addresses[0]) == "172.18.0.2/16");
    // Booted on a prepared tap: the network alone on the command line, the settings at start.
    CHECK(preparedTapRunArgs(user) ==
          std::vector<std::string>{"--initrd", "/a/x.cpio", "--net", "tap:uk-tap0", "--entrypoint",
                                   "/bin/sh", "/r/.uk/kernel", "--", "-p"});
    CHECK(tapSettings(w, {"10.0.0.2"}) ==
          std::vector<std::string>{"--mac", "02:42:ac:12:00:02", "--ip", "172.18.0.2/16", "--gw",
                                   "172.18.0.1", "--dns", "10.0.0.2"});
    // An overlay network's smaller MTU goes to the guest.
    w.mtu = 1450;
    CHECK(tapSettings(w, {}) == std::vector<std::string>{"--mac", "02:42:ac:12:00:02", "--mtu",
                                                         "1450", "--ip", "172.18.0.2/16", "--gw",
                                                         "172.18.0.1"});
}
