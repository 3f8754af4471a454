#include "Generations.hpp"

#include "RoundTrip.hpp"
#include "SnapshotModel.hpp"
#include "TreeMutator.hpp"
#include "Verdicts.hpp"
#include "process/Process.hpp"
#include "storage/Volumes.hpp"

#include <iostream>
#include <sstream>

namespace e2e {

namespace {

int profileGenerations() {
    switch (Settings::get().profile) {
        case Profile::Ci:
            return 5;
        case Profile::Standard:
            return 20;
        case Profile::Full:
            return 50;
    }
    return 5;
}

// The tree the generations start from: small, without a big file.
CorpusProfile generationsCorpus() {
    CorpusProfile cp;
    cp.small_files = 80;
    cp.bulk_bytes = 4ull << 20;
    cp.big_file_bytes = 0;
    cp.depth = 5;
    cp.duplicates = 4;
    return cp;
}

// where a generation is read from: the live dir, or its read-only snapshot
fs::path sourceOf(Workspace& ws, SnapshotVolume* vol, const fs::path& live, int g) {
    if (!vol) return live;
    const std::string name = "gen-" + std::to_string(g);
    Command c{.argv = {"sh", "-c", vol->snapshotCommand(name)}};
    runOrThrow(c, "snapshot-" + name, ws.logs(), std::chrono::seconds(60));
    return vol->snapshotSource(name);
}

// Generation 0 is the seeded tree; each later one follows a seeded change. Every backup's manifest goes to `model`.
std::string backupGenerations(Workspace& ws, BackupTool& tool, SnapshotVolume* vol, const fs::path& live,
                              TreeMutator& mut, SnapshotModel& model, const std::string& label, int n) {
    nlohmann::json gens = nlohmann::json::array();
    for (int g = 0; g <= n; ++g) {
        std::string change = g == 0 ? "the seeded tree" : mut.mutateGeneration();
        const fs::path src = sourceOf(ws, vol, live, g);
        Manifest m = manifestNow(src);
        const std::size_t entries = m.entries.size();
        const std::string id = tool.backup(src, label);
        model.add(id, label, std::move(m));
        ws.context("generation", std::to_string(g) + " (snapshot " + id + ")");
        gens.push_back(
            {{"generation", g}, {"snapshot", id}, {"entries", entries}, {"change", change}, {"source", src.string()}});
        std::cout << "[e2e]     generation " << g << ": snapshot " << id << ", " << entries << " entries" << std::endl;
    }
    ws.report().set("generation_log", gens);
    return std::to_string(n + 1) +
           " backups, each after a seeded change (add, delete, modify in place, append, truncate, rename, chmod, "
           "file<->symlink)";
}

// Restores each snapshot in `order` and compares it with the manifest taken at its backup; returns how many.
int restoreAll(Workspace& ws, BackupTool& tool, const CompareOptions& cmp, const std::vector<LiveSnapshot>& order,
               const std::string& tag) {
    int k = 0;
    for (const auto& s : order) {
        const std::string d = restoreDiffers(tool, s, ws.work() / (tag + "-" + std::to_string(s.serial)), cmp);
        if (!d.empty()) throw VerdictFailure("generation " + std::to_string(s.serial - 1) + ": " + d);
        ++k;
    }
    return k;
}

std::string deleteMiddle(BackupTool& tool, SnapshotModel& model, const std::string& label) {
    std::vector<std::string> deleted;
    // every other middle generation: the first and the last survive
    const std::vector<LiveSnapshot> all = model.live();
    for (std::size_t i = 1; i + 1 < all.size(); i += 2) {
        tool.forget(all[i].id);
        model.remove(all[i].id);
        deleted.push_back("generation " + std::to_string(all[i].serial - 1));
    }
    tool.reclaim();
    if (const std::string m = model.mismatch(tool.snapshots(), {label}); !m.empty())
        throw VerdictFailure("after deleting " + std::to_string(deleted.size()) +
                             " middle generations and reclaiming: " + m);
    std::string d = "deleted";
    for (const auto& x : deleted) d += " " + x.substr(11) + ",";
    d.back() = ';';
    return d + " reclaimed; the listing holds exactly the " + std::to_string(model.live().size()) + " survivors";
}

}  // namespace

bool runGenerations(Workspace& ws, BackupTool& tool, const GenerationsOptions& opt) {
    Verdicts v(ws);
    ScenarioSteps steps(ws, tool, v);
    ScenarioReport& rep = ws.report();
    const int n = opt.generations > 0 ? opt.generations : profileGenerations();
    rep.set("generations", n);
    std::vector<std::string> notes;
    const CompareOptions cmp =
        compareOptionsFor(tool.capabilities(), notes);  // tolerances already noted by ScenarioSteps

    std::unique_ptr<SnapshotVolume> vol;
    fs::path live = ws.work() / "live";
    if (opt.btrfs && !v.layer("btrfs", [&] {
            vol = SnapshotVolume::make("btrfs", ws, 512ull << 20);
            live = vol->live();
            return vol->describe();
        }))
        return false;

    steps.version();
    steps.useSource(live);
    steps.corpus(generationsCorpus(), false);
    steps.init(true);
    if (!v.ok()) return false;

    TreeMutator mut(live, ws.seed() ^ 0x6e6e);
    SnapshotModel model;
    const std::string label = steps.label();
    v.layer("generations", [&] { return backupGenerations(ws, tool, vol.get(), live, mut, model, label, n); });
    if (!v.ok()) return false;

    v.layer("restore-generations", [&] {
        const auto& all = model.live();
        std::vector<LiveSnapshot> order{all.back(), all.front()};  // newest first, then oldest, then the rest
        for (std::size_t i = 1; i + 1 < all.size(); ++i) order.push_back(all[i]);
        const int k = restoreAll(ws, tool, cmp, order, "restore");
        return std::to_string(k) +
               " generations restored (newest, oldest, then the rest), each identical to the manifest taken at its own "
               "backup";
    });
    if (!v.ok()) return false;

    v.layer("delete-middle", [&] { return deleteMiddle(tool, model, label); });
    v.layer("restore-survivors", [&] {
        const int k = restoreAll(ws, tool, cmp, model.live(), "survivor");
        return std::to_string(k) +
               " surviving generations restored after the reclaim, each identical to its own manifest";
    });
    steps.check(true);
    return v.ok();  // the volume, its snapshots and loop device go with `vol`
}

}  // namespace e2e
