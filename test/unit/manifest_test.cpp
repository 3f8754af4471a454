// Manifest::compare must catch every kind of difference, and only those.
#include "tree/Manifest.hpp"

#include "Workspace.hpp"

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
        ws_ = std::make_unique<Workspace>("unit");
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
        for (const auto& p : {r / "dir" / "file.txt", r / "other"}) {
            struct timespec ts[2] = {{1600000000, 0}, {1600000000, 0}};
            utimensat(AT_FDCWD, p.c_str(), ts, 0);
        }
    }
    static void write(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary | std::ios::trunc) << s; }
    std::vector<Difference> diff(const CompareOptions& o = {}) { return compare(Manifest::build(a_), Manifest::build(b_), o); }
    static bool has(const std::vector<Difference>& d, DiffKind k, const std::string& path) {
        for (const auto& x : d)
            if (x.kind == k && x.path == path) return true;
        return false;
    }
    std::unique_ptr<Workspace> ws_;
    fs::path a_, b_;
};

TEST_F(ManifestCompare, IdenticalTreesHaveNoDifference) { EXPECT_TRUE(diff().empty()); }

TEST_F(ManifestCompare, CatchesContentChangeOfSameSize) {
    write(b_ / "dir" / "file.txt", "hello World\n");
    struct timespec ts[2] = {{1600000000, 0}, {1600000000, 0}};
    utimensat(AT_FDCWD, (b_ / "dir" / "file.txt").c_str(), ts, 0);
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
    struct timespec ts[2] = {{1600000000, 0}, {1600000000, 0}};
    utimensat(AT_FDCWD, (b_ / "dir" / "other-link").c_str(), ts, 0);
    auto d = diff();
    EXPECT_TRUE(has(d, DiffKind::HardlinkSplit, "other"));
    EXPECT_TRUE(has(d, DiffKind::HardlinkSplit, "dir/other-link"));
    CompareOptions tolerant;
    tolerant.hardlinks = false;   // a tool without hardlink support: content still checked
    EXPECT_TRUE(diff(tolerant).empty());
}

TEST_F(ManifestCompare, CatchesMtimeAndOwner) {
    struct timespec ts[2] = {{1700000000, 0}, {1700000000, 0}};
    utimensat(AT_FDCWD, (b_ / "other").c_str(), ts, 0);
    auto d = diff();
    EXPECT_TRUE(has(d, DiffKind::Mtime, "other"));
    if (geteuid() != 0) GTEST_SKIP() << "owner change needs root (chown)";
    ASSERT_EQ(lchown((b_ / "sym").c_str(), 1234, 1234), 0);
    EXPECT_TRUE(has(diff(), DiffKind::Owner, "sym"));
}

TEST_F(ManifestCompare, CatchesXattrWhenAsked) {
    ASSERT_EQ(setxattr((b_ / "other").c_str(), "user.e2e", "v", 1, 0), 0);
    ManifestOptions mo;
    mo.xattrs = true;
    CompareOptions co;
    co.xattrs = true;
    auto d = compare(Manifest::build(a_, mo), Manifest::build(b_, mo), co);
    EXPECT_TRUE(has(d, DiffKind::Xattr, "other"));
    EXPECT_TRUE(diff().empty()) << "xattrs are off by default";
}

TEST_F(ManifestCompare, IgnoreListSkipsNamesAnywhere) {
    fs::create_directories(b_ / "dir" / ".zfs" / "snapshot");
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
    Workspace ws("unit");
    std::ofstream(ws.work() / "abc") << "abc";
    EXPECT_EQ(sha256File(ws.work() / "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256("abc"), sha256File(ws.work() / "abc"));
    // a large file goes through the mapped path: same answer as reading it
    std::string big(3 << 20, 'x');
    std::ofstream(ws.work() / "big") << big;
    EXPECT_EQ(sha256File(ws.work() / "big"), sha256(big));
    EXPECT_EQ(digestFile(ws.work() / "big", DigestAlgorithm::Xxh3_128).size(), 32u);
    EXPECT_NE(digestFile(ws.work() / "big", DigestAlgorithm::Xxh3_128), digestFile(ws.work() / "abc", DigestAlgorithm::Xxh3_128));
}

TEST(Digest, ManifestsWithDifferentDigestsDoNotCompare) {
    Workspace ws("unit");
    fs::create_directories(ws.work() / "t");
    ManifestOptions x;
    x.digest = DigestAlgorithm::Xxh3_128;
    EXPECT_THROW(compare(Manifest::build(ws.work() / "t"), Manifest::build(ws.work() / "t", x)), std::invalid_argument);
}

TEST_F(ManifestCompare, NonUtf8NamesCanBeComparedAsText) {
    const std::string raw = std::string("caf\xe9") + ".txt";
    write(a_ / raw, "same");
    write(b_ / "caf\xef\xbf\xbd.txt", "same");
    struct timespec ts[2] = {{1600000000, 0}, {1600000000, 0}};
    utimensat(AT_FDCWD, (a_ / raw).c_str(), ts, 0);
    utimensat(AT_FDCWD, (b_ / "caf\xef\xbf\xbd.txt").c_str(), ts, 0);
    EXPECT_EQ(diff().size(), 2u) << "byte for byte, the names differ";
    CompareOptions text;
    text.raw_names = false;
    EXPECT_TRUE(diff(text).empty());
    write(b_ / "caf\xef\xbf\xbd.txt", "diff");
    EXPECT_TRUE(has(diff(text), DiffKind::Content, "caf\xef\xbf\xbd.txt")) << "content is still compared";
}
