#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace e2e {

// SHA-256 of a file's content (large sequential reads), lowercase hex.
std::string sha256File(const std::filesystem::path& p);
std::string sha256(std::string_view data);
// FNV-1a, for deriving seeds from names (not for content).
std::uint64_t fnv1a64(std::string_view s);

}  // namespace e2e
