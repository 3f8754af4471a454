// filesystems/<fs>: back up a filesystem snapshot with the recipe's hooks, on
// a btrfs or ZFS volume the suite makes on a loop image (safety gate first).
// One instantiation per filesystem (Btrfs/, Zfs/).
//   roundtrip:  200 small files + the profile's corpus in the live data; before
//               = take a read-only snapshot, after = delete it; the tool backs
//               up the snapshot. Backup ok, listed under its label, files
//               listed, the hook removed the snapshot, restore == snapshot.
//   churn:      a writer keeps changing the live data during the backup; the
//               restore must equal the snapshot moment, not the churned state.
//   exists:     a snapshot of that name is already there: before fails, the
//               backup is aborted, no snapshot is made, the old one is untouched.
//   nosnapdir:  the snapshot dir is missing: before fails, nothing is made.
//   afterfails: the after hook fails: the backup still counts, the leftover
//               snapshot is detected and reported (and cleaned up by the suite).
// vykar and rustic run the hooks themselves; for the other tools the suite
// runs the same commands around them with vykar's semantics (the report says
// which). The self-test instantiation (HookFaults/, labelled selftest) runs
// faults the scenario must catch instead: a tool that ignores its hooks, an
// after hook that leaves its snapshot behind.
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

struct Case {
    std::string fs, tool, what;
    std::string fault{}, caught_by{};   // self-test: the fault, and the layer that must catch it
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.fs << "/" << c.tool << "/" << c.what << (c.fault.empty() ? "" : "/" + c.fault); }

// Self-test faults. hooks_ignored: the tool runs without its hooks (rustic
// without its profile, vykar with the hooks cut from its config).
const std::map<std::string, std::string> kIgnoreHooks = {
    {"rustic", "XDG_CONFIG_HOME=/nonexistent-backup-e2e exec \"$real\" \"$@\"\n"},
    {"vykar", "prev=''\nfor a in \"$@\"; do\n  if [ \"$prev\" = --config ]; then\n"
              "    grep -vE '^    hooks:$|^      (before|after|failed|finally):' \"$a\" > \"$a.nohooks\" && mv \"$a.nohooks\" \"$a\"\n  fi\n  prev=$a\ndone\n"
              "exec \"$real\" \"$@\"\n"}};

std::vector<Case> cases(const std::string& fs) {
    std::vector<Case> all;
    for (const auto& tool : knownTools())
        for (const char* w : {"roundtrip", "churn", "exists", "nosnapdir", "afterfails"}) all.push_back({fs, tool, w});
    return all;
}

std::vector<Case> faultCases() {
    std::vector<Case> all;
    for (const auto& [tool, script] : kIgnoreHooks) all.push_back({"btrfs", tool, "roundtrip", "hooks_ignored", "backup"});
    for (const char* tool : {"restic", "rustic"}) all.push_back({"btrfs", tool, "roundtrip", "leaky_after_hook", "hook-removed-snapshot"});
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

class FsSnapshot : public ScenarioTestP<Case> {
protected:
    FsSnapshot() : ScenarioTestP("filesystems") {}
};

TEST_P(FsSnapshot, Recipe) {
    const Case& c = GetParam();
    ws().report().set("filesystem", c.fs);
    ws().report().set("case", c.what);
    // a self-test: the scenario's failure at the right layer (and only there) is the pass
    if (!c.fault.empty()) ws().report().expectFault(c.tool + " " + c.fault, c.caught_by);
    PreludeOptions po;
    if (c.fault == "hooks_ignored")
        po.wrap = [&](const fs::path& real) { return writeFaultyWrapper(ws().work(), c.tool, real, c.fault, kIgnoreHooks.at(c.tool)); };
    ToolOnBackend t;
    if (!prepare(t, c.tool, po)) return;
    Workspace& ws = this->ws();
    BackupTool* tool = t.tool.get();
    const Capabilities caps = t.caps;
    Verdicts v(ws);

    std::unique_ptr<SnapshotVolume> vol;
    const bool with_corpus = c.fault.empty() && (c.what == "roundtrip" || c.what == "churn");
    if (!v.layer("volume", [&] {
            vol = SnapshotVolume::make(c.fs, ws, imageBytes(with_corpus));
            ws.report().set("volume", vol->describe());
            ws.report().set("snapshot_source", vol->sourceNote());
            return vol->describe() + "; the tool reads " + vol->sourceNote();
        }))
        return;
    if (c.what == "nosnapdir" && c.fs == "zfs" && vol->breakSnapshotParent().empty())
        return endAs(Status::NotApplicable, "kernel ZFS reads snapshots under .zfs/snapshot: there is no snapshot dir of the recipe's to take away");

    ScenarioSteps steps(ws, *tool, v);
    steps.useSource(vol->live() / "corpus");
    v.layer("seed", [&] {
        smallFiles(vol->live(), ws.seed());
        return std::string("200 small files");
    });
    if (with_corpus) steps.corpus(Settings::get().corpusProfile());
    steps.init(true);

    const std::string name = "e2e-" + c.what;
    const std::string label = "fs-" + c.fs;
    const fs::path source = vol->snapshotSource(name);
    const fs::path reference = ws.work() / "snapshot-copy";
    const HookMarkers markers(ws.work() / "markers");
    HookSet h;
    h.before = vol->snapshotCommand(name);
    h.after = vol->deleteCommand(name);
    h.failed = markers.touch("failed");
    h.finally = markers.touch("finally");
    if (c.what == "churn")   // what the snapshot held at its moment, kept beside the run (a copy of a read-only snapshot)
        h.before += " && cp -a " + shellQuote(source.string()) + "/. " + shellQuote(reference.string());
    if (c.what == "afterfails") h.after = vol->deleteCommand(name + "-no-such-snapshot");
    if (c.fault == "leaky_after_hook") h.after = "true";   // claims success, deletes nothing
    if (c.what == "exists")
        v.layer("pre-existing", [&] {
            Command pre{.argv = {"sh", "-c", vol->snapshotCommand(name)}};
            pre.clean_env = true;
            Result r = run(pre);
            if (!r.ok()) throw VerdictFailure("could not make the pre-existing snapshot: " + r.tail());
            return "snapshot '" + name + "' made before the backup";
        });
    if (c.what == "nosnapdir") v.layer("break-snapshot-dir", [&] { return vol->breakSnapshotParent(); });

    // churn: a writer rewriting files in the live data all through the backup
    std::unique_ptr<Child> churn;
    if (c.what == "churn") {
        fs::create_directories(vol->live() / "churn");
        Command w{.argv = {"sh", "-c",
                           "n=0; while :; do n=$((n+1)); for i in 1 2 3 4 5 6 7 8; do head -c 65536 /dev/urandom > " +
                               shellQuote((vol->live() / "churn").string()) + "/f$i; done; echo $n > " +
                               shellQuote((vol->live() / "churn" / "round").string()) + "; sleep 0.05; done"}};
        w.clean_env = true;
        w.timeout = std::chrono::hours(2);
        churn = std::make_unique<Child>(w);
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }

    std::string id, error;
    bool native = caps.native_hooks;
    const bool must_fail = c.what == "exists" || c.what == "nosnapdir";
    std::string after_failure;
    v.layer(must_fail ? "backup-aborted" : "backup", [&] {
        try {
            HookedBackup b = backupWithRecipeHooks(ws, *tool, caps, source, h, label);
            id = b.id;
            after_failure = b.after_failure;
        } catch (const ToolError& e) {
            error = std::string(e.what()) + "\n" + e.result().out + "\n" + e.result().err;   // the whole run: the cause may be far from the end
            if (must_fail) return "aborted as it must: " + std::string(e.what()).substr(0, 300);
            throw;
        }
        if (must_fail) throw VerdictFailure("the backup went ahead although the before hook must have failed (snapshot " + id + ")");
        return "snapshot " + id + (native ? " (" + c.tool + " ran the hooks)" : " (the suite ran the hooks around " + c.tool + ")");
    });
    if (churn) {
        Result cr = churn->terminate();
        ws.report().note("churn writer ran during the backup (" + cr.describe() + ")");
    }

    if (must_fail) {
        v.layer("no-snapshot", [&] {
            auto snaps = tool->snapshots();
            if (!snaps.empty()) throw VerdictFailure("the aborted backup left snapshot " + snaps.front().id + " in the repository");
            return std::string("the repository holds no snapshot");
        });
        if (native)
            v.layer("failed-finally-ran", [&] {
                return markers.expect("after the failing before hook", {{"failed", true}, {"finally", true}});
            });
        v.layer("error-says-why", [&] {
            // the errno text of the failed snapshot command, not a loose word
            std::vector<std::string> hints = c.what == "exists" ? std::vector<std::string>{"already exists"}
                                                                : std::vector<std::string>{"No such file or directory", "Not a directory",
                                                                                           "failed to create mountpoint"};   // zfs: the clone's mountpoint
            for (const auto& hint : hints)
                if (error.find(hint) != std::string::npos) return "the error says '" + hint + "'";
            throw VerdictFailure("the error does not say why the snapshot could not be made:\n" + error);
        });
        if (c.what == "exists")
            v.layer("old-snapshot-untouched", [&] {
                if (!vol->snapshotExists(name)) throw VerdictFailure("the pre-existing snapshot '" + name + "' is gone");
                return std::string("still there");
            });
        return;
    }

    v.layer("hooks-ran", [&] {
        return markers.expect("after a backup that succeeded", {{"finally", true}, {"failed", false}});
    });
    steps.listed(id, label);
    if (c.what == "afterfails") {
        v.layer("leftover-detected", [&] {
            if (!vol->snapshotExists(name)) throw VerdictFailure("the after hook failed, yet snapshot '" + name + "' is gone");
            ws.report().note("the after hook failed and left snapshot '" + name + "': detected, reported, and removed by the suite");
            vol->removeSnapshot(name);
            return "leftover snapshot '" + name + "' detected" + (after_failure.empty() ? std::string() : " (after hook: " + after_failure + ")");
        });
        return;
    }
    v.layer("hook-removed-snapshot", [&] {
        if (vol->snapshotExists(name)) throw VerdictFailure("the after hook did not remove snapshot '" + name + "'");
        return std::string("gone");
    });
    if (c.what == "churn") {
        v.layer("churn-happened", [&] {
            ManifestOptions mo;
            mo.digest = Settings::get().digest;
            mo.ignore_names = {".zfs"};
            Manifest ref = Manifest::build(reference, mo), live = Manifest::build(vol->live(), mo);
            auto diffs = compare(ref, live, CompareOptions{});
            if (diffs.empty()) throw VerdictFailure("the live data equals the snapshot: the churn writer changed nothing, the case proves nothing");
            steps.expect(ref);
            return std::to_string(diffs.size()) + " differences between the live data and the snapshot moment";
        });
    } else {
        // without churn the snapshot moment is the seeded data
        ManifestOptions mo;
        mo.digest = Settings::get().digest;
        mo.ignore_names = {".zfs"};
        steps.expect(Manifest::build(vol->live(), mo));
    }
    steps.files(id);
    steps.restoreAndCompare(id);
}

std::string caseName(const ::testing::TestParamInfo<Case>& p) { return p.param.tool + "_" + (p.param.fault.empty() ? p.param.what : p.param.fault); }

INSTANTIATE_TEST_SUITE_P(Btrfs, FsSnapshot, ::testing::ValuesIn(cases("btrfs")), caseName);
INSTANTIATE_TEST_SUITE_P(Zfs, FsSnapshot, ::testing::ValuesIn(cases("zfs")), caseName);
// the scenario's self-test (test/filesystems/CMakeLists.txt labels it selftest)
INSTANTIATE_TEST_SUITE_P(HookFaults, FsSnapshot, ::testing::ValuesIn(faultCases()), caseName);

}  // namespace
