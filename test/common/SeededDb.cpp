#include "SeededDb.hpp"

#include "config/Settings.hpp"

namespace e2e {

SeededDb::SeededDb(const std::string& name, Workspace& ws, Verdicts& v) : kit_(DbKit::make(name, ws)) {
    ws.report().set("database", name);
    ready_ = v.layer("server", [&] {
        kit_->start();
        std::string kind = kit_->serverKind();
        ws.report().set("server_kind", kind);
        return kind + " ready in " + std::to_string(kit_->server().startupSeconds()) + " s";
    });
    ready_ = ready_ && v.layer("seed", [&] {
        stats_ = kit_->seed(kit_->profileBytes(), ws.seed());
        source_ = kit_->fingerprint("app");
        ws.report().set("seeding", {{"final_bytes", stats_.final_bytes}, {"rows", stats_.rows}, {"seconds", stats_.seconds},
                                    {"mib_per_s", stats_.mib_per_s()}});
        if (source_.rows != stats_.rows) throw VerdictFailure("the source holds " + describe(source_) + ", seeding wrote " + describeRows(stats_.rows));
        if (source_.distinct_content_bytes < 4096) throw VerdictFailure("the first rows' content is trivial: seeding did not write real content");
        return humanBytes(stats_.final_bytes) + " in " + std::to_string(stats_.seconds) + " s (" + std::to_string(stats_.mib_per_s()) +
               " MiB/s): " + describe(source_);
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
    if (got.distinct_content_bytes < 4096) throw VerdictFailure("the restored database's first rows are trivial content: " + describe(got));
    if (!(got == source_)) throw VerdictFailure("restored database differs: " + describeDifference(got, source_));
    return humanBytes(fs::file_size(artifact)) + " dump; counts and digests of every row match the source (" + std::to_string(seconds) +
           " s to fingerprint): " + describe(got);
}

}  // namespace e2e
