// backends/<kind>: every installed tool through the whole round trip (see
// test/common/RoundTrip.hpp) on each backend (local, rest, s3, sftp), one
// instantiation per backend (Local/, Rest/, S3/, Sftp/) so that each gets its
// own ctest label; local also runs local-none (encryption off) where the tool
// has such a mode.
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "backends/Backend.hpp"
#include "config/Settings.hpp"
#include "tools/Drivers.hpp"

#include <gtest/gtest.h>

using namespace e2e;

namespace {

struct Case {
    std::string backend;
    std::string tool;
    bool encrypted;
    std::string variant{};   // a named tool variant beside the default row
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.backend << "/" << c.tool << (c.variant.empty() ? "" : "-" + c.variant) << (c.encrypted ? "/encrypted" : "/none"); }

class BackendScenario : public ScenarioTestP<Case> {
protected:
    BackendScenario() : ScenarioTestP("backends") {}
};

TEST_P(BackendScenario, RoundTrip) {
    const Case& c = GetParam();
    const std::string& backend = c.backend;
    PreludeOptions po;
    po.backend = backend;
    po.variant = c.variant;
    po.not_applicable = [&](const Capabilities& caps) { return !c.encrypted && !caps.no_encryption ? caps.no_encryption_reason : std::string(); };
    ToolOnBackend t;
    if (!prepare(t, c.tool, po)) return;
    ws().report().set("backend", backend + (c.encrypted ? "" : "-none"));

    RoundTripOptions opt;
    opt.external = t.backend->external();
    opt.encrypted = c.encrypted;
    opt.backend = backend + (c.encrypted ? "" : "-none");
    opt.repo_bytes = [&] { return t.backend->usedBytes(); };
    opt.repo_dir = t.backend->target().local_dir;
    opt.probe = [&] { return t.backend->probe(); };
    bool ok = runRoundTrip(ws(), *t.tool, opt);
    ws().report().set("server", t.backend->facts());   // again: server-side request counts after the run
    if (backend == "s3" && c.tool == "vykar" && ok && !t.backend->external()) {
        // vykar uploads packs over 16 MiB in parts: the 64 MiB file must have taken that path
        Verdicts v(ws());
        v.layer("multipart", [&] {
            auto n = t.backend->facts()["requests"];
            int create = n.value("CreateMultipartUpload", 0), parts = n.value("UploadPart", 0), done = n.value("CompleteMultipartUpload", 0);
            std::string d = "server saw " + std::to_string(create) + " CreateMultipartUpload, " + std::to_string(parts) + " UploadPart, " +
                            std::to_string(done) + " CompleteMultipartUpload";
            if (create < 1 || parts < 2 || done < 1) throw VerdictFailure("the multipart path did not run: " + d);
            return d;
        });
    }
    if (auto* v = dynamic_cast<VykarTool*>(t.tool.get())) ws().keepConfig(v->configPath());
    if (ws().report().layerStatus() == Status::Blocked) endAs(Status::Blocked, "the external " + backend + " endpoint timed out: " + ws().report().firstFailedLayer()->detail);
}

std::vector<Case> cases(const std::string& backend) {
    std::vector<Case> v;
    for (const auto& t : knownTools()) {
        v.push_back({backend, t, true});
        if (backend == "local") v.push_back({backend, t, false});
    }
    // vykar 0.19.1 skips a non-UTF-8 name when its backup runs more than one
    // thread (its default): the default rows keep that verdict, this variant
    // proves the rest of its behaviour on the full corpus (documented setting)
    v.push_back({backend, "vykar", true, "threads1"});
    return v;
}

std::string caseName(const ::testing::TestParamInfo<Case>& p) {
    return p.param.tool + (p.param.variant.empty() ? "" : "_" + p.param.variant) + (p.param.encrypted ? "_encrypted" : "_none");
}

// the instance name carries the backend (test/backends/CMakeLists.txt labels by it)
INSTANTIATE_TEST_SUITE_P(Local, BackendScenario, ::testing::ValuesIn(cases("local")), caseName);
INSTANTIATE_TEST_SUITE_P(Rest, BackendScenario, ::testing::ValuesIn(cases("rest")), caseName);
INSTANTIATE_TEST_SUITE_P(S3, BackendScenario, ::testing::ValuesIn(cases("s3")), caseName);
INSTANTIATE_TEST_SUITE_P(Sftp, BackendScenario, ::testing::ValuesIn(cases("sftp")), caseName);

}  // namespace
