// robustness/randomized: the randomized engine (Engine.hpp) against every tool
// on local: weighted random writes, snapshots, restores of random live
// snapshots compared with their own manifests, deletions (never the last),
// reclaims and checks, the listing reconciled with the model every 10 actions;
// at the end every live snapshot is restored and the data-verifying check runs.
// Randomized.Replay: the same seed gives the same action log twice (and another
// seed another one), against a real tool.
#include "Engine.hpp"

#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "tools/Registry.hpp"
#include "tools/Drivers.hpp"

#include <gtest/gtest.h>

using namespace e2e;

namespace {

class RandomizedScenario : public ScenarioTestP<std::string> {
protected:
    RandomizedScenario() : ScenarioTestP("robustness") {}
};

TEST_P(RandomizedScenario, Engine) {
    ToolOnBackend t;
    if (!prepare(t, GetParam())) return;
    Verdicts v(ws());
    ScenarioSteps steps(ws(), *t.tool, v);
    steps.version();
    steps.init(true);
    if (!v.ok()) return;
    EngineOptions o = engineOptionsFor(ws(), t.caps);
    ws().report().set("seed", o.seed);
    std::cout << "[e2e] engine seed " << o.seed << " (test seed " << ws().seed() << "; replay: E2E_SEED=" << ws().seed()
              << "), "
              << (o.max_actions ? std::to_string(o.max_actions) + " actions"
                                : std::to_string(o.max_time.count()) + " s")
              << std::endl;
    RobustnessEngine e(*t.tool, o);
    if (e.run()) e.finish();
    ws().context("action_log", o.log_path.string());
    reportEngine(ws(), e);
}

INSTANTIATE_TEST_SUITE_P(Randomized, RandomizedScenario, ::testing::ValuesIn(knownTools()),
                         [](const auto& p) { return p.param + "_local"; });

// The replay: two runs with one seed into two fresh repositories decide the
// same actions with the same options; a third with another seed does not.
class Replay : public ScenarioTest {
protected:
    Replay() : ScenarioTest("robustness") {}
};

// The engine's decisions come from the seed alone, whatever tool runs them:
// the replay runs the registry's first installed tool (the report names it).
std::string firstInstalledTool() {
    for (const auto& t : toolRegistry())
        if (chooseTool(t.name, Settings::get()).binary) return t.name;
    return toolRegistry().front().name;  // none installed: the prelude says so
}

TEST_F(Replay, SameSeedSameLog) {
    ToolOnBackend t;
    if (!prepare(t, firstInstalledTool())) return;
    Verdicts v(ws());
    std::vector<std::vector<nlohmann::json>> runs;
    for (const char* run : {"a", "b", "c"}) {
        v.layer(std::string("run-") + run, [&] {
            ToolContext ctx = ws().toolContext(t.name);
            ctx.home = ws().work() / (std::string("home-") + run);
            RepoTarget target = t.backend->target();
            target.path = ws().repos() / (std::string("repo-") + run);
            auto tool = makeTool(t.name, t.binary.string(), ctx, target);
            tool->init(RepoOptions{});
            EngineOptions o = engineOptionsFor(ws(), t.caps, std::string("replay-") + run);
            o.seed = std::string(run) == "c" ? ws().seed() + 1 : ws().seed();
            o.max_actions = 16;
            RobustnessEngine e(*tool, o);
            const bool ok = e.run();
            std::vector<nlohmann::json> d;
            for (const auto& r : e.log()) d.push_back(r.decided());
            runs.push_back(d);
            if (!ok) throw VerdictFailure(e.failure());
            return std::to_string(d.size()) + " actions, seed " + std::to_string(o.seed);
        });
    }
    v.layer("replay", [&] {
        const auto &a = runs.at(0), &b = runs.at(1), &c = runs.at(2);
        for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i)
            if (i >= a.size() || i >= b.size() || a[i] != b[i])
                throw VerdictFailure("the same seed decided differently at action " + std::to_string(i + 1) + ": " +
                                     (i < a.size() ? a[i].dump() : "(none)") + " vs " +
                                     (i < b.size() ? b[i].dump() : "(none)"));
        if (a == c)
            throw VerdictFailure("another seed decided exactly the same " + std::to_string(a.size()) +
                                 " actions: the log does not come from the seed");
        return std::to_string(a.size()) +
               " actions decided identically (index, seed, action, options) by one seed; another seed decided "
               "otherwise";
    });
}

}  // namespace
