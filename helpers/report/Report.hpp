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
    void addLayer(Layer l) { layers_.push_back(std::move(l)); }
    void note(const std::string& n) { notes_.push_back(n); }
    void addSecret(const std::string& s) { secrets_.push_back(s); }
    void setStatus(Status s, const std::string& reason) { forced_ = s; reason_ = reason; }
    Status status() const;
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
    std::string started_;
};

// Aggregate every reports/*.json into summary.json and summary.md.
void writeSummary(const fs::path& reports_dir);

}  // namespace e2e
