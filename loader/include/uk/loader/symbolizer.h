// Turns guest code addresses into function names and source lines, using the image's own
// symbol table and DWARF line tables through llvm-symbolizer (or binutils' addr2line).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace uk::loader {

struct SourceLocation {
    std::string function; // demangled; empty when unknown
    std::string file;     // empty when unknown
    unsigned line = 0;    // 0 when unknown
    // Functions the location was inlined into, innermost first (llvm-symbolizer only).
    std::vector<std::string> inlinedInto;

    bool known() const { return !function.empty() || !file.empty(); }
    // " in FUNCTION at FILE:LINE", leaving out what is unknown; "" when nothing is known.
    std::string describe() const;
};

class Symbolizer {
public:
    enum class Kind { LlvmSymbolizer, Addr2line };

    // The best installed tool: llvm-symbolizer (any version), then addr2line; nullopt when
    // there is none (backtraces are then shown as the guest printed them).
    static std::optional<Symbolizer> find();
    Symbolizer(Kind kind, std::filesystem::path program)
        : kind_(kind), program_(std::move(program)) {}

    Kind kind() const { return kind_; }
    const std::filesystem::path& program() const { return program_; }

    // One call of the tool for all addresses. Never throws: a failing tool yields unknown
    // locations, because a backtrace must not be lost to a symbolizer problem.
    std::vector<SourceLocation> symbolize(const std::filesystem::path& image,
                                          const std::vector<uint64_t>& addresses) const;

    std::vector<std::string> commandLine(const std::filesystem::path& image,
                                         const std::vector<uint64_t>& addresses) const;

    // Output parsers, one entry per address (missing entries come back unknown).
    static std::vector<SourceLocation> parseLlvmSymbolizer(std::string_view output, size_t count);
    static std::vector<SourceLocation> parseAddr2line(std::string_view output, size_t count);

private:
    Kind kind_;
    std::filesystem::path program_;
};

} // namespace uk::loader
