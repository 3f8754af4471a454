#pragma once
// A manifest of a tree, walked without following links, and the comparison of
// two manifests that lists every difference by kind. An empty list is the only
// pass. The root entry itself is not compared (the restore target is made by
// whoever restores).
#include "text/Text.hpp"
#include "tree/Digest.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace e2e {

namespace fs = std::filesystem;

enum class EntryType { File, Dir, Symlink, Fifo, Socket, CharDev, BlockDev };
std::string toString(EntryType t);

struct Entry {
    EntryType type = EntryType::File;
    unsigned mode = 0;              // permission and special bits (07777)
    unsigned uid = 0, gid = 0;
    std::uint64_t size = 0;         // regular files only
    std::int64_t mtime = 0;         // seconds; regular files only
    std::string digest;             // content digest (hex, ManifestOptions::digest); regular files only
    std::string link_target;        // symlinks only
    std::string hardlink_group;     // first path (sorted) of its inode's names; empty when single-linked
    std::map<std::string, std::string> xattrs;   // only when ManifestOptions::xattrs
};

struct ManifestOptions {
    std::set<std::string> ignore_names{};   // skipped wherever they appear (e.g. ".zfs")
    bool xattrs = false;
    DigestAlgorithm digest = DigestAlgorithm::Sha256;
    unsigned threads = 0;                    // hashing threads; 0 = all cores
};

struct Manifest {
    fs::path root;
    std::map<std::string, Entry> entries;    // key: path relative to root, '/'-separated, raw bytes
    std::uint64_t total_bytes = 0;           // sum of regular file sizes
    DigestAlgorithm digest = DigestAlgorithm::Sha256;

    static Manifest build(const fs::path& root, const ManifestOptions& opt = {});
    std::size_t count(EntryType t) const;
};

enum class DiffKind { Missing, Extra, Type, Content, Size, Mode, Owner, Mtime, LinkTarget, HardlinkSplit, Xattr };
std::string toString(DiffKind k);

struct Difference {
    DiffKind kind;
    std::string path;
    std::string expected, actual;
    std::string describe() const;   // printable, with unprintable bytes escaped
};

// What a tool is known not to preserve; each tolerance is named in reports.
struct CompareOptions {
    bool hardlinks = true;
    bool mtime = true;
    bool owner = true;
    bool xattrs = false;
    bool raw_names = true;              // false: compare names after lossyUtf8 (a tool that keeps names as UTF-8 text)
    std::set<EntryType> skip_types{};   // types the tool does not store at all
};

std::vector<Difference> compare(const Manifest& expected, const Manifest& actual, const CompareOptions& opt = {});

}  // namespace e2e
