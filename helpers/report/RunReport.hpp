#pragma once
// Views of one run's summary.json for people: the tool x sub-skill matrix in
// the terminal (scripts/e2e run / test end with it) and summary.html, a
// self-contained static page beside summary.md (no server, no external assets).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace e2e {

namespace fs = std::filesystem;

// The statuses in the order the matrix counts them.
const std::vector<std::string>& matrixStatuses();

// A scenario's sub-skill in the matrix: its gtest instance prefix
// ("Local/BackendScenario.RoundTrip/restic_local" -> "Local"), else its suite.
std::string subskillOf(const std::string& scenario);

struct MatrixCell {
    std::map<std::string, int> counts;  // status -> scenarios
    std::vector<const nlohmann::json*> rows;
    std::string worst() const;  // FAIL, BLOCKED, PASS, NOT-APPLICABLE, SKIPPED: the first present
};

struct Matrix {
    std::vector<std::string> subskills, tools;  // sorted; a row without a tool counts under "-"
    std::map<std::pair<std::string, std::string>, MatrixCell> cells;
    std::map<std::string, int> totals;
};
Matrix buildMatrix(const nlohmann::json& summary);

// The matrix as fixed-width text, its totals and where the run's report is.
std::string terminalMatrix(const nlohmann::json& summary, const fs::path& run_dir);

// Writes <run_dir>/summary.html from the summary (and embeds any PNG chart of the run).
void writeSummaryHtml(const fs::path& run_dir, const nlohmann::json& summary);

}  // namespace e2e
