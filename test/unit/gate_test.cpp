// The CI gate (every test not labelled `matrix`, cmake/E2ESuite.cmake) keeps every
// scenario for every tool on at least one backend: a scenario (its Suite.Test) that a
// tool runs only in the matrix would go unproven by .ci/run. Read from ctest's own
// list of this build, so it judges the names, labels and properties CI really runs.
#include "ScenarioTest.hpp"
#include "config/Settings.hpp"
#include "process/Process.hpp"
#include "tools/Registry.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

using namespace e2e;

namespace {

struct ListedTest {
    std::string name;
    std::set<std::string> labels;
    bool will_fail = false;
    std::string pass_regex{};
};

// "Prefix/Suite.Test/param" -> "Suite.Test"; "Suite.Test/param" and "Suite.Test" likewise
std::string scenarioOf(const std::string& name) {
    const auto first = name.find('/');
    if (first == std::string::npos) return name;
    const auto second = name.find('/', first + 1);
    const std::string a = name.substr(0, first);
    if (second == std::string::npos) return a.find('.') != std::string::npos ? a : name.substr(first + 1);
    return name.substr(first + 1, second - first - 1);
}

// Scenarios the gate runs for one tool only: "scenario" -> why it is too dear for every
// tool, and what proves the rest (docs/ci.md). The check still demands one tool in the
// gate, and fails when the exception is no longer needed.
const std::map<std::string, std::string> kOneToolInTheGate = {
    {"VmOnline.FreezeThawHooks",
     "the guest boots under TCG where KVM cannot boot it (93-169 s a row, measured 2026-12-06); freeze/thaw "
     "through the guest agent is the same for every tool, and each tool's hook wiring runs in the gate's "
     "FsSnapshot and DbRoundTrip hooks rows"},
    {"RetentionLong.HourlyForThreeDays",
     "72 back-dated snapshots, a backup each (restic about 0.7 s a backup, borg 1 s); the gate runs it with kopia "
     "(0.3 s), every tool's rules run in the gate's shorter Retention cases (docs/promises.md)"},
    {"LinkStall.NeverEnds",
     "a row lasts up to the tool's documented bound on a stalled request and a minute (restic: 31 minutes, its "
     "lock's stale time); the gate runs it on the last remote kind with that kind's gate tool, the "
     "other tools meet stalls that end in the gate's StallThatEnds rows (docs/faults.md)"},
};

// Scenarios the gate runs for no tool: "scenario" -> why even one row is too dear for the gate's
// budget, and what the gate runs instead (docs/ci.md). The check fails once one of
// them runs in the gate after all (remove the exception) or runs nowhere.
const std::map<std::string, std::string> kOnlyInTheMatrix = {
    {"RetentionYear.DailyFor400Days",
     "400 back-dated snapshots, a backup each: 104 to 143 s with kopia, the cheapest per backup, 5 minutes with "
     "restic (measured 2026-12-07), a fifth of the promises area's 6 minutes in the gate for one case; every tool's "
     "other rules run in the gate's shorter Retention cases, its yearly rule in the matrix only (docs/ci.md)"},
};

// "scenario for tool" of every matrix test whose scenario that tool never runs in the gate
std::vector<std::string> ungated(const std::vector<ListedTest>& tests,
                                 const std::map<std::string, std::string>& one_tool = {},
                                 const std::map<std::string, std::string>& matrix_only = {}) {
    std::set<std::string> tools;
    for (const auto& t : toolRegistry()) tools.insert(t.name);
    auto toolOf = [&](const ListedTest& t) {
        for (const auto& l : t.labels)
            if (tools.count(l)) return l;
        return std::string();
    };
    std::set<std::pair<std::string, std::string>> in_gate;
    for (const auto& t : tests)
        if (!t.labels.count("matrix")) in_gate.insert({scenarioOf(t.name), toolOf(t)});
    std::set<std::string> out, excepted, listed;
    for (const auto& t : tests) {
        listed.insert(scenarioOf(t.name));
        if (!t.labels.count("matrix") || in_gate.count({scenarioOf(t.name), toolOf(t)})) continue;
        if (matrix_only.count(scenarioOf(t.name))) continue;
        if (!one_tool.count(scenarioOf(t.name)))
            out.insert(scenarioOf(t.name) + " for " + toolOf(t) + " (only in the matrix, e.g. " + t.name + ")");
        excepted.insert(scenarioOf(t.name));
    }
    for (const auto& [scenario, why] : one_tool) {
        bool gated = false;
        for (const auto& [s, tool] : in_gate) gated = gated || (s == scenario && !tool.empty());
        if (!gated) out.insert(scenario + " runs for no tool in the gate (one tool at least: " + why + ")");
        if (gated && !excepted.count(scenario))
            out.insert(scenario + " runs for every tool in the gate: remove its one-tool exception");
    }
    for (const auto& [scenario, why] : matrix_only) {
        if (!listed.count(scenario)) out.insert(scenario + " runs nowhere: remove its matrix-only exception");
        for (const auto& [s, tool] : in_gate)
            if (s == scenario) {
                out.insert(scenario + " runs in the gate: remove its matrix-only exception (" + why + ")");
                break;
            }
    }
    return {out.begin(), out.end()};
}

std::vector<ListedTest> parseCtestList(const std::string& text) {
    std::vector<ListedTest> tests;
    const nlohmann::json list = nlohmann::json::parse(text);  // kept: the loop reads into it
    for (const auto& t : list.at("tests")) {
        ListedTest l{t.at("name").get<std::string>(), {}};
        for (const auto& p : t.value("properties", nlohmann::json::array())) {
            if (p.at("name") == "LABELS")
                for (const auto& v : p.at("value")) l.labels.insert(v.get<std::string>());
            if (p.at("name") == "WILL_FAIL") l.will_fail = p.at("value").get<bool>();
            if (p.at("name") == "PASS_REGULAR_EXPRESSION")
                for (const auto& v : p.at("value")) l.pass_regex += v.get<std::string>();
        }
        tests.push_back(std::move(l));
    }
    return tests;
}

std::vector<ListedTest> ctestList() {
    Command c;
    c.argv = {"ctest", "--test-dir", E2E_BUILD_DIR, "--show-only=json-v1"};
    c.timeout = std::chrono::minutes(2);
    const Result r = run(c);
    if (r.exit_code != 0)
        throw std::runtime_error("ctest --show-only=json-v1 in " + std::string(E2E_BUILD_DIR) + " failed: " + r.err);
    return parseCtestList(r.out);
}

}  // namespace

TEST(Gate, KeepsEveryScenarioForEveryTool) {
    const auto tests = ctestList();
    std::size_t matrix = 0;
    for (const auto& t : tests) matrix += t.labels.count("matrix");
    ASSERT_GT(matrix, 0u) << "none of the " << tests.size() << " tests ctest lists in " << E2E_BUILD_DIR
                          << " is labelled matrix: the gate would run everything (cmake/E2ESuite.cmake)";
    const auto missing = ungated(tests, kOneToolInTheGate, kOnlyInTheMatrix);
    std::string all;
    for (const auto& m : missing) all += "\n  " + m;
    EXPECT_TRUE(missing.empty()) << "scenarios a tool runs only in the matrix, never in the CI gate:" << all
                                 << "\nFix: give the group a backend or kind outside MATRIX_BACKENDS / MATRIX_ON "
                                    "(cmake/E2ESuite.cmake), or another group that runs it in the gate";
}

// The check itself: a scenario a tool runs only in the matrix is named; one that the
// gate runs on another backend, or for which the matrix only adds a variant, is not.
TEST(Gate, CoverageCheckSeesAScenarioOnlyInTheMatrix) {
    const std::string a = toolRegistry().at(0).name, b = toolRegistry().at(1).name;
    const std::vector<ListedTest> tests = {
        {"Local/RoundTrip.Files/" + a + "_local", {"backends", a, "local"}},
        {"Rest/RoundTrip.Files/" + a + "_rest", {"backends", a, "rest", "matrix"}},
        {"Rest/RoundTrip.Files/" + b + "_rest", {"backends", b, "rest", "matrix"}},
        {"Zfs/FsSnapshot.Churn/" + a, {"filesystems", a, "matrix"}},
        {"Btrfs/FsSnapshot.Churn/" + a, {"filesystems", a}},
        {"Local/RoundTrip.Files/" + a + "_threads1_local", {"backends", a, "local", "matrix"}},
    };
    const auto missing = ungated(tests);
    ASSERT_EQ(missing.size(), 1u);
    EXPECT_EQ(missing.front().rfind("RoundTrip.Files for " + b + " ", 0), 0u) << missing.front();
    // an exception lets one tool stand for the others, never none, and goes when it is not needed
    const auto excepted = ungated(tests, {{"RoundTrip.Files", "why"}, {"FsSnapshot.Churn", "why"}});
    ASSERT_EQ(excepted.size(), 1u);
    EXPECT_EQ(excepted.front().rfind("FsSnapshot.Churn runs for every tool in the gate", 0), 0u) << excepted.front();
    const auto none = ungated({{"Rest/RoundTrip.Files/" + b + "_rest", {b, "matrix"}}}, {{"RoundTrip.Files", "why"}});
    ASSERT_EQ(none.size(), 1u);
    EXPECT_EQ(none.front().rfind("RoundTrip.Files runs for no tool in the gate", 0), 0u) << none.front();
    // a matrix-only exception lets no tool run it in the gate, and goes when the gate runs it or nothing does
    EXPECT_TRUE(ungated({{"Zfs/FsSnapshot.Churn/" + a, {a, "matrix"}}}, {}, {{"FsSnapshot.Churn", "why"}}).empty());
    const auto gated = ungated(tests, {{"RoundTrip.Files", "why"}}, {{"FsSnapshot.Churn", "why"}});
    ASSERT_EQ(gated.size(), 1u);
    EXPECT_EQ(gated.front().rfind("FsSnapshot.Churn runs in the gate: remove", 0), 0u) << gated.front();
    const auto nowhere =
        ungated(tests, {{"RoundTrip.Files", "why"}, {"FsSnapshot.Churn", "why"}}, {{"Gone.Case", "why"}});
    ASSERT_EQ(nowhere.size(), 2u);
    EXPECT_EQ(nowhere.back().rfind("Gone.Case runs nowhere", 0), 0u) << nowhere.back();
    EXPECT_EQ(scenarioOf("janitor.sweep"), "janitor.sweep");
    EXPECT_EQ(scenarioOf("Suite.Test/param"), "Suite.Test");
}

// A row with a known finding: ctest accepts the two outcomes the test may print, PASS (another version of the tool, or
// an intermittent finding that did not show) and KNOWN FINDING (or KNOWN INTERMITTENT FINDING); never WILL_FAIL,
// which would take a new failure in another version for the finding.
TEST(Gate, KnownFindingsAreExpectedAsTheyAreListed) {
    const auto tests = ctestList();
    std::ifstream in(Settings::sourceDir() / "seeds" / "known-findings.txt");
    std::size_t intermittent = 0, plain = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#' || line.find(" | ") == std::string::npos) continue;
        const std::regex pattern(line.substr(0, line.find(" | ")));
        const bool is_intermittent = line.find(" | intermittent at ") != std::string::npos;
        for (const auto& t : tests) {
            if (!std::regex_search(t.name, pattern)) continue;
            if (is_intermittent) {
                ++intermittent;
                EXPECT_FALSE(t.will_fail) << t.name;
                EXPECT_EQ(t.pass_regex, "\\[e2e\\] outcome: (PASS|KNOWN INTERMITTENT FINDING)") << t.name;
            } else {
                ++plain;
                EXPECT_FALSE(t.will_fail) << t.name;
                EXPECT_EQ(t.pass_regex, "\\[e2e\\] outcome: (PASS|KNOWN FINDING)") << t.name;
            }
        }
    }
    EXPECT_GT(intermittent, 0u);
    EXPECT_GT(plain, 0u);
}

// A finding is expected in the versions its line names only.
TEST(Gate, KnownFindingsNameTheirVersions) {
    EXPECT_TRUE(findingListsVersion("vykar 0.19.1", "vykar 0.19.1 (x86_64-unknown-linux-gnu)"));
    EXPECT_FALSE(findingListsVersion("vykar 0.19.1", "vykar 0.19.10"));
    EXPECT_FALSE(findingListsVersion("vykar 0.19.1", "vykar 0.20.0"));
    EXPECT_TRUE(findingListsVersion("vykar 0.18.0, 0.19.1", "vykar 0.18.0"));
    EXPECT_TRUE(findingListsVersion("restic 0.18.1", "restic 0.18.1 compiled with go1.24.1 on linux/amd64"));
    EXPECT_FALSE(findingListsVersion("restic 0.18.1", "restic 0.18.10 compiled with go1.24.1 on linux/amd64"));
    EXPECT_TRUE(findingListsVersion("rustic 0.11.4", ""));  // the version unknown: as listed
}
