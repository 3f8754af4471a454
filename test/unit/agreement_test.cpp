// The report and gtest never disagree: each scenario of verdict_subject runs in
// a runtime dir of its own; its gtest outcome, its report's status and its kept
// (or removed) evidence must match.
#include "Workspace.hpp"
#include "process/Process.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace {

struct Expect {
    std::string test;
    bool gtest_ok;       // exit 0
    std::string status;  // in the report
    bool kept;           // work dir kept
    std::string reason;  // a part of the report's reason
};

void PrintTo(const Expect& e, std::ostream* os) {
    *os << e.test;
}

class ReportAgreesWithGtest : public ::testing::TestWithParam<Expect> {};

TEST_P(ReportAgreesWithGtest, Subject) {
    const Expect& x = GetParam();
    e2e::Workspace ws("unit", e2e::Settings::get());
    const fs::path rt = ws.work() / "runtime";
    fs::create_directories(rt);
    std::ofstream(rt / "current-run") << "agreement\n";
    e2e::Command c{.argv = {E2E_VERDICT_SUBJECT, "--gtest_filter=Subject." + x.test}};
    c.env = {{"E2E_RUNTIME", rt.string()}};
    c.timeout = std::chrono::seconds(60);
    e2e::Result r = e2e::run(c);
    EXPECT_EQ(r.exit_code == 0, x.gtest_ok) << "gtest outcome: " << r.describe() << "\n" << r.out;
    std::ifstream in(rt / "reports" / "agreement" / ("Subject." + x.test + ".json"));
    ASSERT_TRUE(in) << "no report written";
    nlohmann::json j = nlohmann::json::parse(in);
    EXPECT_EQ(j.value("status", ""), x.status) << j.dump(2);
    EXPECT_NE(j.value("reason", "").find(x.reason), std::string::npos) << "reason: " << j.value("reason", "");
    const fs::path work = rt / "work" / ("Subject." + x.test);
    EXPECT_EQ(fs::exists(work / "E2E-CONTEXT.txt"), x.kept) << "evidence kept/removed";
    if (!x.kept) {
        EXPECT_FALSE(fs::exists(work)) << "a passing scenario's work dir must be removed";
    }
}

INSTANTIATE_TEST_SUITE_P(
    Verdicts, ReportAgreesWithGtest,
    ::testing::Values(Expect{"Passes", true, "PASS", false, ""},
                      Expect{"FailsOutsideALayer", false, "FAIL", true, "an assertion outside any layer"},
                      Expect{"Throws", false, "FAIL", true, "an exception that leaves the test body"},
                      Expect{"LayerFailsButTheTestGoesOn", false, "FAIL", true, "the restore differs"},
                      Expect{"Skips", true, "SKIPPED", true, "the tool is not installed"},
                      Expect{"NotApplicable", true, "NOT-APPLICABLE", true, "no such backend"},
                      Expect{"SkipsAfterAFailedLayer", false, "FAIL", true, "the restore differs"},
                      Expect{"FaultCaughtAtItsLayer", true, "PASS", false, "caught at layer 'compare'"},
                      Expect{"FaultCaughtAtAnotherLayer", false, "FAIL", true, "not at 'compare'"},
                      Expect{"FaultNotCaught", false, "FAIL", true, "NOT caught"}),
    [](const auto& p) { return p.param.test; });

}  // namespace
