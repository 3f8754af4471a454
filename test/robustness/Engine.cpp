#include "Engine.hpp"

#include "RoundTrip.hpp"
#include "config/Settings.hpp"
#include "report/BenchTable.hpp"
#include "tree/Digest.hpp"

#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace e2e {

namespace {

// each action's own seed: splitmix64 of the run's seed and the action's index
std::uint64_t actionSeed(std::uint64_t seed, int index) {
    std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * std::uint64_t(index + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

using Clock = std::chrono::steady_clock;

}  // namespace

const std::vector<std::string>& engineActions() {
    static const std::vector<std::string> a{"write-files", "delete-subdir", "delete-files",    "modify-files",
                                            "snapshot",    "restore",       "delete-snapshot", "reclaim",
                                            "check",       "list"};
    return a;
}

std::map<std::string, int> engineDefaultWeights() {
    return {{"write-files", 10}, {"delete-subdir", 2},   {"delete-files", 2}, {"modify-files", 4}, {"snapshot", 10},
            {"restore", 6},      {"delete-snapshot", 4}, {"reclaim", 2},      {"check", 1}};
}

EngineOptions engineOptionsFor(Workspace& ws, const Capabilities& caps, const std::string& client) {
    EngineOptions o;
    o.seed = ws.seed() ^ fnv1a64(client);
    o.client = client;
    o.label = "e2e-" + client;
    switch (Settings::get().profile) {
        case Profile::Ci:
            o.max_actions = 60;
            break;
        case Profile::Standard:
            o.max_actions = 0;
            o.max_time = std::chrono::minutes(15);
            break;
        case Profile::Full:
            o.max_actions = 0;
            o.max_time = std::chrono::minutes(60);
            break;
    }
    o.data_dir = ws.work() / client / "data";
    o.scratch_dir = ws.work() / client / "restore";
    o.log_path = ws.logs() / ("actions-" + client + ".jsonl");
    std::vector<std::string> notes;
    o.compare = compareOptionsFor(caps, notes);
    for (const auto& n : notes) ws.report().tolerate(n.rfind("tolerated: ", 0) == 0 ? n.substr(11) : n);
    fs::create_directories(o.data_dir);
    return o;
}

nlohmann::json ActionRecord::toJson() const {
    return {{"index", index},       {"seed", seed}, {"client", client},   {"action", action},   {"options", options},
            {"snapshot", snapshot}, {"exit", exit}, {"seconds", seconds}, {"outcome", outcome}, {"error", error}};
}

nlohmann::json ActionRecord::decided() const {
    return {{"index", index}, {"seed", seed}, {"action", action}, {"options", options}};
}

RobustnessEngine::RobustnessEngine(BackupTool& tool, EngineOptions opt)
    : tool_(tool), opt_(std::move(opt)), writer_(opt_.data_dir, opt_.seed ^ 0xd1f7ull) {
    if (opt_.weights.empty()) opt_.weights = engineDefaultWeights();
    for (const auto& d : opt_.disabled) opt_.weights.erase(d);
    if (opt_.label.empty()) opt_.label = opt_.client;
    fs::create_directories(opt_.scratch_dir);
    writer_.keep("engine-anchor");  // at the root, which deleteSubdir never removes
}

std::string RobustnessEngine::choose(Rng& rng) const {
    int total = 0;
    for (const auto& [a, w] : opt_.weights) total += w;
    std::uint64_t r = rng.below(std::uint64_t(total));
    for (const auto& [a, w] : opt_.weights) {  // std::map: the same order on every run
        if (r < std::uint64_t(w)) return a;
        r -= std::uint64_t(w);
    }
    return "snapshot";
}

void RobustnessEngine::record(ActionRecord rec) {
    const auto j = rec.toJson();
    if (!opt_.log_path.empty()) std::ofstream(opt_.log_path, std::ios::app) << j.dump() << "\n";
    if (opt_.on_action) opt_.on_action(j);
    log_.push_back(std::move(rec));
}

void RobustnessEngine::act(const std::string& action, Rng& rng, ActionRecord& rec) {
    const auto& live = model_.live();
    if (action == "write-files")
        rec.options = writer_.writeFiles(1 + int(rng.below(5)), 256 << 10);
    else if (action == "delete-subdir")
        rec.options = writer_.deleteSubdir();
    else if (action == "delete-files")
        rec.options = writer_.deletePercent(10 + int(rng.below(30)));
    else if (action == "modify-files")
        rec.options = writer_.modifyInPlace(1 + int(rng.below(3)));
    else if (action == "snapshot") {
        Manifest m = manifestNow(opt_.data_dir);
        rec.options = std::to_string(m.entries.size()) + " entries";
        rec.snapshot = tool_.backup(opt_.data_dir, opt_.label);
        model_.add(rec.snapshot, opt_.label, std::move(m));
        rec.options += ", snapshot #" + std::to_string(model_.live().back().serial);
    } else if (action == "restore") {
        if (live.empty()) {
            rec.options = "no-op: no live snapshot";
            return;
        }
        const LiveSnapshot& s = live[std::size_t(rng.below(live.size()))];
        rec.snapshot = s.id;
        rec.options = "snapshot #" + std::to_string(s.serial) + " of " + std::to_string(live.size()) + " live";
        const std::string d =
            restoreDiffers(tool_, s, opt_.scratch_dir / ("restore-" + std::to_string(rec.index)), opt_.compare);
        if (!d.empty()) {
            fault_ = EngineFault::Restore;
            throw VerdictFailure(d);
        }
        ++restores_verified_;
    } else if (action == "delete-snapshot") {
        if (live.size() < 2) {
            rec.options = "no-op: the last live snapshot is kept";
            return;
        }
        const LiveSnapshot s = live[std::size_t(rng.below(live.size()))];
        rec.snapshot = s.id;
        rec.options = "snapshot #" + std::to_string(s.serial) + " of " + std::to_string(live.size()) + " live";
        tool_.forget(s.id);
        model_.remove(s.id);
    } else if (action == "reclaim") {
        tool_.reclaim();
    } else if (action == "check") {
        tool_.check(false);
    } else {
        throw std::logic_error("unknown engine action " + action);
    }
}

bool RobustnessEngine::reconcile(ActionRecord& rec) {
    rec.action = "list";
    rec.options = "model check: " + std::to_string(model_.live().size()) + " live";
    const auto listed = tool_.snapshots();
    ++reconciliations_;
    if (const std::string m = model_.mismatch(listed, {opt_.label}); !m.empty()) {
        fault_ = EngineFault::Model;
        throw VerdictFailure(m);
    }
    return true;
}

bool RobustnessEngine::run() {
    const auto t0 = Clock::now();
    auto spent = [&] {
        if (opt_.max_time.count() && Clock::now() - t0 >= opt_.max_time) return true;
        return opt_.max_actions > 0 && index_ >= opt_.max_actions;
    };
    while (!spent() && fault_ == EngineFault::None) {
        ActionRecord rec;
        rec.index = ++index_;
        rec.seed = actionSeed(opt_.seed, rec.index);
        rec.client = opt_.client;
        Rng rng(rec.seed);
        const bool model_check = opt_.reconcile_every > 0 && rec.index % opt_.reconcile_every == 0;
        rec.action = model_check ? "list" : choose(rng);
        const auto a0 = Clock::now();
        try {
            if (model_check)
                reconcile(rec);
            else
                act(rec.action, rng, rec);
            rec.outcome = rec.options.rfind("no-op", 0) == 0 ? "no-op" : "ok";
        } catch (const ToolError& e) {
            const std::string why = opt_.refusal ? opt_.refusal(rec.action, e) : std::string();
            rec.exit = e.result().exit_code;
            if (!why.empty()) {
                rec.outcome = "refused";
                rec.error = why;
            } else {
                rec.outcome = "failed";
                rec.error = std::string(e.what()).substr(0, 1500);
                if (fault_ == EngineFault::None) fault_ = EngineFault::Action;
                failure_ = "action " + std::to_string(rec.index) + " (" + rec.action + ", seed " +
                           std::to_string(rec.seed) + ") failed: " + rec.error;
            }
        } catch (const std::exception& e) {
            rec.outcome = "failed";
            rec.error = std::string(e.what()).substr(0, 1500);
            if (fault_ == EngineFault::None) fault_ = EngineFault::Action;
            failure_ = "action " + std::to_string(rec.index) + " (" + rec.action + ", seed " +
                       std::to_string(rec.seed) + "): " + rec.error;
        }
        rec.seconds = std::chrono::duration<double>(Clock::now() - a0).count();
        record(rec);
    }
    return fault_ == EngineFault::None;
}

bool RobustnessEngine::finish(bool verify_all) {
    if (fault_ != EngineFault::None) return false;
    auto final = [&](const std::string& action, EngineFault f, const std::function<void(ActionRecord&)>& fn) {
        if (fault_ != EngineFault::None) return;
        ActionRecord rec;
        rec.index = ++index_;
        rec.client = opt_.client;
        rec.action = action;
        const auto a0 = Clock::now();
        try {
            fn(rec);
            rec.outcome = "ok";
        } catch (const std::exception& e) {
            rec.outcome = "failed";
            rec.error = std::string(e.what()).substr(0, 1500);
            if (auto* te = dynamic_cast<const ToolError*>(&e)) rec.exit = te->result().exit_code;
            if (fault_ == EngineFault::None) fault_ = f;
            failure_ = "final " + action + ": " + rec.error;
        }
        rec.seconds = std::chrono::duration<double>(Clock::now() - a0).count();
        record(rec);
    };
    final("final-list", EngineFault::Model, [&](ActionRecord& rec) {
        reconcile(rec);
        rec.action = "final-list";
    });
    if (verify_all)
        for (const auto& s : std::vector<LiveSnapshot>(model_.live()))
            final("final-restore", EngineFault::Restore, [&](ActionRecord& rec) {
                rec.snapshot = s.id;
                rec.options = "snapshot #" + std::to_string(s.serial);
                if (const std::string d = restoreDiffers(
                        tool_, s, opt_.scratch_dir / ("final-" + std::to_string(s.serial)), opt_.compare);
                    !d.empty())
                    throw VerdictFailure(d);
                ++restores_verified_;
            });
    final("final-check", EngineFault::Check, [&](ActionRecord& rec) {
        rec.options = "data-verifying check";
        tool_.check(true);
    });
    finished_ = fault_ == EngineFault::None;
    return finished_;
}

nlohmann::json RobustnessEngine::stats() const {
    std::map<std::string, std::vector<double>> secs;
    std::map<std::string, std::map<std::string, int>> counts;
    for (const auto& r : log_) {
        secs[r.action].push_back(r.seconds);
        ++counts[r.action][r.outcome];
    }
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [a, v] : secs) {
        const auto st = sampleStats(v);
        const auto& c = counts[a];
        auto n = [&](const char* k) { return c.count(k) ? c.at(k) : 0; };
        out[a] = {{"count", v.size()},       {"ok", n("ok")},         {"no_op", n("no-op")},
                  {"refused", n("refused")}, {"errors", n("failed")}, {"p50_s", st.p50},
                  {"p95_s", st.p95},         {"p99_s", st.p99},       {"max_s", st.max}};
    }
    return out;
}

std::string RobustnessEngine::statsTable() const {
    std::ostringstream t;
    t << "| action | count | ok | no-op | refused | errors | p50 s | p95 s | p99 s | max s "
         "|\n|---|---|---|---|---|---|---|---|---|---|\n";
    t << std::fixed << std::setprecision(3);
    const nlohmann::json all = stats();
    for (const auto& [a, s] : all.items())
        t << "| " << a << " | " << s["count"].get<int>() << " | " << s["ok"].get<int>() << " | "
          << s["no_op"].get<int>() << " | " << s["refused"].get<int>() << " | " << s["errors"].get<int>() << " | "
          << s["p50_s"].get<double>() << " | " << s["p95_s"].get<double>() << " | " << s["p99_s"].get<double>() << " | "
          << s["max_s"].get<double>() << " |\n";
    return t.str();
}

bool reportEngine(Workspace& ws, const RobustnessEngine& e, const std::string& prefix) {
    ScenarioReport& rep = ws.report();
    const std::string p = prefix.empty() ? "" : prefix + " ";
    rep.set(prefix.empty() ? "engine" : "engine_" + prefix, {{"actions", e.log().size()},
                                                             {"stats", e.stats()},
                                                             {"restores_verified", e.restoresVerified()},
                                                             {"model_checks", e.reconciliations()},
                                                             {"live_snapshots", e.model().live().size()}});
    int ok = 0, noop = 0, refused = 0;
    for (const auto& r : e.log()) {
        ok += r.outcome == "ok";
        noop += r.outcome == "no-op";
        refused += r.outcome == "refused";
    }
    const bool stopped = e.fault() != EngineFault::None;
    const std::string where =
        stopped ? " (until the run stopped at action " + std::to_string(e.log().back().index) + ")" : "";
    auto layer = [&](const std::string& name, EngineFault f, const std::string& passed) {
        if (e.fault() == f)
            rep.addLayer({p + name, Status::Fail, e.failure(), 0});
        else
            rep.addLayer({p + name, Status::Pass, passed + where, 0});
    };
    layer("actions", EngineFault::Action,
          std::to_string(e.log().size()) + " actions: " + std::to_string(ok) + " ok, " + std::to_string(noop) +
              " no-op, " + std::to_string(refused) + " refused");
    layer("restore-verify", EngineFault::Restore,
          std::to_string(e.restoresVerified()) + " restores identical to the manifest of their own snapshot");
    layer("model", EngineFault::Model,
          std::to_string(e.reconciliations()) + " listings equal to the model (nothing missing, nothing extra)");
    if (e.finished())
        rep.addLayer({p + "final-check", Status::Pass,
                      "every live snapshot restored to its manifest; the tool's data-verifying check passed", 0});
    else if (e.fault() == EngineFault::Check)
        rep.addLayer({p + "final-check", Status::Fail, e.failure(), 0});
    std::cout << "[e2e] " << p << "per-action statistics:\n" << e.statsTable() << std::flush;
    return !stopped && e.finished();
}

}  // namespace e2e
