// Control records, QEMU's stderr, and how a finished VM becomes uk run's exit status.
#include <doctest/doctest.h>

#include <signal.h>

#include <string>

#include <uk/loader/control_channel.h>
#include <uk/loader/exit_status.h>
#include <uk/loader/qemu_diagnostics.h>

using uk::loader::ControlChannel;
using uk::loader::ControlReport;
using uk::loader::decideExitStatus;
using uk::loader::QemuDiagnostics;
using uk::loader::VmOutcome;

namespace {

VmOutcome qemuExited(int code) {
    VmOutcome o;
    o.qemuExit.code = code;
    return o;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("control records") {
    CHECK(ControlChannel::parse("") == ControlReport{});
    CHECK(ControlChannel::parse("exit 0\n") == ControlReport::exit(0));
    CHECK(ControlChannel::parse("exit 200\n") == ControlReport::exit(200));
    CHECK(ControlChannel::parse("exit 255\r\n") == ControlReport::exit(255));
    CHECK(ControlChannel::parse("panic\n") == ControlReport::panic());
    // The last valid record wins; unknown and malformed ones are skipped.
    CHECK(ControlChannel::parse("exit 3\nready\npanic\n") == ControlReport::panic());
    CHECK(ControlChannel::parse("hello 1\nexit 7\nexit x\n") == ControlReport::exit(7));
    for (const char* bad : {"exit 25", "exit\n", "exit \n", "exit 256\n", "exit -1\n",
                            "exit 1000\n", "exit 1 \n", "panic!\n", "EXIT 1\n"}) {
        CAPTURE(bad);
        CHECK(ControlChannel::parse(bad).kind == ControlReport::Kind::None);
    }
}

TEST_CASE("control records: fed in pieces; stdin-ready; garbage lines dropped") {
    ControlChannel c;
    CHECK_FALSE(c.stdinReady());
    c.feed("stdin-re");
    CHECK_FALSE(c.stdinReady());
    c.feed("ady\nex");
    CHECK(c.stdinReady());
    CHECK(c.report().kind == ControlReport::Kind::None);
    c.feed("it 1");
    CHECK(c.report().kind == ControlReport::Kind::None); // not terminated yet
    c.feed("2\n");
    CHECK(c.report() == ControlReport::exit(12));
    c.feed(std::string(1000, 'x') + "exit 99\n"); // one long garbage line, not "exit 99"
    CHECK(c.report() == ControlReport::exit(12));
    c.feed("panic\n");
    CHECK(c.report() == ControlReport::panic());
}

TEST_CASE("exit status: the control record is the application's status") {
    VmOutcome o = qemuExited(145); // (200 << 1) | 1, cut to 8 bits
    o.report = ControlReport::exit(200);
    auto v = decideExitStatus(o);
    CHECK(v.status == 200);
    CHECK(v.message.empty());
    // Even when a timeout or signal raced with the guest's exit.
    o.timedOut = true;
    o.stoppedBySignal = SIGINT;
    CHECK(decideExitStatus(o).status == 200);
}

TEST_CASE("exit status: panic") {
    VmOutcome o = qemuExited(251);
    o.report = ControlReport::panic();
    auto v = decideExitStatus(o);
    CHECK(v.status == 125);
    CHECK(v.message ==
          "uk run: the library OS stopped with a panic (see the console output above)\n");
}

TEST_CASE("exit status: timeout and signals") {
    VmOutcome o;
    o.qemuExit.signal = SIGTERM;
    o.timedOut = true;
    o.timeoutText = "1.5";
    auto v = decideExitStatus(o);
    CHECK(v.status == 124);
    CHECK(contains(v.message, "timed out after 1.5 s"));
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
        VmOutcome s;
        s.qemuExit.signal = SIGTERM;
        s.stoppedBySignal = sig;
        CHECK(decideExitStatus(s).status == 128 + sig);
    }
}

TEST_CASE("exit status: QEMU failed before the guest reported") {
    VmOutcome o = qemuExited(1);
    o.qemuErrors = "-accel kvm: failed to initialize kvm: No such file or directory\n";
    auto v = decideExitStatus(o);
    CHECK(v.status == 125);
    CHECK(contains(v.message, "qemu-system-x86_64 exited with status 1 without an exit status"));
    CHECK(contains(v.message, "uk run: qemu: -accel kvm: failed to initialize kvm"));

    VmOutcome killed;
    killed.qemuExit.signal = SIGABRT;
    CHECK(contains(decideExitStatus(killed).message, "was killed by SIGABRT"));

    VmOutcome reset = qemuExited(0);
    CHECK(contains(decideExitStatus(reset).message, "triple-faulted"));

    VmOutcome kvm = qemuExited(0);
    kvm.kvmFailed = true;
    kvm.qemuErrors = "KVM internal error. Suberror: 1\n";
    auto k = decideExitStatus(kvm);
    CHECK(k.status == 125);
    CHECK(contains(k.message, "KVM could not run the guest"));
    CHECK(contains(k.message, "--accel tcg"));
}

TEST_CASE("exit status: debug-exit code as a 7-bit fallback without a record") {
    auto v = decideExitStatus(qemuExited(7)); // (3 << 1) | 1
    CHECK(v.status == 3);
    CHECK(contains(v.message, "7 bits"));
}

TEST_CASE("qemu diagnostics: warnings at once, errors kept, our own SIGTERM dropped") {
    QemuDiagnostics d("qemu-system-x86_64");
    CHECK(d.feed("qemu-system-x86_64: warning: host doesn't support requested feature\n") ==
          "uk run: qemu: warning: host doesn't support requested feature\n");
    CHECK(d.feed("qemu-system-x86_64: -m 99999G: cannot set up guest mem") == "");
    d.stopRequested();
    CHECK(d.feed("ory 'pc.ram'\nqemu-system-x86_64: terminating on signal 15 from pid 1 (uk)\n") ==
          "");
    CHECK(d.feed("unterminated") == "");
    CHECK(d.finish() == "-m 99999G: cannot set up guest memory 'pc.ram'\nunterminated\n");
    CHECK_FALSE(d.kvmFailed());
}

TEST_CASE("qemu diagnostics: a signal uk run did not send is part of the story") {
    QemuDiagnostics d("qemu-system-x86_64");
    d.feed("qemu-system-x86_64: terminating on signal 15 from pid 99 (kill)\n");
    CHECK(d.finish() == "terminating on signal 15 from pid 99 (kill)\n");
}

TEST_CASE("qemu diagnostics: KVM failures are recognized; wrapper names stripped too") {
    QemuDiagnostics d("my-qemu-wrapper");
    d.feed("KVM internal error. Suberror: 1\n");
    CHECK(d.kvmFailed());
    d.feed("qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69\n");
    CHECK(d.finish() ==
          "KVM internal error. Suberror: 1\nerror: failed to set MSR 0x10a to 0x69\n");
}

TEST_CASE("qemu diagnostics: a flood is cut, not buffered without end") {
    QemuDiagnostics d("q");
    std::string line(1000, 'x');
    line += '\n';
    for (int i = 0; i < 200; ++i) {
        d.feed(line);
    }
    std::string held = d.finish();
    CHECK(held.size() < 70 * 1024);
    CHECK(contains(held, "(more QEMU output left out)"));
}
