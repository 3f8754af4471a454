#pragma once
// Table cells the reports share (Markdown summary, HTML run report, benchmark tables): one spelling of each.
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace e2e {

// A Markdown table cell: newlines, tabs and pipes become spaces; longer than max is cut with "...".
std::string mdCell(std::string s, std::size_t max = std::string::npos);

// The items of a JSON array as text, joined by sep (strings as they are, the rest as JSON); "" for a non-array.
std::string joinArray(const nlohmann::json& a, const std::string& sep);

// A declared figure as a cell: "_bytes" columns in binary units, floats to four digits, null empty.
std::string cellValue(const std::string& col, const nlohmann::json& v);

}  // namespace e2e
