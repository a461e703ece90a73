#include "loader.h"

namespace uk::elf {

namespace {
constexpr uint64_t kPage = 4096;
constexpr uint16_t kMachineX86_64 = 62;
constexpr uint64_t kUserTop = 0x0000'8000'0000'0000;
} // namespace

bool ElfFile::open(const FileReader& file) {
    if (file.size < sizeof(Ehdr)) {
        return fail("too short to be an ELF executable");
    }
    if (file.read(file.ctx, 0, &ehdr_, sizeof ehdr_) != static_cast<long>(sizeof ehdr_)) {
        return fail("cannot read the ELF header");
    }
    const unsigned char* id = ehdr_.ident;
    if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F') {
        return fail("not an ELF file");
    }
    if (id[4] != 2 || id[5] != 1) {
        return fail("not a 64-bit little-endian ELF file");
    }
    if (ehdr_.machine != kMachineX86_64) {
        return fail("not an x86_64 program");
    }
    if (ehdr_.type != 2 && ehdr_.type != 3) {
        return fail("not an executable (ELF type is neither EXEC nor DYN)");
    }
    if (ehdr_.phentsize != sizeof(Phdr) || ehdr_.phnum == 0 || ehdr_.phnum > kMaxPhdrs) {
        return fail("unsupported program header table");
    }
    uint64_t phBytes = uint64_t{ehdr_.phnum} * sizeof(Phdr);
    if (ehdr_.phoff > file.size || phBytes > file.size - ehdr_.phoff) {
        return fail("program headers lie outside the file");
    }
    if (file.read(file.ctx, ehdr_.phoff, phdrs_, phBytes) != static_cast<long>(phBytes)) {
        return fail("cannot read the program headers");
    }
    phnum_ = ehdr_.phnum;

    bool anyLoad = false;
    uint64_t lastEnd = 0;
    for (int i = 0; i < phnum_; ++i) {
        const Phdr& p = phdrs_[i];
        if (p.type == kPtLoad) {
            if (p.filesz > p.memsz) {
                return fail("a segment's file size exceeds its memory size");
            }
            if (p.offset > file.size || p.filesz > file.size - p.offset) {
                return fail("a segment lies outside the file");
            }
            if (p.memsz > kUserTop || p.vaddr > kUserTop - p.memsz) {
                return fail("a segment lies outside the application's address space");
            }
            if ((p.vaddr - p.offset) % kPage != 0) {
                return fail("a segment is not page-aligned with its file offset");
            }
            if (p.vaddr < lastEnd) {
                return fail("PT_LOAD segments overlap or are out of order");
            }
            uint64_t start = p.vaddr & ~(kPage - 1);
            uint64_t end = (p.vaddr + p.memsz + kPage - 1) & ~(kPage - 1);
            if (!anyLoad) {
                spanStart_ = start;
            }
            spanEnd_ = end;
            lastEnd = p.vaddr + p.memsz;
            anyLoad = true;
        } else if (p.type == kPtInterp) {
            if (p.filesz < 2 || p.filesz > kMaxInterp || p.offset > file.size ||
                p.filesz > file.size - p.offset) {
                return fail("bad interpreter path (PT_INTERP)");
            }
            if (file.read(file.ctx, p.offset, interp_, p.filesz) != static_cast<long>(p.filesz) ||
                interp_[p.filesz - 1] != 0) {
                return fail("bad interpreter path (PT_INTERP)");
            }
        } else if (p.type == kPtGnuStack) {
            execStack_ = (p.flags & kPfX) != 0;
        }
    }
    if (!anyLoad) {
        return fail("no loadable segments");
    }
    if (ehdr_.type == 2 && spanStart_ < 0x10000) {
        return fail("the program wants to be loaded below 64 KiB");
    }
    return true;
}

} // namespace uk::elf
