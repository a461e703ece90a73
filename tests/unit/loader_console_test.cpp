// The console relay's pure parts: input framing (checked against the guest's decoder), the
// backtrace line matcher and the output filter that holds and symbolizes backtraces.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <uk/image_format.h>
#include <uk/loader/console_relay.h>

#include "stdin_decoding.h"

using uk::loader::BacktraceFrame;
using uk::loader::ConsoleOutputFilter;
using uk::loader::parseBacktraceLine;
using uk::loader::StdinEncoder;

namespace {

// Decodes with the guest's decoder; returns the bytes and whether end of file was seen.
std::pair<std::string, bool> guestDecode(const std::string& framed) {
    uk::tty::StdinDecoder decoder(true);
    bool eof;
    std::string out = uk::test::decodeStdin(decoder, framed, &eof, true);
    return {out, eof};
}

// Symbolizes every frame as " in f<index>" and records the batches it was asked for.
struct FakeSymbolizer {
    std::vector<std::vector<BacktraceFrame>> calls;
    ConsoleOutputFilter::Annotate annotate() {
        return [this](const std::vector<BacktraceFrame>& frames) {
            calls.push_back(frames);
            std::vector<std::string> out;
            for (const auto& f : frames) {
                out.push_back(" in f" + std::to_string(f.index));
            }
            return out;
        };
    }
};

std::string frameLine(int index, const char* hex16) {
    return std::string(uk::image::kBacktracePrefix) + std::to_string(index) + " 0x" + hex16 + "\n";
}

} // namespace

TEST_CASE("stdin framing: escape bytes doubled, end of file as escape + EOT") {
    std::string out;
    StdinEncoder::encode(std::string("a\x10"
                                     "b\x04\x10\x10",
                                     6),
                         out);
    CHECK(out == std::string("a\x10\x10"
                             "b\x04\x10\x10\x10\x10",
                             9));
    CHECK(StdinEncoder::endOfFile() == std::string("\x10\x04", 2));
}

TEST_CASE("stdin framing: every byte value survives the guest's decoder, then EOF") {
    std::string all;
    for (int i = 0; i < 256; ++i) {
        all += static_cast<char>(i);
    }
    all += all; // pairs like 0x10 0x04 and 0x10 0x10 occur in the data itself
    std::string framed;
    // In pieces, as reads from a pipe arrive.
    StdinEncoder::encode(std::string_view(all).substr(0, 17), framed);
    StdinEncoder::encode(std::string_view(all).substr(17), framed);
    framed.append(StdinEncoder::endOfFile());
    framed += "trailing bytes after EOF are never read";
    auto [decoded, eof] = guestDecode(framed);
    CHECK(eof);
    CHECK(decoded == all);
}

TEST_CASE("backtrace lines: the guest's format and nothing else") {
    auto f = parseBacktraceLine("[uk]   #0 0x0000000000401234");
    REQUIRE(f);
    CHECK(f->index == 0);
    CHECK(f->address == 0x401234);
    CHECK(f->lookupAddress() == 0x401234);
    f = parseBacktraceLine("[uk]   #12 0xFFFFFFFF8010abcd\r");
    REQUIRE(f);
    CHECK(f->index == 12);
    CHECK(f->address == 0xffffffff8010abcdull);
    CHECK(f->lookupAddress() == 0xffffffff8010abccull); // return address - 1
    for (const char* bad :
         {"", "[uk]   #", "[uk]   #1", "[uk]   #1 0x123", "[uk] #1 0x0000000000401234",
          "[uk]   #x 0x0000000000401234", "[uk]   #1 0x000000000040123g",
          "[uk]   #1 0x00000000004012345", "[uk]   #1 0x0000000000401234 in main",
          " [uk]   #1 0x0000000000401234", "[uk]   #1  0x0000000000401234"}) {
        CAPTURE(bad);
        CHECK_FALSE(parseBacktraceLine(bad));
    }
}

TEST_CASE("console filter: ordinary output passes at once, partial lines included") {
    FakeSymbolizer sym;
    ConsoleOutputFilter filter(sym.annotate());
    CHECK(filter.feed("Hello") == "Hello");
    CHECK(filter.feed(", world\nprompt> ") == ", world\nprompt> ");
    CHECK_FALSE(filter.holding());
    // A line start that could be a frame waits only until it cannot be one.
    CHECK(filter.feed("\n[uk") == "\n");
    CHECK(filter.holding());
    CHECK(filter.feed("] boot\n") == "[uk] boot\n");
    CHECK(filter.feed("[x") == "[x");
    CHECK_FALSE(filter.holding());
    CHECK(sym.calls.empty());
}

TEST_CASE("console filter: one backtrace, one symbolizer call, byte by byte") {
    FakeSymbolizer sym;
    ConsoleOutputFilter filter(sym.annotate());
    std::string input = "[uk] backtrace:\n" + frameLine(0, "0000000000400084") +
                        frameLine(1, "000000000040009b") + frameLine(2, "000000000040038a") +
                        "[uk] exit: status 139\n";
    std::string out;
    for (char c : input) {
        out += filter.feed(std::string(1, c));
    }
    out += filter.flush();
    CHECK(out == "[uk] backtrace:\n"
                 "[uk]   #0 0x0000000000400084 in f0\n"
                 "[uk]   #1 0x000000000040009b in f1\n"
                 "[uk]   #2 0x000000000040038a in f2\n"
                 "[uk] exit: status 139\n");
    REQUIRE(sym.calls.size() == 1);
    CHECK(sym.calls[0].size() == 3);
    CHECK(sym.calls[0][1].address == 0x40009b);
}

TEST_CASE("console filter: frames wait for the end of the backtrace or a flush") {
    FakeSymbolizer sym;
    ConsoleOutputFilter filter(sym.annotate());
    CHECK(filter.feed(frameLine(0, "0000000000000010")) == "");
    CHECK(filter.holding());
    CHECK(filter.flush() == "[uk]   #0 0x0000000000000010 in f0\n");
    CHECK_FALSE(filter.holding());
    // A new #0 starts a new backtrace: the previous one is released first.
    CHECK(filter.feed(frameLine(0, "0000000000000020") + frameLine(1, "0000000000000021")) == "");
    CHECK(filter.feed(frameLine(0, "0000000000000030")) ==
          "[uk]   #0 0x0000000000000020 in f0\n[uk]   #1 0x0000000000000021 in f1\n");
    CHECK(filter.flush() == "[uk]   #0 0x0000000000000030 in f0\n");
    CHECK(sym.calls.size() == 3);
}

TEST_CASE("console filter: unknown locations and missing symbolizer leave lines as they are") {
    ConsoleOutputFilter none(nullptr);
    std::string frames = frameLine(0, "0000000000000010") + frameLine(1, "0000000000000011");
    CHECK(none.feed(frames + "after\n") == frames + "after\n");

    ConsoleOutputFilter unknown(
        [](const std::vector<BacktraceFrame>& f) { return std::vector<std::string>(f.size()); });
    CHECK(unknown.feed(frames) == "");
    CHECK(unknown.flush() == frames);
}

TEST_CASE("console filter: CRLF line endings keep the annotation before the CR") {
    FakeSymbolizer sym;
    ConsoleOutputFilter filter(sym.annotate());
    CHECK(filter.feed("[uk]   #0 0x0000000000000010\r\n") == "");
    CHECK(filter.flush() == "[uk]   #0 0x0000000000000010 in f0\r\n");
}

TEST_CASE("console filter: look-alike lines and long lines are ordinary output") {
    FakeSymbolizer sym;
    ConsoleOutputFilter filter(sym.annotate());
    std::string lookalike = "[uk]   #1 0x1234 is not a frame\n";
    CHECK(filter.feed(lookalike) == lookalike);
    std::string longLine = "[uk]   #" + std::string(200, '7');
    CHECK(filter.feed(longLine) == longLine); // released once too long to be a frame
    CHECK(filter.feed("\n") == "\n");
    CHECK(sym.calls.empty());
    // A partial line released by an idle flush continues as ordinary output.
    CHECK(filter.feed("[uk]   ") == "");
    CHECK(filter.flush() == "[uk]   ");
    CHECK(filter.feed("#0 0x0000000000000010\n") == "#0 0x0000000000000010\n");
    CHECK(sym.calls.empty());
}

TEST_CASE("stdin framing: a signal and the start travel between data bytes") {
    std::string framed;
    StdinEncoder::encode("ab", framed);
    framed += StdinEncoder::signal(15);
    framed += StdinEncoder::start("");
    framed += StdinEncoder::start("uk.ip=10.0.0.2/8 uk.nonet");
    StdinEncoder::encode(std::string("\x10"
                                     "c",
                                     2),
                         framed);
    framed += StdinEncoder::endOfFile();
    auto [out, eof] = guestDecode(framed);
    CHECK(out == std::string("ab<sig15><start>uk.ip=10.0.0.2/8 uk.nonet<start>\x10"
                             "c"));
    CHECK(eof);
}
