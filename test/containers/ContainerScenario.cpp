#include "ContainerScenario.hpp"
#include "tools/Registry.hpp"

#include "Hooks.hpp"
#include "SeededDb.hpp"
#include "databases/ContainerDbKit.hpp"
#include "config/Settings.hpp"
#include "text/Text.hpp"
#include "tools/Drivers.hpp"
#include "tree/Digest.hpp"

#include <fstream>
#include <sstream>
#include <thread>

namespace e2e {

using namespace std::chrono_literals;

namespace {

std::string engineSuffix(EngineKind k) {
    return k == EngineKind::Docker ? "docker" : k == EngineKind::Podman ? "rootful" : "rootless";
}

// The corpus the volume holds: the profile's in standard/full; in ci a small
// one with every awkward case (tool x engine rows must stay cheap).
CorpusProfile volumeCorpus() {
    const Config& c = Settings::get();
    if (c.profile != Profile::Ci) return c.corpusProfile();
    CorpusProfile p;
    p.small_files = 40;
    p.bulk_bytes = 2ull << 20;
    p.big_file_bytes = 1ull << 20;
    p.depth = 5;
    p.duplicates = 3;
    return p;
}

std::string lines(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& l : v) s += l + "\n";
    return s;
}

std::vector<std::string> splitLines(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

// wait until `pred` holds, at most `limit`; false when it never did
bool waitFor(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    auto pause = 20ms;
    while (true) {
        if (pred()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(250));
    }
}

// the tool's own output (a hook's stderr reaches it through the tool, or not)
std::string toolOutput(const ToolError& e) {
    return e.result().out + "\n" + e.result().err;
}

}  // namespace

void PrintTo(const ContainerCase& c, std::ostream* os) {
    *os << toString(c.engine) << "/" << c.tool << "/" << c.backend;
}

std::vector<ContainerCase> containerCases(const std::vector<EngineKind>& engines,
                                          const std::vector<std::string>& backends) {
    std::vector<ContainerCase> v;
    for (auto e : engines)
        for (const auto& t : knownTools())
            for (const auto& b : backends) v.push_back({e, t, b});
    return v;
}

std::vector<ContainerCase> withCorpusVariants(std::vector<ContainerCase> v) {
    std::vector<ContainerCase> out;
    for (auto& c : v) {
        out.push_back(c);
        for (const auto& variant : corpusVariants(c.tool)) out.push_back({c.engine, c.tool, c.backend, "", variant});
    }
    return out;
}

std::string containerCaseName(const ::testing::TestParamInfo<ContainerCase>& p) {
    return p.param.tool + "_" + p.param.backend + "_" + engineSuffix(p.param.engine) +
           (p.param.variant.empty() ? "" : "_" + p.param.variant);
}

ImageRecipe baseImage() {
    return ImageRecipe{.name = "base"};
}

void ContainerScenario::TearDown() {
    try {
        engine_.reset();  // containers, volumes, daemon: gone before the verdict is written
    } catch (const std::exception& e) {
        ADD_FAILURE() << "stopping the container engine failed: " << e.what();
    }
    ScenarioTestP::TearDown();
}

bool ContainerScenario::setUpTool(ToolOnBackend& t, std::function<std::string(const Capabilities&)> not_applicable,
                                  std::function<fs::path(const fs::path&)> wrap) {
    const ContainerCase& c = GetParam();
    ws().report().set("engine", toString(c.engine));
    ws().report().set("backend", c.backend);
    PreludeOptions po;
    po.backend = c.backend;
    po.not_applicable = std::move(not_applicable);
    po.wrap = std::move(wrap);
    po.variant = c.variant;
    if (!prepare(t, c.tool, po)) return false;
    const EngineSite site{ws().config().docker_host, ws().config().runtime_dir / "cache"};
    if (std::string why = engineMissing(c.engine, site); !why.empty()) {
        endAs(Status::Skipped, toString(c.engine) + " cannot run here: " + why);
        return false;
    }
    try {
        engine_ = std::make_unique<ContainerEngine>(c.engine, ws().logs(), site);
    } catch (const std::exception& e) {
        endAs(Status::Fail, "the " + toString(c.engine) + " engine did not start: " + e.what());
        return false;
    }
    ws().report().set("engine_facts", engine_->facts());
    return true;
}

namespace {

// what an image would make: the app's data owned by its service uid, a state dir of another uid
constexpr unsigned kAppUid = 999, kOtherUid = 1001, kOtherGid = 1002;
const std::string kBlob = "app-state/blob.bin";

// Fills volume `vol` from a container with the corpus at `corpus`; `src` gets the volume's host path.
std::string fillVolume(Workspace& ws, ContainerEngine& engine, const std::string& base, const fs::path& corpus,
                       const std::string& vol, fs::path& src) {
    const fs::path tar = ws.work() / "corpus.tar";
    runOrThrow(Command{.argv = {"tar", "--format=posix", "--xattrs", "--xattrs-include=*", "--acls", "--numeric-owner",
                                "--sparse", "-C", corpus.string(), "-cf", tar.string(), "."}},
               "corpus-tar", ws.logs(), 10min);
    engine.createVolume(vol);
    engine.runOnce(base, {"-v", vol + ":/data"},
                   {"sh", "-c",
                    "set -e; tar --xattrs --xattrs-include='*' --acls --numeric-owner -xpf - -C /data"
                    " && chown -R -h " +
                        std::to_string(kAppUid) + ":" + std::to_string(kAppUid) +
                        " /data && chown 0:0 /data"
                        " && mkdir -p /data/app-state && head -c 262144 /dev/urandom > /data/" +
                        kBlob + " && chown -R " + std::to_string(kOtherUid) + ":" + std::to_string(kOtherGid) +
                        " /data/app-state"},
                   "fill", tar);
    fs::remove(tar);
    src = engine.volumePath(vol);
    ws.context("volume_path", src.string());
    return "volume " + vol + " filled by a container; host path " + src.string() + " (volume inspect)";
}

// The volume's host files are owned as the container made them; their manifest is what the restore must equal.
std::string checkSourceOwners(ContainerEngine& engine, ScenarioSteps& steps, const fs::path& src) {
    ManifestOptions mo;
    mo.digest = Settings::get().digest;
    Manifest m = Manifest::build(src, mo);
    const unsigned want = engine.hostId(kAppUid), want_other = engine.hostId(kOtherUid);
    std::size_t app = 0, other = 0;
    for (const auto& [p, e] : m.entries) {
        if (e.uid == want && e.gid == engine.hostId(kAppUid)) ++app;
        if (e.uid == want_other && e.gid == engine.hostId(kOtherGid)) ++other;
    }
    if (app + other != m.entries.size() || other < 2)
        throw VerdictFailure("the volume's host files are not owned as the container made them: " +
                             std::to_string(app) + " of " + std::to_string(m.entries.size()) + " by " +
                             std::to_string(want) + ", " + std::to_string(other) + " by " + std::to_string(want_other));
    steps.expect(std::move(m));
    return std::to_string(app) + " entries owned by host uid " + std::to_string(want) + " (container uid " +
           std::to_string(kAppUid) + "), " + std::to_string(other) + " by " + std::to_string(want_other) +
           " (container uid " + std::to_string(kOtherUid) + ")";
}

std::string compareRestoredVolume(Workspace& ws, ContainerEngine& engine, const ToolOnBackend& t,
                                  const ScenarioSteps& steps, const fs::path& dest) {
    std::vector<std::string> notes;
    CompareOptions cmp = compareOptionsFor(t.caps, notes);
    ManifestOptions mo;
    mo.digest = steps.expected().digest;
    Manifest got = Manifest::build(dest, mo);
    auto diffs = compare(steps.expected(), got, cmp);
    if (!diffs.empty()) {
        nlohmann::json all = nlohmann::json::array();
        for (const auto& d : diffs) all.push_back(d.describe());
        ws.report().set("differences", all);
        std::string s;
        for (std::size_t i = 0; i < diffs.size() && i < 8; ++i) s += "\n  " + diffs[i].describe();
        throw VerdictFailure("the restored volume differs from the source volume (" + std::to_string(diffs.size()) +
                             " differences):" + s);
    }
    return std::to_string(got.entries.size()) + " entries identical, owners included (host uids " +
           std::to_string(engine.hostId(kAppUid)) + ", " + std::to_string(engine.hostId(kOtherUid)) + ")";
}

// A container on the restored volume reads the blob with the source's SHA-256 and owner.
std::string readBack(ContainerEngine& engine, const std::string& base, const std::string& fresh, const fs::path& src) {
    const std::string want = sha256File(src / kBlob);
    Result r =
        engine.runOnce(base, {"-v", fresh + ":/data:ro"},
                       {"sh", "-c", "sha256sum /data/" + kBlob + " && stat -c %u:%g /data/" + kBlob}, "read-back");
    auto out = splitLines(r.out);
    const std::string got = out.empty() ? "" : out[0].substr(0, out[0].find(' '));
    const std::string owner = out.size() > 1 ? out[1] : "";
    const std::string want_owner = std::to_string(kOtherUid) + ":" + std::to_string(kOtherGid);
    if (got != want || owner != want_owner)
        throw VerdictFailure("a container on the restored volume reads /data/" + kBlob + " as sha256 " + got +
                             " owned by " + owner + ", the source was " + want + " owned by " + want_owner);
    return "a container on " + fresh + " reads /data/" + kBlob + ": sha256 " + want.substr(0, 16) + "..., owner " +
           owner + " as in the source";
}

}  // namespace

bool runVolumeRoundTrip(Workspace& ws, ContainerEngine& engine, ToolOnBackend& t) {
    Verdicts v(ws);
    ScenarioSteps steps(ws, *t.tool, v);
    std::string base;
    v.layer("image", [&] {
        base = engine.image(baseImage());
        ws.report().set("images", engine.images());
        return base + ": " + engine.images()["base"].value("in_engine", "");
    });
    steps.useSource(ws.work() / "corpus");
    if (!v.ok() || !steps.corpus(volumeCorpus())) return false;
    const std::string vol = engine.name("data"), fresh = engine.name("data-restored");
    fs::path src, dest;
    v.layer("fill-volume", [&] { return fillVolume(ws, engine, base, steps.source(), vol, src); });
    if (!v.ok()) return false;
    v.layer("source-owners", [&] { return checkSourceOwners(engine, steps, src); });
    if (!v.ok() || !steps.init(true)) return false;
    std::string id;
    const std::string label = steps.label();
    if (!v.layer("backup", [&] {
            id = t.tool->backup(src, label);
            return "snapshot " + id + " of " + src.string();
        }))
        return false;
    if (!steps.listed(id, label) || !steps.files(id)) return false;
    v.layer("restore", [&] {
        engine.createVolume(fresh);
        dest = engine.volumePath(fresh);
        t.tool->restore(id, dest);
        return "into the fresh volume " + fresh + " at " + dest.string();
    });
    v.layer("compare", [&] { return compareRestoredVolume(ws, engine, t, steps, dest); });
    v.layer("read-back", [&] { return readBack(engine, base, fresh, src); });
    steps.check(true);
    return v.ok();
}

// The app: a start marker, then a log line and the counter every 20 ms; a
// TERM ends it only between two steps (its own writes are never torn).
const char* kAppScript =
    "stop=; trap 'stop=1' TERM INT; echo \"start $(date +%s%N)\" >> /data/log; n=$(cat /data/counter 2>/dev/null || "
    "echo 0); "
    "while [ -z \"$stop\" ]; do n=$((n+1)); echo \"$n $(date +%s%N)\" >> /data/log; echo $n > /data/counter.tmp; mv "
    "/data/counter.tmp /data/counter; "
    "sleep 0.02; done";

namespace {

// the app's log, read from the volume's host path
std::string appLog(const fs::path& src) {
    return readFile(src / "log");
}

// how often the app started: its start markers in `log`
std::size_t startMarkers(const std::string& log) {
    std::size_t n = 0;
    for (const auto& x : splitLines(log)) n += x.rfind("start ", 0) == 0;
    return n;
}

// Starts the app container on a fresh volume (its host path into `src`) and waits for it to write.
std::string startApp(Workspace& ws, ContainerEngine& engine, const std::string& vol, const std::string& app,
                     fs::path& src) {
    const std::string base = engine.image(baseImage());
    ws.report().set("images", engine.images());
    engine.createVolume(vol);
    src = engine.volumePath(vol);
    engine.startContainer(app, base, {"-v", vol + ":/data"}, {"sh", "-c", kAppScript});
    if (!waitFor([&] { return splitLines(appLog(src)).size() > 20; }, 30s))
        throw VerdictFailure("the app container " + app + " wrote no 20 log lines in 30 s (state " + engine.state(app) +
                             ")");
    return "app " + app + " writes a counter and a log to volume " + vol + " (" + src.string() + ")";
}

// The recipe's hooks: finally starts the app; before stops it (Consistent), stops a container that does not
// exist (BeforeFails), or stops it and then fails (FailsAfterStop).
HookSet downtimeHooks(const ContainerEngine& engine, const std::string& app, const std::string& nosuch,
                      DowntimeCase which) {
    const std::string stop = engine.shell() + " stop -t 10 " + shellQuote(app),
                      start = engine.shell() + " start " + shellQuote(app);
    HookSet h;
    h.finally = start;
    if (which == DowntimeCase::Consistent) h.before = stop;
    if (which == DowntimeCase::BeforeFails) h.before = engine.shell() + " stop -t 10 " + shellQuote(nosuch);
    if (which == DowntimeCase::FailsAfterStop)
        h.before = stop + " && echo 'backup-e2e: the backup fails after the stop' >&2 && exit 1";
    return h;
}

// The cases whose before hook fails: the backup fails (and does not hang), leaves no snapshot, and for
// BeforeFails the tool's output names the missing container.
void failingBackupLayers(Verdicts& v, Workspace& ws, ToolOnBackend& t, const fs::path& src, const HookSet& h,
                         const std::string& label, const std::string& nosuch, DowntimeCase which) {
    std::string id, output;
    v.layer("backup-fails", [&] {
        try {
            id = backupWithRecipeHooks(ws, *t.tool, t.caps, src, h, label).id;
        } catch (const ToolError& e) {
            if (e.timedOut()) throw VerdictFailure(std::string("the backup hung instead of failing: ") + e.what());
            output = toolOutput(e);
            return std::string("failed as it must: ") + e.what();
        }
        throw VerdictFailure("the backup reported success (snapshot " + id + ") although its before hook failed");
    });
    v.layer("no-snapshot", [&] {
        auto snaps = t.tool->snapshots();
        if (!snaps.empty())
            throw VerdictFailure(t.name + " stored snapshot " + snaps.front().id + " although the before hook failed");
        return std::string("the repository holds no snapshot");
    });
    if (which == DowntimeCase::BeforeFails)
        v.layer("error-names-container", [&] {
            const std::string why = matchingLine(output, nosuch);
            if (why.empty())
                throw VerdictFailure("the tool's output does not name the missing container " + nosuch + ":\n" +
                                     output);
            return "the error names it: " + why;
        });
}

// Stopped by before and started by finally (one new start marker, running); or, when before failed, never stopped.
std::string checkStopAndStart(ContainerEngine& engine, const std::string& app, const fs::path& src,
                              std::size_t starts_before, DowntimeCase which) {
    bool again =
        which != DowntimeCase::BeforeFails &&
        waitFor([&] { return engine.state(app) == "running" && startMarkers(appLog(src)) > starts_before; }, 10s);
    const std::size_t n = startMarkers(appLog(src));
    if (which == DowntimeCase::BeforeFails) {
        if (engine.state(app) != "running" || n != starts_before)
            throw VerdictFailure("the app must run on untouched when the before hook fails: state " +
                                 engine.state(app) + ", " + std::to_string(n - starts_before) + " restarts");
        return std::string("the app ran on, never stopped");
    }
    if (!again)
        throw VerdictFailure("the app was never stopped and started again during the backup (state " +
                             engine.state(app) + ", " + std::to_string(n - starts_before) +
                             " new start markers in its log)");
    if (n != starts_before + 1)
        throw VerdictFailure("the app was restarted " + std::to_string(n - starts_before) + " times, once expected");
    return "stopped by the before hook, started by finally (" + engine.state(app) + ")";
}

std::string checkWritesAgain(ContainerEngine& engine, const std::string& app, const fs::path& src) {
    // its log grows from now on: a running container whose app is frozen or dead does not count
    const std::size_t n0 = splitLines(appLog(src)).size();
    if (!waitFor([&] { return splitLines(appLog(src)).size() >= n0 + 10; }, 15s))
        throw VerdictFailure("the app does not go on writing after the backup: its log grew from " +
                             std::to_string(n0) + " to " + std::to_string(splitLines(appLog(src)).size()) +
                             " lines in 15 s (state " + engine.state(app) + ")");
    return "it goes on writing (" + std::to_string(splitLines(appLog(src)).size() - n0) + " new log lines)";
}

std::string checkVolumeAtStop(const fs::path& src, const fs::path& out, std::size_t starts_before) {
    // the volume as the stop left it: the log up to the restart's start marker
    const auto now = splitLines(appLog(src));
    std::vector<std::string> at_stop;
    std::size_t seen = 0;
    for (const auto& l : now) {
        if (l.rfind("start ", 0) == 0 && ++seen > starts_before) break;
        at_stop.push_back(l);
    }
    const auto got = splitLines(readFile(out / "log"));
    const std::string counter = readFile(out / "counter");
    std::string last_n = got.empty() ? "" : got.back().substr(0, got.back().find(' '));
    if (lines(got) != lines(at_stop))
        throw VerdictFailure("the restored log is not the volume at the stop: " + std::to_string(got.size()) +
                             " lines restored, " + std::to_string(at_stop.size()) +
                             " written before the stop (last restored: '" + (got.empty() ? "" : got.back()) +
                             "', last before the stop: '" + (at_stop.empty() ? "" : at_stop.back()) + "')");
    if (readFile(out / "log") != lines(got) || counter != last_n + "\n")
        throw VerdictFailure("torn state in the restore: counter '" + counter + "', last log entry " + last_n);
    return "the restore equals the volume at the stop: " + std::to_string(got.size()) + " log lines, counter " + last_n;
}

}  // namespace

bool runDowntime(Workspace& ws, ContainerEngine& engine, ToolOnBackend& t, DowntimeCase which) {
    Verdicts v(ws);
    ScenarioSteps steps(ws, *t.tool, v);
    const std::string vol = engine.name("app-data"), app = engine.name("app");
    fs::path src;
    v.layer("app", [&] { return startApp(ws, engine, vol, app, src); });
    if (!v.ok() || !steps.init(true)) return false;
    const std::string label = steps.label();
    const std::string nosuch = engine.name("no-such-app");
    const HookSet h = downtimeHooks(engine, app, nosuch, which);
    ws.report().set("hooks", {{"before", h.before}, {"finally", h.finally}});
    std::string id;
    std::size_t starts_before = startMarkers(appLog(src));
    if (which == DowntimeCase::Consistent) {
        if (!v.layer("backup", [&] {
                HookedBackup b = backupWithRecipeHooks(ws, *t.tool, t.caps, src, h, label);
                id = b.id;
                return "snapshot " + id +
                       (b.native ? " (" + t.name + " ran the hooks)"
                                 : " (the suite ran the hooks around " + t.name + ", vykar's semantics)");
            }))
            return false;
    } else {
        failingBackupLayers(v, ws, t, src, h, label, nosuch, which);
    }
    // stopped by before, started by finally: a new start marker, running, writing again
    v.layer(which == DowntimeCase::BeforeFails ? "app-kept-running" : "stopped-for-backup",
            [&] { return checkStopAndStart(engine, app, src, starts_before, which); });
    v.layer("app-writes-again", [&] { return checkWritesAgain(engine, app, src); });
    if (which != DowntimeCase::Consistent || !v.ok()) return v.ok();
    const fs::path out = ws.work() / "restore";
    v.layer("restore", [&] {
        fs::create_directories(out);
        t.tool->restore(id, out);
        return "into " + out.string();
    });
    v.layer("volume-at-the-stop", [&] { return checkVolumeAtStop(src, out, starts_before); });
    return v.ok();
}

bool runDbExec(Workspace& ws, ContainerEngine& engine, ToolOnBackend& t, const std::string& database) {
    Verdicts v(ws);
    SeededDb db(containerDbKit(database, ws, engine), ws, v);
    if (db.ready()) ws.report().set("dump_command", readFile(db.kit().dumpScript()));
    return dumpRoundTrip(ws, t, db, v, DumpVia::Command, "ctr-" + database);
}

bool runExecFailure(Workspace& ws, ContainerEngine& engine, ToolOnBackend& t, ExecFailure which) {
    Verdicts v(ws);
    ScenarioSteps steps(ws, *t.tool, v);
    // the recipe's dump (pg_dump streamed out of the database's container), into
    // the PostgreSQL container stopped before the backup, or into a name no container has
    std::unique_ptr<DbKit> db = containerDbKit("postgres", ws, engine);
    const std::string target =
        which == ExecFailure::Missing ? engine.name("no-such-db") : sourceContainer(engine, "postgres");
    fs::path dump;
    v.layer("database", [&] {
        if (which == ExecFailure::Missing) {
            dump = ws.configs() / "exec-dump-missing.sh";
            std::ofstream(dump)
                << "#!/bin/sh\n# backup-e2e: the recipe's dump, into a container that does not exist\nexec "
                << engine.shell() << " exec " << shellQuote(target) << " pg_dump -Fc -U postgres app\n";
            fs::permissions(dump, fs::perms::owner_all);
            return "no container " + target;
        }
        db->start();
        const std::string kind = db->serverKind();
        dump = db->dumpScript("postgres");
        db->stop();
        return kind + " in container " + target + ", stopped (" + engine.state(target) + ")";
    });
    if (!v.ok() || !steps.init(true)) return false;
    ws.report().set("dump_command", readFile(dump));
    std::string output;
    v.layer("backup-fails", [&] {
        try {
            const std::string id = t.tool->backupCommandOutput(dump, "app.dump", steps.label());
            throw VerdictFailure("the backup reported success (snapshot " + id + ") although the exec into " + target +
                                 " failed");
        } catch (const ToolError& e) {
            if (e.timedOut()) throw VerdictFailure(std::string("the backup hung instead of failing: ") + e.what());
            output = toolOutput(e);
            return std::string("failed as it must: ") + e.what();
        }
    });
    v.layer("no-snapshot", [&] {
        auto snaps = t.tool->snapshots();
        if (!snaps.empty())
            throw VerdictFailure(t.name + " stored snapshot " + snaps.front().id + " although the exec dump failed");
        return std::string("the repository holds no snapshot");
    });
    v.layer("error-names-cause", [&] {
        // the engine's own words, passed on by the tool: the missing name, or a container that is not running
        const std::string pattern =
            which == ExecFailure::Missing ? target : "not running|state improper|is not running";
        const std::string why = matchingLine(output, pattern);
        if (why.empty())
            throw VerdictFailure("the tool's output does not say why the exec failed (/" + pattern + "/):\n" + output);
        return "the error says: " + why;
    });
    return v.ok();
}

}  // namespace e2e
