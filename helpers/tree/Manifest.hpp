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
    unsigned mode = 0;  // permission and special bits (07777)
    unsigned uid = 0, gid = 0;
    std::uint64_t size = 0;      // regular files only
    std::int64_t mtime_ns = 0;   // every type; nanoseconds since the epoch
    std::string digest;          // content digest (hex, ManifestOptions::digest); regular files only
    std::string link_target;     // symlinks only
    std::string hardlink_group;  // first path (sorted) of its inode's names; empty when single-linked
    // only when ManifestOptions::xattrs; without the ACLs and the LSM labels (security.selinux, ...)
    std::map<std::string, std::string> xattrs;
    std::string acl_access, acl_default;  // canonicalAcl text; "" = none (or a minimal access ACL)
};

struct ManifestOptions {
    std::set<std::string> ignore_names{};  // skipped wherever they appear (e.g. ".zfs")
    bool xattrs = true;                    // xattrs and POSIX ACLs
    // find how finely the root's filesystem keeps mtimes by setting the root's
    // own mtime (restored at once; compare never looks at the root)
    bool probe_mtime_granularity = true;
    DigestAlgorithm digest = DigestAlgorithm::Sha256;
    unsigned threads = 0;  // hashing threads; 0 = all cores
};

struct Manifest {
    fs::path root;
    std::map<std::string, Entry> entries;  // key: path relative to root, '/'-separated, raw bytes
    std::uint64_t total_bytes = 0;         // sum of regular file sizes
    DigestAlgorithm digest = DigestAlgorithm::Sha256;
    std::int64_t mtime_granularity_ns = 1;  // what the filesystem keeps (1 when not probed or not probeable)

    static Manifest build(const fs::path& root, const ManifestOptions& opt = {});
    // Seconds this process has spent in build() so far (a measurement of the suite's own cost).
    static double secondsBuilding();
    std::size_t count(EntryType t) const;
};

enum class DiffKind { Missing, Extra, Type, Content, Size, Mode, Owner, Mtime, LinkTarget, HardlinkSplit, Xattr, Acl };
std::string toString(DiffKind k);

// Mtime differences carry both values in nanoseconds since the epoch.
struct Difference {
    DiffKind kind;
    std::string path;
    std::string expected, actual;
    std::string describe() const;  // printable, with unprintable bytes escaped
};

// How much of an mtime must match: the restored value may be the source's cut
// down or rounded up to that unit, nothing further off. Nanoseconds still means "as finely as both
// filesystems keep it" (Manifest::mtime_granularity_ns).
enum class MtimePrecision { Nanoseconds, Microseconds, Seconds, Ignored };
std::string toString(MtimePrecision p);

// What a tool is known not to preserve; each tolerance is named in reports.
struct CompareOptions {
    bool hardlinks = true;
    MtimePrecision file_mtime = MtimePrecision::Nanoseconds;  // regular files, FIFOs and other special files
    MtimePrecision dir_mtime = MtimePrecision::Nanoseconds;
    MtimePrecision symlink_mtime = MtimePrecision::Nanoseconds;
    bool owner = true;
    bool xattrs = true;     // user.*, trusted.*, security.capability (not the ACLs)
    bool acls = true;       // system.posix_acl_access / _default, compared as ACLs
    bool raw_names = true;  // false: compare names after lossyUtf8 (a tool that keeps names as UTF-8 text)
    // types the tool does not store at all: tolerated only when the restore has
    // nothing at that path (something else in its place is a Type difference)
    std::set<EntryType> skip_types{};
};

std::vector<Difference> compare(const Manifest& expected, const Manifest& actual, const CompareOptions& opt = {});

}  // namespace e2e
