// The relay loop of VmSession with a shell script standing in for QEMU: input framing and
// end of file, output passthrough and symbolization, the control file, stderr, timeouts,
// signals and input replay. No VM boots here.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include <uk/loader/vm_session.h>
#include <uk/support/error.h>
#include <uk/support/fs.h>

using uk::loader::BacktraceFrame;
using uk::loader::ControlReport;
using uk::loader::SessionSettings;
using uk::loader::VmOutcome;
using uk::loader::VmSession;

namespace {

// What the guest writes once its console can take input.
const std::string kReady = "exec 3>\"$1\"; echo stdin-ready >&3; ";

struct FakeQemu {
    uk::fs::TempDir dir{"uk-session-test"};
    std::string input; // what "the user" types
    std::string output;
    std::string errors;

    // Runs `script` (sh, with $1 = the control FIFO) as the VM. Scripts open the FIFO once
    // (exec 3>"$1"), as QEMU does.
    VmOutcome run(const std::string& script, SessionSettings s = {}) {
        auto inPath = dir.path() / "in";
        uk::fs::writeFileAtomic(inPath, input);
        s.controlFile = dir.path() / "control";
        s.argv = {"/bin/sh", "-c", script, "fake-qemu", s.controlFile.string()};
        int in = ::open(inPath.c_str(), O_RDONLY | O_CLOEXEC);
        int out =
            ::open((dir.path() / "out").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        int err =
            ::open((dir.path() / "err").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        s.inputFd = in;
        s.outputFd = out;
        s.errorFd = err;
        VmOutcome o = VmSession(s).run();
        ::close(in);
        ::close(out);
        ::close(err);
        output = uk::fs::readFile(dir.path() / "out");
        errors = uk::fs::readFile(dir.path() / "err");
        return o;
    }
};

} // namespace

TEST_CASE_FIXTURE(FakeQemu, "session: input is framed and ends with EOF; control record read") {
    input = std::string("a\x10"
                        "b",
                        3);
    // Framed: a 10 10 b 10 04 (6 bytes); the fake shows them and reports status 7.
    VmOutcome o = run(kReady + "head -c 6 | od -An -tx1 | tr -s ' '; echo 'exit 7' >&3");
    CHECK(output == " 61 10 10 62 10 04\n");
    CHECK(o.report == ControlReport::exit(7));
    CHECK(o.qemuExit.exited());
    CHECK(o.qemuExit.code == 0);
    CHECK(o.guestSpoke);
    CHECK_FALSE(o.timedOut);
}

TEST_CASE_FIXTURE(FakeQemu, "session: input waits for the guest's stdin-ready record") {
    input = "ab";
    VmOutcome o =
        run("exec 3>\"$1\"; if timeout 0.3 head -c 1 >/dev/null; then echo early; "
            "else echo held; fi; echo stdin-ready >&3; head -c 4 | od -An -c | tr -s ' '; "
            "echo 'exit 0' >&3");
    CHECK(output == "held\n a b 020 004\n");
    CHECK(o.report == ControlReport::exit(0));
}

TEST_CASE_FIXTURE(FakeQemu, "session: a guest without stdin-ready gets input after a delay") {
    input = "x";
    SessionSettings s;
    s.stdinReadyFallback = std::chrono::milliseconds(200);
    auto start = std::chrono::steady_clock::now();
    run("head -c 3 | od -An -c | tr -s ' '", s);
    CHECK(output == " x 020 004\n");
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(200));
}

TEST_CASE_FIXTURE(FakeQemu, "session: empty input is an immediate end of file") {
    VmOutcome o = run(kReady + "head -c 2 | od -An -tx1 | tr -s ' '");
    CHECK(output == " 10 04\n");
    CHECK(o.report.kind == ControlReport::Kind::None);
}

TEST_CASE_FIXTURE(FakeQemu, "session: backtraces symbolized in one call, other output unchanged") {
    SessionSettings s;
    int calls = 0;
    s.annotate = [&](const std::vector<BacktraceFrame>& frames) {
        ++calls;
        std::vector<std::string> out;
        for (const auto& f : frames) {
            out.push_back(" in fn" + std::to_string(f.lookupAddress()));
        }
        return out;
    };
    run("printf 'partial'; sleep 0.1; printf ' line\\n[uk]   #0 0x0000000000000010\\n"
        "[uk]   #1 0x0000000000000020\\nafter\\n'",
        s);
    CHECK(output == "partial line\n[uk]   #0 0x0000000000000010 in fn16\n"
                    "[uk]   #1 0x0000000000000020 in fn31\nafter\n");
    CHECK(calls == 1);
}

TEST_CASE_FIXTURE(FakeQemu, "session: a held backtrace is released when output goes idle") {
    SessionSettings s;
    s.idleFlush = std::chrono::milliseconds(20);
    s.annotate = [](const std::vector<BacktraceFrame>& f) {
        return std::vector<std::string>(f.size(), " in x");
    };
    // If the frame waited for the next line, it would come out together with "later".
    run("printf '[uk]   #0 0x0000000000000010\\n'; sleep 0.3; printf 'later\\n'", s);
    CHECK(output == "[uk]   #0 0x0000000000000010 in x\nlater\n");
}

TEST_CASE_FIXTURE(FakeQemu, "session: stderr warnings pass, errors are kept for the verdict") {
    VmOutcome o = run("echo 'qemu-fake: warning: odd' >&2; echo 'qemu-fake: broken' >&2; exit 1");
    CHECK(errors == "uk run: qemu: warning: odd\n");
    CHECK(o.qemuErrors == "broken\n");
    CHECK(o.qemuExit.code == 1);
    CHECK(o.qemuName == "sh");
    CHECK_FALSE(o.guestSpoke);
}

TEST_CASE_FIXTURE(FakeQemu, "session: timeout stops the VM promptly") {
    SessionSettings s;
    s.timeout = std::chrono::milliseconds(200);
    s.timeoutText = "0.2";
    auto start = std::chrono::steady_clock::now();
    VmOutcome o = run("echo started; exec sleep 30", s);
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(o.timedOut);
    CHECK(output == "started\n");
    CHECK(took < std::chrono::seconds(3));
}

TEST_CASE_FIXTURE(FakeQemu, "session: a VM ignoring SIGTERM is killed after the grace time") {
    SessionSettings s;
    s.timeout = std::chrono::milliseconds(100);
    s.killGrace = std::chrono::milliseconds(200);
    auto start = std::chrono::steady_clock::now();
    VmOutcome o = run("trap '' TERM; while :; do sleep 0.05; done", s);
    CHECK(o.timedOut);
    CHECK(o.qemuExit.signal == SIGKILL);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
}

TEST_CASE_FIXTURE(FakeQemu, "session: a signal to uk run goes into the guest's input") {
    std::thread sender([] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        ::kill(::getpid(), SIGTERM);
    });
    // The fake guest prints what it receives: end of (the empty) input, then escape,
    // kStdinSignal, 15.
    VmOutcome o = run(kReady + "head -c 5 | od -An -tx1 | tr -d ' \\n'; echo");
    sender.join();
    CHECK(output == "100410130f\n");
    CHECK(o.stoppedBySignal == 0);
}

TEST_CASE_FIXTURE(FakeQemu, "session: the third SIGTERM to uk run stops the VM and is reported") {
    struct sigaction before;
    sigaction(SIGTERM, nullptr, &before);
    std::thread sender([] {
        for (int i = 0; i < 3; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            ::kill(::getpid(), SIGTERM);
        }
    });
    VmOutcome o = run("exec sleep 30");
    sender.join();
    CHECK(o.stoppedBySignal == SIGTERM);
    CHECK_FALSE(o.timedOut);
    // The previous disposition is back.
    struct sigaction after;
    sigaction(SIGTERM, nullptr, &after);
    CHECK((after.sa_handler == before.sa_handler));
}

TEST_CASE_FIXTURE(FakeQemu, "session: input consumed before any output is kept for a retry") {
    input = "hello";
    SessionSettings s;
    s.keepInputForRetry = true;
    VmOutcome o = run(kReady + "head -c 7 > /dev/null; exit 1", s);
    CHECK_FALSE(o.guestSpoke);
    CHECK(o.inputReplayable);
    CHECK(o.inputBeforeOutput == "hello");
    CHECK(o.inputEndedBeforeOutput);

    // The retry gets it first, followed by end of file, without reading stdin again.
    input = "not read";
    SessionSettings retry;
    retry.replayInput = "hello";
    retry.replayInputEnded = true;
    run(kReady + "head -c 7 | od -An -c | tr -s ' '", retry);
    CHECK(output == " h e l l o 020 004\n");
}

TEST_CASE_FIXTURE(FakeQemu, "session: a signal ignored on entry (nohup) stays ignored") {
    struct sigaction ignore = {}, before;
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGHUP, &ignore, &before);
    std::thread sender([] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        ::kill(::getpid(), SIGHUP);
    });
    SessionSettings s;
    s.timeout = std::chrono::milliseconds(400);
    VmOutcome o = run("exec sleep 30", s);
    sender.join();
    CHECK(o.stoppedBySignal == 0);
    CHECK(o.timedOut);
    sigaction(SIGHUP, &before, nullptr);
}

namespace {
// A FIFO for the start gate, opened as uk run opens it, and a writer that writes `line`
// after `delay`.
struct StartGate {
    uk::fs::TempDir dir{"uk-gate-test"};
    std::string path = (dir.path() / "gate").string();
    int fd = -1;
    StartGate() {
        REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
        fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
        REQUIRE(fd >= 0);
    }
    ~StartGate() { ::close(fd); }
    std::thread open(std::string line, std::chrono::milliseconds delay) {
        return std::thread([this, line, delay] {
            std::this_thread::sleep_for(delay);
            int w = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
            (void)!::write(w, line.data(), line.size());
            ::close(w);
        });
    }
};
} // namespace

TEST_CASE_FIXTURE(FakeQemu, "session: the start gate holds input until its write, then starts") {
    input = "ab";
    StartGate gate;
    SessionSettings s;
    s.startGateFd = gate.fd;
    s.startWords = [](std::string_view text) {
        return text == "go\n" ? std::string("uk.x=1") : std::string("?");
    };
    auto writer = gate.open("go\n", std::chrono::milliseconds(300));
    // The fake guest reads nothing for 0.2 s (nothing may come before the start), then the
    // start with its words, the input and its end.
    VmOutcome o =
        run(kReady + "if timeout 0.2 head -c 1 >/dev/null; then echo early; else echo held; "
                     "fi; head -c 13 | od -An -c | tr -s ' '",
            s);
    writer.join();
    CHECK(output == "held\n 020 002 u k . x = 1 \\n a b 020 004\n");
    REQUIRE(o.startGateOpened);
    CHECK(*o.startGateOpened == "uk.x=1");
    CHECK(o.startGateError.empty());
}

TEST_CASE_FIXTURE(FakeQemu, "session: a start gate write it cannot take stops the VM") {
    StartGate gate;
    SessionSettings s;
    s.startGateFd = gate.fd;
    s.startWords = [](std::string_view) -> std::string { throw uk::Error("no such setting"); };
    auto writer = gate.open("--bogus\n", std::chrono::milliseconds(100));
    auto start = std::chrono::steady_clock::now();
    VmOutcome o = run(kReady + "exec sleep 20", s);
    writer.join();
    CHECK(o.startGateError == "no such setting");
    CHECK_FALSE(o.startGateOpened);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
}

TEST_CASE_FIXTURE(FakeQemu, "session: the user network's dumps are counted into the totals") {
    SessionSettings s;
    s.networkDumpReceived = dir.path() / "rx";
    s.networkDumpTransmitted = dir.path() / "tx";
    s.networkTotalsFile = dir.path() / "totals";
    // The fake QEMU writes two pcap streams as filter-dump does: 3 frames received (100 +
    // 1514 + 60 bytes), 1 sent (42), 64 bytes of each captured.
    const std::string writer =
        "import struct, sys\n"
        "def dump(path, lengths):\n"
        "    with open(path, 'wb') as f:\n"
        "        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 64, 1))\n"
        "        for n in lengths:\n"
        "            c = min(n, 64)\n"
        "            f.write(struct.pack('<IIII', 1, 2, c, n) + b'x' * c)\n"
        "dump(sys.argv[1], [100, 1514, 60])\n"
        "dump(sys.argv[2], [42])\n";
    VmOutcome o = run(kReady + "python3 -c \"" + writer + "\" " + s.networkDumpReceived.string() +
                          " " + s.networkDumpTransmitted.string() + "; echo 'exit 0' >&3",
                      s);
    CHECK(o.report == ControlReport::exit(0));
    CHECK(uk::fs::readFile(s.networkTotalsFile) == "1674 42\n");
}
