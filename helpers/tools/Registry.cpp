#include "tools/Registry.hpp"

#include <stdexcept>

namespace e2e {

// the drivers' factories, each at the end of its helpers/tools/<Name>Tool.cpp
DriverFactory vykarDriver();
DriverFactory resticDriver();
DriverFactory rusticDriver();
DriverFactory borgDriver();
DriverFactory kopiaDriver();

// cmake/E2ESuite.cmake reads the tool names from the lines below ({"name", ...): one entry per line.
const std::vector<ToolInfo>& toolRegistry() {
    static const std::vector<ToolInfo> r{
        {"vykar", "VYKAR", RestServerKind::OwnServer, "vykar-server", "your PATH (the suite never installs vykar)", vykarDriver(), ""},
        {"restic", "RESTIC", RestServerKind::ResticRestServer, "", "scripts/bootstrap (Go module proxy, pinned)", resticDriver(), ""},
        {"rustic", "RUSTIC", RestServerKind::ResticRestServer, "", "scripts/bootstrap (crates.io, pinned)", rusticDriver(), ""},
        {"borg", "BORG", RestServerKind::None, "", "scripts/bootstrap (PyPI borgbackup in a venv, pinned)", borgDriver(), ""},
        {"kopia", "KOPIA", RestServerKind::None, "", "scripts/bootstrap (Go module proxy, pinned)", kopiaDriver(),
         "kopia-server"},
    };
    return r;
}

const ToolInfo& toolInfo(const std::string& name) {
    std::string known;
    for (const auto& t : toolRegistry()) {
        if (t.name == name) return t;
        known += (known.empty() ? "" : ", ") + t.name;
    }
    throw std::invalid_argument("no driver for tool '" + name + "' (known: " + known + ")");
}

std::unique_ptr<BackupTool> makeTool(const std::string& name, const std::string& binary, ToolContext ctx, RepoTarget target) {
    return toolInfo(name).make(binary, std::move(ctx), std::move(target));
}

}  // namespace e2e
