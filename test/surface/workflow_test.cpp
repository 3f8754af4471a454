// surface/workflow: the tool's one-shot routine (BackupTool::oneShot: bare `vykar`, "Run full backup process: backup,
// prune, compact, check", the way cron runs it), each step's effect verified, not its word. Three backups first, each
// holding a file of its own (the file before it removed), so that pruning two of them frees data. The promise:
//   OneShot: "one-shot" exits 0; "backed-up": a snapshot that was not there before, which restores as the source is;
//     "pruned": exactly the two newest snapshots are left (keep-last 2); "compacted": the repository takes at least
//     256 KiB less room than before (the pruned snapshots held 1 MiB of their own); then the data-verifying "check"
//     passes;
//   FailingBackupSkipsTheRest: with its source gone the routine "failed" (a non-zero exit), and "nothing-else" ran:
//     the same snapshots listed (a prune would have removed one) and every repository file as it was (a compact
//     would have rewritten some).
// The peers have no such routine: NOT-APPLICABLE.
#include "SurfaceTest.hpp"
#include "tree/Corpus.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

using namespace e2e;

namespace {

class Workflow : public SurfaceTest {
protected:
    // path -> size of every repository file (the local repository's directory)
    std::map<std::string, std::uintmax_t> repoFiles() {
        std::map<std::string, std::uintmax_t> m;
        const fs::path dir = t_.backend->target().local_dir;
        for (const auto& e : fs::recursive_directory_iterator(dir))
            if (e.is_regular_file()) m[fs::relative(e.path(), dir).string()] = e.file_size();
        return m;
    }

    static std::uintmax_t total(const std::map<std::string, std::uintmax_t>& m) {
        std::uintmax_t n = 0;
        for (const auto& [p, s] : m) n += s;
        return n;
    }

    // Three backups, each with a 512 KiB file of its own; the ids, oldest first.
    std::vector<std::string> history(ScenarioSteps& steps, Verdicts& v) {
        std::vector<std::string> made;
        v.layer("backups", [&] {
            for (int k = 1; k <= 3; ++k) {
                if (k > 1) fs::remove(steps.source() / ("own-" + std::to_string(k - 1) + ".bin"));
                steps.addRandomFile("own-" + std::to_string(k) + ".bin", 512 << 10);
                made.push_back(t_.tool->backup(steps.source(), steps.label()));
            }
            return "3 snapshots, each with a file of its own";
        });
        return made;
    }

    bool begin(ScenarioSteps& steps, Verdicts& v) {
        steps.version();
        steps.corpus(CorpusProfile{10, 256ull << 10, 0, 2, 1}, false);
        steps.init(true);
        return v.ok();
    }

    void oneShot() {
        if (!ready()) return;
        if (const std::string gap = t_.tool->oneShotGap(); !gap.empty()) return endAs(Status::NotApplicable, gap);
        Verdicts v(ws());
        ScenarioSteps steps(ws(), *t_.tool, v);
        if (!begin(steps, v)) return fault_.judge(v, "workflow");
        const std::vector<std::string> made = history(steps, v);
        if (!v.ok()) return fault_.judge(v, "workflow");
        const auto before = repoFiles();
        RetentionRules keep;
        keep.last = 2;
        v.layer("one-shot", [&] {
            const Result r = t_.tool->oneShot(steps.source(), steps.label(), keep);
            if (!r.ok()) throw VerdictFailure("the one-shot routine failed: " + r.describe() + "\n" + r.tail(8));
            return "exit 0: " + r.tail(6);
        });
        const auto after = snapshotIds();
        const std::string fresh = newSnapshot(made);
        v.layer("backed-up", [&] {
            if (fresh.empty())
                throw VerdictFailure("no new snapshot among the " + std::to_string(after.size()) + " listed");
            return "snapshot " + fresh + " made";
        });
        if (!fresh.empty()) steps.restoreAndCompare(fresh, "restore-one-shot", "-one-shot");
        v.layer("pruned", [&] {
            const bool kept_third = std::any_of(after.begin(), after.end(),
                                                [&](const std::string& id) { return sameSnapshotId(id, made[2]); });
            if (after.size() != 2 || !kept_third || fresh.empty())
                throw VerdictFailure("keep-last 2 left " + std::to_string(after.size()) +
                                     " snapshots; the two newest should be left (" + made[2] + " and the new one)");
            return std::string("the two newest left, the two older pruned");
        });
        v.layer("compacted", [&] {
            // the two pruned snapshots held 1 MiB of their own (random: no compression); a prune alone frees a few
            // hundred bytes of snapshot objects
            const auto now = repoFiles();
            if (total(now) + (256 << 10) > total(before))
                throw VerdictFailure("the repository takes " + std::to_string(total(now)) + " bytes, " +
                                     std::to_string(total(before)) +
                                     " before: under 256 KiB of the pruned snapshots' own 1 MiB reclaimed");
            return std::to_string(total(before) - total(now)) + " bytes reclaimed";
        });
        steps.check(true);
        fault_.judge(v, "workflow");
    }

    void failingBackup() {
        if (!ready()) return;
        if (const std::string gap = t_.tool->oneShotGap(); !gap.empty()) return endAs(Status::NotApplicable, gap);
        Verdicts v(ws());
        ScenarioSteps steps(ws(), *t_.tool, v);
        if (!begin(steps, v)) return fault_.judge(v, "workflow");
        history(steps, v);
        if (!v.ok()) return fault_.judge(v, "workflow");
        const auto listed = snapshotIds();
        const auto files = repoFiles();
        const fs::path gone = steps.source().string() + ".gone";
        fs::rename(steps.source(), gone);
        RetentionRules keep;
        keep.last = 2;
        Result r;
        v.layer("failed", [&] {
            r = t_.tool->oneShot(steps.source(), steps.label(), keep);
            if (r.ok()) throw VerdictFailure("exit 0 with its source gone: " + r.tail(6));
            return "it says so: " + r.describe() + ": " + r.tail(6);
        });
        fs::rename(gone, steps.source());
        v.layer("nothing-else", [&] {
            if (snapshotIds() != listed)
                throw VerdictFailure(
                    "the snapshots changed after a failed backup (prune ran): " + std::to_string(listed.size()) +
                    " before, " + std::to_string(snapshotIds().size()) + " after");
            if (repoFiles() != files)
                throw VerdictFailure("repository files changed after a failed backup (compact ran)");
            return "the same " + std::to_string(listed.size()) + " snapshots and " + std::to_string(files.size()) +
                   " repository files as before";
        });
        fault_.judge(v, "workflow");
    }
};

TEST_P(Workflow, OneShot) {
    oneShot();
}
TEST_P(Workflow, FailingBackupSkipsTheRest) {
    failingBackup();
}

INSTANTIATE_TEST_SUITE_P(WorkflowLocal, Workflow, ::testing::ValuesIn(defaultTools()),
                         [](const auto& p) { return p.param; });

// Self-tests (vykar, the one tool with such a routine), each caught by its own layer: the routine replaced by some of
// its steps run one by one ($2: the config), or its exit status changed.
const char* kOnlyBacksUp = R"SH(
if [ $# -eq 2 ] && [ "$1" = --config ]; then exec "$real" "$@" backup; fi
exec "$real" "$@"
)SH";

const char* kSkipsTheBackup = R"SH(
if [ $# -eq 2 ] && [ "$1" = --config ]; then "$real" "$@" prune && "$real" "$@" compact && exec "$real" "$@" check; fi
exec "$real" "$@"
)SH";

const char* kSkipsCompact = R"SH(
if [ $# -eq 2 ] && [ "$1" = --config ]; then "$real" "$@" backup && "$real" "$@" prune && exec "$real" "$@" check; fi
exec "$real" "$@"
)SH";

const char* kSaysItFailed = R"SH(
if [ $# -eq 2 ] && [ "$1" = --config ]; then "$real" "$@"; exit 1; fi
exec "$real" "$@"
)SH";

const char* kHidesTheFailure = R"SH(
if [ $# -eq 2 ] && [ "$1" = --config ]; then "$real" "$@"; exit 0; fi
exec "$real" "$@"
)SH";

const char* kPrunesAnyway = R"SH(
if [ $# -eq 2 ] && [ "$1" = --config ]; then "$real" "$@"; "$real" "$@" prune; "$real" "$@" compact; exit 1; fi
exec "$real" "$@"
)SH";

class WorkflowSelftest : public Workflow {};

TEST_P(WorkflowSelftest, OnlyBacksUp) {
    fault_.expect("only-backs-up", kOnlyBacksUp, "pruned");
    oneShot();
}
TEST_P(WorkflowSelftest, SkipsTheBackup) {
    fault_.expect("skips-the-backup", kSkipsTheBackup, "backed-up");
    oneShot();
}
TEST_P(WorkflowSelftest, SkipsCompact) {
    fault_.expect("skips-compact", kSkipsCompact, "compacted");
    oneShot();
}
TEST_P(WorkflowSelftest, SaysItFailed) {
    fault_.expect("says-it-failed", kSaysItFailed, "one-shot");
    oneShot();
}
TEST_P(WorkflowSelftest, HidesTheFailure) {
    fault_.expect("hides-the-failure", kHidesTheFailure, "failed");
    failingBackup();
}
TEST_P(WorkflowSelftest, PrunesAnyway) {
    fault_.expect("prunes-anyway", kPrunesAnyway, "nothing-else");
    failingBackup();
}

// The self-tests run with the one tool that has a one-shot routine
INSTANTIATE_TEST_SUITE_P(WorkflowFaults, WorkflowSelftest, ::testing::Values("vykar"),
                         [](const auto& p) { return p.param; });

}  // namespace
