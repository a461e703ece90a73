// File mappings below the page tables: file areas in the VMA map keep one reference to their
// backing per area through splits, merges and removals; a ramfs file's mapping supplies its
// own pages (shared) or copies (private), and keeps pages a shared mapping may reach.
#include "libos_vfs_fixture.h"
#include "mm/vma_map.h"
#include "vfs/file_mapping.h"

#include <doctest/doctest.h>

#include <cstring>

using namespace uk::vfs;
using uk::mm::VmaKind;
using uk::mm::VmaMap;
using uk::vfs::test::Fs;

namespace {

constexpr uint64_t P = 4096;

class CountingBacking final : public uk::mm::VmaBacking {
public:
    int holds = 0;
    void hold() override { ++holds; }
    void release() override { --holds; }
    bool shared() const override { return true; }
    uint64_t sharedFrame(uint64_t) override { return 0; }
    void copyPage(uint64_t, void*) override {}
    void describe(uint64_t* dev, uint64_t* ino, const char** path) const override {
        *dev = 0;
        *ino = 0;
        *path = "/counting";
    }
};

} // namespace

TEST_CASE("vma: file areas hold their backing through splits, merges and removal") {
    CountingBacking b;
    {
        VmaMap m;
        REQUIRE(m.insert(10 * P, 20 * P, uk::mm::kProtRead, VmaKind::File, "/f", &b, 0) != nullptr);
        CHECK(b.holds == 1);
        // Contiguous file offsets merge; others do not.
        REQUIRE(m.insert(20 * P, 25 * P, uk::mm::kProtRead, VmaKind::File, "/f", &b, 10 * P) !=
                nullptr);
        CHECK(m.count() == 1);
        CHECK(b.holds == 1);
        REQUIRE(m.insert(25 * P, 30 * P, uk::mm::kProtRead, VmaKind::File, "/f", &b, 99 * P) !=
                nullptr);
        CHECK(m.count() == 2);
        CHECK(b.holds == 2);
        // A hole in the middle splits: the tail's offset follows its start.
        CHECK(m.remove(12 * P, 14 * P));
        CHECK(m.count() == 3);
        CHECK(b.holds == 3);
        const uk::mm::Vma* tail = m.find(14 * P);
        REQUIRE(tail != nullptr);
        CHECK(tail->offset == 4 * P);
        CHECK(tail->backing == &b);
        // mprotect splits and re-merges.
        CHECK(m.protect(16 * P, 18 * P, uk::mm::kProtRead | uk::mm::kProtWrite));
        CHECK(b.holds == 5);
        CHECK(m.find(18 * P)->offset == 8 * P);
        CHECK(m.protect(16 * P, 18 * P, uk::mm::kProtRead));
        CHECK(b.holds == 3);
        CHECK(m.remove(0, 12 * P));
        CHECK(b.holds == 2);
    }
    CHECK(b.holds == 0); // the map's destructor releases the rest
}

TEST_CASE("file mapping: shared pages are the file's, private ones are copies") {
    Fs fs;
    std::string data(3 * P - 100, 'd');
    data[P] = 'S';
    REQUIRE(fs.write("/m", data) == static_cast<long>(data.size()));
    Ref<Node> n;
    REQUIRE(lookupAt(fs.ctx, kAtFdCwd, "/m", 0, &n) == 0);
    auto* file = static_cast<RamFile*>(n.get());
    uk::mm::VmaBacking* shared = nullptr;
    uk::mm::VmaBacking* priv = nullptr;
    REQUIRE(n->mapping(true, "/m", &shared) == 0);
    REQUIRE(n->mapping(false, "/m", &priv) == 0);
    shared->hold();
    priv->hold();
    CHECK(shared->shared());
    CHECK_FALSE(priv->shared());
    uint64_t dev, ino;
    const char* path;
    shared->describe(&dev, &ino, &path);
    CHECK(std::string(path) == "/m");
    CHECK(ino == n->ino());

    // The private copy of the last page has zeros past the end of the file.
    char page[P];
    priv->copyPage(2, page);
    CHECK(page[P - 101] == 'd');
    CHECK(page[P - 100] == 0);
    // A store through a shared page is in the file.
    auto* p1 = static_cast<char*>(file->pageForSharing(1));
    REQUIRE(p1 != nullptr);
    CHECK(p1[0] == 'S');
    p1[1] = '!';
    CHECK(fs.read("/m")[P + 1] == '!');
    // Truncation while shared: the page stays (a mapping may reach it), reads as zeros, and
    // growing the file again does not bring old bytes back.
    CHECK(n->truncate(10) == 0);
    CHECK(p1[0] == 0);
    CHECK(n->truncate(3 * P) == 0);
    CHECK(fs.read("/m").substr(10) == std::string(3 * P - 10, '\0'));
    // A page past the end can be mapped: it is zeros, and stays out of the file's size.
    auto* p5 = static_cast<char*>(file->pageForSharing(5));
    REQUIRE(p5 != nullptr);
    p5[0] = 'x';
    Attr a;
    REQUIRE(fs.stat("/m", &a) == 0);
    CHECK(a.size == 3 * P);
    shared->release();
    // With no shared mapping left, what lay past the end is gone.
    CHECK(n->truncate(6 * P) == 0);
    CHECK(fs.read("/m")[5 * P] == 0);
    priv->release();
}
