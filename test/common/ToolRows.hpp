#pragma once
// The rows a scenario instantiates per tool: every tool of the registry, and
// beside a tool's default row each variant its driver declares for the
// corpus scenarios (ToolVariant::beside_corpus_rows).
#include <string>
#include <vector>

namespace e2e {

struct ToolRow {
    std::string tool;
    std::string variant;                                                                // "" = the tool's defaults
    std::string name() const { return variant.empty() ? tool : tool + "_" + variant; }  // in test names
};

// Every tool's default row only.
std::vector<ToolRow> defaultToolRows();
// The names of those tools: the parameters of a scenario that runs each tool once, on its defaults.
std::vector<std::string> defaultTools();
// Scenarios that back up the corpus with its awkward cases: the defaults, and the declared variants beside them.
std::vector<ToolRow> corpusToolRows();

}  // namespace e2e
