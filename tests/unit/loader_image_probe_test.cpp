// ImageProbe on hand-made ELF files: a PVH image, and everything that is not one.
#include <doctest/doctest.h>

#include <elf.h>

#include <cstring>
#include <string>
#include <vector>

#include <uk/loader/image_probe.h>
#include <uk/support/error.h>
#include <uk/support/fs.h>

using uk::loader::ImageProbe;

namespace {

struct Note {
    std::string name; // with its terminating zero, as in the file
    uint32_t type;
    std::vector<unsigned char> desc;
};

void put(std::string& out, const void* data, size_t n) {
    out.append(static_cast<const char*>(data), n);
}

void pad(std::string& out, size_t align) {
    while (out.size() % align != 0) {
        out += '\0';
    }
}

// An ELF64 file with one PT_LOAD and one PT_NOTE holding `notes`.
std::string elfWith(const std::vector<Note>& notes, uint16_t machine = EM_X86_64,
                    unsigned char elfClass = ELFCLASS64, uint64_t noteAlign = 4) {
    std::string noteData;
    for (const auto& n : notes) {
        Elf64_Nhdr nh{static_cast<Elf64_Word>(n.name.size()),
                      static_cast<Elf64_Word>(n.desc.size()), n.type};
        put(noteData, &nh, sizeof nh);
        noteData += n.name;
        pad(noteData, noteAlign);
        put(noteData, n.desc.data(), n.desc.size());
        pad(noteData, noteAlign);
    }
    Elf64_Ehdr eh = {};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = elfClass;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = machine;
    eh.e_version = EV_CURRENT;
    eh.e_phoff = sizeof eh;
    eh.e_ehsize = sizeof eh;
    eh.e_phentsize = sizeof(Elf64_Phdr);
    eh.e_phnum = 2;
    Elf64_Phdr load = {};
    load.p_type = PT_LOAD;
    load.p_align = 0x1000;
    Elf64_Phdr note = {};
    note.p_type = PT_NOTE;
    note.p_offset = sizeof eh + 2 * sizeof(Elf64_Phdr);
    note.p_filesz = noteData.size();
    note.p_align = noteAlign;
    std::string file;
    put(file, &eh, sizeof eh);
    put(file, &load, sizeof load);
    put(file, &note, sizeof note);
    file += noteData;
    return file;
}

Note pvhNote(uint64_t entry, size_t size = 8) {
    Note n{std::string("Xen\0", 4), 18, std::vector<unsigned char>(size)};
    std::memcpy(n.desc.data(), &entry, size);
    return n;
}

struct Fixture {
    uk::fs::TempDir dir{"uk-probe-test"};
    std::filesystem::path write(const std::string& name, const std::string& data) {
        auto p = dir.path() / name;
        uk::fs::writeFileAtomic(p, data);
        return p;
    }
    std::string error(const std::filesystem::path& p) {
        try {
            ImageProbe::probe(p);
        } catch (const uk::Error& e) {
            return e.what();
        }
        return "(no error)";
    }
};

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE_FIXTURE(Fixture, "image probe: a PVH image, 8- and 4-byte entry descriptors") {
    auto info = ImageProbe::probe(write("a.img", elfWith({pvhNote(0x1002c0)})));
    CHECK(info.pvhEntry == 0x1002c0);
    info = ImageProbe::probe(write("b.img", elfWith({pvhNote(0x100000, 4)})));
    CHECK(info.pvhEntry == 0x100000);
    // Other notes before it (a GNU build id) are skipped.
    Note buildId{std::string("GNU\0", 4), NT_GNU_BUILD_ID, std::vector<unsigned char>(20, 7)};
    info = ImageProbe::probe(write("c.img", elfWith({buildId, pvhNote(0x200000)})));
    CHECK(info.pvhEntry == 0x200000);
    // 8-byte note alignment.
    info = ImageProbe::probe(
        write("d.img", elfWith({buildId, pvhNote(0x300000)}, EM_X86_64, ELFCLASS64, 8)));
    CHECK(info.pvhEntry == 0x300000);
}

TEST_CASE_FIXTURE(Fixture, "image probe: clear errors for everything else") {
    CHECK(contains(error(dir.path() / "missing.img"), "cannot open the image"));
    CHECK(contains(error(dir.path() / "missing.img"), "No such file or directory"));
    CHECK(contains(error(dir.path()), "is a directory"));
    CHECK(contains(error(write("empty", "")), "not a uk image: not an ELF file"));
    CHECK(contains(error(write("script", "#!/bin/sh\necho hi\n")), "not a uk image: not an ELF"));
    CHECK(contains(error(write("arm", elfWith({pvhNote(1)}, EM_AARCH64))), "AArch64"));
    CHECK(contains(error(write("elf32", elfWith({pvhNote(1)}, EM_X86_64, ELFCLASS32))), "32-bit"));
    Note otherXen{std::string("Xen\0", 4), 1, std::vector<unsigned char>(8)};
    std::string noPvh = error(write("linux", elfWith({otherXen})));
    CHECK(contains(noPvh, "not a uk image"));
    CHECK(contains(noPvh, "no PVH entry note"));
    CHECK(contains(error(write("nonotes", elfWith({}))), "no PVH entry note"));
    Note wrongName{std::string("Xem\0", 4), 18, std::vector<unsigned char>(8)};
    CHECK(contains(error(write("xem", elfWith({wrongName}))), "no PVH entry note"));
    CHECK(contains(error(write("baddesc", elfWith({pvhNote(1, 2)}))), "descriptor"));
}

TEST_CASE_FIXTURE(Fixture, "image probe: truncated and corrupt headers do not read wild") {
    std::string good = elfWith({pvhNote(0x1000)});
    CHECK(contains(error(write("cut-header", good.substr(0, 40))), "truncated"));
    CHECK(contains(error(write("cut-notes", good.substr(0, good.size() - 6))), "truncated"));
    std::string hugeNote = good;
    // n_descsz of the note: far beyond the segment.
    uint32_t huge = 0xfffffff0u;
    std::memcpy(hugeNote.data() + sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr) + 4, &huge, 4);
    CHECK(contains(error(write("huge-note", hugeNote)), "no PVH entry"));
    std::string badPhoff = good;
    uint64_t far = 1ull << 40;
    std::memcpy(badPhoff.data() + offsetof(Elf64_Ehdr, e_phoff), &far, 8);
    CHECK(contains(error(write("bad-phoff", badPhoff)), "truncated"));
}
