#pragma once
// One entry per tool under test: its name, its driver, the environment stem of
// its overrides (E2E_<STEM>_BIN, E2E_<STEM>_SERVER_BIN), the server its REST
// backend needs, and where it comes from. Settings, the scenario prelude's
// hints, the REST backend, the config test and the CMake tool list (read from
// Registry.cpp) all take the tools from here.
#include "tools/BackupTool.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace e2e {

enum class RestServerKind { None, ResticRestServer, OwnServer };

using DriverFactory =
    std::function<std::unique_ptr<BackupTool>(std::string binary, ToolContext ctx, RepoTarget target)>;

// A driver's factory: `DriverFactory resticDriver() { return driver<ResticTool>(); }`
// at the end of helpers/tools/ResticTool.cpp, named in its registry entry.
template <class T>
DriverFactory driver() {
    return [](std::string b, ToolContext c, RepoTarget t) {
        return std::make_unique<T>(std::move(b), std::move(c), std::move(t));
    };
}

// A named, documented non-default setting of a tool (ToolContext::variant).
struct ToolVariant {
    std::string name;     // e.g. vykar "threads1"
    std::string setting;  // what it sets, and why the suite runs it
    // Runs beside the default row in every scenario that backs up the corpus
    // with its awkward cases (backends, interrupt, containers' volume,
    // filesystems' snapshots): a documented workaround of a finding of the
    // default, proving the rest of the tool's behaviour, never instead of it.
    bool beside_corpus_rows = false;
};

// Declared facts of a tool that scenarios and reports need before a driver
// exists (test lists are made at start-up), each defined in its driver's file.
struct ToolFacts {
    std::vector<ToolVariant> variants;
    std::string bench_variant;   // the variant the tool benchmark runs ("" = the defaults are the fair settings)
    std::string bench_settings;  // the benchmark's settings in words, for its table
    RetentionModel retention;    // how it applies a keep-* policy, as documented
};

struct ToolInfo {
    std::string name;
    std::string env_stem;  // VYKAR: E2E_VYKAR_BIN, E2E_VYKAR_SERVER_BIN
    RestServerKind rest_server = RestServerKind::None;
    std::string server_program;  // the tool's own server (OwnServer), e.g. vykar-server
    std::string comes_from;      // for hints: who installs it
    DriverFactory make;
    // its own multi-user repository server, as a RepoTarget kind ("" = none): multiclient's server row
    std::string repository_server;
    ToolFacts facts;
};

const std::vector<ToolInfo>& toolRegistry();
// The primary tool under test (the registry's first entry): benchmark ratios are against it.
const std::string& primaryTool();
// The variants of `tool` that run beside its default rows on the corpus (ToolVariant::beside_corpus_rows).
std::vector<std::string> corpusVariants(const std::string& tool);
// Throws std::invalid_argument when `variant` is not "" and not one of the tool's declared variants.
void checkVariant(const std::string& tool, const std::string& variant);
// The entry of `name`; throws std::invalid_argument naming the known tools.
const ToolInfo& toolInfo(const std::string& name);

}  // namespace e2e
