// The ELF header checks the loader relies on, on real binaries from this host and on
// damaged copies of them.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "elf/loader.h"

namespace {

long readMemory(void* ctx, uint64_t offset, void* dst, size_t n) {
    auto* data = static_cast<const std::string*>(ctx);
    if (offset >= data->size()) {
        return 0;
    }
    size_t k = std::min<size_t>(n, data->size() - offset);
    std::memcpy(dst, data->data() + offset, k);
    return static_cast<long>(k);
}

std::string slurp(const char* path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

uk::elf::FileReader reader(std::string& data) {
    return {readMemory, &data, data.size()};
}

} // namespace

TEST_CASE("elf: a dynamically linked glibc program") {
    std::string bin = slurp("/bin/ls");
    REQUIRE(bin.size() > 1000);
    uk::elf::ElfFile elf;
    REQUIRE_MESSAGE(elf.open(reader(bin)), elf.error());
    CHECK(elf.isDynamic()); // Debian builds PIE
    CHECK(elf.hasInterp());
    CHECK(std::string(elf.interp()) == "/lib64/ld-linux-x86-64.so.2");
    CHECK(elf.spanStart() == 0);
    CHECK(elf.spanEnd() > elf.spanStart());
}

TEST_CASE("elf: a static executable and the dynamic loader itself") {
    std::string busybox = slurp("/bin/busybox");
    REQUIRE(busybox.size() > 1000);
    uk::elf::ElfFile elf;
    REQUIRE_MESSAGE(elf.open(reader(busybox)), elf.error());
    CHECK_FALSE(elf.hasInterp());

    std::string ld = slurp("/lib64/ld-linux-x86-64.so.2");
    uk::elf::ElfFile interp;
    REQUIRE_MESSAGE(interp.open(reader(ld)), interp.error());
    CHECK(interp.isDynamic());
    CHECK_FALSE(interp.hasInterp());
}

TEST_CASE("elf: damaged files are refused with a reason") {
    std::string bin = slurp("/bin/ls");
    auto refuse = [](std::string data, const char* fragment) {
        uk::elf::ElfFile elf;
        CHECK_FALSE(elf.open(reader(data)));
        REQUIRE(elf.error() != nullptr);
        std::string message = elf.error();
        CHECK_MESSAGE(message.find(fragment) != std::string::npos, message);
    };
    refuse("#!/bin/sh\necho hi\n", "too short");
    refuse(std::string(100, 'x'), "not an ELF");
    std::string copy = bin;
    copy[4] = 1; // 32-bit
    refuse(copy, "64-bit");
    copy = bin;
    copy[18] = 3; // e_machine = EM_386
    copy[19] = 0;
    refuse(copy, "x86_64");
    copy = bin;
    copy[16] = 1; // ET_REL
    refuse(copy, "not an executable");
    refuse(bin.substr(0, 200), "outside the file");
    copy = bin;
    // First program header's p_filesz beyond the file.
    uint64_t phoff;
    std::memcpy(&phoff, copy.data() + 32, 8);
    for (int i = 0; i < 13; ++i) {
        uint32_t type;
        std::memcpy(&type, copy.data() + phoff + 56 * i, 4);
        if (type == 1) {
            uint64_t huge = 1ull << 40;
            std::memcpy(&copy[phoff + 56 * i + 32], &huge, 8); // p_filesz
            std::memcpy(&copy[phoff + 56 * i + 40], &huge, 8); // p_memsz
            break;
        }
    }
    refuse(copy, "outside the file");
}
