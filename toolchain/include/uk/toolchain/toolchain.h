// Where the compiler, linker, C and C++ libraries and uk's own runtime files are. The host
// locations are fixed when uk is configured (Debian's packages); uk's resource directory
// is found at run time next to the `uk` binary, so a build tree or an install can move.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace uk::toolchain {

struct Toolchain {
    std::filesystem::path clang;
    std::filesystem::path clangxx;
    std::filesystem::path lld;
    std::filesystem::path objdump;          // llvm-objdump: which system calls a program can make
    std::filesystem::path strip;            // llvm-strip: --strip after that look
    std::filesystem::path clangResourceDir; // clang's own headers (include/) and compiler-rt
    std::filesystem::path muslInclude;
    std::filesystem::path muslLib;       // libc.a, crt1.o, crti.o, crtn.o
    std::filesystem::path libcxxInclude; // libc++ headers (.../c++/v1)
    std::filesystem::path libcxxLib;     // libc++abi.a, libunwind.a
    std::filesystem::path builtins;      // compiler-rt builtins archive
    std::filesystem::path crtbegin;      // compiler-rt crtbegin/crtend: C++ init/fini
    std::filesystem::path crtend;
    std::filesystem::path resourceDir; // uk's own: see the accessors below
    std::string llvmMajor;             // "14": names the versioned Debian packages

    std::filesystem::path libosObject() const { return resourceDir / "uk-libos.o"; }
    std::filesystem::path linkerScript() const { return resourceDir / "uk.ld"; }
    std::filesystem::path runtimeArchive() const { return resourceDir / "libukrt.a"; }
    // Debian's libc++.a, adapted to musl (toolchain/runtime/CMakeLists.txt).
    std::filesystem::path libcxxArchive() const { return resourceDir / "libc++-uk.a"; }
    std::filesystem::path cxxCompatInclude() const { return resourceDir / "include" / "c++compat"; }
    std::filesystem::path muslFile(const char* name) const { return muslLib / name; }
    std::filesystem::path libcxxFile(const char* name) const { return libcxxLib / name; }

    // The locations found when uk was configured, with uk's resources in `resourceDir`.
    static Toolchain configured(std::filesystem::path resourceDir);

    // Throws uk::Error naming every file a C (or, with `cxx`, a C++) image needs that is
    // missing, one per line, each with the Debian package that provides it.
    void validate(bool cxx) const;
    // The same for `uk pack`, which needs only ld.lld and uk's own files.
    void validateForPack() const;
};

// A file a build needs and where it comes from.
struct RequiredFile {
    std::filesystem::path path;
    std::string provider; // e.g. "Debian package: musl-dev"
};
std::vector<RequiredFile> requiredFiles(const Toolchain& toolchain, bool cxx);
std::vector<RequiredFile> requiredPackFiles(const Toolchain& toolchain);

// uk's resource directory: `overrideDir` (the UK_RESOURCE_DIR environment variable) when
// set and non-empty, else <directory of `executable`>/../lib/uk. Throws uk::Error saying
// which of uk-libos.o and uk.ld it lacks.
std::filesystem::path findResourceDir(const std::filesystem::path& executable,
                                      const char* overrideDir);

} // namespace uk::toolchain
