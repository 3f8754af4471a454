// The files layer's judgement: a listing equals the tree both ways, with the
// tolerances a driver declares and nothing more (hand-worked cases).
#include "RoundTrip.hpp"

#include <gtest/gtest.h>

using namespace e2e;

namespace {

Manifest tree() {
    Manifest m;
    for (const char* d : {"docs", "docs/sub", "empty"}) m.entries[d].type = EntryType::Dir;
    for (const char* f : {"docs/a.txt", "docs/sub/b.txt", "new\nline.txt", "caf\xe9.txt"})
        m.entries[f].type = EntryType::File;
    m.entries["fifo"].type = EntryType::Fifo;
    return m;
}

const std::vector<std::string> kExact{"docs",           "docs/sub",      "empty",       "docs/a.txt",
                                      "docs/sub/b.txt", "new\nline.txt", "caf\xe9.txt", "fifo"};

TEST(JudgeListing, AnExactListingPasses) {
    const ListingVerdict v = judgeListing(tree(), kExact, Capabilities{});
    EXPECT_TRUE(v.missing.empty());
    EXPECT_TRUE(v.extra.empty());
    EXPECT_EQ(v.considered, 8u);
}

TEST(JudgeListing, AnInventedEntryIsCaught) {
    auto listed = kExact;
    listed.push_back("docs/invented.txt");
    const ListingVerdict v = judgeListing(tree(), listed, Capabilities{});
    EXPECT_TRUE(v.missing.empty());
    ASSERT_EQ(v.extra.size(), 1u);
    EXPECT_EQ(v.extra[0], "docs/invented.txt");
}

TEST(JudgeListing, AnInventedDirIsCaughtWithItsParents) {
    auto listed = kExact;
    listed.push_back("ghost/file");
    EXPECT_EQ(judgeListing(tree(), listed, Capabilities{}).extra, (std::vector<std::string>{"ghost", "ghost/file"}));
}

TEST(JudgeListing, AMissingEmptyDirIsCaughtButParentsOfListedPathsCount) {
    const std::vector<std::string> listed{"docs/a.txt", "docs/sub/b.txt", "new\nline.txt", "caf\xe9.txt", "fifo"};
    const ListingVerdict v = judgeListing(tree(), listed, Capabilities{});
    EXPECT_EQ(v.missing, std::vector<std::string>{"empty"});
    EXPECT_TRUE(v.extra.empty());
}

TEST(JudgeListing, DeclaredTolerancesOnly) {
    Capabilities c;
    c.fifos = false;
    c.listing_newlines = false;
    c.listing_own_entries = "dumps(/.*)?";
    // split at the newline, the bad byte as U+FFFD, no FIFO, a trailing '/', the tool's own dir, the root
    const std::vector<std::string> listed{".",      "docs/",       "docs/sub",
                                          "empty/", "docs/a.txt",  "docs/sub/b.txt",
                                          "new",    "line.txt",    "caf\xef\xbf\xbd.txt",
                                          "dumps",  "dumps/db.sql"};
    const ListingVerdict v = judgeListing(tree(), listed, c);
    EXPECT_TRUE(v.missing.empty()) << v.missing.front();
    EXPECT_TRUE(v.extra.empty()) << v.extra.front();
    EXPECT_EQ(v.own.size(), 2u);
    EXPECT_EQ(v.newline_names, 1u);
    // without the declaration the tool's own entries are invented ones
    c.listing_own_entries.clear();
    EXPECT_EQ(judgeListing(tree(), listed, c).extra, (std::vector<std::string>{"dumps", "dumps/db.sql"}));
    // a tool that keeps FIFOs and lists newlines must list them
    // (a lossy name passes from any tool: compare judges names' bytes)
    const std::vector<std::string> unlisted{"fifo", printable("new\nline.txt")};
    EXPECT_EQ(judgeListing(tree(), listed, Capabilities{}).missing, unlisted);
}

}  // namespace
