#include <uk/support/error.h>
#include <uk/toolchain/configured_paths.h>
#include <uk/toolchain/toolchain.h>

#include <system_error>

namespace uk::toolchain {

namespace stdfs = std::filesystem;

namespace {

bool isFile(const stdfs::path& path) {
    std::error_code ec;
    return stdfs::is_regular_file(path, ec);
}

std::string debianPackage(const std::string& name) {
    return "Debian package: " + name;
}

// uk's own files come from building uk, not from a package.
constexpr char kBuiltByUk[] = "built with uk: run ninja in uk's build directory";

} // namespace

Toolchain Toolchain::configured(stdfs::path resourceDir) {
    namespace c = configured;
    return Toolchain{
        .clang = c::kClang,
        .clangxx = c::kClangxx,
        .lld = c::kLld,
        .objdump = c::kObjdump,
        .strip = c::kStrip,
        .clangResourceDir = c::kClangResourceDir,
        .muslInclude = c::kMuslInclude,
        .muslLib = c::kMuslLib,
        .libcxxInclude = c::kLibcxxInclude,
        .libcxxLib = c::kLibcxxLib,
        .builtins = c::kBuiltins,
        .crtbegin = c::kCrtbegin,
        .crtend = c::kCrtend,
        .resourceDir = std::move(resourceDir),
        .llvmMajor = c::kLlvmMajor,
    };
}

std::vector<RequiredFile> requiredFiles(const Toolchain& t, bool cxx) {
    const std::string rt = debianPackage("libclang-rt-" + t.llvmMajor + "-dev");
    std::vector<RequiredFile> files = {
        {t.clang, debianPackage("clang")},
        {t.lld, debianPackage("lld")},
        {t.objdump, debianPackage("llvm")},
        {t.strip, debianPackage("llvm")},
        {t.clangResourceDir / "include" / "stddef.h", debianPackage("clang")},
        {t.muslInclude / "stdio.h", debianPackage("musl-dev")},
        {t.muslFile("crt1.o"), debianPackage("musl-dev")},
        {t.muslFile("crti.o"), debianPackage("musl-dev")},
        {t.muslFile("crtn.o"), debianPackage("musl-dev")},
        {t.muslFile("libc.a"), debianPackage("musl-dev")},
        {t.builtins, rt},
        {t.libosObject(), kBuiltByUk},
        {t.linkerScript(), kBuiltByUk},
    };
    if (cxx) {
        std::vector<RequiredFile> cxxFiles = {
            {t.clangxx, debianPackage("clang")},
            {t.libcxxInclude / "iostream", debianPackage("libc++-dev")},
            {t.libcxxFile("libc++abi.a"), debianPackage("libc++abi-dev")},
            {t.libcxxFile("libunwind.a"), debianPackage("libunwind-" + t.llvmMajor + "-dev")},
            {t.crtbegin, rt},
            {t.crtend, rt},
            {t.runtimeArchive(), kBuiltByUk},
            {t.libcxxArchive(), kBuiltByUk},
            {t.cxxCompatInclude() / "__locale", kBuiltByUk},
        };
        files.insert(files.end(), cxxFiles.begin(), cxxFiles.end());
    }
    return files;
}

namespace {

void throwIfMissing(const std::vector<RequiredFile>& files) {
    std::string missing;
    for (const auto& file : files) {
        if (!isFile(file.path)) {
            missing += (missing.empty() ? "" : "\n") + file.path.string() + " not found (" +
                       file.provider + ")";
        }
    }
    if (!missing.empty()) {
        throw Error(missing);
    }
}

} // namespace

std::vector<RequiredFile> requiredPackFiles(const Toolchain& t) {
    return {
        {t.lld, debianPackage("lld")},
        {t.libosObject(), kBuiltByUk},
        {t.linkerScript(), kBuiltByUk},
    };
}

void Toolchain::validate(bool cxx) const {
    throwIfMissing(requiredFiles(*this, cxx));
}

void Toolchain::validateForPack() const {
    throwIfMissing(requiredPackFiles(*this));
}

stdfs::path findResourceDir(const stdfs::path& executable, const char* overrideDir) {
    const bool overridden = overrideDir != nullptr && *overrideDir != '\0';
    const stdfs::path dir =
        overridden ? stdfs::path(overrideDir)
                   : (executable.parent_path() / ".." / "lib" / "uk").lexically_normal();
    std::string missing;
    for (const char* name : {"uk-libos.o", "uk.ld"}) {
        if (!isFile(dir / name)) {
            missing += (missing.empty() ? "" : " and ") + std::string(name);
        }
    }
    if (!missing.empty()) {
        const std::string origin =
            overridden ? "set by UK_RESOURCE_DIR"
                       : "next to " + executable.string() + "; set UK_RESOURCE_DIR to use another";
        throw Error("uk's resource directory " + dir.string() + " (" + origin + ") lacks " +
                    missing + " (built with uk: run ninja in uk's build directory)");
    }
    return dir;
}

} // namespace uk::toolchain
