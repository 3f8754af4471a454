// The janitor releases what a killed run left behind, and the leak check sees
// what would otherwise remain.
#include "janitor/Janitor.hpp"
#include "process/Process.hpp"

#include "ScenarioTest.hpp"

#include <csignal>
#include <fstream>
#include <gtest/gtest.h>
#include <thread>

using namespace e2e;
using namespace std::chrono_literals;

namespace {

// the fixture takes the suite's name (tests stay Janitor.*); the class under test is e2e::Janitor
class Janitor : public ScenarioTest {
protected:
    Janitor() : ScenarioTest("selftest") {}
};

TEST_F(Janitor, SweepsWhatAKilledRunLeft) {
    Workspace& ws = this->ws();
    const fs::path rt = ws.work() / "runtime";  // the victim's own runtime: a sweep here touches nothing else
    Command c{.argv = {E2E_JANITOR_VICTIM}};
    c.env = {{"E2E_RUNTIME", rt.string()}};
    c.log_dir = ws.logs();
    Result r = run(c);
    ASSERT_EQ(r.term_signal, SIGKILL) << r.describe();
    int stray = std::stoi(r.out);
    ASSERT_TRUE(processAlive(stray)) << "the victim's stray process should still run";
    ASSERT_TRUE(fs::exists(rt / "work" / "victim" / "evidence"));

    auto before = e2e::Janitor::leaks(rt);
    bool sees_record = false, sees_process = false;
    for (const auto& l : before) {
        sees_record |= l.find("unreleased dir") != std::string::npos;
        sees_process |= l.find("process still running: " + std::to_string(stray)) != std::string::npos;
    }
    EXPECT_TRUE(sees_record) << "leak check missed the unreleased dir";
    EXPECT_TRUE(sees_process) << "leak check missed the stray process";

    auto s = e2e::Janitor::sweep(rt);
    EXPECT_TRUE(s.failed.empty());
    for (int i = 0; i < 100 && processAlive(stray); ++i) std::this_thread::sleep_for(10ms);
    EXPECT_FALSE(processAlive(stray)) << "sweep left the stray process " << stray;
    EXPECT_FALSE(fs::exists(rt / "work" / "victim"));
    auto after = e2e::Janitor::leaks(rt);
    std::string left;
    for (const auto& l : after)
        if (l.rfind("left in /tmp", 0) != 0) left += l + "\n";
    EXPECT_TRUE(left.empty()) << left;
}

TEST_F(Janitor, LiveOwnersAreLeftAlone) {
    Workspace& ws = this->ws();
    const fs::path rt = ws.work() / "runtime";
    fs::create_directories(rt / "janitor");
    fs::create_directories(rt / "keep");
    // a record owned by this (live) process
    std::ifstream stat("/proc/self/stat");
    std::string st;
    std::getline(stat, st);
    std::istringstream ss(st.substr(st.rfind(')') + 2));
    std::string f;
    for (int i = 3; i <= 22 && (ss >> f); ++i) {}
    std::ofstream(rt / "janitor" / "live.dir") << "dir\n"
                                               << (rt / "keep").string() << "\n"
                                               << getpid() << " " << f << "\nlive\n";
    auto s = e2e::Janitor::sweep(rt);
    EXPECT_TRUE(fs::exists(rt / "keep")) << "a sweep must not take a live run's resources";
    EXPECT_TRUE(s.released.empty());
}

// A socket dir in /run/backup-e2e outlives a runtime dir deleted after a killed
// run; the next sweep takes it when its maker is dead, never a live one's.
TEST_F(Janitor, SweepsSharedDirsOfDeadRunsOnly) {
    Workspace& ws = this->ws();
    const fs::path rt = ws.work() / "runtime";
    fs::create_directories(rt);
    const fs::path dead = fs::path(e2e::Janitor::kSharedRunDir) / "selftest-dead-run";
    fs::create_directories(dead);
    std::ofstream(dead / e2e::Janitor::kOwnerFile) << "999999999 1\n";  // no such process
    {
        ScopedDir live(e2e::Janitor::kSharedRunDir, "selftest-live-run");  // made by this process
        auto s = e2e::Janitor::sweep(rt);
        EXPECT_FALSE(fs::exists(dead)) << "the dead run's socket dir is still there";
        EXPECT_TRUE(fs::exists(live.path())) << "a sweep took a live run's socket dir";
        bool named = false;
        for (const auto& r : s.released) named |= r.find("selftest-dead-run") != std::string::npos;
        EXPECT_TRUE(named) << "the sweep did not report what it took";
    }
    std::error_code ec;
    fs::remove_all(dead, ec);
}

}  // namespace
