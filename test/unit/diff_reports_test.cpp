// Reading each tool's own diff and find (tools/DiffReports.cpp), on output the real tools printed (restic 0.18.1,
// rustic 0.11.4, borg 1.4.5, kopia 0.22.3, vykar 0.19.1; the same change between two generations): one change per
// path, the strongest kind, the root never; a line no reader knows is an error naming it.
#include "tools/Drivers.hpp"

#include <gtest/gtest.h>

using namespace e2e;
using Kind = ReportedChange::Kind;

namespace {

std::map<std::string, Kind> byPath(const std::vector<ReportedChange>& v) {
    std::map<std::string, Kind> m;
    for (const auto& c : v) m[c.path] = c.kind;
    return m;
}

}  // namespace

TEST(DiffReports, Restic) {
    const auto m = byPath(
        parseResticDiff("{\"message_type\":\"change\",\"path\":\"/added.txt\",\"modifier\":\"+\"}\n"
                        "{\"message_type\":\"change\",\"path\":\"/chmod.txt\",\"modifier\":\"U\"}\n"
                        "{\"message_type\":\"change\",\"path\":\"/olddir/\",\"modifier\":\"-\"}\n"
                        "{\"message_type\":\"change\",\"path\":\"/with\\nnewline.txt\",\"modifier\":\"M\"}\n"
                        "{\"message_type\":\"statistics\",\"source_snapshot\":\"1647a5c5\",\"changed_files\":4}\n"));
    EXPECT_EQ(m, (std::map<std::string, Kind>{{"added.txt", Kind::Added},
                                              {"chmod.txt", Kind::Metadata},
                                              {"olddir", Kind::Removed},
                                              {"with\nnewline.txt", Kind::Modified}}));
    EXPECT_THROW(parseResticDiff("comparing snapshot 1647a5c5 to bfc834f1:\n"), std::runtime_error);
    const auto f = parseResticFind(
        "[{\"matches\":[{\"path\":\"/olddir\"},{\"path\":\"/olddir/a.txt\"}],\"hits\":2,\"snapshot\":\"aa11\"},"
        "{\"matches\":[{\"path\":\"/olddir/a.txt.bak\"}],\"hits\":1,\"snapshot\":\"bb22\"}]",
        "olddir/a.txt");
    EXPECT_EQ(f, (std::map<std::string, std::string>{{"aa11", "present"}}));
}

TEST(DiffReports, RusticQuotingAndTotals) {
    const auto m =
        byPath(parseRusticDiff("+    \"added.txt\"\n"
                               "M    \"bad\\xFF\\xFEname.txt\"\n"
                               "U    \"sub\"\n"
                               "M    \"q\\\"uote.txt\"\n"
                               "Files   : 2 =, 4 +, 3 -, 4 M, 2 U\n"
                               "Dirs    : 0 =, 2 +, 2 -, 0 M, 1 U\n"));
    EXPECT_EQ(m, (std::map<std::string, Kind>{{"added.txt", Kind::Added},
                                              {"bad\xff\xfename.txt", Kind::Modified},
                                              {"sub", Kind::Metadata},
                                              {"q\"uote.txt", Kind::Modified}}));
    EXPECT_EQ(unquoteRustDebug("\"\\u{e9}\\t\""), "\xc3\xa9\t");
    EXPECT_THROW(parseRusticDiff("M    added.txt\n"), std::runtime_error);
    const auto f = parseRusticFind(
        "searching in snapshots group (host [vm], label [e2e-1], paths [.])...\n"
        "found in 92b6165b from 2026-12-07 19:26:43\n"
        "-rw-r--r--     root     root         2  7 Dec 2026 19:26 \"removed.txt\" \n\n"
        "not found in f923e46b from 2026-12-07 19:26:44\n");
    EXPECT_EQ(f, (std::map<std::string, std::string>{{"92b6165b", "present"}}));
    EXPECT_THROW(parseRusticFind("found in 6738dcb3 from 2026-12-07 19:21:07 (+1)\n"), std::runtime_error);
}

TEST(DiffReports, BorgLeavesCtimeAloneAndTheRootOut) {
    const auto m = byPath(parseBorgDiff(
        R"({"changes": [{"type": "ctime"}, {"type": "mtime"}], "path": "."})"
        "\n"
        R"({"changes": [{"added": 12, "removed": 12, "type": "modified"}, {"type": "ctime"}, {"type": "mtime"}], )"
        R"("path": "modified.txt"})"
        "\n"
        R"({"changes": [{"new_mode": "-rw-------", "old_mode": "-rw-r--r--", "type": "mode"}, {"type": "ctime"}], )"
        R"("path": "chmod.txt"})"
        "\n"
        R"({"changes": [{"type": "ctime"}], "path": "touched.txt"})"
        "\n"
        R"({"changes": [{"type": "added directory"}], "path": "newdir"})"
        "\n"
        R"({"changes": [{"size": 10, "type": "removed"}], "path": "removed.txt"})"
        "\n"));
    EXPECT_EQ(m, (std::map<std::string, Kind>{{"modified.txt", Kind::Modified},
                                              {"chmod.txt", Kind::Metadata},
                                              {"newdir", Kind::Added},
                                              {"removed.txt", Kind::Removed}}));
    EXPECT_THROW(parseBorgDiff(R"({"changes": [{"type": "teleported"}], "path": "x"})"), std::runtime_error);
}

TEST(DiffReports, KopiaInAnyOrder) {
    const auto m = byPath(parseKopiaDiff(
        "./sub sizes differ: 2 15\n"
        "changed ./modified.txt at 2022-02-02 00:00:00 +0000 UTC (size 12 -> 12)\n"
        ". modification times differ: 2026-12-07 19:21:06.225445164 +0000 UTC 2026-12-07 19:21:08.98 +0000 UTC\n"
        "./modified.txt modification times differ: 2021-01-01 00:00:00 +0000 UTC 2022-02-02 00:00:00 +0000 UTC\n"
        "added file ./sub/new-in-sub.txt (13 bytes)\n"
        "removed directory ./olddir\n"
        "added directory ./newdir\n"
        "removed file ./olddir/a.txt (2 bytes)\n"
        "{\"fileEntries\":{\"added\":4,\"removed\":3}}"));
    EXPECT_EQ(m, (std::map<std::string, Kind>{{"sub", Kind::Metadata},
                                              {"modified.txt", Kind::Modified},
                                              {"sub/new-in-sub.txt", Kind::Added},
                                              {"olddir", Kind::Removed},
                                              {"newdir", Kind::Added},
                                              {"olddir/a.txt", Kind::Removed}}));
    EXPECT_THROW(parseKopiaDiff("newline.txt sizes differ: 3 4\n"), std::runtime_error);
}

TEST(DiffReports, VykarTableAndTimeline) {
    const auto m =
        byPath(parseVykarDiff(" Change    Path                Old Size  New Size  Delta \n"
                              " Added     added.txt                  -       6 B   +6 B \n"
                              " Modified  modified.txt            12 B      12 B    0 B \n"
                              " Removed   olddir/inner/b.txt       2 B         -   -2 B \n"
                              " Modified  with space.txt           3 B    4.00 KiB   +1 B \n"));
    EXPECT_EQ(m, (std::map<std::string, Kind>{{"added.txt", Kind::Added},
                                              {"modified.txt", Kind::Modified},
                                              {"olddir/inner/b.txt", Kind::Removed},
                                              {"with space.txt", Kind::Modified}}));
    EXPECT_TRUE(parseVykarDiff("No file changes found.\n").empty());
    EXPECT_THROW(parseVykarDiff(" Change    Path                Old Size  New Size  Delta \n"
                                " Modified  with                     3 B       4 B   +1 B \n"
                                "           newline.txt                                   \n"),
                 std::runtime_error);
    const std::string find =
        "modified.txt\n"
        "  Snapshot     Date                       Size  Status\n"
        "  2641f2ec     2026-12-07 19:21:07        12 B  added\n"
        "  a5b9ea59     2026-12-07 19:21:10        12 B  modified\n"
        "\n"
        "modified.txt.bak\n"
        "  Snapshot     Date                       Size  Status\n"
        "  a5b9ea59     2026-12-07 19:21:10        12 B  added\n";
    EXPECT_EQ(parseVykarFind(find, "modified.txt"),
              (std::map<std::string, std::string>{{"2641f2ec", "added"}, {"a5b9ea59", "modified"}}));
}

TEST(DiffReports, MergeKeepsTheStrongestKind) {
    const auto m = mergeChanges({{Kind::Metadata, "a", "mtime"},
                                 {Kind::Modified, "a", "modified"},
                                 {Kind::Added, "b", "+"},
                                 {Kind::Removed, "b", "-"}});
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m[0].kind, Kind::Modified);
    EXPECT_EQ(m[1].kind, Kind::Modified);  // removed and added: its type changed
}
