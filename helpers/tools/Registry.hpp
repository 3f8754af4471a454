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

using DriverFactory = std::function<std::unique_ptr<BackupTool>(std::string binary, ToolContext ctx, RepoTarget target)>;

// A driver's factory: `DriverFactory resticDriver() { return driver<ResticTool>(); }`
// at the end of helpers/tools/ResticTool.cpp, named in its registry entry.
template <class T>
DriverFactory driver() {
    return [](std::string b, ToolContext c, RepoTarget t) { return std::make_unique<T>(std::move(b), std::move(c), std::move(t)); };
}

struct ToolInfo {
    std::string name;
    std::string env_stem;                 // VYKAR: E2E_VYKAR_BIN, E2E_VYKAR_SERVER_BIN
    RestServerKind rest_server = RestServerKind::None;
    std::string server_program;           // the tool's own server (OwnServer), e.g. vykar-server
    std::string comes_from;               // for hints: who installs it
    DriverFactory make;
    // its own multi-user repository server, as a RepoTarget kind ("" = none): multiclient's server row
    std::string repository_server;
};

const std::vector<ToolInfo>& toolRegistry();
// The entry of `name`; throws std::invalid_argument naming the known tools.
const ToolInfo& toolInfo(const std::string& name);

}  // namespace e2e
