// The corpus is deterministic: the same seed gives the same bytes and metadata.
#include "tree/Corpus.hpp"
#include "tree/Manifest.hpp"

#include "Workspace.hpp"

#include <gtest/gtest.h>

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
    Workspace ws("unit");
    generateCorpus(ws.work() / "one", small(42));
    generateCorpus(ws.work() / "two", small(42));
    auto a = Manifest::build(ws.work() / "one");
    auto b = Manifest::build(ws.work() / "two");
    auto d = compare(a, b);
    EXPECT_TRUE(d.empty()) << d.front().describe();
    EXPECT_GT(a.total_bytes, 3u << 20);
}

TEST(Corpus, OtherSeedOtherBytes) {
    Workspace ws("unit");
    generateCorpus(ws.work() / "one", small(42));
    generateCorpus(ws.work() / "two", small(43));
    auto d = compare(Manifest::build(ws.work() / "one"), Manifest::build(ws.work() / "two"));
    std::size_t content = 0;
    for (const auto& x : d) content += x.kind == DiffKind::Content;
    EXPECT_GT(content, 10u);
}

TEST(Corpus, HoldsTheAwkwardCases) {
    Workspace ws("unit");
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
