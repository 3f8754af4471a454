#include "tools/BackupTool.hpp"

#include <algorithm>
#include <sstream>

namespace e2e {

const char* const kLibFaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";  // Debian faketime

std::vector<std::string> RepoTarget::secrets() const {
    std::vector<std::string> s;
    for (const auto* v : {&secret_key, &token})
        if (!v->empty()) s.push_back(*v);
    return s;
}

CliTool::CliTool(std::string binary, ToolContext ctx, RepoTarget target)
    : binary_(std::move(binary)), ctx_(std::move(ctx)), target_(std::move(target)) {
    for (const char* d : {"", "/.config", "/.cache", "/.local/share", "/.local/state", "/tmp"})
        fs::create_directories(ctx_.home.string() + d);
}

Command CliTool::command(const std::string& stepName, const std::vector<std::string>& args, const fs::path& cwd) const {
    Command c;
    c.argv = {binary_};
    c.argv.insert(c.argv.end(), args.begin(), args.end());
    c.clean_env = true;  // no RESTIC_*/BORG_*/AWS_* of the user's leaks into a test
    const std::string h = ctx_.home.string();
    c.env = {{"HOME", h},
             {"XDG_CONFIG_HOME", h + "/.config"},
             {"XDG_CACHE_HOME", h + "/.cache"},
             {"XDG_DATA_HOME", h + "/.local/share"},
             {"XDG_STATE_HOME", h + "/.local/state"},
             {"TMPDIR", h + "/tmp"},
             {"LANG", "C.UTF-8"},
             {"LC_ALL", "C.UTF-8"}};
    for (auto& [k, v] : toolEnv()) c.env[k] = v;
    if (!ctx_.tz.empty()) c.env["TZ"] = ctx_.tz;
    if (fake_clock_ && backdate_) {  // libfaketime: the clock starts at the epoch second given and runs on
        c.env["LD_PRELOAD"] = kLibFaketime;
        c.env["FAKETIME_FMT"] = "%s";
        c.env["FAKETIME"] = "@" + std::to_string(*backdate_);
        c.env["FAKETIME_DONT_FAKE_MONOTONIC"] = "1";
        c.env["NO_FAKE_STAT"] = "1";
    }
    c.cwd = cwd;
    c.timeout = (stepName == "backup" || stepName == "restore" || stepName == "extract")
                    ? ctx_.transfer_timeout
                    : ctx_.timeout;  // borg restores by extract
    c.log_dir = ctx_.log_dir;
    c.log_name = name() + "-" + stepName;
    c.exact_rusage = ctx_.exact_rusage;
    c.secrets = target_.secrets();
    if (!ctx_.passphrase.empty()) c.secrets.push_back(ctx_.passphrase);
    // heartbeats of long steps: bytes written to the repository, or restored into the target dir
    Progress p;
    p.what = name() + " " + stepName + (target_.kind.empty() ? "" : " (" + target_.kind + ")");
    if (stepName == "restore" || stepName == "extract") {
        p.unit = "restored";
        if (!cwd.empty())
            p.dir = cwd;  // borg extracts into its cwd; the others name the target dir last
        else
            for (auto it = args.rbegin(); it != args.rend() && p.dir.empty(); ++it)
                if (std::error_code ec; !it->empty() && (*it)[0] == '/' && fs::is_directory(*it, ec)) p.dir = *it;
    } else if (!target_.local_dir.empty()) {
        p.dir = target_.local_dir;
        p.unit = "in the repository";
    }
    c.progress = p;
    return c;
}

void CliTool::checkResult(const std::string& stepName, const Result& r, const std::vector<int>& ok_codes) const {
    bool ok = !r.spawn_failed && !r.timed_out && r.term_signal == 0 &&
              std::find(ok_codes.begin(), ok_codes.end(), r.exit_code) != ok_codes.end();
    if (ok) return;
    std::ostringstream m;
    m << name() << " " << stepName << " failed: " << r.describe();
    if (!r.timed_out && !r.spawn_failed && r.term_signal == 0 && !exitMeaning(r.exit_code).empty())
        m << " (" << exitMeaning(r.exit_code) << ")";
    m << "\n  command: " << r.display;
    std::string t = r.tail(12);
    if (!t.empty()) m << "\n  output (last lines):\n" << t;
    if (!ctx_.log_dir.empty())
        m << "\n  logs: " << r.stderr_path.parent_path().string() << " (" << r.stderr_path.filename().string() << ")";
    throw ToolError(stepName, m.str(), r);
}

Result CliTool::step(const std::string& stepName, std::vector<std::string> args, const fs::path& cwd,
                     std::vector<int> ok_codes) {
    Result r = run(command(stepName, args, cwd));
    history_.push_back(r);
    checkResult(stepName, r, ok_codes);
    return r;
}

std::string CliTool::backup(const fs::path& source, const std::string& label) {
    Invocation inv = backupInvocation(source, label);
    return snapshotIdFrom(step("backup", inv.args, inv.cwd));
}

std::string CliTool::backupAt(const fs::path& source, const std::string& label, std::int64_t utc) {
    const std::string gap = backdatingGap();
    if (!gap.empty()) throw ToolError("backup", name() + " cannot back-date a snapshot here: " + gap);
    backdate_ = utc;
    try {
        std::string id = backup(source, label);
        backdate_.reset();
        return id;
    } catch (...) {
        backdate_.reset();
        throw;
    }
}

std::string BackupTool::backupAt(const fs::path&, const std::string&, std::int64_t) {
    throw ToolError("backup", name() + ": the driver knows no way to back-date a snapshot");
}

void BackupTool::forgetByPolicy(const RetentionRules&, const std::vector<std::string>&) {
    throw ToolError("forget", name() + ": the driver knows no retention policy");
}

void BackupTool::restoreSelection(const std::string&, const PathSelection&, const fs::path&) {
    throw ToolError("restore", name() + ": the driver knows no partial restore");
}

std::vector<ReportedChange> BackupTool::diff(const std::string&, const std::string&) {
    throw ToolError("diff", name() + ": the driver knows no diff of two snapshots");
}

std::unique_ptr<Child> BackupTool::startDaemon(const fs::path&, const std::string&, int, int) {
    throw ToolError("daemon", name() + ": " + daemonGap());
}

Result BackupTool::backupNotifying(const fs::path&, const std::string&, const HookSet&) {
    throw ToolError("hooks", name() + ": " + notifyGap());
}

Result BackupTool::oneShot(const fs::path&, const std::string&, const RetentionRules&) {
    throw ToolError("one-shot", name() + ": " + oneShotGap());
}

void BackupTool::rewriteDaemonConfig(int) {
    throw ToolError("daemon", name() + ": " + daemonGap());
}

MountedSnapshot BackupTool::mount(const std::string&, const fs::path&, int) {
    throw ToolError("mount", name() + ": the driver knows no mount");
}

std::unique_ptr<Child> CliTool::startStep(const std::string& stepName, const std::vector<std::string>& args,
                                          std::chrono::seconds timeout) {
    Command c = command(stepName, args, {});
    c.timeout = timeout;
    c.progress = Progress{};  // never sample a mountpoint's size: that would read the mounted tree
    return std::make_unique<Child>(c);
}

std::map<std::string, std::string> BackupTool::find(const std::string&) {
    throw ToolError("find", name() + ": the driver knows no find");
}

std::string kindName(ReportedChange::Kind k) {
    switch (k) {
        case ReportedChange::Kind::Added:
            return "added";
        case ReportedChange::Kind::Removed:
            return "removed";
        case ReportedChange::Kind::Modified:
            return "modified";
        case ReportedChange::Kind::Metadata:
            return "metadata";
    }
    return "?";
}

std::vector<ReportedChange> mergeChanges(const std::vector<ReportedChange>& lines) {
    using K = ReportedChange::Kind;
    std::map<std::string, ReportedChange> by_path;
    for (const auto& c : lines) {
        auto [it, fresh] = by_path.emplace(c.path, c);
        if (fresh) continue;
        ReportedChange& m = it->second;
        m.said += " | " + c.said;
        if (m.kind == c.kind || c.kind == K::Metadata) continue;
        if (m.kind == K::Metadata)
            m.kind = c.kind;
        else
            m.kind = K::Modified;  // added and removed (a type change), or either with modified
    }
    std::vector<ReportedChange> out;
    for (auto& [path, c] : by_path) out.push_back(std::move(c));
    return out;
}

std::string BackupTool::retentionGap(const RetentionRules&) const {
    return "";
}

std::vector<std::string> keepFlags(const RetentionRules& r) {
    std::vector<std::string> a;
    for (const auto& [flag, n] : {std::pair<const char*, int>{"--keep-last", r.last},
                                  {"--keep-hourly", r.hourly},
                                  {"--keep-daily", r.daily},
                                  {"--keep-weekly", r.weekly},
                                  {"--keep-monthly", r.monthly},
                                  {"--keep-yearly", r.yearly}})
        if (n > 0) a.insert(a.end(), {flag, std::to_string(n)});
    if (r.within_days > 0) a.insert(a.end(), {"--keep-within", std::to_string(r.within_days) + "d"});
    return a;
}

std::string RetentionRules::describe() const {
    std::string s;
    auto add = [&](const char* k, int n) {
        if (n > 0) s += (s.empty() ? "" : ", ") + std::string(k) + " " + std::to_string(n);
    };
    add("keep-last", last);
    add("keep-hourly", hourly);
    add("keep-daily", daily);
    add("keep-weekly", weekly);
    add("keep-monthly", monthly);
    add("keep-yearly", yearly);
    if (within_days > 0) s += (s.empty() ? "" : ", ") + std::string("keep-within ") + std::to_string(within_days) + "d";
    return s.empty() ? "no rule" : s;
}

std::unique_ptr<Child> CliTool::startBackup(const fs::path& source, const std::string& label) {
    Invocation inv = backupInvocation(source, label);
    return std::make_unique<Child>(command("backup", inv.args, inv.cwd));
}

std::string CliTool::finishBackup(const Result& r) {
    history_.push_back(r);
    checkResult("backup", r, {0});
    return snapshotIdFrom(r);
}

std::string BackupTool::backupWithHooks(const fs::path&, const HookSet&, const std::string&) {
    throw ToolError("backup",
                    name() + " runs no hooks of its own: the hooks variant wraps it in the suite's recipe instead");
}

std::string CliTool::backupCommandOutput(const fs::path& dump, const std::string& name, const std::string& label) {
    if (!capabilities().dump_guard)
        throw ToolError(
            "backup",
            this->name() + " has no from-command mode: only a recipe can feed it a dump (stdinBackupCommand)");
    return snapshotIdFrom(step("backup", dumpArgs(dump, name, label)));
}

Command CliTool::stdinBackupCommand(const std::string& name, const std::string& label) {
    Command c = command("backup", dumpArgs({}, name, label), {});
    c.log_name = this->name() + "-backup-stdin";
    return c;
}

std::string CliTool::version() {
    if (!version_) {
        Result r = step("version", versionArgs());
        std::string v = r.out.empty() ? r.err : r.out;
        v = v.substr(0, v.find('\n'));
        version_ = v;
    }
    return *version_;
}

std::string RepairOutcome::said() const {
    std::string all;
    for (const auto& r : steps) all += "$ " + r.display + "\n" + r.out + (r.err.empty() ? "" : "\n" + r.err) + "\n";
    return all;
}

std::string sshAliveOptions(std::chrono::seconds bound) {
    if (bound.count() <= 0) return "";
    const auto interval = std::max<long long>(1, bound.count() / 3);
    return " -o ServerAliveInterval=" + std::to_string(interval) + " -o ServerAliveCountMax=3";
}

}  // namespace e2e
