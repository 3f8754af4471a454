#pragma once
// A database dump into a backup: the tool's own from-command mode where it has
// one (its result stands), else the suite's pipe recipe (`dump | tool`, the
// pipe status read by bash): then the recipe, not the tool, judges the dump.
#include "Workspace.hpp"
#include "tools/BackupTool.hpp"

#include <string>

namespace e2e {

struct DumpBackup {
    std::string id;
    bool by_recipe = false;  // the suite fed the tool through a pipe
    std::string how;         // for the report
};

// Throws ToolError when the dump or the tool fails.
DumpBackup backupDump(Workspace& ws, BackupTool& tool, const Capabilities& caps, const fs::path& dump,
                      const std::string& name, const std::string& label);

}  // namespace e2e
