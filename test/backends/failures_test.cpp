// backends/failures: the failure cases a backup user meets, each reported with
// its cause and within a deadline (never a hang): wrong credentials, a server
// size limit, a repository damaged on disk that the tool's check must catch.
#include "RoundTrip.hpp"
#include "backends/Backend.hpp"
#include "backends/LocalBackend.hpp"
#include "services/Servers.hpp"
#include "tools/Drivers.hpp"
#include "tree/Corpus.hpp"

#include <fstream>
#include <gtest/gtest.h>

using namespace e2e;
using namespace std::chrono_literals;

namespace {

RepoTarget restTarget(const RestServer& srv) {
    RepoTarget t;
    t.kind = "rest";
    t.host = srv.host();
    t.port = srv.port();
    t.repo_name = "repo";
    return t;
}

double since(std::chrono::steady_clock::time_point t0) { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }

// A small tree of random data (incompressible, so it reaches the repository as is).
fs::path smallSource(Workspace& ws, std::uint64_t bytes) {
    CorpusSpec spec;
    spec.seed = ws.seed();
    spec.awkward = false;
    spec.profile.small_files = 10;
    spec.profile.bulk_bytes = 0;
    spec.profile.duplicates = 0;
    spec.profile.big_file_bytes = bytes;
    fs::path src = ws.work() / "source";
    generateCorpus(src, spec);
    return src;
}

// restic against a rest-server of the test's own (configured before start)
#define E2E_RESTIC_ON_REST(ws, choice, srv)            \
    Workspace ws("backends");                          \
    ws.report().set("tool", "restic");                 \
    ws.report().set("backend", "rest");                \
    ToolChoice choice = chooseTool("restic");          \
    E2E_REQUIRE_TOOL(ws, choice);                      \
    RestServer srv(ws.work() / "rest-server", ws.logs())

TEST(Failures, RestWrongPasswordFailsCleanly) {
    E2E_RESTIC_ON_REST(ws, choice, srv);
    srv.requireLogin("e2e", ws.secret("htpasswd"));
    srv.start();
    RepoTarget t = restTarget(srv);
    t.user = "e2e";
    t.token = ws.secret("wrong");   // not the password the server holds
    ToolContext ctx = ws.toolContext("restic");
    ctx.timeout = 60s;
    auto tool = makeTool("restic", choice.binary->string(), ctx, t);
    auto t0 = std::chrono::steady_clock::now();
    try {
        tool->init(RepoOptions{});
        FAIL() << "init succeeded with a wrong password";
    } catch (const ToolError& e) {
        EXPECT_FALSE(e.timedOut()) << "a wrong password must fail, not hang: " << e.what();
        EXPECT_LT(since(t0), 30.0);
        const std::string m = e.what();
        EXPECT_TRUE(m.find("401") != std::string::npos || m.find("nauthorized") != std::string::npos) << "the cause is not named: " << m;
        ws.report().addLayer({"wrong-password", Status::Pass, "failed cleanly in " + std::to_string(since(t0)) + " s: " + m.substr(0, 300), since(t0)});
    }
}

TEST(Failures, VykarWrongTokenFailsCleanly) {
    Workspace ws("backends");
    ws.report().set("tool", "vykar");
    ws.report().set("backend", "rest");
    ToolChoice choice = chooseTool("vykar");
    E2E_REQUIRE_TOOL(ws, choice);
    std::unique_ptr<Backend> backend;
    try {
        backend = makeBackend("rest", ws, "vykar");
    } catch (const ServiceError& e) {
        FAIL() << e.what();
    }
    RepoTarget t = backend->target();
    t.token = ws.secret("wrong-token");
    auto tool = makeTool("vykar", choice.binary->string(), ws.toolContext("vykar"), t);
    auto t0 = std::chrono::steady_clock::now();
    try {
        tool->init(RepoOptions{});
        FAIL() << "init succeeded with a wrong token";
    } catch (const ToolError& e) {
        EXPECT_FALSE(e.timedOut()) << e.what();
        EXPECT_LT(since(t0), 30.0);
        EXPECT_NE(std::string(e.what()).find("401"), std::string::npos) << e.what();
    }
}

TEST(Failures, RestSizeLimitIsReported) {
    E2E_RESTIC_ON_REST(ws, choice, srv);
    srv.maxSize(4ull << 20);   // 4 MiB for the whole repository
    srv.start();
    RepoTarget t = restTarget(srv);
    ToolContext ctx = ws.toolContext("restic");
    ctx.timeout = ctx.transfer_timeout = 120s;
    auto tool = makeTool("restic", choice.binary->string(), ctx, t);
    tool->init(RepoOptions{});
    fs::path src = smallSource(ws, 32ull << 20);
    auto t0 = std::chrono::steady_clock::now();
    try {
        tool->backup(src, "too-big");
        FAIL() << "a 32 MiB backup fit into a 4 MiB repository";
    } catch (const ToolError& e) {
        const std::string m = e.what();
        ws.report().addLayer({"size-limit", e.timedOut() ? Status::Fail : Status::Pass, m.substr(0, 400), since(t0)});
        EXPECT_FALSE(e.timedOut()) << "the size limit made the client hang: " << m;
        // rest-server answers 507 Insufficient Storage; restic retries it for about 50 s, then gives up
        EXPECT_TRUE(m.find("507") != std::string::npos || m.find("413") != std::string::npos || m.find("Insufficient Storage") != std::string::npos)
            << "the cause is not named: " << m;
    }
}

// Each tool's own check must notice a pack damaged on disk.
class CheckCatchesDamage : public ::testing::TestWithParam<std::string> {};

TEST_P(CheckCatchesDamage, OnLocal) {
    const std::string name = GetParam();
    Workspace ws("backends");
    ws.report().set("tool", name);
    ws.report().set("backend", "local");
    ToolChoice choice = chooseTool(name);
    E2E_REQUIRE_TOOL(ws, choice);
    LocalBackend backend(ws);
    auto tool = makeTool(name, choice.binary->string(), ws.toolContext(name), backend.target());
    tool->init(RepoOptions{});
    tool->backup(smallSource(ws, 24ull << 20), "damage");
    tool->check(true);   // clean before the damage
    // flip bytes in the middle of the repository's largest file (a data pack)
    fs::path biggest;
    std::uintmax_t size = 0;
    for (const auto& e : fs::recursive_directory_iterator(backend.target().path))
        if (e.is_regular_file() && e.file_size() > size) size = e.file_size(), biggest = e.path();
    ASSERT_GT(size, 1u << 20) << "no data pack found in the repository";
    fs::permissions(biggest, fs::perms::owner_write, fs::perm_options::add);
    {
        std::fstream f(biggest, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(std::streamoff(size / 2));
        const char junk[16] = {'b', 'a', 'c', 'k', 'u', 'p', '-', 'e', '2', 'e', '-', 'r', 'o', 't', '!', '!'};
        f.write(junk, sizeof junk);
    }
    ws.context("damaged", biggest.string());
    try {
        tool->check(true);
        ws.report().addLayer({"check-after-damage", Status::Fail, "check passed on a damaged repository (" + biggest.string() + ")", 0});
        FAIL() << name << "'s check passed after " << biggest << " was damaged";
    } catch (const ToolError& e) {
        ws.report().addLayer({"check-after-damage", Status::Pass, std::string("caught: ") + e.what(), 0});
    }
}

INSTANTIATE_TEST_SUITE_P(Failures, CheckCatchesDamage, ::testing::ValuesIn(knownTools()), [](const auto& p) { return p.param; });

}  // namespace
