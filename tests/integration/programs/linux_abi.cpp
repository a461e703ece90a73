// Issue 3's link-mode acceptance program: the pieces at once in one C++ process. Eight
// threads contend on a mutex and condition variable while a producer/consumer pair moves
// data through a pipe, a worker round-trips files (write, read, rename, readdir) on the
// in-memory file system, a SIGSEGV handler recovers with siglongjmp, and an interval timer
// ticks underneath it all. Prints one checked line per part and a final "result" line.
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

std::atomic<int> g_ticks{0};
sigjmp_buf g_recover;
volatile void* g_faultAddr = nullptr;

void onAlarm(int) {
    g_ticks.fetch_add(1, std::memory_order_relaxed);
}

void onSegv(int, siginfo_t* info, void*) {
    g_faultAddr = info->si_addr;
    siglongjmp(g_recover, 1);
}

// 8 threads take turns by a shared counter: thread i may add only when turn % 8 == i.
long contendInTurns() {
    constexpr int kThreads = 8, kRounds = 500;
    std::mutex m;
    std::condition_variable cv;
    long turn = 0, sum = 0;
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            for (int r = 0; r < kRounds; ++r) {
                std::unique_lock<std::mutex> lock(m);
                cv.wait(lock, [&] { return turn % kThreads == i; });
                sum += i + 1;
                ++turn;
                cv.notify_all();
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    return turn == kThreads * kRounds ? sum : -1;
}

// A producer writes 1..N as text lines into a pipe; the consumer adds them up.
long pipeProducerConsumer() {
    int fds[2];
    if (pipe(fds) != 0) {
        return -1;
    }
    constexpr int kCount = 5000;
    std::thread producer([&] {
        for (int i = 1; i <= kCount; ++i) {
            char line[16];
            int n = std::snprintf(line, sizeof line, "%d\n", i);
            for (int off = 0; off < n;) {
                ssize_t w = write(fds[1], line + off, n - off);
                if (w <= 0) {
                    return;
                }
                off += static_cast<int>(w);
            }
        }
        close(fds[1]);
    });
    long total = 0, value = 0;
    char buf[512];
    ssize_t r;
    while ((r = read(fds[0], buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < r; ++i) {
            if (buf[i] == '\n') {
                total += value;
                value = 0;
            } else {
                value = value * 10 + (buf[i] - '0');
            }
        }
    }
    producer.join();
    close(fds[0]);
    return total;
}

// Files: write, read back, rename, list, stat, remove, in a directory of its own.
std::string fileRoundTrips() {
    if (mkdir("/tmp/abi", 0755) != 0) {
        return "mkdir failed";
    }
    std::string content;
    for (int i = 0; i < 1000; ++i) {
        content += "line " + std::to_string(i) + "\n";
    }
    for (int f = 0; f < 4; ++f) {
        std::string path = "/tmp/abi/f" + std::to_string(f);
        int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0 || write(fd, content.data(), content.size()) != (ssize_t)content.size()) {
            return "write failed";
        }
        close(fd);
        std::string moved = path + ".renamed";
        if (rename(path.c_str(), moved.c_str()) != 0) {
            return "rename failed";
        }
        fd = open(moved.c_str(), O_RDONLY);
        std::string back(content.size(), '\0');
        if (fd < 0 || read(fd, &back[0], back.size()) != (ssize_t)back.size() || back != content) {
            return "read back differs";
        }
        close(fd);
    }
    int entries = 0;
    DIR* d = opendir("/tmp/abi");
    while (dirent* e = d != nullptr ? readdir(d) : nullptr) {
        entries += std::strstr(e->d_name, ".renamed") != nullptr;
    }
    if (d != nullptr) {
        closedir(d);
    }
    struct stat st;
    bool sized = stat("/tmp/abi/f3.renamed", &st) == 0 && st.st_size == (off_t)content.size();
    for (int f = 0; f < 4; ++f) {
        unlink(("/tmp/abi/f" + std::to_string(f) + ".renamed").c_str());
    }
    bool empty = rmdir("/tmp/abi") == 0;
    return "files " + std::to_string(entries) + " renamed, size " + (sized ? "ok" : "wrong") +
           ", cleanup " + (empty ? "ok" : "failed");
}

} // namespace

int main() {
    struct sigaction alarm {};
    alarm.sa_handler = onAlarm;
    alarm.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &alarm, nullptr);
    itimerval every5ms{{0, 5000}, {0, 5000}};
    setitimer(ITIMER_REAL, &every5ms, nullptr);

    // Everything below runs concurrently with the timer and with each other.
    long turns = 0, piped = 0;
    std::string files;
    std::thread a([&] { turns = contendInTurns(); });
    std::thread b([&] { piped = pipeProducerConsumer(); });
    std::thread c([&] { files = fileRoundTrips(); });

    struct sigaction segv {};
    segv.sa_sigaction = onSegv;
    segv.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &segv, nullptr);
    int recovered = 0;
    for (int i = 0; i < 3; ++i) {
        if (sigsetjmp(g_recover, 1) == 0) {
            *reinterpret_cast<volatile int*>(0x1000 + i * 0x10) = 1;
        } else if (g_faultAddr == reinterpret_cast<void*>(0x1000 + i * 0x10)) {
            ++recovered;
        }
    }
    a.join();
    b.join();
    c.join();
    while (g_ticks.load() < 10) {
        pause(); // the timer keeps going until it has ticked at least ten times
    }
    itimerval off{};
    setitimer(ITIMER_REAL, &off, nullptr);

    std::printf("turns sum %ld\n", turns);
    std::printf("pipe sum %ld\n", piped);
    std::printf("%s\n", files.c_str());
    std::printf("segv recovered %d\n", recovered);
    std::printf("timer ticks >= 10: %s\n", g_ticks.load() >= 10 ? "yes" : "no");
    bool ok = turns == 8 * 500 * 9 / 2 && piped == 5000L * 5001 / 2 &&
              files == "files 4 renamed, size ok, cleanup ok" && recovered == 3;
    std::printf("result %s\n", ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
