// borg 1.4 (scripts/bootstrap pins it from PyPI, in its own venv): archive names carry the label (<label>@<n>), JSON
// output.
#include "tools/Drivers.hpp"
#include "tools/Registry.hpp"
#include "text/WallClock.hpp"

#include <nlohmann/json.hpp>
#include <fstream>
#include <regex>
#include <sstream>

namespace e2e {

class BorgTool : public CliTool {
public:
    BorgTool(std::string binary, ToolContext ctx, RepoTarget target);
    std::string name() const override { return "borg"; }
    std::string exitMeaning(int code) const override {
        return code == 1 ? "warning: borg finished with warnings" : code == 2 ? "error" : "";
    }
    bool partialExit(int code) const override { return code == 1; }
    Capabilities capabilities() const override;
    void init(const RepoOptions& opt) override;
    std::vector<Snapshot> snapshots() override;
    std::vector<std::string> files(const std::string& id) override;
    void restore(const std::string& id, const fs::path& dest) override;
    void restoreSelection(const std::string& id, const PathSelection& sel, const fs::path& dest) override;
    std::vector<ReportedChange> diff(const std::string& from, const std::string& to) override;
    MountedSnapshot mount(const std::string& id, const fs::path& mountpoint, int port) override;
    std::string notifyGap() const override {
        return "borg runs no hooks of its own (borgmatic, a separate program, wraps it)";
    }
    std::string findGap() const override {
        return "borg has no find command (borg list of each archive is a listing, not a search)";
    }
    void check(bool verify_data) override;
    void forget(const std::string& id) override;
    void forgetByPolicy(const RetentionRules& rules, const std::vector<std::string>& labels) override;
    void reclaim() override;
    void unlock() override;
    RepoLayout layout() const override;
    fs::path clientKeyDir() const override;
    RepairOutcome repair() override;
    StallBound stallBound() const override;
    std::string appendOnlyServe(const fs::path& repo) const override;
    std::string undoAppendedSince(std::chrono::system_clock::time_point since) override;

protected:
    std::map<std::string, std::string> toolEnv() const override;
    Invocation backupInvocation(const fs::path& source, const std::string& label) override;
    std::string snapshotIdFrom(const Result& r) override;
    std::vector<std::string> dumpArgs(const fs::path& command, const std::string& name,
                                      const std::string& label) override;

private:
    std::string repo() const;
    // the subcommand's args with --lock-wait when the context sets a wait for another client's lock
    std::vector<std::string> locked(std::vector<std::string> a) const;
    int seq_ = 0;
    std::string pending_;  // the archive name of the backup in flight
};

using json = nlohmann::json;

namespace {

// borg prints undecodable name bytes as lone surrogates (\udc80-\udcff, its
// surrogateescape); a JSON parser rejects them, so show them as U+FFFD.
std::string fixSurrogates(const std::string& line) {
    static const std::regex re(R"(\\udc[89a-fA-F][0-9a-fA-F])");
    return std::regex_replace(line, re, "\\ufffd");
}

}  // namespace

BorgTool::BorgTool(std::string binary, ToolContext ctx, RepoTarget target)
    : CliTool(std::move(binary), std::move(ctx), std::move(target)) {}

Capabilities BorgTool::capabilities() const {
    Capabilities c;
    c.backends = {"local", "sftp"};  // sftp here means borg over ssh (borg serve on the remote side)
    c.no_encryption = true;
    c.stdin_dumps = true;
    c.dump_guard = true;  // --content-from-command
    c.integrity_failure = R"(checksum mismatch|integrity error|corrupted|problems found)";
    c.lock_failure = R"(Failed to create/acquire the lock|LockTimeout|LockFailed)";
    c.avg_chunk_bytes = 2ull << 20;  // buzhash,19,23,21: 2^21 on average
    c.chunk_min_bytes = 1ull << 19, c.chunk_tail_bytes = 1ull << 21, c.chunk_max_bytes = 1ull << 23;
    c.pack_min = 4ull << 20;  // borg config max_segment_size (default 500 MiB)
    c.pack_max = 500ull << 20;
    c.pack_objects = R"((^|/)data/[0-9]+/[0-9]+$)";
    // --lock-wait: borg polls every tenth of it (120 s made a waiter sleep 12 s between tries)
    c.client_lock_wait = std::chrono::seconds(10);
    c.exclusive_data_check = true;  // every command takes the exclusive lock, its check too
    c.records_machine_host = true;  // an archive records the machine's hostname, with no per-client override
    // seen in the local round trip (borg 1.2.4): mtimes to the ns on files, dirs, symlinks and FIFOs, user xattrs and
    // ACLs all restored
    return c;
}

std::string BorgTool::repo() const {
    if (target_.kind == "local") return target_.path.string();
    if (target_.kind == "sftp")
        return "ssh://" + target_.user + "@" + target_.host + ":" + std::to_string(target_.port) +
               target_.path.string();
    throw ToolError("config", "borg: unsupported backend " + target_.kind);
}

std::map<std::string, std::string> BorgTool::toolEnv() const {
    std::map<std::string, std::string> e{{"BORG_PASSPHRASE", ctx_.passphrase},
                                         {"BORG_BASE_DIR", ctx_.home.string()},
                                         {"BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK", "yes"},
                                         {"BORG_RELOCATED_REPO_ACCESS_IS_OK", "yes"},
                                         {"BORG_DELETE_I_KNOW_WHAT_I_AM_DOING", "YES"},
                                         {"BORG_CHECK_I_KNOW_WHAT_I_AM_DOING", "YES"}};  // check --repair asks
    if (target_.kind == "sftp") {
        e["BORG_RSH"] = "ssh -i " + target_.key_file.string() +
                        " -o UserKnownHostsFile=" + target_.known_hosts.string() + " -o BatchMode=yes" +
                        sshAliveOptions(ctx_.request_timeout);
        // The suite's own sshd runs on this machine, so `borg serve` is this very
        // borg: the remote login's PATH could find another one first (a shim,
        // Debian's 1.2 in /usr/bin), and a mismatch would test two versions at once.
        if (!target_.external) e["BORG_REMOTE_PATH"] = fs::absolute(binary_).string();
    }
    return e;
}

StallBound BorgTool::stallBound() const {
    if (target_.kind != "sftp" || ctx_.request_timeout.count() <= 0) return {};  // ssh alone waits for ever
    return {ctx_.request_timeout, "borg over ssh: ssh's ServerAliveInterval x ServerAliveCountMax (" +
                                      std::to_string(ctx_.request_timeout.count()) +
                                      " s, set by the suite in BORG_RSH); borg does not retry a lost connection"};
}

std::vector<std::string> BorgTool::locked(std::vector<std::string> a) const {
    // every repository command takes its lock (create/delete/prune/compact/check exclusively):
    // a client waits this long for another's before it fails with LockTimeout
    if (ctx_.lock_wait.count() > 0 && !a.empty())
        a.insert(a.begin() + 1, {"--lock-wait", std::to_string(ctx_.lock_wait.count())});
    return a;
}

void BorgTool::init(const RepoOptions& opt) {
    const std::string mode = !opt.encrypted ? "none" : ctx_.variant == "keyfile" ? "keyfile-blake2" : "repokey-blake2";
    step("init", {"init", "--encryption", mode, repo()});
    if (ctx_.pack_size)
        step("init-segment-size", {"config", repo(), "max_segment_size", std::to_string(ctx_.pack_size)});
}

CliTool::Invocation BorgTool::backupInvocation(const fs::path& source, const std::string& label) {
    // borg names archives itself from what the caller chose: <label>@<n>
    std::string name = label + "@" + std::to_string(++seq_);
    for (const auto& s : snapshots())
        if (s.id == name) name = label + "@" + std::to_string(++seq_) + "b";
    pending_ = name;
    if (backdate_)  // --timestamp with its UTC offset: unambiguous in any time zone
        return {locked({"create", "--json", "--timestamp", wallClock(*backdate_, "", "%Y-%m-%dT%H:%M:%S+00:00"),
                        repo() + "::" + name, "."}),
                source};
    if (ctx_.variant == "zstd" || ctx_.variant == "uncompressed")  // the benchmarks' variant; the at-rest scan's
        return {locked({"create", "--json", "--compression", ctx_.variant == "zstd" ? "zstd,3" : "none",
                        repo() + "::" + name, "."}),
                source};
    return {locked({"create", "--json", repo() + "::" + name, "."}), source};
}

std::vector<std::string> BorgTool::dumpArgs(const fs::path& command, const std::string& name,
                                            const std::string& label) {
    const auto inv = backupInvocation({}, label).args;
    const std::string archive = inv[inv.size() - 2];  // ... <repo>::<name> .
    if (command.empty()) return locked({"create", "--json", "--stdin-name", name, archive, "-"});
    // --content-from-command: borg runs it and creates no archive when it fails
    return locked(
        {"create", "--json", "--content-from-command", "--stdin-name", name, archive, "--", command.string()});
}

std::string BorgTool::snapshotIdFrom(const Result&) {
    return pending_;
}

std::vector<Snapshot> BorgTool::snapshots() {
    // --format's keys are added to the JSON: the hostname borg recorded (the machine's)
    Result r = step("list", locked({"list", "--json", "--format", "{hostname}", repo()}));
    auto j = json::parse(fixSurrogates(r.out), nullptr, false);
    if (j.is_discarded() || !j.contains("archives"))
        throw ToolError("list", "borg list --json printed no archives list", r);
    std::vector<Snapshot> out;
    for (const auto& a : j["archives"]) {
        std::string name = a.value("name", "");
        auto at = name.rfind('@');
        out.push_back(
            {name, at == std::string::npos ? name : name.substr(0, at), a.value("start", ""), a.value("hostname", "")});
    }
    return out;
}

std::vector<std::string> BorgTool::files(const std::string& id) {
    Result r = step("list-files", locked({"list", "--json-lines", repo() + "::" + id}));
    std::vector<std::string> out;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
        auto j = json::parse(fixSurrogates(line), nullptr, false);
        if (j.is_discarded()) continue;
        std::string p = j.value("path", "");
        if (p.rfind("./", 0) == 0) p.erase(0, 2);
        if (!p.empty() && p != ".") out.push_back(p);
    }
    return out;
}

void BorgTool::restore(const std::string& id, const fs::path& dest) {
    fs::create_directories(dest);
    step("extract", locked({"extract", repo() + "::" + id}), dest);
}

// extract PATH (a directory with all under it), or an sh: pattern (`**/` matches any depth), in dest
void BorgTool::restoreSelection(const std::string& id, const PathSelection& sel, const fs::path& dest) {
    fs::create_directories(dest);
    const std::string what = sel.kind == PathSelection::Kind::Glob ? "sh:**/" + sel.path : sel.path;
    step("extract-part", locked({"extract", repo() + "::" + id, what}), dest);
}

// 1.x: ARCHIVE1 and a bare ARCHIVE2; unsorted without --sort-by
std::vector<ReportedChange> BorgTool::diff(const std::string& from, const std::string& to) {
    return stepRead("diff", locked({"diff", "--json-lines", "--sort-by=path", repo() + "::" + from, to}),
                    parseBorgDiff);
}

// -f: in the foreground, so that the suite holds the process (Ctrl-C unmounts); one archive: its paths at the root
MountedSnapshot BorgTool::mount(const std::string& id, const fs::path& mountpoint, int) {
    MountedSnapshot m;
    m.process =
        startStep("mount", locked({"mount", "-f", repo() + "::" + id, mountpoint.string()}), std::chrono::minutes(30));
    m.tree = mountpoint;
    return m;
}

void BorgTool::check(bool verify_data) {
    if (verify_data)
        step("check", locked({"check", "--verify-data", repo()}));
    else
        step("check", locked({"check", repo()}));
}

void BorgTool::forget(const std::string& id) {
    step("delete", locked({"delete", repo() + "::" + id}));
}
// borg 1.4 prunes every archive it is given as one series: each label's own (-a '<label>@*'), as its docs advise
void BorgTool::forgetByPolicy(const RetentionRules& rules, const std::vector<std::string>& labels) {
    for (const auto& label : labels) {
        std::vector<std::string> a{"prune", "--list"};
        for (auto& f : keepFlags(rules)) a.push_back(f);
        a.insert(a.end(), {"-a", label + "@*", repo()});
        step("prune", locked(a));
    }
}
void BorgTool::reclaim() {
    step("compact", locked({"compact", repo()}));
}
void BorgTool::unlock() {
    step("break-lock", {"break-lock", repo()});
}

RepoLayout BorgTool::layout() const {
    RepoLayout l;
    l.data_packs = R"(^data/[0-9]+/[0-9]+$)";  // segments: a transaction's objects, contents and metadata together
    l.index = R"(^index\.[0-9]+$)";
    l.no_snapshots = "borg keeps each archive's metadata as objects inside its segments, in no file of its own";
    l.locks = R"(^lock\.(exclusive|roster)(/|$))";
    l.no_keys = ctx_.variant == "keyfile" ? "keyfile mode keeps the key beside the client (clientKeyDir)"
                                          : "repokey mode keeps the key inside the repository's config file, with the "
                                            "rest of its settings";
    return l;
}

fs::path BorgTool::clientKeyDir() const {
    return ctx_.variant == "keyfile" ? ctx_.home / ".config" / "borg" / "keys" : fs::path{};
}

// borg's documented append-only access: `borg serve --append-only` forced on the client's key in authorized_keys
// (docs/usage/notes.rst, "Append-only mode"), restricted to the one repository
std::string BorgTool::appendOnlyServe(const fs::path& repo) const {
    return shellQuote(fs::absolute(binary_).string()) + " serve --append-only --restrict-to-repository " +
           shellQuote(repo.string());
}

// borg's documented recovery after an attack through append-only access (the same notes): its `transactions` log
// names each transaction by its last segment file, with its UTC time; the repository goes back to the last
// transaction before the attack by removing the index.N and hints.N files and every segment file after it.
std::string BorgTool::undoAppendedSince(std::chrono::system_clock::time_point since) {
    if (target_.kind != "local") throw ToolError("config", "borg: the roll-back is done on the server's disk");
    const fs::path repo = target_.path;
    std::ifstream log(repo / "transactions");
    if (!log)
        throw ToolError("undo", "borg: no transactions log in " + repo.string() +
                                    ": append-only access should have written one for each transaction");
    static const std::regex line(R"(^transaction (\d+), UTC time (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?)");
    const double cut = std::chrono::duration<double>(since.time_since_epoch()).count();
    long keep = 0, last = 0;
    std::string kept_at = "none";
    for (std::string l; std::getline(log, l);) {
        std::smatch m;
        if (!std::regex_search(l, m, line)) continue;
        struct tm wall {};
        strptime(m[2].str().c_str(), "%Y-%m-%dT%H:%M:%S", &wall);
        const double at = double(timegm(&wall)) + (m[3].matched ? std::stod("0" + m[3].str()) : 0.0);
        last = std::stol(m[1].str());
        if (at < cut) keep = last, kept_at = m[2].str();
    }
    if (last <= keep) return "";  // nothing appended since
    std::string removed;
    for (const auto& e : fs::directory_iterator(repo))
        if (std::regex_match(e.path().filename().string(), std::regex(R"((index|hints)\.\d+)")))
            removed += (removed.empty() ? "" : ", ") + e.path().filename().string(), fs::remove(e.path());
    int segments = 0;
    for (const auto& dir : fs::directory_iterator(repo / "data"))
        for (const auto& seg : fs::directory_iterator(dir.path()))
            if (std::regex_match(seg.path().filename().string(), std::regex(R"(\d+)")) &&
                std::stol(seg.path().filename().string()) > keep)
                fs::remove(seg.path()), ++segments;
    return "rolled back to transaction " + std::to_string(keep) + " (UTC " + kept_at +
           "), the last before the attack: " + std::to_string(segments) +
           " segment files after it removed (up to transaction " + std::to_string(last) + "), and " +
           (removed.empty() ? std::string("no index or hints file") : removed);
}

// borg's documented repair: check --repair, reading every chunk (--verify-data): segments and index, then archives
RepairOutcome BorgTool::repair() {
    RepairOutcome o;
    o.steps.push_back(step("check-repair", {"check", "--repair", "--verify-data", repo()}));
    return o;
}

RetentionModel borgRetention();

ToolFacts borgFacts() {
    ToolFacts f{
        {{"zstd", "create --compression zstd,3 (the benchmarks' setting: the compression family every peer has)",
          false},
         {"uncompressed",
          "create --compression none (the at-rest scan's control: with encryption none, the data as it is)", false},
         {"keyfile",
          "init --encryption keyfile-blake2: the key in a file beside the client, not in the repository (the at-rest "
          "missing and wrong key rows)",
          false}},
        "zstd",
        "init --encryption repokey-blake2, create --compression zstd,3 (variant zstd), default chunker; borg 1.x "
        "runs one thread",
        {}};
    f.retention = borgRetention();
    return f;
}

// borg 1.4 docs/usage/prune.rst (and docs/misc/prune-example.txt): rules in order, within first; an archive an
// earlier rule kept does not count toward a later one; local time of the machine running prune; --keep-within
// counts back from now; a rule short of archives keeps the oldest
RetentionModel borgRetention() {
    RetentionModel r;
    r.zone = RetentionModel::Zone::Local;
    r.kept_fills_later_slots = false;
    r.keeps_oldest_when_short = true;
    r.within_from = RetentionModel::WithinFrom::Now;
    r.within_inclusive = false;
    r.documented = "borg 1.4 docs/usage/prune.rst and docs/misc/prune-example.txt";
    return r;
}

DriverFactory borgDriver() {
    return driver<BorgTool>();
}

}  // namespace e2e
