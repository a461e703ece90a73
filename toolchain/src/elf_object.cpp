#include <uk/support/error.h>
#include <uk/toolchain/elf_object.h>

#include <elf.h>

#include <cstring>
#include <vector>

#include "little_endian.h"

namespace uk::toolchain {

namespace {

// Pads `out`, which starts at file offset `base`, so the file's next byte is aligned.
void padTo(std::string& out, uint64_t base, uint64_t alignment) {
    out.append((alignment - (base + out.size()) % alignment) % alignment, '\0');
}

// Section indices, in the order of the section header table.
enum Section : uint16_t { kNull, kData, kNoteStack, kSymtab, kStrtab, kShstrtab, kCount };

} // namespace

std::string dataObjectPrefix(std::string_view sectionName, uint64_t contentSize,
                             unsigned alignment) {
    if (alignment == 0 || !std::has_single_bit(alignment)) {
        throw Error("internal error: section alignment must be a power of two");
    }
    // Section names, each NUL-terminated, after the leading empty name.
    std::string shstrtab(1, '\0');
    auto addName = [&](std::string_view name) {
        auto offset = static_cast<Elf64_Word>(shstrtab.size());
        shstrtab.append(name);
        shstrtab.push_back('\0');
        return offset;
    };
    std::vector<Elf64_Shdr> sections(kCount);
    sections[kData].sh_name = addName(sectionName);
    sections[kNoteStack].sh_name = addName(".note.GNU-stack");
    sections[kSymtab].sh_name = addName(".symtab");
    sections[kStrtab].sh_name = addName(".strtab");
    sections[kShstrtab].sh_name = addName(".shstrtab");

    // Layout: ELF header, section header table, the small tables, then the data. Every
    // offset is known before the data is, so the data can be streamed into the file last.
    const uint64_t tablesOffset = sizeof(Elf64_Ehdr) + kCount * sizeof(Elf64_Shdr);
    std::string tables;

    // A symbol table with only the mandatory null symbol: some tools reject objects
    // that have none at all.
    Elf64_Shdr& symtab = sections[kSymtab];
    symtab.sh_type = SHT_SYMTAB;
    symtab.sh_offset = tablesOffset + tables.size();
    symtab.sh_size = sizeof(Elf64_Sym);
    symtab.sh_link = kStrtab;
    symtab.sh_info = 1; // index of the first non-local symbol
    symtab.sh_addralign = alignof(Elf64_Sym);
    symtab.sh_entsize = sizeof(Elf64_Sym);
    appendBytes(tables, Elf64_Sym{});

    Elf64_Shdr& strtab = sections[kStrtab];
    strtab.sh_type = SHT_STRTAB;
    strtab.sh_offset = tablesOffset + tables.size();
    strtab.sh_size = 1;
    strtab.sh_addralign = 1;
    tables.push_back('\0');

    Elf64_Shdr& names = sections[kShstrtab];
    names.sh_type = SHT_STRTAB;
    names.sh_offset = tablesOffset + tables.size();
    names.sh_size = shstrtab.size();
    names.sh_addralign = 1;
    tables.append(shstrtab);

    Elf64_Shdr& noteStack = sections[kNoteStack];
    noteStack.sh_type = SHT_PROGBITS;
    noteStack.sh_offset = tablesOffset + tables.size();
    noteStack.sh_addralign = 1;

    padTo(tables, tablesOffset, alignment);
    Elf64_Shdr& data = sections[kData];
    data.sh_type = SHT_PROGBITS;
    data.sh_flags = SHF_ALLOC;
    data.sh_offset = tablesOffset + tables.size();
    data.sh_size = contentSize;
    data.sh_addralign = alignment;

    Elf64_Ehdr header{};
    std::memcpy(header.e_ident, ELFMAG, SELFMAG);
    header.e_ident[EI_CLASS] = ELFCLASS64;
    header.e_ident[EI_DATA] = ELFDATA2LSB;
    header.e_ident[EI_VERSION] = EV_CURRENT;
    header.e_ident[EI_OSABI] = ELFOSABI_NONE;
    header.e_type = ET_REL;
    header.e_machine = EM_X86_64;
    header.e_version = EV_CURRENT;
    header.e_shoff = sizeof(Elf64_Ehdr);
    header.e_ehsize = sizeof(Elf64_Ehdr);
    header.e_shentsize = sizeof(Elf64_Shdr);
    header.e_shnum = kCount;
    header.e_shstrndx = kShstrtab;

    std::string file;
    file.reserve(tablesOffset + tables.size());
    appendBytes(file, header);
    for (const auto& section : sections) {
        appendBytes(file, section);
    }
    file += tables;
    return file;
}

std::string makeDataObject(std::string_view sectionName, std::string_view contents,
                           unsigned alignment) {
    std::string file = dataObjectPrefix(sectionName, contents.size(), alignment);
    file.append(contents);
    return file;
}

} // namespace uk::toolchain
