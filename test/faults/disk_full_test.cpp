// faults/disk-full: the kernel's own ENOSPC, from a small filesystem the suite
// makes on a loop image (fixtures/storage/SmallFilesystem.hpp), where the
// repository lives (local), where the server keeps its data (REST, S3, SFTP),
// or where a restore writes. A filler file takes the space and gives it back.
// The promise (FaultPromise.hpp): the backup that fills the disk fails and says
// so (or succeeds with data that restores) within the deadline; once the space
// is back, nothing older is lost, no listed snapshot fails to restore, the
// check passes and the next backup works. A restore into a full target fails
// and says so: never exit 0 with a partial tree.
#include "FaultPromise.hpp"
#include "FaultyTool.hpp"
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "ToolRows.hpp"
#include "config/Backends.hpp"
#include "storage/SmallFilesystem.hpp"
#include "text/Text.hpp"

#include <gtest/gtest.h>

using namespace e2e;
using namespace std::chrono_literals;

namespace {

struct Case {
    std::string fs;       // ext4 | xfs
    std::string backend;  // where the small filesystem holds the repository's data
    std::string tool;
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.fs << "/" << c.backend << "/" << c.tool;
}

constexpr std::uint64_t kChangeBytes = 24ull << 20;  // new, incompressible data for the backup that fills the disk
constexpr std::uint64_t kLeftFree = 8ull << 20;      // what the filler leaves free for it
constexpr std::uint64_t kTargetFree = 3ull << 20;    // what a full restore target leaves (the tree is about 8 MiB)

// How a tool says the disk is full.
const char* kNamesNoSpace =
    "no space|space left|ENOSPC|disk full|disk is full|insufficient (free )?(space|storage)|not enough (free )?space|"
    "quota|os error 28|errno 28|out of space|storage full";
// What a server the tool talks to says about its full disk, which is all the tool can pass on: rest-server and
// versitygw answer 507 Insufficient Storage; OpenSSH's sftp-server has no word for it in SFTP v3 but
// SSH_FX_FAILURE ("Failure").
std::string serverWords(const std::string& backend) {
    if (backend == "rest" || backend == "s3") return "|507|insufficientstorage";
    if (backend == "sftp") return "|ssh_fx_failure|sftp[^\\n]*failure";
    return "";
}

// Room for the repository and a server's own margins (vykar-server keeps 50 MiB free) until the filler comes.
std::uint64_t imageBytes(const std::string& type) {
    return std::max<std::uint64_t>(SmallFilesystem::minimumBytes(type), 160ull << 20);
}

class FullDisk : public ScenarioTestP<Case> {
protected:
    FullDisk() : ScenarioTestP("faults") {}

    void TearDown() override {
        release();
        ScenarioTestP::TearDown();
    }

    // The small filesystems go before the report is closed; a failed row keeps a copy of what the tool left there.
    void release() {
        if (small_ && ws().report().firstFailedLayer()) {
            std::error_code ec;
            fs::copy(small_->dir(), ws().work() / "small-filesystem-kept", fs::copy_options::recursive, ec);
        }
        t_.backend.reset();  // its server stops before its data is unmounted
        small_.reset();
    }

    // The prelude, the tool's data (or nothing, for a restore target) on a small filesystem. False: the test ends.
    bool prepareCase(bool data_on_small) {
        const Case& c = GetParam();
        PreludeOptions po;
        po.backend = c.backend;
        if (data_on_small)
            po.backend_options.prepare_data = [&](const fs::path& dir) {
                small_ = std::make_unique<SmallFilesystem>(ws(), c.fs, imageBytes(c.fs), dir);
            };
        if (!fault_.empty()) {
            ws().report().expectFault(c.tool + " " + fault_, caught_by_);
            po.wrap = [&](const fs::path& real) {
                return writeFaultyWrapper(ws().work(), c.tool, real, fault_, fault_script_);
            };
        }
        if (!prepare(t_, c.tool, po)) return false;
        if (small_) ws().report().set("small_filesystem", small_->describe());
        return true;
    }

    // The deadline is the suite's, or beyond the tool's documented retry limit where a server's error is retried.
    // On a local disk nothing is retried and the command meets the full disk within seconds (every tool takes
    // under 10 s here): 60 s is the suite's bound there, so that a hang costs a minute, not four.
    FaultJudgement judgement(const std::string& command, const std::string& fault) const {
        const std::string& backend = GetParam().backend;
        const std::chrono::seconds deadline = backend == "local" ? 60s : 240s;
        FaultJudgement j{command, fault, false, deadline, "the suite's deadline", kNamesNoSpace, "no-space words"};
        if (command == "backup" && backend != "local") {
            j.names_the_cause += serverWords(backend);
            j.cause_kind = "no-space words, or the server's own words for a full disk";
            const auto limit = t_.caps.backend_retry_limit + 60s;
            if (limit > j.deadline) {
                j.deadline = std::chrono::duration_cast<std::chrono::seconds>(limit);
                j.deadline_why = "the tool's documented retry limit and a minute (" + t_.caps.backend_retry_note + ")";
            }
        }
        return j;
    }

    // The backup that meets the full disk; the filler leaves kLeftFree for kChangeBytes of new data.
    std::string backupIntoTheFullDisk(ScenarioSteps& steps, const std::string& label, std::string& reported_id) {
        const std::uint64_t filler = small_->fillLeaving(kLeftFree);
        nlohmann::json facts{
            {"filler_bytes", filler}, {"free_before", small_->freeBytes()}, {"change_bytes", kChangeBytes}};
        const FaultJudgement j =
            judgement("backup", humanBytes(kLeftFree) + " free for " + humanBytes(kChangeBytes) + " of new data");
        const FaultedRun run = backupWithDeadline(*t_.tool, steps.source(), label, j.deadline);
        facts["free_after"] = small_->freeBytes();
        facts["exit"] = run.result.exit_code;
        facts["seconds"] = run.seconds;
        facts["deadline_s"] = j.deadline.count();
        if (!run.hung && run.result.ok()) reported_id = t_.tool->finishBackup(run.result);
        facts["reported_snapshot"] = reported_id;
        ws().report().set("disk_full", facts);
        return judgeFaultedRun(ws(), j, run, 0);
    }

    void backupFillsTheDisk() {
        if (!prepareCase(true)) return;
        Verdicts v(ws());
        ScenarioSteps steps(ws(), *t_.tool, v);
        seedFaultCase(steps);
        const std::string label = steps.label();
        std::string reported_id;
        const std::string before_id = backupBeforeTheFault(*t_.tool, v, steps, label, [&] {
            return "with room to spare: " + humanBytes(small_->freeBytes()) + " free";
        });
        if (!v.ok()) return promiseBroken(v, "a full disk");
        const Manifest before = steps.expected();
        steps.addRandomFile("changed-before-the-disk-filled.bin", kChangeBytes);
        const Manifest after = steps.expected();
        v.layer("during-fault", [&] { return backupIntoTheFullDisk(steps, label, reported_id); });
        small_->removeFiller();  // the space is back: the fault has cleared
        judgeAfterTheFault(*t_.tool, v, steps, before, before_id, after, reported_id, label);
        promiseBroken(v, "a full disk");
    }

    // The restore into a target with kTargetFree left fails and says so, or is whole; with room, it is whole.
    void restoreFillsTheTarget() {
        if (!prepareCase(false)) return;
        Verdicts v(ws());
        ScenarioSteps steps(ws(), *t_.tool, v);
        seedFaultCase(steps);
        std::string id;
        v.layer("backup", [&] { return "snapshot " + (id = t_.tool->backup(steps.source(), steps.label())); });
        if (!v.ok()) return promiseBroken(v, "a restore into a full target");
        bool restored = false;
        fs::path target;  // a directory on the small filesystem (its mount point cannot be removed after a compare)
        v.layer("during-fault", [&] {
            small_ = std::make_unique<SmallFilesystem>(ws(), GetParam().fs, imageBytes(GetParam().fs),
                                                       ws().work() / "restore-target");
            ws().report().set("small_filesystem", small_->describe());
            target = small_->dir() / "restored";
            small_->fillLeaving(kTargetFree);
            FaultedRun run;
            const auto t0 = std::chrono::steady_clock::now();
            try {
                t_.tool->restore(id, target);
                run.result = t_.tool->history().back();
                restored = true;
            } catch (const ToolError& e) {
                run.result = e.result();
                run.hung = e.timedOut();
            }
            run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            ws().report().set("disk_full",
                              {{"target_free", kTargetFree}, {"exit", run.result.exit_code}, {"seconds", run.seconds}});
            return judgeFaultedRun(ws(), judgement("restore", humanBytes(kTargetFree) + " free in the target"), run, 0);
        });
        if (restored) steps.compareRestored(target, "-during");  // exit 0 must mean the whole tree
        if (!small_) return promiseBroken(v, "a restore into a full target");
        small_->removeFiller();
        fs::remove_all(target);
        if (v.layer("restore-after", [&] {
                t_.tool->restore(id, target);
                return "with the space back, into the same filesystem";
            }))
            steps.compareRestored(target, "-after");
        v.layer("check", [&] { return checkOrRepair(*t_.tool); });
        promiseBroken(v, "a restore into a full target");
    }

    // A real row that broke its promise fails naming the layer (a self-test's fault is judged by its report).
    void promiseBroken(const Verdicts& v, const std::string& after) {
        if (!v.ok() && fault_.empty())
            ADD_FAILURE() << "the promise after " << after << " failed at layer '" << v.failedLayer() << "'";
    }

    ToolOnBackend t_;
    std::unique_ptr<SmallFilesystem> small_;
    std::string fault_, fault_script_, caught_by_;  // self-tests
};

TEST_P(FullDisk, BackupFillsIt) {
    ws().report().set("fault_case", "the backup of " + humanBytes(kChangeBytes) + " of new data meets " +
                                        humanBytes(kLeftFree) + " of free space where the repository's data lives");
    backupFillsTheDisk();
}

class FullRestoreTarget : public FullDisk {};

TEST_P(FullRestoreTarget, RestoreFillsIt) {
    ws().report().set("fault_case", "a restore of about 8 MiB into a target with " + humanBytes(kTargetFree) + " free");
    restoreFillsTheTarget();
}

// Self-tests (restic, local, ext4), each caught by exactly one layer.
// The restore that ran out of space says it worked.
const char* kHidesAFailedRestore = R"SH(
case " $* " in *" restore "*) "$real" "$@"; exit 0 ;; esac
exec "$real" "$@"
)SH";

// The backup that ran out of space fails without a word about why (the ones before and after it are left alone).
const char* kFailsWithoutACause = R"SH(
case " $* " in *" backup "*)
  if [ -f "$HOME/.e2e-backed-up-once" ] && [ ! -f "$HOME/.e2e-silenced-once" ]; then
    touch "$HOME/.e2e-silenced-once"; "$real" "$@" >/dev/null 2>&1; rc=$?; echo "it did not work" >&2; exit $rc
  fi
  touch "$HOME/.e2e-backed-up-once" ;;
esac
exec "$real" "$@"
)SH";

class FullDiskSelftest : public FullDisk {};

TEST_P(FullDiskSelftest, HidesAFailedRestore) {
    fault_ = "hides-failed-restore";
    fault_script_ = kHidesAFailedRestore;
    caught_by_ = "compare-during";
    restoreFillsTheTarget();
}

TEST_P(FullDiskSelftest, FailsWithoutACause) {
    fault_ = "fails-without-cause";
    fault_script_ = kFailsWithoutACause;
    caught_by_ = "during-fault";
    backupFillsTheDisk();
}

// The self-tests above run with restic on a local repository on ext4
INSTANTIATE_TEST_SUITE_P(DiskFullFaults, FullDiskSelftest, ::testing::Values(Case{"ext4", "local", "restic"}),
                         [](const ::testing::TestParamInfo<Case>& p) { return p.param.tool; });

std::vector<Case> cases(const std::string& fs, const std::string& backend) {
    std::vector<Case> v;
    for (const auto& row : defaultToolRows()) v.push_back({fs, backend, row.tool});
    return v;
}

std::string caseName(const ::testing::TestParamInfo<Case>& p) {
    return p.param.tool;
}

// The repository on a small ext4 or xfs, and the restore target too.
INSTANTIATE_TEST_SUITE_P(DiskFullExt4, FullDisk, ::testing::ValuesIn(cases("ext4", "local")), caseName);
INSTANTIATE_TEST_SUITE_P(DiskFullXfs, FullDisk, ::testing::ValuesIn(cases("xfs", "local")), caseName);
INSTANTIATE_TEST_SUITE_P(RestoreFullExt4, FullRestoreTarget, ::testing::ValuesIn(cases("ext4", "local")), caseName);
INSTANTIATE_TEST_SUITE_P(RestoreFullXfs, FullRestoreTarget, ::testing::ValuesIn(cases("xfs", "local")), caseName);

// The server's data on a small ext4, one instantiation per remote kind of the registry (DiskFullRest/, ...)
#define E2E_IF_true(...) __VA_ARGS__
#define E2E_IF_false(...)
#define E2E_INSTANTIATE(kind, Prefix, remote, ...) \
    E2E_IF_##remote(                               \
        INSTANTIATE_TEST_SUITE_P(DiskFull##Prefix, FullDisk, ::testing::ValuesIn(cases("ext4", #kind)), caseName);)
E2E_BACKENDS(E2E_INSTANTIATE)
#undef E2E_INSTANTIATE

}  // namespace
