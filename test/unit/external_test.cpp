// External endpoints: the URL becomes a RepoTarget, each test gets its own
// place on the endpoint, and secrets come only from the named variables.
#include "Verdicts.hpp"
#include "backends/RemoteBackends.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace e2e;
using ::testing::HasSubstr;

TEST(ExternalEndpoint, S3UrlAndCredentialsFromEnvironment) {
    Workspace ws("unit", Settings::get());
    setenv("E2E_UNIT_S3_KEY", "AKIAUNIT", 1);
    setenv("E2E_UNIT_S3_SECRET", "unit-secret-value-1234", 1);
    RepositoryConfig cfg{"s3",
                         true,
                         "https://s3.example.net:9443/backups/team",
                         {{"access_key_id", "E2E_UNIT_S3_KEY"}, {"secret_access_key", "E2E_UNIT_S3_SECRET"}},
                         {},
                         {}};
    ExternalBackend b(ws, cfg);
    RepoTarget t = b.target();
    EXPECT_TRUE(t.external);
    EXPECT_EQ(t.scheme, "https");
    EXPECT_EQ(t.host, "s3.example.net");
    EXPECT_EQ(t.port, 9443);
    EXPECT_EQ(t.bucket, "backups");
    EXPECT_EQ(t.prefix, "team/" + ws.safeName());
    EXPECT_EQ(t.secret_key, "unit-secret-value-1234");
    unsetenv("E2E_UNIT_S3_SECRET");
    try {
        ExternalBackend missing(ws, cfg);
        FAIL() << "no error for an empty secret variable";
    } catch (const ServiceError& e) {
        EXPECT_THAT(e.what(), HasSubstr("E2E_UNIT_S3_SECRET"));
    }
    unsetenv("E2E_UNIT_S3_KEY");
}

TEST(ExternalEndpoint, SftpNeedsKeyAndKnownHosts) {
    Workspace ws("unit", Settings::get());
    RepositoryConfig cfg{"sftp", true, "sftp://backup@host.example:2222/srv/repos", {}, {}, {}};
    try {
        ExternalBackend b(ws, cfg);
        FAIL() << "accepted an SFTP endpoint without known_hosts";
    } catch (const ServiceError& e) {
        EXPECT_THAT(e.what(), HasSubstr("key_file and known_hosts"));
    }
    cfg.key_file = "/keys/id";
    cfg.known_hosts = "/keys/known_hosts";
    ExternalBackend b(ws, cfg);
    EXPECT_EQ(b.target().user, "backup");
    EXPECT_EQ(b.target().port, 2222);
    EXPECT_EQ(b.target().path, fs::path("/srv/repos") / ws.safeName());
}

TEST(ExternalEndpoint, BadUrlIsRejected) {
    Workspace ws("unit", Settings::get());
    RepositoryConfig cfg{"rest", true, "ftp:/nope", {}, {}, {}};
    EXPECT_THROW(ExternalBackend(ws, cfg), ServiceError);
}

// A timeout against an external endpoint is BLOCKED only when a probe of the
// endpoint fails too: a tool that hangs against a live endpoint is a FAIL.
TEST(ExternalEndpoint, TimeoutIsBlockedOnlyWhenTheEndpointIsDown) {
    Workspace ws("unit", Settings::get());
    RestServer srv(ws.work() / "rest-server", ws.logs());
    srv.start();
    RepositoryConfig cfg{"rest", true, "http://127.0.0.1:" + std::to_string(srv.port()) + "/repo", {}, {}, {}};
    ExternalBackend b(ws, cfg);
    Result hung;
    hung.timed_out = true;
    auto timeout = [&]() -> std::string { throw ToolError("backup", "restic backup timed out", hung); };
    {
        EXPECT_EQ(b.probe(), "") << "a live rest-server must answer the probe";
        Verdicts v(ws, true);
        v.probeWith([&] { return b.probe(); });
        v.layer("backup", timeout);
        EXPECT_EQ(ws.report().layers().back().status, Status::Fail) << "a hang against a live endpoint is a FAIL";
        EXPECT_THAT(ws.report().layers().back().detail, HasSubstr("answers a probe"));
    }
    srv.stop();
    {
        EXPECT_THAT(b.probe(), HasSubstr("got no answer"));
        Verdicts v(ws, true);
        v.probeWith([&] { return b.probe(); });
        v.layer("backup", timeout);
        EXPECT_EQ(ws.report().layers().back().status, Status::Blocked)
            << "a timeout against a dead endpoint is BLOCKED";
        EXPECT_THAT(ws.report().layers().back().detail, HasSubstr("endpoint is down too"));
    }
}
