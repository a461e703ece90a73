// The kernel command line, split into library OS options and application arguments
// (grammar in uk/image_format.h).
#pragma once

#include <stddef.h>

namespace uk {

class CommandLine {
public:
    static constexpr size_t kMaxWords = 256;
    static constexpr size_t kMaxChars = 4096;

    // Returns false (with error() set) for an unterminated quote or too many words; the
    // words parsed so far stay available.
    bool parse(const char* text);
    const char* error() const { return error_; }

    size_t optionCount() const { return optionCount_; }
    const char* option(size_t i) const { return options_[i]; } // "uk.name" or "uk.name=value"

    // The value of the last uk.NAME=VALUE; "" for a bare uk.NAME; nullptr when absent.
    const char* value(const char* name) const;
    bool has(const char* name) const { return value(name) != nullptr; }

    size_t argCount() const { return argCount_; }
    const char* arg(size_t i) const { return args_[i]; }

    // Words the monitor adds for its own devices (QEMU microvm appends
    // "virtio_mmio.device=..." after everything else, even after "--"). Kept apart from
    // application arguments.
    size_t platformCount() const { return platformCount_; }
    const char* platform(size_t i) const { return platform_[i]; }

private:
    char storage_[kMaxChars] = {};
    const char* options_[kMaxWords] = {};
    const char* args_[kMaxWords] = {};
    const char* platform_[kMaxWords] = {};
    size_t optionCount_ = 0;
    size_t argCount_ = 0;
    size_t platformCount_ = 0;
    const char* error_ = nullptr;
};

} // namespace uk
