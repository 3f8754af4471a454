#include "report/BenchTable.hpp"

#include "process/Process.hpp"
#include "report/Cells.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>

namespace e2e {

using nlohmann::json;

double nearestRank(std::vector<double> s, double p) {
    if (s.empty()) return 0;
    std::sort(s.begin(), s.end());
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(s.size())));
    rank = std::clamp<std::size_t>(rank, 1, s.size());
    return s[rank - 1];
}

SampleStats sampleStats(std::vector<double> s) {
    SampleStats st;
    st.n = s.size();
    if (s.empty()) return st;
    std::sort(s.begin(), s.end());
    st.min = s.front();
    st.max = s.back();
    double sum = 0;
    for (double x : s) sum += x;
    st.mean = sum / static_cast<double>(s.size());
    if (s.size() > 1) {
        double sq = 0;
        for (double x : s) sq += (x - st.mean) * (x - st.mean);
        st.stddev = std::sqrt(sq / static_cast<double>(s.size() - 1));
    }
    st.p50 = nearestRank(s, 50);
    st.p95 = nearestRank(s, 95);
    st.p99 = nearestRank(s, 99);
    st.cv = st.mean != 0 ? st.stddev / std::fabs(st.mean) : 0;
    return st;
}

json PhaseRun::toJson() const {
    return {{"phase", phase},
            {"run", run},
            {"ok", ok},
            {"not_run", not_run},
            {"exit", exit},
            {"step", step},
            {"error", error},
            {"log", log.string()},
            {"wall_s", wall_s},
            {"user_s", user_s},
            {"sys_s", sys_s},
            {"maxrss_kb", maxrss_kb},
            {"fs_in", fs_in},
            {"fs_out", fs_out},
            {"vol_ctx_sw", vol_ctx_sw},
            {"invol_ctx_sw", invol_ctx_sw},
            {"bytes", bytes},
            {"repo_bytes", repo_bytes},
            {"caches_dropped", caches_dropped},
            {"commands", commands}};
}

PhaseRun PhaseRun::fromJson(const json& j) {
    PhaseRun r;
    r.phase = j.value("phase", "");
    r.run = j.value("run", 0);
    r.ok = j.value("ok", false);
    r.not_run = j.value("not_run", false);
    r.exit = j.value("exit", 0);
    r.step = j.value("step", "");
    r.error = j.value("error", "");
    r.log = j.value("log", "");
    r.wall_s = j.value("wall_s", 0.0);
    r.user_s = j.value("user_s", 0.0);
    r.sys_s = j.value("sys_s", 0.0);
    r.maxrss_kb = j.value("maxrss_kb", 0L);
    r.fs_in = j.value("fs_in", 0L);
    r.fs_out = j.value("fs_out", 0L);
    r.vol_ctx_sw = j.value("vol_ctx_sw", 0L);
    r.invol_ctx_sw = j.value("invol_ctx_sw", 0L);
    r.bytes = j.value("bytes", std::uint64_t{0});
    r.repo_bytes = j.value("repo_bytes", std::uint64_t{0});
    r.caches_dropped = j.value("caches_dropped", false);
    r.commands = j.value("commands", std::vector<std::string>{});
    return r;
}

const std::vector<std::pair<std::string, std::string>>& benchPhases() {
    static const std::vector<std::pair<std::string, std::string>> p{
        {"init", "create the encrypted repository"},
        {"backup_1", "first backup of snapshot-1"},
        {"backup_2", "incremental backup of snapshot-2 (snapshot-1 changed by a seeded churn)"},
        {"backup_unchanged", "snapshot-2 again, nothing changed"},
        {"restore",
         "full restore of the latest snapshot, verified against snapshot-2's manifest (verification untimed)"},
        {"check", "the tool's structural check"},
        {"check_verify", "the tool's check reading all data"},
        {"delete_reclaim", "delete the first snapshot, then compact/prune/maintenance"},
    };
    return p;
}

namespace {

// figure name -> how it is read from a run
struct Metric {
    const char* col;
    const char* std_col;
    double (*get)(const PhaseRun&);
};

double cpuPct(const PhaseRun& r) {
    return r.wall_s > 0 ? (r.user_s + r.sys_s) / r.wall_s * 100.0 : 0;
}
double mibs(const PhaseRun& r) {
    return r.wall_s > 0 && r.bytes ? static_cast<double>(r.bytes) / (1 << 20) / r.wall_s : 0;
}

const std::vector<Metric>& metrics() {
    static const std::vector<Metric> m{
        {"duration_s", "duration_s_std", [](const PhaseRun& r) { return r.wall_s; }},
        {"throughput_mib_s", "throughput_mib_s_std", mibs},
        {"cpu%", "cpu_pct_std", cpuPct},
        {"user_s", "user_s_std", [](const PhaseRun& r) { return r.user_s; }},
        {"sys_s", "sys_s_std", [](const PhaseRun& r) { return r.sys_s; }},
        {"maxrss_kb", "maxrss_kb_std", [](const PhaseRun& r) { return static_cast<double>(r.maxrss_kb); }},
        {"fs_in", "fs_in_std", [](const PhaseRun& r) { return static_cast<double>(r.fs_in); }},
        {"fs_out", "fs_out_std", [](const PhaseRun& r) { return static_cast<double>(r.fs_out); }},
        {"vol_ctx_sw", "vol_ctx_sw_std", [](const PhaseRun& r) { return static_cast<double>(r.vol_ctx_sw); }},
        {"invol_ctx_sw", "invol_ctx_sw_std", [](const PhaseRun& r) { return static_cast<double>(r.invol_ctx_sw); }},
        {"repo_size_bytes", "repo_size_bytes_std", [](const PhaseRun& r) { return static_cast<double>(r.repo_bytes); }},
    };
    return m;
}

std::string num(double v, int prec = 3) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(prec) << v;
    return s.str();
}

std::string human(double bytes) {
    const char* u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    while (bytes >= 1024 && i < 4) {
        bytes /= 1024;
        ++i;
    }
    return num(bytes, i ? 1 : 0) + " " + u[i];
}

struct Row {
    std::string tool, phase, status;  // status: ok, FAIL, SKIPPED
    std::string reason;
    int runs = 0, failed = 0;
    std::map<std::string, SampleStats> st;  // by metric column
    int exit = 0;
    std::string step, log;
};

std::vector<Row> rowsOf(const json& t) {
    std::vector<Row> rows;
    const std::string tool = t.value("tool", "?");
    const std::string status = t.value("status", "");
    std::vector<PhaseRun> runs;
    for (const auto& j : t.value("runs", json::array())) runs.push_back(PhaseRun::fromJson(j));
    for (const auto& [phase, what] : benchPhases()) {
        Row row;
        row.tool = tool;
        row.phase = phase;
        if (status == "SKIPPED" || status == "NOT-APPLICABLE") {
            row.status = "SKIPPED";
            row.reason = t.value("reason", "");
            rows.push_back(row);
            continue;
        }
        std::vector<const PhaseRun*> ok;
        const PhaseRun* fail = nullptr;
        for (const auto& r : runs) {
            if (r.phase != phase || r.run == 0) continue;
            ++row.runs;
            if (r.ok)
                ok.push_back(&r);
            else {
                ++row.failed;
                if (!fail || (fail->not_run && !r.not_run)) fail = &r;
            }
        }
        // a warm-up that failed while no measured run reached the phase still shows why
        if (row.runs == 0)
            for (const auto& r : runs)
                if (r.phase == phase && !r.ok) fail = &r;
        for (const auto& m : metrics()) {
            std::vector<double> s;
            for (const auto* r : ok) s.push_back(m.get(*r));
            row.st[m.col] = sampleStats(s);
        }
        row.status = fail ? "FAIL" : (row.runs ? "ok" : "FAIL");
        if (fail) {
            row.exit = fail->not_run ? -1 : fail->exit;
            row.step = fail->not_run ? "not run: " + fail->error : fail->step;
            row.log = fail->log.string();
            row.reason = fail->error;
        } else if (!row.runs) {
            row.reason = t.value("reason", "no measured run");
        }
        rows.push_back(row);
    }
    return rows;
}

}  // namespace

const std::vector<std::string>& benchTsvColumns() {
    static const std::vector<std::string> c = [] {
        std::vector<std::string> v{"op", "tool", "phase", "runs", "failed_runs"};
        for (const auto& m : metrics()) {
            v.push_back(m.col);
            v.push_back(m.std_col);
            if (std::string(m.col) == "duration_s")
                for (const char* x : {"duration_s_min", "duration_s_max", "duration_s_p50", "duration_s_p95",
                                      "duration_s_p99", "duration_s_cv", "noisy"})
                    v.push_back(x);
        }
        for (const char* x : {"repo_size", "exit", "step", "log", "vs_baseline_duration", "reason"}) v.push_back(x);
        return v;
    }();
    return c;
}

namespace {

// the baseline's mean per phase and figure: the ratios' denominators (same run, same invocation)
using BaseMeans = std::map<std::string, std::map<std::string, double>>;

// every tools/*.json of the run; an unreadable one becomes a note
std::vector<json> readToolResults(const fs::path& dir, std::vector<std::string>& notes) {
    std::vector<json> tools;
    std::error_code ec;
    if (fs::is_directory(dir / "tools", ec))
        for (const auto& e : fs::directory_iterator(dir / "tools"))
            if (e.path().extension() == ".json") {
                std::ifstream in(e.path());
                try {
                    tools.push_back(json::parse(in));
                } catch (const std::exception& x) {
                    notes.push_back("unreadable " + e.path().string() + ": " + x.what());
                }
            }
    return tools;
}

// the baseline first, then the peers by name
void sortBaselineFirst(std::vector<json>& tools, const std::string& baseline) {
    std::sort(tools.begin(), tools.end(), [&](const json& a, const json& b) {
        auto k = [&](const json& j) {
            std::string n = j.value("tool", "");
            return (n.rfind(baseline, 0) == 0 ? "0" : "1") + n;
        };
        return k(a) < k(b);
    });
}

BaseMeans baselineMeans(const std::vector<Row>& rows, const std::string& baseline) {
    BaseMeans base;
    for (const auto& r : rows)
        if (r.tool == baseline && r.status == "ok")
            for (const auto& [k, s] : r.st) base[r.phase][k] = s.mean;
    return base;
}

// this row's mean over the baseline's, two decimals; empty when there is nothing to compare
std::string ratio(const BaseMeans& base, const Row& r, const std::string& metric) {
    auto p = base.find(r.phase);
    if (r.status != "ok" || p == base.end() || !p->second.count(metric) || p->second.at(metric) <= 0) return "";
    return num(r.st.at(metric).mean / p->second.at(metric), 2);
}

// one summary.tsv line's cells, in benchTsvColumns() order
std::vector<std::string> tsvCells(const Row& r, const BaseMeans& base) {
    std::vector<std::string> v{r.tool + "_" + r.phase, r.tool, r.phase, std::to_string(r.runs),
                               std::to_string(r.failed)};
    for (const auto& m : metrics()) {
        const SampleStats& s = r.st.count(m.col) ? r.st.at(m.col) : SampleStats{};
        bool have = s.n > 0;
        v.push_back(have ? num(s.mean, 4) : "");
        v.push_back(have ? num(s.stddev, 4) : "");
        if (std::string(m.col) == "duration_s")
            for (double x : {s.min, s.max, s.p50, s.p95, s.p99, s.cv}) v.push_back(have ? num(x, 4) : "");
        if (std::string(m.col) == "duration_s") v.push_back(have ? (s.noisy() ? "noisy" : "") : "");
    }
    const SampleStats repo = r.st.count("repo_size_bytes") ? r.st.at("repo_size_bytes") : SampleStats{};
    v.push_back(repo.n ? human(repo.mean) : "");
    v.push_back(r.status == "SKIPPED" ? "SKIPPED" : r.status == "ok" ? "0" : std::to_string(r.exit));
    v.push_back(mdCell(r.step));
    v.push_back(mdCell(r.log));
    v.push_back(ratio(base, r, "duration_s"));
    v.push_back(mdCell(r.reason));
    return v;
}

void writeSummaryTsv(const fs::path& dir, const std::vector<Row>& rows, const BaseMeans& base) {
    std::ofstream o(dir / "summary.tsv");
    const auto& cols = benchTsvColumns();
    for (std::size_t i = 0; i < cols.size(); ++i) o << (i ? "\t" : "") << cols[i];
    o << "\n";
    for (const auto& r : rows) {
        std::vector<std::string> v = tsvCells(r, base);
        for (std::size_t i = 0; i < v.size(); ++i) o << (i ? "\t" : "") << v[i];
        o << "\n";
    }
}

// one row of summary.json's "rows"
json rowJson(const Row& r, const BaseMeans& base) {
    json rj{{"tool", r.tool}, {"phase", r.phase}, {"status", r.status}, {"runs", r.runs},    {"failed_runs", r.failed},
            {"exit", r.exit}, {"step", r.step},   {"log", r.log},       {"reason", r.reason}};
    for (const auto& [k, s] : r.st)
        rj["figures"][k] = {{"n", s.n},     {"mean", s.mean},    {"stddev", s.stddev}, {"min", s.min},
                            {"max", s.max}, {"p50", s.p50},      {"p95", s.p95},       {"p99", s.p99},
                            {"cv", s.cv},   {"noisy", s.noisy()}};
    for (const char* m : {"duration_s", "user_s", "sys_s", "maxrss_kb", "repo_size_bytes"})
        if (auto x = ratio(base, r, m); !x.empty()) rj["vs_baseline"][m] = std::stod(x);
    return rj;
}

// summary.json without its "notes" (they are known only once the chart is drawn)
json summaryJson(const std::vector<json>& tools, const std::vector<Row>& rows, const BaseMeans& base) {
    json sj;
    sj["columns"] = benchTsvColumns();
    sj["phases"] = json::array();
    for (const auto& [p, what] : benchPhases()) sj["phases"].push_back({{"phase", p}, {"what", what}});
    sj["tools"] = json::array();
    for (const auto& t : tools) {
        json tj = t;
        tj.erase("runs");
        sj["tools"].push_back(tj);
    }
    sj["rows"] = json::array();
    for (const auto& r : rows) sj["rows"].push_back(rowJson(r, base));
    if (!tools.empty()) {
        sj["dataset"] = tools.front().value("dataset", json::object());
        sj["settings"] = tools.front().value("settings_common", json::object());
    }
    return sj;
}

// summary.md's title, run and dataset lines, and the table of tools
void writeMdIntro(std::ostream& o, const std::vector<json>& tools) {
    o << "# Tool benchmark\n\n";
    if (!tools.empty()) {
        const json& t0 = tools.front();
        o << "Run `" << t0.value("run", "") << "`, profile `" << t0.value("profile", "")
          << "`, host: " << t0.value("host", "") << "\n\n";
        const json d = t0.value("dataset", json::object());
        o << "Dataset: " << d.value("what", "") << "\n\n";
        o << "Fair settings: " << t0.value("settings_common", json::object()).value("text", "") << "\n\n";
    }
    o << "| tool | version | settings | measured runs | caches |\n|---|---|---|---|---|\n";
    for (const auto& t : tools)
        o << "| " << t.value("tool", "") << " | " << mdCell(t.value("version", "")) << " | "
          << mdCell(t.value("settings", "")) << " | " << t.value("runs_measured", 0) << " after "
          << t.value("warmup_runs", 0) << " warm-up | " << mdCell(t.value("caches", "")) << " |\n";
}

// one line of summary.md's per-phase table
void writeMdPhaseRow(std::ostream& o, const Row& r, const BaseMeans& base) {
    o << "| " << r.tool << " | " << r.phase << " | ";
    if (r.status == "SKIPPED") {
        o << "0 | SKIPPED: " << mdCell(r.reason) << " | | | | | | | | | | | | | | |\n";
        return;
    }
    const auto& d = r.st.at("duration_s");
    auto m = [&](const char* k, int p) { return r.st.at(k).n ? num(r.st.at(k).mean, p) : std::string("-"); };
    o << d.n << (r.failed ? " (" + std::to_string(r.failed) + " failed)" : "") << " | ";
    if (d.n) {
        // one sample has no spread: no stddev, no CV (not "0%")
        o << num(d.mean) << (d.n > 1 ? " ± " + num(d.stddev) : std::string()) << " | " << num(d.p50) << " | "
          << num(d.p95) << " | " << num(d.p99) << " | " << (d.n > 1 ? num(d.cv * 100, 1) + "%" : std::string("- (n=1)"))
          << (d.noisy() ? " **noisy**" : "") << " | ";
    } else {
        o << "- | - | - | - | - | ";
    }
    o << (r.st.at("throughput_mib_s").mean > 0 ? m("throughput_mib_s", 1) : "-") << " | " << m("cpu%", 0) << " | "
      << m("user_s", 2) << " | " << m("sys_s", 2) << " | " << (d.n ? human(r.st.at("maxrss_kb").mean * 1024) : "-")
      << " | " << m("fs_in", 0) << "/" << m("fs_out", 0) << " | " << m("vol_ctx_sw", 0) << "/" << m("invol_ctx_sw", 0)
      << " | " << (d.n ? human(r.st.at("repo_size_bytes").mean) : "-") << " | " << ratio(base, r, "duration_s")
      << " | ";
    if (r.status == "ok")
        o << "0";
    else
        o << "**FAIL** exit " << r.exit << ", step " << mdCell(r.step) << ": " << mdCell(r.reason.substr(0, 160))
          << " (log `" << r.log << "`)";
    o << " |\n";
}

// every figure whose CV is over the bar, not only the wall time
std::string noisyFigures(const std::vector<Row>& rows) {
    std::string noisy;
    for (const auto& r : rows)
        for (const char* k : {"duration_s", "throughput_mib_s", "user_s", "sys_s", "maxrss_kb", "repo_size_bytes"})
            if (r.st.count(k) && r.st.at(k).n > 1 && r.st.at(k).noisy())
                noisy += (noisy.empty() ? "" : ", ") + r.tool + " " + r.phase + " " + k + " (CV " +
                         num(r.st.at(k).cv * 100, 1) + "%)";
    return noisy;
}

void writeSummaryMd(const fs::path& dir, const std::vector<json>& tools, const std::vector<Row>& rows,
                    const BaseMeans& base, const std::string& baseline) {
    std::ofstream o(dir / "summary.md");
    writeMdIntro(o, tools);
    o << "\nPer phase: mean wall seconds ± sample stddev over the measured runs that passed; p50/p95/p99 by "
         "nearest rank (n = how many "
         "samples back them: with n < 20 p95 and p99 are the maximum); CV = stddev/mean, marked **noisy** over "
      << SampleStats::kNoisyCv * 100 << "%. vs " << baseline << " = this tool's mean wall / " << baseline
      << "'s (the baseline), same run.\n\n";
    o << "| tool | phase | n | wall s | p50 | p95 | p99 | CV | MiB/s | CPU % | user s | sys s | max RSS | fs "
         "in/out | ctx vol/invol | repo after | vs "
      << baseline << " | exit |\n";
    o << "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (const auto& r : rows) writeMdPhaseRow(o, r, base);
    std::string noisy = noisyFigures(rows);
    o << "\nNoisy figures (CV over " << SampleStats::kNoisyCv * 100 << "%): " << (noisy.empty() ? "none" : noisy)
      << ".\n";
    o << "\nChart: `benchmark.summary.png` (data `benchmark.dat`, script `benchmark.gp`). Every run's command "
         "lines are in `tools/<tool>.json`, "
         "its logs under `logs/<tool>/run-<k>/`.\n";
}

// benchmark.dat: one line per measured tool and phase, x placed for grouped boxes
void writeChartData(const fs::path& dir, const std::vector<Row>& rows, const std::vector<std::string>& toolNames) {
    std::ofstream d(dir / "benchmark.dat");
    d << "# x phase_index tool_index tool phase duration_s maxrss_mib user_s sys_s cpu_s repo_mib\n";
    const double width = 0.8 / std::max<std::size_t>(1, toolNames.size());
    for (std::size_t pi = 0; pi < benchPhases().size(); ++pi)
        for (std::size_t ti = 0; ti < toolNames.size(); ++ti)
            for (const auto& r : rows) {
                if (r.tool != toolNames[ti] || r.phase != benchPhases()[pi].first || !r.st.at("duration_s").n) continue;
                double x = static_cast<double>(pi) - 0.4 + width * (static_cast<double>(ti) + 0.5);
                d << num(x, 4) << " " << pi << " " << ti << " " << r.tool << " " << r.phase << " "
                  << num(r.st.at("duration_s").mean, 4) << " " << num(r.st.at("maxrss_kb").mean / 1024, 2) << " "
                  << num(r.st.at("user_s").mean, 4) << " " << num(r.st.at("sys_s").mean, 4) << " "
                  << num(r.st.at("user_s").mean + r.st.at("sys_s").mean, 4) << " "
                  << num(r.st.at("repo_size_bytes").mean / (1 << 20), 3) << "\n";
            }
}

// benchmark.gp: the gnuplot script drawing benchmark.dat as a 2x2 PNG
void writeChartScript(const fs::path& dir, const std::vector<std::string>& toolNames) {
    std::ofstream g(dir / "benchmark.gp");
    std::string xt;
    for (std::size_t pi = 0; pi < benchPhases().size(); ++pi)
        xt += (pi ? ", \"" : "\"") + benchPhases()[pi].first + "\" " + std::to_string(pi);
    std::string names;
    for (const auto& n : toolNames) names += (names.empty() ? "" : " ") + n;
    g << "set terminal pngcairo size 1600,1100 font 'sans,10'\n"
      << "set output '" << (dir / "benchmark.summary.png").string() << "'\n"
      << "tools = '" << names << "'\nn = words(tools)\nw = 0.8 / (n > 0 ? n : 1)\n"
      << "set termoption noenhanced\nset style fill solid 0.85 border -1\nset boxwidth w\nset grid ytics\n"
      << "set key outside right top vertical\nset offsets 0, 0, graph 0.05, 0\n"
      << "set xtics (" << xt << ") rotate by -30\nset xrange [-0.6:" << benchPhases().size() - 0.4
      << "]\nset yrange [0:*]\n"
      << "set multiplot layout 2,2 title 'backup tools per phase (mean of the measured runs)'\n"
      << "set title 'duration (s)'\nplot for [k=0:n-1] '" << (dir / "benchmark.dat").string()
      << "' using ($3==k ? $1 : 1/0):6 with boxes lc k+1 title word(tools, k+1)\n"
      << "set title 'peak RSS (MiB)'\nplot for [k=0:n-1] '" << (dir / "benchmark.dat").string()
      << "' using ($3==k ? $1 : 1/0):7 with boxes lc k+1 title word(tools, k+1)\n"
      << "set title 'CPU seconds (user + sys; sys hatched at the bottom)'\nplot for [k=0:n-1] '"
      << (dir / "benchmark.dat").string() << "' using ($3==k ? $1 : 1/0):10 with boxes lc k+1 title word(tools, k+1), '"
      << (dir / "benchmark.dat").string()
      << "' using 1:9 with boxes fs pattern 2 border -1 lc rgb 'black' title 'sys'\n"
      << "set title 'repository size after the phase (MiB)'\nplot for [k=0:n-1] '" << (dir / "benchmark.dat").string()
      << "' using ($3==k ? $1 : 1/0):11 with boxes lc k+1 title word(tools, k+1)\n"
      << "unset multiplot\n";
}

// runs gnuplot on benchmark.gp when there is something to draw and gnuplot to draw it; why not goes to notes
void drawChart(const fs::path& dir, const std::vector<std::string>& toolNames, std::vector<std::string>& notes) {
    if (toolNames.empty()) {
        notes.push_back("no tool measured: no chart drawn");
    } else if (auto gp = findProgram("gnuplot")) {
        Command c;
        c.argv = {gp->string(), (dir / "benchmark.gp").string()};
        c.log_dir = dir / "logs";
        fs::create_directories(c.log_dir);
        c.log_name = "gnuplot";
        c.timeout = std::chrono::seconds(60);
        Result r = run(c);
        if (!r.ok()) notes.push_back(failureMessage("gnuplot", r));
    } else {
        notes.push_back(
            "gnuplot is not installed (scripts/bootstrap installs Debian gnuplot-nox): benchmark.summary.png not "
            "drawn; benchmark.gp and benchmark.dat are there");
    }
}

}  // namespace

std::vector<std::string> writeBenchSummary(const fs::path& dir, const std::string& baseline) {
    std::vector<std::string> notes;
    std::vector<json> tools = readToolResults(dir, notes);
    sortBaselineFirst(tools, baseline);
    std::vector<Row> rows;
    for (const auto& t : tools)
        for (auto& r : rowsOf(t)) rows.push_back(std::move(r));
    const BaseMeans base = baselineMeans(rows, baseline);

    writeSummaryTsv(dir, rows, base);
    json sj = summaryJson(tools, rows, base);
    writeSummaryMd(dir, tools, rows, base, baseline);

    // the chart: one data file, one gnuplot script, a 2x2 PNG
    std::vector<std::string> toolNames;
    for (const auto& t : tools)  // a tool that did not run has no figures to draw
        if (t.value("status", "") != "SKIPPED" && t.value("status", "") != "NOT-APPLICABLE")
            toolNames.push_back(t.value("tool", ""));
    writeChartData(dir, rows, toolNames);
    writeChartScript(dir, toolNames);
    drawChart(dir, toolNames, notes);
    sj["notes"] = notes;
    std::ofstream(dir / "summary.json") << sj.dump(2) << "\n";
    return notes;
}

}  // namespace e2e
