#include <uk/loader/symbolizer.h>

#include <cinttypes>
#include <cstdio>

#include <uk/support/error.h>
#include <uk/support/fs.h>
#include <uk/support/subprocess.h>
#include <uk/support/text.h>

namespace uk::loader {

namespace {

std::string knownOrEmpty(std::string_view s) {
    return s == "??" ? std::string() : std::string(s);
}

// "FILE:LINE[:COLUMN]" (llvm-symbolizer) or "FILE:LINE[ (discriminator N)]" (addr2line);
// "??:0", "??:?" and line 0 mean unknown.
void parseFileLine(std::string_view text, SourceLocation& loc) {
    if (size_t d = text.find(" (discriminator"); d != std::string_view::npos) {
        text = text.substr(0, d);
    }
    auto parseNumber = [](std::string_view s, unsigned& out) {
        if (s.empty()) {
            return false;
        }
        unsigned v = 0;
        for (char c : s) {
            if (c < '0' || c > '9') {
                return false;
            }
            v = v * 10 + static_cast<unsigned>(c - '0');
        }
        out = v;
        return true;
    };
    // Peel ":COLUMN" then ":LINE" from the right; file names may contain ':'.
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        loc.file = knownOrEmpty(text);
        return;
    }
    unsigned last = 0;
    bool lastIsNumber = parseNumber(text.substr(colon + 1), last);
    std::string_view head = text.substr(0, colon);
    size_t colon2 = head.rfind(':');
    unsigned line = 0;
    if (lastIsNumber && colon2 != std::string_view::npos &&
        parseNumber(head.substr(colon2 + 1), line)) {
        loc.file = knownOrEmpty(head.substr(0, colon2)); // FILE:LINE:COLUMN
        loc.line = line;
    } else {
        loc.file = knownOrEmpty(head); // FILE:LINE or FILE:?
        loc.line = lastIsNumber ? last : 0;
    }
    if (loc.line == 0) {
        // A file without a line is a guess from the compile unit; better say nothing.
        loc.file.clear();
    }
}

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
    return buf;
}

} // namespace

std::string SourceLocation::describe() const {
    std::string out;
    if (!function.empty()) {
        out += " in " + function;
    }
    if (!file.empty()) {
        out += " at " + file;
        if (line != 0) {
            out += ":" + std::to_string(line);
        }
    }
    if (!inlinedInto.empty()) {
        // The nearest caller says enough; the next frame line names the rest.
        out += " (inlined into " + inlinedInto.front() + ")";
    }
    return out;
}

std::optional<Symbolizer> Symbolizer::find() {
    for (const char* name : {"llvm-symbolizer", "llvm-symbolizer-19", "llvm-symbolizer-16",
                             "llvm-symbolizer-15", "llvm-symbolizer-14"}) {
        if (auto p = fs::findProgram(name)) {
            return Symbolizer(Kind::LlvmSymbolizer, *p);
        }
    }
    if (auto p = fs::findProgram("addr2line")) {
        return Symbolizer(Kind::Addr2line, *p);
    }
    return std::nullopt;
}

std::vector<std::string> Symbolizer::commandLine(const std::filesystem::path& image,
                                                 const std::vector<uint64_t>& addresses) const {
    std::vector<std::string> argv = {program_.string()};
    if (kind_ == Kind::LlvmSymbolizer) {
        argv.insert(argv.end(), {"--obj=" + image.string(), "--output-style=LLVM", "--demangle",
                                 "--inlining", "--functions=linkage"});
    } else {
        argv.insert(argv.end(), {"-e", image.string(), "-f", "-C"});
    }
    for (uint64_t a : addresses) {
        argv.push_back(hex(a));
    }
    return argv;
}

std::vector<SourceLocation> Symbolizer::symbolize(const std::filesystem::path& image,
                                                  const std::vector<uint64_t>& addresses) const {
    if (addresses.empty()) {
        return {};
    }
    try {
        proc::Captured c = proc::capture(commandLine(image, addresses));
        if (!c.exit.exited() || c.exit.code != 0) {
            return std::vector<SourceLocation>(addresses.size());
        }
        return kind_ == Kind::LlvmSymbolizer ? parseLlvmSymbolizer(c.out, addresses.size())
                                             : parseAddr2line(c.out, addresses.size());
    } catch (const Error&) {
        return std::vector<SourceLocation>(addresses.size());
    }
}

std::vector<SourceLocation> Symbolizer::parseLlvmSymbolizer(std::string_view output, size_t count) {
    // Per address: pairs of FUNCTION / FILE:LINE:COLUMN lines, innermost inlined frame
    // first, then an empty line.
    std::vector<SourceLocation> result;
    std::vector<std::string_view> block;
    auto finish = [&] {
        if (block.empty()) {
            return;
        }
        SourceLocation loc;
        if (block.size() >= 2) {
            loc.function = knownOrEmpty(block[0]);
            parseFileLine(block[1], loc);
        }
        for (size_t k = 2; k + 1 < block.size(); k += 2) {
            if (std::string outer = knownOrEmpty(block[k]); !outer.empty()) {
                loc.inlinedInto.push_back(outer);
            }
        }
        result.push_back(std::move(loc));
        block.clear();
    };
    for (std::string_view line : text::splitLines(output)) {
        if (line.empty()) {
            finish();
        } else {
            block.push_back(line);
        }
    }
    finish();
    result.resize(count);
    return result;
}

std::vector<SourceLocation> Symbolizer::parseAddr2line(std::string_view output, size_t count) {
    // Without -i: exactly FUNCTION / FILE:LINE per address.
    std::vector<SourceLocation> result;
    auto lines = text::splitLines(output);
    for (size_t k = 0; k + 1 < lines.size() && result.size() < count; k += 2) {
        SourceLocation loc;
        loc.function = knownOrEmpty(lines[k]);
        parseFileLine(lines[k + 1], loc);
        result.push_back(std::move(loc));
    }
    result.resize(count);
    return result;
}

} // namespace uk::loader
