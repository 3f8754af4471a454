// kopia (Go module proxy): own --config-file per test, JSON snapshot manifests.
#include "tools/Drivers.hpp"
#include "tools/Registry.hpp"
#include "text/Text.hpp"
#include "text/WallClock.hpp"

#include <nlohmann/json.hpp>
#include <sstream>

namespace e2e {

class KopiaTool : public CliTool {
public:
    KopiaTool(std::string binary, ToolContext ctx, RepoTarget target);
    std::string name() const override { return "kopia"; }
    Capabilities capabilities() const override;
    void init(const RepoOptions& opt) override;
    void connect() override;
    std::vector<Snapshot> snapshots() override;
    std::vector<std::string> files(const std::string& id) override;
    void restore(const std::string& id, const fs::path& dest) override;
    void restoreSelection(const std::string& id, const PathSelection& sel, const fs::path& dest) override;
    std::vector<ReportedChange> diff(const std::string& from, const std::string& to) override;
    MountedSnapshot mount(const std::string& id, const fs::path& mountpoint, int port) override;
    std::string findGap() const override { return "kopia has no find command"; }
    // kopia.io/docs/advanced/actions: before and after a snapshot root or folder, opt-in per client
    std::string notifyGap() const override {
        return "kopia's actions run before and after a snapshot, with no hook documented for a failed one, so one "
               "call per outcome cannot be checked";
    }
    std::string selectionGap(const PathSelection& sel) const override {
        return sel.kind == PathSelection::Kind::Glob
                   ? "kopia's snapshot restore takes a snapshot and a path in it, no name pattern"
                   : "";
    }
    void check(bool verify_data) override;
    void forget(const std::string& id) override;
    void forgetByPolicy(const RetentionRules& rules, const std::vector<std::string>& labels) override;
    std::string retentionGap(const RetentionRules& rules) const override;
    void reclaim() override;
    void unlock() override;
    RepoLayout layout() const override;
    RepairOutcome repair() override;
    std::string undoAppendedSince(std::chrono::system_clock::time_point since) override;
    std::optional<RepoTarget> relocated() const override { return relocated_; }

protected:
    std::map<std::string, std::string> toolEnv() const override;
    Invocation backupInvocation(const fs::path& source, const std::string& label) override;
    std::string snapshotIdFrom(const Result& r) override;
    std::vector<std::string> dumpArgs(const fs::path& command, const std::string& name,
                                      const std::string& label) override;

private:
    std::vector<std::string> args(std::initializer_list<std::string> rest) const;
    // `repository create|connect <storage> ...` with the client's identity, cache and config
    std::vector<std::string> repositoryArgs(const std::string& verb) const;
    // `<storage> --flags` of a repository on `t` (local, s3, sftp)
    static std::vector<std::string> storageArgs(const RepoTarget& t);
    fs::path config_;
    std::optional<RepoTarget> relocated_;
};

using json = nlohmann::json;

KopiaTool::KopiaTool(std::string binary, ToolContext ctx, RepoTarget target)
    : CliTool(std::move(binary), std::move(ctx), std::move(target)),
      config_(ctx_.home / "kopia" / "repository.config") {}

Capabilities KopiaTool::capabilities() const {
    Capabilities c;
    c.backends = {"local", "s3", "sftp", "kopia-server"};  // kopia-server: its own repository server (connect only)
    c.no_encryption = false;
    c.no_encryption_reason = "kopia always encrypts its repository (no unencrypted mode)";
    c.stdin_dumps = true;
    c.native_hooks = false;  // it has hooks of its own, but backupWithHooks does not drive them yet
    c.diff_metadata = false;
    c.diff_leaves_out =
        "kopia diff names no path whose metadata alone changed (it counts them in its closing statistics: "
        "internal/diff/diff.go compares metadata only where the contents differ)";
    c.hardlinks = false;         // kopia stores each name as its own file
    c.fifos = false;             // kopia does not store special files
    c.listing_newlines = false;  // `ls -r` prints one path per line
    c.raw_names = false;         // restores a non-UTF-8 name with U+FFFD in place of the bad bytes
    c.integrity_failure = R"(invalid checksum|checksum mismatch|error verifying|decrypt|corrupt|failed to verify)";
    c.avg_chunk_bytes = 4ull << 20;  // DYNAMIC-4M-BUZHASH, its default splitter
    // its buzhash splitter for 4 MiB: no cut before half of it, a cut mask of 4 MiB, forced at twice it
    c.chunk_min_bytes = 2ull << 20, c.chunk_tail_bytes = 4ull << 20, c.chunk_max_bytes = 8ull << 20;
    c.pack_min = 10ull << 20;  // repository create --max-pack-size-mb (default 20)
    c.pack_max = 120ull << 20;
    // data packs: p<id>-s<session>, sharded p/<3>/<rest>.f on a filesystem, flat on S3 (q: metadata packs);
    // no nested repetition in the pattern (std::regex backtracks exponentially)
    c.pack_objects = R"((^|/)p[0-9a-f/]+-s[0-9a-f]+(-c[0-9]+)?(\.f)?$)";
    // seen in the local round trip (kopia 0.22.3): file mtimes come back to the ns, but
    c.dir_mtime = MtimePrecision::Ignored;  // a non-empty dir gets the newest mtime found inside it, not its own
    c.symlink_mtime = MtimePrecision::Microseconds;  // a symlink's mtime comes back rounded up to the microsecond
    c.xattrs = false;                                // no user.* xattr comes back, on files or dirs
    c.acls = false;                                  // no access or default ACL comes back
    return c;
}

std::map<std::string, std::string> KopiaTool::toolEnv() const {
    return {{"KOPIA_PASSWORD", ctx_.passphrase}, {"KOPIA_CHECK_FOR_UPDATES", "false"}};
}

std::vector<std::string> KopiaTool::args(std::initializer_list<std::string> rest) const {
    std::vector<std::string> a(rest);
    a.push_back("--config-file=" + config_.string());
    a.push_back("--log-dir=" + (ctx_.home / "kopia-logs").string());
    a.push_back("--no-progress");
    return a;
}

std::vector<std::string> KopiaTool::storageArgs(const RepoTarget& t) {
    std::vector<std::string> a;
    if (t.kind == "local") {
        a.push_back("filesystem");
        a.push_back("--path=" + t.path.string());
    } else if (t.kind == "s3") {
        a.insert(a.end(), {"s3", "--endpoint=" + t.host + ":" + std::to_string(t.port), "--bucket=" + t.bucket,
                           "--prefix=" + t.prefix + "/", "--access-key=" + t.access_key,
                           "--secret-access-key=" + t.secret_key, "--region=" + t.region});
        if (t.scheme == "http") a.push_back("--disable-tls");
    } else if (t.kind == "sftp") {
        a.insert(a.end(), {"sftp", "--host=" + t.host, "--port=" + std::to_string(t.port), "--username=" + t.user,
                           "--path=" + t.path.string(), "--keyfile=" + t.key_file.string(),
                           "--known-hosts=" + t.known_hosts.string()});
    }
    return a;
}

std::vector<std::string> KopiaTool::repositoryArgs(const std::string& verb) const {
    const RepoTarget& t = target_;
    std::vector<std::string> a{"repository", verb};
    const auto storage = storageArgs(t);
    if (!storage.empty()) {
        a.insert(a.end(), storage.begin(), storage.end());
    } else if (t.kind == "kopia-server" && verb == "connect") {
        // the server's certificate is pinned by its SHA-256; the password is this user's on the server
        a.insert(a.end(), {"server", "--url=https://" + t.host + ":" + std::to_string(t.port),
                           "--server-cert-fingerprint=" + t.cert_fingerprint});
    } else
        throw ToolError(verb == "create" ? "init" : "connect",
                        "kopia: cannot " + verb + " a repository on backend " + t.kind +
                            (t.kind == "kopia-server" ? " (the server's owner creates it; clients connect)" : ""));
    // the client's identity: its snapshots' source is e2e@<host>, and a server user is named so
    a.push_back("--override-username=e2e");
    a.push_back("--override-hostname=" + ctx_.host);
    a.push_back("--cache-directory=" + (ctx_.home / "kopia-cache").string());
    a.push_back("--config-file=" + config_.string());
    a.push_back("--log-dir=" + (ctx_.home / "kopia-logs").string());
    a.push_back("--no-progress");
    return a;
}

void KopiaTool::connect() {
    fs::create_directories(config_.parent_path());
    step("connect", repositoryArgs("connect"));
}

// kopia's documented recovery on a bucket with Object Lock ("Ransomware Protection": reconnect with
// --point-in-time): a read-only view of every blob as it was just before `since`. To write again the owner copies
// that view with `repository sync-to` to a fresh prefix of the same bucket and connects there; every client follows
// (relocated()). Anywhere else kopia has nothing of its own to undo ("").
std::string KopiaTool::undoAppendedSince(std::chrono::system_clock::time_point since) {
    if (target_.kind != "s3" || !target_.object_lock) return "";
    // the last instant of the second before `since` (the suite begins an attack in a second of its own): S3 dates a
    // noncurrent version to the second only, so a version from the attack's first second would pass for older
    const std::int64_t t = std::chrono::duration_cast<std::chrono::seconds>(since.time_since_epoch()).count() - 1;
    const std::string at = wallClock(t, "", "%Y-%m-%dT%H:%M:%S") + ".999999999Z";
    fs::remove(config_);
    fs::create_directories(config_.parent_path());
    auto view = repositoryArgs("connect");
    view.push_back("--point-in-time=" + at);
    step("connect-point-in-time", view);
    RepoTarget copy = target_;
    copy.prefix += "-recovered";
    copy.local_dir += "-recovered";
    std::vector<std::string> sync{"repository", "sync-to"};
    for (const auto& a : storageArgs(copy)) sync.push_back(a);
    for (const auto& a : args({})) sync.push_back(a);
    step("sync-to", sync);
    step("disconnect", args({"repository", "disconnect"}));
    target_ = copy;
    relocated_ = copy;
    connect();
    return "kopia's documented recovery: a view of the bucket as it was at " + at +
           " (repository connect --point-in-time), copied with repository sync-to to " + copy.bucket + "/" +
           copy.prefix + ", where the owner connects and every client follows";
}

void KopiaTool::init(const RepoOptions& opt) {
    if (!opt.encrypted) throw ToolError("init", capabilities().no_encryption_reason);
    fs::create_directories(config_.parent_path());
    step("init", repositoryArgs("create"));
    if (ctx_.pack_size)
        step("init-packsize",
             args({"repository", "set-parameters", "--max-pack-size-mb=" + std::to_string(ctx_.pack_size >> 20)}));
    // kopia applies its retention policy after every snapshot, and its default
    // (keep the latest 10, one per hour, ...) expires snapshots of the same hour
    // that nobody deleted: the scenarios delete snapshots themselves, so every
    // snapshot is kept until they do (a documented setting, as a user who
    // prunes by hand would set it)
    step("init-retention", args({"policy", "set", "--global", "--keep-latest=1000000", "--keep-hourly=0",
                                 "--keep-daily=0", "--keep-weekly=0", "--keep-monthly=0", "--keep-annual=0"}));
    // the benchmarks' variant: zstd, the compression family every peer has (kopia's default is none)
    if (ctx_.variant == "zstd") step("init-policy", args({"policy", "set", "--global", "--compression=zstd"}));
}

CliTool::Invocation KopiaTool::backupInvocation(const fs::path& source, const std::string& label) {
    auto a = args({"snapshot", "create", source.string(), "--json", "--tags=label:" + label});
    if (backdate_) {
        const std::string at = wallClock(*backdate_, "", "%Y-%m-%d %H:%M:%S UTC");
        a.insert(a.end(), {"--start-time", at, "--end-time", at});
    }
    return {a, {}};
}

std::vector<std::string> KopiaTool::dumpArgs(const fs::path& command, const std::string& name,
                                             const std::string& label) {
    // no from-command mode: it reads stdin (capabilities: dump_guard false)
    if (!command.empty())
        throw ToolError("backup", "kopia has no from-command mode: it can only read a dump from its stdin");
    return args({"snapshot", "create", "--stdin-file", name, "-", "--json", "--tags=label:" + label});
}

std::string KopiaTool::snapshotIdFrom(const Result& r) {
    // one JSON manifest per source; take the last object printed
    std::string id;
    auto j = json::parse(r.out, nullptr, false);
    if (!j.is_discarded()) {
        if (j.is_array() && !j.empty()) j = j.back();
        if (j.is_object()) id = j.value("id", "");
    }
    if (id.empty()) throw ToolError("backup", "kopia snapshot create exited 0 but printed no manifest id", r);
    return id;
}

std::vector<Snapshot> KopiaTool::snapshots() {
    Result r = step("snapshot-list", args({"snapshot", "list", "--all", "--json"}));
    auto j = json::parse(r.out, nullptr, false);
    if (!j.is_array()) throw ToolError("snapshot-list", "kopia snapshot list --json did not print a JSON array", r);
    std::vector<Snapshot> out;
    for (const auto& m : j) {
        Snapshot s{m.value("id", ""), "", m.value("startTime", ""), ""};
        if (m.contains("source") && m["source"].is_object()) s.host = m["source"].value("host", "");
        if (m.contains("tags") && m["tags"].is_object())
            for (const auto& [k, val] : m["tags"].items())
                if (k == "tag:label" || k == "label") s.label = val.get<std::string>();
        out.push_back(s);
    }
    return out;
}

std::vector<std::string> KopiaTool::files(const std::string& id) {
    Result r = step("ls", args({"ls", "-r", id}));
    std::vector<std::string> out;
    std::istringstream in(r.out);
    std::string line;
    const std::string prefix = id + "/";  // `ls -r <id>` prints paths under the id
    while (std::getline(in, line)) {
        if (line.rfind(prefix, 0) == 0) line.erase(0, prefix.size());
        if (!line.empty() && line.back() == '/') line.pop_back();
        if (!line.empty()) out.push_back(line);
    }
    return out;
}

void KopiaTool::restore(const std::string& id, const fs::path& dest) {
    step("restore", args({"snapshot", "restore", id, dest.string()}));
}

// ID/path restores that entry as the target: the driver names its place under dest. kopia keeps names as UTF-8
// text (a byte that is not UTF-8 becomes U+FFFD), so the path is asked for as kopia stored it.
void KopiaTool::restoreSelection(const std::string& id, const PathSelection& sel, const fs::path& dest) {
    const fs::path at = dest / sel.path;
    fs::create_directories(at.parent_path());
    step("restore-part", args({"snapshot", "restore", id + "/" + lossyUtf8(sel.path), at.string()}));
}

// its lines come in no fixed order (read as a set); a path whose metadata alone changed is only counted
std::vector<ReportedChange> KopiaTool::diff(const std::string& from, const std::string& to) {
    return stepRead("diff", args({"diff", from, to}), parseKopiaDiff);
}

// one snapshot: its root is the mountpoint's; "Press Ctrl-C to unmount"
MountedSnapshot KopiaTool::mount(const std::string& id, const fs::path& mountpoint, int) {
    MountedSnapshot m;
    m.process = startStep("mount", args({"mount", id, mountpoint.string()}), std::chrono::minutes(30));
    m.tree = mountpoint;
    return m;
}

void KopiaTool::check(bool verify_data) {
    // verify reads content through kopia's local cache, which the backup just
    // filled: without clearing it, damage in the repository goes unseen
    if (verify_data) {
        step("cache-clear", args({"cache", "clear"}));
        step("verify", args({"snapshot", "verify", "--verify-files-percent=100"}));
    } else
        step("verify", args({"snapshot", "verify"}));
}

void KopiaTool::forget(const std::string& id) {
    step("snapshot-delete", args({"snapshot", "delete", id, "--delete"}));
}
// the global policy's keep-* rules (every one set: a rule left out would keep its default), then applied at once;
// each label backs up a directory of its own, a source of its own
void KopiaTool::forgetByPolicy(const RetentionRules& r, const std::vector<std::string>&) {
    step("policy-retention",
         args({"policy", "set", "--global", "--keep-latest=" + std::to_string(r.last),
               "--keep-hourly=" + std::to_string(r.hourly), "--keep-daily=" + std::to_string(r.daily),
               "--keep-weekly=" + std::to_string(r.weekly), "--keep-monthly=" + std::to_string(r.monthly),
               "--keep-annual=" + std::to_string(r.yearly)}));
    step("snapshot-expire", args({"snapshot", "expire", "--all", "--delete"}));
}
std::string KopiaTool::retentionGap(const RetentionRules& r) const {
    return r.within_days > 0 ? "kopia has no keep-within rule (its policy keeps latest, hourly, daily, weekly, "
                               "monthly and annual snapshots)"
                             : "";
}
// default maintenance keeps unreferenced data for hours (safety); reclaim now,
// unless other clients write meanwhile: --safety=none is safe only without them
void KopiaTool::reclaim() {
    step("maintenance", args({"maintenance", "run", "--full", ctx_.shared_repo ? "--safety=full" : "--safety=none"}));
}
void KopiaTool::unlock() {}  // kopia works lock-free

RepoLayout KopiaTool::layout() const {
    // blobs sharded in dirs with a .f suffix on a filesystem, flat objects without one in a bucket (S3); q packs
    // hold metadata (dirs, manifests)
    RepoLayout l;
    l.data_packs = R"(^p[0-9a-f/]+-s[0-9a-f]+(-c[0-9]+)?(\.f)?$)";
    l.index = R"(^x([^/]*/.*\.f|n[0-9]+_[^/]+)$)";
    l.no_snapshots = "kopia keeps snapshot manifests as contents inside its metadata packs (q), in no file of its own";
    l.no_locks = "kopia works lock-free: it writes no lock files";
    l.keys = R"(^kopia\.repository(\.f)?$)";  // its format blob: the repository's master key under the password
    return l;
}

// kopia's documented repair: the index recovered from the packs, then every snapshot's unreadable files
// removed (each file read in full: through an empty cache, so that damage is not hidden)
RepairOutcome KopiaTool::repair() {
    RepairOutcome o;
    o.steps.push_back(step("cache-clear", args({"cache", "clear"})));
    // kopia gates `index recover` behind --dangerous-commands=enabled (it is "not needed" in normal use)
    o.steps.push_back(step("index-recover", args({"index", "recover", "--commit", "--dangerous-commands=enabled"})));
    o.steps.push_back(step("snapshot-fix", args({"snapshot", "fix", "invalid-files", "--verify-files-percent=100",
                                                 "--invalid-file-handling=remove", "--commit"})));
    return o;
}

ToolFacts kopiaFacts() {
    ToolFacts f{
        {{"zstd",
          "policy set --global --compression=zstd after create (the benchmarks' setting; kopia's default is none)",
          false}},
        "zstd",
        "policy set --global --compression=zstd after create (variant zstd; kopia's default is none), always "
        "encrypted, default "
        "splitter and parallelism",
        {}};
    // `policy set --keep-*` (its CLI help: the most recent N per source); its rules as
    // snapshot/policy/retention_policy.go and its tests apply them: each rule reaches back N periods from the newest
    // snapshot, in UTC but the ISO week in local time (kopia #5348); no keep-within, no oldest kept
    RetentionModel& r = f.retention;
    r.zone = RetentionModel::Zone::LocalWeeklyElseUtc;
    r.order = {"last", "yearly", "monthly", "weekly", "daily", "hourly"};
    r.kept_fills_later_slots = true;
    r.within_from = RetentionModel::WithinFrom::None;
    r.rules_reach_back_from_newest = true;
    r.documented = "kopia policy set --keep-* help; snapshot/policy/retention_policy.go and its tests";
    return f;
}

DriverFactory kopiaDriver() {
    return driver<KopiaTool>();
}

}  // namespace e2e
