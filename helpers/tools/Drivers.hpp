#pragma once
// The drivers that scenarios name (vykar's config and variants). Every other
// driver is declared in its own file, helpers/tools/<Name>Tool.cpp, and known
// only through the registry (tools/Registry.cpp). Each maps BackupTool steps
// to its tool's CLI; each fact about a CLI was confirmed against the real tool
// (docs/backends.md names the versions seen and what each does not keep).
#include "tools/BackupTool.hpp"

#include <functional>
#include <map>

namespace e2e {

// restic's format, for restic and rustic (BackupTool::forgeDataPack): in the local repository at `repo`, only the
// largest pack is kept (restic keeps data and tree blobs in packs of their own; one backup of one file leaves its data
// in the largest), 64 of its bytes flipped inside its first quarter (blob ciphertext, far from the header at its end),
// renamed to the SHA-256 of what it now holds, the index and snapshots removed and the index made anew by `reindex`
// (the tool's repair of the index from pack headers). Returns the pack's and the index's paths relative to `repo`.
std::vector<std::string> forgeResticDataPack(const fs::path& repo, const std::function<void()>& reindex);

// Each tool's own diff and find read into the suite's terms (DiffReports.cpp; BackupTool::diff, find): a line none
// of the patterns knows throws std::runtime_error naming it.
std::vector<ReportedChange> parseResticDiff(const std::string& out);
std::map<std::string, std::string> parseResticFind(const std::string& out, const std::string& path);
std::vector<ReportedChange> parseRusticDiff(const std::string& out);
std::map<std::string, std::string> parseRusticFind(const std::string& out);
std::vector<ReportedChange> parseBorgDiff(const std::string& out);
std::vector<ReportedChange> parseKopiaDiff(const std::string& out);
std::vector<ReportedChange> parseVykarDiff(const std::string& out);
std::map<std::string, std::string> parseVykarFind(const std::string& out, const std::string& path);
// A name as Rust's Debug prints it ("a\nb\xFF"), back to its bytes.
std::string unquoteRustDebug(const std::string& quoted);

class VykarTool : public CliTool {
public:
    VykarTool(std::string binary, ToolContext ctx, RepoTarget target);
    std::string name() const override { return "vykar"; }
    Capabilities capabilities() const override;
    void init(const RepoOptions& opt) override;
    std::vector<Snapshot> snapshots() override;
    std::vector<std::string> files(const std::string& id) override;
    void restore(const std::string& id, const fs::path& dest) override;
    void restoreSelection(const std::string& id, const PathSelection& sel, const fs::path& dest) override;
    std::vector<ReportedChange> diff(const std::string& from, const std::string& to) override;
    MountedSnapshot mount(const std::string& id, const fs::path& mountpoint, int port) override;
    std::unique_ptr<Child> startDaemon(const fs::path& source, const std::string& label, int every_s,
                                       int port) override;
    void rewriteDaemonConfig(int every_s) override;
    std::string daemonGap() const override { return ""; }
    Result oneShot(const fs::path& source, const std::string& label, const RetentionRules& keep) override;
    std::string oneShotGap() const override { return ""; }
    std::map<std::string, std::string> find(const std::string& path) override;
    void check(bool verify_data) override;
    void forget(const std::string& id) override;
    void forgetByPolicy(const RetentionRules& rules, const std::vector<std::string>& labels) override;
    std::string backdatingGap() const override;
    void reclaim() override;
    void unlock() override;
    RepoLayout layout() const override;
    RepairOutcome repair() override;
    StallBound stallBound() const override;
    const fs::path& configPath() const { return config_; }
    std::string commandOutputPath(const std::string& name) const override { return "vykar-dumps/" + name; }
    std::string backupWithHooks(const fs::path& source, const HookSet& hooks, const std::string& label) override;
    Result backupNotifying(const fs::path& source, const std::string& label, const HookSet& hooks) override;
    std::string notifyGap() const override { return ""; }
    std::vector<HookVariable> hookVariables() const override;
    std::string exitMeaning(int code) const override {
        return code == 3 ? "partial success: the backup finished but skipped files it could not read" : "";
    }
    bool partialExit(int code) const override { return code == 3; }
    // Parse `vykar list` (a human table; blank Host/Label cells repeat the row above).
    static std::vector<Snapshot> parseList(const std::string& out);

protected:
    std::map<std::string, std::string> toolEnv() const override;
    Invocation backupInvocation(const fs::path& source, const std::string& label) override;
    std::string snapshotIdFrom(const Result& r) override;
    std::vector<std::string> dumpArgs(const fs::path& command, const std::string& name,
                                      const std::string& label) override;

private:
    void writeConfig(bool encrypted);
    std::vector<std::string> args(std::initializer_list<std::string> rest) const;
    fs::path config_;
    std::string sources_;    // a `sources:` section (hooks, command_dumps) for the next backup
    std::string retention_;  // a `retention:` section for the next prune
    std::string schedule_;   // a `schedule:` section for its daemon
    std::string hooks_;      // a top-level `hooks:` section (the monitoring recipes') for the next backup
    std::string repositoryUrl() const;
    static std::string retentionYaml(const RetentionRules& r);  // its `retention:` section
    bool encrypted_ = true;
};

}  // namespace e2e
