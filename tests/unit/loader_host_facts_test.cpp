// The per-boot host facts cache.
#include <doctest/doctest.h>

#include <uk/loader/host_facts.h>
#include <uk/support/fs.h>

using namespace uk::loader;

TEST_CASE("host facts: round trip, and facts from another boot are dropped") {
    HostFacts f;
    f.bootId = "boot-1";
    f.tscHz = 2596130000;
    f.tscMeasured = true;
    f.kvmBroken = "failed to set MSR 0x10a";
    HostFacts back = HostFacts::parse(f.serialize(), "boot-1");
    CHECK(back.tscMeasured);
    CHECK(back.tscHz == 2596130000);
    CHECK(back.kvmBroken == "failed to set MSR 0x10a");

    HostFacts other = HostFacts::parse(f.serialize(), "boot-2");
    CHECK_FALSE(other.tscMeasured);
    CHECK(other.kvmBroken.empty());
    CHECK(other.bootId == "boot-2");

    HostFacts garbage = HostFacts::parse("nonsense\n=\nboot_id\n", "boot-1");
    CHECK_FALSE(garbage.tscMeasured);
}

TEST_CASE("host facts: the store persists what it learns") {
    uk::fs::TempDir dir("uk-facts-test");
    auto file = dir.path() / "sub" / "host-facts"; // the store makes "sub" itself, mode 0700
    {
        HostFactsStore store(file);
        CHECK(store.facts().kvmBroken.empty());
        store.rememberKvmBroken("emulation\nfailure");
    }
    HostFactsStore again(file);
    CHECK(again.facts().kvmBroken == "emulation failure");

    // A directory others can write to is not trusted.
    std::filesystem::permissions(dir.path() / "sub", std::filesystem::perms::others_write,
                                 std::filesystem::perm_options::add);
    HostFactsStore untrusted(file);
    CHECK(untrusted.facts().kvmBroken.empty());
}

TEST_CASE("host facts: the TSC measurement is in a plausible range") {
    uint64_t hz = measureTscHz(std::chrono::milliseconds(20));
    CHECK(hz > 100'000'000);
    CHECK(hz < 10'000'000'000);
}
