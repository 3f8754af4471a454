#include "tools/Registry.hpp"

#include "tools/Drivers.hpp"

#include <stdexcept>

namespace e2e {

namespace {

template <class T>
std::function<std::unique_ptr<BackupTool>(std::string, ToolContext, RepoTarget)> driver() {
    return [](std::string b, ToolContext c, RepoTarget t) { return std::make_unique<T>(std::move(b), std::move(c), std::move(t)); };
}

}  // namespace

// cmake/E2ESuite.cmake reads the tool names from the lines below ({"name", ...): one entry per line.
const std::vector<ToolInfo>& toolRegistry() {
    static const std::vector<ToolInfo> r{
        {"vykar", "VYKAR", RestServerKind::OwnServer, "vykar-server", "your PATH (the suite never installs vykar)", driver<VykarTool>()},
        {"restic", "RESTIC", RestServerKind::ResticRestServer, "", "scripts/bootstrap (Go module proxy, pinned)", driver<ResticTool>()},
        {"rustic", "RUSTIC", RestServerKind::ResticRestServer, "", "scripts/bootstrap (crates.io, pinned)", driver<RusticTool>()},
        {"borg", "BORG", RestServerKind::None, "", "scripts/bootstrap (PyPI borgbackup in a venv, pinned)", driver<BorgTool>()},
        {"kopia", "KOPIA", RestServerKind::None, "", "scripts/bootstrap (Go module proxy, pinned)", driver<KopiaTool>()},
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
