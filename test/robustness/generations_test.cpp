// robustness/generations (the btrfs_to_s3 harness's core): a seeded tree backed
// up, then mutated and backed up N times (ci 5); each generation's manifest is
// taken at its backup's moment. Every generation is restored (newest, oldest,
// then the rest) and compared with its own manifest; then middle generations
// are deleted, the repository reclaimed, and the survivors restored again.
// On local and S3 the source is a plain dir; on btrfs it is a read-only
// snapshot of the live subvolume per generation (the snapshot recipe).
#include "Generations.hpp"

#include "ScenarioTest.hpp"
#include "config/Settings.hpp"
#include "tools/Drivers.hpp"

#include <gtest/gtest.h>

using namespace e2e;

namespace {

struct Case {
    std::string tool, backend;
    std::string source = "plain";  // plain | btrfs
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.tool << "/" << c.backend << "/" << c.source;
}

class GenerationsScenario : public ScenarioTestP<Case> {
protected:
    GenerationsScenario() : ScenarioTestP("robustness") {}
};

TEST_P(GenerationsScenario, RestoreEach) {
    const Case& c = GetParam();
    PreludeOptions po;
    po.backend = c.backend;
    ToolOnBackend t;
    if (!prepare(t, c.tool, po)) return;
    ws().report().set("source_kind", c.source);
    GenerationsOptions o;
    o.btrfs = c.source == "btrfs";
    runGenerations(ws(), *t.tool, o);
}

std::vector<Case> cases(const std::string& backend, const std::string& source = "plain") {
    std::vector<Case> v;
    for (const auto& t : knownTools()) v.push_back({t, backend, source});
    return v;
}

std::string caseName(const ::testing::TestParamInfo<Case>& p) {
    return p.param.tool + "_" + p.param.backend + (p.param.source == "plain" ? "" : "_" + p.param.source);
}

INSTANTIATE_TEST_SUITE_P(Generations, GenerationsScenario, ::testing::ValuesIn(cases("local")), caseName);
INSTANTIATE_TEST_SUITE_P(GenerationsS3, GenerationsScenario, ::testing::ValuesIn(cases("s3")), caseName);
INSTANTIATE_TEST_SUITE_P(GenerationsBtrfs, GenerationsScenario, ::testing::ValuesIn(cases("local", "btrfs")), caseName);

}  // namespace
