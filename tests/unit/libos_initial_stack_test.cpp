// The process start-up stack: what musl and glibc read at _start.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "app/initial_stack.h"
#include "elf/elf.h"

using namespace uk::app;

TEST_CASE("initial stack: argc, argv, envp and auxv in the System V layout") {
    std::vector<char> mem(64 * 1024);
    char* top = mem.data() + mem.size();
    const uint64_t topVirt = 0x7fff'ffff'f000;
    auto toHost = [&](uint64_t va) { return top - (topVirt - va); };

    const char* argv[] = {"prog", "first arg", ""};
    const char* envp[] = {"PATH=/bin", "A=1"};
    AuxEntry aux[] = {{uk::elf::AT_PAGESZ, 4096}, {uk::elf::AT_ENTRY, 0x401000}};
    uint8_t random[16];
    for (int i = 0; i < 16; ++i) {
        random[i] = static_cast<uint8_t>(i * 7);
    }
    uk::elf::Phdr ph[2] = {};
    ph[0].type = uk::elf::kPtLoad;
    ph[1].type = uk::elf::kPtTls;
    InitialStackSpec spec{argv, 3, envp, 2, aux, 2, random, "x86_64", "/prog", ph, sizeof ph};
    uint64_t sp = buildInitialStack(spec, top, topVirt, mem.size());
    REQUIRE(sp != 0);
    CHECK(sp % 16 == 0);
    CHECK(sp < topVirt);

    auto* words = reinterpret_cast<const uint64_t*>(toHost(sp));
    REQUIRE(words[0] == 3);
    CHECK(std::string(toHost(words[1])) == "prog");
    CHECK(std::string(toHost(words[2])) == "first arg");
    CHECK(std::string(toHost(words[3])) == "");
    CHECK(words[4] == 0);
    CHECK(std::string(toHost(words[5])) == "PATH=/bin");
    CHECK(std::string(toHost(words[6])) == "A=1");
    CHECK(words[7] == 0);

    std::map<uint64_t, uint64_t> auxv;
    size_t i = 8;
    for (; words[i] != uk::elf::AT_NULL; i += 2) {
        CHECK(auxv.count(words[i]) == 0); // no key twice
        auxv[words[i]] = words[i + 1];
    }
    CHECK(auxv[uk::elf::AT_PAGESZ] == 4096);
    CHECK(auxv[uk::elf::AT_ENTRY] == 0x401000);
    CHECK(std::string(toHost(auxv[uk::elf::AT_PLATFORM])) == "x86_64");
    CHECK(std::string(toHost(auxv[uk::elf::AT_EXECFN])) == "/prog");
    CHECK(std::memcmp(toHost(auxv[uk::elf::AT_RANDOM]), random, 16) == 0);
    REQUIRE(auxv.count(uk::elf::AT_PHDR) == 1);
    CHECK(auxv[uk::elf::AT_PHDR] % 8 == 0);
    CHECK(std::memcmp(toHost(auxv[uk::elf::AT_PHDR]), ph, sizeof ph) == 0);
}

TEST_CASE("initial stack: too little room is refused, not overrun") {
    std::vector<char> mem(256);
    const char* argv[] = {"prog"};
    std::string big(1000, 'x');
    const char* envp[] = {big.c_str()};
    uint8_t random[16] = {};
    InitialStackSpec spec{argv, 1, envp, 1, nullptr, 0, random, nullptr, "prog", nullptr, 0};
    CHECK(buildInitialStack(spec, mem.data() + mem.size(), 0x10000, mem.size()) == 0);
}
