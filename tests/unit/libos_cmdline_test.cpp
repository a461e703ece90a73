// The kernel command line grammar (uk/image_format.h).
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "kernel/cmdline.h"

namespace {
std::unique_ptr<uk::CommandLine> parse(const char* text, bool expectOk = true) {
    auto cl = std::make_unique<uk::CommandLine>();
    CHECK(cl->parse(text) == expectOk);
    return cl;
}
} // namespace

TEST_CASE("cmdline: options before --, arguments after") {
    auto cl = parse("uk.verbose uk.env=A=1 uk.env=B=2 -- a uk.not-an-option --");
    REQUIRE(cl->optionCount() == 3);
    CHECK(std::string(cl->option(1)) == "uk.env=A=1");
    CHECK(cl->has("uk.verbose"));
    CHECK(std::string(cl->value("uk.verbose")) == "");
    CHECK(std::string(cl->value("uk.env")) == "B=2"); // the last one wins
    CHECK(cl->value("uk.strace") == nullptr);
    CHECK(cl->value("uk.verb") == nullptr); // no prefix matches
    REQUIRE(cl->argCount() == 3);
    CHECK(std::string(cl->arg(0)) == "a");
    CHECK(std::string(cl->arg(1)) == "uk.not-an-option");
    CHECK(std::string(cl->arg(2)) == "--");
}

TEST_CASE("cmdline: words without uk. are arguments even before --") {
    auto cl = parse("hello uk.strace world");
    CHECK(cl->optionCount() == 1);
    REQUIRE(cl->argCount() == 2);
    CHECK(std::string(cl->arg(0)) == "hello");
    CHECK(std::string(cl->arg(1)) == "world");
}

TEST_CASE("cmdline: quotes and backslashes") {
    auto cl = parse(R"(-- "two words" a\ b "with \"quote\"" back\\slash "" x"y"z)");
    REQUIRE(cl->argCount() == 6);
    CHECK(std::string(cl->arg(0)) == "two words");
    CHECK(std::string(cl->arg(1)) == "a b");
    CHECK(std::string(cl->arg(2)) == "with \"quote\"");
    CHECK(std::string(cl->arg(3)) == "back\\slash");
    CHECK(std::string(cl->arg(4)) == "");
    CHECK(std::string(cl->arg(5)) == "xyz");
}

TEST_CASE("cmdline: monitor-added virtio_mmio words are kept apart") {
    auto cl = parse("uk.verbose -- app arg virtio_mmio.other virtio_mmio.device=512@0xfeb00e00:12");
    CHECK(cl->argCount() == 3); // only QEMU's exact form is set aside
    REQUIRE(cl->platformCount() == 1);
    CHECK(std::string(cl->platform(0)) == "virtio_mmio.device=512@0xfeb00e00:12");
}

TEST_CASE("cmdline: empty and whitespace-only lines") {
    auto cl = parse("");
    CHECK(cl->optionCount() == 0);
    CHECK(cl->argCount() == 0);
    cl = parse(" \t\n ");
    CHECK(cl->argCount() == 0);
}

TEST_CASE("cmdline: errors are reported, not overrun") {
    auto cl = parse("-- \"unterminated", false);
    CHECK(std::string(cl->error()).find("quote") != std::string::npos);

    std::string many = "--";
    for (int i = 0; i < 300; ++i) {
        many += " a";
    }
    cl = parse(many.c_str(), false);
    CHECK(cl->argCount() == uk::CommandLine::kMaxWords);

    std::string huge = "-- " + std::string(5000, 'x');
    cl = parse(huge.c_str(), false);
    CHECK(std::string(cl->error()).find("too long") != std::string::npos);
}
