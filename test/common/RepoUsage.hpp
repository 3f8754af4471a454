#pragma once
// What a repository's files on this machine hold: the tool's packs
// (Capabilities::pack_objects) apart from everything else it keeps (config,
// keys, indexes, snapshot records, logs: its metadata).
#include <cstdint>
#include <filesystem>
#include <string>

namespace e2e {

struct RepoUsage {
    std::uint64_t pack_bytes = 0, packs = 0;
    std::uint64_t metadata_bytes = 0, metadata_files = 0;
};

// pack_objects: an ECMAScript regex searched in each file's path relative to `repo`.
RepoUsage repoUsage(const std::filesystem::path& repo, const std::string& pack_objects);

// The repository by top-level entry, largest first (at most `max`): "data 3 MiB in 2 file(s), ...".
std::string largestEntries(const std::filesystem::path& repo, std::size_t max = 6);

}  // namespace e2e
