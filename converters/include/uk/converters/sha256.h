// SHA-256 for content digests ("sha256:<64 hex digits>", the OCI and Docker form), through
// OpenSSL's libcrypto (which uses the CPU's SHA extensions where there are some).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace uk::converters {

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(const void* data, size_t size);
    void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
    // "sha256:" and the 64 lower-case hex digits of everything given; ends this hash.
    std::string digest();

    static std::string of(std::string_view bytes);

private:
    void* ctx_; // EVP_MD_CTX
};

// Whether `digest` is "sha256:" followed by exactly 64 lower-case hex digits.
bool isSha256Digest(std::string_view digest);

// The hex digits of a "sha256:<hex>" digest.
inline std::string digestHex(const std::string& digest) {
    return digest.substr(digest.find(':') + 1);
}

} // namespace uk::converters
