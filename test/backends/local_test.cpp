// backends/local and backends/local-none: every installed tool, on a local
// repository, through the whole round trip (see test/common/RoundTrip.hpp).
#include "RoundTrip.hpp"
#include "backends/LocalBackend.hpp"
#include "config/Settings.hpp"
#include "tools/Drivers.hpp"

#include <gtest/gtest.h>

using namespace e2e;

namespace {

struct LocalCase {
    std::string tool;
    bool encrypted;
};

void PrintTo(const LocalCase& c, std::ostream* os) { *os << c.tool << (c.encrypted ? "/encrypted" : "/none"); }

class LocalScenario : public ::testing::TestWithParam<LocalCase> {};

TEST_P(LocalScenario, RoundTrip) {
    const LocalCase& c = GetParam();
    Workspace ws("backends");
    ws.report().set("tool", c.tool);
    ws.report().set("backend", c.encrypted ? "local" : "local-none");
    ToolChoice choice = chooseTool(c.tool);
    E2E_REQUIRE_TOOL(ws, choice);

    LocalBackend backend(ws);
    auto tool = makeTool(c.tool, choice.binary->string(), ws.toolContext(c.tool), backend.target());
    if (!c.encrypted && !tool->capabilities().no_encryption) {
        const std::string why = "NOT-APPLICABLE: " + tool->capabilities().no_encryption_reason;
        ws.report().setStatus(Status::NotApplicable, why);
        GTEST_SKIP() << why;
    }

    RoundTripOptions opt;
    opt.encrypted = c.encrypted;
    opt.backend = c.encrypted ? "local" : "local-none";
    opt.repo_bytes = [&] { return backend.usedBytes(); };
    bool ok = runRoundTrip(ws, *tool, opt);
    if (auto* v = dynamic_cast<VykarTool*>(tool.get())) ws.keepConfig(v->configPath());
    EXPECT_TRUE(ok) << "scenario failed; report and logs under " << ws.logs().parent_path().parent_path().string();
}

std::vector<LocalCase> cases() {
    std::vector<LocalCase> v;
    for (const auto& t : knownTools()) {
        v.push_back({t, true});
        v.push_back({t, false});
    }
    return v;
}

INSTANTIATE_TEST_SUITE_P(Local, LocalScenario, ::testing::ValuesIn(cases()), [](const auto& p) {
    return p.param.tool + (p.param.encrypted ? "_encrypted" : "_none");
});

}  // namespace
