#include "tools/Drivers.hpp"

namespace e2e {

std::unique_ptr<BackupTool> makeTool(const std::string& name, const std::string& binary, ToolContext ctx, RepoTarget target) {
    if (name == "vykar") return std::make_unique<VykarTool>(binary, std::move(ctx), std::move(target));
    if (name == "restic") return std::make_unique<ResticTool>(binary, std::move(ctx), std::move(target));
    if (name == "rustic") return std::make_unique<RusticTool>(binary, std::move(ctx), std::move(target));
    if (name == "borg") return std::make_unique<BorgTool>(binary, std::move(ctx), std::move(target));
    if (name == "kopia") return std::make_unique<KopiaTool>(binary, std::move(ctx), std::move(target));
    throw std::invalid_argument("no driver for tool '" + name + "'");
}

}  // namespace e2e
