// summary.html in a real browser: a run of scenario reports of every status is
// summarised, headless Chromium renders the page, and the DOM it built must
// show the matrix cells and counts that summary.json holds. The screenshot
// stays beside the page (<run's reports>/summary-html-test/summary.png).
#include "config/Settings.hpp"
#include "janitor/Janitor.hpp"
#include "process/Process.hpp"
#include "report/Report.hpp"
#include "report/RunReport.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <unistd.h>

using namespace e2e;
using json = nlohmann::json;
using ::testing::HasSubstr;

namespace {

std::set<std::string> tmpEntries() {
    std::set<std::string> s;
    for (const auto& e : fs::directory_iterator("/tmp")) s.insert(e.path().filename().string());
    return s;
}

// The Debian chromium that scripts/bootstrap installs (E2E_CHROMIUM_BIN to use another).
std::string chromium() {
    if (const char* b = std::getenv("E2E_CHROMIUM_BIN"); b && *b) return b;
    for (const char* n : {"chromium", "chromium-browser"})
        if (auto p = findProgram(n)) return p->string();
    return "";
}

// Headless, as root (no sandbox), with its profile and cache in `dir` and its
// temp files (a socket among them: the path must be short) in `tmp`: nothing in /tmp.
Result browse(const fs::path& dir, const fs::path& tmp, const std::vector<std::string>& what,
              const std::string& log_name) {
    Command c;
    c.argv = {chromium(),
              "--headless",
              "--no-sandbox",
              "--disable-gpu",
              "--no-first-run",
              "--disable-dev-shm-usage",
              "--hide-scrollbars",
              "--user-data-dir=" + (dir / "chromium-profile").string(),
              "--disk-cache-dir=" + (dir / "chromium-cache").string(),
              "--crash-dumps-dir=" + (dir / "chromium-crash").string()};
    c.argv.insert(c.argv.end(), what.begin(), what.end());
    c.clean_env = true;
    c.env = {{"HOME", (dir / "home").string()},
             {"TMPDIR", tmp.string()},
             {"XDG_CONFIG_HOME", (dir / "home" / ".config").string()},
             {"XDG_CACHE_HOME", (dir / "home" / ".cache").string()}};
    fs::create_directories(dir / "home");
    c.timeout = std::chrono::seconds(90);
    c.log_dir = dir / "logs";
    c.log_name = log_name;
    return run(c);
}

// A 1x1 PNG, as a benchmark's chart would be: the page must embed it.
const unsigned char kPng[] = {0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
                              0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
                              0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
                              0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99,
                              0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

// Scenario reports of every status, written as the scenarios write theirs.
void writeRun(const fs::path& dir) {
    auto scenario = [&](const std::string& name, const std::string& tool, const std::string& backend) {
        ScenarioReport r(name, "backends");
        r.set("tool", tool);
        r.set("backend", backend);
        r.set("log_dir", (dir / "logs" / ScenarioReport::safeName(name)).string());
        r.addLayer({"version", Status::Pass, tool + " 1.0", 0.1});
        return r;
    };
    {
        auto r = scenario("Local/BackendScenario.RoundTrip/restic_local_encrypted", "restic", "local");
        r.addLayer({"compare", Status::Pass, "identical", 1});
        r.tolerate("FIFOs not restored");
        r.write(dir);
    }
    {
        auto r = scenario("Local/BackendScenario.RoundTrip/kopia_local_encrypted", "kopia", "local");
        r.addLayer({"compare", Status::Fail, "restored tree differs: <dir/a&b> mode 0644 != 0600", 1});
        r.write(dir);
    }
    {
        auto r = scenario("Local/BackendScenario.RoundTrip/restic_none", "restic", "local-none");
        r.setStatus(Status::NotApplicable, "restic has no unencrypted mode");
        r.write(dir);
    }
    {
        auto r = scenario("S3/BackendScenario.RoundTrip/borg_encrypted", "borg", "s3");
        r.setStatus(Status::NotApplicable, "borg has no S3 backend");
        r.write(dir);
    }
    {
        auto r = scenario("Sftp/BackendScenario.RoundTrip/restic_encrypted", "restic", "sftp");
        r.addLayer({"backup", Status::Blocked, "external endpoint timed out", 120});
        r.write(dir);
    }
    {
        auto r = scenario("Sftp/BackendScenario.RoundTrip/vykar_encrypted", "vykar", "sftp");
        r.setStatus(Status::Skipped, "vykar not installed");
        r.set("corpus_skip", std::vector<std::string>{"fifo"});
        r.write(dir);
    }
    {
        auto r = scenario("VmImage/Offline.Dedup/restic", "restic", "local");
        r.figure("VM-image dedup", {{"first_backup_bytes", 123456789u}, {"growth_ratio", 0.0123}});
        r.set("corpus", {{"user", true}, {"path", "/usr/share/doc"}});
        r.write(dir);
    }
    {
        auto r = scenario("VmImage/Offline.Dedup/borg", "borg", "local");
        r.figure("VM-image dedup", {{"first_backup_bytes", 98765432u}, {"growth_ratio", 0.02}});
        r.write(dir);
    }
    std::ofstream(dir / "throughput.png", std::ios::binary).write(reinterpret_cast<const char*>(kPng), sizeof kPng);
}

// summary.html for the run in `dir`, from scratch; it must be self-contained.
void writeSelfContainedPage(const fs::path& dir) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    writeRun(dir);
    writeSummary(dir);
    ASSERT_TRUE(fs::exists(dir / "summary.html"));
    const std::string page = readFile(dir / "summary.html");
    // self-contained: no script, stylesheet or image from anywhere else
    EXPECT_THAT(page, ::testing::Not(HasSubstr("src=\"http")));
    EXPECT_THAT(page, ::testing::Not(HasSubstr("<link")));
    EXPECT_THAT(page, HasSubstr("src=\"data:image/png;base64,"));
}

// Nothing a browser names its own was added to /tmp since `before` (other programs on a shared machine may write
// there meanwhile).
void expectNoBrowserFilesInTmp(const std::set<std::string>& before) {
    std::set<std::string> added;
    const std::regex browserish("chrom|crashpad|scoped_dir|\\.org\\.|\\.com\\.google|fontconfig|\\.X|dbus",
                                std::regex::icase);
    for (const auto& n : tmpEntries())
        if (!before.count(n) && std::regex_search(n, browserish)) added.insert(n);
    EXPECT_TRUE(added.empty()) << "chromium wrote into /tmp: " << *added.begin();
}

// (sub-skill, tool) -> status -> scenarios
using CellCounts = std::map<std::pair<std::string, std::string>, std::map<std::string, int>>;
using StatusCounts = std::map<std::string, int>;

// what summary.json says, counted here on its own: per (sub-skill, tool) cell and in total
void countSummary(const fs::path& summary_json, CellCounts& want, StatusCounts& totals) {
    std::ifstream in(summary_json);
    const json summary = json::parse(in);
    for (const auto& row : summary["scenarios"]) {
        const std::string sc = row["scenario"];
        const std::string tool = row["tool"].get<std::string>().empty() ? "-" : row["tool"].get<std::string>();
        want[{sc.substr(0, sc.find('/')), tool}][row["status"]]++;
        totals[row["status"]]++;
    }
    ASSERT_EQ(summary["scenarios"].size(), 8u);
}

// The browser's matrix has exactly summary.json's cells, each with its counts, colour and link, and its totals.
void expectMatrix(const std::string& d, CellCounts& want, const StatusCounts& totals) {
    ASSERT_THAT(d, HasSubstr("<table id=\"matrix\">"));
    const std::regex cell(
        "<td class=\"cell s-([A-Z-]+)\" data-subskill=\"([^\"]*)\" data-tool=\"([^\"]*)\" data-total=\"(\\d+)\" "
        "data-pass=\"(\\d+)\" data-fail=\"(\\d+)\" "
        "data-blocked=\"(\\d+)\" data-not-applicable=\"(\\d+)\" data-skipped=\"(\\d+)\"><a "
        "href=\"#([^\"]+)\">([^<]*)</a></td>");
    std::size_t cells = 0;
    for (auto it = std::sregex_iterator(d.begin(), d.end(), cell); it != std::sregex_iterator(); ++it, ++cells) {
        const auto& m = *it;
        const auto key = std::make_pair(m[2].str(), m[3].str());
        ASSERT_TRUE(want.count(key)) << "a cell for " << key.first << " x " << key.second
                                     << " that summary.json does not have";
        auto& w = want[key];
        auto n = [&](const char* s) { return w.count(s) ? w.at(s) : 0; };
        EXPECT_EQ(std::stoi(m[5]), n("PASS")) << key.first << " x " << key.second;
        EXPECT_EQ(std::stoi(m[6]), n("FAIL")) << key.first << " x " << key.second;
        EXPECT_EQ(std::stoi(m[7]), n("BLOCKED")) << key.first << " x " << key.second;
        EXPECT_EQ(std::stoi(m[8]), n("NOT-APPLICABLE")) << key.first << " x " << key.second;
        EXPECT_EQ(std::stoi(m[9]), n("SKIPPED")) << key.first << " x " << key.second;
        EXPECT_EQ(std::stoi(m[4]), n("PASS") + n("FAIL") + n("BLOCKED") + n("NOT-APPLICABLE") + n("SKIPPED"));
        // coloured by the worst status; linked to the cell's scenarios, each with its report and logs
        const std::string worst = n("FAIL")             ? "FAIL"
                                  : n("BLOCKED")        ? "BLOCKED"
                                  : n("PASS")           ? "PASS"
                                  : n("NOT-APPLICABLE") ? "NOT-APPLICABLE"
                                                        : "SKIPPED";
        EXPECT_EQ(m[1].str(), worst) << key.first << " x " << key.second;
        EXPECT_THAT(d, HasSubstr("<section id=\"" + m[10].str() + "\">"));
    }
    EXPECT_EQ(cells, want.size()) << "the matrix shows " << cells << " cells, summary.json has " << want.size();
    for (const auto& st : matrixStatuses()) {
        const int n = totals.count(st) ? totals.at(st) : 0;
        EXPECT_THAT(d, HasSubstr("data-status=\"" + st + "\" data-count=\"" + std::to_string(n) + "\">" + st + " " +
                                 std::to_string(n) + "</li>"));
    }
}

// The rest of the page the browser built, for the reports writeRun wrote.
void expectReportDetails(const std::string& d) {
    // each failure with its layer and message (escaped, shown as text), its report and logs
    EXPECT_THAT(d, HasSubstr("<td class=\"layer\">compare</td><td class=\"msg\">restored tree differs: "
                             "&lt;dir/a&amp;b&gt; mode 0644 != 0600</td>"));
    EXPECT_THAT(d, HasSubstr("<a href=\"Local_BackendScenario.RoundTrip_kopia_local_encrypted.md\">"));
    EXPECT_THAT(d, HasSubstr("<a href=\"logs/Local_BackendScenario.RoundTrip_kopia_local_encrypted/\">logs</a>"));
    EXPECT_THAT(d, HasSubstr("external endpoint timed out"));
    // tolerances, corpus cases left out, a user corpus, the figure table, the chart
    EXPECT_THAT(d, HasSubstr("FIFOs not restored"));
    EXPECT_THAT(d, HasSubstr("<td>fifo</td>"));
    EXPECT_THAT(d, HasSubstr("user corpus /usr/share/doc"));
    EXPECT_THAT(d, HasSubstr("<h2>VM-image dedup, side by side</h2>"));
    EXPECT_THAT(d, HasSubstr("<td>0.0123</td>"));
    EXPECT_THAT(d, HasSubstr("alt=\"throughput.png\""));
}

// the screenshot: a PNG of the rendered page
void expectScreenshot(const fs::path& dir) {
    const std::string png = readFile(dir / "summary.png");
    ASSERT_GT(png.size(), 5000u) << "screenshot missing or blank: " << (dir / "summary.png").string();
    EXPECT_EQ(png.substr(1, 3), "PNG");
}

TEST(RunReport, BrowserShowsTheMatrixOfSummaryJson) {
    ASSERT_NE(chromium(), "")
        << "chromium not found (no E2E_CHROMIUM_BIN, not on PATH). Fix: run scripts/bootstrap (Debian chromium)";
    const fs::path dir = runReportsDir() / "summary-html-test";
    writeSelfContainedPage(dir);
    if (HasFatalFailure()) return;

    const auto before = tmpEntries();
    // a short, owner-recorded dir for chromium's temp files (its singleton socket must fit in 107 bytes)
    ScopedDir tmp(Janitor::kSharedRunDir, "chromium-" + std::to_string(getpid()));
    Result dom =
        browse(dir, tmp.path(), {"--dump-dom", "file://" + (dir / "summary.html").string()}, "chromium-dump-dom");
    ASSERT_TRUE(dom.ok()) << dom.describe() << "\n" << dom.tail();
    Result shot = browse(dir, tmp.path(),
                         {"--screenshot=" + (dir / "summary.png").string(), "--window-size=1280,1400",
                          "file://" + (dir / "summary.html").string()},
                         "chromium-screenshot");
    ASSERT_TRUE(shot.ok()) << shot.describe() << "\n" << shot.tail();
    expectNoBrowserFilesInTmp(before);

    CellCounts want;
    StatusCounts totals;
    countSummary(dir / "summary.json", want, totals);
    if (HasFatalFailure()) return;

    // what the browser built
    expectMatrix(dom.out, want, totals);
    if (HasFatalFailure()) return;
    expectReportDetails(dom.out);

    expectScreenshot(dir);
    if (HasFatalFailure()) return;
    for (const char* d2 : {"chromium-profile", "chromium-cache", "chromium-crash", "home"}) fs::remove_all(dir / d2);
    std::cout << "summary.html and its screenshot: " << (dir / "summary.png").string() << std::endl;
}

// The terminal matrix: a row per sub-skill, a column per tool, the totals and the report's path.
TEST(RunReport, TerminalMatrix) {
    json summary{{"run", "r1"},
                 {"scenarios",
                  {{{"scenario", "Local/X.Y/restic_a"}, {"tool", "restic"}, {"status", "PASS"}},
                   {{"scenario", "Local/X.Y/restic_b"}, {"tool", "restic"}, {"status", "FAIL"}},
                   {{"scenario", "S3/X.Y/borg"}, {"tool", "borg"}, {"status", "NOT-APPLICABLE"}},
                   {{"scenario", "Config.Sizes"}, {"tool", ""}, {"status", "PASS"}}}}};
    const std::string t = terminalMatrix(summary, "/rt/reports/r1");
    EXPECT_THAT(t, HasSubstr("sub-skill  -   borg  restic\n"));
    EXPECT_THAT(t, HasSubstr("Config     P1  .     .     \n"));
    EXPECT_THAT(t, HasSubstr("Local      .   .     P1 F1 \n"));
    EXPECT_THAT(t, HasSubstr("S3         .   N1    .     \n"));
    EXPECT_THAT(t, HasSubstr("total: PASS 2 FAIL 1 BLOCKED 0 NOT-APPLICABLE 1 SKIPPED 0\n"));
    EXPECT_THAT(t, HasSubstr("report: /rt/reports/r1/summary.html"));
}

}  // namespace
