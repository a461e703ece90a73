// Detached instances: names, ids, times and statuses as docker shows them, the state files,
// the store, /proc parsing and the Prometheus exposition.
#include <doctest/doctest.h>

#include <fcntl.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include <uk/loader/instance.h>
#include <uk/loader/instance_metrics.h>
#include <uk/loader/instance_store.h>
#include <uk/loader/process_info.h>
#include <uk/loader/run_options.h>
#include <uk/support/fs.h>
#include <uk/support/text.h>

using namespace uk::loader;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

WallTime at(const char* text) {
    auto t = parseTime(text);
    REQUIRE(t);
    return *t;
}

InstanceConfig sampleConfig(const std::string& name, const std::string& id = "") {
    InstanceConfig c;
    c.id = id;
    c.name = name;
    c.image = "/images/app.img";
    c.command = {"-d", "app.img", "--", "a b"};
    c.args = {"a b"};
    c.memoryMiB = 128;
    c.network = "user";
    c.created = wallNow();
    return c;
}

// A process that has ended and been reaped: its identity names nothing any more.
ProcessIdentity endedProcess() {
    int ready[2];
    // Close-on-exec: a process another test starts meanwhile must not keep the write end
    // open (the child would then wait forever).
    REQUIRE(::pipe2(ready, O_CLOEXEC) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(ready[1]);
        char c;
        [[maybe_unused]] ssize_t n = ::read(ready[0], &c, 1);
        ::_exit(0);
    }
    auto identity = identifyProcess(pid);
    ::close(ready[1]); // lets it end
    ::close(ready[0]);
    int status;
    ::waitpid(pid, &status, 0);
    REQUIRE(identity);
    return *identity;
}

} // namespace

TEST_CASE("instance names follow docker's rule") {
    CHECK_NOTHROW(checkInstanceName("web"));
    CHECK_NOTHROW(checkInstanceName("a1"));
    CHECK_NOTHROW(checkInstanceName("my_app.v2-test"));
    CHECK_NOTHROW(checkInstanceName("9lives"));
    CHECK_THROWS_WITH_AS(checkInstanceName("x"), doctest::Contains("at least two"), uk::Error);
    CHECK_THROWS_WITH_AS(checkInstanceName("-web"), doctest::Contains("start with a letter"),
                         uk::Error);
    CHECK_THROWS_WITH_AS(checkInstanceName(".hidden"), doctest::Contains("'.hidden'"), uk::Error);
    CHECK_THROWS_AS(checkInstanceName("a/b"), uk::Error);
    CHECK_THROWS_AS(checkInstanceName("a b"), uk::Error);
    CHECK_THROWS_AS(checkInstanceName(std::string(65, 'a')), uk::Error);
    CHECK_NOTHROW(checkInstanceName(std::string(64, 'a')));
}

TEST_CASE("instance ids and generated names") {
    std::set<std::string> ids;
    for (int i = 0; i < 50; ++i) {
        std::string id = newInstanceId();
        CHECK(std::regex_match(id, std::regex("[0-9a-f]{12}")));
        ids.insert(id);
    }
    CHECK(ids.size() == 50);
    for (uint64_t r : {0ull, 1ull, 48ull, 12345678901ull}) {
        std::string name = instanceNameFor(r);
        CHECK(std::regex_match(name, std::regex("[a-z]+_[a-z]+")));
        CHECK_NOTHROW(checkInstanceName(name));
    }
    CHECK(instanceNameFor(0) != instanceNameFor(1));
}

TEST_CASE("times as RFC 3339") {
    WallTime t = at("2024-05-01T12:03:04.000000123Z");
    CHECK(formatTime(t) == "2024-05-01T12:03:04.000000123Z");
    CHECK(t.time_since_epoch().count() == 1714564984000000123);
    CHECK(formatTime(at("1970-01-01T00:00:00Z")) == "1970-01-01T00:00:00.000000000Z");
    CHECK(formatTime(at("2024-02-29T23:59:59.5Z")) == "2024-02-29T23:59:59.500000000Z");
    WallTime now = wallNow();
    CHECK(parseTime(formatTime(now)) == now);
    for (const char* bad :
         {"", "2024-05-01", "2024-05-01 12:03:04Z", "2024-05-01T12:03:04", "2024-13-01T12:03:04Z",
          "2024-05-01T12:03:04.Z", "2024-05-01T12:03:04+02:00", "2024-05-01T12:03:04Zx"}) {
        CAPTURE(bad);
        CHECK_FALSE(parseTime(bad));
    }
}

TEST_CASE("durations as docker words them") {
    CHECK(humanDuration(500ms) == "Less than a second");
    CHECK(humanDuration(1s) == "1 second");
    CHECK(humanDuration(59s) == "59 seconds");
    CHECK(humanDuration(60s) == "About a minute");
    CHECK(humanDuration(119s) == "About a minute");
    CHECK(humanDuration(3min) == "3 minutes");
    CHECK(humanDuration(59min) == "59 minutes");
    CHECK(humanDuration(60min) == "About an hour");
    CHECK(humanDuration(89min) == "About an hour");
    CHECK(humanDuration(5h) == "5 hours");
    CHECK(humanDuration(47h) == "47 hours");
    CHECK(humanDuration(72h) == "3 days");
    CHECK(humanDuration(24h * 15) == "2 weeks");
    CHECK(humanDuration(24h * 120) == "4 months");
    CHECK(humanDuration(24h * 365 * 3) == "3 years");
}

TEST_CASE("the STATUS column") {
    WallTime now = at("2024-05-01T12:10:00Z");
    InstanceState s;
    CHECK(statusText(s, now) == "Created");
    s.phase = InstancePhase::Running;
    s.started = at("2024-05-01T12:07:00Z");
    CHECK(statusText(s, now) == "Up 3 minutes");
    s.phase = InstancePhase::Exited;
    s.exitCode = 3;
    s.finished = at("2024-05-01T12:09:50Z");
    CHECK(statusText(s, now) == "Exited (3) 10 seconds ago");
}

TEST_CASE("CPU time and byte sizes") {
    CHECK(formatCpuTime(0) == "0.00s");
    CHECK(formatCpuTime(0.42) == "0.42s");
    CHECK(formatCpuTime(12.34) == "12.3s");
    CHECK(formatCpuTime(185) == "3m05s");
    CHECK(formatCpuTime(7440) == "2h04m");
    CHECK(formatBytes(0) == "0B");
    CHECK(formatBytes(512) == "512B");
    CHECK(formatBytes(1536) == "1.5KiB");
    CHECK(formatBytes(134217728) == "128MiB");
    CHECK(formatBytes(38678528) == "36.89MiB");
    CHECK(formatBytes(1ull << 30) == "1GiB");
}

TEST_CASE("config.json and state.json round trip") {
    InstanceConfig c = sampleConfig("web", "0123456789ab");
    c.network = "tap";
    c.tapInterface = "tap0";
    c.ports = {"0.0.0.0:8080->80/tcp"};
    c.autoRemove = true;
    CHECK(parseConfigJson(formatConfigJson(c), "config.json") == c);

    InstanceState s;
    CHECK(parseStateJson(formatStateJson(s), "state.json") == s);
    s.phase = InstancePhase::Running;
    s.supervisor = {1234, 987654, "e2d651c3-a8ab-4ac0-a233-3b8f7bc82496"};
    s.started = wallNow();
    CHECK(parseStateJson(formatStateJson(s), "state.json") == s);
    s.phase = InstancePhase::Exited;
    s.exitCode = 143;
    s.finished = s.started + 5s;
    s.note = "why";
    CHECK(parseStateJson(formatStateJson(s), "state.json") == s);
    CHECK(contains(formatStateJson(s), "\"exitCode\": 143"));

    CHECK_THROWS_WITH_AS(parseConfigJson("{", "/x/config.json"),
                         doctest::Contains("/x/config.json"), uk::Error);
    CHECK_THROWS_WITH_AS(parseConfigJson("{\"id\": 1}", "/x/config.json"),
                         doctest::Contains("/x/config.json"), uk::Error);
    CHECK_THROWS_WITH_AS(parseStateJson("{\"phase\": \"dancing\"}", "/x/state.json"),
                         doctest::Contains("unknown phase"), uk::Error);
    CHECK_THROWS_WITH_AS(
        parseStateJson("{\"phase\": \"created\", \"startedAt\": \"soon\"}", "/x/state.json"),
        doctest::Contains("startedAt"), uk::Error);
}

TEST_CASE("/proc parsing") {
    // A command name with spaces and parentheses: the fields start after the last ')'.
    std::string stat = "4242 (qemu (a) b) S 4241 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 "
                       "20 0 3 0 987654 1234567890 9000 18446744073709551615 1 1 0 0 0 0 0 "
                       "4096 0 0 0 0 17 1 0 0 0 0 0\n";
    auto st = parseProcStat(stat);
    REQUIRE(st);
    CHECK(st->comm == "qemu (a) b");
    CHECK(st->state == 'S');
    CHECK(st->ppid == 4241);
    CHECK(st->utimeTicks == 250);
    CHECK(st->stimeTicks == 75);
    CHECK(st->startTicks == 987654);
    CHECK(st->rssPages == 9000);
    CHECK_FALSE(parseProcStat(""));
    CHECK_FALSE(parseProcStat("4242 (x) S 1 2 3"));

    std::string status = "Name:\tqemu-system-x86\nVmPeak:\t  500000 kB\nVmRSS:\t   37772 kB\n"
                         "Threads:\t3\n";
    CHECK(parseStatusBytes(status, "VmRSS") == 37772ull * 1024);
    CHECK(parseStatusBytes(status, "Threads") == 3u);
    CHECK_FALSE(parseStatusBytes(status, "VmSwap"));
    CHECK_FALSE(parseStatusBytes(status, "VmRS"));
}

TEST_CASE("process identities survive pid reuse") {
    auto self = identifyProcess(::getpid());
    REQUIRE(self);
    CHECK(self->pid == ::getpid());
    CHECK(isAlive(*self));
    CHECK_FALSE(currentBootId().empty());
    ProcessIdentity other = *self;
    other.startTicks += 1; // another process that got the same pid
    CHECK_FALSE(isAlive(other));
    other = *self;
    other.bootId = "another-boot";
    CHECK_FALSE(isAlive(other));
    CHECK_FALSE(isAlive(endedProcess()));
    CHECK_FALSE(isAlive(ProcessIdentity{}));
    auto st = readProcStat(::getpid());
    REQUIRE(st);
    CHECK(st->comm.size() > 0);
}

TEST_CASE("the children of a process") {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::pause();
        ::_exit(0);
    }
    auto children = childProcesses(::getpid());
    CHECK(std::find(children.begin(), children.end(), pid) != children.end());
    ::kill(pid, SIGKILL);
    int status;
    ::waitpid(pid, &status, 0);
    children = childProcesses(::getpid());
    CHECK(std::find(children.begin(), children.end(), pid) == children.end());
}

TEST_CASE("the state directory") {
    CHECK(stateDirectory({"/s", "/run/user/1000", "/home/u", false}) == "/s");
    CHECK(stateDirectory({"", "/run/user/1000", "/home/u", false}) == "/run/user/1000/uk");
    CHECK(stateDirectory({nullptr, nullptr, "/home/u", true}) == "/run/uk");
    CHECK(stateDirectory({nullptr, nullptr, "/home/u", false}) == "/home/u/.local/state/uk");
    CHECK(stateDirectory({nullptr, nullptr, nullptr, false}).empty());
}

TEST_CASE("the instance store") {
    uk::fs::TempDir temp("uk-store-test");
    InstanceStore store(temp.path() / "state");
    CHECK(store.list().empty()); // no directory yet
    CHECK_THROWS_AS(store.find("web"), NoSuchInstance);

    Instance web = store.create(sampleConfig("web"));
    CHECK(web.dir == temp.path() / "state" / "web");
    CHECK(std::regex_match(web.config.id, std::regex("[0-9a-f]{12}")));
    CHECK(web.state.phase == InstancePhase::Created);
    CHECK(std::filesystem::exists(web.logPath()));
    std::string conflict = "\"web\" is already in use by instance " + web.config.id;
    CHECK_THROWS_WITH_AS(store.create(sampleConfig("web")), doctest::Contains(conflict.c_str()),
                         NameConflict);
    CHECK_THROWS_AS(store.create(sampleConfig("bad name")), uk::Error);

    Instance generated = store.create(sampleConfig(""));
    CHECK(std::regex_match(generated.config.name, std::regex("[a-z]+_[a-z]+")));
    Instance a = store.create(sampleConfig("aa", "abc111111111"));
    Instance b = store.create(sampleConfig("bb", "abc222222222"));

    CHECK(store.list().size() == 4);
    CHECK(store.list().front().config.name == "bb"); // newest first
    CHECK(store.find("web").config.id == web.config.id);
    CHECK(store.find(web.config.id).config.name == "web");
    CHECK(store.find("abc1").config.name == "aa");
    CHECK(store.find("abc222222222").config.name == "bb");
    CHECK_THROWS_WITH_AS(store.find("abc"), doctest::Contains("matches 2 instances"), uk::Error);
    CHECK_THROWS_WITH_AS(store.find("nope"), "no such instance: nope", NoSuchInstance);
    CHECK_THROWS_AS(store.find("../state/web"), NoSuchInstance);

    // The supervisor records itself, then the exit.
    InstanceState s;
    s.phase = InstancePhase::Running;
    s.supervisor = *identifyProcess(::getpid());
    s.started = wallNow();
    store.writeState(a, s);
    CHECK(store.find("aa").running());
    s.phase = InstancePhase::Exited;
    s.exitCode = 3;
    s.finished = wallNow();
    store.writeState(a, s);
    CHECK(store.reload(a).state == s);

    // A supervisor that vanished without its word: settled as killed.
    InstanceState gone;
    gone.phase = InstancePhase::Running;
    gone.supervisor = endedProcess();
    gone.started = wallNow();
    store.writeState(b, gone);
    Instance settled = store.find("bb");
    CHECK(settled.state.phase == InstancePhase::Exited);
    CHECK(settled.state.exitCode == kStatusSupervisorKilled);
    CHECK(contains(settled.state.note, "without recording"));
    CHECK(store.reload(b).state == settled.state); // and recorded

    // A damaged instance is left out of the list, but found by name (for uk rm -f).
    uk::fs::writeFileAtomic(generated.dir / "config.json", "{ damaged");
    CHECK(store.list().size() == 3);
    CHECK_THROWS_AS(store.find(generated.config.name), uk::Error);

    store.remove(web);
    CHECK_FALSE(std::filesystem::exists(web.dir));
    CHECK_THROWS_AS(store.reload(web), NoSuchInstance);
}

TEST_CASE("a --rm instance waits for its waiters") {
    uk::fs::TempDir temp("uk-store-test");
    InstanceStore store(temp.path());
    Instance i = store.create(sampleConfig("rm-me"));
    auto start = std::chrono::steady_clock::now();
    {
        WaitHold hold(i);
        store.removeWhenUnwatched(i, 200ms); // held: removed only after the limit
    }
    CHECK(std::chrono::steady_clock::now() - start >= 200ms);
    CHECK_FALSE(std::filesystem::exists(i.dir));

    Instance j = store.create(sampleConfig("rm-me-too"));
    start = std::chrono::steady_clock::now();
    store.removeWhenUnwatched(j, 5000ms); // nobody waits: at once
    CHECK(std::chrono::steady_clock::now() - start < 1000ms);
    CHECK_FALSE(std::filesystem::exists(j.dir));
}

TEST_CASE("interface counters") {
    uk::fs::TempDir temp("uk-net-test");
    auto stats = temp.path() / "tap7" / "statistics";
    std::filesystem::create_directories(stats);
    std::ofstream(stats / "rx_bytes") << "1234\n";
    std::ofstream(stats / "tx_bytes") << "5678\n";
    auto counters = readInterfaceCounters("tap7", temp.path());
    REQUIRE(counters);
    CHECK(counters->rxBytes == 1234);
    CHECK(counters->txBytes == 5678);
    CHECK_FALSE(readInterfaceCounters("tap8", temp.path()));
    CHECK_FALSE(readInterfaceCounters("../tap7", temp.path()));
}

TEST_CASE("Prometheus exposition") {
    CHECK(prometheusLabelValue("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");

    MetricsSample running;
    running.instance.config = sampleConfig("web", "0123456789ab");
    running.instance.config.network = "tap";
    running.instance.state.phase = InstancePhase::Running;
    running.instance.state.started = at("2024-05-01T12:00:00.5Z");
    running.metrics.cpuSeconds = 1.25;
    running.metrics.rssBytes = 38678528;
    running.metrics.memoryLimitBytes = 134217728;
    running.metrics.receiveBytes = 100;
    running.metrics.transmitBytes = 200;
    MetricsSample exited;
    exited.instance.config = sampleConfig("done", "ba9876543210");
    exited.instance.state.phase = InstancePhase::Exited;
    exited.instance.state.exitCode = 3;
    exited.metrics.memoryLimitBytes = 134217728;

    std::string text = formatPrometheus({running, exited});
    const std::string web = "{id=\"0123456789ab\",name=\"web\"}";
    const std::string done = "{id=\"ba9876543210\",name=\"done\"}";
    CHECK(contains(text, "# TYPE uk_cpu_seconds_total counter\n"));
    CHECK(contains(text, "# TYPE uk_memory_rss_bytes gauge\n"));
    CHECK(contains(text, "uk_up" + web + " 1\n"));
    CHECK(contains(text, "uk_up" + done + " 0\n"));
    CHECK(contains(text, "uk_cpu_seconds_total" + web + " 1.25\n"));
    CHECK(contains(text, "uk_memory_rss_bytes" + web + " 38678528\n"));
    CHECK(contains(text, "uk_memory_limit_bytes" + web + " 134217728\n"));
    CHECK(contains(text, "uk_network_receive_bytes_total" + web + " 100\n"));
    CHECK(contains(text, "uk_network_transmit_bytes_total" + web + " 200\n"));
    CHECK(contains(text, "uk_start_time_seconds" + web + " 1714564800.50\n"));
    CHECK(contains(text, "uk_exit_code" + done + " 3\n"));
    CHECK_FALSE(contains(text, "uk_cpu_seconds_total" + done));
    CHECK_FALSE(contains(text, "uk_memory_limit_bytes" + done));
    // Every line: a comment, or NAME{LABELS} VALUE.
    std::regex sample(R"([a-z_]+\{([a-zA-Z_]+="([^"\\]|\\.)*",?)*\} -?[0-9.]+(e[+-]?[0-9]+)?)");
    for (auto line : uk::text::splitLines(text)) {
        std::string l(line);
        CAPTURE(l);
        CHECK((l.rfind("# HELP ", 0) == 0 || l.rfind("# TYPE ", 0) == 0 ||
               std::regex_match(l, sample)));
    }
}

TEST_CASE("uk metrics --listen addresses") {
    CHECK(parseListenAddress("9100").address == 0x7f000001);
    CHECK(parseListenAddress("9100").port == 9100);
    CHECK(parseListenAddress("0.0.0.0:80").address == 0);
    CHECK(parseListenAddress("0.0.0.0:80").port == 80);
    CHECK_THROWS_WITH_AS(parseListenAddress("localhost:9100"), doctest::Contains("localhost"),
                         uk::Error);
    CHECK_THROWS_AS(parseListenAddress("0"), uk::Error);
    CHECK_THROWS_AS(parseListenAddress("65536"), uk::Error);
    CHECK_THROWS_AS(parseListenAddress("1.2.3.4:"), uk::Error);
}

TEST_CASE("uk run -d, --name and --rm") {
    RunOptions o = parseRunOptions({"-d", "--name", "web", "--rm", "app.img"});
    CHECK(o.detach);
    CHECK(o.name == "web");
    CHECK(o.autoRemove);
    o = parseRunOptions({"--detach", "--name=web2", "app.img"});
    CHECK(o.detach);
    CHECK(o.name == "web2");
    CHECK_FALSE(parseRunOptions({"--rm", "app.img"}).detach); // --rm alone: nothing to keep
    CHECK_THROWS_WITH_AS(parseRunOptions({"--name", "web", "app.img"}), doctest::Contains("add -d"),
                         UsageError);
    CHECK_THROWS_WITH_AS(parseRunOptions({"-d", "--name", "no way", "app.img"}),
                         doctest::Contains("--name: invalid name"), UsageError);
    CHECK_THROWS_AS(parseRunOptions({"-d", "--print-cmd", "app.img"}), UsageError);
}
