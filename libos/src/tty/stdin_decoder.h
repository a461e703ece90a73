// Undoes uk run's framing of console input (uk/image_format.h): an escape byte followed by
// itself is a literal escape byte, followed by kStdinEof is end of file, followed by
// kStdinSignal and a number is that signal for the application, followed by kStdinStart opens
// the start gate once the words after it, up to a '\n', have arrived.
#pragma once

#include <stdint.h>
#include <uk/image_format.h>

namespace uk::tty {

class StdinDecoder {
public:
    // Signal: *out is the signal's number (1-64). StartText: *out is a byte of the start's
    // words; Start: they are complete.
    enum class Result { Nothing, Byte, EndOfFile, Signal, StartText, Start };

    constexpr explicit StdinDecoder(bool escaped = false) : escaped_(escaped) {}
    void setEscaped(bool on) { escaped_ = on; }

    Result feed(uint8_t in, uint8_t* out) {
        if (!escaped_) {
            *out = in;
            return Result::Byte;
        }
        if (startText_) {
            if (in == '\n') {
                startText_ = false;
                return Result::Start;
            }
            *out = in;
            return Result::StartText;
        }
        if (signal_) {
            signal_ = false;
            if (in >= 1 && in <= 64) {
                *out = in;
                return Result::Signal;
            }
            return Result::Nothing; // not a signal number: dropped
        }
        if (pending_) {
            pending_ = false;
            if (in == image::kStdinEof) {
                return Result::EndOfFile;
            }
            if (in == image::kStdinSignal) {
                signal_ = true;
                return Result::Nothing;
            }
            if (in == image::kStdinStart) {
                startText_ = true;
                return Result::Nothing;
            }
            *out = in; // the escape byte itself (or, leniently, whatever followed it)
            return Result::Byte;
        }
        if (in == image::kStdinEscape) {
            pending_ = true;
            return Result::Nothing;
        }
        *out = in;
        return Result::Byte;
    }

private:
    bool escaped_;
    bool pending_ = false;
    bool signal_ = false;
    bool startText_ = false;
};

} // namespace uk::tty
