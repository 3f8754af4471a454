#include "tree/Corpus.hpp"

#include "tree/Acl.hpp"
#include "tree/Digest.hpp"
#include "tree/RandomData.hpp"
#include "tree/TreeAt.hpp"
#include "process/Heartbeat.hpp"
#include "text/Text.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <vector>

namespace e2e {

namespace {

std::uint64_t splitmix(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

[[noreturn]] void sysfail(const std::string& what, const fs::path& p) {
    throw std::runtime_error(what + " " + p.string() + ": " + strerror(errno));
}

class Writer {
public:
    Writer(const fs::path& root, Rng& rng, CorpusStats& st, bool subsecond)
        : root_(root), rng_(rng), st_(st), subsecond_(subsecond) {
        // a vocabulary of random "words": text that compresses, but is not filler
        for (int i = 0; i < 2048; ++i) {
            std::string w;
            int len = 2 + int(rng_.below(9));
            for (int k = 0; k < len; ++k) w += char('a' + rng_.below(26));
            words_.push_back(w);
        }
    }

    void dir(const std::string& rel, unsigned mode = 0755) {
        fs::path p = root_ / rel;
        if (mkdir(p.c_str(), mode) != 0 && errno != EEXIST) sysfail("mkdir", p);
        chmod(p.c_str(), mode);
        ++st_.dirs;
    }

    std::string text(std::size_t n) {
        std::string s;
        s.reserve(n + 16);
        while (s.size() < n) {
            s += words_[rng_.below(words_.size())];
            s += rng_.below(12) == 0 ? '\n' : ' ';
        }
        s.resize(n);
        return s;
    }

    std::string random(std::size_t n) {
        std::string s(n, '\0');
        rng_.fill(s.data(), n);
        return s;
    }

    void file(const std::string& rel, const std::string& content, unsigned mode = 0644, bool dup = false) {
        fs::path p = root_ / rel;
        int fd = open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) sysfail("create", p);
        for (std::size_t off = 0; off < content.size();) {
            ssize_t w = write(fd, content.data() + off, content.size() - off);
            if (w < 0) sysfail("write", p);
            off += size_t(w);
        }
        close(fd);
        finish(p, mode);
        ++st_.files;
        st_.bytes += content.size();
        if (!dup) st_.unique_bytes += content.size();
    }

    // big random file written in chunks, so memory stays small
    void bigRandom(const std::string& rel, std::uint64_t n) {
        fs::path p = root_ / rel;
        writeRandomFile(p, n, rng_);
        finish(p, 0644);
        ++st_.files;
        st_.bytes += n;
        st_.unique_bytes += n;
    }

    void sparse(const std::string& rel, std::uint64_t apparent) {
        fs::path p = root_ / rel;
        int fd = open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) sysfail("create", p);
        std::string head = "sparse head " + std::to_string(rng_.next());
        std::string tail = "sparse tail " + std::to_string(rng_.next());
        if (pwrite(fd, head.data(), head.size(), 0) < 0 ||
            pwrite(fd, tail.data(), tail.size(), off_t(apparent - tail.size())) < 0)
            sysfail("write", p);
        close(fd);
        finish(p, 0644);
        ++st_.files;
        st_.bytes += apparent;
        st_.unique_bytes += head.size() + tail.size();
    }

    void symlink(const std::string& target, const std::string& rel) {
        fs::path p = root_ / rel;
        if (::symlink(target.c_str(), p.c_str()) != 0) sysfail("symlink", p);
        ++st_.symlinks;
        setTimes(p, true);
    }

    void hardlink(const std::string& existing, const std::string& rel) {
        fs::path p = root_ / rel;
        if (::link((root_ / existing).c_str(), p.c_str()) != 0) sysfail("link", p);
        ++st_.hardlinks;
    }

    void fifo(const std::string& rel) {
        fs::path p = root_ / rel;
        if (mkfifo(p.c_str(), 0640) != 0) sysfail("mkfifo", p);
        chmod(p.c_str(), 0640);
        ++st_.fifos;
        setTimes(p, false);
    }

    // an empty dir (and its parents) made on purpose
    void emptyDir(const std::string& rel) {
        std::string at;
        for (const auto& part : fs::path(rel)) {
            at += (at.empty() ? "" : "/") + part.string();
            if (!fs::exists(root_ / at)) dir(at);
        }
        ++st_.empty_dirs;
    }

    // a user.* attribute; false when the filesystem has no xattrs (case noted as unsupported)
    bool xattr(const std::string& rel, const std::string& name, const std::string& value) {
        fs::path p = root_ / rel;
        if (lsetxattr(p.c_str(), name.c_str(), value.data(), value.size(), 0) != 0) {
            if (errno == ENOTSUP) {
                st_.unsupported.insert("xattrs");
                return false;
            }
            sysfail("setxattr " + name, p);
        }
        ++st_.xattrs;
        return true;
    }

    // an ACL written as the kernel's xattr; setting the access ACL also sets the group mode bits from its mask
    bool acl(const std::string& rel, const char* xattr_name, const std::vector<AclEntry>& entries) {
        fs::path p = root_ / rel;
        std::string v = encodeAcl(entries);
        if (lsetxattr(p.c_str(), xattr_name, v.data(), v.size(), 0) != 0) {
            if (errno == ENOTSUP) {
                st_.unsupported.insert("acls");
                return false;
            }
            sysfail(std::string("setxattr ") + xattr_name, p);
        }
        ++st_.acls;
        return true;
    }

    // a file below a chain of dirs whose path passes PATH_MAX: only *at calls reach it, so it is made with them
    void longPath(const std::string& top, const std::string& content) {
        dir(top);
        int fd = open((root_ / top).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) sysfail("open", root_ / top);
        std::string rel = top;
        for (int i = 0; rel.size() <= PATH_MAX; ++i) {
            const std::string name = "segment-" + std::to_string(i) + "-" + std::string(180, char('a' + i % 26));
            rel += "/" + name;
            if (mkdirat(fd, name.c_str(), 0755) != 0) sysfail("mkdirat", rel);
            const int next = openat(fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            close(fd);
            if (next < 0) sysfail("open", rel);
            fd = next;
            ++st_.dirs;
        }
        const int f = openat(fd, "bottom.txt", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (f < 0 || write(f, content.data(), content.size()) != ssize_t(content.size()) || fchmod(f, 0644) != 0)
            sysfail("write", rel + "/bottom.txt");
        close(f);
        setTimesAt(fd, "bottom.txt", rel + "/bottom.txt", false);
        close(fd);
        ++st_.files;
        st_.bytes += content.size();
        st_.unique_bytes += content.size();
    }

    // directories last: writing into them changed their mtimes (setting a child's times changes no parent's)
    void fixDirTimes() {
        walkAt(root_, [&](const EntryAt& e) {
            if (S_ISDIR(e.st.st_mode)) setTimesAt(e.dirfd, e.name, e.rel, false, 1);
        });
        setTimes(root_, false, 1);
    }

private:
    void finish(const fs::path& p, unsigned mode) {
        if (chmod(p.c_str(), mode) != 0) sysfail("chmod", p);
        setTimes(p, false);
    }

    void setTimes(const fs::path& p, bool link, std::uint64_t salt = 0) {
        setTimesAt(AT_FDCWD, p.string(), fs::relative(p, root_).string(), link, salt);
    }

    // deterministic mtimes in 2020..2025 from the path under the root;
    // with subsecond_mtime a fraction in 1..999999999 ns
    void setTimesAt(int dirfd, const std::string& name, const std::string& rel, bool link, std::uint64_t salt = 0) {
        std::uint64_t h = fnv1a64(rel) ^ salt;
        struct timespec ts[2];
        ts[0].tv_sec = ts[1].tv_sec = time_t(1577836800 + h % (5ull * 365 * 86400));
        ts[0].tv_nsec = ts[1].tv_nsec = subsecond_ ? long(1 + (h >> 20) % 999999999ull) : 0;
        if (utimensat(dirfd, name.c_str(), ts, link ? AT_SYMLINK_NOFOLLOW : 0) == 0) return;
        if (link && (errno == EOPNOTSUPP || errno == ENOSYS || errno == EPERM)) {
            st_.unsupported.insert("symlink_mtime");  // some FUSE filesystems cannot set a symlink's own times
            return;
        }
        sysfail("utimensat", rel);
    }

    fs::path root_;
    Rng& rng_;
    CorpusStats& st_;
    bool subsecond_;
    std::vector<std::string> words_;
};

}  // namespace

Rng::Rng(std::uint64_t seed) {
    std::uint64_t x = seed;
    for (auto& s : s_) s = splitmix(x);
}

std::uint64_t Rng::next() {
    std::uint64_t r = rotl(s_[1] * 5, 7) * 9;
    std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return r;
}

void Rng::fill(char* p, std::size_t n) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t v = next();
        memcpy(p + i, &v, 8);
    }
    if (i < n) {
        std::uint64_t v = next();
        memcpy(p + i, &v, n - i);
    }
}

std::uint64_t seedFor(const std::string& name) {
    std::uint64_t base = 0x5eedbacc0ffee;
    if (const char* s = getenv("E2E_SEED"); s && *s) {
        try {
            return std::stoull(s, nullptr, 0);
        } catch (...) {
            throw ConfigError("environment: E2E_SEED: not a number: '" + std::string(s) +
                              "'. Fix: give the seed printed by the run to replay (decimal or 0x...)");
        }
    }
    return base ^ fnv1a64(name);
}

const std::set<std::string>& corpusCases() {
    static const std::set<std::string> c{
        "non_utf8_name", "newline_name", "fifo",      "hardlinks",          "sparse",
        "symlinks",      "empty_dirs",   "dirs_only", "subsecond_mtime",    "xattrs",
        "acls",          "long_name",    "long_path", "normalization_pair", "case_pair"};
    return c;
}

namespace {

// whether the spec keeps case k (not in its skip list)
bool on(const CorpusSpec& spec, const char* k) {
    return !spec.skip.count(k);
}

// small files over a modest tree; returns their paths
std::vector<std::string> writeSmallFiles(Writer& w, Rng& rng, const CorpusProfile& pr) {
    const int subdirs = 8;
    w.dir("docs");
    for (int d = 0; d < subdirs; ++d) w.dir("docs/section-" + std::to_string(d));
    std::vector<std::string> small;
    for (int i = 0; i < pr.small_files; ++i) {
        std::string rel = "docs/section-" + std::to_string(rng.below(subdirs)) + "/note-" + std::to_string(i) + ".txt";
        bool bin = rng.below(4) == 0;
        std::size_t n = std::size_t(1 + rng.below(16 * 1024));
        w.file(rel, bin ? w.random(n) : w.text(n), rng.below(5) == 0 ? 0600 : 0644);
        small.push_back(rel);
    }
    return small;
}

// bulk: medium files, half text half random; returns their paths
std::vector<std::string> writeBulk(Writer& w, Rng& rng, const CorpusProfile& pr) {
    w.dir("data");
    std::uint64_t left = pr.bulk_bytes;
    std::vector<std::string> medium;
    Heartbeat hb("writing the corpus's bulk data (" + humanBytes(pr.bulk_bytes) + ")", "written", "bytes");
    for (int i = 0; left > 0; ++i) {
        hb.tick(pr.bulk_bytes - left);
        std::uint64_t n = std::min<std::uint64_t>(left, (256u << 10) + rng.below(4u << 20));
        std::string rel = "data/blob-" + std::to_string(i) + (i % 2 ? ".txt" : ".bin");
        w.file(rel, i % 2 ? w.text(size_t(n)) : w.random(size_t(n)));
        medium.push_back(rel);
        left -= n;
    }
    return medium;
}

// duplicates: same content under other names (dedup must store it once)
void writeDuplicates(Writer& w, Rng& rng, const fs::path& root, const CorpusProfile& pr,
                     const std::vector<std::string>& medium) {
    w.dir("dup");
    for (int i = 0; i < pr.duplicates && !medium.empty(); ++i) {
        const std::string& src = medium[rng.below(medium.size())];
        std::ifstream in(root / src, std::ios::binary);
        std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        w.file("dup/copy-" + std::to_string(i) + "-of-" + fs::path(src).filename().string(), content, 0644, true);
    }
}

// awkward names, modes, sparse file, symlinks, hardlinks, a fifo and a deep chain of dirs
void writeAwkwardFiles(Writer& w, Rng& rng, const CorpusSpec& spec, const std::vector<std::string>& small) {
    const CorpusProfile& pr = spec.profile;
    w.dir("awkward");
    w.file("awkward/name with spaces.txt", w.text(100));
    if (on(spec, "newline_name")) w.file("awkward/new\nline.txt", w.text(50));
    if (on(spec, "non_utf8_name")) w.file(std::string("awkward/latin1-caf\xe9") + ".txt", w.text(60));
    w.file("awkward/\u00dcn\u00efc\u00f6d\u00e9-\u65e5\u672c.txt", w.text(70));
    w.file("awkward/-leading-dash", w.text(10));
    w.file("awkward/tab\there", w.text(10));
    w.file("awkward/empty", "");
    w.file("awkward/read-only", w.text(30), 0444);
    w.file("awkward/executable.sh", "#!/bin/sh\necho " + std::to_string(rng.next()) + "\n", 0755);
    if (on(spec, "sparse")) w.sparse("awkward/sparse.img", 16u << 20);
    if (on(spec, "symlinks")) {
        w.symlink("../docs/section-0", "awkward/link-relative-dir");
        w.symlink(small.empty() ? "x" : "../" + small.front(), "awkward/link-relative-file");
        w.symlink("/etc/hostname", "awkward/link-absolute");
        w.symlink("does/not/exist-" + std::to_string(rng.below(1000)), "awkward/link-broken");
    }
    w.file("awkward/hardlink-a", w.text(200));
    w.dir("awkward/sub");
    if (on(spec, "hardlinks")) {
        w.hardlink("awkward/hardlink-a", "awkward/hardlink-b");
        w.hardlink("awkward/hardlink-a", "awkward/sub/hardlink-c");
    }
    if (spec.fifo && on(spec, "fifo")) w.fifo("awkward/fifo");
    w.dir("awkward/private", 0700);
    w.file("awkward/private/secret.txt", w.text(40), 0600);
    std::string deep = "awkward/deep";
    w.dir(deep);
    for (int i = 0; i < pr.depth; ++i) {
        deep += "/level-" + std::to_string(i);
        w.dir(deep);
    }
    w.file(deep + "/bottom.txt", w.text(80));
}

// empty directories, alone and as a whole tree without a file
void writeEmptyDirs(Writer& w, const CorpusSpec& spec) {
    if (on(spec, "empty_dirs")) {
        w.emptyDir("empty-top");
        w.emptyDir("awkward/empty-nested/a/b/c/d/e");
        w.emptyDir("awkward/empty-nested/a/b/side");
    }
    if (on(spec, "dirs_only")) {
        // a tree of directories with not one file in it
        for (const char* leaf : {"dirs-only/x/y/z", "dirs-only/x/w", "dirs-only/q/r/s/t"}) w.emptyDir(leaf);
    }
}

// user.* attributes on files and directories, text and binary, empty and large
void writeXattrs(Writer& w, Rng& rng, const std::vector<std::string>& small) {
    w.file("meta/xattr-text.txt", w.text(120));
    w.xattr("meta/xattr-text.txt", "user.comment", "backup-e2e note " + std::to_string(rng.next()));
    w.xattr("meta/xattr-text.txt", "user.mime_type", "text/plain");
    w.file("meta/xattr-binary.bin", w.random(300));
    w.xattr("meta/xattr-binary.bin", "user.blob", w.random(200) + std::string("\0\0\xff", 3));
    w.xattr("meta/xattr-binary.bin", "user.empty", "");
    w.xattr("meta/xattr-binary.bin", "user.large", w.random(1536));
    w.dir("meta/xattr-dir");
    w.file("meta/xattr-dir/inside.txt", w.text(40));
    w.xattr("meta/xattr-dir", "user.dir_note", "a directory's own attribute");
    w.xattr("meta/xattr-dir", "user.dir_blob", w.random(32));
    if (!small.empty()) w.xattr(small.back(), "user.origin", "docs " + std::to_string(rng.below(1000)));
    w.xattr("docs/section-1", "user.section", "one");
}

// access and default ACLs on a file and on directories
void writeAcls(Writer& w) {
    using T = AclTag;
    w.file("meta/acl-file.txt", w.text(90), 0640);
    w.acl("meta/acl-file.txt", kAclAccessXattr,
          {{T::UserObj, 6}, {T::User, 6, 1001}, {T::GroupObj, 4}, {T::Group, 4, 1002}, {T::Mask, 6}, {T::Other, 0}});
    w.dir("meta/acl-default-dir", 0750);
    w.file("meta/acl-default-dir/before-the-acl.txt", w.text(30));  // written first: it inherits nothing
    w.acl("meta/acl-default-dir", kAclDefaultXattr,
          {{T::UserObj, 7}, {T::User, 5, 1001}, {T::GroupObj, 5}, {T::Group, 7, 1003}, {T::Mask, 7}, {T::Other, 0}});
    w.dir("meta/acl-both-dir", 0770);
    w.acl("meta/acl-both-dir", kAclAccessXattr,
          {{T::UserObj, 7}, {T::User, 7, 1004}, {T::GroupObj, 7}, {T::Mask, 7}, {T::Other, 0}});
    w.acl("meta/acl-both-dir", kAclDefaultXattr, {{T::UserObj, 7}, {T::GroupObj, 5}, {T::Other, 5}});
}

// shapes real trees have, after every case above and from a stream of
// their own: the older cases' bytes stay as they were
void writeShapes(const fs::path& root, const CorpusSpec& spec, CorpusStats& st) {
    Rng shape_rng(spec.seed ^ 0x73686170657321ull);
    Writer s(root, shape_rng, st, st.subsecond_mtimes);
    if (on(spec, "long_name")) {  // NAME_MAX: 255 bytes
        s.dir("awkward/long-name");
        std::string name = "long-name-";
        while (name.size() < 251) name += char('a' + shape_rng.below(26));
        s.file("awkward/long-name/" + name + ".txt", s.text(64));
    }
    if (on(spec, "long_path")) s.longPath("awkward/long-path", s.text(64));  // past PATH_MAX (4096 bytes)
    // the same name in NFC (U+00E9) and NFD (e + U+0301), as trees copied from macOS hold
    if (on(spec, "normalization_pair")) {
        s.dir("awkward/normalization");
        s.file("awkward/normalization/caf\u00e9.txt", s.text(40));
        s.file("awkward/normalization/cafe\u0301.txt", s.text(41));
    }
    if (on(spec, "case_pair")) {  // names that differ only by case
        s.dir("awkward/case");
        s.file("awkward/case/Readme", s.text(30));
        s.file("awkward/case/README", s.text(31));
    }
}

}  // namespace

CorpusStats generateCorpus(const fs::path& root, const CorpusSpec& spec) {
    for (const auto& k : spec.skip)
        if (!corpusCases().count(k)) throw std::invalid_argument("unknown corpus case '" + k + "'");
    std::error_code ec;
    fs::create_directories(root, ec);
    if (!fs::is_empty(root)) throw std::runtime_error("corpus root is not empty: " + root.string());
    CorpusStats st;
    Rng rng(spec.seed);
    st.subsecond_mtimes = on(spec, "subsecond_mtime");
    Writer w(root, rng, st, st.subsecond_mtimes);
    const CorpusProfile& pr = spec.profile;

    const std::vector<std::string> small = writeSmallFiles(w, rng, pr);
    const std::vector<std::string> medium = writeBulk(w, rng, pr);
    writeDuplicates(w, rng, root, pr, medium);
    if (pr.big_file_bytes > 0) {
        w.dir("big");
        w.bigRandom("big/incompressible.bin", pr.big_file_bytes);
    }
    if (spec.awkward) {
        writeAwkwardFiles(w, rng, spec, small);
        writeEmptyDirs(w, spec);
        w.dir("meta");
        if (on(spec, "xattrs")) writeXattrs(w, rng, small);
        if (on(spec, "acls")) writeAcls(w);
    }
    if (spec.awkward) writeShapes(root, spec, st);
    w.fixDirTimes();
    return st;
}

}  // namespace e2e
