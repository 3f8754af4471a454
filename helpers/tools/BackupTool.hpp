#pragma once
// One interface over every backup tool's CLI. Each driver maps a scenario step
// to its tool's real command line, isolates the tool's home/caches/config per
// test, and throws ToolError (with the command's outcome and log) on failure.
#include "process/Process.hpp"
#include "tree/Manifest.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace e2e {

namespace fs = std::filesystem;

// What a backend fixture hands a driver. Each driver maps it to its own syntax.
struct RepoTarget {
    std::string kind;       // local | rest | s3 | sftp | kopia-server (kopia's own repository server)
    bool external = false;  // an endpoint from the config, not a server we started
    fs::path path;          // local: repository dir; sftp: path on the server
    std::string host;       // rest/s3/sftp
    int port = 0;
    std::string scheme = "http";
    std::string user;                                  // sftp
    std::string bucket, prefix, region = "us-east-1";  // s3
    std::string access_key, secret_key;                // s3 (secret: redacted)
    std::string token;                                 // rest (secret: redacted)
    std::string repo_name;                             // rest: path under the server root (empty = root)
    // s3: the bucket keeps every version under Object Lock; the tool's documented set-up for such a bucket applies
    // (vykar: s3_soft_delete)
    bool object_lock = false;
    fs::path key_file, known_hosts, ca_file;
    std::string cert_fingerprint;  // kopia-server: SHA-256 of the server's TLS certificate (hex)
    fs::path
        local_dir;  // where a managed repository's bytes lie on this machine (progress lines); empty = not measurable
    std::vector<std::string> secrets() const;
};

struct Capabilities {
    std::set<std::string> backends;  // which RepoTarget kinds it can use
    bool no_encryption = false;      // can create an unencrypted repository
    bool stdin_dumps = false;        // can store a command's stdout as a file (from-command mode or its stdin)
    // A from-command mode: the tool runs the dump command itself and must
    // commit nothing when it fails (vykar command_dumps, restic
    // --stdin-from-command, rustic --stdin-command, borg
    // --content-from-command). Without it only the suite's pipe recipe can
    // feed the tool (test/common/DumpRecipe), and the recipe's verdict is not the tool's.
    bool dump_guard = false;
    bool native_hooks = false;  // runs before/after/failed/finally itself
    // tree fidelity: what a restore brings back (a gap is a named tolerance, not a silent pass)
    bool hardlinks = true;
    bool fifos = true;
    bool listing_newlines = true;  // its file listing can show a name with a newline
    // Entries its file listing shows of its own, not the source's (ECMAScript regex matched against a whole
    // listed path, after files() made it relative to the source root): e.g. a dir it puts dumps in; "" = none.
    std::string listing_own_entries;
    bool raw_names = true;  // restores names that are not UTF-8 byte for byte
    // how much of each kind's mtime a restore brings back (Seconds: the fraction is lost; Ignored: not restored)
    MtimePrecision file_mtime = MtimePrecision::Nanoseconds;  // regular files and FIFOs
    MtimePrecision dir_mtime = MtimePrecision::Nanoseconds;
    MtimePrecision symlink_mtime = MtimePrecision::Nanoseconds;
    bool xattrs = true;                // user.* extended attributes, on files and dirs
    bool acls = true;                  // POSIX access and default ACLs
    std::string no_encryption_reason;  // when !no_encryption
    // How its check says the repository's data is damaged (ECMAScript regex,
    // case-insensitive, matched against the check's own output): a check that
    // fails for another reason (a timeout, a lock, a cache) caught nothing.
    std::string integrity_failure;
    // The average chunk its default chunker cuts (a declared fact of the tool):
    // a change in the data costs it about this much per changed place.
    std::uint64_t avg_chunk_bytes = 1ull << 20;
    // Its default chunker's shape: no cut before chunk_min_bytes, then a cut with the same chance at every byte
    // (chunk_tail_bytes on average), forced at chunk_max_bytes. A change at one place costs it the chunk that holds
    // the place, which is on average longer than its average chunk (a long chunk is likelier to hold it).
    std::uint64_t chunk_min_bytes = 512ull << 10, chunk_tail_bytes = 1ull << 20, chunk_max_bytes = 8ull << 20;
    // How a step says it met another client's (or a killed run's) lock; "" = lock-free.
    std::string lock_failure;
    // The suite can forge its packs and index with the tool itself (forgeDataPack): restic's format, content-addressed
    // packs and an index rebuilt from pack headers.
    bool forgeable_packs = false;
    // A directory restored alone becomes the restore's target, whose own metadata the tool never sets (as the root
    // of a whole restore): rustic's snap:path.
    bool selected_dir_is_target = false;
    // Its diff names what changed of a path's metadata alone (mode, mtime, owner) and the directories added or
    // removed; where it does not, why (diff_leaves_out): vykar compares regular files' contents only, kopia counts
    // metadata-only files without naming them.
    bool diff_metadata = true;
    bool diff_dirs = true;
    std::string diff_leaves_out;
    // The pack (data object) size its setting takes (ToolContext::pack_size),
    // and which repository files are its packs (ECMAScript regex searched in
    // the path relative to the repository); pack_max 0 = it cannot be set.
    std::uint64_t pack_min = 0, pack_max = 0;
    std::string pack_objects;
    // S3: an object over this size goes up as a multipart upload (0 = not declared); the backends
    // area checks the server saw that path whenever the bucket holds such an object.
    std::uint64_t s3_multipart_over = 0;
    // How long it may wait on a stuck request before it retries or gives up
    // (restic's stuck-request timeout); a deadline around a failing transfer lies beyond it.
    std::chrono::seconds stuck_request_wait{0};
    // How long it keeps retrying a backend request that fails (0 = no documented limit beyond a few tries):
    // a deadline around a fault the server keeps answering with an error lies beyond it; the note says where
    // the tool documents it.
    std::chrono::seconds backend_retry_limit{0};
    std::string backend_retry_note;
    // concurrent clients (robustness/multiclient)
    struct Refusal {
        std::string pattern, why;  // ECMAScript regex (case-insensitive) on the step's output; what it means
    };
    std::vector<Refusal> client_refusals;       // documented refusals when another client's work is in the way
    std::chrono::seconds client_lock_wait{60};  // how long a client waits for another's lock (ToolContext::lock_wait)
    bool exclusive_data_check = false;          // its data-verifying check takes the exclusive lock: checks take turns
    bool records_machine_host = false;          // records the machine's hostname (no override): clients differ by label
    std::string concurrent_reclaim_finding;     // a known intermittent finding of reclaim beside writing clients
};

// Where a tool keeps what in a repository on a filesystem: ECMAScript regexes searched in each file's path
// relative to the repository dir. "" = it keeps no file of that kind of its own, and the reason says why.
struct RepoLayout {
    std::string data_packs;               // packs holding file contents
    std::string index, no_index;          // index files apart from the packs; why none
    std::string snapshots, no_snapshots;  // one file per snapshot's metadata; why none
    std::string locks, no_locks;          // lock or session markers a killed run leaves; why none
    std::string keys, no_keys;            // the key objects (the master key under the passphrase); why none
};

// What the tool's documented repair did: each command's outcome, in order.
struct RepairOutcome {
    std::vector<Result> steps;
    // the repair keeps a damaged file in the snapshot under its name plus this suffix ("" = it does not)
    std::string damaged_file_suffix;
    std::string said() const;  // every step's output, joined
};

// A part of a snapshot to restore (the surface area's partial restore): a directory with everything under it, one
// entry, or every regular file whose name matches a glob, at any depth ("*.bin"). Paths relative to the source root,
// '/'-separated, raw bytes.
struct PathSelection {
    enum class Kind { Dir, File, Glob } kind = Kind::Dir;
    std::string path;  // Dir, File: the entry; Glob: the name pattern
};

// What a tool's own diff of two snapshots says of one path (the surface area's find-diff): `path` relative to the
// source root, '/'-separated, as the manifest has it (no leading "/" or "./", no trailing "/"); the strongest kind
// the tool printed for it (a content change over a metadata one).
struct ReportedChange {
    enum class Kind { Added, Removed, Modified, Metadata } kind = Kind::Modified;
    std::string path;
    std::string said;  // the tool's own words for it (its line, for the report)
};
std::string kindName(ReportedChange::Kind k);
// Lines for one path merged into one change per path, the strongest kind kept (an added and a removed one: a type
// change, Modified); sorted by path.
std::vector<ReportedChange> mergeChanges(const std::vector<ReportedChange>& lines);

// A snapshot served by the tool's own mount (the surface area's mount): the running command, and where the
// snapshot's tree shows: a directory in the mounted filesystem (FUSE), or a WebDAV URL (vykar).
struct MountedSnapshot {
    std::unique_ptr<Child> process;
    fs::path tree;    // FUSE: the snapshot's root under the mountpoint
    std::string url;  // WebDAV: the snapshot's root, "http://127.0.0.1:PORT/"
};

struct Snapshot {
    std::string id;
    std::string label;
    std::string time;
    std::string host;  // the client host the tool recorded ("" where its listing does not show one)
};

// Source hooks run by the tool itself (vykar's before/after/failed/finally).
struct HookSet {
    std::string before, after, failed, finally;  // shell commands; empty = none
};

// A variable a tool's docs give its hooks (vykar's {command} placeholder and its VYKAR_COMMAND twin), as a hook command
// spells it, and what it must hold for one backup (the surface area's hooks).
struct HookVariable {
    std::string name;       // "command", "VYKAR_COMMAND"
    std::string spelled;    // "{command}", "\"$VYKAR_COMMAND\""
    std::string value;      // what it must hold (the error: "", judged apart)
    bool is_error = false;  // the error: empty until the command failed, then saying why
};

// A retention policy (forget/prune keep-* rules), in the rules every tool has (kopia has no keep-within).
struct RetentionRules {
    int last = 0, hourly = 0, daily = 0, weekly = 0, monthly = 0, yearly = 0;
    int within_days = 0;  // keep every snapshot made within this many days; 0 = no such rule
    std::string describe() const;
};

// How a tool applies RetentionRules, as its documentation says (a declared fact, ToolFacts::retention): the oracle of
// the promises area's retention cases (test/common/RetentionModel.cpp applies it).
struct RetentionModel {
    // the clock its buckets (hour, day, ISO week, month, year) are cut in
    enum class Zone { Utc, Local, LocalWeeklyElseUtc } zone = Zone::Utc;
    // the rules in the order it applies them: "within" "last" "hourly" "daily" "weekly" "monthly" "yearly"
    std::vector<std::string> order{"within", "last", "hourly", "daily", "weekly", "monthly", "yearly"};
    bool kept_fills_later_slots = true;    // a snapshot an earlier rule kept still takes a slot of a later rule
    bool keeps_oldest_when_short = false;  // a rule with slots left when it runs out of snapshots keeps the oldest
    // keep-within: from the newest snapshot in calendar days (restic) or from now in 24-hour days; strict or not
    enum class WithinFrom { None, NewestCalendarDays, Now } within_from = WithinFrom::Now;
    bool within_inclusive = true;  // a snapshot exactly at the cutoff is kept
    // a bucket rule keeping N reaches back N of its periods from the group's newest snapshot, in the machine's
    // calendar, and no further: days without a snapshot use up its reach (kopia's cutoffs)
    bool rules_reach_back_from_newest = false;
    bool refuses_removing_all = false;  // a policy that removes every snapshot of a group is an error
    std::string documented;             // where the tool documents these rules
};

struct RepoOptions {
    bool encrypted = true;
};

// Per-test isolation: everything the tool writes outside the repo lives here.
struct ToolContext {
    fs::path home;                                // HOME, XDG dirs, caches, tool config
    fs::path log_dir;                             // command logs
    std::chrono::seconds timeout{600};            // init, list, check, ...
    std::chrono::seconds transfer_timeout{3600};  // backup and restore
    std::string passphrase;                       // generated per test; redacted everywhere
    std::string variant;  // a named, documented non-default setting (e.g. vykar "threads1"); "" = the tool's defaults
    bool exact_rusage = false;    // the benchmarks: each command's rusage is its own (Command::exact_rusage)
    std::uint64_t pack_size = 0;  // the target pack size (Capabilities::pack_min..pack_max); 0 = the tool's default
    // The client's identity where the tool records one: restic/rustic --host,
    // kopia --override-hostname (user "e2e"), vykar's `hostname:`. borg records
    // the machine's hostname (no override): its clients differ by label only.
    std::string host = "e2e";
    // How long a step waits for another client's lock (restic --retry-lock,
    // borg --lock-wait); 0 = the tool's default (restic: fail at once, borg: 1 s).
    std::chrono::seconds lock_wait{0};
    // Other clients use the repository at the same time: reclaim keeps the
    // tool's concurrency safety (kopia --safety=full, rustic's delayed delete).
    bool shared_repo = false;
    // Keep the tool's own network retries (the faults area judges them). Otherwise a driver
    // turns them off where the tool lets it (vykar retry.max_retries: 0), so a broken server
    // fails a step at once instead of after the tool's back-off.
    bool tool_retries = false;
    // How long one request that makes no progress may hang before the tool drops it (the faults area's stall that
    // never ends), set with the tool's documented option where it has one on this backend kind (restic
    // --stuck-request-timeout, rustic's REST `timeout`, vykar `sftp_timeout`, ssh's ServerAliveInterval); 0 = the
    // tool's default. BackupTool::stallBound() says what it amounts to.
    std::chrono::seconds request_timeout{0};
    // The machine's time zone as the tool sees it (TZ, an Olson name); "" = UTC (the tests' clean environment).
    std::string tz;
};

// How long the tool documents it keeps at a link that stalls and never recovers before it gives up (its per-request
// bound times its tries, plus back-off, on this backend kind and with this context), and where it says so. `within`
// 0: it documents none.
struct StallBound {
    std::chrono::seconds within{0};
    std::string documented;
};

// restic's keep-* flags, which rustic and borg share: --keep-last N ... --keep-within <N>d (rules that are 0 left
// out)
std::vector<std::string> keepFlags(const RetentionRules& rules);

// libfaketime (Debian faketime): moves a glibc tool's clock (a tool with no back-dating flag of its own: vykar).
extern const char* const kLibFaketime;

// ssh's own bound on a link that answers nothing (ssh_config(5): ServerAliveInterval x ServerAliveCountMax), as
// options for an ssh command line: " -o ServerAliveInterval=<bound/3> -o ServerAliveCountMax=3"; "" for 0.
std::string sshAliveOptions(std::chrono::seconds bound);

class ToolError : public std::runtime_error {
public:
    ToolError(const std::string& step, const std::string& what, Result r = {})
        : std::runtime_error(what), step_(step), result_(std::move(r)) {}
    const std::string& step() const { return step_; }
    const Result& result() const { return result_; }
    bool timedOut() const { return result_.timed_out; }

private:
    std::string step_;
    Result result_;
};

class BackupTool {
public:
    virtual ~BackupTool() = default;
    virtual std::string name() const = 0;
    virtual std::string version() = 0;
    virtual Capabilities capabilities() const = 0;

    virtual void init(const RepoOptions& opt) = 0;
    // Join a repository another client created (kopia: `repository connect`;
    // the other tools open it by its URL and passphrase: nothing to do).
    virtual void connect() {}
    // Back up the contents of `source` (paths in the snapshot are relative to it).
    virtual std::string backup(const fs::path& source, const std::string& label) = 0;
    // The same backup, started and left running (to be interrupted); finishBackup
    // turns its outcome into a snapshot id or throws ToolError.
    virtual std::unique_ptr<Child> startBackup(const fs::path& source, const std::string& label) = 0;
    virtual std::string finishBackup(const Result& r) = 0;
    // Store the stdout of `command` (an executable, run without arguments) as
    // one file `name`, the tool running the command itself (Capabilities::dump_guard).
    // Throws ToolError when the command or the tool fails.
    virtual std::string backupCommandOutput(const fs::path& command, const std::string& name,
                                            const std::string& label) = 0;
    // The command line that stores its stdin as one file `name` (for a recipe
    // that feeds it); finishBackup reads the outcome.
    virtual Command stdinBackupCommand(const std::string& name, const std::string& label) = 0;
    // Where that file is in the snapshot's listing and under a restore target.
    virtual std::string commandOutputPath(const std::string& name) const { return name; }
    // Back up `source` with the tool running `hooks` itself (Capabilities::native_hooks).
    virtual std::string backupWithHooks(const fs::path& source, const HookSet& hooks, const std::string& label);
    virtual std::vector<Snapshot> snapshots() = 0;
    // Paths in the snapshot, relative to the source root, raw bytes where the tool shows them.
    virtual std::vector<std::string> files(const std::string& id) = 0;
    // Restore so that `dest` holds what `source` held.
    virtual void restore(const std::string& id, const fs::path& dest) = 0;
    // Restore only `sel` of snapshot `id` so that `dest` mirrors the source root: what is selected at its own path
    // (its ancestors as directories), with the tool's own selection (restic --include, rustic snap:path or --glob,
    // borg extract PATH or sh: pattern, kopia ID/path, vykar --pattern). Throws ToolError.
    virtual void restoreSelection(const std::string& id, const PathSelection& sel, const fs::path& dest);
    // Why it cannot restore `sel` ("" = it can): kopia's restore takes a path, no name pattern.
    virtual std::string selectionGap(const PathSelection& /*sel*/) const { return ""; }
    // Its own diff of snapshot `from` against `to` (restic diff --metadata --json, rustic diff --metadata, borg diff
    // --json-lines, kopia diff, vykar snapshot diff), one change per path (mergeChanges). A line it cannot read is a
    // ToolError naming the line. The root is never reported.
    virtual std::vector<ReportedChange> diff(const std::string& from, const std::string& to);
    // Its own search for `path` over every snapshot (vykar snapshot find, restic find --json, rustic find --all):
    // snapshot id (as the tool prints it) -> the status it shows ("added", "modified", "unchanged"; "present" where
    // it shows none). Snapshots that do not hold the path are absent.
    virtual std::map<std::string, std::string> find(const std::string& path);
    // Why it has no such search ("" = it has): borg and kopia have no find command.
    virtual std::string findGap() const { return ""; }
    // Its own mount of snapshot `id` at `mountpoint` (an empty directory), running until SIGINT (restic, rustic,
    // kopia, borg mount -f: FUSE; vykar mount: a WebDAV server on loopback `port`, a free one). Returns at once: the
    // caller waits for the tree to show.
    virtual MountedSnapshot mount(const std::string& id, const fs::path& mountpoint, int port);
    // The tool's own scheduler (the surface area's daemon): it backs up `source` as `label` every `every_s` seconds
    // (each cycle as the tool runs it), its status page on loopback `port`; returned running (its output in the log
    // dir under a name ending "daemon"). Throws ToolError where the tool has none (daemonGap).
    virtual std::unique_ptr<Child> startDaemon(const fs::path& source, const std::string& label, int every_s, int port);
    // Its config rewritten for the next reload (SIGHUP): another interval, or (every_s 0) a config that does not parse.
    virtual void rewriteDaemonConfig(int every_s);
    virtual std::string daemonGap() const { return "it has no scheduler of its own (a daemon that backs up on time)"; }
    // Its one-shot routine (the surface area's workflow: bare vykar runs backup, prune, compact and check) for
    // `source` as `label` under the retention `keep`; its outcome as it ended, never thrown. ToolError where it has
    // none (oneShotGap).
    virtual Result oneShot(const fs::path& source, const std::string& label, const RetentionRules& keep);
    virtual std::string oneShotGap() const {
        return "it has no one-shot routine of its own (backup, prune, compact and check in one command)";
    }
    // Its own monitoring hooks around one backup of `source` as `label` (the surface area's hooks: vykar's top-level
    // `hooks:`, rustic's [backup.hooks]; after, failed and finally set to warn when they fail, as documented): the
    // outcome as it ended, never thrown. ToolError where it has none (notifyGap).
    virtual Result backupNotifying(const fs::path& source, const std::string& label, const HookSet& hooks);
    virtual std::string notifyGap() const { return "it runs no hooks of its own: a wrapper script must call out"; }
    // The variables its docs give those hooks, each with what it must hold for a backup; none where it documents none.
    virtual std::vector<HookVariable> hookVariables() const { return {}; }
    virtual void check(bool verify_data) = 0;
    virtual void forget(const std::string& id) = 0;
    virtual void reclaim() = 0;
    virtual void unlock() = 0;
    // The repository's layout on a filesystem (the faults area damages it on purpose).
    virtual RepoLayout layout() const { return {}; }
    // The tool's documented repair of a damaged repository (index rebuilt, damaged snapshots repaired or
    // removed); throws ToolError when a step fails.
    virtual RepairOutcome repair() { throw ToolError("repair", name() + ": the driver knows no documented repair"); }
    // Its documented bound on a link that stalls for ever (ToolContext::request_timeout applied).
    virtual StallBound stallBound() const { return {}; }
    // Append-only access over SSH (the promises area): the command an sshd forces on the client's key so that it may
    // only add to the repository at `repo` (borg serve --append-only --restrict-to-repository); "" = the tool has none
    // (an SFTP client may delete what it likes).
    virtual std::string appendOnlyServe(const fs::path& /*repo*/) const { return ""; }
    // Where the client keeps the repository's key outside it ("" = nowhere: the key is in the repository, under the
    // passphrase): borg's keyfile mode.
    virtual fs::path clientKeyDir() const { return {}; }
    // The owner's documented undo, on the server's disk (a local target), of everything clients did through that
    // access since `since`: borg's roll-back of the transactions after it. Returns what it undid in words; "" = the
    // tool's append-only access keeps nothing to undo (its server refused the requests).
    // kopia on a bucket with Object Lock: its point-in-time view of the bucket from before `since`, copied to a fresh
    // place where the owner can write again (relocated() says where).
    virtual std::string undoAppendedSince(std::chrono::system_clock::time_point /*since*/) { return ""; }
    // Where the repository is after undoAppendedSince moved it (every client goes there); nullopt = where it was.
    virtual std::optional<RepoTarget> relocated() const { return std::nullopt; }
    // The attacker's forgery (promises, planted chunks), on a driver whose local repository is a scratch one made
    // from a victim's config and keys, after one backup there: leaves only the pack that holds file data, its stored
    // bytes flipped, under the name that fits what it now holds, and an index of it made anew from its header, so
    // that it advertises the file's chunks with garbage behind them. Returns those objects' paths (relative to the
    // repository) to upload; empty = the suite cannot forge this tool's format (Capabilities::forgeable_packs).
    virtual std::vector<std::string> forgeDataPack() { return {}; }
    // Retention (the promises area). A backup the tool records as made at `utc` (seconds since the epoch): its own
    // back-dating flag (restic/rustic --time, borg --timestamp, kopia --start-time), or, where it has none, its
    // clock moved there with libfaketime (vykar). Throws ToolError.
    virtual std::string backupAt(const fs::path& source, const std::string& label, std::int64_t utc);
    // Why it cannot back-date a snapshot here ("" = it can): a static vykar, which libfaketime cannot reach.
    virtual std::string backdatingGap() const { return ""; }
    // Its own keep-* policy applied for real (snapshots forgotten; their data left to reclaim()) to each label's
    // group: the labels back up directories of their own, so restic, rustic and kopia (by path) and vykar (by
    // label) group them apart; borg prunes each label's archives (-a '<label>@*'). Throws ToolError, also when the
    // tool refuses the policy.
    virtual void forgetByPolicy(const RetentionRules& rules, const std::vector<std::string>& labels);
    // Why it cannot express `rules` ("" = it can): kopia has no keep-within.
    virtual std::string retentionGap(const RetentionRules& rules) const;

    const std::vector<Result>& history() const { return history_; }
    // A backup's exit code that its docs give for "finished, and said which files it skipped or saw change" (restic
    // 3, borg 1, vykar 3): the snapshot is made.
    virtual bool partialExit(int /*code*/) const { return false; }

protected:
    std::vector<Result> history_;
};

// Shared mechanics of the CLI drivers: isolated environment, deadlines, logs, errors.
class CliTool : public BackupTool {
public:
    CliTool(std::string binary, ToolContext ctx, RepoTarget target);
    std::string version() override;
    std::string backup(const fs::path& source, const std::string& label) override;
    std::string backupAt(const fs::path& source, const std::string& label, std::int64_t utc) override;
    std::unique_ptr<Child> startBackup(const fs::path& source, const std::string& label) override;
    // A long-running command of the tool (a mount, a server), started and left running (its deadline: `timeout`).
    std::unique_ptr<Child> startStep(const std::string& stepName, const std::vector<std::string>& args,
                                     std::chrono::seconds timeout);
    std::string finishBackup(const Result& r) override;
    std::string backupCommandOutput(const fs::path& command, const std::string& name,
                                    const std::string& label) override;
    Command stdinBackupCommand(const std::string& name, const std::string& label) override;

protected:
    // Runs one step; throws ToolError unless the exit code is in `ok_codes`.
    Result step(const std::string& step, std::vector<std::string> args, const fs::path& cwd = {},
                std::vector<int> ok_codes = {0});
    // Runs one step and reads its output with `read`; what `read` cannot read (std::runtime_error) is a ToolError of
    // the step, its output kept.
    template <class Read>
    auto stepRead(const std::string& stepName, std::vector<std::string> args, Read read) -> decltype(read("")) {
        const Result r = step(stepName, std::move(args));
        try {
            return read(r.out);
        } catch (const std::runtime_error& e) {
            throw ToolError(stepName, e.what(), r);
        }
    }
    virtual std::map<std::string, std::string> toolEnv() const = 0;
    // The backup command line (args, cwd) and how to read the snapshot id from its outcome.
    struct Invocation {
        std::vector<std::string> args;
        fs::path cwd;
    };
    virtual Invocation backupInvocation(const fs::path& source, const std::string& label) = 0;
    virtual std::string snapshotIdFrom(const Result& r) = 0;
    // How it stores a command's stdout: its from-command mode (command set), or
    // reading its own stdin (command empty: stdinBackupCommand).
    virtual std::vector<std::string> dumpArgs(const fs::path& command, const std::string& name,
                                              const std::string& label) = 0;
    Command command(const std::string& stepName, const std::vector<std::string>& args, const fs::path& cwd) const;
    void checkResult(const std::string& stepName, const Result& r, const std::vector<int>& ok_codes) const;
    virtual std::vector<std::string> versionArgs() const { return {"--version"}; }
    // What an exit code means for this tool, for error messages ("" = nothing to add).
    virtual std::string exitMeaning(int) const { return {}; }
    // The clock a backup runs at (backupAt): set for that one backup; a driver adds its back-dating flag, or
    // command() moves the tool's clock there with libfaketime where `fake_clock_` says so.
    std::optional<std::int64_t> backdate_;
    bool fake_clock_ = false;

    std::string binary_;
    ToolContext ctx_;
    RepoTarget target_;
    std::optional<std::string> version_;
};

std::unique_ptr<BackupTool> makeTool(const std::string& name, const std::string& binary, ToolContext ctx,
                                     RepoTarget target);

}  // namespace e2e
