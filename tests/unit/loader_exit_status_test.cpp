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

TEST_CASE("qemu diagnostics: network set-up failures in uk run's words") {
    QemuDiagnostics ports("qemu-system-x86_64");
    ports.feed("qemu-system-x86_64: -netdev user,id=net0,hostfwd=tcp:0.0.0.0:8080-:80: Could "
               "not set up host forwarding rule 'tcp:0.0.0.0:8080-:80'\n");
    CHECK(ports.explanation() ==
          "QEMU could not publish host port 8080/tcp on 0.0.0.0 (-p): the port is in use, or "
          "not allowed (ports below 1024 need root or CAP_NET_BIND_SERVICE)");
    // QEMU's own line stays, for the details.
    CHECK(contains(ports.finish(), "Could not set up host forwarding rule"));

    QemuDiagnostics udp("q");
    udp.feed("q: -netdev user: Could not set up host forwarding rule 'udp::53-:53'\n");
    CHECK(contains(udp.explanation(), "host port 53/udp on 0.0.0.0"));

    QemuDiagnostics busy("q");
    busy.feed("q: -netdev tap,id=net0,ifname=tap0,script=no,downscript=no: could not configure "
              "/dev/net/tun (tap0): Device or resource busy\n");
    CHECK(busy.explanation() == "QEMU could not attach the tap interface tap0: it is in use by "
                                "another program (a tap serves one VM at a time)");
    QemuDiagnostics denied("q");
    denied.feed("q: -netdev tap,ifname=t1: could not configure /dev/net/tun (t1): Operation not "
                "permitted\n");
    CHECK(contains(denied.explanation(), "tap interface t1: creating a tap, or using another "
                                         "user's, needs root or CAP_NET_ADMIN"));
    QemuDiagnostics notTap("q");
    notTap.feed("q: -netdev tap,ifname=eth0: could not configure /dev/net/tun (eth0): Invalid "
                "argument\n");
    CHECK(notTap.explanation() == "QEMU could not attach eth0: it is not a plain tap interface");
    QemuDiagnostics noTun("q");
    noTun.feed(
        "q: -netdev tap,ifname=t1: could not open /dev/net/tun: No such file or directory\n");
    CHECK(contains(noTun.explanation(), "QEMU could not open /dev/net/tun"));

    QemuDiagnostics other("q");
    other.feed("q: -m 99999G: cannot set up guest memory 'pc.ram'\n");
    CHECK(other.explanation().empty());
}

TEST_CASE("exit status: a recognized QEMU failure leads the message") {
    VmOutcome o = qemuExited(1);
    o.qemuExplanation = "QEMU could not publish host port 8080/tcp on 0.0.0.0 (-p): ...";
    o.qemuErrors = "-netdev user,...: Could not set up host forwarding rule 'tcp::8080-:80'\n";
    auto v = decideExitStatus(o);
    CHECK(v.status == 125);
    CHECK(v.message.rfind("uk run: QEMU could not publish host port 8080/tcp", 0) == 0);
    CHECK(contains(v.message, "uk run: qemu: -netdev user,...: Could not set up host forwarding"));
    CHECK_FALSE(contains(v.message, "without an exit status"));
}
