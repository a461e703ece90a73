// The readers of outside JSON: OCI index/manifest/config, docker-archive manifest.json,
// oci-layout, and /etc/passwd + /etc/group for the image's User. Each must either return a
// result or throw uk::Error; nothing else (no crash, leak, other exception).
#include <uk/converters/image_user.h>
#include <uk/converters/oci_metadata.h>
#include <uk/support/error.h>

#include <cstddef>
#include <cstdint>
#include <string>

using namespace uk::converters;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    auto guarded = [&](auto&& f) {
        try {
            f();
        } catch (const uk::Error&) {
        }
    };
    guarded([&] { (void)parseImageIndex(text, "fuzz"); });
    guarded([&] { (void)parseImageManifest(text, "fuzz"); });
    guarded([&] { (void)parseImageConfig(text, "fuzz"); });
    guarded([&] { (void)parseDockerArchiveManifest(text, "fuzz"); });
    guarded([&] { checkOciLayoutFile(text, "fuzz"); });
    guarded([&] { (void)declaredMediaType(text, "fuzz"); });
    // The same bytes as passwd and group files, with a user spec from their first line.
    size_t nl = text.find('\n');
    std::string spec = text.substr(0, nl == std::string::npos ? std::min<size_t>(size, 16) : nl);
    guarded([&] { (void)resolveImageUser(spec, text, text); });
    return 0;
}
