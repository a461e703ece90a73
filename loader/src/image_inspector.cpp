#include <uk/loader/image_inspector.h>

#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <memory>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include <uk/arch/inflate.h>
#include <uk/image_format.h>
#include <uk/loader/image_probe.h>
#include <uk/support/shell.h>

namespace uk::loader {

namespace {

constexpr uint64_t kAppBase = 0x400000;
constexpr uint64_t kKernelBase = 0xffffffff80000000ull;
constexpr uint16_t kMaxProgramHeaders = 1024;
constexpr uint64_t kPageSize = 4096;

constexpr size_t kCpioHeaderSize = 110;
constexpr uint32_t kCpioMaxNameSize = 4096; // PATH_MAX, NUL included
constexpr std::string_view kCpioTrailer = "TRAILER!!!";
constexpr const char* kCpioFields[13] = {
    "ino",      "mode",     "uid",       "gid",       "nlink",    "mtime", "filesize",
    "devmajor", "devminor", "rdevmajor", "rdevminor", "namesize", "check"};

// A segment's decoded size is bounded by what its stream can produce (DEFLATE's best ratio is
// about 1032:1), so a corrupt table cannot make us allocate more than the file justifies.
constexpr uint64_t kMaxInflateRatio = 1032;
constexpr uint64_t kMaxSegmentSize = uint64_t{4} << 30;

uint64_t align4(uint64_t n) {
    return (n + 3) & ~uint64_t{3};
}

// Bytes from outside shown in a message: printable ASCII as is, the rest as \xNN.
std::string printable(std::string_view bytes) {
    std::string out;
    for (unsigned char c : bytes) {
        if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    return out;
}

std::string quoted(std::string_view bytes) {
    return "\"" + printable(bytes) + "\"";
}

bool parseHex8(std::string_view text, uint32_t& out) {
    uint32_t v = 0;
    for (char c : text) {
        uint32_t d;
        if (c >= '0' && c <= '9') {
            d = static_cast<uint32_t>(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            d = static_cast<uint32_t>(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            d = static_cast<uint32_t>(c - 'A' + 10);
        } else {
            return false;
        }
        v = v << 4 | d;
    }
    out = v;
    return true;
}

bool isCpioMagic(std::string_view sixBytes) {
    return sixBytes == "070701" || sixBytes == "070702";
}

// True when `bytes` starts with a whole newc header: magic and 13 hex fields.
bool looksLikeCpioHeader(std::string_view bytes) {
    if (bytes.size() < kCpioHeaderSize || !isCpioMagic(bytes.substr(0, 6))) {
        return false;
    }
    uint32_t v;
    for (size_t i = 0; i < 13; ++i) {
        if (!parseHex8(bytes.substr(6 + 8 * i, 8), v)) {
            return false;
        }
    }
    return true;
}

std::string humanSize(uint64_t bytes) {
    const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes);
    size_t u = 0;
    while (v >= 1024 && u + 1 < std::size(units)) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    if (u == 0) {
        std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
    } else {
        std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
    }
    return buf;
}

// ---------------------------------------------------------------------------------------------
// The image as loaded memory: each piece of bytes at its physical address.

struct Region {
    uint64_t phys;
    std::string_view bytes;
};

class ImageReader {
public:
    ImageReader(std::string_view bytes, const std::string& name) : bytes_(bytes), name_(name) {}

    [[noreturn]] void fail(const std::string& what) const { throw Error(name_ + ": " + what); }

    // `n` bytes at `offset`, or an error saying `what` lies past the end of the file.
    std::string_view slice(uint64_t offset, uint64_t n, const std::string& what) const {
        if (offset > bytes_.size() || n > bytes_.size() - offset) {
            fail(what + " lies past the end of the file (" + std::to_string(n) +
                 " bytes at offset " + std::to_string(offset) + " of " +
                 std::to_string(bytes_.size()) + ")");
        }
        return bytes_.substr(offset, n);
    }

    template <typename T>
    T read(uint64_t offset, const std::string& what) const {
        T v;
        std::memcpy(&v, slice(offset, sizeof v, what).data(), sizeof v);
        return v;
    }

    std::string_view bytes() const { return bytes_; }
    const std::string& name() const { return name_; }

private:
    std::string_view bytes_;
    const std::string& name_;
};

template <typename T>
bool readFrom(std::string_view bytes, uint64_t offset, T& out) {
    if (offset > bytes.size() || bytes.size() - offset < sizeof out) {
        return false;
    }
    std::memcpy(&out, bytes.data() + offset, sizeof out);
    return true;
}

std::vector<Elf64_Phdr> programHeaders(std::string_view bytes, const Elf64_Ehdr& eh) {
    std::vector<Elf64_Phdr> phdrs;
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
        eh.e_phnum > kMaxProgramHeaders) {
        return phdrs;
    }
    for (uint64_t i = 0; i < eh.e_phnum; ++i) {
        Elf64_Phdr ph;
        if (!readFrom(bytes, eh.e_phoff + i * sizeof ph, ph)) {
            return {};
        }
        phdrs.push_back(ph);
    }
    return phdrs;
}

bool linksApplication(const std::vector<Elf64_Phdr>& phdrs) {
    return std::any_of(phdrs.begin(), phdrs.end(), [](const Elf64_Phdr& ph) {
        return ph.p_type == PT_LOAD && ph.p_memsz != 0 && ph.p_vaddr >= kAppBase &&
               ph.p_vaddr < kKernelBase;
    });
}

struct Section {
    uint32_t type;
    uint64_t offset;
    uint64_t size;
};

struct Sections {
    std::optional<Section> config;
    std::optional<Section> initrd;
    // [__uk_config_start, __uk_config_end), virtual addresses: the linker script puts the
    // .uk.config input sections inside the library OS's rodata, so a linked image has no
    // section of that name, but its symbol table (unless stripped) says where they went.
    std::optional<std::pair<uint64_t, uint64_t>> configSymbols;
};

// The virtual addresses of __uk_config_start and __uk_config_end in the symbol table
// `symtab` (whose names are in section `symtab.sh_link`).
std::optional<std::pair<uint64_t, uint64_t>>
configSymbols(std::string_view bytes, const Elf64_Shdr& symtab, const Elf64_Shdr& strtab) {
    if (symtab.sh_offset > bytes.size() || symtab.sh_size > bytes.size() - symtab.sh_offset ||
        strtab.sh_offset > bytes.size() || strtab.sh_size > bytes.size() - strtab.sh_offset) {
        return std::nullopt;
    }
    std::string_view names = bytes.substr(strtab.sh_offset, strtab.sh_size);
    std::optional<uint64_t> start;
    std::optional<uint64_t> end;
    for (uint64_t at = 0; symtab.sh_size - at >= sizeof(Elf64_Sym); at += sizeof(Elf64_Sym)) {
        Elf64_Sym sym;
        std::memcpy(&sym, bytes.data() + symtab.sh_offset + at, sizeof sym);
        if (sym.st_name >= names.size()) {
            continue;
        }
        std::string_view name = names.substr(sym.st_name);
        name = name.substr(0, name.find('\0'));
        if (name == "__uk_config_start") {
            start = sym.st_value;
        } else if (name == "__uk_config_end") {
            end = sym.st_value;
        }
    }
    if (!start || !end || *end < *start) {
        return std::nullopt;
    }
    return std::pair{*start, *end};
}

// The sections named .uk.config and .uk.initrd, or nothing when the file has no usable
// section header table (compressed images have none; the monitor never reads it).
std::optional<Sections> findSections(std::string_view bytes, const Elf64_Ehdr& eh) {
    if (eh.e_shoff == 0 || eh.e_shnum == 0 || eh.e_shnum >= SHN_LORESERVE ||
        eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shstrndx >= eh.e_shnum) {
        return std::nullopt;
    }
    if (eh.e_shoff > bytes.size() ||
        (bytes.size() - eh.e_shoff) / sizeof(Elf64_Shdr) < eh.e_shnum) {
        return std::nullopt;
    }
    auto header = [&](uint64_t i) {
        Elf64_Shdr sh;
        std::memcpy(&sh, bytes.data() + eh.e_shoff + i * sizeof sh, sizeof sh);
        return sh;
    };
    Elf64_Shdr strtab = header(eh.e_shstrndx);
    if (strtab.sh_type != SHT_STRTAB || strtab.sh_offset > bytes.size() ||
        strtab.sh_size > bytes.size() - strtab.sh_offset) {
        return std::nullopt;
    }
    std::string_view names = bytes.substr(strtab.sh_offset, strtab.sh_size);
    Sections found;
    for (uint64_t i = 0; i < eh.e_shnum; ++i) {
        Elf64_Shdr sh = header(i);
        if (sh.sh_name >= names.size()) {
            continue;
        }
        std::string_view name = names.substr(sh.sh_name);
        name = name.substr(0, name.find('\0'));
        Section s{sh.sh_type, sh.sh_offset, sh.sh_size};
        if (name == image::kConfigSection && !found.config) {
            found.config = s;
        } else if (name == image::kInitrdSection && !found.initrd) {
            found.initrd = s;
        } else if (sh.sh_type == SHT_SYMTAB && sh.sh_link < eh.e_shnum && !found.configSymbols) {
            found.configSymbols = configSymbols(bytes, sh, header(sh.sh_link));
        }
    }
    return found;
}

// The file's bytes at virtual addresses [start, end), if one PT_LOAD holds them all.
std::string_view segmentBytes(const std::vector<Elf64_Phdr>& phdrs, std::string_view bytes,
                              uint64_t start, uint64_t end) {
    for (const auto& ph : phdrs) {
        if (ph.p_type != PT_LOAD || start < ph.p_vaddr || start - ph.p_vaddr > ph.p_filesz ||
            end - start > ph.p_filesz - (start - ph.p_vaddr) || ph.p_offset > bytes.size() ||
            ph.p_filesz > bytes.size() - ph.p_offset) {
            continue;
        }
        return bytes.substr(ph.p_offset + (start - ph.p_vaddr), end - start);
    }
    return {};
}

// Decodes the payload of a compressed image into `store`, adding each segment to `regions`.
void inflatePayload(const ImageReader& file, std::string_view payload,
                    std::deque<std::string>& store, std::vector<Region>& regions) {
    image::BootPayloadHeader h;
    if (!readFrom(payload, 0, h)) {
        file.fail("the compressed payload is truncated");
    }
    if (h.segmentCount == 0 || h.segmentCount > image::kBootPayloadMaxSegments) {
        file.fail("the compressed payload is corrupt: it says it holds " +
                  std::to_string(h.segmentCount) + " segments (1 to " +
                  std::to_string(image::kBootPayloadMaxSegments) + " expected)");
    }
    uint64_t streamAt = sizeof h + uint64_t{h.segmentCount} * sizeof(image::BootPayloadSegment);
    if (streamAt > payload.size()) {
        file.fail("the compressed payload is truncated in its segment table");
    }
    auto inflater = std::make_unique<arch::inflate::Inflater>();
    for (uint32_t i = 0; i < h.segmentCount; ++i) {
        image::BootPayloadSegment seg;
        readFrom(payload, sizeof h + uint64_t{i} * sizeof seg, seg);
        char where[64];
        std::snprintf(where, sizeof where, "segment %u (at 0x%llx)", i,
                      static_cast<unsigned long long>(seg.physAddr));
        if (seg.streamSize > payload.size() - streamAt) {
            file.fail(std::string("the compressed payload is corrupt: the stream of ") + where +
                      " runs past the payload's end");
        }
        if (seg.fileSize > seg.memSize || seg.fileSize > kMaxSegmentSize ||
            seg.fileSize / kMaxInflateRatio > seg.streamSize + 64) {
            file.fail(std::string("the compressed payload is corrupt: ") + where + " says " +
                      std::to_string(seg.fileSize) + " bytes from a stream of " +
                      std::to_string(seg.streamSize));
        }
        std::string& out = store.emplace_back(seg.fileSize, '\0');
        auto result = arch::inflate::inflate(
            *inflater, reinterpret_cast<uint8_t*>(out.data()), out.size(),
            reinterpret_cast<const uint8_t*>(payload.data() + streamAt), seg.streamSize);
        if (result != arch::inflate::Result::Ok) {
            file.fail(std::string("the compressed payload is corrupt: the stream of ") + where +
                      (result == arch::inflate::Result::TooLong
                           ? " decodes to more bytes than its table says"
                           : " does not decode"));
        }
        regions.push_back(Region{seg.physAddr, out});
        streamAt += seg.streamSize;
    }
}

ImageConfig parseConfigOf(const ImageReader& file, std::string_view blob, const char* where) {
    try {
        return parseImageConfig(blob);
    } catch (const Error& e) {
        file.fail(std::string("the configuration (") + where + ") is corrupt: " + e.what());
    }
}

RootfsSummary summarizeRootfs(const ImageReader& file, std::string_view archive, const char* where,
                              std::vector<CpioEntry>* entries) {
    try {
        return summarizeCpio(archive, entries);
    } catch (const CpioFormatError& e) {
        file.fail(std::string("the root file system (") + where + ") is corrupt at offset " +
                  std::to_string(e.offset()) + ": " + e.reason());
    }
}

// Images without section headers: the configuration is the first valid blob that starts
// with its magic on an 8-byte boundary of the loaded image (where the linker script puts it).
std::optional<ImageConfig> scanForConfig(const ImageReader& file,
                                         const std::vector<Region>& regions) {
    bool corrupt = false;
    for (const auto& r : regions) {
        std::string_view magic(image::kConfigMagic, sizeof image::kConfigMagic);
        for (size_t at = r.bytes.find(magic); at != std::string_view::npos;
             at = r.bytes.find(magic, at + 1)) {
            if ((r.phys + at) % 8 != 0) {
                continue;
            }
            std::string_view blob = r.bytes.substr(at);
            image::ConfigReader reader(blob.data(), blob.size());
            if (reader.valid()) {
                return parseConfigOf(file, blob, "found by its UKCONFIG header");
            }
            image::ConfigHeader h;
            if (readFrom(blob, 0, h) && h.version == image::kConfigVersion) {
                corrupt = true; // the magic is also a constant in the library OS's code
            }
        }
    }
    if (corrupt) {
        file.fail("the configuration (found by its UKCONFIG header) is corrupt: its records "
                  "run past its end");
    }
    return std::nullopt;
}

// Images without section headers: the root file system starts on a page of its own with a
// newc header (the linker script aligns .uk.initrd to 4 KiB).
std::optional<RootfsSummary> scanForRootfs(const ImageReader& file,
                                           const std::vector<Region>& regions,
                                           std::vector<CpioEntry>* entries) {
    for (const auto& r : regions) {
        uint64_t first = (kPageSize - r.phys % kPageSize) % kPageSize;
        for (uint64_t at = first; at < r.bytes.size(); at += kPageSize) {
            if (looksLikeCpioHeader(r.bytes.substr(at))) {
                auto s =
                    summarizeRootfs(file, r.bytes.substr(at), "found by its cpio header", entries);
                return s;
            }
        }
    }
    return std::nullopt;
}

// A read-only mapping of a whole file.
class MappedFile {
public:
    explicit MappedFile(const std::filesystem::path& path) {
        const std::string name = path.string();
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            int err = errno;
            throw Error(name + ": " +
                        (err == ENOENT ? std::string("no such file") : std::strerror(err)));
        }
        struct stat st;
        if (::fstat(fd, &st) != 0) {
            int err = errno;
            ::close(fd);
            throw Error(name + ": cannot read it: " + std::strerror(err));
        }
        if (!S_ISREG(st.st_mode)) {
            ::close(fd);
            throw Error(name + (S_ISDIR(st.st_mode) ? ": a directory, not a uk image"
                                                    : ": not a regular file"));
        }
        size_ = static_cast<size_t>(st.st_size);
        if (size_ > 0) {
            void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
            if (p == MAP_FAILED) {
                int err = errno;
                ::close(fd);
                throw Error(name + ": cannot read it: " + std::strerror(err));
            }
            data_ = static_cast<const char*>(p);
        }
        ::close(fd);
    }
    ~MappedFile() {
        if (data_ != nullptr) {
            ::munmap(const_cast<char*>(data_), size_);
        }
    }
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    std::string_view bytes() const { return {data_ == nullptr ? "" : data_, size_}; }

private:
    const char* data_ = nullptr;
    size_t size_ = 0;
};

std::string formatTime(uint32_t seconds) {
    time_t t = static_cast<time_t>(seconds);
    struct tm tm;
    char buf[32];
    if (::gmtime_r(&t, &tm) == nullptr ||
        std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm) == 0) {
        return std::to_string(seconds);
    }
    return buf;
}

std::string entryType(uint32_t mode) {
    switch (mode & S_IFMT) {
    case S_IFREG:
        return "file";
    case S_IFDIR:
        return "directory";
    case S_IFLNK:
        return "symlink";
    case S_IFCHR:
        return "char-device";
    case S_IFBLK:
        return "block-device";
    case S_IFIFO:
        return "fifo";
    case S_IFSOCK:
        return "socket";
    default:
        return "unknown";
    }
}

} // namespace

CpioFormatError::CpioFormatError(uint64_t offset, const std::string& what)
    : Error("at offset " + std::to_string(offset) + ": " + what), offset_(offset), reason_(what) {}

RootfsSummary summarizeCpio(std::string_view a, std::vector<CpioEntry>* entries) {
    RootfsSummary s;
    uint64_t at = 0;
    bool inArchive = false; // after an archive's first entry, before its trailer
    // Hard links are names of one (ino, device, type) within one archive, as for the kernel.
    std::set<std::tuple<uint32_t, uint32_t, uint32_t, uint32_t>> linked;
    for (;;) {
        if (!inArchive) {
            while (at < a.size() && a[at] == '\0') {
                ++at; // NUL padding between (and after) archives
            }
            if (at == a.size()) {
                break;
            }
            if (at % 4 != 0) {
                throw CpioFormatError(at, "an archive starts at an offset that is not a "
                                          "multiple of 4");
            }
        } else if (at == a.size()) {
            throw CpioFormatError(at, "the archive ends without its TRAILER!!! entry "
                                      "(truncated?)");
        }
        if (a.size() - at < kCpioHeaderSize) {
            throw CpioFormatError(at, "the archive is truncated in an entry's header (" +
                                          std::to_string(a.size() - at) + " bytes of " +
                                          std::to_string(kCpioHeaderSize) + ")");
        }
        if (!isCpioMagic(a.substr(at, 6))) {
            throw CpioFormatError(at, "no cpio header here (magic " + quoted(a.substr(at, 6)) +
                                          ", expected \"070701\", the newc format)");
        }
        uint32_t f[13];
        for (size_t i = 0; i < 13; ++i) {
            uint64_t fieldAt = at + 6 + 8 * i;
            if (!parseHex8(a.substr(fieldAt, 8), f[i])) {
                throw CpioFormatError(
                    fieldAt, std::string("the header's ") + kCpioFields[i] +
                                 " field is not hexadecimal: " + quoted(a.substr(fieldAt, 8)));
            }
        }
        CpioEntry e;
        e.ino = f[0];
        e.mode = f[1];
        e.uid = f[2];
        e.gid = f[3];
        e.nlink = f[4];
        e.mtime = f[5];
        e.size = f[6];
        e.rdevMajor = f[9];
        e.rdevMinor = f[10];
        const uint32_t nameSize = f[11];
        const uint64_t nameAt = at + kCpioHeaderSize;
        if (nameSize < 2 || nameSize > kCpioMaxNameSize) {
            throw CpioFormatError(at + 6 + 8 * 11, "an entry's name size is " +
                                                       std::to_string(nameSize) + " (2 to " +
                                                       std::to_string(kCpioMaxNameSize) +
                                                       " bytes, the NUL included)");
        }
        if (a.size() - nameAt < nameSize) {
            throw CpioFormatError(nameAt, "the archive is truncated in an entry's name");
        }
        std::string_view name = a.substr(nameAt, nameSize - 1);
        if (a[nameAt + nameSize - 1] != '\0') {
            throw CpioFormatError(nameAt, "the name " + quoted(name) + " is not NUL-terminated");
        }
        // NULs may pad the name (uk's writer aligns file data to pages that way); anything
        // after the first NUL must be one.
        name = name.substr(0, name.find('\0'));
        if (a.substr(nameAt + name.size(), nameSize - name.size()).find_first_not_of('\0') !=
            std::string_view::npos) {
            throw CpioFormatError(nameAt, "the name " + quoted(name) + " has a NUL byte in it");
        }
        // The padding after the name may be missing at the very end (an entry without data,
        // the trailer); so may the last entry's padding after its data.
        const uint64_t dataAt = std::min<uint64_t>(align4(nameAt + nameSize), a.size());
        if (a.size() - dataAt < e.size) {
            throw CpioFormatError(dataAt, "the archive is truncated in the data of " +
                                              quoted(name) + " (" + std::to_string(e.size) +
                                              " bytes)");
        }
        const uint64_t next = std::min<uint64_t>(align4(dataAt + e.size), a.size());
        if (name == kCpioTrailer) {
            inArchive = false;
            linked.clear();
            at = next;
            s.archiveBytes = at;
            continue;
        }
        inArchive = true;
        uint32_t type = e.mode & S_IFMT;
        switch (type) {
        case S_IFREG:
            ++s.files;
            s.dataBytes += e.size;
            break;
        case S_IFDIR:
            ++s.directories;
            break;
        case S_IFLNK:
            ++s.symlinks;
            e.target = std::string(a.substr(dataAt, e.size));
            break;
        case S_IFCHR:
        case S_IFBLK:
        case S_IFIFO:
        case S_IFSOCK:
            ++s.special;
            break;
        default:
            throw CpioFormatError(
                at + 6 + 8 * 1, "the entry " + quoted(name) + " has no known file type (mode " +
                                    [&] {
                                        char buf[16];
                                        std::snprintf(buf, sizeof buf, "0%o", e.mode);
                                        return std::string(buf);
                                    }() +
                                    ")");
        }
        if (type != S_IFDIR && type != S_IFLNK && e.nlink >= 2 &&
            !linked.emplace(e.ino, f[7], f[8], type).second) {
            ++s.hardLinks;
        }
        ++s.entries;
        if (entries != nullptr) {
            e.name = std::string(name);
            entries->push_back(std::move(e));
        }
        at = next;
    }
    return s;
}

ImageConfig parseImageConfig(std::string_view blob) {
    image::ConfigHeader h;
    if (!readFrom(blob, 0, h)) {
        throw Error("it is " + std::to_string(blob.size()) + " bytes, less than its " +
                    std::to_string(sizeof h) + "-byte header");
    }
    if (std::memcmp(h.magic, image::kConfigMagic, sizeof h.magic) != 0) {
        throw Error("it does not start with \"UKCONFIG\" (" +
                    quoted(std::string_view(h.magic, sizeof h.magic)) + ")");
    }
    if (h.version != image::kConfigVersion) {
        throw Error("version " + std::to_string(h.version) + " (this uk reads version " +
                    std::to_string(image::kConfigVersion) + ")");
    }
    if (h.size < sizeof h || h.size > blob.size()) {
        throw Error("its header says " + std::to_string(h.size) + " bytes, but " +
                    std::to_string(blob.size()) + " are there");
    }
    image::ConfigReader reader(blob.data(), blob.size());
    if (!reader.valid()) {
        throw Error("its " + std::to_string(h.count) + " records run past its end (" +
                    std::to_string(h.size) + " bytes)");
    }
    ImageConfig c;
    reader.forEach([&c](const image::ConfigReader::Record& r) {
        std::string value(r.data, r.length);
        switch (r.tag) {
        case image::ConfigTag::Entrypoint:
            c.entrypoint.push_back(std::move(value));
            break;
        case image::ConfigTag::Cmd:
            c.cmd.push_back(std::move(value));
            break;
        case image::ConfigTag::Env:
            c.env.push_back(std::move(value));
            break;
        case image::ConfigTag::WorkingDir:
            c.workingDir = std::move(value);
            break;
        case image::ConfigTag::User:
            c.user = std::move(value);
            break;
        case image::ConfigTag::Group:
            c.groups.push_back(std::move(value));
            break;
        case image::ConfigTag::ExposedPort:
            c.exposedPorts.push_back(std::move(value));
            break;
        case image::ConfigTag::Volume:
            c.volumes.push_back(std::move(value));
            break;
        case image::ConfigTag::Label: {
            size_t eq = value.find('=');
            if (eq == std::string::npos) {
                c.labels.emplace_back(std::move(value), "");
            } else {
                c.labels.emplace_back(value.substr(0, eq), value.substr(eq + 1));
            }
            break;
        }
        default:
            c.unknown.push_back({static_cast<uint32_t>(r.tag), r.length});
            break;
        }
    });
    return c;
}

ImageReport inspectImageBytes(std::string_view bytes, const std::string& name, bool listEntries) {
    ImageReader file(bytes, name);
    ImageReport report;
    report.image = name;
    report.size = bytes.size();

    Elf64_Ehdr eh;
    if (!readFrom(bytes, 0, eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
        file.fail("not an ELF file");
    }
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
        eh.e_machine != EM_X86_64) {
        file.fail("not a 64-bit x86_64 ELF file, as uk images are");
    }
    std::vector<Elf64_Phdr> phdrs = programHeaders(bytes, eh);
    if (phdrs.empty()) {
        file.fail("it has no usable program headers");
    }

    // The loaded image: each PT_LOAD's bytes at its physical address, the compressed ones
    // decoded.
    std::deque<std::string> decoded;
    std::vector<Region> regions;
    std::string_view payload;
    for (size_t i = 0; i < phdrs.size(); ++i) {
        const auto& ph = phdrs[i];
        if (ph.p_type != PT_LOAD) {
            continue;
        }
        std::string_view seg = file.slice(ph.p_offset, ph.p_filesz, "segment " + std::to_string(i));
        uint64_t magic;
        if (payload.empty() && readFrom(seg, 0, magic) && magic == image::kBootPayloadMagic) {
            payload = seg;
        } else {
            regions.push_back(Region{ph.p_paddr, seg});
        }
    }
    if (!payload.empty()) {
        report.compressed = true;
        // The boot segment starts with the ELF and program headers as linked.
        std::vector<Elf64_Phdr> original;
        for (const auto& r : regions) {
            Elf64_Ehdr oeh;
            if (readFrom(r.bytes, 0, oeh) && std::memcmp(oeh.e_ident, ELFMAG, SELFMAG) == 0) {
                original = programHeaders(r.bytes, oeh);
                break;
            }
        }
        if (original.empty()) {
            file.fail("the compressed image's boot segment does not hold its program headers");
        }
        report.applicationLinked = linksApplication(original);
        inflatePayload(file, payload, decoded, regions);
    } else {
        report.applicationLinked = linksApplication(phdrs);
    }

    const std::string_view gateMarker(image::kAbiStartGateMarker);
    for (const auto& r : regions) {
        report.startGate = report.startGate || r.bytes.find(gateMarker) != std::string_view::npos;
    }

    std::vector<CpioEntry>* entries = listEntries ? &report.entries : nullptr;
    std::optional<Sections> sections = report.compressed ? std::nullopt : findSections(bytes, eh);
    if (sections) {
        if (sections->config) {
            if (sections->config->type != SHT_NOBITS && sections->config->size != 0) {
                std::string_view blob = file.slice(sections->config->offset, sections->config->size,
                                                   "the .uk.config section");
                report.config = parseConfigOf(file, blob, image::kConfigSection);
            }
        } else if (auto range = sections->configSymbols) {
            if (range->first != range->second) {
                std::string_view blob = segmentBytes(phdrs, bytes, range->first, range->second);
                if (blob.empty()) {
                    file.fail("the symbols __uk_config_start and __uk_config_end point outside "
                              "the file's segments");
                }
                report.config = parseConfigOf(file, blob, image::kConfigSection);
            }
        } else {
            report.config = scanForConfig(file, regions);
        }
        if (sections->initrd && sections->initrd->type != SHT_NOBITS &&
            sections->initrd->size != 0) {
            std::string_view archive = file.slice(sections->initrd->offset, sections->initrd->size,
                                                  "the .uk.initrd section");
            report.rootfs = summarizeRootfs(file, archive, image::kInitrdSection, entries);
        }
    } else {
        report.config = scanForConfig(file, regions);
        report.rootfs = scanForRootfs(file, regions, entries);
    }
    if (report.rootfs && report.rootfs->archiveBytes == 0) {
        report.rootfs.reset(); // nothing but padding
    }
    return report;
}

ImageReport inspectImage(const std::filesystem::path& path, bool listEntries) {
    const std::string name = path.string();
    MappedFile mapped(path);
    try {
        ImageProbe::probe(path);
    } catch (const Error& e) {
        // "PATH is not a uk image: why" -> "PATH: not a uk image: why"
        std::string message = e.what();
        std::string prefix = name + " is ";
        if (message.rfind(prefix, 0) == 0) {
            throw Error(name + ": " + message.substr(prefix.size()));
        }
        throw;
    }
    return inspectImageBytes(mapped.bytes(), name, listEntries);
}

std::string modeString(uint32_t mode) {
    std::string s(10, '-');
    switch (mode & S_IFMT) {
    case S_IFREG:
        s[0] = '-';
        break;
    case S_IFDIR:
        s[0] = 'd';
        break;
    case S_IFLNK:
        s[0] = 'l';
        break;
    case S_IFCHR:
        s[0] = 'c';
        break;
    case S_IFBLK:
        s[0] = 'b';
        break;
    case S_IFIFO:
        s[0] = 'p';
        break;
    case S_IFSOCK:
        s[0] = 's';
        break;
    default:
        s[0] = '?';
        break;
    }
    const char* rwx = "rwxrwxrwx";
    for (int i = 0; i < 9; ++i) {
        if (mode & (0400u >> i)) {
            s[1 + i] = rwx[i];
        }
    }
    auto special = [&s](int at, bool set, char lower, char upper) {
        if (set) {
            s[at] = s[at] == '-' ? upper : lower;
        }
    };
    special(3, mode & S_ISUID, 's', 'S');
    special(6, mode & S_ISGID, 's', 'S');
    special(9, mode & S_ISVTX, 't', 'T');
    return s;
}

std::string formatEntries(const std::vector<CpioEntry>& entries) {
    auto owner = [](const CpioEntry& e) {
        return std::to_string(e.uid) + "/" + std::to_string(e.gid);
    };
    auto size = [](const CpioEntry& e) {
        uint32_t type = e.mode & S_IFMT;
        if (type == S_IFCHR || type == S_IFBLK) {
            return std::to_string(e.rdevMajor) + "," + std::to_string(e.rdevMinor);
        }
        return std::to_string(e.size);
    };
    size_t ownerWidth = 0;
    size_t sizeWidth = 0;
    for (const auto& e : entries) {
        ownerWidth = std::max(ownerWidth, owner(e).size());
        sizeWidth = std::max(sizeWidth, size(e).size());
    }
    std::string out;
    for (const auto& e : entries) {
        std::string o = owner(e);
        std::string z = size(e);
        out += modeString(e.mode);
        out += ' ';
        out += o;
        out.append(ownerWidth - o.size() + 1, ' ');
        out.append(sizeWidth - z.size(), ' ');
        out += z;
        out += ' ';
        out += formatTime(e.mtime);
        out += ' ';
        out += e.name;
        if ((e.mode & S_IFMT) == S_IFLNK) {
            out += " -> ";
            out += e.target;
        }
        out += '\n';
    }
    return out;
}

std::string formatReport(const ImageReport& r) {
    std::string out;
    auto line = [&out](const std::string& key, const std::string& value) {
        out += key;
        out.append(key.size() < 16 ? 16 - key.size() : 1, ' ');
        out += value;
        out += '\n';
    };
    line("image:", r.image);
    line("size:", std::to_string(r.size) + " bytes" +
                      (r.size >= 1024 ? " (" + humanSize(r.size) + ")" : ""));
    line("compressed:",
         r.compressed ? "yes (uk build --strip: segments in a DEFLATE payload)" : "no");
    line("start gate:", r.startGate ? "yes (uk run --start-gate, OCI create and start)"
                                    : "no (a library OS from before it)");
    if (r.applicationLinked) {
        line("application:", "linked into the image (segments at 0x400000)");
    } else if (r.rootfs) {
        line("application:", "none linked: the entrypoint is a program in the root file system");
    } else {
        line("application:", "none linked, and no root file system (uk run --initrd gives one)");
    }
    if (!r.config) {
        line("configuration:", "none (the guest runs argv[0] = \"app\")");
    } else {
        const ImageConfig& c = *r.config;
        out += "configuration:\n";
        line("  Entrypoint:", c.entrypoint.empty() ? "(none)" : shell::join(c.entrypoint));
        line("  Cmd:", c.cmd.empty() ? "(none)" : shell::join(c.cmd));
        for (const auto& v : c.env) {
            line("  Env:", v);
        }
        line("  WorkingDir:", c.workingDir ? *c.workingDir : "(none: /)");
        if (c.user) {
            line("  User:", *c.user);
        }
        for (const auto& v : c.groups) {
            line("  Group:", v);
        }
        for (const auto& v : c.exposedPorts) {
            line("  ExposedPort:", v);
        }
        for (const auto& v : c.volumes) {
            line("  Volume:", v);
        }
        for (const auto& [key, value] : c.labels) {
            line("  Label:", key + "=" + value);
        }
        for (const auto& u : c.unknown) {
            out += "  tag " + std::to_string(u.tag) + " (" + std::to_string(u.length) + " bytes)\n";
        }
    }
    if (!r.rootfs) {
        line("root file system:", "none");
    } else {
        const RootfsSummary& s = *r.rootfs;
        out += "root file system: " + std::to_string(s.archiveBytes) + " bytes of cpio archive" +
               (s.archiveBytes >= 1024 ? " (" + humanSize(s.archiveBytes) + ")" : "") + "\n";
        line("  entries:", std::to_string(s.entries));
        line("  files:", std::to_string(s.files));
        line("  directories:", std::to_string(s.directories));
        line("  symlinks:", std::to_string(s.symlinks));
        line("  hard links:", std::to_string(s.hardLinks) + " (names beyond a file's first)");
        line("  special:", std::to_string(s.special) + " (device nodes, FIFOs, sockets)");
        line("  data:", std::to_string(s.dataBytes) + " bytes" +
                            (s.dataBytes >= 1024 ? " (" + humanSize(s.dataBytes) + ")" : ""));
    }
    return out;
}

std::string formatReportJson(const ImageReport& r, bool listEntries) {
    using Json = nlohmann::ordered_json;
    Json j;
    j["image"] = r.image;
    j["size"] = r.size;
    j["compressed"] = r.compressed;
    j["application"] = r.applicationLinked ? "linked" : "rootfs";
    j["startGate"] = r.startGate;
    if (r.config) {
        const ImageConfig& c = *r.config;
        Json config;
        config["entrypoint"] = c.entrypoint;
        config["cmd"] = c.cmd;
        config["env"] = c.env;
        config["workingDir"] = c.workingDir ? Json(*c.workingDir) : Json(nullptr);
        config["user"] = c.user ? Json(*c.user) : Json(nullptr);
        config["groups"] = c.groups;
        config["exposedPorts"] = c.exposedPorts;
        config["volumes"] = c.volumes;
        Json labels = Json::object();
        for (const auto& [key, value] : c.labels) {
            labels[key] = value; // a later record with the same key wins
        }
        config["labels"] = labels;
        Json unknown = Json::array();
        for (const auto& u : c.unknown) {
            unknown.push_back(Json{{"tag", u.tag}, {"bytes", u.length}});
        }
        config["unknown"] = unknown;
        j["config"] = config;
    } else {
        j["config"] = nullptr;
    }
    if (r.rootfs) {
        const RootfsSummary& s = *r.rootfs;
        j["rootfs"] = Json{{"entries", s.entries},         {"files", s.files},
                           {"directories", s.directories}, {"symlinks", s.symlinks},
                           {"hardLinks", s.hardLinks},     {"special", s.special},
                           {"dataBytes", s.dataBytes},     {"archiveBytes", s.archiveBytes}};
    } else {
        j["rootfs"] = nullptr;
    }
    if (listEntries) {
        Json list = Json::array();
        for (const auto& e : r.entries) {
            Json item{{"name", e.name},   {"type", entryType(e.mode)},
                      {"mode", e.mode},   {"modeString", modeString(e.mode)},
                      {"uid", e.uid},     {"gid", e.gid},
                      {"size", e.size},   {"mtime", e.mtime},
                      {"nlink", e.nlink}, {"ino", e.ino}};
            if ((e.mode & S_IFMT) == S_IFLNK) {
                item["target"] = e.target;
            }
            uint32_t type = e.mode & S_IFMT;
            if (type == S_IFCHR || type == S_IFBLK) {
                item["rdev"] = Json{e.rdevMajor, e.rdevMinor};
            }
            list.push_back(std::move(item));
        }
        j["entries"] = list;
    }
    // Names and values are bytes from the image: invalid UTF-8 becomes U+FFFD.
    return j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

} // namespace uk::loader
