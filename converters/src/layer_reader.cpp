#include <uk/converters/layer_reader.h>
#include <uk/converters/sha256.h>
#include <uk/support/error.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <exception>
#include <memory>

namespace uk::converters {

namespace {

constexpr size_t kChunk = size_t{1} << 20;

// The layer as stored -> hashed -> decompressed -> hashed -> handed to libarchive.
class LayerStream {
public:
    LayerStream(const ByteReader& read, const std::string& what, LayerCompression expected,
                const std::function<void(uint64_t)>& progress)
        : read_(read), what_(what), progress_(progress), in_(kChunk, '\0'), out_(kChunk, '\0') {
        fill();
        detect(expected);
    }

    ~LayerStream() {
        if (kind_ == LayerCompression::Gzip) {
            inflateEnd(&z_);
        }
        if (zstd_ != nullptr) {
            ZSTD_freeDStream(zstd_);
        }
    }

    // The next piece of the uncompressed tar; empty at its end.
    std::string_view next() {
        std::string_view piece;
        switch (kind_) {
        case LayerCompression::None:
        case LayerCompression::Detect:
            piece = nextPlain();
            break;
        case LayerCompression::Gzip:
            piece = nextGzip();
            break;
        case LayerCompression::Zstd:
            piece = nextZstd();
            break;
        }
        diffHash_.update(piece);
        tarBytes_ += piece.size();
        return piece;
    }

    void drain() {
        while (!next().empty()) {
        }
    }

    const char* compressionName() const {
        switch (kind_) {
        case LayerCompression::Gzip:
            return "gzip";
        case LayerCompression::Zstd:
            return "zstd";
        default:
            return "none";
        }
    }

    std::string storedDigest() { return storedHash_.digest(); }
    std::string diffId() { return diffHash_.digest(); }
    uint64_t storedBytes() const { return storedBytes_; }
    uint64_t tarBytes() const { return tarBytes_; }

private:
    // Reads more stored bytes into in_ when it is used up; false at the end.
    bool fill() {
        if (inPos_ < inLen_) {
            return true;
        }
        if (eof_) {
            return false;
        }
        inPos_ = 0;
        inLen_ = read_(in_.data(), in_.size());
        if (inLen_ == 0) {
            eof_ = true;
            return false;
        }
        storedHash_.update(in_.data(), inLen_);
        storedBytes_ += inLen_;
        if (progress_) {
            progress_(storedBytes_);
        }
        return true;
    }

    void detect(LayerCompression expected) {
        auto at = [&](size_t i) { return static_cast<unsigned char>(in_[i]); };
        LayerCompression found = LayerCompression::None;
        if (inLen_ >= 2 && at(0) == 0x1f && at(1) == 0x8b) {
            found = LayerCompression::Gzip;
        } else if (inLen_ >= 4 && at(0) == 0x28 && at(1) == 0xb5 && at(2) == 0x2f &&
                   at(3) == 0xfd) {
            found = LayerCompression::Zstd;
        }
        if (expected != LayerCompression::Detect && expected != found) {
            kind_ = found;
            throw Error(what_ + ": its media type says " + name(expected) + ", but it is " +
                        name(found) + (found == LayerCompression::None ? " (not compressed)" : ""));
        }
        kind_ = found;
        if (kind_ == LayerCompression::Gzip) {
            std::memset(&z_, 0, sizeof z_);
            if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) {
                kind_ = LayerCompression::None;
                throw Error("zlib cannot start decompressing " + what_);
            }
        } else if (kind_ == LayerCompression::Zstd) {
            zstd_ = ZSTD_createDStream();
            if (zstd_ == nullptr) {
                throw Error("libzstd cannot start decompressing " + what_);
            }
        }
    }

    static const char* name(LayerCompression c) {
        switch (c) {
        case LayerCompression::Gzip:
            return "gzip";
        case LayerCompression::Zstd:
            return "zstd";
        default:
            return "uncompressed tar";
        }
    }

    std::string_view nextPlain() {
        if (!fill()) {
            return {};
        }
        std::string_view piece(in_.data() + inPos_, inLen_ - inPos_);
        inPos_ = inLen_;
        return piece;
    }

    std::string_view nextGzip() {
        while (true) {
            if (streamEnded_) {
                // gzip allows several members one after another; anything but another
                // member after the end is not part of the layer.
                if (!fill()) {
                    return {};
                }
                if (inflateReset(&z_) != Z_OK) {
                    throw Error(what_ + ": gzip error");
                }
                streamEnded_ = false;
            }
            if (!fill()) {
                throw Error(what_ + ": the gzip stream ends early (the layer is truncated)");
            }
            z_.next_in = reinterpret_cast<Bytef*>(in_.data() + inPos_);
            z_.avail_in = static_cast<uInt>(inLen_ - inPos_);
            z_.next_out = reinterpret_cast<Bytef*>(out_.data());
            z_.avail_out = static_cast<uInt>(out_.size());
            int r = inflate(&z_, Z_NO_FLUSH);
            inPos_ = inLen_ - z_.avail_in;
            size_t produced = out_.size() - z_.avail_out;
            if (r == Z_STREAM_END) {
                streamEnded_ = true;
            } else if (r != Z_OK && r != Z_BUF_ERROR) {
                throw Error(what_ + ": corrupt gzip data (" +
                            (z_.msg != nullptr ? z_.msg : "zlib error " + std::to_string(r)) + ")");
            }
            if (produced > 0) {
                return std::string_view(out_.data(), produced);
            }
        }
    }

    std::string_view nextZstd() {
        while (true) {
            if (!fill()) {
                if (!frameDone_) {
                    throw Error(what_ + ": the zstd stream ends early (the layer is truncated)");
                }
                return {};
            }
            ZSTD_inBuffer in{in_.data(), inLen_, inPos_};
            ZSTD_outBuffer out{out_.data(), out_.size(), 0};
            size_t r = ZSTD_decompressStream(zstd_, &out, &in);
            if (ZSTD_isError(r)) {
                throw Error(what_ + ": corrupt zstd data (" + ZSTD_getErrorName(r) + ")");
            }
            inPos_ = in.pos;
            frameDone_ = r == 0;
            if (out.pos > 0) {
                return std::string_view(out_.data(), out.pos);
            }
        }
    }

    const ByteReader& read_;
    std::string what_;
    const std::function<void(uint64_t)>& progress_;
    std::string in_;
    std::string out_;
    size_t inPos_ = 0;
    size_t inLen_ = 0;
    bool eof_ = false;
    LayerCompression kind_ = LayerCompression::None;
    z_stream z_{};
    bool streamEnded_ = false;
    ZSTD_DStream* zstd_ = nullptr;
    bool frameDone_ = true;
    Sha256 storedHash_;
    Sha256 diffHash_;
    uint64_t storedBytes_ = 0;
    uint64_t tarBytes_ = 0;
};

struct ArchiveContext {
    LayerStream* stream;
    std::exception_ptr error;
};

la_ssize_t readCallback(struct archive* a, void* opaque, const void** buffer) {
    auto* ctx = static_cast<ArchiveContext*>(opaque);
    try {
        std::string_view piece = ctx->stream->next();
        *buffer = piece.data();
        return static_cast<la_ssize_t>(piece.size());
    } catch (...) {
        ctx->error = std::current_exception();
        archive_set_error(a, EIO, "layer stream failed");
        return -1;
    }
}

struct ArchiveDeleter {
    void operator()(struct archive* a) const { archive_read_free(a); }
};

} // namespace

const char* entryKindName(EntryKind kind) {
    switch (kind) {
    case EntryKind::File:
        return "file";
    case EntryKind::Directory:
        return "directory";
    case EntryKind::Symlink:
        return "symlink";
    case EntryKind::HardLink:
        return "hard link";
    case EntryKind::CharDevice:
        return "character device";
    case EntryKind::BlockDevice:
        return "block device";
    case EntryKind::Fifo:
        return "FIFO";
    case EntryKind::Socket:
        return "socket";
    case EntryKind::Whiteout:
        return "whiteout";
    case EntryKind::Opaque:
        return "opaque marker";
    }
    return "entry";
}

std::string normalizeLayerPath(const std::string& name, const std::string& what) {
    if (!name.empty() && name[0] == '/') {
        throw Error(what + ": entry \"" + name +
                    "\" has an absolute name (layer entries must be relative to the root)");
    }
    std::string out;
    size_t i = 0;
    while (i <= name.size()) {
        size_t end = name.find('/', i);
        if (end == std::string::npos) {
            end = name.size();
        }
        std::string_view part(name.data() + i, end - i);
        if (part == "..") {
            throw Error(what + ": entry \"" + name + "\" leaves the root (a \"..\" in its name)");
        }
        if (!part.empty() && part != ".") {
            if (!out.empty()) {
                out.push_back('/');
            }
            out.append(part);
        }
        i = end + 1;
    }
    return out;
}

LayerRecord readLayer(const ByteReader& read, const std::string& what, ContentSpool& spool,
                      LayerCompression expected, const std::function<void(uint64_t)>& progress) {
    LayerStream stream(read, what, expected, progress);
    ArchiveContext ctx{&stream, nullptr};
    std::unique_ptr<struct archive, ArchiveDeleter> a(archive_read_new());
    if (!a) {
        throw Error("libarchive cannot start reading " + what);
    }
    archive_read_support_format_tar(a.get());
    archive_read_support_format_empty(a.get());
    auto check = [&](int r, const char* doing) {
        if (ctx.error) {
            std::rethrow_exception(ctx.error);
        }
        if (r < ARCHIVE_WARN) {
            const char* msg = archive_error_string(a.get());
            throw Error(what + ": " + doing + ": " + (msg ? msg : "libarchive error"));
        }
    };
    check(archive_read_open(a.get(), &ctx, nullptr, readCallback, nullptr), "opening the tar");

    LayerRecord record;
    std::string buffer(kChunk, '\0');
    struct archive_entry* e = nullptr;
    while (true) {
        int r = archive_read_next_header(a.get(), &e);
        if (r == ARCHIVE_EOF) {
            break;
        }
        check(r, "reading a tar header");
        const char* rawName = archive_entry_pathname(e);
        if (rawName == nullptr) {
            throw Error(what + ": a tar entry without a name");
        }
        LayerEntry entry;
        std::string name = rawName;
        entry.path = normalizeLayerPath(name, what);
        std::string base = entry.path.substr(entry.path.rfind('/') + 1);
        std::string parent = entry.path.find('/') == std::string::npos
                                 ? ""
                                 : entry.path.substr(0, entry.path.rfind('/'));
        entry.mode = static_cast<uint32_t>(archive_entry_mode(e)) & 07777;
        auto clamp = [](la_int64_t v) {
            return static_cast<uint32_t>(v < 0 ? 0 : v > 0xffffffffLL ? 0xffffffffLL : v);
        };
        entry.uid = clamp(archive_entry_uid(e));
        entry.gid = clamp(archive_entry_gid(e));
        entry.mtime = archive_entry_mtime(e);

        if (base == ".wh..wh..opq") {
            entry.kind = EntryKind::Opaque;
            entry.path = parent;
        } else if (base.rfind(".wh..wh.", 0) == 0) {
            continue; // AUFS bookkeeping (.wh..wh.plnk, .wh..wh.aufs): not content
        } else if (base.rfind(".wh.", 0) == 0) {
            if (base.size() == 4) {
                throw Error(what + ": whiteout entry \"" + name + "\" names nothing");
            }
            entry.kind = EntryKind::Whiteout;
            entry.path = parent.empty() ? base.substr(4) : parent + "/" + base.substr(4);
        } else if (const char* link = archive_entry_hardlink(e); link != nullptr) {
            entry.kind = EntryKind::HardLink;
            entry.target = normalizeLayerPath(link, what);
            if (entry.target.empty()) {
                throw Error(what + ": hard link \"" + name + "\" points at the root");
            }
        } else {
            switch (archive_entry_filetype(e)) {
            case AE_IFREG:
                entry.kind = EntryKind::File;
                break;
            case AE_IFDIR:
                entry.kind = EntryKind::Directory;
                break;
            case AE_IFLNK: {
                entry.kind = EntryKind::Symlink;
                const char* target = archive_entry_symlink(e);
                entry.target = target != nullptr ? target : "";
                if (entry.target.empty()) {
                    throw Error(what + ": symlink \"" + name + "\" has an empty target");
                }
                break;
            }
            case AE_IFCHR:
                entry.kind = EntryKind::CharDevice;
                break;
            case AE_IFBLK:
                entry.kind = EntryKind::BlockDevice;
                break;
            case AE_IFIFO:
                entry.kind = EntryKind::Fifo;
                break;
            case AE_IFSOCK:
                entry.kind = EntryKind::Socket;
                break;
            default:
                throw Error(what + ": entry \"" + name + "\" has an unknown file type");
            }
            if (entry.kind == EntryKind::CharDevice || entry.kind == EntryKind::BlockDevice) {
                entry.rdevMajor = static_cast<uint32_t>(archive_entry_rdevmajor(e));
                entry.rdevMinor = static_cast<uint32_t>(archive_entry_rdevminor(e));
            }
        }
        if (entry.path.empty() && entry.kind != EntryKind::Directory &&
            entry.kind != EntryKind::Opaque) {
            throw Error(what + ": entry \"" + name + "\" would replace the root directory with a " +
                        entryKindName(entry.kind));
        }
        if (entry.kind == EntryKind::File) {
            entry.spoolOffset = spool.size();
            uint64_t copied = 0;
            while (true) {
                la_ssize_t n = archive_read_data(a.get(), buffer.data(), buffer.size());
                if (n == 0) {
                    break;
                }
                if (n < 0) {
                    check(static_cast<int>(n), ("reading the data of \"" + name + "\"").c_str());
                    break;
                }
                spool.append(std::string_view(buffer.data(), static_cast<size_t>(n)));
                copied += static_cast<uint64_t>(n);
            }
            if (ctx.error) {
                std::rethrow_exception(ctx.error);
            }
            entry.size = copied;
            if (archive_entry_size_is_set(e) &&
                static_cast<uint64_t>(archive_entry_size(e)) != copied) {
                throw Error(what + ": \"" + name + "\" holds " + std::to_string(copied) +
                            " bytes, its header says " + std::to_string(archive_entry_size(e)) +
                            " (the layer is truncated)");
            }
        } else {
            check(archive_read_data_skip(a.get()), "skipping entry data");
        }
        record.entries.push_back(std::move(entry));
    }
    // The rest of the stream (the end-of-archive blocks, padding) belongs to both digests.
    stream.drain();
    record.compression = stream.compressionName();
    record.digest = stream.storedDigest();
    record.diffId = stream.diffId();
    record.storedBytes = stream.storedBytes();
    record.tarBytes = stream.tarBytes();
    return record;
}

} // namespace uk::converters
