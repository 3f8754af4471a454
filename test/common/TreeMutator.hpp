#pragma once
// Seeded changes to a data tree between backups (the robustness engine's file
// writer and the generations' mutations): the same seed and the same tree give
// the same changes, because every choice is made over a sorted listing.
// Each call returns what it did (one short line, for the action log).
#include "tree/Corpus.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace e2e {

namespace fs = std::filesystem;

class TreeMutator {
public:
    TreeMutator(fs::path root, std::uint64_t seed);
    const fs::path& root() const { return root_; }

    // Kopia's file writer: `count` new files of up to `max_bytes` under a random
    // (possibly new) subdirectory, at most `max_depth` below the root.
    std::string writeFiles(int count, std::uint64_t max_bytes, int max_depth = 3);
    std::string deleteSubdir();              // a random subdirectory, with all it holds
    std::string deletePercent(int percent);  // that share of the regular files
    std::string modifyInPlace(int count);    // overwrite a random range of existing files
    std::string append(int count);
    std::string truncate(int count);  // to a random shorter length (0 included)
    std::string rename(int count);    // files and dirs, within the tree
    std::string changeModes(int count);
    // A regular file replaced by a symlink (to a sibling) and, where one is
    // there already, a symlink replaced by a regular file again.
    std::string swapSymlink();
    // One generation of the generations scenario: every kind of change above, once or more.
    std::string mutateGeneration();

    // A file no change touches (an empty tree is a snapshot some tools refuse:
    // restic "snapshot is empty"); it is left out of files().
    void keep(const fs::path& relative);
    // Regular files / dirs under the root, relative and sorted.
    std::vector<fs::path> files() const;
    std::vector<fs::path> dirs() const;

private:
    fs::path root_;
    Rng rng_;
    unsigned serial_ = 0;
    std::vector<fs::path> kept_;
    std::vector<fs::path> symlinks() const;
    fs::path pick(const std::vector<fs::path>& v);
    std::string newName(const std::string& stem);
    void writeRandom(const fs::path& p, std::uint64_t bytes, bool append = false);
    // `count` picks among files() (repeats allowed), each changed by `change`, which says what it did ("" for nothing)
    std::string changePicked(int count, const std::string& verb,
                             const std::function<std::string(const fs::path&)>& change);
};

}  // namespace e2e
