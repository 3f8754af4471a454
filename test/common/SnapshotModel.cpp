#include "SnapshotModel.hpp"

#include "RoundTrip.hpp"
#include "config/Settings.hpp"

#include <algorithm>

namespace e2e {

void SnapshotModel::add(const std::string& id, const std::string& label, Manifest m) {
    live_.push_back({id, label, std::move(m), ++serial_});
}

void SnapshotModel::remove(const std::string& id) {
    live_.erase(std::remove_if(live_.begin(), live_.end(), [&](const LiveSnapshot& s) { return s.id == id; }),
                live_.end());
}

const LiveSnapshot* SnapshotModel::find(const std::string& id) const {
    for (const auto& s : live_)
        if (s.id == id) return &s;
    return nullptr;
}

std::string SnapshotModel::mismatch(const std::vector<Snapshot>& listed, const std::vector<std::string>& labels) const {
    std::vector<const Snapshot*> mine;
    for (const auto& s : listed)
        if (labels.empty() || std::find(labels.begin(), labels.end(), s.label) != labels.end()) mine.push_back(&s);
    std::vector<std::string> missing, extra;
    for (const auto& m : live_)
        if (std::none_of(mine.begin(), mine.end(), [&](const Snapshot* s) { return sameSnapshotId(s->id, m.id); }))
            missing.push_back(m.id + " (snapshot #" + std::to_string(m.serial) + ")");
    for (const auto* s : mine)
        if (std::none_of(live_.begin(), live_.end(),
                         [&](const LiveSnapshot& m) { return sameSnapshotId(s->id, m.id); }))
            extra.push_back(s->id + " (label " + s->label + ")");
    if (missing.empty() && extra.empty()) return {};
    std::string out = "the tool lists " + std::to_string(mine.size()) + " snapshot(s), the model holds " +
                      std::to_string(live_.size());
    auto add = [&](const std::string& what, const std::vector<std::string>& v) {
        if (v.empty()) return;
        out += "; " + what + ":";
        for (const auto& x : v) out += " " + x;
    };
    add("missing from the listing", missing);
    add("listed but deleted or never made", extra);
    return out;
}

Manifest manifestNow(const fs::path& source) {
    ManifestOptions mo;
    mo.digest = Settings::get().digest;
    return Manifest::build(source, mo);
}

std::string restoreDiffers(BackupTool& tool, const LiveSnapshot& snap, const fs::path& dest,
                           const CompareOptions& cmp) {
    fs::remove_all(dest);
    fs::create_directories(dest);
    tool.restore(snap.id, dest);
    ManifestOptions mo;
    mo.digest = snap.manifest.digest;
    const auto diffs = compare(snap.manifest, Manifest::build(dest, mo), cmp);
    if (diffs.empty()) {
        fs::remove_all(dest);
        return {};
    }
    std::string out = "snapshot #" + std::to_string(snap.serial) + " (" + snap.id + ") restored with " +
                      std::to_string(diffs.size()) + " difference(s) from its own manifest:";
    for (std::size_t i = 0; i < diffs.size() && i < 8; ++i) out += "\n    " + diffs[i].describe();
    return out;
}

}  // namespace e2e
