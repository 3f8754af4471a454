#include "SeededDb.hpp"

#include "DumpRecipe.hpp"
#include "Hooks.hpp"
#include "RoundTrip.hpp"
#include "config/Settings.hpp"
#include "text/Text.hpp"

namespace e2e {

SeededDb::SeededDb(const std::string& name, Workspace& ws, Verdicts& v) : SeededDb(DbKit::make(name, ws), ws, v) {}

SeededDb::SeededDb(std::unique_ptr<DbKit> kit, Workspace& ws, Verdicts& v) : kit_(std::move(kit)) {
    ws.report().set("database", kit_->name());
    ready_ = v.layer("server", [&] {
        kit_->start();
        std::string kind = kit_->serverKind();
        ws.report().set("server_kind", kind);
        return kind + " ready in " + std::to_string(kit_->startupSeconds()) + " s";
    });
    ready_ = ready_ && v.layer("seed", [&] {
        stats_ = kit_->seed(kit_->profileBytes(), ws.seed());
        source_ = kit_->fingerprint("app");
        ws.report().set("seeding", {{"final_bytes", stats_.final_bytes},
                                    {"rows", stats_.rows},
                                    {"seconds", stats_.seconds},
                                    {"mib_per_s", stats_.mib_per_s()}});
        if (source_.rows != stats_.rows)
            throw VerdictFailure("the source holds " + describe(source_) + ", seeding wrote " +
                                 describeRows(stats_.rows));
        if (source_.distinct_content_bytes < 4096)
            throw VerdictFailure("the first rows' content is trivial: seeding did not write real content");
        return humanBytes(stats_.final_bytes) + " in " + std::to_string(stats_.seconds) + " s (" +
               std::to_string(stats_.mib_per_s()) + " MiB/s): " + describe(source_);
    });
}

std::string SeededDb::verify(const fs::path& artifact, const std::string& db) {
    if (!fs::exists(artifact)) throw VerdictFailure("the restore holds no " + artifact.filename().string());
    try {
        kit_->load(artifact, db);
    } catch (const DbError& e) {
        throw VerdictFailure(std::string("the restored dump does not load: ") + e.what());
    }
    DbFingerprint got;
    const auto t0 = std::chrono::steady_clock::now();
    try {
        got = kit_->fingerprint(db);
    } catch (const DbError& e) {
        throw VerdictFailure(std::string("restored database differs: it cannot be read like the source: ") + e.what());
    }
    const double seconds = secondsSince(t0);
    if (got.distinct_content_bytes < 4096)
        throw VerdictFailure("the restored database's first rows are trivial content: " + describe(got));
    if (!(got == source_)) throw VerdictFailure("restored database differs: " + describeDifference(got, source_));
    return humanBytes(fs::file_size(artifact)) + " dump; counts and digests of every row match the source (" +
           std::to_string(seconds) + " s to fingerprint): " + describe(got);
}

bool dumpRoundTrip(Workspace& ws, ToolOnBackend& t, SeededDb& db, Verdicts& v, DumpVia via, const std::string& label) {
    if (!db.ready()) return false;
    DbKit& kit = db.kit();
    const std::string artifact = kit.artifactName();
    const fs::path dumpdir = ws.work() / "dump-dir";
    std::string id, in_snapshot;
    v.layer("init", [&] {
        t.tool->init(RepoOptions{});
        return std::string();
    });
    v.layer("backup", [&] {
        if (via == DumpVia::Hooks) {
            HookSet h;
            h.before = "mkdir -p " + shellQuote(dumpdir.string()) + " && " + shellQuote(kit.dumpScript().string()) +
                       " > " + shellQuote((dumpdir / artifact).string());
            h.after = "rm -rf " + shellQuote(dumpdir.string());
            in_snapshot = artifact;
            // the source dir must exist when a tool reads its config; the before hook fills it
            if (t.caps.native_hooks) fs::create_directories(dumpdir);
            HookedBackup b = backupWithRecipeHooks(ws, *t.tool, t.caps, dumpdir, h, label);
            id = b.id;
            return "snapshot " + id +
                   (b.native ? " (" + t.name + " ran the hooks)" : " (the suite ran the hooks around " + t.name + ")");
        }
        DumpBackup b = backupDump(ws, *t.tool, t.caps, kit.dumpScript(), artifact, label);
        id = b.id;
        in_snapshot = t.tool->commandOutputPath(artifact);
        return "snapshot " + id + ": " + b.how;
    });
    if (via == DumpVia::Hooks)
        v.layer("dump-dir-gone", [&] {
            if (fs::exists(dumpdir))
                throw VerdictFailure("the dump dir " + dumpdir.string() + " is still there after the after hook");
            return std::string("the after hook removed it");
        });
    v.layer("listed", [&] {
        for (const auto& s : t.tool->snapshots())
            if (sameSnapshotId(s.id, id)) return "listed with label '" + s.label + "'";
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
    return v.ok();
}

}  // namespace e2e
