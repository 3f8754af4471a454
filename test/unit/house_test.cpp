// Facts about a tool live in its driver (helpers/tools/): no scenario, test/common
// or report file names a tool as a string ("restic"), except a self-test naming the
// tool it wraps: in a self-test file (test/selftest/, *selftest*) or under a comment
// that says "self-test" (up to kSelfTestReach lines above it). A hit fails with its file:line and the fix.
#include "config/Settings.hpp"
#include "process/Process.hpp"
#include "tools/Registry.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <fstream>
#include <regex>
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

fs::path scratchDir(const std::string& name) {
    const fs::path dir = fs::path(Settings::runtimeDir()) / "tmp" / (name + "-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return dir;
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
    const fs::path dir = scratchDir("house-test");
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

// Style by machine: the tree is formatted by .clang-format, lines fit in 120 columns,
// and no function runs over 80 lines (table-driven data excepted by being data, not code).
namespace {

constexpr std::size_t kMaxColumns = 120;
constexpr std::size_t kMaxFunctionLines = 80;

// Every C++ source of ours: apps/, fixtures/, helpers/, test/ (a build tree is never under them).
std::vector<fs::path> sourcesUnder(const fs::path& root) {
    std::vector<fs::path> files;
    for (const char* top : {"apps", "fixtures", "helpers", "test"})
        for (const auto& f : fs::recursive_directory_iterator(root / top)) {
            const auto ext = f.path().extension();
            if (f.is_regular_file() && (ext == ".cpp" || ext == ".hpp")) files.push_back(f.path());
        }
    std::sort(files.begin(), files.end());
    return files;
}

std::vector<std::string> readLines(const fs::path& file) {
    std::vector<std::string> lines;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// Columns as an editor counts them: UTF-8 code points, not bytes.
std::size_t columns(const std::string& line) {
    return static_cast<std::size_t>(
        std::count_if(line.begin(), line.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::vector<std::string> overlongLines(const fs::path& file, const fs::path& root) {
    std::vector<std::string> hits;
    const auto lines = readLines(file);
    for (std::size_t i = 0; i < lines.size(); ++i)
        if (columns(lines[i]) > kMaxColumns)
            hits.push_back(fs::relative(file, root).string() + ":" + std::to_string(i + 1) + ": " +
                           std::to_string(columns(lines[i])) + " columns");
    return hits;
}

// Every '{' and '}' of the code in `text` with its line number: string and character
// literals, raw strings (shell scripts, JSON) and comments are skipped.
std::vector<std::pair<std::size_t, char>> codeBraces(const std::string& text) {
    static const std::regex raw_open(R"(^(u8|u|U|L)?R"([^(\s]{0,16})\()");
    std::vector<std::pair<std::size_t, char>> out;
    std::size_t line = 1;
    auto skipTo = [&](std::size_t from, std::size_t to) {
        to = std::min(to, text.size());
        line += static_cast<std::size_t>(std::count(text.begin() + from, text.begin() + to, '\n'));
        return to;
    };
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        const bool word_before = i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '_');
        std::smatch m;
        if (text.compare(i, 2, "//") == 0) {
            i = skipTo(i, text.find('\n', i));
        } else if (text.compare(i, 2, "/*") == 0) {
            i = skipTo(i, text.find("*/", i) + 2);
        } else if (!word_before && (c == 'R' || c == 'u' || c == 'U' || c == 'L') &&
                   std::regex_search(text.cbegin() + static_cast<std::ptrdiff_t>(i),
                                     text.cbegin() + static_cast<std::ptrdiff_t>(std::min(text.size(), i + 24)), m,
                                     raw_open)) {
            const std::string close = ")" + m[2].str() + "\"";
            const std::size_t end = text.find(close, i + static_cast<std::size_t>(m.length(0)));
            i = end == std::string::npos ? skipTo(i, text.size()) : skipTo(i, end + close.size());
        } else if (c == '"' || (c == '\'' && !word_before)) {  // not a digit separator (1'000)
            std::size_t j = i + 1;
            while (j < text.size() && text[j] != c && text[j] != '\n') j += text[j] == '\\' ? 2 : 1;
            i = skipTo(i, j + 1);
        } else {
            if (c == '\n') ++line;
            if (c == '{' || c == '}') out.emplace_back(line, c);
            ++i;
        }
    }
    return out;
}

// A function (or lambda, or TEST body) is a block whose '{' ends a line that ends in
// ") ... {" and is not a control statement; its length is the lines between its braces.
std::vector<std::string> overlongFunctions(const fs::path& file, const fs::path& root, std::size_t limit) {
    static const std::regex control(R"(^\s*(\}\s*)?(if|for|while|switch|else|catch|do)\b)");
    static const std::regex opens(
        R"(\)\s*(const\s*)?(noexcept\s*)?(override\s*)?(->\s*[\w:<>]+\s*)?(mutable\s*)?\{\s*$)");
    std::ifstream in(file);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto lines = readLines(file);
    std::vector<std::string> hits;
    std::vector<std::size_t> open;
    for (const auto& [line, brace] : codeBraces(text)) {
        if (brace == '{') {
            open.push_back(line);
            continue;
        }
        if (open.empty()) continue;
        const std::size_t start = open.back();
        open.pop_back();
        const std::string& head = lines[start - 1];
        if (line > start + limit + 1 && std::regex_search(head, opens) && !std::regex_search(head, control))
            hits.push_back(fs::relative(file, root).string() + ":" + std::to_string(start) + ": " +
                           std::to_string(line - start - 1) + " lines");
    }
    return hits;
}

std::string listed(const std::vector<std::string>& hits, std::size_t at_most = 40) {
    std::string all;
    for (std::size_t i = 0; i < hits.size() && i < at_most; ++i) all += "\n  " + hits[i];
    if (hits.size() > at_most) all += "\n  ... and " + std::to_string(hits.size() - at_most) + " more";
    return all;
}

// clang-format-14 --dry-run --Werror over `files`, run in `dir` (whose .clang-format applies).
Result clangFormatCheck(const std::vector<fs::path>& files, const fs::path& dir) {
    Command c;
    c.argv = {"clang-format-14", "--dry-run", "--Werror", "--style=file"};
    for (const auto& f : files) c.argv.push_back(f.string());
    c.cwd = dir;
    c.timeout = std::chrono::minutes(5);
    return run(c);
}

}  // namespace

TEST(House, TreeIsFormatted) {
    const fs::path root = Settings::sourceDir();
    const auto files = sourcesUnder(root);
    ASSERT_GE(files.size(), 100u) << "too few sources found under " << root.string();
    const Result r = clangFormatCheck(files, root);
    ASSERT_FALSE(r.spawn_failed) << "clang-format-14 could not be started (" << r.spawn_error
                                 << "); scripts/bootstrap installs it (Debian package clang-format-14)";
    EXPECT_EQ(r.exit_code, 0) << "files differ from .clang-format:\n"
                              << r.err.substr(0, 4000) << "\nFix: cd " << root.string()
                              << " && git ls-files '*.cpp' '*.hpp' | xargs clang-format-14 -i";
}

TEST(House, LinesFitIn120Columns) {
    const fs::path root = Settings::sourceDir();
    std::vector<std::string> hits;
    for (const auto& f : sourcesUnder(root))
        for (auto& h : overlongLines(f, root)) hits.push_back(std::move(h));
    EXPECT_TRUE(hits.empty()) << "lines longer than " << kMaxColumns << " columns:" << listed(hits)
                              << "\nFix: break them (clang-format-14 -i does it for code; strings and raw "
                                 "strings need a hand)";
}

TEST(House, NoFunctionOver80Lines) {
    const fs::path root = Settings::sourceDir();
    std::vector<std::string> hits;
    for (const auto& f : sourcesUnder(root))
        for (auto& h : overlongFunctions(f, root, kMaxFunctionLines)) hits.push_back(std::move(h));
    EXPECT_TRUE(hits.empty()) << "functions longer than " << kMaxFunctionLines << " lines:" << listed(hits)
                              << "\nFix: split them into named steps, so that the body reads like its runbook";
}

// The style checks themselves: each sees what it must, and nothing else.
TEST(House, StyleChecksSeeWhatTheyMust) {
    const fs::path dir = scratchDir("house-style");
    fs::copy_file(fs::path(Settings::sourceDir()) / ".clang-format", dir / ".clang-format");
    std::ofstream(dir / "ugly.cpp") << "int  f( int a ){return a;}\n";
    std::ofstream(dir / "tidy.cpp") << "int f(int a) {\n    return a;\n}\n";
    std::ofstream(dir / "wide.cpp") << "// " << std::string(kMaxColumns - 3, 'x') << "\n// "
                                    << std::string(kMaxColumns - 2, 'x') << "\n// " << std::string(kMaxColumns - 5, 'x')
                                    << "\xc3\xa9\xc3\xa9\n";
    auto body = [](std::size_t n, const std::string& head) {
        std::string s = head + " {\n";
        for (std::size_t i = 0; i < n; ++i) s += "    g();\n";
        return s + "}\n";
    };
    std::ofstream(dir / "fns.cpp") << body(kMaxFunctionLines, "void fits()")
                                   << body(kMaxFunctionLines + 1, "void overlong()")
                                   << body(3 * kMaxFunctionLines, "if (x)")
                                   << body(kMaxFunctionLines + 1, "auto l = [&](int a)")
                                   // a signature on two lines; braces in a raw string, a string, a character,
                                   // a comment and a one-line block do not end it (4 of its 81 lines are those)
                                   << "void wrapped(int a,\n             int b) {\n"
                                   << "    auto s = R\"SH(} } {\n)SH\";\n"
                                   << "    char c = '}'; const char* t = \"{\";  // }\n"
                                   << "    if (a) { g(); }\n"
                                   << body(kMaxFunctionLines - 3, "").substr(3);
    const Result ugly = clangFormatCheck({dir / "ugly.cpp"}, dir);
    const Result tidy = clangFormatCheck({dir / "tidy.cpp"}, dir);
    const auto wide = overlongLines(dir / "wide.cpp", dir);
    const auto fns = overlongFunctions(dir / "fns.cpp", dir, kMaxFunctionLines);
    fs::remove_all(dir);
    ASSERT_FALSE(ugly.spawn_failed) << ugly.spawn_error << "; scripts/bootstrap installs clang-format-14";
    EXPECT_NE(ugly.exit_code, 0) << "an unformatted file passed the format check";
    EXPECT_EQ(tidy.exit_code, 0) << "a formatted file failed the format check: " << tidy.err;
    ASSERT_EQ(wide.size(), 1u) << listed(wide);
    EXPECT_EQ(wide.front().rfind("wide.cpp:2:", 0), 0u) << wide.front();
    ASSERT_EQ(fns.size(), 3u) << listed(fns);
    EXPECT_EQ(fns[0].rfind("fns.cpp:" + std::to_string(kMaxFunctionLines + 3) + ": 81 lines", 0), 0u) << fns[0];
    for (const auto& f : fns) EXPECT_NE(f.find(": 81 lines"), std::string::npos) << f;
}
