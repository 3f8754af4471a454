// benchmarks/tools: every tool on the same data in the same run, one at a
// time (RUN_SERIAL), through its driver (helpers/tools: the one place each
// CLI is mapped). Per tool: one warm-up run and N measured runs of the
// phases init, backup_1 (snapshot-1), backup_2 (snapshot-2), backup_unchanged,
// restore (verified against snapshot-2's manifest), check, check_verify,
// delete_reclaim, each on a fresh repository per run, with sync + dropped
// page caches before every measured phase. rusage of every command from
// wait4 (helpers/process); statistics and tables in helpers/report/BenchTable.
// Outputs under <runtime>/benchmarks/<run-id>/: summary.tsv/.md/.json,
// benchmark.summary.png, tools/<tool>.json (every run's command lines),
// logs/<tool>/run-<k>/.
//
// BenchOverhead: the suite's rusage of `true` and of a fixed `dd` agrees
// within 5% with GNU time -v on the same commands.
#include "BenchDataset.hpp"
#include "FaultyTool.hpp"
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "backends/Backend.hpp"
#include "config/Settings.hpp"
#include "process/Process.hpp"
#include "report/BenchTable.hpp"
#include "tools/Registry.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <sys/utsname.h>
#include <unistd.h>

using namespace e2e;
using nlohmann::json;

namespace {

fs::path benchDir() {
    const fs::path rt = Settings::runtimeDir();
    fs::path d = rt / "benchmarks" / currentRun(rt);
    fs::create_directories(d / "tools");
    return d;
}

int measuredRuns(const Config& c) {
    if (c.bench_runs > 0) return c.bench_runs;
    return c.profile == Profile::Ci ? 1 : 5;
}

// sync, then drop the page cache, dentries and inodes; "" when done, else why not
std::string dropCaches() {
    ::sync();
    std::ofstream f("/proc/sys/vm/drop_caches");
    if (!f)
        return geteuid() == 0 ? "cannot open /proc/sys/vm/drop_caches (read-only /proc?)"
                              : "not root: page caches not dropped";
    f << "3\n";
    f.flush();
    if (!f) return "writing /proc/sys/vm/drop_caches failed";
    return {};
}

std::string hostLine() {
    utsname u{};
    uname(&u);
    std::string cpu;
    std::ifstream in("/proc/cpuinfo");
    for (std::string l; std::getline(in, l);)
        if (l.rfind("model name", 0) == 0) {
            cpu = l.substr(l.find(':') + 2);
            break;
        }
    return std::string(u.nodename) + ", " + u.sysname + " " + u.release + ", " +
           std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) + " CPUs (" + cpu + ")";
}

// What every tool's row shares; each tool's own settings are its driver's (ToolFacts::bench_settings, in its row).
const char* kCommonSettings =
    "zstd where the tool has it (set explicitly where it is not the tool's default), encryption on, each tool's "
    "default "
    "chunking, thread policy: each tool's own default parallelism on this host (nothing pinned), local repository on "
    "the "
    "dataset's filesystem, tools one at a time (ctest RUN_SERIAL), a fresh repository and tool home per run; backup "
    "phases "
    "time the backup command only (a driver's own listing before it, to pick an archive name, is not counted); every "
    "other "
    "phase counts every command its driver step runs";

// The tool's row in tools/<tool>.json before any run: who, where, with which settings.
json toolJsonHeader(const std::string& tool, const Config& cfg, const ToolFacts& fair) {
    return json{{"tool", tool},
                {"run", currentRun(Settings::runtimeDir())},
                {"profile", toString(cfg.profile)},
                {"host", hostLine()},
                {"settings", fair.bench_settings},
                {"settings_common", {{"text", kCommonSettings}}},
                {"runs", json::array()}};
}

// What every run of one tool's benchmark shares (all owned by runBench).
struct BenchSetup {
    const std::string& tool;
    const std::string& variant;  // the driver's benchmark variant
    const fs::path& dir;         // where the tables and logs go
    const fs::path& binary;      // the tool, or a self-test's wrapper around it
    Backend& backend;
    const BenchDataset& data;
    const ManifestOptions& mo;
    const CompareOptions& cmp;
    const Manifest& expected;  // snapshot-2's manifest, what every restore must give back
};

// The state of one run (warm-up or measured) that its phases hand on to each other.
struct BenchRunState {
    std::unique_ptr<BackupTool> drv;
    RepoTarget target;
    fs::path restore_dir;
    std::string id1, id3;
    std::string failed;  // the phase that failed in this run
};

// The driver step(s) of one phase; a tool's error marks the phase failed instead of escaping.
void runPhaseStep(const std::string& phase, const BenchDataset& data, BenchRunState& st, PhaseRun& pr) {
    BackupTool& drv = *st.drv;
    try {
        if (phase == "init")
            drv.init(RepoOptions{true});
        else if (phase == "backup_1") {
            st.id1 = drv.backup(data.snapshot1, "bench");
            pr.bytes = data.bytes1;
        } else if (phase == "backup_2") {
            drv.backup(data.snapshot2, "bench");
            pr.bytes = data.bytes2;
        } else if (phase == "backup_unchanged") {
            st.id3 = drv.backup(data.snapshot2, "bench");
            pr.bytes = data.bytes2;
        } else if (phase == "restore") {
            fs::create_directories(st.restore_dir.parent_path());
            drv.restore(st.id3, st.restore_dir);
            pr.bytes = data.bytes2;
        } else if (phase == "check")
            drv.check(false);
        else if (phase == "check_verify") {
            pr.bytes = treeBytes(st.target.path);
            drv.check(true);
        } else if (phase == "delete_reclaim") {
            drv.forget(st.id1);
            drv.reclaim();
        }
        pr.ok = true;
    } catch (const ToolError& e) {
        pr.ok = false;
        pr.step = e.step();
        pr.exit = e.result().exit_code;
        pr.error = e.what();
        if (!e.result().stderr_path.empty()) pr.log = e.result().stderr_path;
    } catch (const std::exception& e) {
        pr.ok = false;
        pr.step = phase;
        pr.exit = -1;
        pr.error = e.what();
    }
}

// Adds up the rusage of the commands the phase ran (history from `before` on) and lists them all.
void addPhaseUsage(const std::string& tool, const std::string& phase, const std::vector<Result>& h, std::size_t before,
                   PhaseRun& pr) {
    for (std::size_t i = before; i < h.size(); ++i) {
        const Result& r = h[i];
        const std::string stem = r.stdout_path.stem().string();
        // backup phases: the backup command itself (a driver may list archives first to pick a name)
        const bool timed = phase.rfind("backup", 0) != 0 || stem.find("-" + tool + "-backup") != std::string::npos;
        pr.commands.push_back((timed ? "" : "[not timed] ") + r.display);
        if (!timed) continue;
        pr.wall_s += r.usage.wall_s;
        pr.user_s += r.usage.user_s;
        pr.sys_s += r.usage.sys_s;
        pr.maxrss_kb = std::max(pr.maxrss_kb, r.usage.max_rss_kib);
        pr.fs_in += r.usage.fs_in;
        pr.fs_out += r.usage.fs_out;
        pr.vol_ctx_sw += r.usage.vol_ctx_sw;
        pr.invol_ctx_sw += r.usage.invol_ctx_sw;
    }
}

// A fast wrong restore is not a result: compare with snapshot-2 (untimed); a good restore is removed.
void verifyRestore(const BenchSetup& s, const fs::path& restore_dir, PhaseRun& pr) {
    auto diffs = compare(s.expected, Manifest::build(restore_dir, s.mo), s.cmp);
    if (!diffs.empty()) {
        pr.ok = false;
        pr.step = "restore-verify";
        pr.exit = 0;
        pr.error = "the restore differs from snapshot-2 in " + std::to_string(diffs.size()) +
                   " places, first: " + diffs.front().describe() + " (restore kept in " + restore_dir.string() + ")";
    } else {
        fs::remove_all(restore_dir);
    }
}

// The runs' page cache line: all dropped, or every reason why not.
std::string cachesText(const std::set<std::string>& cache_problems) {
    std::string caches = cache_problems.empty() ? "synced and dropped before every measured phase" : "NOT dropped: ";
    for (const auto& p : cache_problems) caches += p + "; ";
    return caches;
}

// How many phase runs failed (a phase not run after an earlier failure is not counted); `first` describes the first.
int countFailedPhases(const json& runs, std::string& first) {
    int failed = 0;
    for (const auto& r : runs) {
        if (r.value("ok", false) || r.value("not_run", false)) continue;
        ++failed;
        if (first.empty())
            first = r.value("phase", "") + " (run " + std::to_string(r.value("run", 0)) + ", step " +
                    r.value("step", "") + ", exit " + std::to_string(r.value("exit", 0)) + ", log " +
                    r.value("log", "") + "): " + r.value("error", "");
    }
    return failed;
}

class ToolBench : public ScenarioTestP<std::string> {
protected:
    ToolBench() : ScenarioTestP("benchmarks") {}
    // The whole benchmark of one tool; its tables go to `dir`. `wrap`: a self-test's faulty wrapper around the binary.
    void runBench(const std::string& tool, const fs::path& dir, int runs,
                  const std::function<fs::path(const fs::path&)>& wrap = {});

private:
    void benchOneRun(const BenchSetup& s, int k, json& tj, std::set<std::string>& cache_problems);
    PhaseRun runPhase(const BenchSetup& s, int k, const std::string& phase, const fs::path& log_dir, BenchRunState& st,
                      std::set<std::string>& cache_problems);
    CompareOptions tolerantCompareOptions(const Capabilities& caps);
    void reportFigures(const fs::path& dir, const std::string& tool);
};

// One phase of run k: skipped after an earlier failure, else caches dropped (measured runs), run, timed, verified.
PhaseRun ToolBench::runPhase(const BenchSetup& s, const int k, const std::string& phase, const fs::path& log_dir,
                             BenchRunState& st, std::set<std::string>& cache_problems) {
    PhaseRun pr;
    pr.phase = phase;
    pr.run = k;
    pr.log = log_dir;
    if (!st.failed.empty()) {
        pr.not_run = true;
        pr.error = st.failed + " failed in this run";
        return pr;
    }
    if (k > 0) {
        std::string why = dropCaches();
        pr.caches_dropped = why.empty();
        if (!why.empty()) cache_problems.insert(why);
    }
    const std::size_t before = st.drv->history().size();
    runPhaseStep(phase, s.data, st, pr);
    addPhaseUsage(s.tool, phase, st.drv->history(), before, pr);
    if (pr.ok && phase == "restore") verifyRestore(s, st.restore_dir, pr);
    pr.repo_bytes = treeBytes(st.target.path);
    if (!pr.ok) st.failed = phase;
    return pr;
}

// Run k (0 = the warm-up): every phase on a fresh repository and tool home, its rows appended to tj["runs"].
void ToolBench::benchOneRun(const BenchSetup& s, const int k, json& tj, std::set<std::string>& cache_problems) {
    const std::string rn = "run-" + std::to_string(k);
    ToolContext ctx = ws().toolContext(s.tool);
    ctx.variant = s.variant;
    ctx.exact_rusage = true;
    ctx.home = ws().work() / rn / "home";
    ctx.log_dir = s.dir / "logs" / s.tool / rn;
    BenchRunState st;
    st.target = s.backend.target();
    st.target.path = ws().repos() / rn;
    st.drv = toolInfo(s.tool).make(s.binary.string(), ctx, st.target);
    st.restore_dir = ws().work() / rn / "restore";
    for (const auto& [phase, what] : benchPhases())
        tj["runs"].push_back(runPhase(s, k, phase, ctx.log_dir, st, cache_problems).toJson());
    st.drv.reset();
    // a run that failed keeps its repository and home beside the logs (the workspace keeps them as evidence)
    if (st.failed.empty()) {
        fs::remove_all(ws().work() / rn);
        fs::remove_all(st.target.path);
    } else {
        ws().context(rn, st.failed + " failed; repository " + st.target.path.string() + ", home " + ctx.home.string());
    }
}

// How restores are compared with snapshot-2 given the tool's capabilities; what is tolerated goes in the report.
CompareOptions ToolBench::tolerantCompareOptions(const Capabilities& caps) {
    std::vector<std::string> notes;
    const CompareOptions cmp = compareOptionsFor(caps, notes);
    for (const auto& n : notes) ws().report().tolerate(n.rfind("tolerated: ", 0) == 0 ? n.substr(11) : n);
    return cmp;
}

// The figures beside the other scenarios' in the run summary.
void ToolBench::reportFigures(const fs::path& dir, const std::string& tool) {
    std::ifstream in(dir / "summary.json");
    for (const auto& r : json::parse(in)["rows"])
        if (r.value("tool", "") == tool && r.contains("figures"))
            ws().report().figure("tool benchmark (mean wall s)", {{"tool", tool},
                                                                  {"phase", r["phase"]},
                                                                  {"wall_s", r["figures"]["duration_s"]["mean"]},
                                                                  {"cv", r["figures"]["duration_s"]["cv"]},
                                                                  {"n", r["figures"]["duration_s"]["n"]}});
}

void ToolBench::runBench(const std::string& tool, const fs::path& dir, const int N,
                         const std::function<fs::path(const fs::path&)>& wrap) {
    const Config& cfg = Settings::get();
    fs::create_directories(dir / "tools");
    const ToolFacts& fair = toolInfo(tool).facts;  // the driver's benchmark variant and its settings in words
    json tj = toolJsonHeader(tool, cfg, fair);
    auto save = [&] {
        std::ofstream(dir / "tools" / (tool + ".json.tmp")) << tj.dump(2);
        fs::rename(dir / "tools" / (tool + ".json.tmp"), dir / "tools" / (tool + ".json"));
        for (const auto& n : writeBenchSummary(dir, primaryTool())) ws().report().note(n);
        ws().report().set("bench_dir", dir.string());
    };

    ToolChoice choice = chooseTool(tool, ws().config());
    if (!choice.binary) {
        tj["status"] = choice.required ? "FAIL" : "SKIPPED";
        tj["reason"] = choice.reason;
        save();
    }
    PreludeOptions po;
    po.variant = fair.bench_variant;
    ToolOnBackend t;
    if (!prepare(t, tool, po)) return;

    const BenchDataset data = benchDataset(cfg, Settings::runtimeDir());
    tj["dataset"] = data.facts;
    ws().report().set("dataset", data.facts);
    const CompareOptions cmp = tolerantCompareOptions(t.caps);
    ManifestOptions mo;
    mo.digest = cfg.digest;
    const Manifest expected = Manifest::build(data.snapshot2, mo);

    tj["version"] = t.tool->version();
    const fs::path binary = wrap ? wrap(t.binary) : t.binary;
    tj["runs_measured"] = N;
    tj["warmup_runs"] = 1;
    std::set<std::string> cache_problems;
    ws().report().set("tool_version", tj["version"]);
    ws().report().set("runs_measured", N);

    const BenchSetup s{tool, fair.bench_variant, dir, binary, *t.backend, data, mo, cmp, expected};
    for (int k = 0; k <= N; ++k) benchOneRun(s, k, tj, cache_problems);
    const std::string caches = cachesText(cache_problems);
    tj["caches"] = caches;
    if (!cache_problems.empty()) ws().report().note("page caches: " + caches);

    // the verdict: every measured phase ran and the restore came back as snapshot-2
    Verdicts v(ws());
    v.layer("phases", [&] {
        std::string first;
        const int failed = countFailedPhases(tj["runs"], first);
        tj["status"] = failed ? "FAIL" : "PASS";
        tj["reason"] = first;
        save();
        if (failed) throw VerdictFailure(std::to_string(failed) + " phase run(s) failed; first: " + first);
        std::ostringstream d;
        d << N << " measured run(s) after 1 warm-up, tables in " << dir.string();
        return d.str();
    });
    reportFigures(dir, tool);
}

TEST_P(ToolBench, Phases) {
    runBench(GetParam(), benchDir(), measuredRuns(Settings::get()));
}

INSTANTIATE_TEST_SUITE_P(Bench, ToolBench, ::testing::ValuesIn(knownTools()), [](const auto& p) { return p.param; });

// Self-test: a fast wrong restore is not a result. A wrapper changes one
// byte of one restored file; only the benchmark's restore verification can
// see it, so its `phases` layer must fail. Its tables stay apart (selftest/).
class ToolBenchSelftest : public ToolBench {};

TEST_P(ToolBenchSelftest, DamagedRestoreIsNoResult) {
    const std::string tool = GetParam();
    ws().report().expectFault(tool + " damaged restore in the benchmark", "phases");
    const std::string script = R"SH(
"$real" "$@"; rc=$?
case " $* " in *" restore "*)
  prev=""; for a in "$@"; do [ "$prev" = "--target" ] && dir=$a; prev=$a; done
  f=$(find "$dir" -type f -size +1k | LC_ALL=C sort | head -n 1)
  [ -n "$f" ] && printf 'X' | dd of="$f" bs=1 seek=100 conv=notrunc status=none ;;
esac
exit $rc
)SH";
    runBench(tool, benchDir() / "selftest", 1, [&](const fs::path& real) {
        return writeFaultyWrapper(ws().work(), tool, real, "damaged_restore", script);
    });
}

INSTANTIATE_TEST_SUITE_P(BenchSelftest, ToolBenchSelftest, ::testing::Values("restic"),
                         [](const auto& p) { return p.param; });

// ---- the benchmark's own overhead ----

struct TimeV {
    double wall_s = -1, user_s = -1, sys_s = -1;
    long maxrss_kb = -1;
};

TimeV parseTimeV(const std::string& err) {
    TimeV t;
    std::smatch m;
    if (std::regex_search(err, m, std::regex(R"(User time \(seconds\): ([0-9.]+))"))) t.user_s = std::stod(m[1]);
    if (std::regex_search(err, m, std::regex(R"(System time \(seconds\): ([0-9.]+))"))) t.sys_s = std::stod(m[1]);
    if (std::regex_search(err, m, std::regex(R"(Maximum resident set size \(kbytes\): ([0-9]+))")))
        t.maxrss_kb = std::stol(m[1]);
    // "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:00.31" or "1:02:03"
    if (std::regex_search(err, m, std::regex(R"(Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([0-9:.]+))"))) {
        double s = 0;
        std::stringstream in(m[1].str());
        for (std::string part; std::getline(in, part, ':');) s = s * 60 + std::stod(part);
        t.wall_s = s;
    }
    return t;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

// GNU time prints wall to 1/100 s: below that resolution only "within one tick" can be judged
constexpr double kTick = 0.01;

// The samples of one command, `reps` times each way.
struct OverheadSamples {
    std::vector<double> bare_wall, bare_cpu, bare_rss, suite_wall, tv_wall, suite_cpu, tv_cpu, suite_rss, plain_rss,
        tv_rss;
};

// One command's comparisons, each a row of overhead.tsv, a figure and a part of the layer's detail.
struct OverheadJudge {
    std::ostream& tsv;
    ScenarioReport& report;
    const std::string& name;
    std::ostringstream d;
    bool ok = true;  // every judged comparison agrees

    void operator()(const std::string& what, const std::string& unit, double suite, double tv, double tick,
                    bool judged) {
        const double diff = std::fabs(suite - tv);
        const double allowed = std::max(0.05 * tv, tick);
        const bool agree = diff <= allowed;
        if (judged) ok = ok && agree;
        tsv << name << "\t" << what << "\t" << unit << "\t" << suite << "\t" << tv << "\t" << diff << "\t"
            << (tv > 0 ? diff / tv * 100 : 0) << "\t" << allowed << "\t" << (agree ? "agree" : "DISAGREE")
            << (judged ? "" : " (informative)") << "\n";
        d << what << ": suite " << suite << " " << unit << ", time -v " << tv << " (|diff| " << diff << ", allowed "
          << allowed << ")" << (agree ? "" : " DISAGREE") << (judged ? "" : " (informative)") << "; ";
        report.figure("benchmark overhead", {{"command", name},
                                             {"measure", what},
                                             {"unit", unit},
                                             {"suite", suite},
                                             {"time_v", tv},
                                             {"diff", diff},
                                             {"allowed", allowed},
                                             {"agree", agree},
                                             {"judged", judged}});
    }
};

class BenchOverhead : public ScenarioTest {
protected:
    BenchOverhead() : ScenarioTest("benchmarks") {}

    // Runs the command `reps` times each way: bare under the suite's helper (as the benchmark runs a tool), forked
    // straight from this process, and under time -v (itself under the helper).
    OverheadSamples measure(const std::string& name, const std::vector<std::string>& argv, const fs::path& time_bin,
                            int reps) {
        OverheadSamples s;
        for (int i = 0; i < reps; ++i) {
            Command bare;  // as the benchmark runs a tool
            bare.argv = argv;
            bare.log_dir = ws().logs();
            bare.log_name = "overhead-" + name;
            bare.exact_rusage = true;
            Result b = run(bare);
            if (!b.ok()) throw VerdictFailure(failureMessage(name, b));
            if (!b.usage.exact)
                throw VerdictFailure("the e2e-rusage helper did not measure " + name + " (is it built beside libe2e?)");
            s.bare_wall.push_back(b.usage.wall_s);
            s.bare_cpu.push_back(b.usage.user_s + b.usage.sys_s);
            s.bare_rss.push_back(double(b.usage.max_rss_kib));
            Command plain = bare;  // forked from this big process directly
            plain.exact_rusage = false;
            plain.log_name = "overhead-plain-" + name;
            s.plain_rss.push_back(double(run(plain).usage.max_rss_kib));
            Command timed;
            timed.argv = {time_bin.string(), "-v"};
            timed.argv.insert(timed.argv.end(), argv.begin(), argv.end());
            timed.log_dir = ws().logs();
            timed.log_name = "overhead-time-v-" + name;
            timed.exact_rusage = true;  // measured as the benchmark measures a tool
            Result r = run(timed);
            if (!r.ok()) throw VerdictFailure(failureMessage("time -v " + name, r));
            TimeV t = parseTimeV(r.err);
            if (t.wall_s < 0 || t.user_s < 0 || t.sys_s < 0 || t.maxrss_kb < 0)
                throw VerdictFailure("could not read time -v's output:\n" + r.tail(30));
            // the same execution, seen by the suite's helper (time's own start is inside)
            s.suite_wall.push_back(r.usage.wall_s);
            if (!r.usage.exact) throw VerdictFailure("the e2e-rusage helper did not measure time -v " + name);
            s.suite_cpu.push_back(r.usage.user_s + r.usage.sys_s);  // time's own little CPU is inside
            s.suite_rss.push_back(double(r.usage.max_rss_kib));     // time's and its child's, the larger
            s.tv_wall.push_back(t.wall_s);
            s.tv_cpu.push_back(t.user_s + t.sys_s);
            s.tv_rss.push_back(double(t.maxrss_kb));
        }
        return s;
    }

    // The layer's detail, or VerdictFailure when a judged comparison disagrees.
    std::string judgeSamples(std::ostream& tsv, const std::string& name, const OverheadSamples& s, int reps) {
        // judged: the same execution's wall and CPU seconds, and the peak RSS; informative: the other views
        // (other load on a shared machine moves them: the benchmark's CV business) and the RSS of a child forked
        // from this big process without the helper (it starts with our resident pages: why the helper exists)
        OverheadJudge judge{tsv, ws().report(), name, {}};
        const std::string n = " (medians of " + std::to_string(reps) + ")";
        judge("wall, the same execution: the suite's helper around time -v vs its report" + n, "s",
              median(s.suite_wall), median(s.tv_wall), kTick, true);
        judge("cpu user+sys, the same execution" + n, "s", median(s.suite_cpu), median(s.tv_cpu), kTick, true);
        // peak RSS of one execution under the helper is time's own where the command is smaller (true): judged on
        // separate ones
        judge("peak RSS, separate executions: suite's helper vs time -v" + n, "KiB", median(s.bare_rss),
              median(s.tv_rss), 256, true);
        judge("wall, separate executions: suite's helper vs time -v" + n, "s", median(s.bare_wall), median(s.tv_wall),
              kTick, false);
        judge("cpu user+sys, separate executions" + n, "s", median(s.bare_cpu), median(s.tv_cpu), kTick, false);
        judge("peak RSS, the same execution (time's own RSS inside)" + n, "KiB", median(s.suite_rss), median(s.tv_rss),
              256, false);
        judge("peak RSS forked straight from the 96 MiB runner (no helper) vs time -v" + n, "KiB", median(s.plain_rss),
              median(s.tv_rss), 256, false);
        if (!judge.ok)
            throw VerdictFailure("the suite's measurement and time -v disagree by more than 5% (or one tick): " +
                                 judge.d.str());
        return judge.d.str();
    }
};

TEST_F(BenchOverhead, SuiteTimingAgreesWithTimeV) {
    auto timeBin = findProgram("/usr/bin/time");
    if (!timeBin) {
        endAs(Status::Fail, "/usr/bin/time is missing (Debian package `time`, installed by scripts/bootstrap)");
        return;
    }
    const fs::path dir = benchDir();
    // the runner as big as a benchmark's (its manifests): a child forked from it starts with these pages resident
    std::vector<char> ballast(96u << 20);
    for (std::size_t i = 0; i < ballast.size(); i += 4096) ballast[i] = char(i);
    const std::vector<std::pair<std::string, std::vector<std::string>>> cmds{
        {"true", {"true"}},
        // a fixed amount of work: 16 GiB from /dev/zero to /dev/null in 1 MiB blocks (sys time, no disk; about 1 s)
        {"dd", {"dd", "if=/dev/zero", "of=/dev/null", "bs=1M", "count=16384", "status=none"}},
    };
    const int reps = 5;
    std::ofstream tsv(dir / "overhead.tsv");
    tsv << "command\tmeasure\tunit\tsuite_median\ttime_v_median\tdiff\tdiff_pct\tallowed\tverdict\n";
    Verdicts v(ws());
    for (const auto& [name, argv] : cmds) {
        v.layer("overhead-" + name, [&, &name = name, &argv = argv] {
            const OverheadSamples s = measure(name, argv, *timeBin, reps);
            return judgeSamples(tsv, name, s, reps);
        });
    }
}

}  // namespace
