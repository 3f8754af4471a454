#pragma once
// The tool benchmark's statistics and tables: per tool and phase, every
// measured run's rusage folded into mean, sample standard deviation, min,
// max, nearest-rank percentiles and the coefficient of variation, written as
// summary.tsv (vykar testbench's columns plus the percentiles), summary.md,
// summary.json and a gnuplot-drawn 2x2 chart. Computed once, here.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace e2e {

namespace fs = std::filesystem;

struct SampleStats {
    std::size_t n = 0;
    double mean = 0, stddev = 0, min = 0, max = 0;  // stddev: sample (n-1); 0 when n < 2
    double p50 = 0, p95 = 0, p99 = 0;               // nearest rank: the ceil(p/100 * n)-th smallest sample
    double cv = 0;                                  // stddev / mean; 0 when the mean is 0
    bool noisy() const { return cv > kNoisyCv; }
    static constexpr double kNoisyCv = 0.05;
};
SampleStats sampleStats(std::vector<double> samples);
// The nearest-rank percentile of samples (sorted or not); 0 for no samples.
double nearestRank(std::vector<double> samples, double percentile);

// One phase of one run of one tool, as measured.
struct PhaseRun {
    std::string phase;
    int run = 0;  // 0 = the warm-up, 1..N measured
    bool ok = false;
    bool not_run = false;     // an earlier phase of the same run failed
    int exit = 0;             // the failing command's exit (0 when ok)
    std::string step, error;  // the failing driver step and why
    fs::path log;             // the failing command's log (or the phase's log dir)
    double wall_s = 0, user_s = 0, sys_s = 0;
    long maxrss_kb = 0, fs_in = 0, fs_out = 0, vol_ctx_sw = 0, invol_ctx_sw = 0;
    std::uint64_t bytes = 0;       // data the phase moved (source read, restore written, repository verified)
    std::uint64_t repo_bytes = 0;  // repository size after the phase
    bool caches_dropped = false;
    std::vector<std::string> commands;  // every command line it ran (secrets redacted)
    nlohmann::json toJson() const;
    static PhaseRun fromJson(const nlohmann::json& j);
};

// The phases in their order, and what each one is.
const std::vector<std::pair<std::string, std::string>>& benchPhases();

// summary.tsv's columns, in order (documented: the unit test holds them).
const std::vector<std::string>& benchTsvColumns();

// Roll up <bench_dir>/tools/*.json (one per tool: facts + runs) into summary.tsv,
// summary.md, summary.json, benchmark.dat + benchmark.gp and, with gnuplot,
// benchmark.summary.png. Ratios are against `baseline` (a tool's name; its
// rows come first). Returns the notes (e.g. gnuplot missing).
std::vector<std::string> writeBenchSummary(const fs::path& bench_dir, const std::string& baseline);

}  // namespace e2e
