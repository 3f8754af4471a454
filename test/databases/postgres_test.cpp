// databases/postgres: a PostgreSQL database seeded with random rows through
// COPY, dumped (pg_dump -Fc), backed up, restored, loaded into a fresh
// database, and compared with the source: per-table counts and a digest of
// sampled rows, which must be non-trivial content.
// Variant A (hooks): before = dump into a temp dir, after = remove the dir.
// The suite runs the hooks around the tool with vykar's semantics (before
// aborts on failure, after on success only).
#include "RoundTrip.hpp"
#include "backends/Backend.hpp"
#include "db/Postgres.hpp"
#include "services/Servers.hpp"
#include "tools/Drivers.hpp"

#include <fstream>
#include <gtest/gtest.h>

using namespace e2e;

namespace {

std::uint64_t seedBytes() {
    switch (Settings::get().profile) {
    case Profile::Ci: return 24ull << 20;
    case Profile::Standard: return 1ull << 30;
    case Profile::Full: return 10ull << 30;
    }
    return 24ull << 20;
}

std::string readFile(const fs::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string describe(const DbFingerprint& f) {
    std::string s;
    for (const auto& [t, n] : f.rows) s += (s.empty() ? "" : ", ") + t + "=" + std::to_string(n);
    return s;
}

// Start a server, seed the source database, report the figures.
struct SeededPostgres {
    PostgresServer server;
    SeedStats stats;
    DbFingerprint source;

    SeededPostgres(Workspace& ws, Verdicts& v) : server(ws.work() / "postgres", ws.logs()) {
        v.layer("server", [&] {
            server.start();
            return "PostgreSQL ready in " + std::to_string(server.startupSeconds()) + " s";
        });
        v.layer("seed", [&] {
            Postgres(server.conninfo()).exec("CREATE DATABASE app");
            Postgres db(server.conninfo("app"));
            stats = db.seed(readFile(Settings::sourceDir() / "seeds" / "schema" / "postgres.sql"), seedBytes(), ws.seed());
            source = db.fingerprint();
            ws.report().set("seeding", {{"final_bytes", stats.final_bytes}, {"rows", stats.rows}, {"seconds", stats.seconds},
                                        {"mib_per_s", stats.mib_per_s()}});
            if (source.distinct_sample_bytes < 4096) throw VerdictFailure("sampled rows are trivial: seeding did not write real content");
            return humanBytes(stats.final_bytes) + " in " + std::to_string(stats.seconds) + " s (" + std::to_string(stats.mib_per_s()) +
                   " MiB/s): " + describe(source);
        });
    }

    Result client(Workspace& ws, const std::string& program, std::vector<std::string> args) {
        Command c{.argv = server.client(program, std::move(args))};
        c.clean_env = true;
        c.log_dir = ws.logs();
        c.log_name = program;
        c.timeout = std::chrono::minutes(30);
        return run(c);
    }

    // Load a custom-format dump into a fresh database and compare it with the source.
    std::string verifyDump(Workspace& ws, const fs::path& dump, const std::string& dbname) {
        Postgres(server.conninfo()).exec("CREATE DATABASE " + dbname);
        Result r = client(ws, "pg_restore", {"-d", dbname, "--no-owner", dump.string()});
        if (!r.ok()) throw VerdictFailure("pg_restore of the restored dump failed: " + r.describe() + "\n" + r.tail());
        DbFingerprint got = Postgres(server.conninfo(dbname)).fingerprint();
        if (!(got == source))
            throw VerdictFailure("restored database differs: counts " + describe(got) + " (source " + describe(source) + ")" +
                                 (got.samples == source.samples ? "" : "; sampled row digests differ"));
        return "counts and sampled-row digests match the source: " + describe(got);
    }
};

TEST(PostgresMachinery, DumpAndRestoreKeepEveryRow) {
    Workspace ws("databases");
    Verdicts v(ws);
    SeededPostgres pg(ws, v);
    const fs::path dump = ws.work() / "app.dump";
    v.layer("dump", [&] {
        Result r = pg.client(ws, "pg_dump", {"-Fc", "-d", "app", "-f", dump.string()});
        if (!r.ok()) throw VerdictFailure("pg_dump failed: " + r.describe() + "\n" + r.tail());
        return humanBytes(fs::file_size(dump));
    });
    v.layer("restore-compare", [&] { return pg.verifyDump(ws, dump, "copy"); });
    EXPECT_TRUE(v.ok()) << v.failedLayer() << ": " << v.firstFailure();
}

class PostgresHooks : public ::testing::TestWithParam<std::string> {};

TEST_P(PostgresHooks, DumpDirBackupRestore) {
    const std::string name = GetParam();
    Workspace ws("databases");
    ws.report().set("tool", name);
    ws.report().set("backend", "local");
    ws.report().set("database", "postgres");
    ToolChoice choice = chooseTool(name);
    E2E_REQUIRE_TOOL(ws, choice);
    Verdicts v(ws);
    SeededPostgres pg(ws, v);
    auto backend = makeBackend("local", ws, name);
    auto tool = makeTool(name, choice.binary->string(), ws.toolContext(name), backend->target());
    const fs::path dumpdir = ws.work() / "pg-dump";
    v.layer("init", [&] {
        tool->init(RepoOptions{});
        return std::string();
    });
    std::string id;
    v.layer("backup", [&] {
        // before: create the dir and dump into it (a failure aborts the backup)
        fs::create_directories(dumpdir);
        Result d = pg.client(ws, "pg_dump", {"-Fc", "-d", "app", "-f", (dumpdir / "app.dump").string()});
        if (!d.ok()) throw VerdictFailure("before hook (pg_dump) failed, backup aborted: " + d.tail());
        id = tool->backup(dumpdir, "pg-hooks");
        // after (on success): remove the dump dir
        fs::remove_all(dumpdir);
        return "snapshot " + id + "; dump dir removed by the after hook";
    });
    v.layer("dump-dir-gone", [&] {
        if (fs::exists(dumpdir)) throw VerdictFailure("the dump dir is still there after the after hook");
        return std::string("gone");
    });
    v.layer("files", [&] {
        for (const auto& f : tool->files(id))
            if (f == "app.dump") return std::string("snapshot holds app.dump");
        throw VerdictFailure("app.dump is not in the snapshot's file list");
    });
    const fs::path out = ws.work() / "restore";
    v.layer("restore", [&] {
        fs::create_directories(out);
        tool->restore(id, out);
        return std::string("restored");
    });
    v.layer("load-compare", [&] { return pg.verifyDump(ws, out / "app.dump", "restored"); });
    EXPECT_TRUE(v.ok()) << v.failedLayer() << ": " << v.firstFailure();
}

INSTANTIATE_TEST_SUITE_P(Postgres, PostgresHooks, ::testing::ValuesIn(knownTools()), [](const auto& p) { return p.param; });

}  // namespace
