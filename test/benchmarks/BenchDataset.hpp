#pragma once
// The tool benchmark's dataset: two generations of the same data, as vykar's
// testbench wants them (`snapshot-1/`, `snapshot-2/`). Either the user's own
// (`benchmarks.dataset`) or the corpus generator's output for the profile,
// snapshot-2 being snapshot-1 changed by a seeded churn (files added, deleted,
// modified in place, renamed), cached under <runtime>/cache/ by its recipe.
#include "config/Settings.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

namespace e2e {

struct BenchDataset {
    fs::path root, snapshot1, snapshot2;
    std::uint64_t bytes1 = 0, bytes2 = 0;  // apparent bytes of regular files
    std::uint64_t files1 = 0, files2 = 0;
    bool generated = false;
    nlohmann::json facts;  // what it is, for the reports (recipe, churn counts, sizes)
    std::string describe() const;
};

// The corpus recipe of a profile (ci: tens of MiB; standard: ~2 GiB; full: ~20 GiB).
CorpusProfile benchCorpusProfile(Profile p);

// The configured dataset, or the generated one (made once per recipe; later runs reuse it).
BenchDataset benchDataset(const Config& c, const fs::path& runtime);

// snapshot-2 from a copy of snapshot-1: seeded deletes, renames, in-place
// modifications and additions. Returns the counts (deleted, renamed, modified, added, added_bytes).
nlohmann::json churnTree(const fs::path& dir, std::uint64_t seed);

}  // namespace e2e
