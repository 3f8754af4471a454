// databases/<db>: a database seeded with random rows through its bulk path,
// dumped by the recipe, backed up, restored, loaded into a fresh database and
// compared with the source: per-table counts and a digest of every row,
// whose first rows must be non-trivial content. One instantiation per database
// (Postgres/, Mariadb/, Mongodb/): test/databases/CMakeLists.txt labels by it.
//
// Variant A (hooks): before = create a temp dir and dump into it, after =
// remove it; vykar runs the hooks itself, for the others the suite runs the
// same shell commands around the tool with vykar's semantics.
// Variant B (command dumps): vykar's command_dumps, the others' from-command
// modes (the suite's pipe recipe for kopia, which has none; its row says so).
// Failures: a dump that dies mid-stream, a failing before hook, a database
// that is down: the backup fails, no snapshot is made, the error is clear.
#include "DumpRecipe.hpp"
#include "Hooks.hpp"
#include "ScenarioTest.hpp"
#include "config/Backends.hpp"
#include "RoundTrip.hpp"
#include "backends/Backend.hpp"
#include "SeededDb.hpp"
#include "databases/DbKit.hpp"
#include "services/Servers.hpp"
#include "text/Text.hpp"
#include "tools/Drivers.hpp"

#include <fstream>
#include <gtest/gtest.h>

using namespace e2e;

namespace {

struct Case {
    std::string database, tool, backend, variant;  // variant: hooks | command | dumpfails | hookfails | dbdown
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.database << "/" << c.tool << "/" << c.backend << "/" << c.variant;
}

std::vector<Case> cases(const std::string& database, const std::vector<std::pair<std::string, std::string>>& runs) {
    std::vector<Case> all;
    for (const auto& tool : knownTools())
        for (const auto& [backend, variant] : runs) all.push_back({database, tool, backend, variant});
    return all;
}

std::string caseName(const ::testing::TestParamInfo<Case>& p) {
    return p.param.tool + "_" + p.param.backend + "_" + p.param.variant;
}

std::string notApplicable(const Case& c, const Capabilities& caps) {
    if (c.variant == "command" && !caps.stdin_dumps) return c.tool + " cannot store a command's output";
    // a failed dump caught by the suite's pipe recipe would prove the recipe, not the tool
    if ((c.variant == "dumpfails" || c.variant == "dbdown") && !caps.dump_guard)
        return c.tool +
               " has no from-command mode: only the suite's pipe recipe could notice the failed dump, so the case "
               "would test the suite";
    if (c.variant == "hookfails" && !caps.native_hooks)
        return c.tool + " runs no hooks itself: the suite's wrapper would be testing only the suite";
    return {};
}

class DbScenario : public ScenarioTestP<Case> {
protected:
    DbScenario() : ScenarioTestP("databases") {}
    // the tool on its backend; false when the case cannot run here (outcome recorded)
    bool setUpTool(ToolOnBackend& t) {
        const Case& c = GetParam();
        ws().report().set("variant", c.variant);
        ws().report().set("database", c.database);
        PreludeOptions po;
        po.backend = c.backend;
        po.not_applicable = [&](const Capabilities& caps) { return notApplicable(c, caps); };
        return prepare(t, c.tool, po);
    }
};

// ---- the dump itself, no backup tool: the kit's dump and load keep every row ----

class DbMachinery : public ScenarioTestP<std::string> {
protected:
    DbMachinery() : ScenarioTestP("databases") {}
};

TEST_P(DbMachinery, DumpAndLoadKeepEveryRow) {
    Verdicts v(ws());
    SeededDb db(GetParam(), ws(), v);
    const fs::path dump = ws().work() / db.kit().artifactName();
    v.layer("dump", [&] {
        Command c{.argv = {"sh", "-c", shellQuote(db.kit().dumpScript().string()) + " > " + shellQuote(dump.string())}};
        c.clean_env = true;
        c.log_dir = ws().logs();
        c.log_name = "dump";
        c.timeout = std::chrono::minutes(60);
        Result r = run(c);
        if (!r.ok()) throw VerdictFailure("the dump command failed: " + r.describe() + "\n" + r.tail());
        return humanBytes(fs::file_size(dump));
    });
    v.layer("load-compare", [&] { return db.verify(dump, "copy"); });
}

// The fingerprint sees one changed byte in any table: row 50 is not one of the
// every-97th rows (id % 97 == 1) that a sampled digest used to read.
TEST_P(DbMachinery, FingerprintSeesOneChangedByte) {
    Workspace& ws = this->ws();
    Verdicts v(ws);
    SeededDb db(GetParam(), ws, v);
    constexpr std::uint64_t kRow = 50;
    for (const std::string table : kSeedTables)
        v.layer("flip-" + table, [&] {
            db.kit().flipOneByte("app", table, kRow);
            const std::string changed = describeDifference(db.kit().fingerprint("app"), db.source());
            db.kit().flipOneByte("app", table, kRow);  // XOR again: the source as seeded
            const std::string undone = describeDifference(db.kit().fingerprint("app"), db.source());
            if (changed.rfind(table + ": row digest differs with equal counts", 0) != 0 ||
                changed.find("; ") != std::string::npos)
                throw VerdictFailure(
                    "one byte of " + table + " row " + std::to_string(kRow) +
                    " changed, the fingerprint says: " + (changed.empty() ? "no difference" : changed));
            if (!undone.empty()) throw VerdictFailure("the byte flipped back, yet the fingerprint differs: " + undone);
            return "one byte changed: " + changed + "; flipped back: equal again";
        });
    EXPECT_TRUE(v.ok()) << v.failedLayer() << ": " << v.firstFailure();
}

// An empty value and a missing one (NULL; MongoDB: null) are different rows.
TEST_P(DbMachinery, FingerprintTellsNullFromEmpty) {
    Workspace& ws = this->ws();
    Verdicts v(ws);
    SeededDb db(GetParam(), ws, v);
    std::string empty;
    v.layer("empty-notes", [&] {
        db.kit().setCustomerNotes("app", 50, "");
        empty = db.kit().fingerprint("app").digests.at("customers");
        if (empty == db.source().digests.at("customers"))
            throw VerdictFailure("emptying customers row 50's notes left the digest unchanged");
        return std::string("the digest changed");
    });
    v.layer("null-notes", [&] {
        db.kit().setCustomerNotes("app", 50, std::nullopt);
        if (db.kit().fingerprint("app").digests.at("customers") == empty)
            throw VerdictFailure("notes NULL and notes '' give the same digest");
        return std::string("NULL and '' give different digests");
    });
    EXPECT_TRUE(v.ok()) << v.failedLayer() << ": " << v.firstFailure();
}

std::string dbName(const ::testing::TestParamInfo<std::string>& p) {
    return p.param;
}
INSTANTIATE_TEST_SUITE_P(Postgres, DbMachinery, ::testing::Values("postgres"), dbName);
INSTANTIATE_TEST_SUITE_P(Mariadb, DbMachinery, ::testing::Values("mariadb"), dbName);
INSTANTIATE_TEST_SUITE_P(Mongodb, DbMachinery, ::testing::Values("mongodb"), dbName);

// ---- round trips: variant A (hooks) and B (command dumps) ----

class DbRoundTrip : public DbScenario {};

TEST_P(DbRoundTrip, DumpBackupRestoreLoad) {
    const Case& c = GetParam();
    ToolOnBackend t;
    if (!setUpTool(t)) return;
    Verdicts v(ws());
    SeededDb db(c.database, ws(), v);
    dumpRoundTrip(ws(), t, db, v, c.variant == "hooks" ? DumpVia::Hooks : DumpVia::Command, "db-" + c.database);
    ws().report().set("server", t.backend->facts());
}

// variant A and B where the repository is on this machine; one variant on each
// remote backend kind, alternating (command, hooks, command, ...) in the
// registry's order, so that both variants meet a remote backend
std::vector<Case> roundTrips(const std::string& database) {
    std::vector<std::pair<std::string, std::string>> runs;
    bool command = true;
    for (const auto& b : backendRegistry()) {
        if (!b.remote) {
            runs.push_back({b.kind, "hooks"});
            runs.push_back({b.kind, "command"});
            continue;
        }
        runs.push_back({b.kind, command ? "command" : "hooks"});
        command = !command;
    }
    return cases(database, runs);
}
INSTANTIATE_TEST_SUITE_P(Postgres, DbRoundTrip, ::testing::ValuesIn(roundTrips("postgres")), caseName);
INSTANTIATE_TEST_SUITE_P(Mariadb, DbRoundTrip, ::testing::ValuesIn(roundTrips("mariadb")), caseName);
INSTANTIATE_TEST_SUITE_P(Mongodb, DbRoundTrip, ::testing::ValuesIn(roundTrips("mongodb")), caseName);

// ---- failure cases ----

class DbFailure : public DbScenario {};

// The tool's own output (the dump's stderr reaches it through the tool, or not).
std::string toolOutput(const ToolError& e) {
    return e.result().out + "\n" + e.result().err;
}

TEST_P(DbFailure, BackupFailsWithoutSnapshot) {
    const Case& c = GetParam();
    ToolOnBackend t;
    if (!setUpTool(t)) return;
    Verdicts v(ws());
    auto kit = DbKit::make(c.database, ws());
    v.layer("server", [&] {
        kit->start();
        kit->seed(2ull << 20, ws().seed());  // a small real database: the dump has something to stream
        return kit->serverKind();
    });
    v.layer("init", [&] {
        t.tool->init(RepoOptions{});
        return std::string();
    });
    // A dump that dies mid-stream: the real dump, cut after 64 KiB, then exit 3.
    const fs::path failing = ws().configs() / "dump-dies-midway.sh";
    {
        std::ofstream(failing) << "#!/bin/sh\n# the real dump, cut short as by a lost connection or an OOM kill\n"
                               << shellQuote(kit->dumpScript().string()) << " | head -c 65536\n"
                               << "echo 'dump died midway (simulated by backup-e2e)' >&2\nexit 3\n";
        fs::permissions(failing, fs::perms::owner_all);
    }
    const HookMarkers markers(ws().work() / "markers");
    std::string output;
    v.layer("backup-fails", [&] {
        try {
            if (c.variant == "dumpfails") {
                t.tool->backupCommandOutput(failing, kit->artifactName(), "db-" + c.database);
            } else if (c.variant == "dbdown") {
                kit->stop();
                t.tool->backupCommandOutput(kit->dumpScript(), kit->artifactName(), "db-" + c.database);
            } else {  // hookfails: the tool runs the hooks
                const fs::path dumpdir = ws().work() / "dump-dir";
                fs::create_directories(dumpdir);
                HookSet h;
                h.before = "mkdir -p " + shellQuote(dumpdir.string()) + " && " + shellQuote(failing.string()) + " > " +
                           shellQuote((dumpdir / kit->artifactName()).string());
                h.after = markers.touch("after");
                h.failed = markers.touch("failed");
                h.finally = markers.touch("finally") + "; rm -rf " + shellQuote(dumpdir.string());
                t.tool->backupWithHooks(dumpdir, h, "db-" + c.database);
            }
        } catch (const ToolError& e) {
            if (e.timedOut()) throw VerdictFailure(std::string("the backup hung instead of failing: ") + e.what());
            output = toolOutput(e);
            return std::string("failed as it must: ") + e.what();
        }
        throw VerdictFailure("the backup reported success although the dump failed");
    });
    v.layer("no-snapshot", [&] {
        auto snaps = t.tool->snapshots();
        if (!snaps.empty())
            throw VerdictFailure(c.tool + " stored snapshot " + snaps.front().id + " (" + snaps.front().label +
                                 ") although the dump failed");
        return std::string("the repository holds no snapshot");
    });
    // the cause, in the tool's output: never the suite's own words or a file name
    if (c.variant == "dbdown")
        v.layer("error-names-connection", [&] {
            const std::string why = matchingLine(output, kit->connectionFailure());
            if (why.empty())
                throw VerdictFailure("the tool's output does not say the database is unreachable (/" +
                                     kit->connectionFailure() + "/):\n" + output);
            return "the error names the unreachable server: " + why;
        });
    if (c.variant == "dumpfails" || c.variant == "hookfails")
        v.layer("error-names-dump", [&] {
            const char* exit3 = R"((exit(ed)?|status|code)[^0-9\n]{0,24}\b3\b)";
            const std::string why = matchingLine(output, exit3);
            if (why.empty())
                throw VerdictFailure("the tool's output does not give the dump command's exit status 3:\n" + output);
            return "the error gives the dump's exit status: " + why;
        });
    if (c.variant == "hookfails")
        v.layer("failed-finally-ran", [&] {
            return markers.expect("hooks after a failing before",
                                  {{"failed", true}, {"finally", true}, {"after", false}});
        });
}

std::vector<Case> failures(const std::string& database) {
    return cases(database, {{"local", "dumpfails"}, {"local", "hookfails"}, {"local", "dbdown"}});
}
INSTANTIATE_TEST_SUITE_P(Postgres, DbFailure, ::testing::ValuesIn(failures("postgres")), caseName);
INSTANTIATE_TEST_SUITE_P(Mariadb, DbFailure, ::testing::ValuesIn(failures("mariadb")), caseName);
INSTANTIATE_TEST_SUITE_P(Mongodb, DbFailure, ::testing::ValuesIn(failures("mongodb")), caseName);

}  // namespace
