// The corpus is deterministic: the same seed gives the same bytes and metadata.
#include "tree/Corpus.hpp"
#include "tree/Digest.hpp"
#include "tree/Manifest.hpp"

#include "Workspace.hpp"

#include <gtest/gtest.h>
#include <map>
#include <set>

using namespace e2e;

namespace {

CorpusSpec small(std::uint64_t seed) {
    CorpusSpec s;
    s.seed = seed;
    s.profile.small_files = 60;
    s.profile.bulk_bytes = 2 << 20;
    s.profile.big_file_bytes = 1 << 20;
    s.profile.depth = 6;
    s.profile.duplicates = 3;
    return s;
}

TEST(Corpus, SameSeedSameBytesAndMetadata) {
    Workspace ws("unit", Settings::get());
    generateCorpus(ws.work() / "one", small(42));
    generateCorpus(ws.work() / "two", small(42));
    auto a = Manifest::build(ws.work() / "one");
    auto b = Manifest::build(ws.work() / "two");
    auto d = compare(a, b);
    EXPECT_TRUE(d.empty()) << d.front().describe();
    EXPECT_GT(a.total_bytes, 3u << 20);
    EXPECT_FALSE(a.entries.at("meta/xattr-binary.bin").xattrs.empty()) << "xattrs took part in the comparison";
    EXPECT_FALSE(a.entries.at("meta/acl-file.txt").acl_access.empty()) << "ACLs took part in the comparison";
}

TEST(Corpus, OtherSeedOtherBytes) {
    Workspace ws("unit", Settings::get());
    generateCorpus(ws.work() / "one", small(42));
    generateCorpus(ws.work() / "two", small(43));
    auto d = compare(Manifest::build(ws.work() / "one"), Manifest::build(ws.work() / "two"));
    std::size_t content = 0;
    for (const auto& x : d) content += x.kind == DiffKind::Content;
    EXPECT_GT(content, 10u);
}

TEST(Corpus, HoldsTheAwkwardCases) {
    Workspace ws("unit", Settings::get());
    CorpusStats st = generateCorpus(ws.work() / "c", small(7));
    auto m = Manifest::build(ws.work() / "c");
    EXPECT_EQ(m.count(EntryType::Fifo), 1u);
    EXPECT_GE(m.count(EntryType::Symlink), 4u);
    EXPECT_EQ(st.hardlinks, 2u);
    EXPECT_EQ(m.entries.at("awkward/hardlink-b").hardlink_group, "awkward/hardlink-a");
    EXPECT_TRUE(m.entries.count("awkward/new\nline.txt"));
    EXPECT_TRUE(m.entries.count(std::string("awkward/latin1-caf\xe9") + ".txt"));
    EXPECT_TRUE(m.entries.count("awkward/name with spaces.txt"));
    EXPECT_EQ(m.entries.at("awkward/empty").size, 0u);
    EXPECT_EQ(m.entries.at("awkward/sparse.img").size, 16u << 20);
    EXPECT_EQ(m.entries.at("awkward/link-broken").type, EntryType::Symlink);
    EXPECT_EQ(m.entries.at("big/incompressible.bin").size, 1u << 20);
    EXPECT_LT(st.unique_bytes, st.bytes) << "duplicates and sparse files are in the corpus";
}

TEST(Corpus, HoldsEmptyDirsAndADirsOnlyTree) {
    Workspace ws("unit", Settings::get());
    CorpusStats st = generateCorpus(ws.work() / "c", small(7));
    auto m = Manifest::build(ws.work() / "c");
    auto childrenOf = [&](const std::string& dir) {
        std::size_t n = 0, files = 0;
        for (const auto& [k, e] : m.entries)
            if (k.rfind(dir + "/", 0) == 0) {
                ++n;
                files += e.type != EntryType::Dir;
            }
        return std::make_pair(n, files);
    };
    for (const char* empty : {"empty-top", "awkward/empty-nested/a/b/c/d/e", "awkward/empty-nested/a/b/side",
                              "dirs-only/x/y/z", "dirs-only/q/r/s/t"}) {
        ASSERT_TRUE(m.entries.count(empty)) << empty;
        EXPECT_EQ(m.entries.at(empty).type, EntryType::Dir) << empty;
        EXPECT_EQ(childrenOf(empty).first, 0u) << empty << " is empty";
    }
    EXPECT_EQ(childrenOf("dirs-only").second, 0u) << "not one file in the dirs-only tree";
    EXPECT_GE(childrenOf("dirs-only").first, 8u) << "several levels of dirs";
    EXPECT_EQ(st.empty_dirs, 6u);
}

TEST(Corpus, EveryEntryTypeHasSubsecondMtimes) {
    Workspace ws("unit", Settings::get());
    CorpusStats st = generateCorpus(ws.work() / "c", small(7));
    EXPECT_TRUE(st.subsecond_mtimes);
    auto m = Manifest::build(ws.work() / "c");
    std::map<EntryType, std::size_t> seen;
    for (const auto& [k, e] : m.entries) {
        EXPECT_NE(e.mtime_ns % 1000000000, 0)
            << printable(k) << " (" << toString(e.type) << ") has a whole-second mtime";
        ++seen[e.type];
    }
    EXPECT_GT(seen[EntryType::File], 0u);
    EXPECT_GT(seen[EntryType::Dir], 0u);
    EXPECT_GT(seen[EntryType::Symlink], 0u);
    EXPECT_GT(seen[EntryType::Fifo], 0u);
    EXPECT_FALSE(m.entries.at("awkward/hardlink-b").hardlink_group.empty()) << "hardlinks are among them";
}

TEST(Corpus, HoldsXattrsOnFilesAndDirs) {
    Workspace ws("unit", Settings::get());
    CorpusStats st = generateCorpus(ws.work() / "c", small(7));
    if (st.unsupported.count("xattrs")) GTEST_SKIP() << "the workspace filesystem has no user xattrs";
    auto m = Manifest::build(ws.work() / "c");
    const auto& text = m.entries.at("meta/xattr-text.txt").xattrs;
    EXPECT_EQ(text.at("user.mime_type"), "text/plain");
    EXPECT_EQ(text.at("user.comment").rfind("backup-e2e note ", 0), 0u);
    const auto& bin = m.entries.at("meta/xattr-binary.bin").xattrs;
    EXPECT_EQ(bin.at("user.blob").size(), 203u);
    EXPECT_EQ(bin.at("user.blob").substr(200), std::string("\0\0\xff", 3)) << "binary, with NUL bytes";
    EXPECT_EQ(bin.at("user.empty"), "");
    EXPECT_EQ(bin.at("user.large").size(), 1536u);
    EXPECT_EQ(m.entries.at("meta/xattr-dir").type, EntryType::Dir);
    EXPECT_EQ(m.entries.at("meta/xattr-dir").xattrs.size(), 2u);
    EXPECT_EQ(m.entries.at("docs/section-1").xattrs.at("user.section"), "one");
    EXPECT_EQ(st.xattrs, 9u);
}

TEST(Corpus, HoldsRealAccessAndDefaultAcls) {
    Workspace ws("unit", Settings::get());
    CorpusStats st = generateCorpus(ws.work() / "c", small(7));
    if (st.unsupported.count("acls")) GTEST_SKIP() << "the workspace filesystem has no POSIX ACLs";
    auto m = Manifest::build(ws.work() / "c");
    const Entry& file = m.entries.at("meta/acl-file.txt");
    EXPECT_EQ(file.acl_access, "user::rw-,user:1001:rw-,group::r--,group:1002:r--,mask::rw-,other::---");
    EXPECT_EQ(file.mode, 0660u) << "the kernel took it as an ACL: the group bits show its mask";
    EXPECT_EQ(m.entries.at("meta/acl-default-dir").acl_default,
              "user::rwx,user:1001:r-x,group::r-x,group:1003:rwx,mask::rwx,other::---");
    EXPECT_EQ(m.entries.at("meta/acl-default-dir").acl_access, "");
    EXPECT_EQ(m.entries.at("meta/acl-default-dir/before-the-acl.txt").acl_access, "")
        << "written before the default ACL";
    EXPECT_EQ(m.entries.at("meta/acl-both-dir").acl_access, "user::rwx,user:1004:rwx,group::rwx,mask::rwx,other::---");
    EXPECT_EQ(m.entries.at("meta/acl-both-dir").acl_default, "user::rwx,group::r-x,other::r-x");
    EXPECT_EQ(st.acls, 4u);
}

TEST(Corpus, EachNewCaseCanBeLeftOut) {
    Workspace ws("unit", Settings::get());
    CorpusSpec spec = small(7);
    spec.skip = {"empty_dirs", "dirs_only", "subsecond_mtime", "xattrs", "acls"};
    CorpusStats st = generateCorpus(ws.work() / "c", spec);
    auto m = Manifest::build(ws.work() / "c");
    EXPECT_FALSE(m.entries.count("empty-top"));
    EXPECT_FALSE(m.entries.count("awkward/empty-nested"));
    EXPECT_FALSE(m.entries.count("dirs-only"));
    EXPECT_FALSE(m.entries.count("meta/xattr-text.txt"));
    EXPECT_FALSE(m.entries.count("meta/acl-file.txt"));
    EXPECT_EQ(st.empty_dirs + st.xattrs + st.acls, 0u);
    EXPECT_FALSE(st.subsecond_mtimes);
    for (const auto& [k, e] : m.entries) {
        EXPECT_EQ(e.mtime_ns % 1000000000, 0) << printable(k);
        EXPECT_TRUE(e.xattrs.empty() && e.acl_access.empty() && e.acl_default.empty()) << printable(k);
    }
    for (const char* k : {"empty_dirs", "dirs_only", "subsecond_mtime", "xattrs", "acls"})
        EXPECT_TRUE(corpusCases().count(k)) << k;
}

// The shapes added after the first cases (their own Rng stream): left out, the corpus is what it was before them.
const std::set<std::string> kShapes{"long_name", "long_path", "normalization_pair", "case_pair"};

// Names, types, modes, sizes, contents and link targets of every entry (mtimes and xattrs depend on the filesystem).
std::string fingerprint(const Manifest& m) {
    std::string all;
    for (const auto& [k, e] : m.entries)
        all += k + "\t" + toString(e.type) + "\t" + std::to_string(e.mode) + "\t" + std::to_string(e.size) + "\t" +
               e.digest + "\t" + e.link_target + "\n";
    return sha256(all);
}

TEST(Corpus, TheOlderCasesKeepTheirBytesForASeed) {
    Workspace ws("unit", Settings::get());
    CorpusSpec spec = small(42);
    for (const auto& k : kShapes)
        if (corpusCases().count(k)) spec.skip.insert(k);
    generateCorpus(ws.work() / "c", spec);
    // measured on 7a3abfc, before the shapes were added
    EXPECT_EQ(fingerprint(Manifest::build(ws.work() / "c")),
              "fe619df8704d300e3130ce63738e2be3ac7b0e66cde09fe15770393fa9813e58");
}

TEST(Corpus, HoldsTheShapesRealTreesHave) {
    Workspace ws("unit", Settings::get());
    generateCorpus(ws.work() / "c", small(7));
    auto m = Manifest::build(ws.work() / "c");
    std::size_t long_names = 0, long_paths = 0;
    for (const auto& [k, e] : m.entries) {
        long_names += k.size() - k.rfind('/') - 1 == 255;  // NAME_MAX
        if (k.size() > 4096 && e.type == EntryType::File) {
            ++long_paths;
            EXPECT_EQ(e.size, 64u) << "read and hashed through *at calls";
            EXPECT_NE(e.mtime_ns % 1000000000, 0) << "its mtime was set too";
        }
    }
    EXPECT_EQ(long_names, 1u);
    EXPECT_EQ(long_paths, 1u) << "a file whose path passes PATH_MAX";
    EXPECT_TRUE(m.entries.count("awkward/normalization/caf\xc3\xa9.txt")) << "NFC";
    EXPECT_TRUE(m.entries.count("awkward/normalization/cafe\xcc\x81.txt")) << "NFD";
    EXPECT_TRUE(m.entries.count("awkward/case/Readme") && m.entries.count("awkward/case/README"));
    for (const auto& k : kShapes) EXPECT_TRUE(corpusCases().count(k)) << k;
    // each can be left out
    CorpusSpec spec = small(7);
    spec.skip = kShapes;
    generateCorpus(ws.work() / "without", spec);
    for (const auto& d : compare(Manifest::build(ws.work() / "without"), m))
        EXPECT_EQ(d.kind, DiffKind::Extra) << d.describe() << ": only the shapes differ";
    EXPECT_EQ(m.entries.size() - Manifest::build(ws.work() / "without").entries.size(), 2u + (1 + 22 + 1) + 3 + 3)
        << "dirs and files of the shapes (22 segments past PATH_MAX)";
}

TEST(Corpus, SeedComesFromTheTestNameAndCanBeReplayed) {
    EXPECT_NE(seedFor("A.b"), seedFor("A.c"));
    EXPECT_EQ(seedFor("A.b"), seedFor("A.b"));
    setenv("E2E_SEED", "12345", 1);
    EXPECT_EQ(seedFor("A.b"), 12345u);
    setenv("E2E_SEED", "nope", 1);
    EXPECT_THROW(seedFor("A.b"), ConfigError);
    unsetenv("E2E_SEED");
}

}  // namespace
