// restic 0.17+ (scripts/bootstrap pins 0.18 from the Go module proxy): JSON output for
// backup, snapshots and ls; --stdin-from-command for dumps.
#include "tools/Drivers.hpp"
#include "tools/Registry.hpp"
#include "text/WallClock.hpp"
#include "tree/Digest.hpp"
#include "tree/RandomData.hpp"

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

namespace e2e {

class ResticTool : public CliTool {
public:
    ResticTool(std::string binary, ToolContext ctx, RepoTarget target);
    std::string name() const override { return "restic"; }
    std::string exitMeaning(int code) const override {
        return code == 3 ? "some source files could not be read" : code == 130 ? "interrupted" : "";
    }
    bool partialExit(int code) const override { return code == 3; }
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

protected:
    std::map<std::string, std::string> toolEnv() const override;
    Invocation backupInvocation(const fs::path& source, const std::string& label) override;
    std::string snapshotIdFrom(const Result& r) override;
    std::vector<std::string> dumpArgs(const fs::path& command, const std::string& name,
                                      const std::string& label) override;
    std::vector<std::string> versionArgs() const override;

private:
    std::string repoUrl() const;
    std::vector<std::string> common() const;
    std::vector<std::string> args(std::initializer_list<std::string> rest) const;
};

using json = nlohmann::json;

ResticTool::ResticTool(std::string binary, ToolContext ctx, RepoTarget target)
    : CliTool(std::move(binary), std::move(ctx), std::move(target)) {}

Capabilities ResticTool::capabilities() const {
    Capabilities c;
    c.backends = {"local", "rest", "s3", "sftp"};
    c.no_encryption = false;
    c.no_encryption_reason = "restic always encrypts its repository (no unencrypted mode)";
    c.stdin_dumps = true;
    c.dump_guard = true;  // --stdin-from-command (0.17+; bootstrap installs 0.18)
    c.integrity_failure = R"(repository contains errors|does not match|ciphertext verification failed|hash mismatch)";
    c.lock_failure = R"(repository is already locked|unable to create lock)";
    c.forgeable_packs = true;
    c.avg_chunk_bytes = 1ull << 20;  // content-defined chunks of 512 KiB to 8 MiB, 1 MiB on average
    c.chunk_min_bytes = 512ull << 10, c.chunk_tail_bytes = 1ull << 20, c.chunk_max_bytes = 8ull << 20;  // 2^20 mask
    c.pack_min = 4ull << 20;  // backup --pack-size: 4 to 128 MiB (default 16)
    c.pack_max = 128ull << 20;
    c.pack_objects = R"((^|/)data/[0-9a-f]{2}/[0-9a-f]{64}$)";
    // --stuck-request-timeout, 5 min by default: seen with 0.18.1 after a rest-server's 507, its uploads in flight wait
    // that long
    c.stuck_request_wait = std::chrono::seconds(300);
    c.backend_retry_limit = std::chrono::minutes(15);
    c.backend_retry_note = "restic retries a failed backend request for up to 15 minutes (since 0.17: restic PR #4784)";
    c.exclusive_data_check = true;  // check --read-data takes the exclusive lock (side by side, clients back off)
    // seen in the local round trip (restic 0.14.0 and 0.18.1): mtimes to the ns on files, dirs, symlinks and FIFOs,
    // user xattrs and ACLs all restored
    return c;
}

std::string ResticTool::repoUrl() const {
    const RepoTarget& t = target_;
    if (t.kind == "local") return t.path.string();
    if (t.kind == "rest")
        return "rest:" + t.scheme + "://" + (t.user.empty() ? "" : t.user + ":" + t.token + "@") + t.host + ":" +
               std::to_string(t.port) + "/" + t.repo_name;
    if (t.kind == "s3")
        return "s3:" + t.scheme + "://" + t.host + ":" + std::to_string(t.port) + "/" + t.bucket + "/" + t.prefix;
    if (t.kind == "sftp") return "sftp:" + t.user + "@" + t.host + ":" + t.path.string();
    throw ToolError("config", "restic: unsupported backend " + t.kind);
}

std::map<std::string, std::string> ResticTool::toolEnv() const {
    std::map<std::string, std::string> e{{"RESTIC_PASSWORD", ctx_.passphrase},
                                         {"RESTIC_REPOSITORY", repoUrl()},
                                         {"RESTIC_CACHE_DIR", (ctx_.home / "restic-cache").string()}};
    if (target_.kind == "s3") {
        e["AWS_ACCESS_KEY_ID"] = target_.access_key;
        e["AWS_SECRET_ACCESS_KEY"] = target_.secret_key;
        e["AWS_DEFAULT_REGION"] = target_.region;
    }
    return e;
}

std::vector<std::string> ResticTool::common() const {
    std::vector<std::string> a;
    if (target_.kind == "sftp") {
        a.push_back("-o");
        a.push_back("sftp.command=ssh -p " + std::to_string(target_.port) + " -i " + target_.key_file.string() +
                    " -o UserKnownHostsFile=" + target_.known_hosts.string() + " -o BatchMode=yes" +
                    sshAliveOptions(ctx_.request_timeout) + " " + target_.user + "@" + target_.host + " -s sftp");
    } else if (target_.kind != "local" && ctx_.request_timeout.count() > 0) {
        a.push_back("--stuck-request-timeout=" + std::to_string(ctx_.request_timeout.count()) + "s");
    }
    if (!target_.ca_file.empty()) {
        a.push_back("--cacert");
        a.push_back(target_.ca_file.string());
    }
    // another client's exclusive lock (forget, prune, check): wait for it this long
    if (ctx_.lock_wait.count() > 0) a.push_back("--retry-lock=" + std::to_string(ctx_.lock_wait.count()) + "s");
    return a;
}

StallBound ResticTool::stallBound() const {
    if (target_.kind == "local") return {};
    const bool set = ctx_.request_timeout.count() > 0;
    if (target_.kind == "sftp" && !set) return {};  // ssh without ServerAlive options waits for ever
    const std::chrono::seconds per = set ? ctx_.request_timeout : std::chrono::seconds(300);
    const std::string request = target_.kind == "sftp" ? "ssh's ServerAliveInterval x ServerAliveCountMax (" +
                                                             std::to_string(per.count()) + " s, set by the suite)"
                                                       : "--stuck-request-timeout (" + std::to_string(per.count()) +
                                                             (set ? " s, set by the suite)" : " s, its default)");
    // Each request is dropped after the stuck-request timeout and retried for up to 15 minutes; its lock is
    // refreshed every 5 minutes with the same retries, and it gives up on a lock it could not refresh for 22.5
    // minutes (in its code). Seen by hand: a pack's save failed after 16 minutes, the run after 21; in the suite
    // still running at 22. The bound it documents: a lock older than 30 minutes is stale (design.rst), and a
    // backup still writing past that holds one.
    return {std::chrono::minutes(30),
            "restic: a lock older than 30 minutes is stale (design.rst: a run past it holds one); each request is "
            "dropped after " +
                request + " and a failed request retried for up to 15 minutes (restic PR #4784)"};
}

std::vector<std::string> ResticTool::args(std::initializer_list<std::string> rest) const {
    std::vector<std::string> a = common();
    a.insert(a.end(), rest.begin(), rest.end());
    return a;
}

void ResticTool::init(const RepoOptions& opt) {
    if (!opt.encrypted) throw ToolError("init", capabilities().no_encryption_reason);
    step("init", args({"init"}));
}

CliTool::Invocation ResticTool::backupInvocation(const fs::path& source, const std::string& label) {
    auto a = args({"backup", "--json", "--host", ctx_.host, "--tag", label, "."});
    if (ctx_.pack_size) a.insert(a.end() - 1, {"--pack-size", std::to_string(ctx_.pack_size >> 20)});
    if (backdate_) a.insert(a.end() - 1, {"--time", wallClock(*backdate_, ctx_.tz)});  // read in its local time
    return {a, source};
}

std::vector<std::string> ResticTool::dumpArgs(const fs::path& command, const std::string& name,
                                              const std::string& label) {
    // --stdin-from-command (0.17+): restic runs the command and saves no snapshot when it fails
    if (command.empty())
        return args({"backup", "--json", "--host", ctx_.host, "--tag", label, "--stdin", "--stdin-filename", name});
    return args({"backup", "--json", "--host", ctx_.host, "--tag", label, "--stdin-filename", name,
                 "--stdin-from-command", "--", command.string()});
}

std::string ResticTool::snapshotIdFrom(const Result& r) {
    std::istringstream in(r.out);
    std::string line, id;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] != '{') continue;
        auto j = json::parse(line, nullptr, false);
        if (!j.is_discarded() && j.value("message_type", "") == "summary") id = j.value("snapshot_id", "");
    }
    if (id.empty())
        throw ToolError("backup", "restic backup exited 0 but printed no snapshot_id in its JSON summary", r);
    return id;
}

std::vector<Snapshot> ResticTool::snapshots() {
    Result r = step("snapshots", args({"snapshots", "--json"}));
    auto j = json::parse(r.out, nullptr, false);
    if (!j.is_array()) throw ToolError("snapshots", "restic snapshots --json did not print a JSON array", r);
    std::vector<Snapshot> out;
    for (const auto& s : j) {
        Snapshot sn{s.value("id", ""), "", s.value("time", ""), s.value("hostname", "")};
        if (s.contains("tags") && s["tags"].is_array() && !s["tags"].empty())
            sn.label = s["tags"][0].get<std::string>();
        out.push_back(sn);
    }
    return out;
}

std::vector<std::string> ResticTool::files(const std::string& id) {
    Result r = step("ls", args({"ls", "--json", id}));
    std::vector<std::string> out;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
        auto j = json::parse(line, nullptr, false);
        if (j.is_discarded() || j.value("struct_type", "") != "node") continue;
        std::string p = j.value("path", "");
        if (!p.empty() && p[0] == '/') p.erase(0, 1);
        if (!p.empty()) out.push_back(p);
    }
    return out;
}

void ResticTool::restore(const std::string& id, const fs::path& dest) {
    step("restore", args({"restore", id, "--target", dest.string()}));
}

// --include: a path from the snapshot's root (its paths start with "/"), or a name pattern, which restic matches
// at any depth
void ResticTool::restoreSelection(const std::string& id, const PathSelection& sel, const fs::path& dest) {
    const std::string pattern = sel.kind == PathSelection::Kind::Glob ? sel.path : "/" + sel.path;
    step("restore-part", args({"restore", id, "--target", dest.string(), "--include", pattern}));
}

// backed up as "." from the source: its paths are "/name", directories "/name/"
std::vector<ReportedChange> ResticTool::diff(const std::string& from, const std::string& to) {
    return stepRead("diff", args({"diff", "--metadata", "--json", from, to}), parseResticDiff);
}

std::map<std::string, std::string> ResticTool::find(const std::string& path) {
    return stepRead("find", args({"find", "--json", "/" + path}),
                    [&](const std::string& out) { return parseResticFind(out, path); });
}

// its FUSE tree: ids/<short id>/ holds the snapshot's root (backed up as "."); Ctrl-C unmounts
MountedSnapshot ResticTool::mount(const std::string& id, const fs::path& mountpoint, int) {
    MountedSnapshot m;
    m.process = startStep("mount", args({"mount", mountpoint.string()}), std::chrono::minutes(30));
    m.tree = mountpoint / "ids" / id.substr(0, 8);
    return m;
}

void ResticTool::check(bool verify_data) {
    if (verify_data)
        step("check", args({"check", "--read-data"}));
    else
        step("check", args({"check"}));
}

void ResticTool::forget(const std::string& id) {
    step("forget", args({"forget", id}));
}
// grouped by host and paths (its default): each label backs up a directory of its own
void ResticTool::forgetByPolicy(const RetentionRules& rules, const std::vector<std::string>&) {
    std::vector<std::string> a = args({"forget"});
    for (auto& f : keepFlags(rules)) a.push_back(f);
    step("forget", a);
}
void ResticTool::reclaim() {
    step("prune", args({"prune"}));
}
void ResticTool::unlock() {
    step("unlock", args({"unlock"}));
}

RepoLayout ResticTool::layout() const {
    RepoLayout l;
    l.data_packs = R"(^data/[0-9a-f]{2}/[0-9a-f]{64}$)";  // tree and data blobs, in packs of their own kind
    l.index = R"(^index/[0-9a-f]{64}$)";
    l.snapshots = R"(^snapshots/[0-9a-f]{64}$)";
    l.locks = R"(^locks/[0-9a-f]{64}$)";
    l.keys = R"(^keys/[0-9a-f]{64}$)";
    return l;
}

// restic's documented repair (its troubleshooting guide): the damaged packs its data check names are
// salvaged (`repair packs`), the index rebuilt from the packs there are, then every snapshot rewritten without
// what is lost (the damaged originals forgotten)
RepairOutcome ResticTool::repair() {
    RepairOutcome o;
    o.steps.push_back(step("repair-check", args({"check", "--read-data"}), {}, {0, 1}));
    static const std::regex suggested(R"(restic repair packs ([0-9a-f ]+))");
    std::smatch m;
    const std::string said = o.steps.back().out + "\n" + o.steps.back().err;
    if (std::regex_search(said, m, suggested)) {
        std::vector<std::string> a = args({"repair", "packs"});
        std::istringstream ids(m[1].str());
        for (std::string id; ids >> id;) a.push_back(id);
        o.steps.push_back(step("repair-packs", a));
    }
    o.steps.push_back(step("repair-index", args({"repair", "index", "--read-all-packs"})));
    o.steps.push_back(step("repair-snapshots", args({"repair", "snapshots", "--forget"})));
    return o;
}

std::vector<std::string> forgeResticDataPack(const fs::path& repo, const std::function<void()>& reindex) {
    fs::path pack;
    std::uintmax_t biggest = 0;
    std::vector<fs::path> others;
    for (const auto& e : fs::recursive_directory_iterator(repo / "data")) {
        if (!e.is_regular_file()) continue;
        if (e.file_size() > biggest) {
            if (!pack.empty()) others.push_back(pack);
            pack = e.path(), biggest = e.file_size();
        } else
            others.push_back(e.path());
    }
    if (pack.empty()) throw ToolError("forge", "the scratch repository " + repo.string() + " holds no pack");
    for (const auto& p : others) fs::remove(p);
    for (const char* dir : {"index", "snapshots", "locks"})
        if (fs::exists(repo / dir))
            for (const auto& e : fs::directory_iterator(repo / dir)) fs::remove_all(e.path());
    flipBytes(pack, biggest / 4, 64);
    const std::string id = sha256File(pack);
    const fs::path named = repo / "data" / id.substr(0, 2) / id;
    fs::create_directories(named.parent_path());
    fs::rename(pack, named);
    reindex();
    std::vector<std::string> out{fs::relative(named, repo).string()};
    for (const auto& e : fs::directory_iterator(repo / "index")) out.push_back(fs::relative(e.path(), repo).string());
    return out;
}

std::vector<std::string> ResticTool::versionArgs() const {
    return {"version"};
}

ToolFacts resticFacts() {
    ToolFacts f{
        {},
        "",
        "repository v2, compression auto (zstd, restic's default), always encrypted, default chunker and parallelism",
        {}};
    RetentionModel& r = f.retention;       // doc/060_forget.rst, "Removing snapshots according to a policy"
    r.zone = RetentionModel::Zone::Local;  // each snapshot's own time, stored with the machine's offset
    r.kept_fills_later_slots = true;       // every rule looks at every snapshot on its own
    r.keeps_oldest_when_short = true;
    r.within_from = RetentionModel::WithinFrom::NewestCalendarDays;  // "relative to the latest snapshot"
    r.within_inclusive = false;
    r.refuses_removing_all = true;  // "refusing to delete last snapshot of snapshot group"
    r.documented = "restic doc/060_forget.rst (Removing snapshots according to a policy)";
    return f;
}

DriverFactory resticDriver() {
    return driver<ResticTool>();
}

}  // namespace e2e
