#include <uk/loader/image_probe.h>

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <uk/support/error.h>

namespace uk::loader {

namespace {

// Notes are small; anything bigger is a corrupt header, not something to allocate for.
constexpr uint64_t kMaxNoteSegment = 1 << 20;
constexpr uint16_t kMaxProgramHeaders = 1024;

class ImageFile {
public:
    explicit ImageFile(const std::filesystem::path& path) : path_(path) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) {
            throwErrno("cannot open the image " + path.string());
        }
        struct stat st;
        if (::fstat(fd_, &st) != 0) {
            throwErrno("cannot read the image " + path.string());
        }
        if (S_ISDIR(st.st_mode)) {
            throw Error(path.string() + " is a directory, not a uk image");
        }
        size_ = static_cast<uint64_t>(st.st_size);
    }
    ~ImageFile() { ::close(fd_); }
    ImageFile(const ImageFile&) = delete;
    ImageFile& operator=(const ImageFile&) = delete;

    uint64_t size() const { return size_; }

    // Reads exactly `n` bytes at `offset` or reports the file as truncated.
    void read(uint64_t offset, void* out, uint64_t n) {
        if (offset > size_ || n > size_ - offset) {
            notImage("the file is truncated (an ELF header points past its end)");
        }
        auto* p = static_cast<char*>(out);
        while (n > 0) {
            ssize_t got = ::pread(fd_, p, n, static_cast<off_t>(offset));
            if (got < 0 && errno == EINTR) {
                continue;
            }
            if (got < 0) {
                throwErrno("cannot read the image " + path_.string());
            }
            if (got == 0) {
                notImage("the file is truncated");
            }
            p += got;
            offset += static_cast<uint64_t>(got);
            n -= static_cast<uint64_t>(got);
        }
    }

    [[noreturn]] void notImage(const std::string& why) const {
        throw Error(path_.string() + " is not a uk image: " + why);
    }

private:
    std::filesystem::path path_;
    int fd_ = -1;
    uint64_t size_ = 0;
};

std::string machineDescription(uint16_t machine) {
    switch (machine) {
    case EM_386:
        return "i386";
    case EM_ARM:
        return "32-bit ARM";
    case EM_AARCH64:
        return "AArch64";
    case EM_RISCV:
        return "RISC-V";
    default:
        return "ELF machine " + std::to_string(machine);
    }
}

uint64_t alignUp(uint64_t n, uint64_t a) {
    return (n + a - 1) / a * a;
}

} // namespace

ImageInfo ImageProbe::probe(const std::filesystem::path& path) {
    ImageFile file(path);
    if (file.size() < EI_NIDENT) {
        file.notImage("not an ELF file (" + std::to_string(file.size()) + " bytes)");
    }
    unsigned char ident[EI_NIDENT];
    file.read(0, ident, sizeof ident);
    if (std::memcmp(ident, ELFMAG, SELFMAG) != 0) {
        file.notImage("not an ELF file");
    }
    if (ident[EI_CLASS] != ELFCLASS64) {
        file.notImage("a 32-bit ELF file; uk images are 64-bit x86_64 ELF");
    }
    if (ident[EI_DATA] != ELFDATA2LSB) {
        file.notImage("a big-endian ELF file; uk images are 64-bit x86_64 ELF");
    }
    Elf64_Ehdr eh;
    file.read(0, &eh, sizeof eh);
    if (eh.e_machine != EM_X86_64) {
        file.notImage("built for " + machineDescription(eh.e_machine) + ", not x86_64");
    }
    if (eh.e_phnum == 0 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
        eh.e_phnum > kMaxProgramHeaders) {
        file.notImage("it has no usable program headers");
    }
    std::vector<Elf64_Phdr> phdrs(eh.e_phnum);
    file.read(eh.e_phoff, phdrs.data(), sizeof(Elf64_Phdr) * eh.e_phnum);

    for (const auto& ph : phdrs) {
        if (ph.p_type != PT_NOTE || ph.p_filesz > kMaxNoteSegment) {
            continue;
        }
        std::vector<unsigned char> notes(ph.p_filesz);
        file.read(ph.p_offset, notes.data(), ph.p_filesz);
        // Name and descriptor are padded to the segment's alignment (4 for the usual
        // SHT_NOTE, 8 when a producer aligned 64-bit descriptors).
        uint64_t align = ph.p_align == 8 ? 8 : 4;
        uint64_t at = 0;
        while (at < notes.size() && notes.size() - at >= sizeof(Elf64_Nhdr)) {
            Elf64_Nhdr nh;
            std::memcpy(&nh, notes.data() + at, sizeof nh);
            // Offsets, not sizes, are aligned (they coincide for the usual 4).
            uint64_t nameAt = at + sizeof nh;
            uint64_t descAt = alignUp(nameAt + nh.n_namesz, align);
            uint64_t next = alignUp(descAt + nh.n_descsz, align);
            if (descAt + nh.n_descsz > notes.size()) {
                break;
            }
            bool xen = nh.n_namesz == 4 && std::memcmp(notes.data() + nameAt, "Xen", 4) == 0;
            if (xen && nh.n_type == kXenElfNotePhys32Entry) {
                ImageInfo info;
                for (const auto& load : phdrs) {
                    if (load.p_type == PT_LOAD && load.p_paddr + load.p_memsz > info.loadEnd &&
                        load.p_paddr + load.p_memsz >= load.p_paddr) {
                        info.loadEnd = load.p_paddr + load.p_memsz;
                    }
                }
                if (nh.n_descsz == 4) {
                    uint32_t entry;
                    std::memcpy(&entry, notes.data() + descAt, 4);
                    info.pvhEntry = entry;
                } else if (nh.n_descsz == 8) {
                    std::memcpy(&info.pvhEntry, notes.data() + descAt, 8);
                } else {
                    file.notImage("its PVH entry note has a " + std::to_string(nh.n_descsz) +
                                  "-byte descriptor (expected 4 or 8)");
                }
                return info;
            }
            at = next;
        }
    }
    file.notImage("it has no PVH entry note (ELF note \"Xen\", type 18, "
                  "XEN_ELFNOTE_PHYS32_ENTRY); build images with 'uk build'");
}

} // namespace uk::loader
