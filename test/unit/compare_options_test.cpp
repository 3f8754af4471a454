// Each capability a tool lacks becomes one named tolerance, and nothing more.
#include "RoundTrip.hpp"

#include <gtest/gtest.h>

using namespace e2e;

namespace {

TEST(CompareOptionsFor, AToolThatKeepsEverythingIsJudgedStrictly) {
    std::vector<std::string> notes;
    CompareOptions o = compareOptionsFor(Capabilities{}, notes);
    EXPECT_TRUE(notes.empty());
    EXPECT_TRUE(o.hardlinks && o.owner && o.xattrs && o.acls && o.raw_names);
    EXPECT_TRUE(o.skip_types.empty());
    EXPECT_EQ(o.file_mtime, MtimePrecision::Nanoseconds);
    EXPECT_EQ(o.dir_mtime, MtimePrecision::Nanoseconds);
    EXPECT_EQ(o.symlink_mtime, MtimePrecision::Nanoseconds);
}

TEST(CompareOptionsFor, EachGapIsOneNamedToleranceOnly) {
    const CompareOptions strict;
    auto only = [&](auto change, auto check) {
        Capabilities c;
        change(c);
        std::vector<std::string> notes;
        CompareOptions o = compareOptionsFor(c, notes);
        ASSERT_EQ(notes.size(), 1u);
        EXPECT_EQ(notes[0].rfind("tolerated: ", 0), 0u) << notes[0];
        check(o);
        // everything else stays strict
        int loosened = (o.hardlinks != strict.hardlinks) + (o.xattrs != strict.xattrs) + (o.acls != strict.acls) +
                       (o.raw_names != strict.raw_names) + (o.skip_types != strict.skip_types) +
                       (o.file_mtime != strict.file_mtime) + (o.dir_mtime != strict.dir_mtime) +
                       (o.symlink_mtime != strict.symlink_mtime);
        EXPECT_EQ(loosened, 1);
    };
    only([](Capabilities& c) { c.dir_mtime = MtimePrecision::Ignored; },
         [](const CompareOptions& o) { EXPECT_EQ(o.dir_mtime, MtimePrecision::Ignored); });
    only([](Capabilities& c) { c.symlink_mtime = MtimePrecision::Ignored; },
         [](const CompareOptions& o) { EXPECT_EQ(o.symlink_mtime, MtimePrecision::Ignored); });
    only([](Capabilities& c) { c.file_mtime = MtimePrecision::Seconds; },
         [](const CompareOptions& o) { EXPECT_EQ(o.file_mtime, MtimePrecision::Seconds); });
    only([](Capabilities& c) { c.symlink_mtime = MtimePrecision::Microseconds; },
         [](const CompareOptions& o) { EXPECT_EQ(o.symlink_mtime, MtimePrecision::Microseconds); });
    only([](Capabilities& c) { c.xattrs = false; }, [](const CompareOptions& o) { EXPECT_FALSE(o.xattrs); });
    only([](Capabilities& c) { c.acls = false; }, [](const CompareOptions& o) { EXPECT_FALSE(o.acls); });
    only([](Capabilities& c) { c.fifos = false; },
         [](const CompareOptions& o) { EXPECT_EQ(o.skip_types, std::set<EntryType>{EntryType::Fifo}); });
    only([](Capabilities& c) { c.hardlinks = false; }, [](const CompareOptions& o) { EXPECT_FALSE(o.hardlinks); });
}

}  // namespace

// The chunk holding a given byte, by hand: a fixed chunk of 4 MiB is 4 MiB; kopia's splitter (2 MiB, then a
// 4 MiB mask, at most 8 MiB) averages 5.1 MiB a chunk and 6.0 MiB around a byte (E[X^2] / E[X], worked out on paper:
// E[Y] = 4 (1 - e^-1.5), E[Y^2] = 2 (16 - 40 e^-1.5) for Y = min(exponential of mean 4, 6)).
TEST(ChunkHoldingAByte, IsTheSizeBiasedMeanOfTheDeclaredChunker) {
    Capabilities fixed;
    fixed.chunk_min_bytes = fixed.chunk_max_bytes = 4ull << 20;
    fixed.chunk_tail_bytes = 1ull << 20;
    EXPECT_NEAR(chunkHoldingAByte(fixed) / (1 << 20), 4.0, 1e-9);
    Capabilities kopia;
    kopia.chunk_min_bytes = 2ull << 20, kopia.chunk_tail_bytes = 4ull << 20, kopia.chunk_max_bytes = 8ull << 20;
    EXPECT_NEAR(chunkHoldingAByte(kopia) / (1 << 20), 5.988, 0.01);
}
