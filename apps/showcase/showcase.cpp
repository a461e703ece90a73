// A tour of what C++ programs get in a uk image: the standard library over musl, libc++,
// libc++abi and libunwind, with the library OS underneath. Each section prints one line
// the integration test checks. Give it numbers on stdin to sum them:
//
//   echo "1 2 3" | uk run showcase.img -- --sum
#include <sys/random.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

namespace {

// Global construction and destruction run around main().
struct Lifetime {
    Lifetime() { constructed = true; }
    ~Lifetime() { std::cout << "globals: destroyed after main" << std::endl; }
    static inline bool constructed = false;
} g_lifetime;

struct ParseError : std::runtime_error {
    explicit ParseError(const std::string& what, int pos)
        : std::runtime_error(what), position(pos) {}
    int position;
};

int parseDigit(char c, int pos) {
    if (c < '0' || c > '9') {
        throw ParseError(std::string("not a digit: ") + c, pos);
    }
    return c - '0';
}

void containers() {
    std::vector<int> v(10);
    std::iota(v.begin(), v.end(), 1);
    std::map<std::string, int> m{{"one", 1}, {"two", 2}, {"three", 3}};
    std::unordered_map<int, std::string> u;
    for (int i : v) {
        u[i * i] = std::to_string(i);
    }
    std::set<std::string> s(m.size() > 0 ? std::set<std::string>{"b", "a", "c"}
                                         : std::set<std::string>{});
    std::sort(v.begin(), v.end(), std::greater<>());
    int sum = std::accumulate(v.begin(), v.end(), 0);
    std::cout << "containers: sum=" << sum << " first=" << v.front() << " map[three]=" << m["three"]
              << " unordered[49]=" << u[49] << " set=" << *s.begin() << *s.rbegin() << std::endl;
}

void exceptions() {
    std::string caught;
    try {
        try {
            parseDigit('7', 0);
            parseDigit('x', 1);
        } catch (const ParseError& e) {
            caught = e.what();
            throw; // rethrow to the outer handler
        }
    } catch (const std::exception& e) {
        caught += std::string(" / rethrown: ") + e.what();
    }
    try {
        std::vector<int> small(2);
        (void)small.at(5);
    } catch (const std::out_of_range&) {
        caught += " / out_of_range";
    }
    std::cout << "exceptions: " << caught << std::endl;
}

void modernTypes() {
    std::optional<int> none, some = 42;
    std::variant<int, std::string> var = std::string("variant");
    auto shared = std::make_shared<std::string>("shared");
    std::weak_ptr<std::string> weak = shared;
    std::unique_ptr<int[]> array(new int[4]{1, 2, 3, 4});
    std::function<int(int)> twice = [](int x) { return 2 * x; };
    std::cout << "types: optional=" << none.value_or(-1) << "," << *some
              << " variant=" << std::get<std::string>(var)
              << " weak=" << (weak.lock() ? *weak.lock() : "") << " unique=" << array[3]
              << " function=" << twice(21) << std::endl;
}

void strings() {
    std::ostringstream out;
    out << std::fixed << std::setprecision(3) << 3.14159 << " " << std::hex << 255 << " "
        << std::setw(6) << std::setfill('*') << std::dec << 42;
    std::istringstream in("17 0x1f -3.5e2 word");
    int a;
    std::string hex, word;
    double d;
    in >> a >> hex >> d >> word;
    std::string upper = word;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    std::cout << "strings: \"" << out.str() << "\" parsed " << a << " "
              << std::stoi(hex, nullptr, 16) << " " << d << " " << upper << std::endl;
}

void clocks() {
    using namespace std::chrono;
    auto t0 = steady_clock::now();
    std::this_thread::sleep_for(milliseconds(20));
    auto slept = duration_cast<milliseconds>(steady_clock::now() - t0).count();
    auto since = duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
    std::cout << "chrono: slept "
              << (slept >= 20 && slept < 200 ? "20ms" : std::to_string(slept) + "ms?")
              << ", wall clock " << (since > 1'600'000'000 ? "set" : "not set (epoch)")
              << std::endl;
}

void randomness() {
    unsigned seed;
    if (getentropy(&seed, sizeof seed) != 0) {
        std::cout << "random: getentropy failed" << std::endl;
        return;
    }
    std::mt19937 gen(seed);
    std::uniform_int_distribution<int> die(1, 6);
    int rolls[6] = {};
    for (int i = 0; i < 6000; ++i) {
        ++rolls[die(gen) - 1];
    }
    bool fair =
        std::all_of(std::begin(rolls), std::end(rolls), [](int n) { return n > 800 && n < 1200; });
    std::cout << "random: 6000 dice rolls look " << (fair ? "fair" : "unfair") << std::endl;
}

void systemInfo() {
    utsname u{};
    uname(&u);
    const char* home = std::getenv("HOME");
    std::cout << "system: " << u.sysname << " " << u.machine << ", pid " << getpid() << ", PATH "
              << (std::getenv("PATH") ? "set" : "unset") << ", HOME " << (home ? home : "unset")
              << std::endl;
}

int sumStdin() {
    long total = 0, n, count = 0;
    while (std::cin >> n) {
        total += n;
        ++count;
    }
    std::cout << "sum of " << count << " numbers: " << total << std::endl;
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "--sum") == 0) {
        return sumStdin();
    }
    std::cout << "showcase: " << argc - 1 << " argument(s)";
    for (int i = 1; i < argc; ++i) {
        std::cout << " [" << argv[i] << "]";
    }
    std::cout << std::endl;
    std::cout << "globals: constructed before main: " << (Lifetime::constructed ? "yes" : "no")
              << std::endl;
    containers();
    exceptions();
    modernTypes();
    strings();
    clocks();
    randomness();
    systemInfo();
    return 0;
}
