// The application's memory areas: overlap rules, splitting, merging, gap search.
#include <doctest/doctest.h>

#include <string>

#include "mm/vma_map.h"

using namespace uk::mm;

namespace {
constexpr uint64_t P = 4096;
const char* kAnon = "[anon]";

std::string dump(const VmaMap& m) {
    std::string s;
    for (const Vma* v = m.first(); v != nullptr; v = v->next) {
        s += "[" + std::to_string(v->start / P) + "," + std::to_string(v->end / P) + ")" +
             std::to_string(v->prot) + " ";
    }
    return s;
}
} // namespace

TEST_CASE("vma: insert refuses overlap and bad alignment, merges equal neighbours") {
    VmaMap m;
    CHECK(m.insert(10 * P, 20 * P, kProtRead, VmaKind::Anonymous, kAnon) != nullptr);
    CHECK(m.insert(15 * P, 25 * P, kProtRead, VmaKind::Anonymous, kAnon) == nullptr);
    CHECK(m.insert(5 * P + 1, 6 * P, kProtRead, VmaKind::Anonymous, kAnon) == nullptr);
    CHECK(m.insert(20 * P, 30 * P, kProtRead, VmaKind::Anonymous, kAnon) != nullptr);
    CHECK(m.count() == 1); // merged
    CHECK(dump(m) == "[10,30)1 ");
    CHECK(m.insert(5 * P, 10 * P, kProtRead | kProtWrite, VmaKind::Anonymous, kAnon) != nullptr);
    CHECK(m.count() == 2); // different rights stay apart
    // Stacks never merge (their bottom marks the guard).
    CHECK(m.insert(40 * P, 41 * P, kProtRead, VmaKind::Stack, "[stack]") != nullptr);
    CHECK(m.insert(41 * P, 42 * P, kProtRead, VmaKind::Stack, "[stack]") != nullptr);
    CHECK(m.count() == 4);
}

TEST_CASE("vma: find, isFree, covers") {
    VmaMap m;
    m.insert(10 * P, 20 * P, kProtRead | kProtWrite, VmaKind::Anonymous, kAnon);
    m.insert(20 * P, 30 * P, kProtRead, VmaKind::Anonymous, kAnon);
    CHECK(m.find(10 * P) != nullptr);
    CHECK(m.find(10 * P - 1) == nullptr);
    CHECK(m.find(30 * P) == nullptr);
    CHECK(m.isFree(0, 10 * P));
    CHECK_FALSE(m.isFree(0, 10 * P + 1));
    CHECK(m.covers(12 * P, 25 * P, kProtRead));
    CHECK_FALSE(m.covers(12 * P, 25 * P, kProtWrite));
    CHECK(m.covers(12 * P, 20 * P, kProtWrite));
    CHECK_FALSE(m.covers(9 * P, 11 * P, kProtRead));
    CHECK_FALSE(m.covers(29 * P, 31 * P, kProtRead));
}

TEST_CASE("vma: remove splits at both ends") {
    VmaMap m;
    m.insert(10 * P, 30 * P, kProtRead, VmaKind::Anonymous, kAnon);
    CHECK(m.remove(15 * P, 20 * P));
    CHECK(dump(m) == "[10,15)1 [20,30)1 ");
    CHECK(m.remove(0, 12 * P));
    CHECK(m.remove(25 * P, 100 * P));
    CHECK(dump(m) == "[12,15)1 [20,25)1 ");
    CHECK(m.remove(0, 1000 * P));
    CHECK(m.count() == 0);
}

TEST_CASE("vma: protect splits, then re-merges what became alike") {
    VmaMap m;
    m.insert(10 * P, 30 * P, kProtRead, VmaKind::Anonymous, kAnon);
    CHECK(m.protect(15 * P, 20 * P, kProtRead | kProtWrite));
    CHECK(dump(m) == "[10,15)1 [15,20)3 [20,30)1 ");
    CHECK(m.protect(15 * P, 20 * P, kProtRead));
    CHECK(dump(m) == "[10,30)1 ");
    CHECK_FALSE(m.protect(25 * P, 35 * P, kProtNone)); // part of it is unmapped
    CHECK(dump(m) == "[10,30)1 ");
}

TEST_CASE("vma: findFreeTopDown picks the highest gap that fits") {
    VmaMap m;
    CHECK(m.findFreeTopDown(10 * P, 0, 100 * P) == 90 * P);
    m.insert(80 * P, 100 * P, kProtRead, VmaKind::Anonymous, kAnon);
    m.insert(50 * P, 75 * P, kProtRead, VmaKind::Anonymous, kAnon);
    CHECK(m.findFreeTopDown(5 * P, 0, 100 * P) == 75 * P);
    CHECK(m.findFreeTopDown(6 * P, 0, 100 * P) == 44 * P);
    CHECK(m.findFreeTopDown(6 * P, 45 * P, 100 * P) == 0);
    CHECK(m.findFreeTopDown(3 * P, 0, 78 * P) == 75 * P); // limit inside a gap
    CHECK(m.findFreeTopDown(0, 0, 100 * P) == 0);
    CHECK(m.findFreeTopDown(P + 1, 0, 100 * P) == 0); // sizes are whole pages
}
