// databases/<db>: a database seeded with random rows through its bulk path,
// dumped by the recipe, backed up, restored, loaded into a fresh database and
// compared with the source: per-table counts and a digest of every row,
// whose first rows must be non-trivial content. Built once per database (E2E_DATABASE).
//
// Variant A (hooks): before = create a temp dir and dump into it, after =
// remove it; vykar runs the hooks itself, for the others the suite runs the
// same shell commands around the tool with vykar's semantics.
// Variant B (command dumps): vykar's command_dumps, the others' from-command
// or stdin modes (a pipe where the tool has no from-command mode).
// Failures: a dump that dies mid-stream, a failing before hook, a database
// that is down: the backup fails, no snapshot is made, the error is clear.
#include "Hooks.hpp"
#include "RoundTrip.hpp"
#include "backends/Backend.hpp"
#include "databases/DbKit.hpp"
#include "services/Servers.hpp"
#include "tools/Drivers.hpp"

#include <fstream>
#include <gtest/gtest.h>

using namespace e2e;

namespace {

const std::string kDatabase = E2E_DATABASE;

struct Case {
    std::string tool, backend, variant;   // variant: hooks | command | dumpfails | hookfails | dbdown
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.tool << "/" << c.backend << "/" << c.variant; }

std::vector<Case> cases(const std::vector<std::pair<std::string, std::string>>& runs) {
    std::vector<Case> all;
    for (const auto& tool : knownTools())
        for (const auto& [backend, variant] : runs) all.push_back({tool, backend, variant});
    return all;
}

std::string caseName(const ::testing::TestParamInfo<Case>& p) { return p.param.tool + "_" + p.param.backend + "_" + p.param.variant; }

// Shared set-up: the tool and its backend (NOT-APPLICABLE when it has none).
struct ToolOnBackend {
    std::unique_ptr<Backend> backend;
    std::unique_ptr<BackupTool> tool;
    Capabilities caps;
};

std::string notApplicable(const Case& c, const Capabilities& caps) {
    if (!caps.backends.count(c.backend)) return c.tool + " has no " + c.backend + " backend";
    if ((c.variant == "command" || c.variant == "dumpfails" || c.variant == "dbdown") && !caps.stdin_dumps)
        return c.tool + " cannot store a command's output";
    if (c.variant == "hookfails" && !caps.native_hooks)
        return c.tool + " runs no hooks itself: the suite's wrapper would be testing only the suite";
    return {};
}

class DbScenario : public ::testing::TestWithParam<Case> {
protected:
    // Returns false (test already marked) when the case cannot run here.
    bool setUpTool(Workspace& ws, const Case& c, ToolOnBackend& t) {
        ws.report().set("tool", c.tool);
        ws.report().set("backend", c.backend);
        ws.report().set("variant", c.variant);
        ToolChoice choice = chooseTool(c.tool);
        if (!choice.binary) {
            if (choice.required) ADD_FAILURE() << choice.reason;
            else skip_ = choice.reason;
            return false;
        }
        t.caps = makeTool(c.tool, choice.binary->string(), ws.toolContext(c.tool), RepoTarget{})->capabilities();
        if (std::string na = notApplicable(c, t.caps); !na.empty()) {
            ws.report().setStatus(Status::NotApplicable, na);
            skip_ = "NOT-APPLICABLE: " + na;
            return false;
        }
        try {
            t.backend = makeBackend(c.backend, ws, c.tool);
        } catch (const ServiceError& e) {
            ws.report().addLayer({"backend-server", Status::Fail, e.what(), 0});
            ADD_FAILURE() << "the " << c.backend << " server did not start: " << e.what();
            return false;
        }
        ws.report().set("server", t.backend->facts());
        t.tool = makeTool(c.tool, choice.binary->string(), ws.toolContext(c.tool, t.backend->external()), t.backend->target());
        return true;
    }
    std::string skip_;
};

// ---- the dump itself, no backup tool: the kit's dump and load keep every row ----

class DbMachinery : public ::testing::TestWithParam<std::string> {};

TEST_P(DbMachinery, DumpAndLoadKeepEveryRow) {
    Workspace ws("databases");
    Verdicts v(ws);
    SeededDb db(kDatabase, ws, v);
    const fs::path dump = ws.work() / db.kit().artifactName();
    v.layer("dump", [&] {
        Command c{.argv = {"sh", "-c", shellQuote(db.kit().dumpScript().string()) + " > " + shellQuote(dump.string())}};
        c.clean_env = true;
        c.log_dir = ws.logs();
        c.log_name = "dump";
        c.timeout = std::chrono::minutes(60);
        Result r = run(c);
        if (!r.ok()) throw VerdictFailure("the dump command failed: " + r.describe() + "\n" + r.tail());
        return humanBytes(fs::file_size(dump));
    });
    v.layer("load-compare", [&] { return db.verify(dump, "copy"); });
    EXPECT_TRUE(v.ok()) << v.failedLayer() << ": " << v.firstFailure();
}

// The fingerprint sees one changed byte in any table: row 50 is not one of the
// every-97th rows (id % 97 == 1) that a sampled digest used to read.
TEST_P(DbMachinery, FingerprintSeesOneChangedByte) {
    Workspace ws("databases");
    Verdicts v(ws);
    SeededDb db(kDatabase, ws, v);
    constexpr std::uint64_t kRow = 50;
    for (const std::string table : kSeedTables)
        v.layer("flip-" + table, [&] {
            db.kit().flipOneByte("app", table, kRow);
            const std::string changed = describeDifference(db.kit().fingerprint("app"), db.source());
            db.kit().flipOneByte("app", table, kRow);   // XOR again: the source as seeded
            const std::string undone = describeDifference(db.kit().fingerprint("app"), db.source());
            if (changed.rfind(table + ": row digest differs with equal counts", 0) != 0 || changed.find("; ") != std::string::npos)
                throw VerdictFailure("one byte of " + table + " row " + std::to_string(kRow) + " changed, the fingerprint says: " +
                                     (changed.empty() ? "no difference" : changed));
            if (!undone.empty()) throw VerdictFailure("the byte flipped back, yet the fingerprint differs: " + undone);
            return "one byte changed: " + changed + "; flipped back: equal again";
        });
    EXPECT_TRUE(v.ok()) << v.failedLayer() << ": " << v.firstFailure();
}

// An empty value and a missing one (NULL; MongoDB: null) are different rows.
TEST_P(DbMachinery, FingerprintTellsNullFromEmpty) {
    Workspace ws("databases");
    Verdicts v(ws);
    SeededDb db(kDatabase, ws, v);
    std::string empty;
    v.layer("empty-notes", [&] {
        db.kit().setCustomerNotes("app", 50, "");
        empty = db.kit().fingerprint("app").digests.at("customers");
        if (empty == db.source().digests.at("customers")) throw VerdictFailure("emptying customers row 50's notes left the digest unchanged");
        return std::string("the digest changed");
    });
    v.layer("null-notes", [&] {
        db.kit().setCustomerNotes("app", 50, std::nullopt);
        if (db.kit().fingerprint("app").digests.at("customers") == empty) throw VerdictFailure("notes NULL and notes '' give the same digest");
        return std::string("NULL and '' give different digests");
    });
    EXPECT_TRUE(v.ok()) << v.failedLayer() << ": " << v.firstFailure();
}

INSTANTIATE_TEST_SUITE_P(E2E_INSTANCE, DbMachinery, ::testing::Values(kDatabase), [](const auto& p) { return p.param; });

// ---- round trips: variant A (hooks) and B (command dumps) ----

class DbRoundTrip : public DbScenario {};

TEST_P(DbRoundTrip, DumpBackupRestoreLoad) {
    const Case& c = GetParam();
    Workspace ws("databases");
    ToolOnBackend t;
    if (!setUpTool(ws, c, t)) {
        if (!skip_.empty()) GTEST_SKIP() << skip_;
        return;
    }
    Verdicts v(ws);
    SeededDb db(kDatabase, ws, v);
    DbKit& kit = db.kit();
    const std::string artifact = kit.artifactName();
    const fs::path dumpdir = ws.work() / "dump-dir";
    std::string id, in_snapshot;
    v.layer("init", [&] {
        t.tool->init(RepoOptions{});
        return std::string();
    });
    v.layer("backup", [&] {
        if (c.variant == "hooks") {
            HookSet h;
            h.before = "mkdir -p " + shellQuote(dumpdir.string()) + " && " + shellQuote(kit.dumpScript().string()) + " > " +
                       shellQuote((dumpdir / artifact).string());
            h.after = "rm -rf " + shellQuote(dumpdir.string());
            in_snapshot = artifact;
            // the source dir must exist when a tool reads its config; the before hook fills it
            if (t.caps.native_hooks) fs::create_directories(dumpdir);
            HookedBackup b = backupWithRecipeHooks(ws, *t.tool, t.caps, dumpdir, h, "db-" + kDatabase);
            id = b.id;
            return "snapshot " + id + (b.native ? " (" + c.tool + " ran the hooks)" : " (the suite ran the hooks around " + c.tool + ")");
        }
        id = t.tool->backupCommandOutput(kit.dumpScript(), artifact, "db-" + kDatabase);
        in_snapshot = t.tool->commandOutputPath(artifact);
        return "snapshot " + id + ": " + (t.caps.dump_guard ? c.tool + " ran the dump command" : "the dump piped into " + c.tool + "'s stdin");
    });
    if (c.variant == "hooks")
        v.layer("dump-dir-gone", [&] {
            if (fs::exists(dumpdir)) throw VerdictFailure("the dump dir " + dumpdir.string() + " is still there after the after hook");
            return std::string("the after hook removed it");
        });
    v.layer("listed", [&] {
        for (const auto& s : t.tool->snapshots())
            if (s.id == id || s.id.rfind(id, 0) == 0 || id.rfind(s.id, 0) == 0) return "listed with label '" + s.label + "'";
        throw VerdictFailure("snapshot " + id + " is not in the tool's snapshot list");
    });
    v.layer("files", [&] {
        auto files = t.tool->files(id);
        for (const auto& f : files)
            if (f == in_snapshot) return "snapshot holds " + in_snapshot;
        std::string seen;
        for (const auto& f : files) seen += " " + f;
        throw VerdictFailure(in_snapshot + " is not in the snapshot's file list:" + seen);
    });
    const fs::path out = ws.work() / "restore";
    v.layer("restore", [&] {
        t.tool->restore(id, out);
        return std::string("restored");
    });
    v.layer("load-compare", [&] { return db.verify(out / in_snapshot, "restored"); });
    ws.report().set("server", t.backend->facts());
    EXPECT_TRUE(v.ok()) << v.failedLayer() << ": " << v.firstFailure();
}

INSTANTIATE_TEST_SUITE_P(E2E_INSTANCE, DbRoundTrip,
                         ::testing::ValuesIn(cases({{"local", "hooks"}, {"local", "command"}, {"rest", "command"}, {"s3", "hooks"}, {"sftp", "command"}})),
                         caseName);

// ---- failure cases ----

class DbFailure : public DbScenario {};

TEST_P(DbFailure, BackupFailsWithoutSnapshot) {
    const Case& c = GetParam();
    Workspace ws("databases");
    ToolOnBackend t;
    if (!setUpTool(ws, c, t)) {
        if (!skip_.empty()) GTEST_SKIP() << skip_;
        return;
    }
    ws.report().set("database", kDatabase);
    Verdicts v(ws);
    auto kit = DbKit::make(kDatabase, ws);
    v.layer("server", [&] {
        kit->start();
        kit->seed(2ull << 20, ws.seed());   // a small real database: the dump has something to stream
        return kit->serverKind();
    });
    v.layer("init", [&] {
        t.tool->init(RepoOptions{});
        return std::string();
    });
    // A dump that dies mid-stream: the real dump, cut after 64 KiB, then a non-zero exit.
    const fs::path failing = ws.configs() / "dump-dies-midway.sh";
    {
        std::ofstream(failing) << "#!/bin/sh\n# the real dump, cut short as by a lost connection or an OOM kill\n"
                               << shellQuote(kit->dumpScript().string()) << " | head -c 65536\n"
                               << "echo 'dump died midway (simulated by backup-e2e)' >&2\nexit 3\n";
        fs::permissions(failing, fs::perms::owner_all);
    }
    const fs::path markers = ws.work() / "markers";
    fs::create_directories(markers);
    std::string error;
    v.layer("backup-fails", [&] {
        try {
            if (c.variant == "dumpfails") {
                t.tool->backupCommandOutput(failing, kit->artifactName(), "db-" + kDatabase);
            } else if (c.variant == "dbdown") {
                kit->server().stop();
                t.tool->backupCommandOutput(kit->dumpScript(), kit->artifactName(), "db-" + kDatabase);
            } else {   // hookfails: vykar runs the hooks
                const fs::path dumpdir = ws.work() / "dump-dir";
                fs::create_directories(dumpdir);
                HookSet h;
                h.before = "mkdir -p " + shellQuote(dumpdir.string()) + " && " + shellQuote(failing.string()) + " > " +
                           shellQuote((dumpdir / kit->artifactName()).string());
                h.after = "touch " + shellQuote((markers / "after").string());
                h.failed = "touch " + shellQuote((markers / "failed").string());
                h.finally = "touch " + shellQuote((markers / "finally").string()) + "; rm -rf " + shellQuote(dumpdir.string());
                t.tool->backupWithHooks(dumpdir, h, "db-" + kDatabase);
            }
        } catch (const ToolError& e) {
            error = std::string(e.what()) + "\n" + e.result().tail(30);
            return std::string("failed as it must: ") + e.what();
        }
        throw VerdictFailure("the backup reported success although the dump failed");
    });
    v.layer("no-snapshot", [&] {
        auto snaps = t.tool->snapshots();
        if (!snaps.empty()) throw VerdictFailure("the failed backup left snapshot " + snaps.front().id + " (" + snaps.front().label + ")");
        return std::string("the repository holds no snapshot");
    });
    if (c.variant == "dbdown")
        v.layer("clear-error", [&] {
            for (const char* hint : {"connect", "did not answer", "refused", "No such file", "server selection"})
                if (error.find(hint) != std::string::npos) return std::string("the error names the unreachable server ('") + hint + "')";
            throw VerdictFailure("the error does not say the database is unreachable:\n" + error);
        });
    if (c.variant == "dumpfails")
        v.layer("error-names-dump", [&] {
            if (error.find("dump") == std::string::npos && error.find("exit code 3") == std::string::npos && error.find("exit 3") == std::string::npos)
                throw VerdictFailure("the error does not point at the failed dump command:\n" + error);
            return std::string("the error points at the dump command");
        });
    if (c.variant == "hookfails")
        v.layer("failed-finally-ran", [&] {
            bool failed = fs::exists(markers / "failed"), fin = fs::exists(markers / "finally"), after = fs::exists(markers / "after");
            if (!failed || !fin || after)
                throw VerdictFailure(std::string("hooks after a failing before: failed ") + (failed ? "ran" : "did NOT run") + ", finally " +
                                     (fin ? "ran" : "did NOT run") + ", after " + (after ? "ran (it must not)" : "did not run"));
            return std::string("failed and finally ran, after did not");
        });
    EXPECT_TRUE(v.ok()) << v.failedLayer() << ": " << v.firstFailure();
}

INSTANTIATE_TEST_SUITE_P(E2E_INSTANCE, DbFailure, ::testing::ValuesIn(cases({{"local", "dumpfails"}, {"local", "hookfails"}, {"local", "dbdown"}})), caseName);

}  // namespace
