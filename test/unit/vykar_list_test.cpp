// Parsing `vykar list`'s human table (no JSON mode): blank Host/Label cells
// repeat the row above.
#include "tools/Drivers.hpp"

#include <gtest/gtest.h>

using namespace e2e;

TEST(VykarList, BlankLabelRepeatsTheRowAbove) {
    const std::string out =
        "ID        Date                 Host  Label    Source      Files  Size     Added\n"
        "a1b2c3d4  2026-11-23 16:00:01  e2e   daily    /srv/data   10     1.0 MiB  1.0 MiB\n"
        "e5f6a7b8  2026-11-23 16:05:01                 /srv/data   10     1.0 MiB  0 B\n"
        "c9d0e1f2  2026-11-23 16:10:01        weekly   /srv/data   11     1.1 MiB  4 KiB\n";
    auto s = VykarTool::parseList(out);
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0].id, "a1b2c3d4");
    EXPECT_EQ(s[0].label, "daily");
    EXPECT_EQ(s[1].label, "daily");
    EXPECT_EQ(s[2].label, "weekly");
    for (const auto& x : s) EXPECT_EQ(x.host, "e2e");  // a blank Host cell repeats the row above too
}

TEST(VykarList, HostPerClient) {
    const std::string out =
        "ID        Date                 Host      Label     Source      Files  Size     Added\n"
        "a1b2c3d4  2026-11-23 16:00:01  client-1  e2e-c1    /srv/c1     10     1.0 MiB  1.0 MiB\n"
        "e5f6a7b8  2026-11-23 16:05:01  client-2  e2e-c2    /srv/c2     10     1.0 MiB  0 B\n"
        "c9d0e1f2  2026-11-23 16:10:01                      /srv/c2     11     1.1 MiB  4 KiB\n";
    auto s = VykarTool::parseList(out);
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0].host, "client-1");
    EXPECT_EQ(s[1].host, "client-2");
    EXPECT_EQ(s[2].host, "client-2");
    EXPECT_EQ(s[2].label, "e2e-c2");
}

TEST(VykarList, NoTableNoSnapshots) {
    EXPECT_TRUE(VykarTool::parseList("No snapshots found.\n").empty());
}
