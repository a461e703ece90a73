#include <uk/loader/vm_session.h>

#include <uk/loader/network_counters.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <uk/support/error.h>
#include <uk/support/fs.h>
#include <uk/support/subprocess.h>

#include "signal_watch.h"

namespace uk::loader {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kChunk = 64 * 1024;
// QEMU writes the serial line a byte at a time; waking up for each byte costs more CPU than
// the guest's own output (measured: 7.9 MB of output took 10.3 s instead of 7.1 s). After a
// small read, a short nap lets a burst collect in the pipe, at a delay nobody can see.
constexpr size_t kCoalesceBelow = 512;
constexpr auto kCoalesceNap = std::chrono::milliseconds(1);

using uk::fs::writeAll;

std::string baseName(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A FIFO QEMU writes while the VM runs: the control channel (QEMU's file chardev), the network
// dumps (filter-dump). QEMU opens it for writing; the read end is open before QEMU starts,
// so that open never blocks.
class QemuFifo {
public:
    // `what` names it in errors. `readWrite`: opened for writing too, so that reading it never
    // ends (a dump read before QEMU opened it, or after QEMU closed it, is merely empty).
    QemuFifo(const std::filesystem::path& path, const char* what, bool readWrite = false)
        : path_(path) {
        ::unlink(path.c_str()); // left by an earlier attempt in the same directory
        if (::mkfifo(path.c_str(), 0600) != 0) {
            throwErrno(std::string("cannot create ") + what + " " + path.string());
        }
        fd_ = ::open(path.c_str(), (readWrite ? O_RDWR : O_RDONLY) | O_NONBLOCK | O_CLOEXEC);
        if (fd_ < 0) {
            throwErrno(std::string("cannot open ") + what + " " + path.string());
        }
    }
    ~QemuFifo() {
        ::close(fd_);
        ::unlink(path_.c_str());
    }
    QemuFifo(const QemuFifo&) = delete;
    QemuFifo& operator=(const QemuFifo&) = delete;
    int fd() const { return fd_; }

private:
    std::filesystem::path path_;
    int fd_ = -1;
};

// The relay loop: one poll over uk run's stdin, QEMU's three pipes, the control FIFO and the
// signal pipe, with deadlines for the timeout, the kill grace time, the idle flush of held
// console output and the stdin-ready fallback.
class Relay {
public:
    Relay(const SessionSettings& s, proc::Child& qemu, int controlFd, SignalWatch& signals,
          VmOutcome& outcome, int receivedDumpFd = -1, int sentDumpFd = -1)
        : s_(s), qemu_(qemu), controlFd_(controlFd), signals_(signals), outcome_(outcome),
          console_(s.annotate), diagnostics_(outcome.qemuName), receivedFd_(receivedDumpFd),
          sentFd_(sentDumpFd) {
        gateOpen_ = s_.startGateFd < 0 || s_.startGateOpened;
        outcome_.startGateOpened = s_.startGateOpened;
        if (s_.startGateOpened) {
            toGuest_.append(StdinEncoder::start(*s_.startGateOpened));
        }
        StdinEncoder::encode(s_.replayInput, toGuest_);
        outcome_.inputBeforeOutput = s_.replayInput;
        outcome_.inputReplayable = s_.keepInputForRetry;
        if (s_.replayInputEnded) {
            endUserInput();
        }
        start_ = lastConsoleOutput_ = Clock::now();
        writeTotals(); // 0 0: counting has begun
        deadline_ = s_.timeout ? start_ + *s_.timeout : Clock::time_point::max();
    }

    // Relays until QEMU has closed its stdout and stderr (it exited).
    void run() {
        while (outputOpen_ || errorsOpen_) {
            int ready = ::poll(fds_, watchDescriptors(), pollTimeoutMs());
            if (ready < 0 && errno != EINTR) {
                throwErrno("poll");
            }
            if (!checkDeadlines()) {
                break;
            }
            for (nfds_t k = 0; ready > 0 && k < count_; ++k) {
                if (fds_[k].revents != 0) {
                    handle(slots_[k]);
                }
            }
        }
        show(console_.flush());
        outcome_.qemuErrors = diagnostics_.finish();
        outcome_.qemuExplanation = diagnostics_.explanation();
        // QEMU has exited: whatever it wrote to the control FIFO is there to read.
        while (readControl()) {
        }
        outcome_.report = control_.report();
        drainDump(receivedFd_, receivedOpen_, received_);
        drainDump(sentFd_, sentOpen_, sent_);
        writeTotals();
    }

private:
    enum class Slot {
        Signals,
        Output,
        Errors,
        Control,
        StartGate,
        UserInput,
        GuestInput,
        ReceivedDump,
        SentDump
    };

    nfds_t watchDescriptors() {
        count_ = 0;
        auto watch = [&](Slot slot, int fd, short events) {
            fds_[count_] = {fd, events, 0};
            slots_[count_++] = slot;
        };
        watch(Slot::Signals, signals_.fd(), POLLIN);
        if (outputOpen_) {
            watch(Slot::Output, qemu_.stdoutFd(), POLLIN);
        }
        if (errorsOpen_) {
            watch(Slot::Errors, qemu_.stderrFd(), POLLIN);
        }
        if (controlOpen_) {
            watch(Slot::Control, controlFd_, POLLIN);
        }
        if (!gateOpen_) {
            watch(Slot::StartGate, s_.startGateFd, POLLIN);
        }
        // The dumps are read in batches: after a read they rest for kDumpRest (their FIFOs
        // hold 1 MiB), so a busy network costs uk run a few wake-ups a second, not one a frame.
        if (Clock::now() >= dumpsRestUntil_) {
            if (receivedOpen_) {
                watch(Slot::ReceivedDump, receivedFd_, POLLIN);
            }
            if (sentOpen_) {
                watch(Slot::SentDump, sentFd_, POLLIN);
            }
        }
        // Read more input only once QEMU took the last: backpressure instead of buffering.
        // The application's input waits for its start.
        if (gateOpen_ && inputAllowed_ && userInputOpen_ && guestInputOpen_ && toGuest_.empty()) {
            watch(Slot::UserInput, s_.inputFd, POLLIN);
        }
        if (inputAllowed_ && guestInputOpen_ && !toGuest_.empty()) {
            watch(Slot::GuestInput, qemu_.stdinFd(), POLLOUT);
        }
        return count_;
    }

    int pollTimeoutMs() const {
        auto now = Clock::now();
        std::optional<Clock::time_point> next;
        auto consider = [&](Clock::time_point t) { next = next ? std::min(*next, t) : t; };
        if (s_.timeout && !outcome_.timedOut) {
            consider(deadline_);
        }
        if (killDeadline_) {
            consider(*killDeadline_);
        }
        if (console_.holding()) {
            consider(lastConsoleOutput_ + s_.idleFlush);
        }
        if (!inputAllowed_) {
            consider(start_ + s_.stdinReadyFallback);
        }
        if (totalsDirty_) {
            consider(lastTotals_ + kTotalsInterval);
        }
        if ((receivedOpen_ || sentOpen_) && now < dumpsRestUntil_) {
            consider(dumpsRestUntil_);
        }
        if (!next) {
            return -1;
        }
        if (*next <= now) {
            return 0;
        }
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*next - now).count() + 1;
        return static_cast<int>(std::min<int64_t>(ms, 1 << 30));
    }

    // Acts on the deadlines that passed; false when the loop should end.
    bool checkDeadlines() {
        auto now = Clock::now();
        if (console_.holding() && now - lastConsoleOutput_ >= s_.idleFlush) {
            show(console_.flush());
        }
        if (!inputAllowed_ && now - start_ >= s_.stdinReadyFallback) {
            inputAllowed_ = true;
        }
        if (totalsDirty_ && now - lastTotals_ >= kTotalsInterval) {
            writeTotals();
        }
        if (s_.timeout && !outcome_.timedOut && now >= deadline_) {
            outcome_.timedOut = true;
            stop();
        }
        if (killDeadline_ && now >= *killDeadline_) {
            if (killed_) {
                // Something QEMU started still holds its pipes open; QEMU itself is gone.
                return false;
            }
            qemu_.kill(SIGKILL);
            killed_ = true;
            killDeadline_ = now + s_.killGrace;
        }
        return true;
    }

    void handle(Slot slot) {
        switch (slot) {
        case Slot::Signals:
            while (int sig = signals_.next()) {
                onSignal(sig);
            }
            break;
        case Slot::Output:
            relayOutput();
            break;
        case Slot::Errors:
            relayErrors();
            break;
        case Slot::Control:
            controlOpen_ = readControl();
            break;
        case Slot::StartGate:
            readStartGate();
            break;
        case Slot::ReceivedDump:
        case Slot::SentDump:
            // Both at once: whichever woke us, the other has likely something too.
            drainDump(receivedFd_, receivedOpen_, received_);
            drainDump(sentFd_, sentOpen_, sent_);
            dumpsRestUntil_ = Clock::now() + kDumpRest;
            break;
        case Slot::UserInput:
            readUserInput();
            break;
        case Slot::GuestInput:
            writeGuestInput();
            break;
        }
    }

    void relayOutput() {
        ssize_t got = ::read(qemu_.stdoutFd(), buf_, sizeof buf_);
        if (got < 0 && errno == EINTR) {
            return;
        }
        if (got <= 0) {
            outputOpen_ = false;
            return;
        }
        lastConsoleOutput_ = Clock::now();
        if (!outcome_.guestSpoke) {
            outcome_.guestSpoke = true;
            outcome_.inputBeforeOutput.clear(); // no retry after this: free it
        }
        show(console_.feed(std::string_view(buf_, static_cast<size_t>(got))));
        if (static_cast<size_t>(got) < kCoalesceBelow) {
            // The nap ends early when the control channel speaks: the guest's exit record
            // follows its last output, and waiting out the nap would delay every exit.
            pollfd p{controlOpen_ ? controlFd_ : -1, POLLIN, 0};
            ::poll(&p, 1, static_cast<int>(kCoalesceNap.count()));
        }
    }

    void relayErrors() {
        ssize_t got = ::read(qemu_.stderrFd(), buf_, sizeof buf_);
        if (got < 0 && errno == EINTR) {
            return;
        }
        if (got <= 0) {
            errorsOpen_ = false;
            return;
        }
        writeAll(s_.errorFd, diagnostics_.feed(std::string_view(buf_, static_cast<size_t>(got))));
        if (diagnostics_.kvmFailed() && !outcome_.kvmFailed) {
            outcome_.kvmFailed = true;
            stop();
        }
    }

    // Reads what the control FIFO holds; false at its end (or when no writer has it open).
    bool readControl() {
        ssize_t got = ::read(controlFd_, buf_, sizeof buf_);
        if (got < 0) {
            return errno == EINTR || errno == EAGAIN;
        }
        if (got == 0) {
            return false;
        }
        control_.feed(std::string_view(buf_, static_cast<size_t>(got)));
        if (control_.stdinReady()) {
            inputAllowed_ = true;
        }
        return true;
    }

    // Reads what a network dump holds now; `open` turns false at its end (QEMU closed it).
    void drainDump(int fd, bool& open, PcapByteCounter& counter) {
        while (open) {
            ssize_t got = ::read(fd, buf_, sizeof buf_);
            if (got < 0 && errno == EINTR) {
                continue;
            }
            if (got < 0) {
                return; // EAGAIN: nothing more for now
            }
            if (got == 0) {
                open = false;
                return;
            }
            counter.feed(std::string_view(buf_, static_cast<size_t>(got)));
            totalsDirty_ = true;
        }
    }

    void writeTotals() {
        if (s_.networkTotalsFile.empty() || (!totalsDirty_ && totalsWritten_)) {
            return;
        }
        try {
            fs::writeFileAtomic(s_.networkTotalsFile,
                                formatNetworkTotals({received_.bytes(), sent_.bytes()}));
        } catch (const Error&) {
            // The counters are for uk ps; the VM goes on without them.
        }
        totalsDirty_ = false;
        totalsWritten_ = true;
        lastTotals_ = Clock::now();
    }

    // What arrives in the gate's FIFO (one write) is the start: the guest, waiting at its
    // start gate (or still booting towards it), is told so ahead of any input, with the words
    // made of it.
    void readStartGate() {
        ssize_t got = ::read(s_.startGateFd, buf_, sizeof buf_);
        if (got <= 0) {
            return;
        }
        gateOpen_ = true;
        std::string words;
        try {
            if (s_.startWords) {
                words = s_.startWords(std::string_view(buf_, static_cast<size_t>(got)));
            }
        } catch (const Error& e) {
            outcome_.startGateError = e.what();
            stop();
            return;
        }
        outcome_.startGateOpened = words;
        toGuest_.append(StdinEncoder::start(words));
    }

    void readUserInput() {
        ssize_t got = ::read(s_.inputFd, buf_, sizeof buf_);
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) {
            return;
        }
        if (got <= 0) {
            endUserInput(); // end of input, or an unusable stdin: end of file for the guest
            return;
        }
        std::string_view data(buf_, static_cast<size_t>(got));
        StdinEncoder::encode(data, toGuest_);
        if (!outcome_.guestSpoke && outcome_.inputReplayable) {
            outcome_.inputBeforeOutput.append(data);
            if (outcome_.inputBeforeOutput.size() > kMaxReplayInput) {
                outcome_.inputReplayable = false;
                outcome_.inputBeforeOutput.clear();
            }
        }
    }

    void endUserInput() {
        userInputOpen_ = false;
        outcome_.inputEndedBeforeOutput = !outcome_.guestSpoke;
        toGuest_.append(StdinEncoder::endOfFile());
    }

    void writeGuestInput() {
        ssize_t put = ::write(qemu_.stdinFd(), toGuest_.data(), toGuest_.size());
        if (put > 0) {
            toGuest_.erase(0, static_cast<size_t>(put));
        } else if (put < 0 && errno != EINTR && errno != EAGAIN) {
            guestInputOpen_ = false; // QEMU is gone or closed its input
            toGuest_.clear();
        }
    }

    void show(std::string_view text) {
        if (text.empty() || userOutputBroken_) {
            return;
        }
        if (!writeAll(s_.outputFd, text)) {
            // The reader went away (`uk run app.img | head`): what a process gets SIGPIPE
            // for. Stop the VM, and keep draining QEMU meanwhile so it cannot block.
            userOutputBroken_ = true;
            if (outcome_.stoppedBySignal == 0) {
                outcome_.stoppedBySignal = SIGPIPE;
            }
            stop();
        }
    }

    // A signal for uk run is the application's, as `docker run` proxies signals to the
    // container: it travels in the console input to the guest, which raises it in the
    // application's first process (an application that ends on it ends the VM with status
    // 128 + N). A third SIGINT/SIGTERM/SIGHUP/SIGQUIT stops the VM from outside, for an
    // application that ignores them; a fourth kills QEMU at once.
    void onSignal(int sig) {
        const bool stopSignal = sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT;
        if (outcome_.stoppedBySignal != 0) {
            if (stopSignal) {
                qemu_.kill(SIGKILL); // asked again while stopping: no more grace
            }
            return;
        }
        if (guestInputOpen_ && (!stopSignal || forwardedStops_ < kForwardedStops)) {
            toGuest_.append(StdinEncoder::signal(sig));
            if (stopSignal) {
                ++forwardedStops_;
            }
            return;
        }
        if (stopSignal) {
            outcome_.stoppedBySignal = sig;
            stop();
        }
    }

    // SIGTERM first: QEMU then exits in order; SIGKILL follows after the grace time.
    void stop() {
        if (!killDeadline_) {
            diagnostics_.stopRequested();
            qemu_.kill(SIGTERM);
            killDeadline_ = Clock::now() + s_.killGrace;
        }
    }

    const SessionSettings& s_;
    proc::Child& qemu_;
    int controlFd_;
    SignalWatch& signals_;
    VmOutcome& outcome_;
    static constexpr int kForwardedStops = 2;
    int forwardedStops_ = 0;
    ConsoleOutputFilter console_;
    QemuDiagnostics diagnostics_;
    ControlChannel control_;

    bool outputOpen_ = true;        // QEMU's stdout
    bool errorsOpen_ = true;        // QEMU's stderr
    bool userInputOpen_ = true;     // uk run's stdin
    bool guestInputOpen_ = true;    // QEMU's stdin
    bool userOutputBroken_ = false; // uk run's stdout reader went away
    bool controlOpen_ = true;       // the control FIFO
    bool inputAllowed_ = false;     // the guest can take input ("stdin-ready")
    bool gateOpen_ = true;          // no start gate, or its byte arrived
    int receivedFd_, sentFd_;       // the network dumps, or -1
    bool receivedOpen_ = receivedFd_ >= 0;
    bool sentOpen_ = sentFd_ >= 0;
    PcapByteCounter received_, sent_;
    static constexpr auto kTotalsInterval = std::chrono::seconds(1);
    static constexpr auto kDumpRest = std::chrono::milliseconds(50);
    Clock::time_point dumpsRestUntil_;
    bool totalsDirty_ = false;   // counts changed since the file was written
    bool totalsWritten_ = false; // the file was written at least once
    Clock::time_point lastTotals_;
    std::string toGuest_; // framed input not yet taken by QEMU
    Clock::time_point start_, deadline_, lastConsoleOutput_;
    std::optional<Clock::time_point> killDeadline_;
    bool killed_ = false; // SIGKILL sent

    pollfd fds_[9] = {};
    Slot slots_[9] = {};
    nfds_t count_ = 0;
    char buf_[kChunk];
};

} // namespace

VmOutcome VmSession::run() {
    VmOutcome outcome;
    outcome.qemuName = baseName(s_.argv.at(0));
    outcome.timeoutText = s_.timeoutText;
    QemuFifo control(s_.controlFile, "the control channel");
    std::optional<QemuFifo> receivedDump, sentDump;
    if (!s_.networkTotalsFile.empty()) {
        receivedDump.emplace(s_.networkDumpReceived, "the network dump", true);
        sentDump.emplace(s_.networkDumpTransmitted, "the network dump", true);
        // Room for the records of a busy second or so (about 80 bytes a frame) between two
        // reads; QEMU waits when a dump is full. The system's limit may allow less.
        for (int fd : {receivedDump->fd(), sentDump->fd()}) {
            ::fcntl(fd, F_SETPIPE_SZ, 1 << 20);
        }
    }
    SignalWatch signals;
    proc::Child::Options options;
    options.pipeStdin = options.pipeStdout = options.pipeStderr = true;
    // A terminal's Ctrl-C reaches uk run only; uk run then stops QEMU and still collects its
    // last output and exit status.
    options.newProcessGroup = true;
    // QEMU dies with uk run, even if uk run is SIGKILLed.
    options.dieWithParent = s_.tieToParent;
    // The destructor SIGKILLs QEMU if we leave early (an exception).
    proc::Child qemu(s_.argv, options);
    ::fcntl(qemu.stdinFd(), F_SETFL, ::fcntl(qemu.stdinFd(), F_GETFL) | O_NONBLOCK);

    Relay(s_, qemu, control.fd(), signals, outcome, receivedDump ? receivedDump->fd() : -1,
          sentDump ? sentDump->fd() : -1)
        .run();

    // Both pipes closed means QEMU exited; a stuck QEMU gets SIGKILL after the grace time.
    auto exit = qemu.wait(s_.killGrace);
    if (!exit) {
        qemu.kill(SIGKILL);
        exit = qemu.wait();
    }
    outcome.qemuExit = *exit;
    if (outcome.report.kind != ControlReport::Kind::None) {
        outcome.guestSpoke = true;
    }
    return outcome;
}

} // namespace uk::loader
