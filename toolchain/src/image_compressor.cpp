#include <uk/image_format.h>
#include <uk/support/error.h>
#include <uk/toolchain/image_compressor.h>

#include <elf.h>
#include <zlib.h>

#include <cstring>
#include <vector>

namespace uk::toolchain {

namespace {

template <typename T>
T readAt(std::string_view file, uint64_t offset) {
    if (offset > file.size() || file.size() - offset < sizeof(T)) {
        throw Error("the image is truncated");
    }
    T v;
    std::memcpy(&v, file.data() + offset, sizeof v);
    return v;
}

template <typename T>
void append(std::string& out, const T& v) {
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

uint64_t alignUp(uint64_t v, uint64_t a) {
    return (v + a - 1) / a * a;
}

} // namespace

std::string deflateRaw(std::string_view data, int level) {
    z_stream z{};
    if (deflateInit2(&z, level, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
        throw Error("zlib cannot start compressing");
    }
    std::string out(deflateBound(&z, data.size()) + 64, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    int r;
    do { // deflateBound is usually enough; grow if it is not
        if (z.total_out == out.size()) {
            out.resize(out.size() * 2);
        }
        z.next_out = reinterpret_cast<Bytef*>(out.data() + z.total_out);
        z.avail_out = static_cast<uInt>(out.size() - z.total_out);
        r = deflate(&z, Z_FINISH);
    } while (r == Z_OK);
    out.resize(z.total_out);
    deflateEnd(&z);
    if (r != Z_STREAM_END) {
        throw Error("zlib failed to compress a segment");
    }
    return out;
}

CompressedImage compressImage(std::string_view file) {
    const auto eh = readAt<Elf64_Ehdr>(file, 0);
    if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_machine != EM_X86_64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
        eh.e_shentsize != sizeof(Elf64_Shdr)) {
        throw Error("not a 64-bit x86_64 ELF image");
    }
    std::vector<Elf64_Phdr> phdrs;
    for (uint16_t i = 0; i < eh.e_phnum; ++i) {
        phdrs.push_back(readAt<Elf64_Phdr>(file, eh.e_phoff + uint64_t{i} * sizeof(Elf64_Phdr)));
    }
    // The payload link, found by its section's name.
    const auto strtab =
        readAt<Elf64_Shdr>(file, eh.e_shoff + uint64_t{eh.e_shstrndx} * sizeof(Elf64_Shdr));
    uint64_t linkOffset = 0;
    for (uint16_t i = 0; i < eh.e_shnum && linkOffset == 0; ++i) {
        auto sh = readAt<Elf64_Shdr>(file, eh.e_shoff + uint64_t{i} * sizeof(Elf64_Shdr));
        uint64_t nameAt = strtab.sh_offset + sh.sh_name;
        std::string_view want = image::kBootPayloadSection;
        if (nameAt < file.size() && file.size() - nameAt > want.size() &&
            file.substr(nameAt, want.size()) == want && file[nameAt + want.size()] == '\0' &&
            sh.sh_size >= sizeof(image::BootPayloadLink)) {
            linkOffset = sh.sh_offset;
        }
    }
    if (linkOffset == 0) {
        throw Error("it has no " + std::string(image::kBootPayloadSection) +
                    " section (built by an older uk?)");
    }
    auto link = readAt<image::BootPayloadLink>(file, linkOffset);
    if (link.magic != image::kBootPayloadLinkMagic || link.physAddr != 0) {
        throw Error(link.physAddr != 0 ? "it is compressed already"
                                       : "its payload link is not uk's");
    }

    // The boot segment stays; the other loadable ones go into the payload.
    const Elf64_Phdr* boot = nullptr;
    std::vector<const Elf64_Phdr*> moved;
    uint64_t end = 0;
    for (const auto& ph : phdrs) {
        if (ph.p_type != PT_LOAD) {
            continue;
        }
        if (ph.p_offset > file.size() || file.size() - ph.p_offset < ph.p_filesz) {
            throw Error("a segment lies beyond the end of the file");
        }
        end = std::max(end, ph.p_paddr + ph.p_memsz);
        if (linkOffset >= ph.p_offset && linkOffset < ph.p_offset + ph.p_filesz) {
            boot = &ph;
        } else if (ph.p_memsz != 0) {
            moved.push_back(&ph);
        }
    }
    if (boot == nullptr || moved.empty() || moved.size() > image::kBootPayloadMaxSegments) {
        throw Error("its segments are not laid out as the boot code expects");
    }

    CompressedImage out;
    out.payloadPhys = alignUp(end, 4096);
    std::string streams;
    std::string payload;
    append(payload, image::BootPayloadHeader{image::kBootPayloadMagic,
                                             static_cast<uint32_t>(moved.size()), 0});
    for (const Elf64_Phdr* ph : moved) {
        std::string stream = deflateRaw(file.substr(ph->p_offset, ph->p_filesz), 9);
        append(payload,
               image::BootPayloadSegment{ph->p_paddr, ph->p_filesz, ph->p_memsz, stream.size()});
        streams += stream;
    }
    payload += streams;

    // The new file: its own headers, then the boot segment exactly as linked (its first
    // bytes are the original ELF header and program headers, which the library OS reads in
    // memory), then the payload. Notes inside the boot segment keep their place in it.
    std::vector<Elf64_Phdr> notes;
    for (const auto& ph : phdrs) {
        if (ph.p_type == PT_NOTE) {
            if (ph.p_offset < boot->p_offset ||
                ph.p_offset + ph.p_filesz > boot->p_offset + boot->p_filesz) {
                throw Error("a note lies outside the boot segment");
            }
            notes.push_back(ph);
        }
    }
    const uint64_t phnum = 2 + notes.size();
    const uint64_t bootAt = alignUp(sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr), 16);
    const uint64_t payloadAt = alignUp(bootAt + boot->p_filesz, 16);

    Elf64_Ehdr neh = eh;
    neh.e_phoff = sizeof(Elf64_Ehdr);
    neh.e_phnum = static_cast<uint16_t>(phnum);
    neh.e_shoff = 0;
    neh.e_shnum = 0;
    neh.e_shstrndx = SHN_UNDEF;
    append(out.bytes, neh);
    Elf64_Phdr bootPh = *boot;
    bootPh.p_offset = bootAt;
    append(out.bytes, bootPh);
    Elf64_Phdr payPh{};
    payPh.p_type = PT_LOAD;
    payPh.p_flags = PF_R;
    payPh.p_offset = payloadAt;
    payPh.p_vaddr = payPh.p_paddr = out.payloadPhys;
    payPh.p_filesz = payPh.p_memsz = payload.size();
    payPh.p_align = 16;
    append(out.bytes, payPh);
    for (Elf64_Phdr note : notes) {
        note.p_offset = bootAt + (note.p_offset - boot->p_offset);
        append(out.bytes, note);
    }
    out.bytes.resize(bootAt, '\0');
    std::string bootBytes(file.substr(boot->p_offset, boot->p_filesz));
    uint64_t phys = out.payloadPhys;
    std::memcpy(bootBytes.data() + (linkOffset - boot->p_offset) +
                    offsetof(image::BootPayloadLink, physAddr),
                &phys, sizeof phys);
    out.bytes += bootBytes;
    out.bytes.resize(payloadAt, '\0');
    out.bytes += payload;
    return out;
}

} // namespace uk::toolchain
