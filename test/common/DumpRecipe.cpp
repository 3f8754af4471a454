#include "DumpRecipe.hpp"

#include "process/Process.hpp"

namespace e2e {

DumpBackup backupDump(Workspace& ws, BackupTool& tool, const Capabilities& caps, const fs::path& dump,
                      const std::string& name, const std::string& label) {
    DumpBackup out;
    if (caps.dump_guard) {
        out.id = tool.backupCommandOutput(dump, name, label);
        out.how = tool.name() + " ran the dump command itself (its from-command mode)";
        return out;
    }
    // `dump | tool ...`: bash reports both exit codes; 97 marks a failed dump
    Command c = tool.stdinBackupCommand(name, label);
    std::vector<std::string> argv{
        "bash", "-c",
        "\"$0\" | \"$@\"; s=(\"${PIPESTATUS[@]}\"); echo \"backup-e2e pipe status: ${s[*]}\" >&2; "
        "[ \"${s[0]}\" = 0 ] || exit 97; exit \"${s[1]}\"",
        dump.string()};
    argv.insert(argv.end(), c.argv.begin(), c.argv.end());
    c.argv = std::move(argv);
    c.log_name = tool.name() + "-backup-piped";
    Result r = run(c);
    out.by_recipe = true;
    out.how = "the suite's pipe recipe fed the dump into " + tool.name() + "'s stdin (it has no from-command mode)";
    ws.report().note("dump: " + out.how + "; a failed dump is caught by the recipe's pipe status, not by " +
                     tool.name());
    if (r.exit_code == 97 && !r.timed_out && !r.spawn_failed)
        throw ToolError("backup",
                        "the dump command " + dump.string() + " failed (the recipe's pipe status: " + r.tail(1) +
                            "); " + tool.name() + " reads stdin and cannot tell",
                        r);
    out.id = tool.finishBackup(r);
    return out;
}

}  // namespace e2e
