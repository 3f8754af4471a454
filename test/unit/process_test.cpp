// The process runner: exit codes, deadlines that kill the whole group, logs
// with secrets redacted, rusage figures.
#include "process/Process.hpp"

#include "Workspace.hpp"

#include <csignal>
#include <fstream>
#include <gtest/gtest.h>
#include <thread>

using namespace e2e;
using namespace std::chrono_literals;

namespace {

TEST(Process, ExitCodeAndOutput) {
    Result r = run(Command{.argv = {"sh", "-c", "echo out; echo err >&2; exit 3"}});
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_EQ(r.out, "out\n");
    EXPECT_EQ(r.err, "err\n");
    EXPECT_FALSE(r.ok());
}

TEST(Process, MissingProgramIsReportedNotThrown) {
    Result r = run(Command{.argv = {"no-such-program-e2e"}});
    EXPECT_TRUE(r.spawn_failed);
    EXPECT_NE(r.describe().find("not found"), std::string::npos);
}

TEST(Process, DeadlineKillsTheWholeGroup) {
    Workspace ws("unit");
    fs::path pidfile = ws.work() / "grandchild.pid";
    Command c{.argv = {"sh", "-c", "sleep 60 & echo $! > " + pidfile.string() + "; wait"}};
    c.timeout = 300ms;
    c.kill_grace = 200ms;
    auto t0 = std::chrono::steady_clock::now();
    Result r = run(c);
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_TRUE(r.timed_out);
    EXPECT_LT(took, 5s) << "the runner waited for the grandchild instead of killing it";
    std::ifstream in(pidfile);
    int gc = 0;
    in >> gc;
    ASSERT_GT(gc, 0);
    for (int i = 0; i < 100 && processAlive(gc); ++i) std::this_thread::sleep_for(10ms);
    EXPECT_FALSE(processAlive(gc)) << "grandchild " << gc << " survived the deadline";
}

TEST(Process, TermIgnoredMeansKillAfterGrace) {
    Command c{.argv = {"sh", "-c", "trap '' TERM; while :; do sleep 0.05; done"}};
    c.timeout = 200ms;
    c.kill_grace = 300ms;
    Result r = run(c);
    EXPECT_TRUE(r.timed_out);
    EXPECT_EQ(r.term_signal, SIGKILL);
}

TEST(Process, FastExitIsNotDelayed) {
    // Boost.Process 1.74's wait_for could block for the whole timeout here
    Command c{.argv = {"true"}};
    c.timeout = 30s;
    auto t0 = std::chrono::steady_clock::now();
    Result r = run(c);
    EXPECT_TRUE(r.ok());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

TEST(Process, LogsKeepOutputAndRedactSecrets) {
    Workspace ws("unit");
    Command c{.argv = {"sh", "-c", "echo token=$TOKEN; echo the-password-42 >&2"}};
    c.env = {{"TOKEN", "s3cr3t-token-value"}};
    c.secrets = {"s3cr3t-token-value", "the-password-42"};
    c.log_dir = ws.logs();
    c.log_name = "redact";
    Result r = run(c);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.out, "token=***\n");
    EXPECT_EQ(r.err, "***\n");
    for (const auto& e : fs::directory_iterator(ws.logs())) {
        std::ifstream in(e.path());
        std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        EXPECT_EQ(body.find("s3cr3t"), std::string::npos) << e.path();
        EXPECT_EQ(body.find("the-password-42"), std::string::npos) << e.path();
    }
}

TEST(Process, RusageIsMeasured) {
    Result r = run(Command{.argv = {"sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"}});
    ASSERT_TRUE(r.ok());
    EXPECT_GT(r.usage.user_s + r.usage.sys_s, 0.0);
    EXPECT_GT(r.usage.max_rss_kib, 0);
    EXPECT_GE(r.usage.wall_s, r.usage.user_s * 0.5);
}

TEST(Process, ChildrenCarryTheOwnerTag) {
    Result r = run(Command{.argv = {"sh", "-c", std::string("echo $") + Janitor::kOwnerEnv}});
    EXPECT_EQ(r.out, Janitor::ownerTag() + "\n");
}

TEST(Process, CleanEnvironmentDropsTheUsersVariables) {
    setenv("RESTIC_REPOSITORY", "/somewhere/else", 1);
    Command c{.argv = {"sh", "-c", "echo \"[$RESTIC_REPOSITORY]\""}};
    c.clean_env = true;
    Result r = run(c);
    EXPECT_EQ(r.out, "[]\n");
    unsetenv("RESTIC_REPOSITORY");
}

}  // namespace
