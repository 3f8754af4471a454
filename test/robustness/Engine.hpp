#pragma once
// The randomized robustness engine (Kopia's tests/robustness, made replayable):
// weighted random actions over one data dir and one tool driver, every action
// one JSON line, a model of the live snapshots reconciled with the tool's list
// every K actions, every restore compared with the manifest its snapshot was
// taken from. The random choices come from the seed alone (each action's own
// seed is derived from the run's seed and its index), so the same seed against
// a tool that behaves the same gives the same action log (E2E_SEED replays it).
#include "SnapshotModel.hpp"
#include "TreeMutator.hpp"
#include "Workspace.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace e2e {

// The actions, in the order of the log's statistics table.
const std::vector<std::string>& engineActions();

struct EngineOptions {
    std::uint64_t seed = 1;
    int max_actions = 60;                // the budget in actions
    std::chrono::seconds max_time{0};    // and/or in time (0 = no time budget)
    int reconcile_every = 10;            // K: the model check every K actions (and at the end)
    std::map<std::string, int> weights;  // action -> weight; missing = engineDefaultWeights()
    std::string client = "client-1";     // its name in the log (several clients share a repository)
    std::string label;                   // its snapshots' label (the model only counts these)
    fs::path data_dir, scratch_dir;      // the tree it writes and backs up; where it restores
    fs::path log_path;                   // the action log (JSON lines), appended
    CompareOptions compare;
    // A documented refusal (another client's session or lock): the action is
    // counted as refused, not failed. Returns the reason, "" when it is a failure.
    std::function<std::string(const std::string& action, const ToolError&)> refusal;
    // Actions not to run (e.g. reclaim, when maintenance runs out of band).
    std::vector<std::string> disabled;
    // Called with the log line of each action as it ends (progress).
    std::function<void(const nlohmann::json&)> on_action;
};
std::map<std::string, int> engineDefaultWeights();
// The options of one client in a test: seed from the test's seed (E2E_SEED
// replays) and the client's name, the profile's budget (ci 60 actions,
// standard 15 min, full 60 min), data and restore dirs under work/<client>/,
// the log logs/actions-<client>.jsonl, the tool's tolerances.
EngineOptions engineOptionsFor(Workspace& ws, const Capabilities& caps, const std::string& client = "client-1");

struct ActionRecord {
    int index = 0;
    std::uint64_t seed = 0;
    std::string client, action, options, snapshot;
    int exit = 0;  // the failing command's exit code (0: ok or no command)
    double seconds = 0;
    std::string outcome;  // ok | no-op | refused | failed
    std::string error;
    nlohmann::json toJson() const;
    // The part the seed decides (what the replay test compares): index, seed, action, options.
    nlohmann::json decided() const;
};

// What went wrong, by the verdict layer that catches it.
enum class EngineFault { None, Action, Restore, Model, Check };

class RobustnessEngine {
public:
    RobustnessEngine(BackupTool& tool, EngineOptions opt);
    // Runs until the budget is spent or the first failure. Returns false on a failure.
    bool run();
    // The final checks: the listing equals the model, every live snapshot
    // restores to its manifest, and the tool's data-verifying check passes.
    bool finish(bool verify_all = true);

    const std::vector<ActionRecord>& log() const { return log_; }
    EngineFault fault() const { return fault_; }
    const std::string& failure() const { return failure_; }
    const SnapshotModel& model() const { return model_; }
    // count, no-ops, refused, errors, p50/p95/p99/max seconds per action
    nlohmann::json stats() const;
    // Markdown table of stats().
    std::string statsTable() const;
    int restoresVerified() const { return restores_verified_; }
    int reconciliations() const { return reconciliations_; }
    bool finished() const { return finished_; }  // finish() ran to its end

private:
    BackupTool& tool_;
    EngineOptions opt_;
    TreeMutator writer_;
    SnapshotModel model_;
    std::vector<ActionRecord> log_;
    EngineFault fault_ = EngineFault::None;
    std::string failure_;
    int restores_verified_ = 0, reconciliations_ = 0;
    int index_ = 0;
    bool finished_ = false;

    void act(const std::string& action, Rng& rng, ActionRecord& rec);
    bool reconcile(ActionRecord& rec);
    void record(ActionRecord rec);
    std::string choose(Rng& rng) const;
};

// Adds the engine's verdict layers (actions, restore-verify, model, final-check)
// to the report, each PASS with its counts or FAIL with the failure, plus the
// per-action statistics; returns whether all passed.
bool reportEngine(Workspace& ws, const RobustnessEngine& e, const std::string& prefix = {});

}  // namespace e2e
