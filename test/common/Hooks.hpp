#pragma once
// A recipe's source hooks (before/after/failed/finally shell commands) around
// a backup: run by the tool itself where it has hooks (vykar), else by the
// suite with the same semantics: a failing before aborts (failed, finally
// run), after runs on success only and its failure is logged, not fatal.
#include "Workspace.hpp"
#include "tools/BackupTool.hpp"

#include <functional>
#include <string>

namespace e2e {

struct HookedBackup {
    std::string id;
    bool native = false;           // the tool ran the hooks
    std::string after_failure;     // the after hook failed (suite runner only: the tool's log says it otherwise)
};

// Back up `source` with `hooks`; throws ToolError when the before hook or the backup fails.
HookedBackup backupWithRecipeHooks(Workspace& ws, BackupTool& tool, const Capabilities& caps, const fs::path& source, const HookSet& hooks,
                                   const std::string& label);

}  // namespace e2e
