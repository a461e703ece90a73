// Finding uk's resource directory and checking a toolchain before building with it.
#include <doctest/doctest.h>

#include "error_capture.h"

#include <uk/support/error.h>
#include <uk/support/fs.h>
#include <uk/toolchain/build_driver.h>
#include <uk/toolchain/toolchain.h>

#include <filesystem>
#include <string>

using namespace uk::toolchain;
namespace stdfs = std::filesystem;

using uk::test::errorOf;
using uk::test::mentions;

namespace {

void touch(const stdfs::path& path) {
    stdfs::create_directories(path.parent_path());
    uk::fs::writeFileAtomic(path, "");
}

} // namespace

TEST_CASE("resource directory: next to the executable") {
    uk::fs::TempDir temp("uk-test");
    const stdfs::path exe = temp.path() / "bin" / "uk";
    const stdfs::path resources = temp.path() / "lib" / "uk";

    std::string error = errorOf([&] { findResourceDir(exe, nullptr); });
    CHECK(mentions(error, resources.string()));
    CHECK(mentions(error, "uk-libos.o and uk.ld"));
    CHECK(mentions(error, "UK_RESOURCE_DIR"));

    touch(resources / "uk-libos.o");
    error = errorOf([&] { findResourceDir(exe, ""); }); // empty: not an override
    CHECK(mentions(error, "lacks uk.ld"));
    CHECK_FALSE(mentions(error, "uk-libos.o"));

    touch(resources / "uk.ld");
    CHECK(findResourceDir(exe, nullptr) == resources);
}

TEST_CASE("resource directory: UK_RESOURCE_DIR overrides") {
    uk::fs::TempDir temp("uk-test");
    std::string error = errorOf([&] { findResourceDir("/nowhere/bin/uk", temp.path().c_str()); });
    CHECK(mentions(error, temp.path().string()));
    CHECK(mentions(error, "set by UK_RESOURCE_DIR"));
    touch(temp.path() / "uk-libos.o");
    touch(temp.path() / "uk.ld");
    CHECK(findResourceDir("/nowhere/bin/uk", temp.path().c_str()) == temp.path());
}

TEST_CASE("toolchain validation names each missing file and its package") {
    uk::fs::TempDir temp("uk-test");
    Toolchain t = Toolchain::configured(temp.path() / "resources");
    t.muslLib = temp.path() / "no-musl";
    t.libcxxLib = temp.path() / "no-libcxx";

    std::string c = errorOf([&] { t.validate(false); });
    CHECK(mentions(c, (temp.path() / "no-musl" / "libc.a").string() +
                          " not found (Debian package: musl-dev)"));
    CHECK(mentions(c, "uk-libos.o not found (built with uk"));
    CHECK_FALSE(mentions(c, "libunwind.a")); // C images do not need the C++ runtime

    std::string cxx = errorOf([&] { t.validate(true); });
    CHECK(mentions(cxx, "libunwind.a not found (Debian package: libunwind-14-dev)"));
    CHECK(mentions(cxx, "libc++abi.a not found (Debian package: libc++abi-dev)"));
    CHECK(mentions(cxx, "libc++-uk.a not found (built with uk"));
    CHECK(mentions(cxx, "__locale not found"));
}

TEST_CASE("toolchain: the configured locations are absolute") {
    Toolchain t = Toolchain::configured("/r");
    for (const auto& file : requiredFiles(t, true)) {
        CHECK_MESSAGE(file.path.is_absolute(), file.path);
        CHECK_FALSE(file.provider.empty());
    }
    CHECK(t.linkerScript() == "/r/uk.ld");
    CHECK(t.cxxCompatInclude() == "/r/include/c++compat");
}

TEST_CASE("build driver: bad inputs fail before anything runs and leave no output") {
    uk::fs::TempDir temp("uk-test");
    BuildOptions o;
    o.output = temp.path() / "x.img";

    o.inputs = {temp.path() / "missing.cpp"};
    CHECK(errorOf([&] { BuildDriver(Toolchain::configured("/r"), o).run(); }) ==
          (temp.path() / "missing.cpp").string() + ": No such file or directory");

    o.inputs = {temp.path()};
    CHECK(errorOf([&] { BuildDriver(Toolchain::configured("/r"), o).run(); }) ==
          temp.path().string() + ": Is a directory");

    BuildOptions toDirectory = o;
    toDirectory.output = temp.path();
    CHECK(errorOf([&] { BuildDriver(Toolchain::configured("/r"), toDirectory).run(); }) ==
          temp.path().string() + ": Is a directory");

    // A toolchain that lacks everything: validation stops the build.
    touch(temp.path() / "a.c");
    o.inputs = {temp.path() / "a.c"};
    Toolchain broken = Toolchain::configured(temp.path() / "resources");
    broken.clang = temp.path() / "no-clang";
    CHECK(mentions(errorOf([&] { BuildDriver(broken, o).run(); }), "no-clang not found"));

    // Nothing but the source is left behind.
    size_t entries = 0;
    for ([[maybe_unused]] const auto& entry : stdfs::directory_iterator(temp.path())) {
        ++entries;
    }
    CHECK(entries == 1);
}
