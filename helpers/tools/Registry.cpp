#include "tools/Registry.hpp"

#include <stdexcept>

namespace e2e {

// the drivers' factories, each at the end of its helpers/tools/<Name>Tool.cpp
DriverFactory vykarDriver();
DriverFactory resticDriver();
DriverFactory rusticDriver();
DriverFactory borgDriver();
DriverFactory kopiaDriver();
ToolFacts vykarFacts();
ToolFacts resticFacts();
ToolFacts rusticFacts();
ToolFacts borgFacts();
ToolFacts kopiaFacts();

// cmake/E2ESuite.cmake reads the tool names from the lines below ({"name", ...): one entry per line.
const std::vector<ToolInfo>& toolRegistry() {
    static const std::vector<ToolInfo> r{
        {"vykar", "VYKAR", RestServerKind::OwnServer, "vykar-server", "your PATH (the suite never installs vykar)",
         vykarDriver(), "", vykarFacts()},
        {"restic", "RESTIC", RestServerKind::ResticRestServer, "", "scripts/bootstrap (Go module proxy, pinned)",
         resticDriver(), "", resticFacts()},
        {"rustic", "RUSTIC", RestServerKind::ResticRestServer, "", "scripts/bootstrap (crates.io, pinned)",
         rusticDriver(), "", rusticFacts()},
        {"borg", "BORG", RestServerKind::None, "", "scripts/bootstrap (PyPI borgbackup in a venv, pinned)",
         borgDriver(), "", borgFacts()},
        {"kopia", "KOPIA", RestServerKind::None, "", "scripts/bootstrap (Go module proxy, pinned)", kopiaDriver(),
         "kopia-server", kopiaFacts()},
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

const std::string& primaryTool() {
    return toolRegistry().front().name;
}

std::vector<std::string> corpusVariants(const std::string& tool) {
    std::vector<std::string> v;
    for (const auto& x : toolInfo(tool).facts.variants)
        if (x.beside_corpus_rows) v.push_back(x.name);
    return v;
}

void checkVariant(const std::string& tool, const std::string& variant) {
    if (variant.empty()) return;
    std::string known;
    for (const auto& x : toolInfo(tool).facts.variants) {
        if (x.name == variant) return;
        known += (known.empty() ? "" : ", ") + x.name;
    }
    throw std::invalid_argument(tool + ": unknown variant '" + variant +
                                "' (known: " + (known.empty() ? "none" : known) + ")");
}

std::unique_ptr<BackupTool> makeTool(const std::string& name, const std::string& binary, ToolContext ctx,
                                     RepoTarget target) {
    checkVariant(name, ctx.variant);  // a variant is a declared fact of the driver (ToolFacts)
    return toolInfo(name).make(binary, std::move(ctx), std::move(target));
}

}  // namespace e2e
