// The database scenarios must catch a tool that returns damaged dumps, at the
// load-compare layer. Two restic wrappers damage every restored file:
// - one cuts it after the last complete SQL statement before its middle (so a
//   SQL dump stays loadable and only the counts can tell; binary dumps just
//   end early): the database check must fail, for every database;
// - one changes exactly one byte inside one row (customers row 50, the first
//   letter of its name) and keeps the dump loadable (test/selftest/
//   change_one_row.pl knows the three formats): the load must succeed and the
//   comparison must name customers, for every database. Row 50 is not one of
//   the every-97th rows a sampled digest read, so sampling would pass it.
#include "config/Settings.hpp"
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

// The wrapper changes each restored file with this script; a failure fails the restore.
const char* kChangeOneRowRestored = R"SH(
"$real" "$@"; rc=$?
case " $* " in *" restore "*) ;; *) exit $rc ;; esac
dir=$PWD; prev=""
for a in "$@"; do [ "$prev" = "--target" ] && dir=$a; prev=$a; done
find "$dir" -type f | while read -r f; do perl "$editor" "$f" >&2 || exit 9; done || exit 9
exit $rc
)SH";

// Back up the seeded database's dump through a restic wrapper (`wrapper_body`
// after `real=` and `preamble`), restore it, and return the verdict of the
// scenario's own load-compare check: empty when it passed.
std::string restoreThroughWrapper(Workspace& ws, const fs::path& restic, const std::string& db, const std::string& what, const std::string& preamble,
                                  const char* wrapper_body, std::uintmax_t& restored_size) {
    ws.report().set("tool", "restic (" + what + " wrapper)");
    fs::path wrapper = ws.work() / "restic-wrapper";
    {
        std::ofstream w(wrapper);
        w << "#!/bin/sh\n# backup-e2e self-test: a restic whose restores come back " << what << "\nreal='" << restic.string() << "'\n"
          << preamble << wrapper_body;
    }
    chmod(wrapper.c_str(), 0755);
    Verdicts v(ws);
    SeededDb source(db, ws, v);
    if (!source.ready()) throw std::runtime_error(v.failedLayer() + ": " + v.firstFailure());
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
    if (!fs::exists(restored)) throw std::runtime_error("the restore holds no " + restored.string());
    restored_size = fs::file_size(restored);
    try {   // the scenario's own check, expected to fail
        source.verify(restored, "restored");
    } catch (const VerdictFailure& e) {
        return e.what();
    }
    return {};
}

class TruncatingTool : public ::testing::TestWithParam<std::string> {};

TEST_P(TruncatingTool, DatabaseCheckFails) {
    const std::string db = GetParam();
    Workspace ws("selftest");
    ToolChoice choice = chooseTool("restic");
    E2E_REQUIRE_TOOL(ws, choice);
    std::uintmax_t size = 0;
    const std::string failure = restoreThroughWrapper(ws, *choice.binary, db, "cut short", "", kTruncateRestored, size);
    ws.report().set("caught", failure);
    EXPECT_FALSE(failure.empty()) << "a restore cut to " << size << " bytes passed the database check";
    std::cout << "[e2e]   caught: " << failure.substr(0, 300) << "\n";
    if (db == "mariadb") {   // the SQL prefix loads: the comparison has to tell, not the loader
        EXPECT_NE(failure.find("restored database differs"), std::string::npos) << failure;
    }
}

class RowChangingTool : public ::testing::TestWithParam<std::string> {};

TEST_P(RowChangingTool, LoadSucceedsComparisonNamesTheTable) {
    const std::string db = GetParam();
    Workspace ws("selftest");
    ToolChoice choice = chooseTool("restic");
    E2E_REQUIRE_TOOL(ws, choice);
    const fs::path editor = Settings::sourceDir() / "test" / "selftest" / "change_one_row.pl";
    std::uintmax_t size = 0;
    const std::string failure =
        restoreThroughWrapper(ws, *choice.binary, db, "with one byte of one row changed", "editor='" + editor.string() + "'\n", kChangeOneRowRestored, size);
    ws.report().set("caught", failure);
    std::cout << "[e2e]   caught: " << failure.substr(0, 300) << "\n";
    // the load succeeded (a failed load says so otherwise) and only customers differs, in content, not in counts
    EXPECT_EQ(failure.rfind("restored database differs: customers: row digest differs with equal counts", 0), 0u)
        << "a " << size << "-byte dump with one byte of customers row 50 changed: " << (failure.empty() ? "passed the database check" : failure);
    EXPECT_EQ(failure.find("; "), std::string::npos) << "more than customers differs: " << failure;
}

INSTANTIATE_TEST_SUITE_P(Db, RowChangingTool, ::testing::Values("postgres", "mariadb", "mongodb"), [](const auto& p) { return p.param; });

INSTANTIATE_TEST_SUITE_P(Db, TruncatingTool, ::testing::Values("postgres", "mariadb", "mongodb"), [](const auto& p) { return p.param; });

}  // namespace
