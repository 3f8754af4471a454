// The robustness layers must catch a tool that lies about time: restic wrapped
// in a deliberately faulty script, the scenario run through it, and the test
// passes only when the fault is caught at the one layer made for it
// (report.expectFault): remove that check and this test turns red.
//   older-restore   after 3 snapshots, a restore of a newer snapshot brings back the oldest
//                   -> generations: restore-generations; randomized: restore-verify
//   dropped-listing once 3 snapshots exist, the listing leaves out the second
//                   -> randomized: model
#include "Engine.hpp"
#include "FaultyTool.hpp"
#include "Generations.hpp"
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"

#include <gtest/gtest.h>

using namespace e2e;

namespace {

// restic's own arguments before its subcommand (the repository, the password
// file): how the wrapper asks the real restic for the snapshot list
const std::string kResticPre = R"SH(
pre=(); for a in "$@"; do case $a in restore|snapshots) break ;; esac; pre+=("$a"); done
)SH";

const std::string kOlderRestore = kResticPre + R"SH(
case " $* " in
  *" restore "*)
    list=$("$real" "${pre[@]}" snapshots --json) || exit 1
    if [ "$(printf '%s' "$list" | jq length)" -ge 3 ]; then
      oldest=$(printf '%s' "$list" | jq -r 'sort_by(.time) | .[0].id')
      args=(); skip=""
      for a in "$@"; do
        if [ "$skip" = next ]; then args+=("$oldest"); skip=done; continue; fi
        [ "$a" = restore ] && [ -z "$skip" ] && skip=next
        args+=("$a")
      done
      exec "$real" "${args[@]}"
    fi ;;
esac
exec "$real" "$@"
)SH";

const std::string kDroppedListing = kResticPre + R"SH(
case " $* " in
  *" snapshots "*)
    out=$("$real" "$@") || exit $?
    printf '%s\n' "$out" | jq -c 'if length >= 3 then del(.[1]) else . end'
    exit 0 ;;
esac
exec "$real" "$@"
)SH";

struct Fault {
    std::string name, scenario, script, caught_by;
};

void PrintTo(const Fault& f, std::ostream* os) {
    *os << f.name << "/" << f.scenario;
}

class RobustnessFaults : public ScenarioTestP<Fault> {
protected:
    RobustnessFaults() : ScenarioTestP("selftest") {}
};

TEST_P(RobustnessFaults, Caught) {
    const Fault& f = GetParam();
    ws().report().expectFault("restic " + f.name, f.caught_by);
    PreludeOptions po;
    po.wrap = [&](const fs::path& real) { return writeFaultyWrapper(ws().work(), "restic", real, f.name, f.script); };
    ToolOnBackend t;
    if (!prepare(t, "restic", po)) return;
    if (f.scenario == "generations") {
        GenerationsOptions o;
        o.generations = 3;
        runGenerations(ws(), *t.tool, o);
        return;
    }
    Verdicts v(ws());
    ScenarioSteps steps(ws(), *t.tool, v);
    if (!steps.init(true)) return;
    EngineOptions o = engineOptionsFor(ws(), t.caps);
    o.max_actions = 40;
    // snapshots and restores often enough that 40 actions meet the fault whatever the seed
    o.weights = {{"write-files", 4}, {"modify-files", 2}, {"snapshot", 6}, {"restore", 6}};
    RobustnessEngine e(*t.tool, o);
    if (e.run()) e.finish();
    reportEngine(ws(), e);
}

INSTANTIATE_TEST_SUITE_P(Selftest, RobustnessFaults,
                         ::testing::Values(Fault{"older-restore", "generations", kOlderRestore, "restore-generations"},
                                           Fault{"older-restore", "randomized", kOlderRestore, "restore-verify"},
                                           Fault{"dropped-listing", "randomized", kDroppedListing, "model"}),
                         [](const auto& p) {
                             std::string n = p.param.name + "_" + p.param.scenario;
                             for (auto& ch : n)
                                 if (ch == '-') ch = '_';
                             return n;
                         });

}  // namespace
