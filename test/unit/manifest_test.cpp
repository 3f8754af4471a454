// Manifest::compare must catch every kind of difference, and only those.
#include "tree/Manifest.hpp"

#include "tree/Acl.hpp"

#include "Workspace.hpp"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

using namespace e2e;

namespace {

class ManifestCompare : public ::testing::Test {
protected:
    void SetUp() override {
        ws_ = std::make_unique<Workspace>("unit", Settings::get());
        a_ = ws_->work() / "a";
        b_ = ws_->work() / "b";
        make(a_);
        make(b_);
    }
    void make(const fs::path& r) {
        fs::create_directories(r / "dir");
        write(r / "dir" / "file.txt", "hello world\n");
        write(r / "other", "other content");
        link((r / "other").c_str(), (r / "dir" / "other-link").c_str());
        symlink("dir/file.txt", (r / "sym").c_str());
        mkfifo((r / "pipe").c_str(), 0644);
        chmod((r / "pipe").c_str(), 0644);
        fs::create_directories(r / "empty");
        for (const auto& p : {r / "dir" / "file.txt", r / "other"}) stamp(p, 1600000000, 0);
        stamp(r / "sym", 1600000100, 250000000);
        stamp(r / "pipe", 1600000200, 500000000);
        settle(r);
    }
    // mtimes set with AT_SYMLINK_NOFOLLOW: a symlink's own, never its target's
    static void stamp(const fs::path& p, time_t sec, long nsec) {
        struct timespec ts[2] = {{sec, nsec}, {sec, nsec}};
        ASSERT_EQ(utimensat(AT_FDCWD, p.c_str(), ts, AT_SYMLINK_NOFOLLOW), 0) << p;
    }
    // the dirs' mtimes, after whatever a test wrote into them
    static void settle(const fs::path& r) {
        stamp(r / "dir", 1600000300, 750000000);
        stamp(r / "empty", 1600000400, 125000000);
    }
    static std::string ns(time_t sec, long nsec) { return std::to_string(std::int64_t(sec) * 1000000000 + nsec); }
    static std::size_t count(const std::vector<Difference>& d, DiffKind k) {
        return std::size_t(std::count_if(d.begin(), d.end(), [k](const Difference& x) { return x.kind == k; }));
    }
    static void setAcl(const fs::path& p, const char* name, const std::vector<AclEntry>& e) {
        std::string v = encodeAcl(e);
        ASSERT_EQ(setxattr(p.c_str(), name, v.data(), v.size(), 0), 0) << p << ": " << strerror(errno);
    }
    static const std::vector<AclEntry>& fileAcl() {
        static const std::vector<AclEntry> e{{AclTag::UserObj, 6},
                                             {AclTag::User, 4, 1001},
                                             {AclTag::GroupObj, 4},
                                             {AclTag::Mask, 4},
                                             {AclTag::Other, 0}};
        return e;
    }
    static const std::vector<AclEntry>& dirDefaultAcl() {
        static const std::vector<AclEntry> e{{AclTag::UserObj, 7},
                                             {AclTag::User, 5, 1001},
                                             {AclTag::GroupObj, 5},
                                             {AclTag::Mask, 5},
                                             {AclTag::Other, 0}};
        return e;
    }
    // the same xattrs and ACLs on both trees
    void withMetadata() {
        for (const auto& r : {a_, b_}) {
            ASSERT_EQ(setxattr((r / "other").c_str(), "user.text", "hello", 5, 0), 0);
            ASSERT_EQ(setxattr((r / "dir").c_str(), "user.bin", "\0\xff\x01", 3, 0), 0);
            setAcl(r / "dir" / "file.txt", kAclAccessXattr, fileAcl());
            setAcl(r / "dir", kAclDefaultXattr, dirDefaultAcl());
        }
        ASSERT_TRUE(diff().empty()) << diff().front().describe();
    }
    static void write(const fs::path& p, const std::string& s) {
        std::ofstream(p, std::ios::binary | std::ios::trunc) << s;
    }
    std::vector<Difference> diff(const CompareOptions& o = {}) {
        return compare(Manifest::build(a_), Manifest::build(b_), o);
    }
    static bool has(const std::vector<Difference>& d, DiffKind k, const std::string& path) {
        for (const auto& x : d)
            if (x.kind == k && x.path == path) return true;
        return false;
    }
    std::unique_ptr<Workspace> ws_;
    fs::path a_, b_;
};

TEST_F(ManifestCompare, IdenticalTreesHaveNoDifference) {
    auto d = diff();
    EXPECT_TRUE(d.empty()) << d.front().describe();
}

TEST_F(ManifestCompare, CatchesContentChangeOfSameSize) {
    write(b_ / "dir" / "file.txt", "hello World\n");
    stamp(b_ / "dir" / "file.txt", 1600000000, 0);
    auto d = diff();
    ASSERT_EQ(d.size(), 1u);
    EXPECT_TRUE(has(d, DiffKind::Content, "dir/file.txt"));
}

TEST_F(ManifestCompare, CatchesMode) {
    chmod((b_ / "other").c_str(), 0600);
    EXPECT_TRUE(has(diff(), DiffKind::Mode, "other"));
}

TEST_F(ManifestCompare, CatchesType) {
    fs::remove(b_ / "sym");
    write(b_ / "sym", "dir/file.txt");
    EXPECT_TRUE(has(diff(), DiffKind::Type, "sym"));
}

TEST_F(ManifestCompare, CatchesLinkTarget) {
    fs::remove(b_ / "sym");
    symlink("dir/elsewhere", (b_ / "sym").c_str());
    EXPECT_TRUE(has(diff(), DiffKind::LinkTarget, "sym"));
}

TEST_F(ManifestCompare, CatchesMissingAndExtra) {
    fs::remove(b_ / "pipe");
    write(b_ / "dir" / "new", "x");
    auto d = diff();
    EXPECT_TRUE(has(d, DiffKind::Missing, "pipe"));
    EXPECT_TRUE(has(d, DiffKind::Extra, "dir/new"));
}

TEST_F(ManifestCompare, CatchesHardlinkSplit) {
    fs::remove(b_ / "dir" / "other-link");
    fs::copy_file(b_ / "other", b_ / "dir" / "other-link");
    stamp(b_ / "dir" / "other-link", 1600000000, 0);
    settle(b_);
    auto d = diff();
    EXPECT_TRUE(has(d, DiffKind::HardlinkSplit, "other"));
    EXPECT_TRUE(has(d, DiffKind::HardlinkSplit, "dir/other-link"));
    CompareOptions tolerant;
    tolerant.hardlinks = false;  // a tool without hardlink support: content still checked
    EXPECT_TRUE(diff(tolerant).empty());
}

TEST_F(ManifestCompare, CatchesMtimeAndOwner) {
    struct timespec ts[2] = {{1700000000, 0}, {1700000000, 0}};
    utimensat(AT_FDCWD, (b_ / "other").c_str(), ts, 0);
    auto d = diff();
    EXPECT_TRUE(has(d, DiffKind::Mtime, "other"));
    EXPECT_EQ(d.size(), 2u) << "the mtime of the inode's two names, nothing else";
    if (geteuid() != 0) GTEST_SKIP() << "owner change needs root (chown)";
    ASSERT_EQ(lchown((b_ / "sym").c_str(), 1234, 1234), 0);
    EXPECT_TRUE(has(diff(), DiffKind::Owner, "sym"));
}

TEST_F(ManifestCompare, CatchesAnMtimeChangedOnlyInItsNanoseconds) {
    stamp(b_ / "other", 1600000000, 1);
    stamp(b_ / "dir", 1600000300, 750000001);
    stamp(b_ / "sym", 1600000100, 250000001);
    stamp(b_ / "pipe", 1600000200, 499999999);
    auto d = diff();
    ASSERT_EQ(d.size(), 5u);
    EXPECT_TRUE(has(d, DiffKind::Mtime, "other"));
    EXPECT_TRUE(has(d, DiffKind::Mtime, "dir/other-link")) << "the same inode";
    EXPECT_TRUE(has(d, DiffKind::Mtime, "dir"));
    EXPECT_TRUE(has(d, DiffKind::Mtime, "sym"));
    EXPECT_TRUE(has(d, DiffKind::Mtime, "pipe"));
    for (const auto& x : d) {
        if (x.path != "sym") continue;
        EXPECT_EQ(x.expected + " " + x.actual, ns(1600000100, 250000000) + " " + ns(1600000100, 250000001))
            << "both values in ns";
    }
}

TEST_F(ManifestCompare, MtimeToleranceIsPerKindAndOnlyTheFraction) {
    stamp(b_ / "other", 1600000000, 999);
    stamp(b_ / "dir", 1600000300, 1);
    stamp(b_ / "sym", 1600000100, 0);
    CompareOptions files;
    files.file_mtime = MtimePrecision::Seconds;
    auto d = diff(files);
    EXPECT_EQ(d.size(), 2u);
    EXPECT_FALSE(has(d, DiffKind::Mtime, "other")) << "the file's fraction is tolerated";
    EXPECT_TRUE(has(d, DiffKind::Mtime, "dir")) << "a file tolerance says nothing about dirs";
    EXPECT_TRUE(has(d, DiffKind::Mtime, "sym")) << "nor about symlinks";
    stamp(b_ / "other", 1600000001, 0);
    EXPECT_TRUE(has(diff(files), DiffKind::Mtime, "other")) << "whole seconds are still compared";

    CompareOptions dirs;
    dirs.dir_mtime = MtimePrecision::Ignored;
    d = diff(dirs);
    EXPECT_FALSE(has(d, DiffKind::Mtime, "dir"));
    EXPECT_TRUE(has(d, DiffKind::Mtime, "other"));
    EXPECT_TRUE(has(d, DiffKind::Mtime, "sym"));

    CompareOptions links;
    links.symlink_mtime = MtimePrecision::Seconds;
    d = diff(links);
    EXPECT_FALSE(has(d, DiffKind::Mtime, "sym"));
    EXPECT_TRUE(has(d, DiffKind::Mtime, "dir"));
    stamp(b_ / "sym", 1600000099, 250000000);
    EXPECT_TRUE(has(diff(links), DiffKind::Mtime, "sym"));
    links.symlink_mtime = MtimePrecision::Ignored;
    EXPECT_FALSE(has(diff(links), DiffKind::Mtime, "sym"));
}

TEST_F(ManifestCompare, MicrosecondToleranceTakesACutOrRoundedValueOnly) {
    CompareOptions us;
    us.symlink_mtime = MtimePrecision::Microseconds;
    stamp(a_ / "sym", 1600000100, 250000100);
    stamp(b_ / "sym", 1600000100, 250001000);  // rounded up to the microsecond
    EXPECT_TRUE(diff(us).empty());
    EXPECT_TRUE(has(diff(), DiffKind::Mtime, "sym")) << "without the tolerance it is a difference";
    stamp(b_ / "sym", 1600000100, 250000000);  // cut to the microsecond
    EXPECT_TRUE(diff(us).empty());
    stamp(b_ / "sym", 1600000100, 250002000);  // a microsecond further off
    EXPECT_TRUE(has(diff(us), DiffKind::Mtime, "sym"));
    stamp(b_ / "sym", 1600000100, 249999000);
    EXPECT_TRUE(has(diff(us), DiffKind::Mtime, "sym"));
}

TEST_F(ManifestCompare, MtimesCompareAtTheFilesystemsGranularity) {
    Manifest a = Manifest::build(a_), b = Manifest::build(b_);
    EXPECT_LE(a.mtime_granularity_ns, 1000) << "this suite's workspace keeps at least microseconds";
    b.entries.at("other").mtime_ns += 400;
    EXPECT_EQ(compare(a, b).size(), 1u);
    b.mtime_granularity_ns = 1000;  // a filesystem that keeps microseconds
    EXPECT_TRUE(compare(a, b).empty()) << "nanoseconds the restore filesystem cannot hold are not a loss";
    b.entries.at("other").mtime_ns += 1000;
    EXPECT_TRUE(has(compare(a, b), DiffKind::Mtime, "other"));
}

TEST_F(ManifestCompare, GranularityProbeLeavesTheRootMtimeAsItWas) {
    stamp(a_, 1500000000, 123456789);
    Manifest::build(a_);
    struct stat st {};
    ASSERT_EQ(lstat(a_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mtim.tv_sec, 1500000000);
    EXPECT_EQ(st.st_mtim.tv_nsec, 123456789);
}

TEST_F(ManifestCompare, CatchesAnEmptyDirMissing) {
    fs::remove(b_ / "empty");
    auto d = diff();
    ASSERT_EQ(d.size(), 1u);
    EXPECT_TRUE(has(d, DiffKind::Missing, "empty"));
}

TEST_F(ManifestCompare, ReadsXattrsAndAclsByDefault) {
    withMetadata();
    auto m = Manifest::build(a_);
    EXPECT_EQ(m.entries.at("other").xattrs.at("user.text"), "hello");
    EXPECT_EQ(m.entries.at("dir").xattrs.at("user.bin"), std::string("\0\xff\x01", 3));
    EXPECT_EQ(m.entries.at("dir/file.txt").acl_access, "user::rw-,user:1001:r--,group::r--,mask::r--,other::---");
    EXPECT_EQ(m.entries.at("dir").acl_default, "user::rwx,user:1001:r-x,group::r-x,mask::r-x,other::---");
    EXPECT_FALSE(m.entries.at("dir/file.txt").xattrs.count(kAclAccessXattr))
        << "ACLs are compared as ACLs, not as bytes";
}

TEST_F(ManifestCompare, CatchesAnXattrDroppedOrChanged) {
    withMetadata();
    ASSERT_EQ(removexattr((b_ / "other").c_str(), "user.text"), 0);
    ASSERT_EQ(setxattr((b_ / "dir").c_str(), "user.bin", "\0\xff\x02", 3, 0), 0);
    auto d = diff();
    ASSERT_EQ(d.size(), 3u);
    EXPECT_TRUE(has(d, DiffKind::Xattr, "other"));
    EXPECT_TRUE(has(d, DiffKind::Xattr, "dir/other-link")) << "the same inode";
    EXPECT_TRUE(has(d, DiffKind::Xattr, "dir"));
    CompareOptions no_xattrs;
    no_xattrs.xattrs = false;
    EXPECT_TRUE(diff(no_xattrs).empty());
    setAcl(b_ / "dir" / "file.txt", kAclAccessXattr, dirDefaultAcl());
    EXPECT_TRUE(has(diff(no_xattrs), DiffKind::Acl, "dir/file.txt")) << "an xattr tolerance leaves ACLs judged";
}

TEST_F(ManifestCompare, CatchesAnAclDropped) {
    withMetadata();
    ASSERT_EQ(removexattr((b_ / "dir" / "file.txt").c_str(), kAclAccessXattr), 0);
    auto d = diff();
    ASSERT_EQ(count(d, DiffKind::Acl), 1u);
    EXPECT_TRUE(has(d, DiffKind::Acl, "dir/file.txt"));
    CompareOptions no_acls;
    no_acls.acls = false;
    EXPECT_TRUE(diff(no_acls).empty());
    ASSERT_EQ(removexattr((b_ / "other").c_str(), "user.text"), 0);
    EXPECT_TRUE(has(diff(no_acls), DiffKind::Xattr, "other")) << "an ACL tolerance leaves xattrs judged";
}

TEST_F(ManifestCompare, CatchesADefaultAclDropped) {
    withMetadata();
    ASSERT_EQ(removexattr((b_ / "dir").c_str(), kAclDefaultXattr), 0);
    auto d = diff();
    ASSERT_EQ(d.size(), 1u);
    EXPECT_TRUE(has(d, DiffKind::Acl, "dir"));
    EXPECT_NE(d[0].describe().find("default"), std::string::npos) << d[0].describe();
}

TEST(Acl, EquivalentEncodingsReadTheSame) {
    // the kernel's encoding: entries in tag order, ids -1 where it ignores them
    std::string kernel = encodeAcl(
        {{AclTag::UserObj, 6}, {AclTag::User, 4, 1001}, {AclTag::GroupObj, 4}, {AclTag::Mask, 4}, {AclTag::Other, 0}});
    // another writer's: zero ids and entries out of order
    std::string other = kernel.substr(0, 4);
    auto entry = [&](std::uint16_t tag, std::uint16_t perm, std::uint32_t id) {
        for (int i = 0; i < 2; ++i) other += char((tag >> (8 * i)) & 0xff);
        for (int i = 0; i < 2; ++i) other += char((perm >> (8 * i)) & 0xff);
        for (int i = 0; i < 4; ++i) other += char((id >> (8 * i)) & 0xff);
    };
    entry(0x20, 0, 0);
    entry(0x02, 4, 1001);
    entry(0x01, 6, 0);
    entry(0x10, 4, 0);
    entry(0x04, 4, 0);
    ASSERT_NE(kernel, other);
    EXPECT_EQ(canonicalAcl(kernel, false), canonicalAcl(other, false));
    EXPECT_EQ(*canonicalAcl(kernel, false), "user::rw-,user:1001:r--,group::r--,mask::r--,other::---");
    // a minimal access ACL says what the mode bits say: the same as none
    EXPECT_EQ(canonicalAcl(encodeAcl({{AclTag::UserObj, 6}, {AclTag::GroupObj, 4}, {AclTag::Other, 4}}), false),
              std::string());
    EXPECT_EQ(canonicalAcl(encodeAcl({{AclTag::UserObj, 7}, {AclTag::GroupObj, 5}, {AclTag::Other, 5}}), true),
              "user::rwx,group::r-x,other::r-x")
        << "a default ACL always says something";
    EXPECT_FALSE(canonicalAcl("junk", false).has_value());
}

TEST_F(ManifestCompare, ToleratedFifoOnlyWhenAbsent) {
    CompareOptions no_fifos;
    no_fifos.skip_types = {EntryType::Fifo};
    fs::remove(b_ / "pipe");
    EXPECT_TRUE(diff(no_fifos).empty()) << "a FIFO the tool does not store may be absent";
    EXPECT_TRUE(has(diff(), DiffKind::Missing, "pipe")) << "without the tolerance it is missing";
    write(b_ / "pipe", "");
    chmod((b_ / "pipe").c_str(), 0644);
    stamp(b_ / "pipe", 1600000200, 500000000);
    auto d = diff(no_fifos);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_TRUE(has(d, DiffKind::Type, "pipe")) << "a regular file in the FIFO's place is a type difference";
}

TEST_F(ManifestCompare, IgnoreListSkipsNamesAnywhere) {
    fs::create_directories(b_ / "dir" / ".zfs" / "snapshot");
    settle(b_);
    ManifestOptions mo;
    mo.ignore_names = {".zfs"};
    EXPECT_TRUE(compare(Manifest::build(a_, mo), Manifest::build(b_, mo)).empty());
    EXPECT_TRUE(has(diff(), DiffKind::Extra, "dir/.zfs"));
}

TEST_F(ManifestCompare, RawByteNamesArePrintedEscaped) {
    write(b_ / (std::string("caf\xe9") + "\nx"), "y");
    auto d = diff();
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].describe(), "extra: caf\\xe9\\nx (expected , got file)");
}

}  // namespace

TEST(Digest, Sha256MatchesTheStandardVector) {
    Workspace ws("unit", Settings::get());
    std::ofstream(ws.work() / "abc") << "abc";
    EXPECT_EQ(sha256File(ws.work() / "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256("abc"), sha256File(ws.work() / "abc"));
    // a large file goes through the mapped path: same answer as reading it
    std::string big(3 << 20, 'x');
    std::ofstream(ws.work() / "big") << big;
    EXPECT_EQ(sha256File(ws.work() / "big"), sha256(big));
    EXPECT_EQ(digestFile(ws.work() / "big", DigestAlgorithm::Xxh3_128).size(), 32u);
    EXPECT_NE(digestFile(ws.work() / "big", DigestAlgorithm::Xxh3_128),
              digestFile(ws.work() / "abc", DigestAlgorithm::Xxh3_128));
}

TEST(Digest, ManifestsWithDifferentDigestsDoNotCompare) {
    Workspace ws("unit", Settings::get());
    fs::create_directories(ws.work() / "t");
    ManifestOptions x;
    x.digest = DigestAlgorithm::Xxh3_128;
    EXPECT_THROW(compare(Manifest::build(ws.work() / "t"), Manifest::build(ws.work() / "t", x)), std::invalid_argument);
}

TEST_F(ManifestCompare, NonUtf8NamesCanBeComparedAsText) {
    const std::string raw = std::string("caf\xe9") + ".txt";
    write(a_ / raw, "same");
    write(b_ / "caf\xef\xbf\xbd.txt", "same");
    stamp(a_ / raw, 1600000000, 0);
    stamp(b_ / "caf\xef\xbf\xbd.txt", 1600000000, 0);
    EXPECT_EQ(diff().size(), 2u) << "byte for byte, the names differ";
    CompareOptions text;
    text.raw_names = false;
    EXPECT_TRUE(diff(text).empty());
    write(b_ / "caf\xef\xbf\xbd.txt", "diff");
    EXPECT_TRUE(has(diff(text), DiffKind::Content, "caf\xef\xbf\xbd.txt")) << "content is still compared";
}

// Reports are JSON: bytes that are not UTF-8 by RFC 3629 (overlong forms,
// surrogates, past U+10FFFF) are escaped, never passed through.
TEST(Text, Utf8SafeEscapesWhatJsonRejects) {
    EXPECT_EQ(e2e::utf8Safe("caf\xc3\xa9"), "caf\xc3\xa9");
    EXPECT_EQ(e2e::utf8Safe("\xc1\x81"), "\\xc1\\x81");                    // overlong 'A'
    EXPECT_EQ(e2e::utf8Safe("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");           // overlong '/'
    EXPECT_EQ(e2e::utf8Safe("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // a surrogate
    EXPECT_EQ(e2e::utf8Safe("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // past U+10FFFF
    EXPECT_EQ(e2e::utf8Safe("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");      // U+1F600 stays
}
