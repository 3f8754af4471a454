// The tool benchmark's statistics on known samples (nearest-rank percentiles,
// sample stddev, CV and its noisy flag), its summary.tsv columns, how a failed
// and a skipped tool show in the tables (the config's benchmarks section: config_test).
#include "janitor/Janitor.hpp"
#include "report/BenchTable.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace e2e;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

TEST(BenchStats, NearestRankOnKnownSamples) {
    // 1..100: the p-th percentile by nearest rank is p itself
    std::vector<double> s;
    for (int i = 100; i >= 1; --i) s.push_back(i);  // unsorted on purpose
    EXPECT_EQ(nearestRank(s, 50), 50);
    EXPECT_EQ(nearestRank(s, 95), 95);
    EXPECT_EQ(nearestRank(s, 99), 99);
    EXPECT_EQ(nearestRank(s, 100), 100);
    // five samples: ceil(0.5*5)=3rd, ceil(0.95*5)=5th, ceil(0.99*5)=5th smallest
    std::vector<double> five{15, 20, 35, 40, 50};
    EXPECT_EQ(nearestRank(five, 50), 35);
    EXPECT_EQ(nearestRank(five, 95), 50);
    EXPECT_EQ(nearestRank(five, 99), 50);
    EXPECT_EQ(nearestRank(five, 30), 20);  // ceil(1.5) = 2nd
    EXPECT_EQ(nearestRank(five, 0), 15);   // rank clamps to the first
    EXPECT_EQ(nearestRank({}, 50), 0);
}

TEST(BenchStats, MeanStddevCvOnKnownSamples) {
    // 2,4,4,4,5,5,7,9: mean 5, sample variance 32/7
    SampleStats st = sampleStats({2, 4, 4, 4, 5, 5, 7, 9});
    EXPECT_EQ(st.n, 8u);
    EXPECT_DOUBLE_EQ(st.mean, 5);
    EXPECT_NEAR(st.stddev, std::sqrt(32.0 / 7.0), 1e-12);
    EXPECT_NEAR(st.cv, std::sqrt(32.0 / 7.0) / 5, 1e-12);
    EXPECT_TRUE(st.noisy());
    EXPECT_EQ(st.min, 2);
    EXPECT_EQ(st.max, 9);
    EXPECT_EQ(st.p50, 4);  // ceil(4) = 4th smallest
    EXPECT_EQ(st.p95, 9);
    EXPECT_EQ(st.p99, 9);
    // 100, 101, 99: stddev 1, CV 1% -> not noisy; CV just over 5% -> noisy
    SampleStats quiet = sampleStats({100, 101, 99});
    EXPECT_NEAR(quiet.cv, 0.01, 1e-12);
    EXPECT_FALSE(quiet.noisy());
    SampleStats edge = sampleStats({94.9, 105.1});  // stddev 7.21.., CV 7.2%
    EXPECT_TRUE(edge.noisy());
    // one sample: no spread; none: zeros
    SampleStats one = sampleStats({3});
    EXPECT_EQ(one.stddev, 0);
    EXPECT_EQ(one.cv, 0);
    EXPECT_EQ(one.p99, 3);
    EXPECT_EQ(sampleStats({}).n, 0u);
}

std::vector<std::string> splitTabs(const std::string& line) {
    std::vector<std::string> v;
    std::stringstream in(line);
    for (std::string c; std::getline(in, c, '\t');) v.push_back(c);
    if (!line.empty() && line.back() == '\t') v.push_back("");
    return v;
}

// vykar testbench's columns, in its order, then the percentiles and the failure cells
void expectDocumentedColumns(const std::vector<std::string>& cols) {
    const std::vector<std::string> documented{"op",
                                              "runs",
                                              "failed_runs",
                                              "duration_s",
                                              "duration_s_std",
                                              "throughput_mib_s",
                                              "cpu%",
                                              "user_s",
                                              "sys_s",
                                              "maxrss_kb",
                                              "fs_in",
                                              "fs_out",
                                              "vol_ctx_sw",
                                              "invol_ctx_sw",
                                              "repo_size_bytes",
                                              "exit",
                                              "duration_s_p50",
                                              "duration_s_p95",
                                              "duration_s_p99",
                                              "duration_s_cv",
                                              "noisy",
                                              "step",
                                              "log"};
    std::size_t last = 0;
    for (const auto& d : documented) {
        auto it = std::find(cols.begin(), cols.end(), d);
        ASSERT_NE(it, cols.end()) << "summary.tsv lacks column " << d;
        if (d.rfind("duration_s_p", 0) != 0 && d != "duration_s_cv" && d != "noisy" && d != "step" && d != "log") {
            EXPECT_GE(std::size_t(it - cols.begin()), last) << d << " is out of vykar's order";
            last = std::size_t(it - cols.begin());
        }
    }
}

// The baseline: every phase passes, 3 measured runs after a warm-up.
json passingTool() {
    json ok{{"tool", "vykar"}, {"status", "PASS"}, {"runs_measured", 3}, {"warmup_runs", 1}, {"runs", json::array()}};
    for (int k = 0; k <= 3; ++k)
        for (const auto& [phase, what] : benchPhases()) {
            PhaseRun r;
            r.phase = phase;
            r.run = k;
            r.ok = true;
            r.wall_s = k == 0 ? 100 : 1.0 + k;  // the warm-up must not count
            r.user_s = 1;
            r.bytes = 2 << 20;
            r.repo_bytes = 1000;
            ok["runs"].push_back(r.toJson());
        }
    return ok;
}

// A tool whose init passes and whose first backup fails.
json failingTool() {
    json bad{{"tool", "restic"}, {"status", "FAIL"}, {"runs", json::array()}};
    PhaseRun init;
    init.phase = "init";
    init.run = 1;
    init.ok = true;
    init.wall_s = 6;
    bad["runs"].push_back(init.toJson());
    PhaseRun b1;
    b1.phase = "backup_1";
    b1.run = 1;
    b1.ok = false;
    b1.exit = 3;
    b1.step = "backup";
    b1.log = "/logs/restic/run-1/7-restic-backup.err";
    b1.error = "restic backup failed: exit 3";
    bad["runs"].push_back(b1.toJson());
    return bad;
}

// tools/<name>.json for a passing, a failing and a skipped tool
void writeToolResults(const fs::path& dir) {
    fs::create_directories(dir / "tools");
    json ok = passingTool();
    json bad = failingTool();
    json skipped{{"tool", "kopia"}, {"status", "SKIPPED"}, {"reason", "kopia is not installed"}};
    for (auto& [name, j] :
         std::vector<std::pair<std::string, json>>{{"vykar", ok}, {"restic", bad}, {"kopia", skipped}})
        std::ofstream(dir / "tools" / (name + ".json")) << j.dump();
}

using TsvRows = std::map<std::string, std::map<std::string, std::string>>;  // op -> column -> cell

// summary.tsv: its header is `cols`, and every row has a cell for each column
void readSummaryTsv(const fs::path& tsv, const std::vector<std::string>& cols, TsvRows& rows) {
    std::ifstream in(tsv);
    std::string header;
    std::getline(in, header);
    EXPECT_EQ(splitTabs(header), cols);
    for (std::string line; std::getline(in, line);) {
        auto cells = splitTabs(line);
        ASSERT_EQ(cells.size(), cols.size()) << line;
        for (std::size_t i = 0; i < cols.size(); ++i) rows[cells[0]][cols[i]] = cells[i];
    }
}

void expectTsvRows(TsvRows& rows) {
    EXPECT_EQ(rows.size(), 3 * benchPhases().size());
    auto& v = rows["vykar_init"];
    EXPECT_EQ(v["runs"], "3");
    EXPECT_EQ(v["failed_runs"], "0");
    EXPECT_EQ(std::stod(v["duration_s"]), 3.0);  // 2,3,4 (the warm-up's 100 left out)
    EXPECT_EQ(std::stod(v["duration_s_std"]), 1.0);
    EXPECT_EQ(std::stod(v["duration_s_p50"]), 3.0);
    EXPECT_EQ(std::stod(v["duration_s_p99"]), 4.0);
    EXPECT_NEAR(std::stod(v["duration_s_cv"]), 1.0 / 3, 1e-4);
    EXPECT_EQ(v["noisy"], "noisy");
    EXPECT_EQ(v["exit"], "0");
    EXPECT_NEAR(std::stod(rows["vykar_backup_1"]["throughput_mib_s"]), (2.0 / 2 + 2.0 / 3 + 2.0 / 4) / 3, 1e-4);
    EXPECT_EQ(rows["vykar_restore"]["vs_baseline_duration"], "1.00");
    auto& f = rows["restic_backup_1"];
    EXPECT_EQ(f["exit"], "3");
    EXPECT_EQ(f["step"], "backup");
    EXPECT_EQ(f["log"], "/logs/restic/run-1/7-restic-backup.err");
    EXPECT_EQ(f["failed_runs"], "1");
    EXPECT_EQ(rows["restic_init"]["vs_baseline_duration"], "2.00");  // 6 s against vykar's 3 s
    EXPECT_EQ(rows["kopia_check"]["exit"], "SKIPPED");
    EXPECT_THAT(rows["kopia_check"]["reason"], HasSubstr("not installed"));
}

// summary.md shows the failure, the skip and the noise; summary.json and the plot files are there
void expectOtherOutputs(const fs::path& dir, std::size_t columns) {
    std::ifstream md(dir / "summary.md");
    std::string text((std::istreambuf_iterator<char>(md)), std::istreambuf_iterator<char>());
    EXPECT_THAT(text, HasSubstr("**FAIL** exit 3, step backup"));
    EXPECT_THAT(text, HasSubstr("SKIPPED: kopia is not installed"));
    EXPECT_THAT(text, HasSubstr("**noisy**"));
    std::ifstream js(dir / "summary.json");
    json sj = json::parse(js);
    EXPECT_EQ(sj["columns"].size(), columns);
    EXPECT_TRUE(fs::exists(dir / "benchmark.dat"));
    EXPECT_TRUE(fs::exists(dir / "benchmark.gp"));
}

TEST(BenchTable, TsvHasTheDocumentedColumnsAndRows) {
    const auto& cols = benchTsvColumns();
    expectDocumentedColumns(cols);
    if (HasFatalFailure()) return;

    ScopedDir dir(Janitor::instance().scratchDir(), "bench-table");
    writeToolResults(dir.path());
    writeBenchSummary(dir.path(), "vykar");

    TsvRows rows;
    readSummaryTsv(dir.path() / "summary.tsv", cols, rows);
    if (HasFatalFailure()) return;
    expectTsvRows(rows);
    expectOtherOutputs(dir.path(), cols.size());
}

// A tool that cannot take part (NOT-APPLICABLE) is a row with its reason, and no line of the chart.
TEST(BenchTable, ANotApplicableToolIsARowNotAChartLine) {
    ScopedDir dir(Janitor::instance().scratchDir(), "bench-table-na");
    writeToolResults(dir.path());
    std::ofstream(dir.path() / "tools" / "kopia.json")
        << json{{"tool", "kopia"}, {"status", "NOT-APPLICABLE"}, {"reason", "no such backend"}}.dump();
    ASSERT_NO_THROW(writeBenchSummary(dir.path(), "vykar"));
    TsvRows rows;
    readSummaryTsv(dir.path() / "summary.tsv", benchTsvColumns(), rows);
    if (HasFatalFailure()) return;
    EXPECT_EQ(rows["kopia_check"]["exit"], "SKIPPED");
    EXPECT_THAT(rows["kopia_check"]["reason"], HasSubstr("no such backend"));
    std::ifstream dat(dir.path() / "benchmark.dat");
    const std::string text((std::istreambuf_iterator<char>(dat)), std::istreambuf_iterator<char>());
    EXPECT_THAT(text, HasSubstr(" vykar "));
    EXPECT_THAT(text, Not(HasSubstr("kopia")));
}

}  // namespace
