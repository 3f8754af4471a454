// The safety gate in front of every mkfs / zpool create / mount: real loop
// devices and files, each refusal names the check that failed.
#include "storage/BlockDevices.hpp"

#include "config/Settings.hpp"
#include "janitor/Janitor.hpp"
#include "process/Process.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

using namespace e2e;

namespace {

std::string refusal(const fs::path& dev, const fs::path& runtime, const fs::path& configured = {}) {
    try {
        requireFormattable(dev, runtime, configured);
    } catch (const SafetyGateError& e) {
        return e.what();
    }
    return {};
}

// One dir per test: ctest runs these side by side, and a ScopedDir clears its path first.
struct GateDir {
    ScopedDir dir{Settings::runtimeDir() / "unit",
                  std::string("safety-gate-") + ::testing::UnitTest::GetInstance()->current_test_info()->name()};
};

TEST(SafetyGate, AcceptsALoopImageOfItsOwnRun) {
    GateDir g;
    LoopImage img(g.dir.path() / "ok.img", 64 << 20);
    EXPECT_EQ(refusal(img.device(), Settings::runtimeDir()), "");
}

TEST(SafetyGate, RefusesALoopImageFromElsewhere) {
    GateDir g;
    LoopImage img(g.dir.path() / "elsewhere.img", 64 << 20);
    // the same device, judged for a run whose runtime dir does not hold the image
    std::string why = refusal(img.device(), g.dir.path() / "other-run");
    EXPECT_NE(why.find("is backed by"), std::string::npos) << why;
    EXPECT_NE(why.find("not by an image this suite created"), std::string::npos) << why;
}

TEST(SafetyGate, RefusesAPlainFile) {
    GateDir g;
    std::ofstream(g.dir.path() / "plain") << "x";
    std::string why = refusal(g.dir.path() / "plain", Settings::runtimeDir());
    EXPECT_NE(why.find("is not a block device"), std::string::npos) << why;
}

TEST(SafetyGate, RefusesARealDeviceTheConfigDoesNotName) {
    // /dev/ram0, /dev/vda, ...: whatever block device the machine has that is not a loop
    for (const char* d : {"/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/xvda", "/dev/vdb"}) {
        if (!fs::is_block_file(d)) continue;
        std::string why = refusal(d, Settings::runtimeDir());
        EXPECT_NE(why.find("that the config does not name"), std::string::npos) << why;
        return;
    }
    GTEST_SKIP() << "no non-loop block device on this machine";
}

TEST(SafetyGate, RefusesTheRootDiskEvenWhenNamed) {
    // the device "/" lives on
    std::ifstream mi("/proc/self/mountinfo");
    std::string source;
    for (std::string line; std::getline(mi, line);) {
        auto dash = line.find(" - ");
        std::istringstream ss(line);
        std::string id, parent, devno, root, point;
        ss >> id >> parent >> devno >> root >> point;
        if (point != "/" || dash == std::string::npos) continue;
        std::istringstream rest(line.substr(dash + 3));
        std::string type;
        rest >> type >> source;
    }
    if (source.rfind("/dev/", 0) != 0 || !fs::is_block_file(source))
        GTEST_SKIP() << "/ is not on a block device here (" << source << ")";
    std::string why = refusal(source, Settings::runtimeDir(), source);
    // mounted and on the root disk: either check may speak first
    EXPECT_TRUE(why.find("root disk") != std::string::npos || why.find("is mounted at") != std::string::npos) << why;
}

// A loop device named in the config gets the checks of a real disk.
TEST(SafetyGate, RefusesAMountedDevice) {
    GateDir g;
    LoopImage img(g.dir.path() / "mounted.img", 64 << 20);
    ASSERT_TRUE(run(Command{.argv = {"mkfs.ext4", "-q", "-F", "-L", "backup-e2e-x", img.device().string()}}).ok());
    Mount m(img.device(), g.dir.path() / "mnt", "ext4");
    std::string why = refusal(img.device(), Settings::runtimeDir(), img.device());
    EXPECT_NE(why.find("is mounted at " + (g.dir.path() / "mnt").string()), std::string::npos) << why;
}

TEST(SafetyGate, RefusesAForeignFilesystemOnANamedDevice) {
    GateDir g;
    LoopImage img(g.dir.path() / "foreign.img", 64 << 20);
    ASSERT_TRUE(run(Command{.argv = {"mkfs.ext4", "-q", "-F", "-L", "family-photos", img.device().string()}}).ok());
    std::string why = refusal(img.device(), Settings::runtimeDir(), img.device());
    EXPECT_NE(why.find("holds a ext4 filesystem labelled 'family-photos'"), std::string::npos) << why;
}

TEST(SafetyGate, AcceptsANamedDeviceHoldingAPreviousTestPool) {
    GateDir g;
    LoopImage img(g.dir.path() / "previous.img", 128 << 20);
    ASSERT_TRUE(run(Command{.argv = {"mkfs.btrfs", "-q", "-f", "-L", "backup-e2e", img.device().string()}}).ok());
    EXPECT_EQ(refusal(img.device(), Settings::runtimeDir(), img.device()), "");
}

TEST(SafetyGate, AcceptsAnEmptyNamedDevice) {
    GateDir g;
    LoopImage img(g.dir.path() / "empty.img", 64 << 20);
    EXPECT_EQ(refusal(img.device(), Settings::runtimeDir(), img.device()), "");
}

}  // namespace
