#pragma once
// A recipe's source hooks (before/after/failed/finally shell commands) around
// a backup: run by the tool itself where it has hooks (vykar), else by the
// suite with the same semantics: a failing before aborts (failed, finally
// run), after runs on success only and its failure is logged, not fatal.
#include "Workspace.hpp"
#include "tools/BackupTool.hpp"

#include <functional>
#include <initializer_list>
#include <string>
#include <utility>

namespace e2e {

struct HookedBackup {
    std::string id;
    bool native = false;        // the tool ran the hooks
    std::string after_failure;  // the after hook failed (suite runner only: the tool's log says it otherwise)
};

// Back up `source` with `hooks`; throws ToolError when the before hook or the backup fails.
HookedBackup backupWithRecipeHooks(Workspace& ws, BackupTool& tool, const Capabilities& caps, const fs::path& source,
                                   const HookSet& hooks, const std::string& label);

// Marker files that hooks touch, so a verdict can tell which hooks ran.
class HookMarkers {
public:
    explicit HookMarkers(fs::path dir);                // created when missing
    std::string touch(const std::string& hook) const;  // the shell command that marks `hook` as run
    bool ran(const std::string& hook) const;
    // The verdict: each hook with whether it must have run; returns "failed ran, after did not run"
    // style text, or throws VerdictFailure starting with `when` when any hook did otherwise.
    std::string expect(const std::string& when, std::initializer_list<std::pair<std::string, bool>> must_run) const;

private:
    fs::path dir_;
};

}  // namespace e2e
