// The process runner: exit codes, deadlines that kill the whole group, logs
// with secrets redacted, rusage figures.
#include "process/Process.hpp"
#include "process/Heartbeat.hpp"

#include "Workspace.hpp"

#include <csignal>
#include <fstream>
#include <gtest/gtest.h>
#include <thread>
#include <unistd.h>

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

// The child reports a failed chdir in three writes; the whole reason must arrive every time.
TEST(Process, SpawnErrorKeepsItsReason) {
    for (int i = 0; i < 50; ++i) {
        Command c;
        c.argv = {"true"};
        c.cwd = "/nonexistent-e2e-dir";
        const Result r = run(c);
        ASSERT_TRUE(r.spawn_failed) << "try " << i;
        ASSERT_EQ(r.spawn_error, "chdir: No such file or directory") << "try " << i;
    }
}

TEST(Process, DeadlineKillsTheWholeGroup) {
    Workspace ws("unit", Settings::get());
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

// A daemon whose leader exits on TERM while its own child shuts down later
// (dockerd and its containerd): terminate() returns only once the whole group
// is gone, KILLing what outlives the grace, so the next start finds nothing held.
TEST(Process, TerminateWaitsForTheGroupNotJustTheLeader) {
    Workspace ws("unit", Settings::get());
    fs::path pidfile = ws.work() / "child.pid";
    Command c{.argv = {"sh", "-c",
                       "(trap '' TERM; exec sleep 60) & echo $! > " + pidfile.string() +
                           "; trap 'exit 0' TERM; while :; do sleep 0.05; done"}};
    c.timeout = 60s;
    Child ch(c);
    int pid = 0;
    for (int i = 0; i < 200 && pid == 0; ++i) {
        std::this_thread::sleep_for(10ms);
        std::ifstream(pidfile) >> pid;
    }
    ASSERT_GT(pid, 0);
    ch.terminate(400ms);
    EXPECT_FALSE(processAlive(pid)) << "the leader's child " << pid << " outlived terminate()";
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
    Workspace ws("unit", Settings::get());
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

// The runner tells its observer (the janitor, installed by main) of each group:
// recorded while it runs, released when it is reaped.
TEST(Process, EveryGroupIsRecordedWithTheJanitorAndReleased) {
    Child c(Command{.argv = {"sleep", "30"}});
    const std::string name = "pg-" + std::to_string(getpid()) + "-" + std::to_string(c.pid());
    const fs::path link = Janitor::instance().runtimeDir() / "janitor" / name;
    EXPECT_TRUE(fs::exists(link)) << link.string();
    c.terminate(1s);
    EXPECT_FALSE(fs::exists(link)) << link.string();
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

// A long step prints a heartbeat at most every `heartbeat`: what it waits for,
// the bytes its progress dir holds and the rate, elapsed time and deadline;
// into the .cmd log too. A quick one prints none.
TEST(ProcessHeartbeat, LongStepReportsProgress) {
    Workspace ws("unit", Settings::get());
    const fs::path out = ws.work() / "written";
    fs::create_directories(out);
    Command c{.argv = {"sh", "-c",
                       "i=0; while [ $i -lt 14 ]; do head -c 1048576 /dev/zero > " + out.string() +
                           "/f$i; i=$((i+1)); sleep 0.2; done"}};
    c.timeout = 60s;
    c.heartbeat = 1s;
    c.log_dir = ws.logs();
    c.log_name = "writer";
    c.progress = Progress{.what = "the writer", .dir = out, .unit = "written to the repository"};
    ::testing::internal::CaptureStdout();
    Result r = run(c);
    const std::string printed = ::testing::internal::GetCapturedStdout();
    ASSERT_TRUE(r.ok()) << r.describe();
    std::size_t lines = 0;
    for (std::size_t p = printed.find("[e2e] waiting for the writer: "); p != std::string::npos;
         p = printed.find("[e2e] waiting for the writer: ", p + 1))
        ++lines;
    EXPECT_GE(lines, 2u) << printed;
    EXPECT_LE(lines, 3u) << "more than one line a second: " << printed;  // ~2.8 s of work
    EXPECT_NE(printed.find("MiB written to the repository ("), std::string::npos) << printed;
    EXPECT_NE(printed.find("/s), 1 s elapsed, deadline 60 s"), std::string::npos) << printed;
    std::string cmdlog;
    for (const auto& e : fs::directory_iterator(ws.logs()))
        if (e.path().extension() == ".cmd") cmdlog += readFile(e.path());
    EXPECT_NE(cmdlog.find("[e2e] waiting for the writer"), std::string::npos) << cmdlog;

    ::testing::internal::CaptureStdout();
    Command quick{.argv = {"true"}};
    quick.heartbeat = 1s;
    ASSERT_TRUE(run(quick).ok());
    EXPECT_EQ(::testing::internal::GetCapturedStdout(), "");
}

TEST(ProcessHeartbeat, CountsAndRates) {
    EXPECT_EQ(heartbeatLine("seeding postgres", 20s, 600s, 120000u, "seeded", "rows", 6000.4),
              "[e2e] waiting for seeding postgres: 120000 rows seeded (6000 rows/s), 20 s elapsed, deadline 600 s");
    EXPECT_EQ(heartbeatLine("image build", 30s, 1800s, std::nullopt, "", "bytes", 0),
              "[e2e] waiting for image build: 30 s elapsed, deadline 1800 s");
}

// Seeding through a native client beats the same way: amount, rate, elapsed, and no deadline of its own.
TEST(ProcessHeartbeat, SeedingTicks) {
    Heartbeat quiet("seeding x", "seeded", "rows");
    ::testing::internal::CaptureStdout();
    quiet.tick(10);  // not 10 s yet: nothing
    Heartbeat hb("seeding PostgreSQL to 24.0 MiB", "seeded", "rows", {}, 0ms);
    hb.tick(1200);
    const std::string out = ::testing::internal::GetCapturedStdout();
    EXPECT_EQ(out.find("seeding x"), std::string::npos) << out;
    EXPECT_NE(out.find("[e2e] waiting for seeding PostgreSQL to 24.0 MiB: 1200 rows seeded ("), std::string::npos)
        << out;
    EXPECT_NE(out.find("no deadline of its own (the test's time limit applies)"), std::string::npos) << out;
}
