// rustic (crates.io rustic-rs): restic-format repositories, its own CLI.
#include "tools/Drivers.hpp"
#include "tools/Registry.hpp"
#include "text/Text.hpp"
#include "text/WallClock.hpp"

#include <nlohmann/json.hpp>
#include <fstream>
#include <functional>
#include <sstream>
#include <tuple>

namespace e2e {

class RusticTool : public CliTool {
public:
    RusticTool(std::string binary, ToolContext ctx, RepoTarget target);
    std::string name() const override { return "rustic"; }
    Capabilities capabilities() const override;
    void init(const RepoOptions& opt) override;
    std::vector<Snapshot> snapshots() override;
    std::vector<std::string> files(const std::string& id) override;
    void restore(const std::string& id, const fs::path& dest) override;
    void restoreSelection(const std::string& id, const PathSelection& sel, const fs::path& dest) override;
    std::vector<ReportedChange> diff(const std::string& from, const std::string& to) override;
    MountedSnapshot mount(const std::string& id, const fs::path& mountpoint, int port) override;
    std::map<std::string, std::string> find(const std::string& path) override;
    void check(bool verify_data) override;
    void forget(const std::string& id) override;
    void forgetByPolicy(const RetentionRules& rules, const std::vector<std::string>& labels) override;
    void reclaim() override;
    void unlock() override;
    RepoLayout layout() const override;
    RepairOutcome repair() override;
    std::vector<std::string> forgeDataPack() override {
        return forgeResticDataPack(target_.path, [this] { step("forge-reindex", args({"repair", "index"})); });
    }
    StallBound stallBound() const override;
    // [backup.hooks] in its profile: rustic runs them with vykar's semantics
    std::string backupWithHooks(const fs::path& source, const HookSet& hooks, const std::string& label) override;
    // its documented variables: none (the RUSTIC_* it sets are in its code, not its docs)
    Result backupNotifying(const fs::path& source, const std::string& label, const HookSet& hooks) override;
    std::string notifyGap() const override { return ""; }

protected:
    std::map<std::string, std::string> toolEnv() const override;
    Invocation backupInvocation(const fs::path& source, const std::string& label) override;
    std::string snapshotIdFrom(const Result& r) override;
    std::vector<std::string> dumpArgs(const fs::path& command, const std::string& name,
                                      const std::string& label) override;

private:
    std::string repoUrl() const;
    std::vector<std::string> args(std::initializer_list<std::string> rest) const;
    // The default profile in the test's home: the S3 options (if any) plus `extra`.
    void writeProfile(const std::string& extra);
};

using json = nlohmann::json;

RusticTool::RusticTool(std::string binary, ToolContext ctx, RepoTarget target)
    : CliTool(std::move(binary), std::move(ctx), std::move(target)) {
    writeProfile("");
}

void RusticTool::writeProfile(const std::string& extra) {
    const fs::path dir = ctx_.home / ".config" / "rustic", file = dir / "rustic.toml";
    std::ostringstream toml;
    if (target_.kind == "s3") {
        // opendal's S3 options come only from a profile: the default one in the test's home
        const RepoTarget& t = target_;
        toml << "[repository]\nrepository = \"opendal:s3\"\n\n[repository.options]\n"
             << "endpoint = " << doubleQuoted(t.scheme + "://" + t.host + ":" + std::to_string(t.port)) << "\n"
             << "bucket = " << doubleQuoted(t.bucket) << "\nroot = " << doubleQuoted("/" + t.prefix)
             << "\nregion = " << doubleQuoted(t.region) << "\n"
             << "access_key_id = " << doubleQuoted(t.access_key)
             << "\nsecret_access_key = " << doubleQuoted(t.secret_key) << "\n";
    } else if ((target_.kind == "rest" || target_.kind == "sftp") && ctx_.request_timeout.count() > 0) {
        // its REST client's documented `timeout` (also to the rclone it serves SFTP through); `retry` stays at 5
        toml << "[repository.options]\ntimeout = " << doubleQuoted(std::to_string(ctx_.request_timeout.count()) + "s")
             << "\n";
    }
    toml << extra;
    std::error_code ec;
    if (toml.str().empty()) {
        fs::remove(file, ec);
        return;
    }
    fs::create_directories(dir);
    std::ofstream(file) << "# written by backup-e2e for one test\n" << toml.str();
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
}

Capabilities RusticTool::capabilities() const {
    Capabilities c;
    c.forgeable_packs = true;         // restic's format
    c.selected_dir_is_target = true;  // restore SNAP:DIR DEST: DEST gets DIR's contents, never its metadata
    c.backends = {"local", "rest", "s3", "sftp"};
    c.no_encryption = false;
    c.no_encryption_reason = "rustic always encrypts its repository (restic format, no unencrypted mode)";
    c.stdin_dumps = true;
    // --stdin-command: rustic runs the dump command. Whether it commits
    // nothing when the command fails is what the databases' failure cases judge.
    c.dump_guard = true;
    c.native_hooks = true;       // backupWithHooks: [backup.hooks] in its profile
    c.listing_newlines = false;  // see files()
    c.integrity_failure = R"(error checking pack|check found errors)";  // 0.11.4, seen with a damaged pack
    c.avg_chunk_bytes = 1ull << 20;                                     // restic's chunker
    c.chunk_min_bytes = 512ull << 10, c.chunk_tail_bytes = 1ull << 20, c.chunk_max_bytes = 8ull << 20;
    c.pack_min = 4ull << 20;  // config --set-datapack-size (default 32 MiB, grown with the repository)
    c.pack_max = 512ull << 20;
    c.pack_objects = R"((^|/)data/[0-9a-f]{2}/[0-9a-f]{64}$)";
    // seen here in about 1 of 4 multiclient runs: the ci profile runs its maintenance with clients idle
    c.concurrent_reclaim_finding =
        "rustic 0.11.4: a prune beside writing clients fails now and then (the prune: \"Tree ID ... not found in "
        "index\", a backup committing between its reads; or a client's restore meets an index file the prune "
        "just replaced: ENOENT)";
    // seen in the local round trip (rustic 0.11.4): mtimes to the ns on files, dirs, symlinks and FIFOs, user xattrs
    // and ACLs all restored
    return c;
}

StallBound RusticTool::stallBound() const {
    // the S3 path (opendal) has retries but no documented bound on a request that hangs
    if (target_.kind != "rest" && target_.kind != "sftp") return {};
    const bool set = ctx_.request_timeout.count() > 0;
    const std::chrono::seconds per = set ? ctx_.request_timeout : std::chrono::seconds(600);
    // 6 tries (option `retry`, 5 by default) with back-off 1, 2, 4, 8, 16 s
    return {6 * per + std::chrono::seconds(31),
            "rustic's REST options (also before its rclone SFTP): `timeout` " + std::to_string(per.count()) +
                (set ? " s (set by the suite)" : " s (its default)") +
                " for each request, `retry` 5 (its default) with exponential back-off from 1 s"};
}

std::string RusticTool::repoUrl() const {
    const RepoTarget& t = target_;
    if (t.kind == "local") return t.path.string();
    if (t.kind == "rest")
        return "rest:" + t.scheme + "://" + (t.user.empty() ? "" : t.user + ":" + t.token + "@") + t.host + ":" +
               std::to_string(t.port) + "/" + t.repo_name;
    if (t.kind == "s3") return "opendal:s3";
    // SFTP through rclone's sftp remote: it takes our key and known_hosts file,
    // while opendal's sftp reads ssh's per-user config outside the test's home.
    if (t.kind == "sftp") return "rclone:e2esftp:" + t.path.string();
    throw ToolError("config", "rustic: unsupported backend " + t.kind);
}

std::map<std::string, std::string> RusticTool::toolEnv() const {
    std::map<std::string, std::string> e{{"RUSTIC_PASSWORD", ctx_.passphrase},
                                         {"RUSTIC_REPOSITORY", repoUrl()},
                                         {"RUSTIC_NO_PROGRESS", "true"},
                                         {"RUSTIC_CACHE_DIR", (ctx_.home / "rustic-cache").string()}};
    if (target_.kind == "sftp") {
        e["RCLONE_CONFIG_E2ESFTP_TYPE"] = "sftp";
        e["RCLONE_CONFIG_E2ESFTP_HOST"] = target_.host;
        e["RCLONE_CONFIG_E2ESFTP_PORT"] = std::to_string(target_.port);
        e["RCLONE_CONFIG_E2ESFTP_USER"] = target_.user;
        e["RCLONE_CONFIG_E2ESFTP_KEY_FILE"] = target_.key_file.string();
        e["RCLONE_CONFIG_E2ESFTP_KNOWN_HOSTS_FILE"] = target_.known_hosts.string();
        e["RCLONE_CONFIG"] = "/dev/null";
    }
    return e;
}

std::vector<std::string> RusticTool::args(std::initializer_list<std::string> rest) const {
    // HOME/XDG dirs are per test, so no rustic.toml of the user is read
    std::vector<std::string> a{"--no-progress"};
    a.insert(a.end(), rest.begin(), rest.end());
    return a;
}

void RusticTool::init(const RepoOptions& opt) {
    if (!opt.encrypted) throw ToolError("init", capabilities().no_encryption_reason);
    step("init", args({"init"}));
    if (ctx_.pack_size) {
        // a fixed size: no growth factor, the limit at the size itself
        const std::string sz = std::to_string(ctx_.pack_size >> 20) + "MiB";
        step("init-packsize",
             args({"config", "--set-datapack-size", sz, "--set-datapack-size-limit", sz, "--set-datapack-growfactor",
                   "0", "--set-treepack-size", sz, "--set-treepack-size-limit", sz, "--set-treepack-growfactor", "0"}));
    }
}

CliTool::Invocation RusticTool::backupInvocation(const fs::path& source, const std::string& label) {
    // --label too: it records "." as the path, so its default grouping (host, label, paths) tells labels apart by it
    auto a = args({"backup", "--json", "--host", ctx_.host, "--tag", label, "--label", label, "."});
    if (backdate_)  // its local wall clock with the offset: unambiguous also in the hour a DST change repeats
        a.insert(a.end() - 1,
                 {"--time", wallClock(*backdate_, ctx_.tz, "%Y-%m-%dT%H:%M:%S") + utcOffset(*backdate_, ctx_.tz)});
    return {a, source};
}

std::string RusticTool::backupWithHooks(const fs::path& source, const HookSet& hooks, const std::string& label) {
    Result r = backupNotifying(source, label, hooks);
    checkResult("backup", r, {0});
    return snapshotIdFrom(r);
}

Result RusticTool::backupNotifying(const fs::path& source, const std::string& label, const HookSet& hooks) {
    // rustic's semantics are vykar's: a failing run-before aborts the backup
    // (run-failed and run-finally still run); run-after, run-failed and
    // run-finally only warn (on-failure, rustic_core's CommandInput: its default "error" would fail the run). Hook
    // output goes to stderr, away from the JSON.
    std::string t = "\n[backup.hooks]\n";
    for (const auto& [key, cmd, on_failure] :
         {std::tuple<const char*, std::string, const char*>{"run-before", hooks.before, "error"},
          {"run-after", hooks.after, "warn"},
          {"run-failed", hooks.failed, "warn"},
          {"run-finally", hooks.finally, "warn"}})
        if (!cmd.empty())
            t += std::string(key) + " = [{ command = \"sh\", args = [\"-c\", " + doubleQuoted("exec 1>&2; " + cmd) +
                 "], on-failure = \"" + on_failure + "\" }]\n";
    writeProfile(t);
    // the source may appear only in the before hook: name it by its path
    // (stored as the snapshot's root), started from a dir that exists
    Result r = run(command(
        "backup", args({"backup", "--json", "--host", ctx_.host, "--tag", label, "--as-path", "/", source.string()}),
        ctx_.home));
    history_.push_back(r);
    writeProfile("");
    return r;
}

std::vector<std::string> RusticTool::dumpArgs(const fs::path& command, const std::string& name,
                                              const std::string& label) {
    if (command.empty())
        return args({"backup", "--json", "--host", ctx_.host, "--tag", label, "--stdin-filename", name, "-"});
    return args({"backup", "--json", "--host", ctx_.host, "--tag", label, "--stdin-filename", name, "--stdin-command",
                 command.string(), "-"});
}

std::string RusticTool::snapshotIdFrom(const Result& r) {
    auto j = json::parse(r.out, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("id"))
        throw ToolError("backup", "rustic backup exited 0 but printed no snapshot JSON with an id", r);
    return j["id"].get<std::string>();
}

std::vector<Snapshot> RusticTool::snapshots() {
    Result r = step("snapshots", args({"snapshots", "--json"}));
    auto j = json::parse(r.out, nullptr, false);
    if (j.is_discarded()) throw ToolError("snapshots", "rustic snapshots --json did not print JSON", r);
    std::vector<Snapshot> out;
    // either a flat list of snapshots, or a list of [group, [snapshots]] pairs
    std::function<void(const json&)> visit = [&](const json& n) {
        if (n.is_object() && n.contains("id") && n.contains("time")) {
            Snapshot s{n["id"].get<std::string>(), "", n.value("time", ""), n.value("hostname", "")};
            if (n.contains("tags") && n["tags"].is_array() && !n["tags"].empty())
                s.label = n["tags"][0].get<std::string>();
            out.push_back(s);
        } else if (n.is_array()) {
            for (const auto& c : n) visit(c);
        } else if (n.is_object()) {
            for (const auto& [k, c] : n.items()) visit(c);
        }
    };
    visit(j);
    return out;
}

// Plain `ls`: `ls --json` (0.11.4) aborts with "path contains invalid UTF-8
// characters" on a non-UTF-8 name, so names with newlines cannot be listed.
std::vector<std::string> RusticTool::files(const std::string& id) {
    Result r = step("ls", args({"ls", id}));
    std::vector<std::string> out;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] == '/') line.erase(0, 1);
        if (!line.empty()) out.push_back(line);
    }
    return out;
}

void RusticTool::restore(const std::string& id, const fs::path& dest) {
    step("restore", args({"restore", id, dest.string()}));
}

// snap:path restores that entry as `dest` (a directory's contents into it, a file as it): the driver names its place
// under dest; a name pattern is --glob (gitignore rules: a pattern without a slash matches at any depth)
void RusticTool::restoreSelection(const std::string& id, const PathSelection& sel, const fs::path& dest) {
    if (sel.kind == PathSelection::Kind::Glob) {
        step("restore-part", args({"restore", id, dest.string(), "--glob", sel.path}));
        return;
    }
    const fs::path at = dest / sel.path;
    fs::create_directories(at.parent_path());
    step("restore-part", args({"restore", id + ":" + sel.path, at.string()}));
}

// no JSON: its text, a quoted path a line
std::vector<ReportedChange> RusticTool::diff(const std::string& from, const std::string& to) {
    return stepRead("diff", args({"diff", "--metadata", from, to}), parseRusticDiff);
}

// --all: every snapshot of a group on a line of its own (else runs of the same result fold into "(+N)")
std::map<std::string, std::string> RusticTool::find(const std::string& path) {
    return stepRead("find", args({"find", "--all", "--path", path}), parseRusticFind);
}

// one snapshot named: its root is the mountpoint's (--exclusive: no allow_other, nobody else reads it)
MountedSnapshot RusticTool::mount(const std::string& id, const fs::path& mountpoint, int) {
    MountedSnapshot m;
    m.process = startStep("mount", args({"mount", "--exclusive", mountpoint.string(), id}), std::chrono::minutes(30));
    m.tree = mountpoint;
    return m;
}

void RusticTool::check(bool verify_data) {
    if (verify_data)
        step("check", args({"check", "--read-data"}));
    else
        step("check", args({"check"}));
}

void RusticTool::forget(const std::string& id) {
    step("forget", args({"forget", id}));
}
// grouped by host, label and paths (its default): each label is its snapshots' --label
void RusticTool::forgetByPolicy(const RetentionRules& rules, const std::vector<std::string>&) {
    std::vector<std::string> a = args({"forget"});
    for (auto& f : keepFlags(rules)) a.push_back(f);
    step("forget", a);
}
// rustic keeps packs marked for deletion for a while by default; reclaim now,
// unless other clients use the repository meanwhile: --instant-delete is safe
// only without them (its delayed delete is what makes lock-free prune safe).
void RusticTool::reclaim() {
    if (ctx_.shared_repo)
        step("prune", args({"prune"}));
    else
        step("prune", args({"prune", "--instant-delete"}));
}
void RusticTool::unlock() {}  // rustic works lock-free: nothing to break

RepoLayout RusticTool::layout() const {
    RepoLayout l;  // the restic repository format
    l.data_packs = R"(^data/[0-9a-f]{2}/[0-9a-f]{64}$)";
    l.index = R"(^index/[0-9a-f]{64}$)";
    l.snapshots = R"(^snapshots/[0-9a-f]{64}$)";
    l.no_locks = "rustic works lock-free: it writes no lock files";
    l.keys = R"(^keys/[0-9a-f]{64}$)";
    return l;
}

// rustic's documented repair: the index from the packs (all read), then snapshots without what is lost
RepairOutcome RusticTool::repair() {
    RepairOutcome o;
    o.steps.push_back(step("repair-index", args({"repair", "index", "--read-all"})));
    o.steps.push_back(step("repair-snapshots", args({"repair", "snapshots", "--delete"})));
    o.damaged_file_suffix = ".repaired";  // repair snapshots --suffix, its default
    return o;
}

ToolFacts rusticFacts() {
    ToolFacts f{
        {}, "", "compression zstd level 3 (rustic's default), always encrypted, default chunker and parallelism", {}};
    // its docs are restic's (rustic-rs/docs src/commands/forget/remove_by_policy.md): weeks run Monday to Sunday,
    // each rule on its own, the oldest kept when a rule has too few, keep-within from the group's latest snapshot
    RetentionModel& r = f.retention;
    r.zone = RetentionModel::Zone::Local;  // each snapshot's own time, stored with the machine's offset
    r.kept_fills_later_slots = true;
    r.keeps_oldest_when_short = true;
    r.within_from = RetentionModel::WithinFrom::NewestCalendarDays;
    r.within_inclusive = false;
    r.documented = "rustic-rs/docs src/commands/forget/remove_by_policy.md, rustic config/README.md";
    return f;
}

DriverFactory rusticDriver() {
    return driver<RusticTool>();
}

}  // namespace e2e
