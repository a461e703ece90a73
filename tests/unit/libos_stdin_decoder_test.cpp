// uk run's framing of console input (escape, EOF, signals, the start gate).
#include <doctest/doctest.h>

#include <string>

#include "stdin_decoding.h"

namespace {
std::string decode(uk::tty::StdinDecoder& d, const std::string& in, bool* eof) {
    return uk::test::decodeStdin(d, in, eof);
}
} // namespace

TEST_CASE("stdin decoder: raw mode passes every byte") {
    uk::tty::StdinDecoder d(false);
    bool eof;
    CHECK(decode(d, std::string("a\x10\x04z", 4), &eof) == std::string("a\x10\x04z", 4));
    CHECK_FALSE(eof);
}

TEST_CASE("stdin decoder: escaped mode") {
    uk::tty::StdinDecoder d(true);
    bool eof;
    CHECK(decode(d,
                 std::string("ab\x10\x10"
                             "c",
                             5),
                 &eof) == std::string("ab\x10"
                                      "c",
                                      4));
    CHECK_FALSE(eof);
    CHECK(decode(d, std::string("x\x10\x04", 3), &eof) == "x");
    CHECK(eof);
    // An escape split across two reads still pairs up.
    CHECK(decode(d, std::string("\x10", 1), &eof) == "");
    CHECK(decode(d, std::string("\x10", 1), &eof) == std::string("\x10", 1));
}

TEST_CASE("stdin decoder: signals from the host") {
    uk::tty::StdinDecoder d(true);
    bool eof;
    CHECK(decode(d,
                 std::string("a\x10\x13\x0f"
                             "b",
                             5),
                 &eof) == "a<sig15>b");
    // Split across reads, and a number out of range is dropped.
    CHECK(decode(d, std::string("\x10", 1), &eof) == "");
    CHECK(decode(d, std::string("\x13", 1), &eof) == "");
    CHECK(decode(d, std::string("\x02", 1), &eof) == "<sig2>");
    CHECK(decode(d, std::string("\x10\x13\x00z", 4), &eof) == "z");
    CHECK(decode(d, std::string("\x10\x13\x41z", 4), &eof) == "z");
    CHECK_FALSE(eof);
    // Raw mode has no framing: the same bytes are data.
    uk::tty::StdinDecoder raw(false);
    CHECK(decode(raw, std::string("\x10\x13\x0f", 3), &eof) == std::string("\x10\x13\x0f", 3));
}

TEST_CASE("stdin decoder: the start gate and its words") {
    uk::tty::StdinDecoder d(true);
    bool eof;
    // A bare start, then data, then a start with words (taken literally, escape bytes too).
    CHECK(decode(d, "\x10\x02\na\x10\x02uk.ip=1.2.3.4/8 uk.nonet\x10\nb", &eof) ==
          "<start>auk.ip=1.2.3.4/8 uk.nonet\x10<start>b");
    CHECK_FALSE(eof);
    // Split across reads.
    CHECK(decode(d, "\x10", &eof) == "");
    CHECK(decode(d, "\x02uk", &eof) == "uk");
    CHECK(decode(d, ".gate\n\x10\x04", &eof) == ".gate<start>");
    CHECK(eof);
    uk::tty::StdinDecoder raw(false);
    CHECK(decode(raw, "\x10\x02\n", &eof) == "\x10\x02\n");
}
