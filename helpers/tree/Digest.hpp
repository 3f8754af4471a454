#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace e2e {

enum class DigestAlgorithm {
    Sha256,    // the default: what sha256sum prints, and what reports show
    Xxh3_128,  // non-cryptographic, ~10x faster: for very large trees (corruption, not attackers)
};
std::string toString(DigestAlgorithm a);

// Digest of a file's content (large sequential reads), lowercase hex.
std::string digestFile(const std::filesystem::path& p, DigestAlgorithm a);
std::string sha256File(const std::filesystem::path& p);
std::string sha256(std::string_view data);
// FNV-1a, for deriving seeds from names (not for content).
std::uint64_t fnv1a64(std::string_view s);

}  // namespace e2e
