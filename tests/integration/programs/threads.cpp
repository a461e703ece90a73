#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

int main() {
    std::mutex m;
    long counter = 0;
    std::vector<std::thread> ts;
    for (int i = 0; i < 8; ++i) {
        ts.emplace_back([&] {
            for (int k = 0; k < 20000; ++k) {
                std::lock_guard<std::mutex> g(m);
                ++counter;
            }
        });
    }
    for (auto& t : ts)
        t.join();
    std::printf("counter %ld\n", counter);

    std::deque<int> q;
    std::condition_variable cv;
    bool done = false;
    long sum = 0;
    std::thread consumer([&] {
        std::unique_lock<std::mutex> lk(m);
        for (;;) {
            cv.wait(lk, [&] { return !q.empty() || done; });
            while (!q.empty()) {
                sum += q.front();
                q.pop_front();
            }
            if (done)
                break;
        }
    });
    for (int i = 1; i <= 1000; ++i) {
        {
            std::lock_guard<std::mutex> g(m);
            q.push_back(i);
        }
        cv.notify_one();
        if (i % 100 == 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    {
        std::lock_guard<std::mutex> g(m);
        done = true;
    }
    cv.notify_one();
    consumer.join();
    std::printf("sum %ld\n", sum);

    // A spinning thread gets preempted so the main thread still runs.
    std::atomic<bool> stop{false};
    std::atomic<long> spins{0};
    std::thread spinner([&] {
        while (!stop)
            ++spins;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stop = true;
    spinner.join();
    std::printf("preemption ok: %s\n", spins > 0 ? "yes" : "no");
    return 0;
}
