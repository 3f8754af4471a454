// filesystems/<fs>: back up a filesystem snapshot with the recipe's hooks, on
// a btrfs or ZFS volume the suite makes on a loop image (safety gate first).
// One instantiation per filesystem (Btrfs/, Zfs/), one test per case:
//   RoundTrip:  200 small files + the profile's corpus in the live data; before
//               = take a read-only snapshot, after = delete it; the tool backs
//               up the snapshot. Backup ok, listed under its label, files
//               listed, the hook removed the snapshot, restore == snapshot.
//   ChurnDuringBackup: a writer keeps changing the live data during the backup; the
//               restore must equal the snapshot moment, not the churned state.
//   SnapshotNameExists: a snapshot of that name is already there: before fails, the
//               backup is aborted, no snapshot is made, the old one is untouched.
//   SnapshotDirMissing: the snapshot dir is missing: before fails, nothing is made.
//   AfterHookFails: the after hook fails: the backup still counts, the leftover
//               snapshot is detected and reported (and cleaned up by the suite).
// vykar and rustic run the hooks themselves; for the other tools the suite
// runs the same commands around them with vykar's semantics (the report says
// which). The self-tests (HookFaults/, labelled selftest) run the round trip
// with a fault it must catch: a tool that ignores its hooks (HooksIgnored), an
// after hook that leaves its snapshot behind (LeakyAfterHook).
#include "FaultyTool.hpp"
#include "Hooks.hpp"
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "storage/Volumes.hpp"
#include "tools/Drivers.hpp"
#include "tree/Corpus.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <thread>

using namespace e2e;

namespace {

struct FsCase {
    std::string fs, tool;
};

void PrintTo(const FsCase& c, std::ostream* os) {
    *os << c.fs << "/" << c.tool;
}

// Self-test faults. hooks_ignored: the tool runs without its hooks (rustic
// without its profile, vykar with the hooks cut from its config).
const std::map<std::string, std::string> kIgnoreHooks = {
    {"rustic", "XDG_CONFIG_HOME=/nonexistent-backup-e2e exec \"$real\" \"$@\"\n"},
    {"vykar",
     "prev=''\nfor a in \"$@\"; do\n  if [ \"$prev\" = --config ]; then\n"
     "    grep -vE '^    hooks:$|^      (before|after|failed|finally):' \"$a\" > \"$a.nohooks\" && mv \"$a.nohooks\" "
     "\"$a\"\n  fi\n  prev=$a\ndone\n"
     "exec \"$real\" \"$@\"\n"}};

std::vector<FsCase> cases(const std::string& fs) {
    std::vector<FsCase> all;
    for (const auto& tool : knownTools()) all.push_back({fs, tool});
    return all;
}

std::vector<FsCase> hooksIgnoredCases() {
    std::vector<FsCase> all;
    for (const auto& [tool, script] : kIgnoreHooks) all.push_back({"btrfs", tool});
    return all;
}

// 200 small random files under dir/small
void smallFiles(const fs::path& dir, std::uint64_t seed) {
    Rng rng(seed);
    fs::create_directories(dir / "small");
    std::string buf;
    for (int i = 0; i < 200; ++i) {
        buf.resize(256 + rng.below(8192));
        rng.fill(buf.data(), buf.size());
        std::ofstream(dir / "small" / ("f" + std::to_string(i) + ".bin"), std::ios::binary) << buf;
    }
}

std::uint64_t imageBytes(bool with_corpus) {
    if (!with_corpus) return 256ull << 20;
    const CorpusProfile& p = Settings::get().corpusProfile();
    // the live data, a full reference copy of the snapshot, btrfs/zfs metadata
    return std::max<std::uint64_t>(768ull << 20, 3 * (p.bulk_bytes + p.big_file_bytes) + (512ull << 20));
}

// The recipe's fixture: the tool, a snapshot volume with the live data, the
// repository, and the steps and layers the cases share.
class FsSnapshot : public ScenarioTestP<FsCase> {
protected:
    FsSnapshot() : ScenarioTestP("filesystems") {}

    // The tool and the volume (the cases and self-tests differ only in what they seed and wrap).
    bool makeVolume(const std::string& what, bool with_corpus, const PreludeOptions& po = {});
    // 200 small files (and the profile's corpus) in the live data; the repository.
    void seedAndInit(bool with_corpus);
    // before = take the snapshot, after = delete it; failed and finally leave markers.
    HookSet recipeHooks() const;
    // The backup of the snapshot through the recipe's hooks: its id.
    std::string backup(const HookSet& h);
    // A backup whose before hook must fail: aborted, nothing made, the error says why.
    void backupAborted(const HookSet& h, const std::vector<std::string>& hints);
    void hooksRan();
    void hookRemovedSnapshot();
    // The round trip's layers after a backup that must succeed (the snapshot moment: the live data).
    void roundTrip(const HookSet& h);

    const FsCase& c() const { return GetParam(); }
    ToolOnBackend t_;
    std::unique_ptr<Verdicts> v_;
    std::unique_ptr<SnapshotVolume> vol_;
    std::unique_ptr<ScenarioSteps> steps_;
    std::string name_, label_, error_, after_failure_;
    fs::path source_, markers_;
};

bool FsSnapshot::makeVolume(const std::string& what, bool with_corpus, const PreludeOptions& po) {
    ws().report().set("filesystem", c().fs);
    ws().report().set("case", what);
    if (!prepare(t_, c().tool, po)) return false;
    v_ = std::make_unique<Verdicts>(ws());
    if (!v_->layer("volume", [&] {
            vol_ = SnapshotVolume::make(c().fs, ws(), imageBytes(with_corpus));
            ws().report().set("volume", vol_->describe());
            ws().report().set("snapshot_source", vol_->sourceNote());
            return vol_->describe() + "; the tool reads " + vol_->sourceNote();
        }))
        return false;
    name_ = "e2e-" + what;
    label_ = "fs-" + c().fs;
    source_ = vol_->snapshotSource(name_);
    markers_ = ws().work() / "markers";
    fs::create_directories(markers_);
    return true;
}

void FsSnapshot::seedAndInit(bool with_corpus) {
    steps_ = std::make_unique<ScenarioSteps>(ws(), *t_.tool, *v_);
    steps_->useSource(vol_->live() / "corpus");
    v_->layer("seed", [&] {
        smallFiles(vol_->live(), ws().seed());
        return std::string("200 small files");
    });
    if (with_corpus) steps_->corpus(Settings::get().corpusProfile());
    steps_->init(true);
}

HookSet FsSnapshot::recipeHooks() const {
    HookSet h;
    h.before = vol_->snapshotCommand(name_);
    h.after = vol_->deleteCommand(name_);
    h.failed = "touch " + shellQuote((markers_ / "failed").string());
    h.finally = "touch " + shellQuote((markers_ / "finally").string());
    return h;
}

std::string FsSnapshot::backup(const HookSet& h) {
    std::string id;
    v_->layer("backup", [&] {
        HookedBackup b = backupWithRecipeHooks(ws(), *t_.tool, t_.caps, source_, h, label_);
        id = b.id;
        after_failure_ = b.after_failure;
        return "snapshot " + id +
               (t_.caps.native_hooks ? " (" + c().tool + " ran the hooks)"
                                     : " (the suite ran the hooks around " + c().tool + ")");
    });
    return id;
}

void FsSnapshot::backupAborted(const HookSet& h, const std::vector<std::string>& hints) {
    v_->layer("backup-aborted", [&] {
        try {
            HookedBackup b = backupWithRecipeHooks(ws(), *t_.tool, t_.caps, source_, h, label_);
            throw VerdictFailure("the backup went ahead although the before hook must have failed (snapshot " + b.id +
                                 ")");
        } catch (const ToolError& e) {
            // the whole run: the cause may be far from the end
            error_ = std::string(e.what()) + "\n" + e.result().out + "\n" + e.result().err;
            return "aborted as it must: " + std::string(e.what()).substr(0, 300);
        }
    });
    v_->layer("no-snapshot", [&] {
        auto snaps = t_.tool->snapshots();
        if (!snaps.empty())
            throw VerdictFailure("the aborted backup left snapshot " + snaps.front().id + " in the repository");
        return std::string("the repository holds no snapshot");
    });
    if (t_.caps.native_hooks)
        v_->layer("failed-finally-ran", [&] {
            bool failed = fs::exists(markers_ / "failed"), fin = fs::exists(markers_ / "finally");
            if (!failed || !fin)
                throw VerdictFailure(std::string("after the failing before hook: failed ") +
                                     (failed ? "ran" : "did NOT run") + ", finally " + (fin ? "ran" : "did NOT run"));
            return std::string("failed and finally ran");
        });
    v_->layer("error-says-why", [&] {
        for (const auto& hint : hints)
            if (error_.find(hint) != std::string::npos) return "the error says '" + hint + "'";
        throw VerdictFailure("the error does not say why the snapshot could not be made:\n" + error_);
    });
}

void FsSnapshot::hooksRan() {
    v_->layer("hooks-ran", [&] {
        bool failed = fs::exists(markers_ / "failed"), fin = fs::exists(markers_ / "finally");
        if (failed || !fin)
            throw VerdictFailure(std::string("after a backup that succeeded: finally ") +
                                 (fin ? "ran" : "did NOT run") + ", failed " +
                                 (failed ? "ran (it must not)" : "did not run"));
        return std::string("finally ran, failed did not");
    });
}

void FsSnapshot::hookRemovedSnapshot() {
    v_->layer("hook-removed-snapshot", [&] {
        if (vol_->snapshotExists(name_)) throw VerdictFailure("the after hook did not remove snapshot '" + name_ + "'");
        return std::string("gone");
    });
}

ManifestOptions liveDataManifest() {
    ManifestOptions mo;
    mo.digest = Settings::get().digest;
    mo.ignore_names = {".zfs"};
    return mo;
}

void FsSnapshot::roundTrip(const HookSet& h) {
    const std::string id = backup(h);
    hooksRan();
    steps_->listed(id, label_);
    hookRemovedSnapshot();
    steps_->expect(
        Manifest::build(vol_->live(), liveDataManifest()));  // without churn the snapshot moment is the seeded data
    steps_->files(id);
    steps_->restoreAndCompare(id);
}

// roundtrip: 200 small files and the corpus, backed up from a read-only snapshot the hooks take and delete.
TEST_P(FsSnapshot, RoundTrip) {
    if (!makeVolume("roundtrip", true)) return;
    seedAndInit(true);
    roundTrip(recipeHooks());
}

// churn: a writer rewrites the live data all through the backup; the restore equals the snapshot moment.
TEST_P(FsSnapshot, ChurnDuringBackup) {
    if (!makeVolume("churn", true)) return;
    seedAndInit(true);
    const fs::path reference = ws().work() / "snapshot-copy";
    HookSet h =
        recipeHooks();  // what the snapshot held at its moment, kept beside the run (a copy of a read-only snapshot)
    h.before += " && cp -a " + shellQuote(source_.string()) + "/. " + shellQuote(reference.string());

    fs::create_directories(vol_->live() / "churn");
    Command w{.argv = {"sh", "-c",
                       "n=0; while :; do n=$((n+1)); for i in 1 2 3 4 5 6 7 8; do head -c 65536 /dev/urandom > " +
                           shellQuote((vol_->live() / "churn").string()) + "/f$i; done; echo $n > " +
                           shellQuote((vol_->live() / "churn" / "round").string()) + "; sleep 0.05; done"}};
    w.clean_env = true;
    w.timeout = std::chrono::hours(2);
    auto churn = std::make_unique<Child>(w);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const std::string id = backup(h);
    Result cr = churn->terminate();
    ws().report().note("churn writer ran during the backup (" + cr.describe() + ")");

    hooksRan();
    steps_->listed(id, label_);
    hookRemovedSnapshot();
    v_->layer("churn-happened", [&] {
        Manifest ref = Manifest::build(reference, liveDataManifest()),
                 live = Manifest::build(vol_->live(), liveDataManifest());
        auto diffs = compare(ref, live, CompareOptions{});
        if (diffs.empty())
            throw VerdictFailure(
                "the live data equals the snapshot: the churn writer changed nothing, the case proves nothing");
        steps_->expect(ref);
        return std::to_string(diffs.size()) + " differences between the live data and the snapshot moment";
    });
    steps_->files(id);
    steps_->restoreAndCompare(id);
}

// exists: a snapshot of that name is already there: the backup is aborted, the old snapshot untouched.
TEST_P(FsSnapshot, SnapshotNameExists) {
    if (!makeVolume("exists", false)) return;
    seedAndInit(false);
    v_->layer("pre-existing", [&] {
        Command pre{.argv = {"sh", "-c", vol_->snapshotCommand(name_)}};
        pre.clean_env = true;
        Result r = run(pre);
        if (!r.ok()) throw VerdictFailure("could not make the pre-existing snapshot: " + r.tail());
        return "snapshot '" + name_ + "' made before the backup";
    });
    backupAborted(recipeHooks(), {"already exists"});  // the errno text of the failed snapshot command
    v_->layer("old-snapshot-untouched", [&] {
        if (!vol_->snapshotExists(name_)) throw VerdictFailure("the pre-existing snapshot '" + name_ + "' is gone");
        return std::string("still there");
    });
}

// nosnapdir: the snapshot dir is missing: the before hook fails, nothing is made.
TEST_P(FsSnapshot, SnapshotDirMissing) {
    if (!makeVolume("nosnapdir", false)) return;
    if (c().fs == "zfs" && vol_->breakSnapshotParent().empty())
        return endAs(
            Status::NotApplicable,
            "kernel ZFS reads snapshots under .zfs/snapshot: there is no snapshot dir of the recipe's to take away");
    seedAndInit(false);
    v_->layer("break-snapshot-dir", [&] { return vol_->breakSnapshotParent(); });
    backupAborted(recipeHooks(), {"No such file or directory", "Not a directory",
                                  "failed to create mountpoint"});  // zfs: the clone's mountpoint
}

// afterfails: the after hook fails: the backup still counts, the leftover snapshot is detected and removed.
TEST_P(FsSnapshot, AfterHookFails) {
    if (!makeVolume("afterfails", false)) return;
    seedAndInit(false);
    HookSet h = recipeHooks();
    h.after = vol_->deleteCommand(name_ + "-no-such-snapshot");
    const std::string id = backup(h);
    hooksRan();
    steps_->listed(id, label_);
    v_->layer("leftover-detected", [&] {
        if (!vol_->snapshotExists(name_))
            throw VerdictFailure("the after hook failed, yet snapshot '" + name_ + "' is gone");
        ws().report().note("the after hook failed and left snapshot '" + name_ +
                           "': detected, reported, and removed by the suite");
        vol_->removeSnapshot(name_);
        return "leftover snapshot '" + name_ + "' detected" +
               (after_failure_.empty() ? std::string() : " (after hook: " + after_failure_ + ")");
    });
}

std::string toolName(const ::testing::TestParamInfo<FsCase>& p) {
    return p.param.tool;
}

INSTANTIATE_TEST_SUITE_P(Btrfs, FsSnapshot, ::testing::ValuesIn(cases("btrfs")), toolName);
INSTANTIATE_TEST_SUITE_P(Zfs, FsSnapshot, ::testing::ValuesIn(cases("zfs")), toolName);

// The scenario's self-tests (test/filesystems/CMakeLists.txt labels them selftest):
// the round trip must fail at the fault's layer, and only there.
class HooksIgnored : public FsSnapshot {};

// a tool that runs without its hooks: no snapshot to back up, caught by the backup
TEST_P(HooksIgnored, RoundTrip) {
    ws().report().expectFault(c().tool + " hooks_ignored", "backup");
    PreludeOptions po;
    po.wrap = [&](const fs::path& real) {
        return writeFaultyWrapper(ws().work(), c().tool, real, "hooks_ignored", kIgnoreHooks.at(c().tool));
    };
    if (!makeVolume("roundtrip", false, po)) return;
    seedAndInit(false);
    roundTrip(recipeHooks());
}

class LeakyAfterHook : public FsSnapshot {};

// an after hook that claims success and deletes nothing: caught by hook-removed-snapshot
TEST_P(LeakyAfterHook, RoundTrip) {
    ws().report().expectFault(c().tool + " leaky_after_hook", "hook-removed-snapshot");
    if (!makeVolume("roundtrip", false)) return;
    seedAndInit(false);
    HookSet h = recipeHooks();
    h.after = "true";
    roundTrip(h);
}

INSTANTIATE_TEST_SUITE_P(HookFaults, HooksIgnored, ::testing::ValuesIn(hooksIgnoredCases()), toolName);
// Self-tests: the leaky after hook with two tools that run hooks from their config.
INSTANTIATE_TEST_SUITE_P(HookFaults, LeakyAfterHook,
                         ::testing::Values(FsCase{"btrfs", "restic"}, FsCase{"btrfs", "rustic"}), toolName);

}  // namespace
