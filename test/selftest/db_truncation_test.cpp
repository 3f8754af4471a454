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
#include "FaultyTool.hpp"
#include "ScenarioTest.hpp"
#include "config/Settings.hpp"
#include "SeededDb.hpp"
#include "databases/DbKit.hpp"
#include "tools/Drivers.hpp"

#include <gtest/gtest.h>

using namespace e2e;

namespace {

// The wrapper changes each restored file with change_one_row.pl; a failure fails the restore.
const std::string kChangeOneRowRestored =
    "editor=" + shellQuote((Settings::sourceDir() / "test" / "selftest" / "change_one_row.pl").string()) + R"SH(
"$real" "$@"; rc=$?
case " $* " in *" restore "*) ;; *) exit $rc ;; esac
dir=$PWD; prev=""
for a in "$@"; do [ "$prev" = "--target" ] && dir=$a; prev=$a; done
find "$dir" -type f | while read -r f; do perl "$editor" "$f" >&2 || exit 9; done || exit 9
exit $rc
)SH";

struct DumpFault {
    std::string name, db;
    std::string script;
};

void PrintTo(const DumpFault& f, std::ostream* os) {
    *os << f.name << "/" << f.db;
}

class DamagedDump : public ScenarioTestP<DumpFault> {
protected:
    DamagedDump() : ScenarioTestP("selftest") {}
};

// Back up the seeded database's dump through the faulty restic, restore it,
// and run the scenario's own load-compare check: it must fail there.
TEST_P(DamagedDump, LoadCompareCatchesIt) {
    const DumpFault& f = GetParam();
    ws().report().set("database", f.db);
    ws().report().expectFault("restic " + f.name + " (" + f.db + ")", "load-compare");
    PreludeOptions po;
    po.wrap = [&](const fs::path& real) { return writeFaultyWrapper(ws().work(), "restic", real, f.name, f.script); };
    ToolOnBackend t;
    if (!prepare(t, "restic", po)) return;
    Verdicts v(ws());
    SeededDb source(f.db, ws(), v);
    dumpRoundTrip(ws(), t, source, v, DumpVia::Command, "selftest");
    if (v.failedLayer() != "load-compare") return;  // the fixture reports where it was caught instead
    if (f.name == "truncated" &&
        f.db == "mariadb") {  // the SQL prefix loads: the comparison has to tell, not the loader
        EXPECT_NE(v.firstFailure().find("restored database differs"), std::string::npos) << v.firstFailure();
    }
    if (f.name == "one_row_changed") {
        // the load succeeded and only customers differs, in content, not in counts
        EXPECT_EQ(
            v.firstFailure().rfind("restored database differs: customers: row digest differs with equal counts", 0), 0u)
            << v.firstFailure();
        EXPECT_EQ(v.firstFailure().find("; "), std::string::npos)
            << "more than customers differs: " << v.firstFailure();
    }
}

std::vector<DumpFault> faults() {
    std::vector<DumpFault> v;
    for (const char* db : {"postgres", "mariadb", "mongodb"}) {
        v.push_back({"truncated", db, kTruncateRestoredFiles});
        v.push_back({"one_row_changed", db, kChangeOneRowRestored});
    }
    return v;
}

INSTANTIATE_TEST_SUITE_P(Db, DamagedDump, ::testing::ValuesIn(faults()),
                         [](const auto& p) { return p.param.name + "_" + p.param.db; });

}  // namespace
