// The clang and ld.lld command lines `uk build` and `uk pack` run. Pure functions of the
// toolchain and the options, so tests can check them without running anything.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <uk/toolchain/build_options.h>
#include <uk/toolchain/input_kind.h>
#include <uk/toolchain/toolchain.h>

namespace uk::toolchain {

// The target every application object is compiled for: uk images run Linux x86_64
// programs linked against musl.
inline constexpr char kTargetTriple[] = "x86_64-linux-musl";

// The C++ standard when neither -std=c++... nor -std=gnu++... is given.
inline constexpr char kDefaultCxxStandard[] = "c++20";

struct CompileStep {
    std::filesystem::path source;
    InputKind kind = InputKind::CSource; // CSource or CxxSource
    std::filesystem::path object;
    std::optional<std::filesystem::path> depfile; // write Make-style dependencies here
    bool colorDiagnostics = false; // force colors (clang's stderr is a pipe, ours a terminal)
};

struct LinkStep {
    std::vector<std::filesystem::path> inputs; // objects and archives, in command-line order
    std::filesystem::path configObject;        // holds the .uk.config section
    std::filesystem::path output;
    bool cxx = false; // link libc++, libc++abi, libunwind and uk's runtime for them
    // The library OS's system call handlers to link (uk_syscall_NAME, see
    // libos/src/syscalls/syscall.h); none given: all of them.
    std::optional<std::vector<std::string>> syscalls;
};

// An image without an application (`uk pack`): the library OS loads the program from the
// root file system embedded in the image.
struct PackLinkStep {
    std::filesystem::path configObject; // holds the .uk.config section
    std::filesystem::path initrdObject; // holds the .uk.initrd section
    std::filesystem::path output;
};

// The target name the compile steps' depfiles use, so they can be merged (see depfile.h).
inline constexpr char kDepfileTarget[] = "uk-object";

std::vector<std::string> compileCommand(const Toolchain& toolchain, const BuildOptions& options,
                                        const CompileStep& step);

std::vector<std::string> linkCommand(const Toolchain& toolchain, const BuildOptions& options,
                                     const LinkStep& step);

// --strip, on the linked image in place.
std::vector<std::string> stripCommand(const Toolchain& toolchain,
                                      const std::filesystem::path& image);
// The disassembly of an image's application code (everything below the library OS) with
// function labels, for scanSyscalls.
std::vector<std::string> disassembleCommand(const Toolchain& toolchain,
                                            const std::filesystem::path& image);

std::vector<std::string> packLinkCommand(const Toolchain& toolchain, const PackLinkStep& step);

// Whether an image built from `options` needs the C++ runtime: it has a C++ source, or
// --cxx-runtime asked for it.
bool needsCxxRuntime(const BuildOptions& options);

} // namespace uk::toolchain
