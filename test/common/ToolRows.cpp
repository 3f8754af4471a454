#include "ToolRows.hpp"

#include "tools/Registry.hpp"

namespace e2e {

std::vector<ToolRow> defaultToolRows() {
    std::vector<ToolRow> rows;
    for (const auto& t : toolRegistry()) rows.push_back({t.name, ""});
    return rows;
}

std::vector<std::string> defaultTools() {
    std::vector<std::string> names;
    for (const auto& row : defaultToolRows()) names.push_back(row.tool);
    return names;
}

std::vector<ToolRow> corpusToolRows() {
    std::vector<ToolRow> rows;
    for (const auto& t : toolRegistry()) {
        rows.push_back({t.name, ""});
        for (const auto& v : corpusVariants(t.name)) rows.push_back({t.name, v});
    }
    return rows;
}

}  // namespace e2e
