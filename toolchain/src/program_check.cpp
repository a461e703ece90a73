#include <uk/support/error.h>
#include <uk/toolchain/program_check.h>
#include <uk/toolchain/tree_paths.h>

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace uk::toolchain {

namespace stdfs = std::filesystem;

namespace {

class ReadOnlyFile {
public:
    explicit ReadOnlyFile(const stdfs::path& path)
        : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)) {}
    ~ReadOnlyFile() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    ReadOnlyFile(const ReadOnlyFile&) = delete;
    ReadOnlyFile& operator=(const ReadOnlyFile&) = delete;
    bool ok() const { return fd_ >= 0; }

    // Up to `size` bytes at `offset`; fewer at the end of the file.
    std::string read(uint64_t offset, size_t size) const {
        std::string bytes(size, '\0');
        size_t got = 0;
        while (got < size) {
            ssize_t n =
                ::pread(fd_, bytes.data() + got, size - got, static_cast<off_t>(offset + got));
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                break;
            }
            got += static_cast<size_t>(n);
        }
        bytes.resize(got);
        return bytes;
    }

private:
    int fd_;
};

std::string machineName(uint16_t machine) {
    switch (machine) {
    case EM_386:
        return "i386";
    case EM_ARM:
        return "32-bit ARM";
    case EM_AARCH64:
        return "aarch64";
    case EM_RISCV:
        return "RISC-V";
    case EM_PPC64:
        return "ppc64";
    case EM_S390:
        return "s390";
    default:
        return "machine " + std::to_string(machine);
    }
}

std::string octalMode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}

// The dynamic loader named by PT_INTERP, or "" for a static executable.
std::string interpreterOf(const ReadOnlyFile& file, const Elf64_Ehdr& ehdr,
                          const std::string& what) {
    if (ehdr.e_phentsize != sizeof(Elf64_Phdr) || ehdr.e_phnum == 0) {
        return "";
    }
    const size_t tableSize = size_t{ehdr.e_phnum} * sizeof(Elf64_Phdr);
    const std::string table = file.read(ehdr.e_phoff, tableSize);
    if (table.size() != tableSize) {
        throw Error(what + ": truncated ELF file (its program headers are missing)");
    }
    for (size_t i = 0; i < ehdr.e_phnum; ++i) {
        Elf64_Phdr phdr;
        std::memcpy(&phdr, table.data() + i * sizeof phdr, sizeof phdr);
        if (phdr.p_type != PT_INTERP) {
            continue;
        }
        if (phdr.p_filesz == 0 || phdr.p_filesz > 4096) {
            throw Error(what + ": corrupt ELF file (bad PT_INTERP)");
        }
        std::string interp = file.read(phdr.p_offset, phdr.p_filesz);
        interp.resize(::strnlen(interp.c_str(), interp.size()));
        if (interp.empty()) {
            throw Error(what + ": corrupt ELF file (empty PT_INTERP)");
        }
        return interp;
    }
    return "";
}

// A script's "#!" line, for the error message.
std::string shebangLine(const std::string& head) {
    std::string line = head.substr(0, head.find('\n'));
    return line.size() > 80 ? line.substr(0, 80) + "..." : line;
}

// resolveInTree, its errors saying which path was looked up.
std::string resolveWithContext(const stdfs::path& root, std::string_view path,
                               const std::string& context) {
    try {
        return resolveInTree(root, path);
    } catch (const Error& e) {
        throw Error(context + e.what());
    }
}

} // namespace

void checkProgram(const stdfs::path& root, std::string_view program) {
    const std::string what = "program " + std::string(program);
    const stdfs::path host = root / resolveWithContext(root, program, "program ");
    struct stat st;
    if (::stat(host.c_str(), &st) != 0) {
        throwErrno(what + ": " + host.string());
    }
    if (S_ISDIR(st.st_mode)) {
        throw Error(what + ": is a directory in " + root.string());
    }
    if (!S_ISREG(st.st_mode)) {
        throw Error(what + ": not a regular file in " + root.string());
    }
    if ((st.st_mode & 0111) == 0) {
        throw Error(what + ": not executable (mode " + octalMode(st.st_mode) + ": chmod +x " +
                    host.string() + ")");
    }
    ReadOnlyFile file(host);
    if (!file.ok()) {
        throwErrno("cannot read " + host.string());
    }
    const std::string head = file.read(0, sizeof(Elf64_Ehdr));
    if (head.starts_with("#!")) {
        throw Error(what + ": a script (" + shebangLine(file.read(0, 256)) +
                    "); uk pack starts ELF executables: name the interpreter, e.g. -- "
                    "/bin/sh " +
                    std::string(program) + " ARGS...");
    }
    if (head.size() < EI_NIDENT || std::memcmp(head.data(), ELFMAG, SELFMAG) != 0) {
        throw Error(what + ": not an ELF executable");
    }
    if (head[EI_CLASS] != ELFCLASS64) {
        throw Error(what + ": a 32-bit ELF file; uk runs x86_64 (64-bit) programs");
    }
    if (head.size() < sizeof(Elf64_Ehdr)) {
        throw Error(what + ": truncated ELF file");
    }
    Elf64_Ehdr ehdr;
    std::memcpy(&ehdr, head.data(), sizeof ehdr);
    if (head[EI_DATA] != ELFDATA2LSB || ehdr.e_machine != EM_X86_64) {
        throw Error(what + ": built for " +
                    (head[EI_DATA] != ELFDATA2LSB ? std::string("a big-endian machine")
                                                  : machineName(ehdr.e_machine)) +
                    "; uk runs x86_64 programs");
    }
    if (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN) {
        throw Error(what + (ehdr.e_type == ET_REL ? ": an object file (.o), not an executable"
                                                  : ": not an executable (ELF type " +
                                                        std::to_string(ehdr.e_type) + ")"));
    }
    const std::string interp = interpreterOf(file, ehdr, what);
    if (!interp.empty()) {
        try {
            resolveInTree(root, interp);
        } catch (const Error&) {
            throw Error(what + " needs the dynamic loader " + interp + ", which is not in " +
                        root.string() + " (copy it there, with the libraries `ldd` lists)");
        }
    }
}

void checkWorkingDir(const stdfs::path& root, std::string_view dir) {
    const stdfs::path host = root / resolveWithContext(root, dir, "working directory ");
    struct stat st;
    if (::stat(host.c_str(), &st) != 0) {
        throwErrno("working directory " + std::string(dir) + ": " + host.string());
    }
    if (!S_ISDIR(st.st_mode)) {
        throw Error("working directory " + std::string(dir) + ": not a directory in " +
                    root.string());
    }
}

} // namespace uk::toolchain
