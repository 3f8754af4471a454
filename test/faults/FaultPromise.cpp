#include "FaultPromise.hpp"

#include "text/Text.hpp"

#include <regex>
#include <sstream>
#include <thread>

namespace e2e {

using namespace std::chrono_literals;

namespace {

CorpusProfile faultCorpus() {
    return CorpusProfile{/*small_files*/ 60, /*bulk_bytes*/ 4ull << 20, /*big_file_bytes*/ 4ull << 20, /*depth*/ 4,
                         /*duplicates*/ 2};
}

}  // namespace

void seedFaultCase(ScenarioSteps& steps) {
    steps.version();
    steps.corpus(faultCorpus(), false);
    steps.init(true);
}

std::string backupBeforeTheFault(BackupTool& tool, Verdicts& v, ScenarioSteps& steps, const std::string& label,
                                 const std::function<std::string()>& state) {
    std::string id;
    v.layer("backup-before", [&] {
        id = tool.backup(steps.source(), label);
        return "snapshot " + id + " " + state();
    });
    return v.ok() ? id : std::string();
}

FaultedRun backupWithDeadline(BackupTool& tool, const fs::path& source, const std::string& label,
                              std::chrono::seconds deadline) {
    FaultedRun run;
    const auto t0 = std::chrono::steady_clock::now();
    try {
        auto child = tool.startBackup(source, label);
        while (child->running() && std::chrono::steady_clock::now() - t0 < deadline) std::this_thread::sleep_for(50ms);
        run.hung = child->running();
        run.result = child->terminate(2s);
    } catch (const ToolError& e) {
        run.result = e.result();
        run.hung = e.timedOut();
    }
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return run;
}

std::string withoutWarnings(const std::string& said) {
    // warnings, and progress lines (JSON status messages: their numbers are no status codes)
    static const std::regex warning(R"(^(Warning:|\S+\s+WARN\b|\{"message_type":"(verbose_)?status"))",
                                    std::regex::icase);
    std::istringstream in(said);
    std::string kept;
    // two slashes or a leading one: /a/b, http://h/p, bucket/prefix/x; not I/O
    static const std::regex path(R"([^\s'"()<>]*/[^\s'"()<>]*/[^\s'"()<>]*|(^|[\s'"(<])/[^\s'"()<>]+)");
    for (std::string line; std::getline(in, line);)
        if (!std::regex_search(line, warning)) kept += std::regex_replace(line, path, "<path>") + "\n";
    return kept;
}

std::string judgeFaultedRun(Workspace& ws, const FaultJudgement& j, const FaultedRun& run, double fault_at_s) {
    const Result& r = run.result;
    std::ostringstream d;
    d << j.command << " under " << j.fault << ": "
      << (run.hung ? "once stopped (SIGTERM, then SIGKILL after 2 s), " : "") << r.describe() << " after "
      << run.seconds << " s";
    if (run.hung)
        throw VerdictFailure("hang: the " + j.command + " was still running at " + j.deadline_why + " (" +
                             std::to_string(j.deadline.count()) + " s) and was stopped; " + d.str());
    if (r.ok()) return d.str() + " (succeeded: its data is judged below)";
    if (j.loss_free)
        throw VerdictFailure("a fault that loses nothing made the " + j.command + " fail: " + d.str() + "\n" +
                             r.tail());
    const std::string cause = matchingLine(withoutWarnings(r.out + "\n" + r.err), j.names_the_cause);
    if (cause.empty())
        throw VerdictFailure("the " + j.command + " failed without naming the cause (no " + j.cause_kind +
                             " in its output): " + d.str() + "\n" + r.tail());
    const double noticed = run.seconds - fault_at_s;
    ws.report().set("noticed_after_s", noticed);
    return d.str() + "; it named the cause: " + printable(cause) + " (noticed " + std::to_string(noticed) +
           " s after the fault)";
}

std::string checkOrRepair(BackupTool& tool) {
    std::string failed;
    try {
        tool.check(true);
        return std::string("the tool's own check with data verification: ok");
    } catch (const ToolError& e) {
        failed = e.what();
        failed = failed.substr(0, failed.find('\n'));
    }
    // A run that failed over a dead link could not remove its lock: the tool's documented unlock (what a failed
    // run left; no run of ours is alive) comes first, and is all it took where the check then passes.
    tool.unlock();
    try {
        tool.check(true);
        return "the check failed (" + failed +
               "); after the tool's documented unlock of the lock a failed run left, "
               "it passes";
    } catch (const ToolError&) {  // not only a lock: the documented repair follows
    }
    const RepairOutcome repaired = tool.repair();  // a repair that fails throws: the layer fails
    tool.check(true);                              // still failing after it: the layer fails
    return "the check failed (" + failed + "); the tool's documented unlock and repair (" +
           std::to_string(repaired.steps.size()) + " command(s)) brought the repository back: its check passes";
}

void judgeAfterTheFault(BackupTool& tool, Verdicts& v, ScenarioSteps& steps, const Manifest& before,
                        const std::string& before_id, const Manifest& after, const std::string& reported_id,
                        const std::string& label) {
    std::vector<std::string> others;
    v.layer("listed-after", [&] {
        bool has_before = false, has_reported = reported_id.empty();
        std::vector<Snapshot> listed;
        std::string unlocked;
        try {
            listed = tool.snapshots();
        } catch (const ToolError& e) {
            // a run that failed over a dead link could not remove its lock (an exclusive one blocks the listing)
            const std::string why = e.what();
            unlocked = "; the listing failed (" + why.substr(0, why.find('\n')) +
                       ") until the tool's documented unlock of the lock a failed run left";
            tool.unlock();
            listed = tool.snapshots();
        }
        for (const auto& s : listed) {
            if (sameSnapshotId(s.id, before_id))
                has_before = true;
            else if (!reported_id.empty() && sameSnapshotId(s.id, reported_id))
                has_reported = true;
            else
                others.push_back(s.id);
        }
        if (!has_before) throw VerdictFailure("the snapshot taken before the fault is gone: " + before_id);
        if (!has_reported) throw VerdictFailure("the snapshot the tool reported is not listed: " + reported_id);
        return "the earlier snapshot is listed" + std::string(reported_id.empty() ? "" : ", and the reported one") +
               (others.empty() ? "" : "; " + std::to_string(others.size()) + " more listed, each judged") + unlocked;
    });
    steps.expect(before);
    steps.restoreAndCompare(before_id, "restore-before", "-before");
    steps.expect(after);
    if (!reported_id.empty()) steps.restoreAndCompare(reported_id, "restore-reported", "-reported");
    for (std::size_t i = 0; i < others.size(); ++i)
        steps.restoreAndCompare(others[i], "restore-listed-" + std::to_string(i), "-listed");
    v.layer("check", [&] { return checkOrRepair(tool); });
    std::string next;
    v.layer("next-backup", [&] {
        next = tool.backup(steps.source(), label);
        return "snapshot " + next;
    });
    if (!next.empty()) steps.restoreAndCompare(next, "restore-next", "-next");
}

}  // namespace e2e
