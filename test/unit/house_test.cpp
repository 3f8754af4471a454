// Facts about a tool live in its driver (helpers/tools/): no scenario, test/common
// or report file names a tool as a string ("restic"), except a self-test naming the
// tool it wraps: in a self-test file (test/selftest/, *selftest*) or under a comment
// that says "self-test" (up to kSelfTestReach lines above it). A hit fails with its file:line and the fix.
#include "config/Settings.hpp"
#include "tools/Registry.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

using namespace e2e;

namespace {

constexpr std::size_t kSelfTestReach = 25;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// "file:line: text" for each line of `file` that names a tool outside a self-test's reach
std::vector<std::string> toolNamesIn(const fs::path& file, const fs::path& root) {
    std::vector<std::string> hits;
    std::ifstream in(file);
    std::deque<std::string> above;  // the lines before this one, within reach
    int n = 0;
    for (std::string line; std::getline(in, line);) {
        ++n;
        bool in_selftest = lower(line).find("self-test") != std::string::npos;
        for (const auto& l : above) in_selftest = in_selftest || lower(l).find("self-test") != std::string::npos;
        if (!in_selftest)
            for (const auto& t : toolRegistry())
                if (line.find("\"" + t.name + "\"") != std::string::npos)
                    hits.push_back(fs::relative(file, root).string() + ":" + std::to_string(n) + ": " + line);
        above.push_back(line);
        if (above.size() > kSelfTestReach) above.pop_front();
    }
    return hits;
}

}  // namespace

TEST(House, NoScenarioOrReportNamesATool) {
    const fs::path root = Settings::sourceDir();
    std::vector<fs::path> dirs = {root / "helpers" / "report", root / "test" / "common"};
    for (const auto& area : fs::directory_iterator(root / "test"))
        if (area.is_directory() && area.path().filename() != "unit" && area.path().filename() != "common")
            dirs.push_back(area.path());
    std::size_t files = 0;
    std::vector<std::string> hits;
    for (const auto& dir : dirs)
        for (const auto& f : fs::recursive_directory_iterator(dir)) {
            const auto ext = f.path().extension();
            if (!f.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) continue;
            if (f.path().string().find("selftest") != std::string::npos) continue;  // self-test files wrap tools
            ++files;
            for (auto& h : toolNamesIn(f.path(), root)) hits.push_back(std::move(h));
        }
    ASSERT_GE(files, 20u) << "too few scenario and report files read under " << root.string();
    std::string all;
    for (const auto& h : hits) all += "\n  " + h;
    EXPECT_TRUE(hits.empty())
        << "a scenario, test/common or report file names a tool:" << all
        << "\nFix: put the fact in the tool's driver (Capabilities, a declared variant, "
           "ToolFacts) or, for a self-test wrapping that tool, say self-test in the comment above it";
}

// The check itself: a tool named in a scenario is found; one under a self-test's comment is not.
TEST(House, ToolNameCheckSeesAScenarioButNotASelfTest) {
    const fs::path dir = fs::path(Settings::runtimeDir()) / "tmp" / ("house-test-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::string tool = toolRegistry().front().name;
    std::ofstream(dir / "scenario.cpp") << "void f() {\n    if (c.tool == \"" << tool << "\") skip();\n}\n";
    std::ofstream(dir / "faults.cpp") << "// Self-test: a wrapped tool\n\nauto w = wrap(\"" << tool << "\");\n";
    const auto scenario = toolNamesIn(dir / "scenario.cpp", dir);
    const auto selftest = toolNamesIn(dir / "faults.cpp", dir);
    fs::remove_all(dir);
    ASSERT_EQ(scenario.size(), 1u);
    EXPECT_EQ(scenario.front().rfind("scenario.cpp:2:", 0), 0u) << scenario.front();
    EXPECT_TRUE(selftest.empty()) << selftest.front();
}
