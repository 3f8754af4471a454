#include "tree/Manifest.hpp"

#include "tree/Acl.hpp"
#include "tree/Digest.hpp"
#include "tree/TreeAt.hpp"

#include <algorithm>
#include <climits>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <thread>
#include <unistd.h>

namespace e2e {

std::string toString(EntryType t) {
    switch (t) {
        case EntryType::File:
            return "file";
        case EntryType::Dir:
            return "dir";
        case EntryType::Symlink:
            return "symlink";
        case EntryType::Fifo:
            return "fifo";
        case EntryType::Socket:
            return "socket";
        case EntryType::CharDev:
            return "chardev";
        case EntryType::BlockDev:
            return "blockdev";
    }
    return "?";
}

std::string toString(DiffKind k) {
    switch (k) {
        case DiffKind::Missing:
            return "missing";
        case DiffKind::Extra:
            return "extra";
        case DiffKind::Type:
            return "type";
        case DiffKind::Content:
            return "content";
        case DiffKind::Size:
            return "size";
        case DiffKind::Mode:
            return "mode";
        case DiffKind::Owner:
            return "owner";
        case DiffKind::Mtime:
            return "mtime";
        case DiffKind::LinkTarget:
            return "link-target";
        case DiffKind::HardlinkSplit:
            return "hardlink-split";
        case DiffKind::Xattr:
            return "xattr";
        case DiffKind::Acl:
            return "acl";
    }
    return "?";
}

std::string toString(MtimePrecision p) {
    switch (p) {
        case MtimePrecision::Nanoseconds:
            return "nanoseconds";
        case MtimePrecision::Microseconds:
            return "microseconds";
        case MtimePrecision::Seconds:
            return "whole seconds";
        case MtimePrecision::Ignored:
            return "not compared";
    }
    return "?";
}

std::string Difference::describe() const {
    std::string s = toString(kind) + ": " + printable(path);
    if (!expected.empty() || !actual.empty())
        s += " (expected " + printable(expected) + ", got " + printable(actual) + ")";
    return s;
}

std::size_t Manifest::count(EntryType t) const {
    return std::count_if(entries.begin(), entries.end(), [t](const auto& kv) { return kv.second.type == t; });
}

namespace {

constexpr std::int64_t kNsPerSecond = 1000000000;

// Sets the root's mtime to an odd second and .999999999, reads back what the
// filesystem kept, and puts the old mtime back. 1 when the root cannot be set.
std::int64_t probeMtimeGranularity(const fs::path& root, const struct stat& before) {
    const struct timespec probe[2] = {{0, UTIME_OMIT}, {before.st_mtim.tv_sec | 1, kNsPerSecond - 1}};
    if (utimensat(AT_FDCWD, root.c_str(), probe, AT_SYMLINK_NOFOLLOW) != 0) return 1;
    struct stat after {};
    int rc = lstat(root.c_str(), &after);
    const struct timespec restore[2] = {{0, UTIME_OMIT}, before.st_mtim};
    utimensat(AT_FDCWD, root.c_str(), restore, AT_SYMLINK_NOFOLLOW);
    if (rc != 0) return 1;
    const std::int64_t lost = (std::int64_t(probe[1].tv_sec) * kNsPerSecond + probe[1].tv_nsec) -
                              (std::int64_t(after.st_mtim.tv_sec) * kNsPerSecond + after.st_mtim.tv_nsec);
    for (std::int64_t g = 1; g <= kNsPerSecond; g *= 10)
        if (lost >= 0 && lost < g) return g;
    return lost >= 0 && lost < 2 * kNsPerSecond ? 2 * kNsPerSecond : 1;  // FAT keeps even seconds
}

struct Walker {
    const ManifestOptions& opt;
    Manifest& m;
    std::vector<std::pair<std::string, std::uint64_t>> files;            // rel path, size
    std::map<std::pair<dev_t, ino_t>, std::vector<std::string>> inodes;  // multi-linked files

    // labels the system's security module sets, not data a backup carries
    static bool isLsmLabel(const std::string& name) {
        return name == "security.selinux" || name == "security.apparmor" || name == "security.ima" ||
               name == "security.evm" || name.rfind("security.SMACK64", 0) == 0;
    }

    // by path while the kernel takes it whole; deeper, through an O_PATH handle
    // (/proc/self/fd/N names the entry itself, a symlink included)
    void readXattrs(const EntryAt& at, const std::string& abs, Entry& e) {
        int fd = -1;
        std::string path = abs;
        if (abs.size() >= PATH_MAX) {
            fd = openat(at.dirfd, at.name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) throw std::runtime_error("cannot open " + printable(abs) + ": " + strerror(errno));
            path = "/proc/self/fd/" + std::to_string(fd);
        }
        auto list = fd < 0 ? llistxattr : listxattr;
        auto get = fd < 0 ? lgetxattr : getxattr;
        ssize_t n = list(path.c_str(), nullptr, 0);
        std::string names(size_t(std::max<ssize_t>(n, 0)), '\0');
        if (n > 0) n = list(path.c_str(), names.data(), names.size());
        for (std::size_t p = 0; n > 0 && p < size_t(n);) {
            std::string name(names.c_str() + p);
            p += name.size() + 1;
            if (isLsmLabel(name)) continue;
            ssize_t v = get(path.c_str(), name.c_str(), nullptr, 0);
            std::string val(v > 0 ? size_t(v) : 0, '\0');
            if (v > 0) {
                v = get(path.c_str(), name.c_str(), val.data(), val.size());
                val.resize(v > 0 ? size_t(v) : 0);
            }
            bool access = name == kAclAccessXattr, dflt = name == kAclDefaultXattr;
            if (!access && !dflt) {
                e.xattrs[name] = val;
                continue;
            }
            auto acl = canonicalAcl(val, dflt);
            (access ? e.acl_access : e.acl_default) =
                acl ? *acl : "not a valid ACL (" + std::to_string(val.size()) + " bytes)";
        }
        if (fd >= 0) close(fd);
    }

    void add(const EntryAt& at, const std::string& root) {
        const struct stat& st = at.st;
        const std::string& crel = at.rel;
        Entry e;
        e.mode = st.st_mode & 07777;
        e.uid = st.st_uid;
        e.gid = st.st_gid;
        e.mtime_ns = std::int64_t(st.st_mtim.tv_sec) * kNsPerSecond + st.st_mtim.tv_nsec;
        if (S_ISREG(st.st_mode)) {
            e.type = EntryType::File;
            e.size = std::uint64_t(st.st_size);
            files.emplace_back(crel, e.size);
            m.total_bytes += e.size;
            if (st.st_nlink > 1) inodes[{st.st_dev, st.st_ino}].push_back(crel);
        } else if (S_ISDIR(st.st_mode))
            e.type = EntryType::Dir;
        else if (S_ISLNK(st.st_mode)) {
            e.type = EntryType::Symlink;
            std::string t(size_t(st.st_size) + 1, '\0');
            ssize_t r = readlinkat(at.dirfd, at.name.c_str(), t.data(), t.size());
            t.resize(r > 0 ? size_t(r) : 0);
            e.link_target = t;
        } else if (S_ISFIFO(st.st_mode))
            e.type = EntryType::Fifo;
        else if (S_ISSOCK(st.st_mode))
            e.type = EntryType::Socket;
        else if (S_ISCHR(st.st_mode))
            e.type = EntryType::CharDev;
        else
            e.type = EntryType::BlockDev;
        if (opt.xattrs) readXattrs(at, root + "/" + crel, e);
        m.entries.emplace(crel, std::move(e));
    }
};

std::atomic<std::int64_t>& buildNanoseconds() {
    static std::atomic<std::int64_t> ns{0};
    return ns;
}

// adds the time from its construction to its end to buildNanoseconds()
struct BuildTimer {
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    ~BuildTimer() {
        buildNanoseconds() +=
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
    }
};

}  // namespace

double Manifest::secondsBuilding() {
    return static_cast<double>(buildNanoseconds().load()) / 1e9;
}

Manifest Manifest::build(const fs::path& root, const ManifestOptions& opt) {
    const BuildTimer timer;
    Manifest m;
    m.root = root;
    m.digest = opt.digest;
    struct stat st {};
    if (lstat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        throw std::runtime_error("manifest root is not a directory: " + printable(root.string()));
    if (opt.probe_mtime_granularity) m.mtime_granularity_ns = probeMtimeGranularity(root, st);
    Walker w{opt, m, {}, {}};
    walkAt(
        root, [&](const EntryAt& at) { w.add(at, root.string()); }, opt.ignore_names);
    for (auto& [ino, paths] : w.inodes) {
        if (paths.size() < 2) continue;  // other names outside the tree
        std::sort(paths.begin(), paths.end());
        for (const auto& p : paths) m.entries[p].hardlink_group = paths.front();
    }
    // hash the biggest first so the threads finish together
    std::sort(w.files.begin(), w.files.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    unsigned n = opt.threads ? opt.threads : std::max(1u, std::thread::hardware_concurrency());
    std::atomic<std::size_t> next{0};
    std::mutex err_mu;
    std::string error;
    std::vector<std::string> digests(w.files.size());
    auto work = [&] {
        for (std::size_t i; (i = next++) < w.files.size();) {
            try {
                digests[i] = digestFile(root / w.files[i].first, opt.digest);
            } catch (const std::exception& e) {
                std::lock_guard<std::mutex> l(err_mu);
                if (error.empty()) error = e.what();
            }
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < n; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (!error.empty()) throw std::runtime_error(error);
    for (std::size_t i = 0; i < w.files.size(); ++i) m.entries[w.files[i].first].digest = std::move(digests[i]);
    return m;
}

namespace {

std::string oct(unsigned mode) {
    std::ostringstream s;
    s << std::oct << mode;
    return "0" + s.str();
}

}  // namespace

namespace {

Manifest lossyNames(const Manifest& m) {
    Manifest out;
    out.root = m.root;
    out.total_bytes = m.total_bytes;
    out.digest = m.digest;
    for (const auto& [k, e] : m.entries) {
        Entry x = e;
        if (!x.hardlink_group.empty()) x.hardlink_group = lossyUtf8(x.hardlink_group);
        out.entries.emplace(lossyUtf8(k), std::move(x));
    }
    return out;
}

}  // namespace

namespace {

// floor division: a pre-1970 mtime rounds the same way as a later one
std::int64_t floorDiv(std::int64_t v, std::int64_t g) {
    return v / g - ((v % g) != 0 && v < 0);
}

std::string shortValue(const std::string& v) {
    std::string p = printable(v.size() > 48 ? v.substr(0, 48) : v);
    return "'" + p + (v.size() > 48 ? "...' (" + std::to_string(v.size()) + " bytes)" : "'");
}

std::string aclOrNone(const std::string& kind, const std::string& acl) {
    return kind + " " + (acl.empty() ? "none" : acl);
}

// the precision an entry's mtime is compared at, by its type
MtimePrecision mtimePrecision(const CompareOptions& opt, EntryType t) {
    return t == EntryType::Dir ? opt.dir_mtime : t == EntryType::Symlink ? opt.symlink_mtime : opt.file_mtime;
}

// y's mtime is not x's as kept at precision p on filesystems that keep fs_granularity ns
bool mtimeDiffers(const Entry& x, const Entry& y, MtimePrecision p, std::int64_t fs_granularity) {
    const std::int64_t unit = p == MtimePrecision::Seconds        ? kNsPerSecond
                              : p == MtimePrecision::Microseconds ? 1000
                                                                  : 1;
    const std::int64_t g = std::max(fs_granularity, unit);
    // the source's value cut down or rounded up to the unit (Go's NsecToTimeval rounds up)
    const std::int64_t kept = floorDiv(y.mtime_ns, g);
    return kept != floorDiv(x.mtime_ns, g) && kept != floorDiv(x.mtime_ns + g - 1, g);
}

// one difference per name: dropped, changed or added
void compareXattrs(const std::string& path, const Entry& x, const Entry& y, std::vector<Difference>& d) {
    for (const auto& [k, v] : x.xattrs) {
        auto it = y.xattrs.find(k);
        if (it == y.xattrs.end())
            d.push_back({DiffKind::Xattr, path, k + "=" + shortValue(v), k + " absent"});
        else if (it->second != v)
            d.push_back({DiffKind::Xattr, path, k + "=" + shortValue(v), k + "=" + shortValue(it->second)});
    }
    for (const auto& [k, v] : y.xattrs)
        if (!x.xattrs.count(k)) d.push_back({DiffKind::Xattr, path, k + " absent", k + "=" + shortValue(v)});
}

// the differences between x (expected) and y (actual), the entries at path in both manifests
void compareEntry(const std::string& path, const Entry& x, const Entry& y, const CompareOptions& opt,
                  std::int64_t fs_granularity, std::vector<Difference>& d) {
    if (x.type != y.type) {
        d.push_back({DiffKind::Type, path, toString(x.type), toString(y.type)});
        return;
    }
    if (x.mode != y.mode && x.type != EntryType::Symlink) d.push_back({DiffKind::Mode, path, oct(x.mode), oct(y.mode)});
    if (opt.owner && (x.uid != y.uid || x.gid != y.gid))
        d.push_back({DiffKind::Owner, path, std::to_string(x.uid) + ":" + std::to_string(x.gid),
                     std::to_string(y.uid) + ":" + std::to_string(y.gid)});
    if (const MtimePrecision p = mtimePrecision(opt, x.type); p != MtimePrecision::Ignored)
        if (mtimeDiffers(x, y, p, fs_granularity))
            d.push_back({DiffKind::Mtime, path, std::to_string(x.mtime_ns), std::to_string(y.mtime_ns)});
    if (x.type == EntryType::File) {
        if (x.size != y.size) d.push_back({DiffKind::Size, path, std::to_string(x.size), std::to_string(y.size)});
        if (x.digest != y.digest)
            d.push_back({DiffKind::Content, path, x.digest.substr(0, 16), y.digest.substr(0, 16)});
        if (opt.hardlinks && x.hardlink_group != y.hardlink_group)
            d.push_back({DiffKind::HardlinkSplit, path,
                         x.hardlink_group.empty() ? "single link" : "linked with " + x.hardlink_group,
                         y.hardlink_group.empty() ? "single link" : "linked with " + y.hardlink_group});
    }
    if (x.type == EntryType::Symlink && x.link_target != y.link_target)
        d.push_back({DiffKind::LinkTarget, path, x.link_target, y.link_target});
    if (opt.xattrs) compareXattrs(path, x, y, d);
    if (opt.acls) {
        if (x.acl_access != y.acl_access)
            d.push_back({DiffKind::Acl, path, aclOrNone("access", x.acl_access), aclOrNone("access", y.acl_access)});
        if (x.acl_default != y.acl_default)
            d.push_back(
                {DiffKind::Acl, path, aclOrNone("default", x.acl_default), aclOrNone("default", y.acl_default)});
    }
}

}  // namespace

std::vector<Difference> compare(const Manifest& a0, const Manifest& b0, const CompareOptions& opt) {
    if (a0.digest != b0.digest)
        throw std::invalid_argument("compare: manifests use different digests (" + toString(a0.digest) + " vs " +
                                    toString(b0.digest) + ")");
    if (!opt.raw_names) {
        CompareOptions o = opt;
        o.raw_names = true;
        return compare(lossyNames(a0), lossyNames(b0), o);
    }
    const Manifest& a = a0;
    const Manifest& b = b0;
    const std::int64_t fs_granularity = std::max<std::int64_t>({1, a.mtime_granularity_ns, b.mtime_granularity_ns});
    std::vector<Difference> d;
    auto skip = [&](const Entry& e) { return opt.skip_types.count(e.type) > 0; };
    auto ia = a.entries.begin();
    auto ib = b.entries.begin();
    while (ia != a.entries.end() || ib != b.entries.end()) {
        if (ib == b.entries.end() || (ia != a.entries.end() && ia->first < ib->first)) {
            if (!skip(ia->second)) d.push_back({DiffKind::Missing, ia->first, toString(ia->second.type), ""});
            ++ia;
            continue;
        }
        if (ia == a.entries.end() || ib->first < ia->first) {
            d.push_back({DiffKind::Extra, ib->first, "", toString(ib->second.type)});
            ++ib;
            continue;
        }
        compareEntry(ia->first, ia->second, ib->second, opt, fs_granularity, d);
        ++ia;
        ++ib;
    }
    return d;
}

}  // namespace e2e
