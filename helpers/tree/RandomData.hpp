#pragma once
// One writer of seeded random files, for the corpus, the mutator and the scenarios that add data.
#include "tree/Corpus.hpp"

#include <cstdint>
#include <filesystem>

namespace e2e {

struct RandomFileOptions {
    bool append = false;             // add to the end instead of replacing the file
    bool half_compressible = false;  // every other 4 KiB block is one repeated letter: compresses to about half
};

// Writes `bytes` of rng's output to path in 64 KiB chunks (memory stays small); throws when the write fails.
// The same rng state gives the same bytes, whatever the caller.
void writeRandomFile(const std::filesystem::path& path, std::uint64_t bytes, Rng& rng, RandomFileOptions o = {});

// Damage on purpose: `n` bytes of `file` from offset `at` inverted in place (its size kept; fewer where the file
// ends first; made writable for its owner first). Returns how many were flipped; throws std::runtime_error when the
// file cannot be rewritten.
std::size_t flipBytes(const std::filesystem::path& file, std::uint64_t at, std::size_t n);

}  // namespace e2e
