#pragma once
// What the robustness scenarios hold the tool to: the source's manifest taken
// at each snapshot's moment, kept by snapshot id (the checker), and the set of
// snapshots that must be live (the model). A restore is compared with its own
// snapshot's manifest, never with the live tree; the tool's listing must equal
// the model both ways (nothing missing, nothing extra).
#include "tools/BackupTool.hpp"
#include "tree/Manifest.hpp"

#include <string>
#include <vector>

namespace e2e {

struct LiveSnapshot {
    std::string id;
    std::string label;
    Manifest manifest;  // the source at backup time
    int serial = 0;     // 1 for the first snapshot taken, 2 for the next, ...
};

class SnapshotModel {
public:
    void add(const std::string& id, const std::string& label, Manifest m);
    void remove(const std::string& id);
    const std::vector<LiveSnapshot>& live() const { return live_; }
    const LiveSnapshot* find(const std::string& id) const;
    bool empty() const { return live_.empty(); }

    // "" when `listed` holds exactly the live snapshots (ids compared as
    // prefixes: tools print short and long ids); else what is missing or extra.
    // Only entries whose label is in `labels` count when `labels` is non-empty
    // (other clients' snapshots on a shared repository).
    std::string mismatch(const std::vector<Snapshot>& listed, const std::vector<std::string>& labels = {}) const;

private:
    std::vector<LiveSnapshot> live_;
    int serial_ = 0;
};

// Restore `snap` into `dest` and compare it with its stored manifest; "" when
// identical, else the differences (the first few). `dest` is removed when they match.
std::string restoreDiffers(BackupTool& tool, const LiveSnapshot& snap, const fs::path& dest, const CompareOptions& cmp);

// The source's manifest now, in the digest the run uses (Settings).
Manifest manifestNow(const fs::path& source);

}  // namespace e2e
