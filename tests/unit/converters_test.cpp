// uk convert's pieces on hand-made input: names from layers, the image's User, the JSON
// readers' errors, and the flattening rules (whiteouts, opaque directories, hard links,
// symlinked parents) — the integration test (convert.sh) runs them on real images.
#include <doctest/doctest.h>

#include <uk/converters/content_spool.h>
#include <uk/converters/image_user.h>
#include <uk/converters/layer_flattener.h>
#include <uk/converters/layer_reader.h>
#include <uk/converters/oci_metadata.h>
#include <uk/converters/sha256.h>
#include <uk/support/error.h>
#include <uk/toolchain/byte_sink.h>

#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <filesystem>
#include <string>

using namespace uk::converters;

namespace {

LayerEntry file(const std::string& path, const std::string& data, ContentSpool& spool) {
    LayerEntry e;
    e.path = path;
    e.kind = EntryKind::File;
    e.mode = 0644;
    e.size = data.size();
    e.spoolOffset = spool.append(data);
    return e;
}

LayerEntry make(const std::string& path, EntryKind kind, const std::string& target = "") {
    LayerEntry e;
    e.path = path;
    e.kind = kind;
    e.mode = kind == EntryKind::Directory ? 0755 : 0644;
    e.target = target;
    return e;
}

LayerRecord layer(std::vector<LayerEntry> entries) {
    LayerRecord r;
    r.entries = std::move(entries);
    return r;
}

std::string tmp() {
    return std::filesystem::temp_directory_path().string();
}

// A one-file tar (ustar), as a layer would hold it.
std::string tarWith(const std::string& name, const std::string& data) {
    std::string h(512, '\0');
    std::memcpy(h.data(), name.data(), name.size());
    std::snprintf(h.data() + 100, 8, "%07o", 0644);
    std::snprintf(h.data() + 108, 8, "%07o", 0);
    std::snprintf(h.data() + 116, 8, "%07o", 0);
    std::snprintf(h.data() + 124, 12, "%011o", static_cast<unsigned>(data.size()));
    std::snprintf(h.data() + 136, 12, "%011o", 0);
    h[156] = '0';
    std::memcpy(h.data() + 257,
                "ustar\0"
                "00",
                8);
    std::memset(h.data() + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : h) {
        sum += c;
    }
    std::snprintf(h.data() + 148, 8, "%06o", sum);
    std::string out = h + data;
    out.resize((out.size() + 511) / 512 * 512, '\0');
    out.append(1024, '\0');
    return out;
}

std::string gzip(const std::string& data) {
    z_stream z{};
    deflateInit2(&z, 9, Z_DEFLATED, 16 + 15, 9, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&z, data.size()) + 64, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

ByteReader readerOf(const std::string& bytes, size_t& pos) {
    return [&bytes, &pos](char* buf, size_t cap) {
        size_t n = std::min(cap, bytes.size() - pos);
        std::memcpy(buf, bytes.data() + pos, n);
        pos += n;
        return n;
    };
}

} // namespace

TEST_CASE("layer names: ./ and slashes go, .. and absolute names are refused") {
    CHECK(normalizeLayerPath("./usr//bin/", "l") == "usr/bin");
    CHECK(normalizeLayerPath("./", "l").empty());
    CHECK(normalizeLayerPath("a/./b", "l") == "a/b");
    CHECK_THROWS_WITH_AS(normalizeLayerPath("../../evil", "layer 2"),
                         doctest::Contains("leaves the root"), uk::Error);
    CHECK_THROWS_AS(normalizeLayerPath("a/../../b", "l"), uk::Error);
    CHECK_THROWS_WITH_AS(normalizeLayerPath("/etc/evil", "l"), doctest::Contains("absolute"),
                         uk::Error);
}

TEST_CASE("the image's User resolves as Docker does") {
    const std::string passwd = "root:x:0:0:root:/root:/bin/sh\n"
                               "app:x:1234:1234::/home/app:/bin/sh\n"
                               "broken line\n";
    const std::string group = "root:x:0:\napp:x:1234:\nextra:x:2000:app,root\nother:x:3000:\n";
    ResolvedUser r = resolveImageUser("app", passwd, group);
    CHECK(r.uid == 1234);
    CHECK(r.gid == 1234);
    CHECK(r.groups == std::vector<uint32_t>{1234, 2000});
    CHECK(r.home == "/home/app");

    r = resolveImageUser("", passwd, group);
    CHECK(r.uid == 0);
    CHECK(r.home == "/root");
    CHECK(r.groups == std::vector<uint32_t>{0, 2000});

    r = resolveImageUser("app:other", passwd, group); // a group given: only that group
    CHECK(r.gid == 3000);
    CHECK(r.groups == std::vector<uint32_t>{3000});

    r = resolveImageUser("4321", passwd, group); // need not exist
    CHECK(r.uid == 4321);
    CHECK(r.gid == 0);
    CHECK(r.home == "/");

    r = resolveImageUser("1234:55", std::nullopt, std::nullopt);
    CHECK(r.uid == 1234);
    CHECK(r.gid == 55);

    CHECK_THROWS_WITH_AS(resolveImageUser("nobody", passwd, group),
                         doctest::Contains("unable to find user nobody"), uk::Error);
    CHECK_THROWS_WITH_AS(resolveImageUser("app:nogroup", passwd, group),
                         doctest::Contains("unable to find group nogroup"), uk::Error);
}

TEST_CASE("image JSON is read strictly, with the field named in errors") {
    const std::string digest = "sha256:" + std::string(64, 'a');
    ImageManifest m = parseImageManifest(
        R"({"schemaVersion":2,"config":{"mediaType":"c","digest":")" + digest +
            R"(","size":3},"layers":[{"mediaType":"l","digest":")" + digest + R"(","size":4}]})",
        "m");
    CHECK(m.layers.size() == 1);
    CHECK(m.layers[0].size == 4);
    CHECK_THROWS_WITH_AS(parseImageManifest("{", "the manifest"),
                         doctest::Contains("the manifest: not valid JSON"), uk::Error);
    CHECK_THROWS_WITH_AS(
        parseImageManifest(
            R"({"config":{"mediaType":"c","digest":"sha256:12","size":3},"layers":[]})", "m"),
        doctest::Contains("config.digest"), uk::Error);
    CHECK_THROWS_WITH_AS(parseImageConfig(R"({"architecture":"amd64","os":"linux"})", "cfg"),
                         doctest::Contains("\"rootfs\" is missing"), uk::Error);
    CHECK_THROWS_WITH_AS(
        parseImageConfig(
            R"({"architecture":"amd64","os":"linux","config":{"Env":"A=b"},"rootfs":{"type":"layers","diff_ids":[]}})",
            "cfg"),
        doctest::Contains("config.Env: expected an array"), uk::Error);
    ImageConfigDocument c = parseImageConfig(
        R"({"architecture":"amd64","os":"linux","config":{"User":"app","Entrypoint":null,"ExposedPorts":{"80/tcp":{},"53/udp":{}},"Labels":{"a":"b"}},"rootfs":{"type":"layers","diff_ids":[")" +
            digest + R"("]}})",
        "cfg");
    CHECK(c.config.user == "app");
    CHECK(c.config.entrypoint.empty());
    CHECK(c.config.exposedPorts == std::vector<std::string>{"53/udp", "80/tcp"});
    CHECK(c.config.labels.at("a") == "b");
    CHECK_THROWS_AS(parseDockerArchiveManifest("[]", "manifest.json"), uk::Error);
    CHECK_THROWS_AS(checkOciLayoutFile(R"({"imageLayoutVersion":"2.0.0"})", "oci-layout"),
                    uk::Error);
}

TEST_CASE("flattening: whiteouts, opaque directories, replacements") {
    ContentSpool spool(tmp());
    LayerFlattener f(spool);
    f.apply(layer({make("d", EntryKind::Directory), file("d/old", "old", spool),
                   file("d/keep", "keep", spool), make("o", EntryKind::Directory),
                   file("o/lower", "lower", spool), file("gone", "gone", spool),
                   make("x", EntryKind::Directory), file("x/inner", "i", spool)}),
            "layer 1");
    // The opaque marker comes after an entry of its own layer, which must survive.
    f.apply(layer({file("o/new", "new", spool), make("o", EntryKind::Opaque),
                   make("gone", EntryKind::Whiteout), file("d/old", "newer", spool),
                   file("x", "x is a file now", spool)}),
            "layer 2");
    CHECK(f.readFile("/o/new") == "new");
    CHECK_FALSE(f.readFile("/o/lower").has_value());
    CHECK_FALSE(f.readFile("/gone").has_value());
    CHECK(f.readFile("/d/old") == "newer");
    CHECK(f.readFile("/d/keep") == "keep");
    CHECK(f.readFile("/x") == "x is a file now");
    CHECK_FALSE(f.readFile("/x/inner").has_value());

    uk::toolchain::StringSink sink;
    uint64_t planned = f.archiveSize();
    f.write(sink);
    CHECK(sink.str().size() == planned);
    CHECK(sink.str().rfind("070701", 0) == 0);
}

TEST_CASE("flattening: hard links share data until a later layer rewrites a name") {
    ContentSpool spool(tmp());
    LayerFlattener f(spool);
    f.apply(layer({file("a", "v1", spool), make("b", EntryKind::HardLink, "a")}), "layer 1");
    RootfsStats s = f.stats();
    CHECK(s.files == 1);
    CHECK(s.hardLinks == 1);
    f.apply(layer({file("a", "v2", spool)}), "layer 2");
    CHECK(f.readFile("/a") == "v2");
    CHECK(f.readFile("/b") == "v1");
    CHECK(f.stats().hardLinks == 0);
    CHECK_THROWS_WITH_AS(f.apply(layer({make("c", EntryKind::HardLink, "missing")}), "layer 3"),
                         doctest::Contains("not in the image"), uk::Error);
}

TEST_CASE("flattening: nothing is written through a symlinked parent") {
    ContentSpool spool(tmp());
    LayerFlattener f(spool);
    f.apply(
        layer({make("esc", EntryKind::Symlink, "/tmp"), make("etc", EntryKind::Directory),
               make("etc/alt", EntryKind::Symlink, "/etc/real"), file("etc/real", "real", spool)}),
        "layer 1");
    CHECK(f.readFile("/etc/alt") == "real"); // absolute targets stay inside the image
    CHECK_THROWS_WITH_AS(f.apply(layer({file("esc/pwned", "x", spool)}), "layer 2"),
                         doctest::Contains("through the symlink \"esc\""), uk::Error);
    CHECK_THROWS_AS(f.apply(layer({make("esc/x", EntryKind::Whiteout)}), "layer 3"), uk::Error);
    f.ensureDirectory("/work/dir");
    CHECK(f.stats().directories == 4);
}

TEST_CASE("a layer's two digests, and a truncated gzip layer") {
    const std::string tar = tarWith("hello.txt", "hello\n");
    const std::string gz = gzip(tar);
    ContentSpool spool(tmp());
    size_t pos = 0;
    LayerRecord r = readLayer(readerOf(gz, pos), "layer 1", spool, LayerCompression::Gzip);
    CHECK(r.compression == "gzip");
    CHECK(r.digest == Sha256::of(gz));
    CHECK(r.diffId == Sha256::of(tar));
    REQUIRE(r.entries.size() == 1);
    CHECK(r.entries[0].path == "hello.txt");
    CHECK(spool.read(r.entries[0].spoolOffset, r.entries[0].size) == "hello\n");

    const std::string cut = gz.substr(0, gz.size() / 2);
    pos = 0;
    CHECK_THROWS_WITH_AS(readLayer(readerOf(cut, pos), "layer 2", spool),
                         doctest::Contains("layer 2"), uk::Error);
    pos = 0;
    CHECK_THROWS_WITH_AS(readLayer(readerOf(tar, pos), "layer 3", spool, LayerCompression::Gzip),
                         doctest::Contains("media type says gzip"), uk::Error);
}

TEST_CASE("a zstd layer, and sockets left out with their names") {
    const std::string tar = tarWith("etc/zz", "zstd data\n");
    std::string z(ZSTD_compressBound(tar.size()), '\0');
    z.resize(ZSTD_compress(z.data(), z.size(), tar.data(), tar.size(), 3));
    ContentSpool spool(tmp());
    size_t pos = 0;
    LayerRecord r = readLayer(readerOf(z, pos), "layer 1", spool, LayerCompression::Zstd);
    CHECK(r.compression == "zstd");
    CHECK(r.digest == Sha256::of(z));
    CHECK(r.diffId == Sha256::of(tar));
    REQUIRE(r.entries.size() == 1);
    const std::string cut = z.substr(0, z.size() - 4);
    pos = 0;
    CHECK_THROWS_WITH_AS(readLayer(readerOf(cut, pos), "layer 2", spool), doctest::Contains("zstd"),
                         uk::Error);

    LayerFlattener f(spool);
    f.apply(r, "layer 1");
    f.apply(layer({make("run", EntryKind::Directory), make("run/app.sock", EntryKind::Socket)}),
            "layer 2");
    CHECK(f.dropped() == std::vector<std::string>{"run/app.sock"});
    CHECK(f.readFile("/etc/zz") == "zstd data\n");
}
