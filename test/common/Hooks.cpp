#include "Hooks.hpp"

#include "Verdicts.hpp"
#include "process/Process.hpp"

namespace e2e {

HookedBackup backupWithRecipeHooks(Workspace& ws, BackupTool& tool, const Capabilities& caps, const fs::path& source,
                                   const HookSet& h, const std::string& label) {
    HookedBackup out;
    if (caps.native_hooks) {
        out.native = true;
        out.id = tool.backupWithHooks(source, h, label);
        return out;
    }
    auto hook = [&](const std::string& which, const std::string& cmd) {
        if (cmd.empty()) return Result{};
        Command c{.argv = {"sh", "-c", cmd}};
        c.clean_env = true;
        c.log_dir = ws.logs();
        c.log_name = "hook-" + which;
        c.timeout = std::chrono::minutes(60);
        return run(c);
    };
    Result b = hook("before", h.before);
    if (!b.ok()) {
        hook("failed", h.failed);
        hook("finally", h.finally);
        throw ToolError("backup", "before hook failed (" + b.describe() + "), backup aborted: " + b.tail(), b);
    }
    try {
        out.id = tool.backup(source, label);
    } catch (...) {
        hook("failed", h.failed);
        hook("finally", h.finally);
        throw;
    }
    if (Result a = hook("after", h.after); !a.ok()) out.after_failure = a.describe() + ": " + a.tail(3);
    hook("finally", h.finally);
    return out;
}

HookMarkers::HookMarkers(fs::path dir) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
}

std::string HookMarkers::touch(const std::string& hook) const {
    return "touch " + shellQuote((dir_ / hook).string());
}

bool HookMarkers::ran(const std::string& hook) const {
    return fs::exists(dir_ / hook);
}

std::string HookMarkers::expect(const std::string& when,
                                std::initializer_list<std::pair<std::string, bool>> must_run) const {
    std::string text;
    bool ok = true;
    for (const auto& [hook, must] : must_run) {
        const bool r = ran(hook);
        ok = ok && r == must;
        const char* what = r ? must ? " ran" : " ran (it must not)" : must ? " did NOT run" : " did not run";
        text += (text.empty() ? "" : ", ") + hook + what;
    }
    if (!ok) throw VerdictFailure(when + ": " + text);
    return text;
}

}  // namespace e2e
