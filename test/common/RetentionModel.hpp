#pragma once
// Each tool's documented retention rules (forget/prune keep-* policies) as a small, readable model: the oracle of
// the promises area's retention cases. A model buckets snapshots by the tool's clock rule, applies its rules in the
// tool's order, and says whether a snapshot kept by an earlier rule still fills a slot of a later one, whether the
// oldest is kept when a rule has too few, where keep-within counts from, and what the tool refuses. Unit tests
// (test/unit/retention_model_test.cpp) hold each model to hand-worked timelines from the tools' own docs.
#include "tools/BackupTool.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace e2e {

struct TimedSnapshot {
    std::string id;
    std::int64_t utc = 0;  // seconds since the epoch
    std::string group;     // what the tool groups by (label, path, host): rules apply per group
};

struct RetentionOutcome {
    std::set<std::string> kept;
    bool refused = false;  // the tool must refuse this policy (RetentionModel::refuses_removing_all)
    std::string why;
};

// The model a tool's driver declares (ToolFacts::retention); throws for a tool the registry does not know.
const RetentionModel& retentionModelOf(const std::string& tool);

// What `model` keeps of `snaps` under `rules`, evaluated at `now` (seconds since the epoch) with the machine's time
// zone `tz` (an Olson name, "" = UTC).
RetentionOutcome applyRetention(const RetentionModel& model, const RetentionRules& rules,
                                const std::vector<TimedSnapshot>& snaps, std::int64_t now, const std::string& tz);

}  // namespace e2e
