// backends/<kind>: every installed tool through the whole round trip (see
// test/common/RoundTrip.hpp) on one backend. Built once per backend
// (E2E_BACKEND = local, rest, s3, sftp) so each gets its own ctest label;
// local also runs local-none (encryption off) where the tool has such a mode.
#include "RoundTrip.hpp"
#include "backends/Backend.hpp"
#include "config/Settings.hpp"
#include "tools/Drivers.hpp"

#include <gtest/gtest.h>

#if !defined(E2E_BACKEND) || !defined(E2E_INSTANCE)
#error "E2E_BACKEND must name the backend (local, rest, s3, sftp) and E2E_INSTANCE its test prefix"
#endif

using namespace e2e;

namespace {

const std::string kBackend = E2E_BACKEND;

struct Case {
    std::string tool;
    bool encrypted;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.tool << (c.encrypted ? "/encrypted" : "/none"); }

class BackendScenario : public ::testing::TestWithParam<Case> {};

TEST_P(BackendScenario, RoundTrip) {
    const Case& c = GetParam();
    const std::string variant = kBackend + (c.encrypted ? "" : "-none");
    Workspace ws("backends");
    ws.report().set("tool", c.tool);
    ws.report().set("backend", variant);
    ToolChoice choice = chooseTool(c.tool);
    E2E_REQUIRE_TOOL(ws, choice);

    const Capabilities caps = makeTool(c.tool, choice.binary->string(), ws.toolContext(c.tool), RepoTarget{})->capabilities();
    std::string na;
    if (!caps.backends.count(kBackend)) na = c.tool + " has no " + kBackend + " backend";
    else if (!c.encrypted && !caps.no_encryption) na = caps.no_encryption_reason;
    if (!na.empty()) {
        ws.report().setStatus(Status::NotApplicable, na);
        GTEST_SKIP() << "NOT-APPLICABLE: " << na;
    }

    std::unique_ptr<Backend> backend;
    try {
        backend = makeBackend(kBackend, ws, c.tool);
    } catch (const ServiceError& e) {
        ws.report().addLayer({"server", Status::Fail, e.what(), 0});
        FAIL() << "the " << kBackend << " server did not start: " << e.what();
    }
    ws.report().set("server", backend->facts());
    auto tool = makeTool(c.tool, choice.binary->string(), ws.toolContext(c.tool, backend->external()), backend->target());

    RoundTripOptions opt;
    opt.external = backend->external();
    opt.encrypted = c.encrypted;
    opt.backend = variant;
    opt.repo_bytes = [&] { return backend->usedBytes(); };
    bool ok = runRoundTrip(ws, *tool, opt);
    ws.report().set("server", backend->facts());   // again: server-side request counts after the run
    if (kBackend == "s3" && c.tool == "vykar" && ok && !backend->external()) {
        // vykar uploads packs over 16 MiB in parts: the 64 MiB file must have taken that path
        Verdicts v(ws);
        ok = v.layer("multipart", [&] {
            auto n = backend->facts()["requests"];
            int create = n.value("CreateMultipartUpload", 0), parts = n.value("UploadPart", 0), done = n.value("CompleteMultipartUpload", 0);
            std::string d = "server saw " + std::to_string(create) + " CreateMultipartUpload, " + std::to_string(parts) + " UploadPart, " +
                            std::to_string(done) + " CompleteMultipartUpload";
            if (create < 1 || parts < 2 || done < 1) throw VerdictFailure("the multipart path did not run: " + d);
            return d;
        });
    }
    if (auto* v = dynamic_cast<VykarTool*>(tool.get())) ws.keepConfig(v->configPath());
    if (ws.report().status() == Status::Blocked) GTEST_SKIP() << "BLOCKED: the external " << kBackend << " endpoint timed out";
    EXPECT_TRUE(ok) << "scenario failed at layer '" << ws.report().layers().back().name << "'; report under "
                    << (Settings::runtimeDir() / "reports").string();
}

std::vector<Case> cases() {
    std::vector<Case> v;
    for (const auto& t : knownTools()) {
        v.push_back({t, true});
        if (kBackend == "local") v.push_back({t, false});
    }
    return v;
}

// the instance name carries the backend, so test names are unique across suites
INSTANTIATE_TEST_SUITE_P(E2E_INSTANCE, BackendScenario, ::testing::ValuesIn(cases()), [](const auto& p) {
    return p.param.tool + (p.param.encrypted ? "_encrypted" : "_none");
});

}  // namespace
