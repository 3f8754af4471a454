#pragma once
// Scenario reports: each verdict layer with its status and detail, the
// figures measured, the tolerances applied; JSON + Markdown per scenario and a
// summary across all. Every string passes through redaction first.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace e2e {

namespace fs = std::filesystem;

enum class Status { Pass, Fail, Blocked, Skipped, NotApplicable };
std::string toString(Status s);

struct Layer {
    std::string name;
    Status status = Status::Pass;
    std::string detail;
    double seconds = 0;
};

class ScenarioReport {
public:
    ScenarioReport(std::string scenario, std::string area);
    void set(const std::string& key, nlohmann::json value) { facts_[key] = std::move(value); }
    // Figures the run's summary sets side by side with other scenarios' rows of
    // the same table (e.g. "VM-image dedup": first backup, growth, ratio).
    void figure(const std::string& table, nlohmann::json values) {
        figures_.push_back({{"table", table}, {"values", std::move(values)}});
    }
    void addLayer(Layer l) { layers_.push_back(std::move(l)); }
    void note(const std::string& n) { notes_.push_back(n); }
    void addSecret(const std::string& s) { secrets_.push_back(s); }
    void setStatus(Status s, const std::string& reason) {
        forced_ = s;
        reason_ = reason;
    }
    // What a tool is known not to keep, tolerated by the comparison: in the
    // report and in its summary row, so a green row cannot hide it.
    void tolerate(const std::string& what);
    // A self-test: `fault` must make the scenario fail at `layer` (and only there).
    void expectFault(const std::string& fault, const std::string& layer);
    bool expectsFault() const { return !fault_.empty(); }
    const std::string& expectedLayer() const { return fault_layer_; }
    // The status from the layers alone (the first FAIL, else BLOCKED, else PASS).
    Status layerStatus() const;
    Status status() const;
    const std::string& reason() const { return reason_; }
    // The first layer that failed or was blocked (nullptr when none did; NOT-APPLICABLE and SKIPPED layers are results,
    // not failures).
    const Layer* firstFailedLayer() const;
    const std::vector<Layer>& layers() const { return layers_; }
    nlohmann::json toJson() const;
    std::string toMarkdown() const;
    // Writes <dir>/<safe scenario name>.json and .md; returns the JSON path.
    fs::path write(const fs::path& dir) const;
    static std::string safeName(const std::string& scenario);

private:
    std::string scenario_, area_;
    std::vector<Layer> layers_;
    nlohmann::json facts_ = nlohmann::json::object();
    std::vector<std::string> notes_;
    std::vector<std::string> secrets_;
    std::optional<Status> forced_;
    std::string reason_;
    std::vector<std::string> tolerances_;
    nlohmann::json figures_ = nlohmann::json::array();
    std::string fault_, fault_layer_;
    std::string started_;
};

// Each ctest invocation is one run: the janitor's setup fixture starts it and
// writes its id to <runtime>/current-run. Reports, roll-ups (summary,
// interrupt.tsv) and JUnit files of a run live in their own dirs, never mixed.
std::string startRun(const fs::path& runtime);    // a new id; reports/latest points at its dir
std::string currentRun(const fs::path& runtime);  // the started run's id, else one ad-hoc id per process
fs::path runReportsDir();                         // <runtime>/reports/<current run>

// Aggregate the reports of one run (<dir>/*.json) into summary.json and summary.md.
void writeSummary(const fs::path& run_reports_dir);

}  // namespace e2e
