#include <uk/support/error.h>
#include <uk/toolchain/cpio_writer.h>

#include <cstdio>

namespace uk::toolchain {

namespace {

constexpr uint64_t align4(uint64_t n) {
    return (n + 3) & ~uint64_t{3};
}

void appendHex(std::string& out, uint32_t value) {
    // Upper case, as GNU cpio and the kernel's gen_init_cpio write it.
    static constexpr char kDigits[] = "0123456789ABCDEF";
    for (int shift = 28; shift >= 0; shift -= 4) {
        out.push_back(kDigits[(value >> shift) & 0xf]);
    }
}

} // namespace

uint32_t CpioWriter::nameSizeAt(uint64_t offset, size_t nameLength, uint32_t mode,
                                uint64_t dataSize) {
    uint64_t nameSize = nameLength + 1;
    if ((mode & 0170000) == 0100000 && dataSize >= kDataAlignment) {
        // The smallest namesize >= nameLength + 1 after which the data (at the next multiple
        // of 4) starts on a kDataAlignment boundary.
        uint64_t dataAt = align4(offset + kHeaderSize + nameSize);
        uint64_t aligned = (dataAt + kDataAlignment - 1) / kDataAlignment * kDataAlignment;
        uint64_t padded = aligned - offset - kHeaderSize;
        if (padded <= kMaxNameSize) {
            nameSize = padded;
        }
    }
    return static_cast<uint32_t>(nameSize);
}

uint64_t CpioWriter::entrySize(uint64_t offset, size_t nameLength, uint32_t mode,
                               uint64_t dataSize) {
    return align4(offset + kHeaderSize + nameSizeAt(offset, nameLength, mode, dataSize)) - offset +
           align4(dataSize);
}

void CpioWriter::write(std::string_view bytes) {
    sink_.write(bytes);
    offset_ += bytes.size();
}

void CpioWriter::pad() {
    static constexpr char kZeros[4] = {};
    write(std::string_view(kZeros, align4(offset_) - offset_));
}

void CpioWriter::beginEntry(const CpioHeader& h) {
    if (dataLeft_ != 0 || finished_) {
        throw Error("internal error: cpio entry " + h.name + " written at the wrong time");
    }
    if (h.name.empty()) {
        throw Error("internal error: cpio entry without a name");
    }
    if (h.name.find('\0') != std::string::npos) {
        throw Error("a name with a NUL byte cannot be archived");
    }
    if (h.name.size() + 1 > kMaxNameSize) {
        throw Error(h.name.substr(0, 64) + "...: name too long for a cpio archive (" +
                    std::to_string(h.name.size()) + " bytes, at most " +
                    std::to_string(kMaxNameSize - 1) + ")");
    }
    const uint32_t nameSize = nameSizeAt(offset_, h.name.size(), h.mode, h.fileSize);
    std::string header;
    header.reserve(kHeaderSize + nameSize);
    header += "070701";
    for (uint32_t field : {h.ino, h.mode, h.uid, h.gid, h.nlink, h.mtime, h.fileSize, h.devMajor,
                           h.devMinor, h.rdevMajor, h.rdevMinor, nameSize, uint32_t{0}}) {
        appendHex(header, field);
    }
    header += h.name;
    header.append(nameSize - h.name.size(), '\0');
    write(header);
    pad();
    dataLeft_ = h.fileSize;
}

void CpioWriter::dataWritten(uint64_t size) {
    offset_ += size;
    dataLeft_ -= size;
    if (dataLeft_ == 0) {
        pad();
    }
}

void CpioWriter::writeData(std::string_view bytes) {
    if (bytes.size() > dataLeft_) {
        throw Error("internal error: more cpio data than the header announced");
    }
    if (bytes.empty()) {
        return;
    }
    sink_.write(bytes);
    dataWritten(bytes.size());
}

void CpioWriter::copyData(int fd, uint64_t size, const std::string& what) {
    if (size > dataLeft_) {
        throw Error("internal error: more cpio data than the header announced");
    }
    if (size == 0) {
        return;
    }
    sink_.copyFrom(fd, size, what);
    dataWritten(size);
}

void CpioWriter::addEntry(const CpioHeader& header, std::string_view data) {
    if (data.size() != header.fileSize) {
        throw Error("internal error: cpio entry " + header.name + " has " +
                    std::to_string(data.size()) + " bytes, its header says " +
                    std::to_string(header.fileSize));
    }
    beginEntry(header);
    writeData(data);
}

void CpioWriter::finish() {
    CpioHeader trailer;
    trailer.name = kTrailerName;
    trailer.nlink = 1;
    beginEntry(trailer);
    finished_ = true;
}

} // namespace uk::toolchain
