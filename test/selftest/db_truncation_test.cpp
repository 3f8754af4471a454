// The database scenarios must catch a tool that returns short files. A restic
// wrapper cuts every restored file after the last complete SQL statement
// before its middle (so a SQL dump stays loadable and only the counts can
// tell; binary dumps just end early); the database check must fail, for every
// database.
#include "databases/DbKit.hpp"
#include "tools/Drivers.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <sys/stat.h>

using namespace e2e;

namespace {

const char* kTruncateRestored = R"SH(
"$real" "$@"; rc=$?
case " $* " in *" restore "*) ;; *) exit $rc ;; esac
dir=$PWD; prev=""
for a in "$@"; do [ "$prev" = "--target" ] && dir=$a; prev=$a; done
find "$dir" -type f | while read -r f; do
  half=$(( $(stat -c %s "$f") / 2 ))
  # just after the last line ending a statement (';') before the middle, else the middle
  cut=$(head -c "$half" "$f" | LC_ALL=C awk '{ n += length($0) + 1; if ($0 ~ /;$/) cut = n } END { print cut + 0 }')
  [ "$cut" -gt 0 ] || cut=$half
  truncate -s "$cut" "$f"
done
exit $rc
)SH";

class TruncatingTool : public ::testing::TestWithParam<std::string> {};

TEST_P(TruncatingTool, DatabaseCheckFails) {
    const std::string db = GetParam();
    Workspace ws("selftest");
    ws.report().set("tool", "restic (truncating wrapper)");
    ToolChoice choice = chooseTool("restic");
    E2E_REQUIRE_TOOL(ws, choice);
    fs::path wrapper = ws.work() / "restic-truncating";
    {
        std::ofstream w(wrapper);
        w << "#!/bin/sh\n# backup-e2e self-test: a restic whose restores come back cut short\nreal='" << choice.binary->string() << "'\n"
          << kTruncateRestored;
    }
    chmod(wrapper.c_str(), 0755);
    Verdicts v(ws);
    SeededDb source(db, ws, v);
    ASSERT_TRUE(source.ready()) << v.failedLayer() << ": " << v.firstFailure();
    RepoTarget t;
    t.kind = "local";
    t.path = ws.repos() / "repo";
    auto tool = makeTool("restic", wrapper.string(), ws.toolContext("restic"), t);
    tool->init(RepoOptions{});
    const std::string artifact = source.kit().artifactName();
    std::string id = tool->backupCommandOutput(source.kit().dumpScript(), artifact, "selftest");
    const fs::path out = ws.work() / "restore";
    tool->restore(id, out);
    const auto restored = out / tool->commandOutputPath(artifact);
    ASSERT_TRUE(fs::exists(restored));
    // the scenario's own check, expected to fail
    std::string failure;
    try {
        source.verify(restored, "restored");
    } catch (const VerdictFailure& e) {
        failure = e.what();
    }
    ws.report().set("caught", failure);
    EXPECT_FALSE(failure.empty()) << "a restore cut to " << fs::file_size(restored) << " bytes passed the database check";
    std::cout << "[e2e]   caught: " << failure.substr(0, 300) << "\n";
    if (db == "mariadb") {   // the SQL prefix loads: the comparison has to tell, not the loader
        EXPECT_NE(failure.find("restored database differs"), std::string::npos) << failure;
    }
}

INSTANTIATE_TEST_SUITE_P(Db, TruncatingTool, ::testing::Values("postgres", "mariadb", "mongodb"), [](const auto& p) { return p.param; });

}  // namespace
