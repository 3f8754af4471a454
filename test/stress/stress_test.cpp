// stress: vykar's stress loop (scripts/testbench stress) for every tool. Per
// iteration: a new 1 MiB file replaces the last one (so that each reclaim has
// data to free), back up, the snapshot is listed, restore into a fresh dir and
// compare with the manifest, delete the snapshot, reclaim; the structure check
// every K and the data-verifying check every M iterations. A stale lock is
// broken only when a step fails on one (reported). Measured per iteration:
// each step's latency (p50/p95/p99/max), the tool's peak RSS (its own rusage),
// the repository's size after the reclaim, our file descriptors and any
// process the tool left. Verdicts: every iteration passes; the repository
// after a reclaim stays near empty and does not drift upward; peak RSS does
// not grow; no file descriptor or process accumulates.
#include "FaultyTool.hpp"
#include "RepoUsage.hpp"
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "report/BenchTable.hpp"
#include "text/Text.hpp"
#include "tools/Drivers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <regex>
#include <sstream>

using namespace e2e;

namespace {

struct StressPlan {
    int iterations, check_every, verify_every;
};

StressPlan plan() {
    const Config& c = Settings::get();
    StressPlan p{10, 5, 10};
    if (c.profile == Profile::Standard) p = {200, 50, 0};
    if (c.profile == Profile::Full) p = {1000, 50, 0};
    if (c.stress_iterations) p.iterations = c.stress_iterations;
    if (c.stress_check_every >= 0) p.check_every = c.stress_check_every;
    if (c.stress_verify_every >= 0) p.verify_every = c.stress_verify_every;
    return p;
}

int countFds() {
    int n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
    return n - 1;  // the iterator's own
}

// Processes still alive that the tool started: they carry its HOME (every
// command of a driver gets HOME=<its home>; our servers do not).
std::vector<std::string> processesWithHome(const fs::path& home) {
    std::vector<std::string> out;
    const std::string needle = "HOME=" + home.string();
    for (const auto& e : fs::directory_iterator("/proc")) {
        const std::string n = e.path().filename().string();
        if (n.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(e.path() / "environ", std::ios::binary);
        std::string env((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::size_t pos = 0;
        while (pos < env.size()) {
            auto end = env.find('\0', pos);
            if (end == std::string::npos) end = env.size();
            if (env.compare(pos, end - pos, needle) == 0) {
                std::ifstream cmd(e.path() / "comm");
                std::string c;
                std::getline(cmd, c);
                out.push_back(n + " (" + c + ")");
                break;
            }
            pos = end + 1;
        }
    }
    return out;
}

double median(std::vector<double> v) {
    return nearestRank(std::move(v), 50);
}

struct StressRun {
    std::map<std::string, std::vector<double>> latency;  // step -> seconds per iteration
    std::vector<double> rss_mib;                         // peak RSS of the tool per iteration
    std::vector<std::uint64_t> repo_after_reclaim;
    std::vector<int> fds;               // our descriptors after each iteration
    std::vector<std::string> leftover;  // processes the tool left, with the step
    std::uint64_t first_backup_bytes = 0;
    int locks_broken = 0, checks = 0, data_checks = 0, done = 0;
};

class StressScenario : public ScenarioTestP<std::string> {
protected:
    explicit StressScenario(std::string area = "stress") : ScenarioTestP(std::move(area)) {}

    // What one stress run carries from iteration to iteration.
    struct StressLoop {
        ToolOnBackend& t;
        ScenarioSteps& steps;
        const StressPlan& p;
        const Capabilities caps;
        const fs::path home;  // the tool's HOME: what still runs with it is a process the tool left
        std::string label;
        StressRun s;
    };

    void runStress(ToolOnBackend& t, const StressPlan& p) {
        Verdicts v(ws());
        ScenarioSteps steps(ws(), *t.tool, v);
        ScenarioReport& rep = ws().report();
        rep.set("stress_plan",
                {{"iterations", p.iterations}, {"check_every", p.check_every}, {"verify_every", p.verify_every}});
        steps.version();
        CorpusProfile cp;
        cp.small_files = 120;
        cp.bulk_bytes = 8ull << 20;
        cp.big_file_bytes = 0;
        cp.depth = 6;
        steps.corpus(cp, false);
        steps.init(true);
        if (!v.ok()) return;
        StressLoop L{t, steps, p, t.tool->capabilities(), ws().work() / ("home-" + t.name), steps.label(), {}};
        v.layer("iterations", [&] { return iterations(L); });
        record(L.s);
        if (!v.ok()) return;
        v.layer("latency", [&] { return latencyTable(L.s); });
        v.layer("growth", [&] {
            try {
                return growthVerdict(L.s);
            } catch (const VerdictFailure& e) {
                throw VerdictFailure(std::string(e.what()) +
                                     "\n  the repository after the last reclaim, by top-level entry: " +
                                     largestEntries(t.backend->target().local_dir));
            }
        });
        v.layer("memory", [&] { return memoryVerdict(L.s); });
        v.layer("leaks", [&] { return leaksVerdict(L.s); });
    }

    // Runs one step of iteration `it` and times it. A step that fails on a lock: the lock is broken (reported) and
    // the step runs once more.
    void timed(StressLoop& L, int it, const std::string& name, const std::function<void()>& fn) {
        const auto t0 = std::chrono::steady_clock::now();
        try {
            fn();
        } catch (const ToolError& e) {
            if (L.caps.lock_failure.empty() ||
                !std::regex_search(e.what(), std::regex(L.caps.lock_failure, std::regex::icase)))
                throw;
            ++L.s.locks_broken;
            ws().report().note("iteration " + std::to_string(it) + ", " + name +
                               ": failed on a lock; the lock was broken and the step run again: " +
                               std::string(e.what()).substr(0, 300));
            L.t.tool->unlock();
            fn();
        }
        L.s.latency[name].push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        for (const auto& proc : processesWithHome(L.home))
            L.s.leftover.push_back("iteration " + std::to_string(it) + " after " + name + ": " + proc);
    }

    // Every iteration in turn; the first that fails ends the layer.
    std::string iterations(StressLoop& L) {
        const StressPlan& p = L.p;
        for (int it = 1; it <= p.iterations; ++it) iteration(L, it);
        return std::to_string(p.iterations) + " iterations passed (" + std::to_string(L.s.checks) +
               " structure checks, " + std::to_string(L.s.data_checks) + " data-verifying checks, " +
               std::to_string(L.s.locks_broken) + " stale locks broken)";
    }

    // A new file replaces the last one, the steps run, and the iteration's peak RSS and our descriptors are kept.
    void iteration(StressLoop& L, int it) {
        ToolOnBackend& t = L.t;
        ScenarioSteps& steps = L.steps;
        StressRun& s = L.s;
        ws().context("iteration", std::to_string(it));
        if (it > 1) fs::remove(steps.source() / ("iteration-" + std::to_string(it - 1) + ".bin"));
        steps.addRandomFile("iteration-" + std::to_string(it) + ".bin", 1ull << 20);
        const std::size_t h0 = t.tool->history().size();
        // the steps record where they are, so that a failure names its step and snapshot
        std::string id, step = "backup";
        try {
            iterationSteps(L, it, id, step);
        } catch (const std::exception& e) {
            throw VerdictFailure("iteration " + std::to_string(it) + " of " + std::to_string(L.p.iterations) +
                                 ", step " + step + (id.empty() ? "" : ", snapshot " + id) + ": " + e.what());
        }
        long rss = 0;
        for (std::size_t i = h0; i < t.tool->history().size(); ++i)
            rss = std::max(rss, t.tool->history()[i].usage.max_rss_kib);
        s.rss_mib.push_back(double(rss) / 1024.0);
        s.fds.push_back(countFds());
        s.done = it;
        if (it % 10 == 0 || it == L.p.iterations)
            std::cout << "[e2e]     iteration " << it << "/" << L.p.iterations << ": repository "
                      << humanBytes(s.repo_after_reclaim.back()) << " after reclaim, peak RSS " << std::fixed
                      << std::setprecision(1) << s.rss_mib.back() << " MiB" << std::endl;
    }

    // Backup, list, restore + compare, delete, reclaim, and the checks that are due. `id` and `step` are kept up
    // to date for the caller's message.
    void iterationSteps(StressLoop& L, int it, std::string& id, std::string& step) {
        ToolOnBackend& t = L.t;
        ScenarioSteps& steps = L.steps;
        StressRun& s = L.s;
        timed(L, it, "backup", [&] { id = t.tool->backup(steps.source(), L.label); });
        ws().context("snapshot_id", id);
        if (it == 1) s.first_backup_bytes = t.backend->usedBytes();
        step = "list";
        timed(L, it, "list", [&] {
            auto snaps = t.tool->snapshots();
            if (std::none_of(snaps.begin(), snaps.end(), [&](const Snapshot& x) { return sameSnapshotId(x.id, id); }))
                throw VerdictFailure("the new snapshot is not listed (" + std::to_string(snaps.size()) + " listed)");
        });
        step = "restore";
        const fs::path dest = ws().work() / "restore";
        timed(L, it, "restore", [&] {
            fs::remove_all(dest);
            fs::create_directories(dest);
            t.tool->restore(id, dest);
        });
        step = "compare";
        ManifestOptions mo;
        mo.digest = steps.expected().digest;
        std::vector<std::string> notes;
        auto diffs = compare(steps.expected(), Manifest::build(dest, mo), compareOptionsFor(L.caps, notes));
        if (!diffs.empty())
            throw VerdictFailure("the restore differs from the source: " + std::to_string(diffs.size()) +
                                 " difference(s), e.g. " + diffs[0].describe());
        fs::remove_all(dest);
        step = "delete";
        timed(L, it, "delete", [&] { t.tool->forget(id); });
        step = "reclaim";
        timed(L, it, "reclaim", [&] { t.tool->reclaim(); });
        s.repo_after_reclaim.push_back(t.backend->usedBytes());
        if (L.p.check_every && it % L.p.check_every == 0) {
            step = "check";
            timed(L, it, "check", [&] { t.tool->check(false); });
            ++s.checks;
        }
        if (L.p.verify_every && it % L.p.verify_every == 0) {
            step = "check-data";
            timed(L, it, "check-data", [&] { t.tool->check(true); });
            ++s.data_checks;
        }
    }

    // No process of the tool outlives its step, and our descriptors do not grow.
    static std::string leaksVerdict(const StressRun& s) {
        if (!s.leftover.empty())
            throw VerdictFailure(std::to_string(s.leftover.size()) +
                                 " process(es) of the tool still running after its step, e.g. " + s.leftover[0]);
        // the first iteration opens what stays open (logs, caches of the suite): nothing may be added after it
        if (s.fds.back() > s.fds.front())
            throw VerdictFailure("our open file descriptors grew from " + std::to_string(s.fds.front()) +
                                 " after iteration 1 to " + std::to_string(s.fds.back()));
        return "no process of the tool outlived its step; our file descriptors " + std::to_string(s.fds.front()) +
               " after iteration 1, " + std::to_string(s.fds.back()) + " at the end";
    }

    void record(const StressRun& s) {
        nlohmann::json lat = nlohmann::json::object();
        nlohmann::json fig{{"iterations", s.done}};
        for (const auto& [step, v] : s.latency) {
            const auto st = sampleStats(v);
            lat[step] = {{"n", st.n}, {"p50_s", st.p50}, {"p95_s", st.p95}, {"p99_s", st.p99}, {"max_s", st.max}};
            if (step == "backup" || step == "restore" || step == "reclaim") {
                fig[step + "_p50_s"] = st.p50;
                fig[step + "_p99_s"] = st.p99;
            }
        }
        ScenarioReport& rep = ws().report();
        rep.set("stress_latency", lat);
        rep.set("stress_rss_mib", s.rss_mib);
        rep.set("stress_repo_after_reclaim", s.repo_after_reclaim);
        rep.set("stress_fds", s.fds);
        rep.set("stress_locks_broken", s.locks_broken);
        if (!s.rss_mib.empty()) fig["peak_rss_mib"] = *std::max_element(s.rss_mib.begin(), s.rss_mib.end());
        if (!s.repo_after_reclaim.empty()) {
            fig["repo_after_reclaim_first"] = s.repo_after_reclaim.front();
            fig["repo_after_reclaim_last"] = s.repo_after_reclaim.back();
        }
        rep.figure("Stress loop (latency per step, peak RSS, repository after reclaim)", fig);
    }

    static std::string latencyTable(const StressRun& s) {
        std::ostringstream t;
        t << std::fixed << std::setprecision(3) << "seconds per step (p50/p95/p99/max):";
        for (const auto& [step, v] : s.latency) {
            const auto st = sampleStats(v);
            t << " " << step << " " << st.p50 << "/" << st.p95 << "/" << st.p99 << "/" << st.max << ";";
        }
        return t.str();
    }

    // After each reclaim nothing is referenced (the only snapshot was deleted):
    // the repository is its metadata, bounded as in the round trip (1% of the
    // first backup + 1 MiB), and the later iterations' median may exceed the
    // first ones' by at most 512 KiB (half the data each iteration adds).
    static std::string growthVerdict(const StressRun& s) {
        const auto& r = s.repo_after_reclaim;
        const std::uint64_t bound = s.first_backup_bytes / 100 + (1ull << 20);
        for (std::size_t i = 0; i < r.size(); ++i)
            if (r[i] > bound)
                throw VerdictFailure(
                    "after the reclaim of iteration " + std::to_string(i + 1) + " the repository holds " +
                    humanBytes(r[i]) + " (bound: 1% of the first backup's " + humanBytes(s.first_backup_bytes) +
                    " + 1 MiB = " + humanBytes(bound) +
                    "): with every snapshot deleted, the reclaim did not shrink it back to its metadata");
        const std::size_t third = std::max<std::size_t>(1, r.size() / 3);
        std::vector<double> first(r.begin(), r.begin() + long(third)), last(r.end() - long(third), r.end());
        const double a = median(first), b = median(last), drift = b - a;
        std::ostringstream d;
        d << "repository after each reclaim " << humanBytes(r.front()) << " .. " << humanBytes(r.back()) << " (bound "
          << humanBytes(bound) << "); median of the last " << third << " iterations " << humanBytes(std::uint64_t(b))
          << " vs the first " << third << "'s " << humanBytes(std::uint64_t(a));
        if (drift > double(512 << 10))
            throw VerdictFailure(d.str() + ": it drifts upward by " + humanBytes(std::uint64_t(drift)) +
                                 " (bound 512 KiB)");
        return d.str();
    }

    // Peak RSS of the last third's median at most 1.25 x the first third's + 16 MiB.
    static std::string memoryVerdict(const StressRun& s) {
        const auto& r = s.rss_mib;
        const std::size_t third = std::max<std::size_t>(1, r.size() / 3);
        const double a = median(std::vector<double>(r.begin(), r.begin() + long(third))),
                     b = median(std::vector<double>(r.end() - long(third), r.end()));
        std::ostringstream d;
        d << std::fixed << std::setprecision(1) << "peak RSS per iteration " << a << " MiB (median of the first "
          << third << ") -> " << b << " MiB (last " << third << "), max " << *std::max_element(r.begin(), r.end())
          << " MiB";
        if (b > a * 1.25 + 16) throw VerdictFailure(d.str() + ": it grows (bound: 1.25 x + 16 MiB)");
        return d.str();
    }
};

TEST_P(StressScenario, Loop) {
    PreludeOptions po;
    po.backend = Settings::get().stress_backend;
    po.exact_rusage = true;
    ToolOnBackend t;
    if (!prepare(t, GetParam(), po)) return;
    runStress(t, plan());
}

INSTANTIATE_TEST_SUITE_P(Stress, StressScenario, ::testing::ValuesIn(knownTools()),
                         [](const auto& p) { return p.param; });

// The self-test: a restic whose prune claims success and frees nothing must be
// caught by the growth verdict (the iterations themselves all pass).
class StressFaults : public StressScenario {
protected:
    StressFaults() : StressScenario("selftest") {}
};

TEST_F(StressFaults, NoopReclaim) {
    ws().report().expectFault("restic prune frees nothing", "growth");
    PreludeOptions po;
    po.exact_rusage = true;
    po.wrap = [&](const fs::path& real) {
        return writeFaultyWrapper(ws().work(), "restic", real, "noop-prune",
                                  "case \" $* \" in *\" prune \"*) exit 0 ;; esac\nexec \"$real\" \"$@\"\n");
    };
    ToolOnBackend t;
    if (!prepare(t, "restic", po)) return;
    runStress(t, {4, 0, 0});
}

}  // namespace
