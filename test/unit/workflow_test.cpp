// The CI workflows (.github/workflows/) pass actionlint, and their jobs cover
// every area label the CMake suites declare, so a broken workflow or a new
// area without a job fails `scripts/e2e test`.
#include "config/Settings.hpp"
#include "process/Process.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <unistd.h>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using namespace e2e;

namespace {

const fs::path kWorkflows = Settings::sourceDir() / ".github" / "workflows";

// The pinned actionlint from scripts/bootstrap: E2E_ACTIONLINT_BIN, else PATH,
// else the cached build under E2E_INSTALL_DIR. Missing is a failure, not a skip:
// bootstrap installs it.
std::string actionlint() {
    if (const char* b = std::getenv("E2E_ACTIONLINT_BIN"); b && *b) return b;
    Command c;
    c.argv = {"sh", "-c", "command -v actionlint"};
    c.timeout = std::chrono::seconds(10);
    if (Result r = run(c); r.ok() && !r.out.empty()) return r.out.substr(0, r.out.find('\n'));
    const char* inst = std::getenv("E2E_INSTALL_DIR");
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(inst && *inst ? inst : "/opt/backup-e2e", ec))
        if (e.path().filename().string().rfind("actionlint-", 0) == 0 && fs::exists(e.path() / "bin" / "actionlint"))
            return (e.path() / "bin" / "actionlint").string();
    return "";
}

Result lint(const std::vector<std::string>& files) {
    const std::string bin = actionlint();
    if (bin.empty()) {
        ADD_FAILURE() << "actionlint not found (not on PATH, not under E2E_INSTALL_DIR, no E2E_ACTIONLINT_BIN). Fix: "
                         "run scripts/bootstrap";
        return {};
    }
    Command c;
    c.argv = {bin, "-config-file", (Settings::sourceDir() / ".github" / "actionlint.yaml").string(), "-no-color"};
    c.argv.insert(c.argv.end(), files.begin(), files.end());
    c.cwd = Settings::sourceDir();
    c.timeout = std::chrono::seconds(60);
    return run(c);
}

std::vector<std::string> workflowFiles() {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(kWorkflows))
        if (e.path().extension() == ".yml" || e.path().extension() == ".yaml") v.push_back(e.path().string());
    std::sort(v.begin(), v.end());
    return v;
}

// Every AREA an e2e_add_suite() call declares under test/.
std::set<std::string> cmakeAreas() {
    std::set<std::string> areas;
    const std::regex area(R"(\bAREA\s+([A-Za-z0-9_-]+))");
    for (const auto& e : fs::recursive_directory_iterator(Settings::sourceDir() / "test")) {
        if (e.path().filename() != "CMakeLists.txt") continue;
        std::ifstream in(e.path());
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string text = ss.str();
        for (auto it = std::sregex_iterator(text.begin(), text.end(), area); it != std::sregex_iterator(); ++it)
            areas.insert((*it)[1]);
    }
    return areas;
}

struct Job {
    std::string name, args;
    std::vector<std::string> includes;  // the -L regexes (ctest ANDs them)
};

// The jobs of a workflow that call area.yml, with their ctest selection.
std::vector<Job> areaJobs(const std::string& file) {
    std::vector<Job> jobs;
    YAML::Node wf = YAML::LoadFile((kWorkflows / file).string());
    for (const auto& j : wf["jobs"]) {
        const YAML::Node& job = j.second;
        if (!job["uses"] || job["uses"].as<std::string>() != "./.github/workflows/area.yml") continue;
        Job x{j.first.as<std::string>(), job["with"]["ctest-args"].as<std::string>(), {}};
        std::istringstream ss(x.args);
        for (std::string w; ss >> w;)
            if (w == "-L" && ss >> w) {
                if (w.size() >= 2 && w.front() == '"' && w.back() == '"') w = w.substr(1, w.size() - 2);
                x.includes.push_back(w);
            }
        jobs.push_back(x);
    }
    return jobs;
}

// The first job with a -L that selects `label` (ctest matches a label by regex search).
std::string jobFor(const std::vector<Job>& jobs, const std::string& label) {
    for (const auto& j : jobs)
        for (const auto& inc : j.includes)
            if (std::regex_search(label, std::regex(inc))) return j.name;
    return "";
}

TEST(Workflows, PassActionlint) {
    const auto files = workflowFiles();
    ASSERT_FALSE(files.empty()) << "no workflows in " << kWorkflows;
    Result r = lint(files);
    EXPECT_TRUE(r.ok()) << "actionlint " << r.describe() << ":\n" << r.out << r.err;
}

// The check can fail: a workflow with an unknown runner label and a bad expression is refused.
TEST(Workflows, ActionlintRefusesABrokenWorkflow) {
    const fs::path dir = fs::path(Settings::runtimeDir()) / "tmp" / ("workflow-test-" + std::to_string(getpid()));
    fs::create_directories(dir);
    const fs::path bad = dir / "broken.yml";
    std::ofstream(bad) << "on: push\njobs:\n  a:\n    runs-on: [self-hosted, linux, gpu]\n    steps:\n      - run: "
                          "echo ${{ github.nosuch }}\n";
    Result r = lint({bad.string()});
    fs::remove_all(dir);
    EXPECT_FALSE(r.ok()) << "actionlint passed a broken workflow";
    EXPECT_THAT(r.out, ::testing::HasSubstr("gpu"));
}

TEST(Workflows, PushJobsCoverEveryArea) {
    const auto jobs = areaJobs("e2e.yml");
    std::set<std::string> areas = cmakeAreas();
    // areas being built beside this workflow: they need their job before their first suite lands
    for (const char* a : {"containers", "stress", "robustness"}) areas.insert(a);
    areas.erase("benchmarks");  // nightly.yml runs them
    areas.insert("interrupt");  // a sub-skill of backends with a job of its own
    for (const auto& a : areas)
        EXPECT_NE(jobFor(jobs, a), "") << "no job in .github/workflows/e2e.yml runs the area label '" << a << "'";
    EXPECT_EQ(jobFor(jobs, "interrupt"), "interrupt");
    // backends runs without the interrupt scenarios, which have their own job; every push job is the
    // CI gate: the `matrix` rows are nightly's (scripts/e2e test leaves them out too)
    for (const auto& j : jobs) {
        if (j.name == "backends")
            EXPECT_THAT(j.args, ::testing::HasSubstr("-LE \"^(interrupt|matrix)$\""));
        else
            EXPECT_THAT(j.args, ::testing::HasSubstr("-LE \"^matrix$\"")) << "job " << j.name;
    }
}

TEST(Workflows, DatabasesRunAsDocumented) {
    for (const auto& j : areaJobs("e2e.yml"))
        if (j.name == "databases") {
            EXPECT_EQ(j.args, "-L databases --timeout 7200 -LE \"^matrix$\"");
            return;
        }
    ADD_FAILURE() << "no databases job in e2e.yml";
}

TEST(Workflows, NightlyRunsTheStandardProfileAndTheBenchmarks) {
    YAML::Node wf = YAML::LoadFile((kWorkflows / "nightly.yml").string());
    EXPECT_TRUE(wf["on"]["schedule"]);
    EXPECT_EQ(wf["on"]["workflow_dispatch"]["inputs"]["profile"]["default"].as<std::string>(), "standard");
    const auto jobs = areaJobs("nightly.yml");
    EXPECT_NE(jobFor(jobs, "benchmarks"), "");
    bool all_but_benchmarks = false;
    for (const auto& j : jobs)
        all_but_benchmarks |= j.includes.empty() && j.args.find("-LE \"^benchmarks$\"") != std::string::npos;
    EXPECT_TRUE(all_but_benchmarks) << "the nightly scenarios job must select every area but the benchmarks";
}

TEST(Workflows, EveryJobRunsOnAKvmRunnerWithATimeLimit) {
    for (const auto& f : workflowFiles()) {
        YAML::Node wf = YAML::LoadFile(f);
        for (const auto& j : wf["jobs"]) {
            const YAML::Node& job = j.second;
            if (job["uses"]) continue;  // area.yml's own job is checked as a file of its own
            const std::string where = fs::path(f).filename().string() + ": job " + j.first.as<std::string>();
            ASSERT_TRUE(job["runs-on"]) << where;
            std::vector<std::string> labels = job["runs-on"].as<std::vector<std::string>>();
            EXPECT_EQ(labels, (std::vector<std::string>{"self-hosted", "linux", "kvm"})) << where;
            EXPECT_TRUE(job["timeout-minutes"]) << where << " has no timeout-minutes";
            // the janitor's sweep comes before any test in a job that runs ctest
            std::string steps;
            for (const auto& s : job["steps"]) steps += (s["run"] ? s["run"].as<std::string>() : "") + "\n";
            if (steps.find("ctest ") != std::string::npos) {
                EXPECT_LT(steps.find("e2e-janitor sweep"), steps.find("ctest "))
                    << where << ": the janitor's sweep must run first";
            }
        }
    }
}

}  // namespace
