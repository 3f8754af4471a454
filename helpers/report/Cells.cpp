#include "report/Cells.hpp"

#include "config/Settings.hpp"

#include <cstdio>

namespace e2e {

std::string mdCell(std::string s, std::size_t max) {
    for (auto& c : s)
        if (c == '\n' || c == '|' || c == '\t') c = ' ';
    if (s.size() > max) s = s.substr(0, max) + "...";
    return s;
}

std::string joinArray(const nlohmann::json& a, const std::string& sep) {
    std::string s;
    if (a.is_array())
        for (const auto& v : a) s += (s.empty() ? "" : sep) + (v.is_string() ? v.get<std::string>() : v.dump());
    return s;
}

std::string cellValue(const std::string& col, const nlohmann::json& v) {
    if (v.is_null()) return "";
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_unsigned() && col.size() > 6 && col.substr(col.size() - 6) == "_bytes")
        return humanBytes(v.get<std::uint64_t>());
    if (v.is_number_float()) {
        char b[32];
        snprintf(b, sizeof b, "%.4g", v.get<double>());
        return b;
    }
    return v.dump();
}

}  // namespace e2e
