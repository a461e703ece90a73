#include "cmdline.h"

#include <uk/image_format.h>

namespace uk {

namespace {
bool startsWith(const char* s, const char* prefix) {
    while (*prefix != 0) {
        if (*s++ != *prefix++) {
            return false;
        }
    }
    return true;
}
bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
} // namespace

bool CommandLine::parse(const char* text) {
    optionCount_ = argCount_ = platformCount_ = 0;
    error_ = nullptr;
    size_t out = 0;
    bool afterDashes = false;
    const char* p = text;
    while (true) {
        while (isSpace(*p)) {
            ++p;
        }
        if (*p == 0) {
            return true;
        }
        // One word: quotes group, backslash escapes the next character.
        char* word = &storage_[out];
        bool quoted = false;
        while (*p != 0 && (quoted || !isSpace(*p))) {
            char c = *p++;
            if (c == '"') {
                quoted = !quoted;
                continue;
            }
            if (c == '\\' && *p != 0) {
                c = *p++;
            }
            if (out + 1 >= kMaxChars) {
                error_ = "command line too long";
                return false;
            }
            storage_[out++] = c;
        }
        if (quoted) {
            error_ = "unterminated quote in the command line";
            return false;
        }
        storage_[out++] = 0;

        // QEMU's microvm appends these after everything else, even after "--". Only QEMU's
        // exact form is taken, so an application argument is lost only if it reads
        // "virtio_mmio.device=..." too.
        if (startsWith(word, "virtio_mmio.device=")) {
            if (platformCount_ < kMaxWords) {
                platform_[platformCount_++] = word;
            }
            continue;
        }
        if (!afterDashes && word[0] == '-' && word[1] == '-' && word[2] == 0) {
            afterDashes = true;
            continue;
        }
        if (!afterDashes && startsWith(word, image::kOptionPrefix)) {
            if (optionCount_ == kMaxWords) {
                error_ = "too many uk.* options";
                return false;
            }
            options_[optionCount_++] = word;
            continue;
        }
        if (argCount_ == kMaxWords) {
            error_ = "too many application arguments";
            return false;
        }
        args_[argCount_++] = word;
    }
}

const char* CommandLine::value(const char* name) const {
    const char* found = nullptr;
    for (size_t i = 0; i < optionCount_; ++i) {
        const char* o = options_[i];
        size_t n = 0;
        while (name[n] != 0 && o[n] == name[n]) {
            ++n;
        }
        if (name[n] != 0) {
            continue;
        }
        if (o[n] == 0) {
            found = "";
        } else if (o[n] == '=') {
            found = o + n + 1;
        }
    }
    return found;
}

} // namespace uk
