// helpers/ is layered: no folder reaches itself through the folders it
// includes (process does not include the janitor that includes it, tree does not
// include the config that includes it, ...). One arrow per `#include "folder/..."`
// line in a file under helpers/<folder>/; a cycle fails the test, naming each arrow's line.
#include "config/Settings.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <string>
#include <vector>

using namespace e2e;

namespace {

// from folder -> to folder -> the first "file:line" that draws the arrow
using FolderGraph = std::map<std::string, std::map<std::string, std::string>>;

FolderGraph includeGraph(const fs::path& helpers) {
    static const std::regex include(R"(^\s*#\s*include\s*"([A-Za-z0-9_]+)/)");
    FolderGraph g;
    for (const auto& folder : fs::directory_iterator(helpers)) {
        if (!folder.is_directory()) continue;
        const std::string from = folder.path().filename().string();
        g[from];
        for (const auto& f : fs::recursive_directory_iterator(folder.path())) {
            if (!f.is_regular_file()) continue;
            std::ifstream in(f.path());
            int n = 0;
            for (std::string line; std::getline(in, line);) {
                ++n;
                std::smatch m;
                if (!std::regex_search(line, m, include)) continue;
                const std::string to = m[1];
                if (to == from || !fs::is_directory(helpers / to)) continue;
                g[from].emplace(to, fs::relative(f.path(), helpers).string() + ":" + std::to_string(n));
            }
        }
    }
    return g;
}

// One cycle as its folders, first and last the same ("tree", "config", "tree"); empty when none.
std::vector<std::string> findCycle(const FolderGraph& g) {
    enum class Mark { New, OnPath, Done };
    std::map<std::string, Mark> mark;
    std::vector<std::string> path, cycle;
    std::function<bool(const std::string&)> visit = [&](const std::string& at) {
        mark[at] = Mark::OnPath;
        path.push_back(at);
        if (auto it = g.find(at); it != g.end())
            for (const auto& [to, where] : it->second) {
                if (mark[to] == Mark::OnPath) {
                    cycle.assign(std::find(path.begin(), path.end(), to), path.end());
                    cycle.push_back(to);
                    return true;
                }
                if (mark[to] == Mark::New && visit(to)) return true;
            }
        path.pop_back();
        mark[at] = Mark::Done;
        return false;
    };
    for (const auto& [from, arrows] : g)
        if (mark[from] == Mark::New && visit(from)) return cycle;
    return {};
}

// "tree -> config (tree/Corpus.hpp:4) -> tree (config/Settings.hpp:6)"
std::string describe(const FolderGraph& g, const std::vector<std::string>& cycle) {
    std::string s = cycle.empty() ? "" : cycle.front();
    for (std::size_t i = 1; i < cycle.size(); ++i)
        s += " -> " + cycle[i] + " (" + g.at(cycle[i - 1]).at(cycle[i]) + ")";
    return s;
}

}  // namespace

TEST(Layers, NoIncludeCycleBetweenHelperFolders) {
    const fs::path helpers = Settings::sourceDir() / "helpers";
    ASSERT_TRUE(fs::is_directory(helpers)) << helpers.string();
    const FolderGraph g = includeGraph(helpers);
    ASSERT_GE(g.size(), 5u) << "too few helper folders read from " << helpers.string();
    const auto cycle = findCycle(g);
    EXPECT_TRUE(cycle.empty()) << "include cycle between helper folders: " << describe(g, cycle)
                               << ". Fix: move what the lower folder needs down, or pass it in";
}

// The check itself: a back arrow is found and named, a layered graph passes.
TEST(Layers, CycleCheckFindsABackArrow) {
    FolderGraph g{{"config", {{"tree", "config/Settings.hpp:6"}, {"text", "config/Settings.hpp:5"}}},
                  {"tree", {{"text", "tree/Corpus.cpp:6"}}},
                  {"text", {}}};
    EXPECT_TRUE(findCycle(g).empty());
    g["text"].emplace("config", "text/Text.cpp:2");
    const auto cycle = findCycle(g);
    ASSERT_EQ(cycle.size(), 3u);
    EXPECT_EQ(cycle.front(), cycle.back());
    EXPECT_NE(describe(g, cycle).find("(text/Text.cpp:2)"), std::string::npos) << describe(g, cycle);
}
