// vykar: the suite renders its YAML config per test and passes it explicitly;
// snapshot ids come from "Snapshot created: <id>", `list` is a human table.
#include "tools/Drivers.hpp"
#include "tools/Registry.hpp"
#include "text/Text.hpp"

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

namespace e2e {

namespace {

const char* kRepoLabel = "target";

std::string yamlQuote(const std::string& s) {
    return doubleQuoted(s);
}

}  // namespace

VykarTool::VykarTool(std::string binary, ToolContext ctx, RepoTarget target)
    : CliTool(std::move(binary), std::move(ctx), std::move(target)), config_(ctx_.home / "vykar.yaml") {
    fake_clock_ = true;  // no back-dating flag: backupAt moves its clock (libfaketime)
    writeConfig(true);
}

Capabilities VykarTool::capabilities() const {
    Capabilities c;
    c.backends = {"local", "rest", "s3", "sftp"};
    c.no_encryption = true;
    c.stdin_dumps = true;
    c.dump_guard = true;    // command_dumps: a failing command aborts, no snapshot
    c.native_hooks = true;  // backupWithHooks: source hooks in its config
    c.diff_metadata = c.diff_dirs = false;
    c.diff_leaves_out =
        "vykar's snapshot diff compares regular files' contents only: directories, symlinks and metadata-only "
        "changes are left out by design (vykar-core commands/diff.rs)";
    c.listing_newlines = false;                   // `snapshot list` prints one path per line
    c.listing_own_entries = "vykar-dumps(/.*)?";  // command_dumps' files are listed under it (vykar docs)
    c.fifos = false;                              // FIFOs are skipped at backup time (with a warning, exit 0)
    c.integrity_failure = R"(check found [1-9][0-9]* error)";
    c.lock_failure = R"(repository is locked by)";
    c.avg_chunk_bytes = 2ull << 20;  // chunker.avg_size default (read from vykar 0.19 source)
    // FastCDC 512 KiB / 2 MiB / 8 MiB (chunker defaults): its normalised cuts hold chunks nearer the average than
    // one chance at every byte would, so the tail of 1.5 MiB overstates its spread a little
    c.chunk_min_bytes = 512ull << 10, c.chunk_tail_bytes = 1536ull << 10, c.chunk_max_bytes = 8ull << 20;
    c.pack_min = 1ull << 20;  // repositories[].min_pack_size / max_pack_size (defaults 32 and 192 MiB)
    c.pack_max = 192ull << 20;
    c.pack_objects = R"((^|/)packs/[0-9a-f]{2}/[0-9a-f]+$)";
    c.s3_multipart_over = 16ull << 20;  // its S3 backend uploads objects over 16 MiB in 16 MiB parts
    c.client_refusals = {
        {"active sessions prevent maintenance", "active sessions prevent maintenance"},
        {"StaleChunksDuringCommit|stale chunks", "chunks removed by maintenance during the commit (retry the backup)"}};
    // read from the source (0.19.1; not installed here): restore sets ns mtimes on files, dirs (deepest first) and
    // symlinks, and every xattr it read (xattrs.enabled defaults to true), ACLs included as system.posix_acl_* xattrs
    return c;
}

void VykarTool::writeConfig(bool encrypted) {
    encrypted_ = encrypted;
    const RepoTarget& t = target_;
    std::ostringstream y;
    y << "# written by backup-e2e for one test; secrets come from the environment\n";
    y << "repositories:\n  - label: " << kRepoLabel << "\n";
    y << "    url: " << yamlQuote(repositoryUrl()) << "\n";
    if (t.kind == "rest") {
        y << "    access_token: " << yamlQuote(t.token) << "\n";
        if (t.scheme == "http") y << "    allow_insecure_http: true\n";
    } else if (t.kind == "s3") {
        y << "    region: " << yamlQuote(t.region) << "\n";
        y << "    access_key_id: " << yamlQuote(t.access_key) << "\n";
        y << "    secret_access_key: " << yamlQuote(t.secret_key) << "\n";
        if (t.scheme == "http") y << "    allow_insecure_http: true\n";
        // its documented set-up on a bucket with Object Lock (backends.md, step 3): deletes become zero-byte PUTs
        if (t.object_lock) y << "    s3_soft_delete: true\n";
    } else if (t.kind == "sftp") {
        y << "    sftp_key: " << yamlQuote(t.key_file.string()) << "\n";
        y << "    sftp_known_hosts: " << yamlQuote(t.known_hosts.string()) << "\n";
        if (ctx_.request_timeout.count() > 0)  // documented range 5 to 300 s
            y << "    sftp_timeout: " << std::clamp<long long>(ctx_.request_timeout.count(), 5, 300) << "\n";
    }
    if (!t.external && !ctx_.tool_retries) y << "    retry:\n      max_retries: 0\n";
    if (ctx_.pack_size)
        y << "    min_pack_size: " << ctx_.pack_size << "\n    max_pack_size: " << ctx_.pack_size
          << "\n";  // a server we started must not make it back off for minutes
    y << "encryption:\n  mode: " << (encrypted ? "auto" : "none") << "\n";
    // the benchmarks' variant: zstd, the compression family every peer has
    // and the at-rest scan's control: none
    y << "compression:\n  algorithm: "
      << (ctx_.variant == "zstd"           ? "zstd"
          : ctx_.variant == "uncompressed" ? "none"
                                           : "lz4")
      << "\n";
    y << "cache_dir: " << yamlQuote((ctx_.home / "vykar-cache").string()) << "\n";
    // the client's identity in its snapshots and sessions (the machine's hostname otherwise)
    if (!ctx_.host.empty()) y << "hostname: " << yamlQuote(ctx_.host) << "\n";
    // the named variant: its sequential backup path (it keeps non-UTF-8 names, see capabilities)
    if (ctx_.variant == "threads1") y << "limits:\n  threads: 1\n";
    y << sources_ << retention_ << schedule_ << hooks_;
    std::ofstream(config_) << y.str();
    // The config holds S3/REST credentials for a remote target: readable by us only.
    fs::permissions(config_, fs::perms::owner_read | fs::perms::owner_write);
}

// the repository's url as its config gives it (also what its hooks see as {repository})
std::string VykarTool::repositoryUrl() const {
    const RepoTarget& t = target_;
    if (t.kind == "rest")
        return t.scheme + "://" + t.host + ":" + std::to_string(t.port) +
               (t.repo_name.empty() ? "" : "/" + t.repo_name);
    if (t.kind == "s3")
        return std::string(t.scheme == "http" ? "s3+http" : "s3") + "://" + t.host + ":" + std::to_string(t.port) +
               "/" + t.bucket + (t.prefix.empty() ? "" : "/" + t.prefix);
    if (t.kind == "sftp") return "sftp://" + t.user + "@" + t.host + ":" + std::to_string(t.port) + t.path.string();
    return t.path.string();
}

std::map<std::string, std::string> VykarTool::toolEnv() const {
    std::map<std::string, std::string> e{{"NO_COLOR", "1"}};
    if (encrypted_) e["VYKAR_PASSPHRASE"] = ctx_.passphrase;
    return e;
}

std::vector<std::string> VykarTool::args(std::initializer_list<std::string> rest) const {
    std::vector<std::string> a{"--config", config_.string()};
    auto it = rest.begin();
    a.push_back(*it++);  // the subcommand; -R belongs to it (to `snapshot list`, not `snapshot`)
    if (a.back() == "snapshot" && it != rest.end()) a.push_back(*it++);
    a.push_back("-R");
    a.push_back(kRepoLabel);
    a.insert(a.end(), it, rest.end());
    return a;
}

void VykarTool::init(const RepoOptions& opt) {
    writeConfig(opt.encrypted);
    step("init", args({"init"}));
}

CliTool::Invocation VykarTool::backupInvocation(const fs::path& source, const std::string& label) {
    return {args({"backup", "-l", label, source.string()}), {}};
}

std::vector<std::string> VykarTool::dumpArgs(const fs::path& command, const std::string& name,
                                             const std::string& label) {
    if (command.empty())
        throw ToolError("backup", "vykar reads no dump from its stdin: it runs the command itself (command_dumps)");
    sources_ = "sources:\n  - label: " + yamlQuote(label) + "\n    command_dumps:\n      - name: " + yamlQuote(name) +
               "\n        command: " + yamlQuote(command.string()) + "\n";
    writeConfig(encrypted_);
    return args({"backup", "-S", label});
}

std::string VykarTool::backupWithHooks(const fs::path& source, const HookSet& hooks, const std::string& label) {
    std::string y =
        "sources:\n  - label: " + yamlQuote(label) + "\n    path: " + yamlQuote(source.string()) + "\n    hooks:\n";
    for (const auto& [k, v] : {std::pair<const char*, std::string>{"before", hooks.before},
                               {"after", hooks.after},
                               {"failed", hooks.failed},
                               {"finally", hooks.finally}})
        if (!v.empty()) y += std::string("      ") + k + ": " + yamlQuote(v) + "\n";
    sources_ = y;
    writeConfig(encrypted_);
    Result r = run(command("backup", args({"backup", "-S", label}), {}));
    history_.push_back(r);
    sources_.clear();
    writeConfig(encrypted_);
    checkResult("backup", r, {0});
    return snapshotIdFrom(r);
}

// the monitoring recipes' place (recipes.md, Monitoring): top-level `hooks:`, the bare keys, which fire for backup,
// prune, check and compact; only backup runs here
Result VykarTool::backupNotifying(const fs::path& source, const std::string& label, const HookSet& hooks) {
    sources_ = "sources:\n  - label: " + yamlQuote(label) + "\n    path: " + yamlQuote(source.string()) + "\n";
    hooks_ = "hooks:\n";
    for (const auto& [k, v] : {std::pair<const char*, std::string>{"before", hooks.before},
                               {"after", hooks.after},
                               {"failed", hooks.failed},
                               {"finally", hooks.finally}})
        if (!v.empty()) hooks_ += std::string("  ") + k + ": " + yamlQuote(v) + "\n";
    writeConfig(encrypted_);
    Result r = run(command("backup", args({"backup", "-S", label}), {}));
    history_.push_back(r);
    sources_.clear();
    hooks_.clear();
    writeConfig(encrypted_);
    return r;
}

// configuration.md, Variable substitution: the placeholders (shell-escaped by vykar) and their VYKAR_* twins that a
// top-level hook gets ({source_label} and {source_path} belong to a source's own hooks: empty here)
std::vector<HookVariable> VykarTool::hookVariables() const {
    std::vector<HookVariable> v;
    for (const auto& [name, value] : {std::pair<std::string, std::string>{"command", "backup"},
                                      {"repository", repositoryUrl()},
                                      {"label", kRepoLabel},
                                      {"error", ""}}) {
        std::string env = "VYKAR_" + name;
        for (auto& c : env) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        v.push_back({name, "{" + name + "}", value, name == "error"});
        v.push_back({env, "\"$" + env + "\"", value, name == "error"});
    }
    return v;
}

std::string VykarTool::snapshotIdFrom(const Result& r) {
    static const std::regex re(R"(Snapshot created:\s*(\S+))");
    std::string all = r.out + "\n" + r.err;
    std::string id;
    for (auto it = std::sregex_iterator(all.begin(), all.end(), re); it != std::sregex_iterator(); ++it) id = (*it)[1];
    if (id.empty()) throw ToolError("backup", "vykar backup exited 0 but printed no 'Snapshot created: <id>' line", r);
    return id;
}

std::vector<Snapshot> VykarTool::parseList(const std::string& out) {
    std::vector<Snapshot> snaps;
    std::istringstream in(out);
    std::string line, header;
    std::size_t id_col = std::string::npos, date_col = 0, host_col = 0, label_col = 0, source_col = 0;
    std::string last_label, last_host;
    auto cell = [](const std::string& l, std::size_t from, std::size_t to) {
        if (from >= l.size()) return std::string();
        std::string c = l.substr(from, to == std::string::npos ? std::string::npos : to - from);
        auto b = c.find_first_not_of(' ');
        auto e = c.find_last_not_of(' ');
        return b == std::string::npos ? std::string() : c.substr(b, e - b + 1);
    };
    while (std::getline(in, line)) {
        if (id_col == std::string::npos) {
            auto p = line.find("ID");
            if (p != std::string::npos && line.find("Label") != std::string::npos) {
                id_col = p;
                date_col = line.find("Date");
                host_col = line.find("Host");
                label_col = line.find("Label");
                source_col = line.find("Source");
            }
            continue;
        }
        if (line.find_first_not_of(" -=+|") == std::string::npos) continue;  // rules
        std::string id = cell(line, id_col, date_col);
        if (id.empty()) continue;
        std::string label = cell(line, label_col, source_col);
        std::string host = cell(line, host_col, label_col);
        if (label.empty()) label = last_label;
        if (host.empty()) host = last_host;
        last_label = label;
        last_host = host;
        snaps.push_back({id, label, cell(line, date_col, host_col), host});
    }
    return snaps;
}

std::vector<Snapshot> VykarTool::snapshots() {
    Result r = step("list", args({"list"}));
    if (r.out.find("No snapshots found") != std::string::npos) return {};
    auto s = parseList(r.out);
    if (s.empty())
        throw ToolError("list", "could not read any snapshot from `vykar list` output (table layout changed?)", r);
    return s;
}

std::vector<std::string> VykarTool::files(const std::string& id) {
    Result r = step("snapshot-list", args({"snapshot", "list", id}));
    std::vector<std::string> out;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("./", 0) == 0) line.erase(0, 2);
        if (!line.empty() && line[0] == '/') line.erase(0, 1);
        if (!line.empty()) out.push_back(line);
    }
    return out;
}

void VykarTool::restore(const std::string& id, const fs::path& dest) {
    step("restore", args({"restore", id, dest.string()}));
}

// --pattern, a glob over the snapshot's paths: a directory is "DIR/**" (the directory itself comes with what is
// under it), a name pattern matches at any depth; --verify recomputes each chunk's id after decryption
void VykarTool::restoreSelection(const std::string& id, const PathSelection& sel, const fs::path& dest) {
    const std::string pattern = sel.kind == PathSelection::Kind::Dir ? sel.path + "/**" : sel.path;
    step("restore-part", args({"restore", id, dest.string(), "--pattern", pattern, "--verify"}));
}

// `snapshot diff` takes no -R (the one repository of the config); a table, regular files only
std::vector<ReportedChange> VykarTool::diff(const std::string& from, const std::string& to) {
    return stepRead("diff", {"--config", config_.string(), "snapshot", "diff", from, to}, parseVykarDiff);
}

// `snapshot find PATH`: PATH is a prefix; the timeline of the path itself is read
std::map<std::string, std::string> VykarTool::find(const std::string& path) {
    return stepRead("find", args({"snapshot", "find", path}),
                    [&](const std::string& out) { return parseVykarFind(out, path); });
}

// WebDAV, not FUSE: one snapshot served at the root of http://127.0.0.1:PORT/; Ctrl-C stops the server
MountedSnapshot VykarTool::mount(const std::string& id, const fs::path&, int port) {
    MountedSnapshot m;
    const std::string at = "127.0.0.1:" + std::to_string(port);
    m.process = startStep("mount", args({"mount", "--snapshot", id, "--address", at}), std::chrono::minutes(30));
    m.url = "http://" + at + "/";
    return m;
}

// `vykar daemon` (docs/src/daemon.md): its default actions each cycle (backup, prune, compact, check) for the one
// source, every `every_s` seconds, none at start; the status page on loopback
std::unique_ptr<Child> VykarTool::startDaemon(const fs::path& source, const std::string& label, int every_s, int port) {
    sources_ = "sources:\n  - label: " + yamlQuote(label) + "\n    path: " + yamlQuote(source.string()) + "\n";
    rewriteDaemonConfig(every_s);
    return startStep("daemon",
                     {"--config", config_.string(), "daemon", "--http-listen", "127.0.0.1:" + std::to_string(port)},
                     std::chrono::minutes(30));
}

void VykarTool::rewriteDaemonConfig(int every_s) {
    schedule_ =
        "schedule:\n  enabled: true\n  every: " + yamlQuote(std::to_string(every_s) + "s") + "\n  on_startup: false\n";
    writeConfig(encrypted_);
    if (every_s <= 0) std::ofstream(config_, std::ios::app) << "schedule: [a reload that cannot parse\n";
}

void VykarTool::check(bool verify_data) {
    if (verify_data)
        step("check", args({"check", "--verify-data"}));
    else
        step("check", args({"check"}));
}

void VykarTool::forget(const std::string& id) {
    step("snapshot-delete", args({"snapshot", "delete", id}));
}
// its documented `retention:` (groups by source label), then `prune`; it refuses a policy that removes a whole group
void VykarTool::forgetByPolicy(const RetentionRules& r, const std::vector<std::string>&) {
    retention_ = retentionYaml(r);
    writeConfig(encrypted_);
    step("prune", args({"prune", "--list"}));
}

// bare `vykar` (commands.md: "Run full backup process: backup, prune, compact, check"), its one source and retention
// in the config; the outcome as it ended
Result VykarTool::oneShot(const fs::path& source, const std::string& label, const RetentionRules& keep) {
    sources_ = "sources:\n  - label: " + yamlQuote(label) + "\n    path: " + yamlQuote(source.string()) + "\n";
    retention_ = retentionYaml(keep);
    writeConfig(encrypted_);
    Result r = run(command("one-shot", {"--config", config_.string()}, {}));
    history_.push_back(r);
    return r;
}

std::string VykarTool::retentionYaml(const RetentionRules& r) {
    std::ostringstream y;
    y << "retention:\n";
    for (const auto& [key, n] : {std::pair<const char*, int>{"keep_last", r.last},
                                 {"keep_hourly", r.hourly},
                                 {"keep_daily", r.daily},
                                 {"keep_weekly", r.weekly},
                                 {"keep_monthly", r.monthly},
                                 {"keep_yearly", r.yearly}})
        if (n > 0) y << "  " << key << ": " << n << "\n";
    if (r.within_days > 0) y << "  keep_within: " << yamlQuote(std::to_string(r.within_days) + "d") << "\n";
    return y.str();
}
// libfaketime reaches a dynamically linked (glibc) vykar only; its release binaries are static (musl)
std::string VykarTool::backdatingGap() const {
    if (!fs::exists(kLibFaketime))
        return std::string("libfaketime is not installed (") + kLibFaketime + "; scripts/bootstrap installs faketime)";
    std::ifstream in(binary_, std::ios::binary);
    std::string head(4096, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    if (head.rfind("#!", 0) == 0) return "";  // a self-test's wrapper: the binary it runs decides (layer "backdated")
    if (head.find("ld-linux") == std::string::npos)
        return binary_ +
               " is statically linked (no ELF interpreter): libfaketime cannot move its clock, and vykar "
               "has no flag to back-date a snapshot";
    return "";
}
void VykarTool::reclaim() {
    step("compact", args({"compact"}));
}
void VykarTool::unlock() {
    step("break-lock", args({"break-lock"}));
}

ToolFacts vykarFacts() {
    ToolFacts f{
        {{"threads1",
          "limits.threads: 1, its sequential backup path: vykar 0.19.1 (built from 2cc94eb here) skips a name that is "
          "not UTF-8 when it "
          "backs up on more than one thread, its default; this row proves the rest of its behaviour on the full corpus",
          true},
         {"zstd", "compression.algorithm zstd (the benchmarks' setting: the compression family every peer has)", false},
         {"uncompressed",
          "compression.algorithm none (the at-rest scan's control: with encryption mode none, the data as it is)",
          false}},
        "zstd",
        "compression.algorithm zstd (variant zstd), encryption mode auto, default chunking and threads",
        {}};
    // docs/src/configuration.md (Retention) and prune.rs: UTC buckets, within then last then hourly to yearly, a
    // kept snapshot still fills a later rule's slot, no oldest kept, keep_within from now; it refuses a policy
    // that removes all of a source label's snapshots
    RetentionModel& r = f.retention;
    r.zone = RetentionModel::Zone::Utc;
    r.kept_fills_later_slots = true;
    r.within_from = RetentionModel::WithinFrom::Now;
    r.within_inclusive = true;
    r.refuses_removing_all = true;
    r.documented = "vykar docs/src/configuration.md (Retention); crates/vykar-core/src/prune.rs";
    return f;
}

DriverFactory vykarDriver() {
    return driver<VykarTool>();
}

StallBound VykarTool::stallBound() const {
    // REST and S3: no documented bound on a request that hangs
    if (target_.kind != "sftp") return {};
    const bool set = ctx_.request_timeout.count() > 0;
    const auto per = set ? std::chrono::seconds(std::clamp<long long>(ctx_.request_timeout.count(), 5, 300))
                         : std::chrono::seconds(30);
    const int tries = ctx_.tool_retries ? 6 : 1;  // retry.max_retries: 5 by default, 0 where the suite sets it
    // back-off from 1.5 s, doubling (with jitter): 1.5 + 3 + 6 + 12 + 24 s
    return {tries * per + std::chrono::seconds(ctx_.tool_retries ? 47 : 0),
            "vykar's documented sftp_timeout " + std::to_string(per.count()) +
                (set ? " s (set by the suite)" : " s (its default)") + " for each request, retry.max_retries " +
                std::to_string(tries - 1) + " with back-off from 1.5 s (docs/src/configuration.md)"};
}

RepoLayout VykarTool::layout() const {
    RepoLayout l;
    l.data_packs = R"(^packs/[0-9a-f]{2}/[0-9a-f]+$)";
    l.index = R"(^index$)";
    l.snapshots = R"(^snapshots/[0-9a-f]+$)";  // named by a key of their own, not the listed id
    l.locks = R"(^(locks|sessions)/)";
    l.keys = R"(^keys/repokey$)";
    return l;
}

// vykar's documented repair: check --repair, reading every chunk (corrupt snapshots removed, index entries of missing
// or corrupt packs dropped, snapshots rewritten without bad items)
RepairOutcome VykarTool::repair() {
    RepairOutcome o;
    o.steps.push_back(step("check-repair", args({"check", "--repair", "--verify-data", "--yes"})));
    return o;
}

}  // namespace e2e
