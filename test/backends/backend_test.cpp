// backends/<kind>: every installed tool through the whole round trip (see
// test/common/RoundTrip.hpp) on each backend kind of the registry
// (helpers/config/Backends.hpp), one instantiation per kind (Local/, Rest/,
// ...) so that each gets its own ctest label; where the registry says so
// (local) the tool also runs with encryption off, where it has such a mode.
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "ToolRows.hpp"
#include "config/Backends.hpp"
#include "text/Text.hpp"
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
    std::string variant{};  // a named tool variant beside the default row
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.backend << "/" << c.tool << (c.variant.empty() ? "" : "-" + c.variant)
        << (c.encrypted ? "/encrypted" : "/none");
}

class BackendScenario : public ScenarioTestP<Case> {
protected:
    BackendScenario() : ScenarioTestP("backends") {}
};

// S3: a tool that declares a multipart path (Capabilities::s3_multipart_over)
// must have taken it whenever the bucket holds an object over that size; with
// no such object (a small user corpus) the layer is not applicable, with the sizes.
void multipartLayer(Workspace& ws, Backend& backend, const Capabilities& caps) {
    std::uint64_t largest = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(backend.target().local_dir, ec);
         !ec && it != fs::recursive_directory_iterator(); ++it)
        if (it->is_regular_file(ec)) largest = std::max<std::uint64_t>(largest, it->file_size(ec));
    if (largest <= caps.s3_multipart_over) {
        ws.report().addLayer({"multipart", Status::NotApplicable,
                              "the bucket's largest object is " + humanBytes(largest) + ", not over the " +
                                  humanBytes(caps.s3_multipart_over) +
                                  " that the tool uploads in parts: the data does not need the multipart path",
                              0});
        return;
    }
    Verdicts v(ws);
    v.layer("multipart", [&] {
        auto n = backend.facts()["requests"];
        int create = n.value("CreateMultipartUpload", 0), parts = n.value("UploadPart", 0),
            done = n.value("CompleteMultipartUpload", 0);
        std::string d = "the bucket holds an object of " + humanBytes(largest) + " (over " +
                        humanBytes(caps.s3_multipart_over) + "); the server saw " + std::to_string(create) +
                        " CreateMultipartUpload, " + std::to_string(parts) + " UploadPart, " + std::to_string(done) +
                        " CompleteMultipartUpload";
        if (create < 1 || parts < 2 || done < 1) throw VerdictFailure("the multipart path did not run: " + d);
        return d;
    });
}

TEST_P(BackendScenario, RoundTrip) {
    const Case& c = GetParam();
    PreludeOptions po;
    po.backend = c.backend;
    po.variant = c.variant;
    po.not_applicable = [&](const Capabilities& caps) {
        return !c.encrypted && !caps.no_encryption ? caps.no_encryption_reason : std::string();
    };
    ToolOnBackend t;
    if (!prepare(t, c.tool, po)) return;

    RoundTripOptions opt;
    opt.external = t.backend->external();
    opt.encrypted = c.encrypted;
    opt.backend = c.backend;
    opt.repo_bytes = [&] { return t.backend->usedBytes(); };
    opt.repo_dir = t.backend->target().local_dir;
    opt.probe = [&] { return t.backend->probe(); };
    bool ok = runRoundTrip(ws(), *t.tool, opt);
    ws().report().set("server", t.backend->facts());  // again: server-side request counts after the run
    // the multipart path is S3's; its bytes are readable only on a server the suite started
    if (t.caps.s3_multipart_over && t.backend->kind() == "s3" && ok && !t.backend->external())
        multipartLayer(ws(), *t.backend, t.caps);
    if (auto* v = dynamic_cast<VykarTool*>(t.tool.get())) ws().keepConfig(v->configPath());
    if (ws().report().layerStatus() == Status::Blocked)
        endAs(Status::Blocked,
              "the external " + c.backend + " endpoint timed out: " + ws().report().firstFailedLayer()->detail);
}

std::vector<Case> cases(const std::string& backend) {
    std::vector<Case> v;
    for (const auto& row : corpusToolRows()) {
        v.push_back({backend, row.tool, true, row.variant});
        if (backendInfo(backend).unencrypted_row && row.variant.empty()) v.push_back({backend, row.tool, false});
    }
    return v;
}

std::string caseName(const ::testing::TestParamInfo<Case>& p) {
    return ToolRow{p.param.tool, p.param.variant}.name() + (p.param.encrypted ? "_encrypted" : "_none");
}

// Shapes/: a shape of real trees on a row of its own, the default corpus plus the shape, on the registry's
// first kind (local): a path past PATH_MAX (4096 bytes, reachable only with relative or *at calls), which the
// default corpus leaves out (corpus_skip) because every installed tool failed it when it was added: each
// tool's finding (seeds/known-findings.txt) then fails this row only and hides nothing else.
class ShapeScenario : public ScenarioTestP<ToolRow> {
protected:
    ShapeScenario() : ScenarioTestP("backends") {}
};

TEST_P(ShapeScenario, LongPath) {
    PreludeOptions po;
    po.backend = backendRegistry().front().kind;
    ToolOnBackend t;
    if (!prepare(t, GetParam().tool, po)) return;
    RoundTripOptions opt;
    opt.backend = po.backend;
    opt.repo_bytes = [&] { return t.backend->usedBytes(); };
    opt.repo_dir = t.backend->target().local_dir;
    opt.corpus_take_in = {"long_path"};
    if (runRoundTrip(ws(), *t.tool, opt)) return;
    const Layer* bad = ws().report().firstFailedLayer();
    ADD_FAILURE() << "the round trip of a tree with a path past PATH_MAX failed at layer '"
                  << (bad ? bad->name : std::string("?")) << "'";
}

INSTANTIATE_TEST_SUITE_P(Shapes, ShapeScenario, ::testing::ValuesIn(defaultToolRows()),
                         [](const ::testing::TestParamInfo<ToolRow>& p) { return p.param.name(); });

// one instantiation per backend kind of the registry (Local/, Rest/, ...): test/backends/CMakeLists.txt labels by it
#define E2E_INSTANTIATE(kind, Prefix, ...) \
    INSTANTIATE_TEST_SUITE_P(Prefix, BackendScenario, ::testing::ValuesIn(cases(#kind)), caseName);
E2E_BACKENDS(E2E_INSTANTIATE)
#undef E2E_INSTANTIATE

}  // namespace
