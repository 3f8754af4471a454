#pragma once
// What every case of the faults area promises, whatever the fault (docs/faults.md):
//   during it: the command succeeds with correct data, or fails with an error
//     that names the cause, within the suite's deadline (a fault that loses
//     nothing must not make it fail at all; still running at the deadline is a hang);
//   after it: the snapshot taken before the fault restores exactly, every
//     snapshot listed restores exactly (one the tool reported during the fault
//     included), the tool's data-verifying check passes (or its documented
//     repair brings the repository back, and the report says so), and the
//     next backup works and restores.
#include "RoundTrip.hpp"
#include "Verdicts.hpp"
#include "tools/BackupTool.hpp"

#include <chrono>
#include <functional>
#include <string>

namespace e2e {

// Every case's start: the tool's version, a corpus small enough that a row takes seconds (about 8 MiB, no
// awkward names: the backends area judges those) and an encrypted repository.
void seedFaultCase(ScenarioSteps& steps);

// The snapshot a case starts from, taken before the fault (layer `backup-before`; `state` says what the fault will
// meet, for its detail). Its id, or "" when the layer failed.
std::string backupBeforeTheFault(BackupTool& tool, Verdicts& v, ScenarioSteps& steps, const std::string& label,
                                 const std::function<std::string()>& state);

// How the faulted command ended.
struct FaultedRun {
    Result result;
    bool hung = false;   // still running at the suite's deadline (killed)
    double seconds = 0;  // from its start to its end
};

// A backup with the suite's own deadline, so that a hang is seen as one (a driver
// may ask the repository something before it starts the backup: under the fault too).
FaultedRun backupWithDeadline(BackupTool& tool, const fs::path& source, const std::string& label,
                              std::chrono::seconds deadline);

// What the command under the fault must do, and how a tool names the cause.
struct FaultJudgement {
    std::string command;                                // backup | restore
    std::string fault;                                  // what was done, for the detail
    bool loss_free = false;                             // no byte lost: the command must succeed
    std::chrono::seconds deadline{240};                 // the suite's bound on it
    std::string deadline_why = "the suite's deadline";  // or the tool's documented retry limit
    std::string names_the_cause;                        // a regex (case-insensitive) over the tool's words
    std::string cause_kind;  // for the message: "timeout, reset, refused or closed connection"
};

// The tool's output without its warnings (a warning about plain HTTP is not the cause of a failure) and its JSON
// progress lines (a byte count is no status code), and with every path and URL replaced by <path> (a test's name in
// a path, such as NetworkRest, names no cause).
std::string withoutWarnings(const std::string& said);

// The during-fault layer's detail, or VerdictFailure: a hang, a loss-free fault that failed the command, a
// failure that names no cause. Sets the report's noticed_after_s on a failure that names it.
std::string judgeFaultedRun(Workspace& ws, const FaultJudgement& j, const FaultedRun& run, double fault_at_s);

// The check layer after a fault: the tool's data-verifying check passes, or after its documented unlock (a lock a
// failed run left), or after that and its documented repair (the detail says which); throws when none brings it back.
std::string checkOrRepair(BackupTool& tool);

// After the fault cleared: the earlier snapshot and the reported one are listed (after the documented unlock where a
// failed run's lock blocks the listing); every listed snapshot restores
// (`before` for the earlier one, `after` for the rest: a snapshot listed although the command failed claims to
// hold the tree it was taken of); the data-verifying check; the next backup and its restore.
void judgeAfterTheFault(BackupTool& tool, Verdicts& v, ScenarioSteps& steps, const Manifest& before,
                        const std::string& before_id, const Manifest& after, const std::string& reported_id,
                        const std::string& label);

}  // namespace e2e
