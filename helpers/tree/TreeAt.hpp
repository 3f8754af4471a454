#pragma once
// Trees deeper than PATH_MAX (4096 bytes): the kernel refuses such a path
// whole (ENAMETOOLONG), so every call here is relative to an open directory
// (openat, fstatat, readlinkat, ...), as real trees copied by *at-aware tools
// can hold them.
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <sys/stat.h>

namespace e2e {

// open(2) of a path of any length: whole when the kernel takes it, else one
// component at a time (symlinks on the way followed as open(2) would, the last
// one as `flags` say). Returns -1 with errno set.
int openLong(const std::filesystem::path& p, int flags, unsigned mode = 0);

// One entry met by walkAt: `dirfd` is its open parent, `rel` its '/'-separated
// path under the root, `st` its own stat (symlinks not followed).
struct EntryAt {
    int dirfd;
    const std::string& name;
    const std::string& rel;
    const struct stat& st;
};

// Every entry under root, parents before their children, without following
// symlinks; names in `ignore` are skipped wherever they appear. Throws with the
// path on an error.
void walkAt(const std::filesystem::path& root, const std::function<void(const EntryAt&)>& fn,
            const std::set<std::string>& ignore = {});

}  // namespace e2e
