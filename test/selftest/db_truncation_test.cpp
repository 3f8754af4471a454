// The database scenarios must catch a tool that returns short files. A restic
// wrapper cuts every restored file after the last complete SQL statement
// before its middle (so a SQL dump stays loadable and only the counts can
// tell; binary dumps just end early); the database check must fail, for every
// database.
#include "FaultyTool.hpp"
#include "ScenarioTest.hpp"
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

class TruncatingTool : public ScenarioTestP<std::string> {
protected:
    TruncatingTool() : ScenarioTestP("selftest") {}
};

TEST_P(TruncatingTool, DatabaseCheckFails) {
    const std::string db = GetParam();
    ws().report().set("database", db);
    ws().report().expectFault("truncated_restore", "load-compare");
    PreludeOptions po;
    po.wrap = [&](const fs::path& real) { return writeFaultyWrapper(ws().work(), "restic", real, "truncating", kTruncateRestored); };
    ToolOnBackend t;
    if (!prepare(t, "restic", po)) return;
    Verdicts v(ws());
    SeededDb source(db, ws(), v);
    v.layer("init", [&] {
        t.tool->init(RepoOptions{});
        return std::string();
    });
    const std::string artifact = source.kit().artifactName();
    std::string id;
    v.layer("backup", [&] {
        id = t.tool->backupCommandOutput(source.kit().dumpScript(), artifact, "selftest");
        return "snapshot " + id;
    });
    const fs::path out = ws().work() / "restore";
    const fs::path restored = out / t.tool->commandOutputPath(artifact);
    v.layer("restore", [&] {
        t.tool->restore(id, out);
        if (!fs::exists(restored)) throw VerdictFailure("the restore holds no " + artifact);
        return humanBytes(fs::file_size(restored)) + " restored";
    });
    // the scenario's own check, expected to fail; on MariaDB the SQL prefix
    // loads, so the comparison has to tell, not the loader
    v.layer("load-compare", [&] { return source.verify(restored, "restored"); });
}

INSTANTIATE_TEST_SUITE_P(Db, TruncatingTool, ::testing::Values("postgres", "mariadb", "mongodb"), [](const auto& p) { return p.param; });

}  // namespace
