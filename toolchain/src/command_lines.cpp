#include <uk/toolchain/command_lines.h>
#include <uk/toolchain/syscall_scan.h>

namespace uk::toolchain {

namespace {

void addSystemIncludes(std::vector<std::string>& cmd, const Toolchain& t, bool cxx) {
    // Nothing from the host: musl's, libc++'s and clang's own headers only, named one by one
    // (plain --target=x86_64-linux-musl would silently use glibc's headers).
    cmd.push_back("-nostdinc");
    if (cxx) {
        // Debian's libc++.a was built against glibc: _LIBCPP_HAS_MUSL_LIBC selects libc++'s
        // musl code paths, and the c++compat directory's <__locale> restores the glibc ctype
        // ABI the library was compiled with (see toolchain/runtime/__locale).
        cmd.insert(cmd.end(),
                   {"-nostdinc++", "-D_LIBCPP_HAS_MUSL_LIBC", "-isystem",
                    t.cxxCompatInclude().string(), "-isystem", t.libcxxInclude.string()});
    }
    cmd.insert(cmd.end(), {"-isystem", t.muslInclude.string(), "-isystem",
                           (t.clangResourceDir / "include").string()});
}

void addCodeGeneration(std::vector<std::string>& cmd, const BuildOptions& o) {
    cmd.push_back(o.optimization);
    // Fault backtraces walk frame pointers, and `uk run` symbolizes them with line tables.
    cmd.push_back("-fno-omit-frame-pointer");
    cmd.push_back(o.debugInfo ? "-g" : "-gline-tables-only");
    // One section per function and object, so --gc-sections drops what the image never uses.
    cmd.push_back("-ffunction-sections");
    cmd.push_back("-fdata-sections");
}

// ld.lld's flags for every uk image, up to the inputs.
std::vector<std::string> imageLinkStart(const Toolchain& t, bool ehFrameHdr) {
    std::vector<std::string> cmd = {t.lld.string(), "-static", "--gc-sections"};
    if (ehFrameHdr) {
        cmd.push_back("--eh-frame-hdr");
    }
    cmd.insert(cmd.end(), {"-z", "noexecstack",
                           // Monitors copy segments into guest memory instead of mapping the
                           // file, so the file needs no page alignment: packing it keeps a C
                           // hello ~20 KB smaller.
                           "-z", "max-page-size=16", "-T", t.linkerScript().string()});
    return cmd;
}

// The library OS's system call descriptors are kept only when asked for by name (ld.lld's
// --undefined-glob does not make GC roots).
void addSyscallHandlers(std::vector<std::string>& cmd, const std::vector<std::string>& names) {
    for (const auto& name : names) {
        cmd.push_back("--undefined=uk_syscall_" + name);
    }
}

} // namespace

bool needsCxxRuntime(const BuildOptions& options) {
    if (options.cxxRuntime) {
        return true;
    }
    for (const auto& input : options.inputs) {
        if (inputKindOf(input) == InputKind::CxxSource) {
            return true;
        }
    }
    return false;
}

std::vector<std::string> compileCommand(const Toolchain& t, const BuildOptions& o,
                                        const CompileStep& step) {
    const bool cxx = step.kind == InputKind::CxxSource;
    std::vector<std::string> cmd = {(cxx ? t.clangxx : t.clang).string(),
                                    std::string("--target=") + kTargetTriple};
    addSystemIncludes(cmd, t, cxx);
    if (cxx) {
        cmd.push_back("-std=" + o.cxxStandard.value_or(kDefaultCxxStandard));
    } else if (o.cStandard) {
        cmd.push_back("-std=" + *o.cStandard);
    }
    addCodeGeneration(cmd, o);
    for (const auto& dir : o.includeDirs) {
        cmd.push_back("-I" + dir.string());
    }
    cmd.insert(cmd.end(), o.macroFlags.begin(), o.macroFlags.end());
    cmd.insert(cmd.end(), o.warningFlags.begin(), o.warningFlags.end());
    cmd.insert(cmd.end(), o.compileFlags.begin(), o.compileFlags.end());
    if (step.colorDiagnostics) {
        cmd.push_back("-fcolor-diagnostics");
    }
    if (step.depfile) {
        cmd.insert(cmd.end(), {"-MD", "-MT", kDepfileTarget, "-MF", step.depfile->string()});
    }
    // The language follows uk's reading of the extension, whatever clang would guess.
    cmd.insert(cmd.end(),
               {"-c", "-x", cxx ? "c++" : "c", step.source.string(), "-o", step.object.string()});
    return cmd;
}

std::vector<std::string> stripCommand(const Toolchain& t, const std::filesystem::path& image) {
    return {t.strip.string(), "--strip-all", image.string()};
}

std::vector<std::string> disassembleCommand(const Toolchain& t,
                                            const std::filesystem::path& image) {
    // The application lives at 0x400000 and up, the library OS in the top 2 GiB.
    return {t.objdump.string(),
            "-d",
            "--no-show-raw-insn",
            "--start-address=0x400000",
            "--stop-address=0x800000000000",
            image.string()};
}

std::vector<std::string> linkCommand(const Toolchain& t, const BuildOptions& o,
                                     const LinkStep& step) {
    // Without .eh_frame_hdr libunwind finds no unwind tables and every throw terminates.
    // Never stripped here, even with --strip: the system call scan reads the symbols
    // (stripCommand runs after it).
    std::vector<std::string> cmd = imageLinkStart(t, /*ehFrameHdr=*/true);
    for (const auto& dir : o.libraryDirs) {
        cmd.push_back("-L" + dir.string());
    }
    // libc++.a and friends name pthread and dl as dependent libraries (.deplibs); musl's
    // directory has (empty) archives for both.
    cmd.push_back("-L" + t.muslLib.string());
    cmd.insert(cmd.end(), o.linkFlags.begin(), o.linkFlags.end());
    addSyscallHandlers(cmd, step.syscalls ? *step.syscalls : implementedSyscalls());
    cmd.insert(cmd.end(), {"-o", step.output.string()});

    cmd.push_back(t.muslFile("crt1.o").string());
    cmd.push_back(t.muslFile("crti.o").string());
    if (step.cxx) {
        cmd.push_back(t.crtbegin.string());
    }
    for (const auto& input : step.inputs) {
        cmd.push_back(input.string());
    }
    for (const auto& library : o.libraries) {
        cmd.push_back("-l" + library);
    }
    if (step.cxx) {
        // Debian's libraries were built against glibc: uk's libc++ copy and libukrt.a
        // make up the difference (toolchain/runtime).
        cmd.push_back(t.libcxxArchive().string());
        cmd.push_back(t.libcxxFile("libc++abi.a").string());
        cmd.push_back(t.libcxxFile("libunwind.a").string());
        cmd.push_back(t.runtimeArchive().string());
    }
    cmd.push_back(t.muslFile("libc.a").string());
    cmd.push_back(t.builtins.string());
    if (step.cxx) {
        cmd.push_back(t.crtend.string());
    }
    cmd.push_back(t.muslFile("crtn.o").string());
    // The linker script tells the library OS's sections from the application's by this
    // object's file name (uk-libos.o).
    cmd.push_back(t.libosObject().string());
    cmd.push_back(step.configObject.string());
    return cmd;
}

std::vector<std::string> packLinkCommand(const Toolchain& t, const PackLinkStep& step) {
    // No application: no crt files, no libc. The library OS loads the program from the
    // embedded root file system (its _start reference is weak and stays 0).
    std::vector<std::string> cmd = imageLinkStart(t, /*ehFrameHdr=*/false);
    // The program is not known until the guest runs it: every system call.
    addSyscallHandlers(cmd, implementedSyscalls());
    cmd.insert(cmd.end(), {"-o", step.output.string(), t.libosObject().string(),
                           step.configObject.string(), step.initrdObject.string()});
    return cmd;
}

} // namespace uk::toolchain
