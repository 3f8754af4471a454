// backends/failures: the failure cases a backup user meets, each reported with
// its cause and within a deadline (never a hang): wrong credentials, a server
// size limit, a repository damaged on disk that the tool's check must catch.
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "backends/Backend.hpp"
#include "backends/LocalBackend.hpp"
#include "services/Servers.hpp"
#include "tools/Drivers.hpp"
#include "tools/Registry.hpp"
#include "text/Text.hpp"
#include "tree/Corpus.hpp"

#include <fstream>
#include <gtest/gtest.h>

using namespace e2e;
using namespace std::chrono_literals;

namespace {

double since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

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

// The tool's own output (not the suite's message around it).
std::string toolOutput(const ToolError& e) {
    return e.result().out + "\n" + e.result().err;
}

// An HTTP 401 in the tool's words (never a port or a byte count that holds "401").
const char* kUnauthorized =
    R"((\b401\b[^0-9]*unauthori[sz]ed|unauthori[sz]ed|status(code)?[ =:]*401\b|\(401\)|HTTP[^\n]{0,20}\b401\b))";

// init with a wrong secret: a quick failure that names the cause in the tool's words
std::string initFailsUnauthorized(BackupTool& tool, const std::string& secret) {
    auto t0 = std::chrono::steady_clock::now();
    try {
        tool.init(RepoOptions{});
    } catch (const ToolError& e) {
        if (e.timedOut()) throw VerdictFailure("a wrong " + secret + " must fail, not hang: " + e.what());
        if (since(t0) > 30.0)
            throw VerdictFailure("a wrong " + secret + " took " + std::to_string(since(t0)) + " s to fail");
        const std::string why = matchingLine(toolOutput(e), kUnauthorized);
        if (why.empty())
            throw VerdictFailure("the failure does not name the cause (no 401 / unauthorized in " + tool.name() +
                                 "'s output):\n" + e.what());
        return "failed cleanly in " + std::to_string(since(t0)) + " s: " + why;
    }
    throw VerdictFailure("init succeeded with a wrong " + secret);
}

// Every tool with a REST server of its own kind (rest-server, or the tool's own server).
std::vector<std::string> restTools() {
    std::vector<std::string> v;
    for (const auto& t : toolRegistry())
        if (t.rest_server != RestServerKind::None) v.push_back(t.name);
    return v;
}

// The REST server set up by the backend fixture with a login or a size cap.
class RestFailures : public ScenarioTestP<std::string> {
protected:
    RestFailures() : ScenarioTestP("backends") {}
    bool restBackend(ToolOnBackend& t, const BackendOptions& opt) {
        PreludeOptions po;
        po.backend = "rest";
        po.backend_options = opt;
        return prepare(t, GetParam(), po);
    }
};

TEST_P(RestFailures, WrongCredentialFailsCleanly) {
    ToolOnBackend t;
    if (!restBackend(t, BackendOptions{.require_login = true})) return;
    Verdicts v(ws());
    RepoTarget wrong = t.backend->target();
    wrong.token = ws().secret("wrong");  // not the password or token the server holds
    ToolContext ctx = ws().toolContext(t.name);
    ctx.timeout = 60s;
    auto tool = makeTool(t.name, t.binary.string(), ctx, wrong);
    v.layer("wrong-credential",
            [&] { return initFailsUnauthorized(*tool, wrong.user.empty() ? "token" : "password"); });
    // the right one opens the same server: the failure above was the credential's
    v.layer("right-credential", [&] {
        t.tool->init(RepoOptions{});
        return std::string("init with the server's own credential succeeded");
    });
}

TEST_P(RestFailures, SizeLimitIsReported) {
    ToolOnBackend t;
    if (!restBackend(t, BackendOptions{.max_bytes = 4ull << 20})) return;  // 4 MiB for the whole repository
    Verdicts v(ws());
    // a tool that waits on stuck requests before it gives up: the deadline lies beyond that bound
    ToolContext ctx = ws().toolContext(t.name);
    ctx.timeout = ctx.transfer_timeout = 120s + t.caps.stuck_request_wait;
    auto tool = makeTool(t.name, t.binary.string(), ctx, t.backend->target());
    v.layer("init", [&] {
        tool->init(RepoOptions{});
        return std::string();
    });
    fs::path src;
    v.layer("source", [&] {
        src = smallSource(ws(), 32ull << 20);
        return std::string("32 MiB of random data");
    });
    v.layer("size-limit", [&] {
        const auto t0 = std::chrono::steady_clock::now();
        try {
            tool->backup(src, "too-big");
        } catch (const ToolError& e) {
            if (e.timedOut()) throw VerdictFailure(std::string("the size limit made the client hang: ") + e.what());
            if (since(t0) > 30.0)
                ws().report().note(t.name + " stalled " + std::to_string(int(since(t0))) +
                                   " s after the server's refusal before it gave up");
            // rest-server answers 507 Insufficient Storage (413 for one too-large request)
            const std::string why =
                matchingLine(toolOutput(e), R"(\b507\b|\b413\b|Insufficient Storage|Request Entity Too Large|quota)");
            if (why.empty())
                throw VerdictFailure(std::string("the failure does not name the size limit:\n") + e.what());
            return "reported: " + why;
        }
        throw VerdictFailure("a 32 MiB backup fit into a 4 MiB repository");
    });
}

INSTANTIATE_TEST_SUITE_P(Failures, RestFailures, ::testing::ValuesIn(restTools()),
                         [](const auto& p) { return p.param; });

// Each tool's own check must notice a pack damaged on disk.
class CheckCatchesDamage : public ScenarioTestP<std::string> {
protected:
    CheckCatchesDamage() : ScenarioTestP("backends") {}
};

TEST_P(CheckCatchesDamage, OnLocal) {
    ToolOnBackend t;
    if (!prepare(t, GetParam())) return;
    const std::string& name = t.name;
    Verdicts v(ws());
    v.layer("init", [&] {
        t.tool->init(RepoOptions{});
        return std::string();
    });
    v.layer("backup", [&] { return "snapshot " + t.tool->backup(smallSource(ws(), 24ull << 20), "damage"); });
    v.layer("check-before-damage", [&] {
        t.tool->check(true);
        return std::string("clean");
    });
    // flip bytes in the middle of the repository's largest file (a data pack)
    v.layer("damage", [&] {
        fs::path biggest;
        std::uintmax_t size = 0;
        for (const auto& e : fs::recursive_directory_iterator(t.backend->target().path))
            if (e.is_regular_file() && e.file_size() > size) size = e.file_size(), biggest = e.path();
        if (size <= (1u << 20)) throw VerdictFailure("no data pack found in the repository");
        fs::permissions(biggest, fs::perms::owner_write, fs::perm_options::add);
        std::fstream f(biggest, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(std::streamoff(size / 2));
        const char junk[16] = {'b', 'a', 'c', 'k', 'u', 'p', '-', 'e', '2', 'e', '-', 'r', 'o', 't', '!', '!'};
        f.write(junk, sizeof junk);
        ws().context("damaged", biggest.string());
        return "16 bytes overwritten in the middle of " + biggest.string();
    });
    v.layer("check-after-damage", [&] {
        try {
            t.tool->check(true);
        } catch (const ToolError& e) {
            // only the tool's integrity verdict counts: a timeout, a lock or a cache error caught nothing
            const Result& r = e.result();
            if (r.timed_out || r.spawn_failed || r.term_signal != 0 || r.exit_code == 0)
                throw VerdictFailure(std::string("the check did not end with an integrity failure: ") + e.what());
            const std::string why = matchingLine(toolOutput(e), t.caps.integrity_failure);
            if (why.empty())
                throw VerdictFailure("the check failed, but not with " + name + "'s integrity-failure message (/" +
                                     t.caps.integrity_failure + "/):\n" + e.what());
            return "caught (exit " + std::to_string(r.exit_code) + "): " + why;
        }
        throw VerdictFailure(name + "'s check passed on a damaged repository");
    });
}

INSTANTIATE_TEST_SUITE_P(Failures, CheckCatchesDamage, ::testing::ValuesIn(knownTools()),
                         [](const auto& p) { return p.param; });

}  // namespace
