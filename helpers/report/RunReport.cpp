#include "report/RunReport.hpp"

#include "config/Settings.hpp"
#include "report/Cells.hpp"
#include "process/Process.hpp"
#include "text/Text.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace e2e {

using json = nlohmann::json;

const std::vector<std::string>& matrixStatuses() {
    static const std::vector<std::string> s{"PASS", "FAIL", "BLOCKED", "NOT-APPLICABLE", "SKIPPED"};
    return s;
}

std::string subskillOf(const std::string& scenario) {
    const auto slash = scenario.find('/');
    if (slash != std::string::npos && slash > 0) return scenario.substr(0, slash);
    return scenario.substr(0, scenario.find('.'));
}

std::string MatrixCell::worst() const {
    for (const char* s : {"FAIL", "BLOCKED", "PASS", "NOT-APPLICABLE", "SKIPPED"})
        if (counts.count(s) && counts.at(s) > 0) return s;
    return "";
}

namespace {
// the summary's rows by reference: cells point into them
const json& scenarioRows(const json& summary) {
    static const json none = json::array();
    auto it = summary.find("scenarios");
    return it != summary.end() && it->is_array() ? *it : none;
}
}  // namespace

Matrix buildMatrix(const json& summary) {
    Matrix m;
    std::set<std::string> subs, tools;
    for (const auto& row : scenarioRows(summary)) {
        const std::string sub = row.value("subskill", subskillOf(row.value("scenario", "")));
        std::string tool = row.value("tool", "");
        if (tool.empty()) tool = "-";
        subs.insert(sub);
        tools.insert(tool);
        MatrixCell& c = m.cells[{sub, tool}];
        const std::string st = row.value("status", "?");
        c.counts[st]++;
        c.rows.push_back(&row);
        m.totals[st]++;
    }
    m.subskills.assign(subs.begin(), subs.end());
    m.tools.assign(tools.begin(), tools.end());
    return m;
}

namespace {

// "P2 F1 N3": the non-zero counts of a cell, in matrixStatuses() order
std::string cellText(const MatrixCell& c) {
    static const std::map<std::string, std::string> abbrev{
        {"PASS", "P"}, {"FAIL", "F"}, {"BLOCKED", "B"}, {"NOT-APPLICABLE", "N"}, {"SKIPPED", "S"}};
    std::string s;
    for (const auto& st : matrixStatuses())
        if (c.counts.count(st) && c.counts.at(st))
            s += (s.empty() ? "" : " ") + abbrev.at(st) + std::to_string(c.counts.at(st));
    for (const auto& [st, n] : c.counts)  // a status the matrix does not know still shows
        if (!abbrev.count(st)) s += (s.empty() ? "" : " ") + st + std::to_string(n);
    return s;
}

std::string pad(const std::string& s, std::size_t w) {
    return s.size() >= w ? s : s + std::string(w - s.size(), ' ');
}

std::string esc(const std::string& s) {
    std::string o;
    for (char ch : s) {
        switch (ch) {
            case '&':
                o += "&amp;";
                break;
            case '<':
                o += "&lt;";
                break;
            case '>':
                o += "&gt;";
                break;
            case '"':
                o += "&quot;";
                break;
            case '\'':
                o += "&#39;";
                break;
            default:
                o += ch;
        }
    }
    return o;
}

std::string anchor(const std::string& sub, const std::string& tool) {
    std::string s = "c-";
    for (char ch : sub + "-" + tool)
        s += (isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_') ? ch : '_';
    return s;
}

// a path relative to the run's report dir (the page is opened from there, or from a CI artifact of the same layout)
std::string rel(const std::string& p, const fs::path& run_dir) {
    if (p.empty()) return "";
    std::error_code ec;
    fs::path r = fs::path(p).lexically_relative(run_dir);
    return r.empty() ? p : r.string();
}

std::string base64(const std::string& in) {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
        out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
    }
    if (i + 1 == in.size()) {
        unsigned v = (unsigned char)in[i] << 16;
        out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == in.size()) {
        unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
        out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
    }
    return out;
}

}  // namespace

std::string terminalMatrix(const json& summary, const fs::path& run_dir) {
    const Matrix m = buildMatrix(summary);
    std::ostringstream o;
    o << "[e2e] run " << summary.value("run", run_dir.filename().string())
      << ": tool x sub-skill (P PASS, F FAIL, B BLOCKED, N NOT-APPLICABLE, S SKIPPED)\n";
    std::size_t w0 = std::string("sub-skill").size();
    for (const auto& s : m.subskills) w0 = std::max(w0, s.size());
    std::map<std::string, std::size_t> w;
    for (const auto& t : m.tools) {
        w[t] = t.size();
        for (const auto& s : m.subskills)
            if (auto it = m.cells.find({s, t}); it != m.cells.end()) w[t] = std::max(w[t], cellText(it->second).size());
    }
    o << pad("sub-skill", w0);
    for (const auto& t : m.tools) o << "  " << pad(t, w[t]);
    o << "\n";
    for (const auto& s : m.subskills) {
        o << pad(s, w0);
        for (const auto& t : m.tools) {
            auto it = m.cells.find({s, t});
            o << "  " << pad(it == m.cells.end() ? "." : cellText(it->second), w[t]);
        }
        o << "\n";
    }
    o << "total:";
    for (const auto& st : matrixStatuses()) o << " " << st << " " << (m.totals.count(st) ? m.totals.at(st) : 0);
    o << "\nreport: " << (run_dir / "summary.html").string() << " (also summary.md, summary.json)\n";
    return o.str();
}

namespace {

// the page's head and its style sheet
void htmlHead(std::ostream& h, const std::string& run) {
    h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>backup-e2e run " << esc(run)
      << "</title>\n<style>\n"
      << "body{font-family:'DejaVu "
         "Sans',sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:0.5em 0 1.5em}"
         "th,td{border:1px solid #bbb;padding:3px "
         "7px;text-align:left;vertical-align:top;font-size:13px}th{background:#f4f4f4}"
         "td.cell{text-align:center;min-width:5em}td.cell a{color:inherit;text-decoration:none;display:block}"
         ".s-PASS{background:#c8e6c9}.s-FAIL{background:#ef9a9a}.s-BLOCKED{background:#ffcc80}.s-NOT-APPLICABLE{"
         "background:#e0e0e0}"
         ".s-SKIPPED{background:#bbdefb}.s-none{background:#fff;color:#aaa}ul.counts{list-style:none;padding:0;display:"
         "flex;gap:0.6em}"
         "ul.counts li{padding:4px "
         "10px;border-radius:4px;font-weight:bold}.msg{font-family:monospace;white-space:pre-wrap;max-width:60em}"
         "img.chart{max-width:100%;border:1px solid #ccc}\n"
      << "</style></head><body>\n";
}

// the title, the counts per status and the mutation score
void htmlIntro(std::ostream& h, const json& summary, const Matrix& m, const std::string& run) {
    h << "<h1>backup-e2e run <span id=\"run\">" << esc(run) << "</span></h1>\n<p>generated "
      << esc(summary.value("generated", "")) << "; " << scenarioRows(summary).size()
      << " scenarios. Each matrix cell links to its scenarios' reports and logs.</p>\n";
    h << "<ul class=\"counts\" id=\"counts\">";
    for (const auto& st : matrixStatuses()) {
        const int n = m.totals.count(st) ? m.totals.at(st) : 0;
        h << "<li class=\"s-" << st << "\" data-status=\"" << st << "\" data-count=\"" << n << "\">" << st << " " << n
          << "</li>";
    }
    h << "</ul>\n";
    if (const json& mu = summary.value("mutation", json::object()); mu.value("tried", 0) > 0)
        h << "<p id=\"mutation\">mutation score (self-tests: faults caught / faults tried): " << mu.value("caught", 0)
          << "/" << mu.value("tried", 0) << "</p>\n";
}

// the matrix: one row per sub-skill, one column per tool, each cell linking to its scenarios
void htmlMatrix(std::ostream& h, const Matrix& m) {
    h << "<h2>Tool x sub-skill</h2>\n<table id=\"matrix\"><thead><tr><th>sub-skill</th>";
    for (const auto& t : m.tools) h << "<th>" << esc(t) << "</th>";
    h << "</tr></thead><tbody>\n";
    for (const auto& s : m.subskills) {
        h << "<tr><th>" << esc(s) << "</th>";
        for (const auto& t : m.tools) {
            auto it = m.cells.find({s, t});
            if (it == m.cells.end()) {
                h << "<td class=\"cell s-none\">.</td>";
                continue;
            }
            const MatrixCell& c = it->second;
            h << "<td class=\"cell s-" << c.worst() << "\" data-subskill=\"" << esc(s) << "\" data-tool=\"" << esc(t)
              << "\" data-total=\"" << c.rows.size() << "\"";
            for (const auto& st : matrixStatuses())
                h << " data-" << st << "=\"" << (c.counts.count(st) ? c.counts.at(st) : 0) << "\"";
            h << "><a href=\"#" << anchor(s, t) << "\">" << esc(cellText(c)) << "</a></td>";
        }
        h << "</tr>\n";
    }
    h << "</tbody></table>\n";
}

// failures: the failing layer and its message
void htmlFailures(std::ostream& h, const json& summary, const fs::path& run_dir) {
    h << "<h2>Failures</h2>\n<table "
         "id=\"failures\"><thead><tr><th>scenario</th><th>status</th><th>layer</th><th>message</th><th>logs</th></tr></"
         "thead><tbody>\n";
    int nfail = 0;
    for (const auto& row : scenarioRows(summary)) {
        const std::string st = row.value("status", "");
        if (st != "FAIL" && st != "BLOCKED") continue;
        ++nfail;
        const std::string report = rel(row.value("report", ""), run_dir);
        const std::string md = report.size() > 5 ? report.substr(0, report.size() - 5) + ".md" : report;
        h << "<tr class=\"s-" << st << "\"><td><a href=\"" << esc(md) << "\">" << esc(row.value("scenario", ""))
          << "</a></td><td>" << st << "</td><td class=\"layer\">" << esc(row.value("failed_layer", ""))
          << "</td><td class=\"msg\">" << esc(row.value("failed_detail", row.value("reason", "")))
          << "</td><td><a href=\"" << esc(rel(row.value("log_dir", ""), run_dir)) << "/\">logs</a></td></tr>\n";
    }
    if (!nfail) h << "<tr><td colspan=\"5\">none</td></tr>\n";
    h << "</tbody></table>\n";
}

// tolerances, corpus cases left out, user corpora
void htmlTolerances(std::ostream& h, const json& summary) {
    h << "<h2>Tolerances and corpus cases left out</h2>\n<table "
         "id=\"tolerances\"><thead><tr><th>scenario</th><th>tool</th><th>status</th><th>tolerated</th>"
         "<th>corpus cases left out</th><th>corpus</th></tr></thead><tbody>\n";
    for (const auto& row : scenarioRows(summary)) {
        const std::string tol = joinArray(row.value("tolerances", json::array()), "; "),
                          skip = joinArray(row.value("corpus_skip", json::array()), ", ");
        const std::string user = row.value("user_corpus", "");
        if (tol.empty() && skip.empty() && user.empty()) continue;
        h << "<tr><td>" << esc(row.value("scenario", "")) << "</td><td>" << esc(row.value("tool", ""))
          << "</td><td class=\"s-" << row.value("status", "") << "\">" << esc(row.value("status", "")) << "</td><td>"
          << esc(tol) << "</td><td>" << esc(skip) << "</td><td>"
          << (user.empty() ? "generated" : "user corpus " + esc(user)) << "</td></tr>\n";
    }
    h << "</tbody></table>\n";
}

// the figure tables scenarios declared, side by side
void htmlFigureTables(std::ostream& h, const json& summary) {
    int ti = 0;
    const json tables = summary.value("tables", json::object());
    for (const auto& [name, rows] : tables.items()) {
        std::vector<std::string> cols;
        for (const auto& r : rows)
            for (const auto& [k, v] : r["values"].items())
                if (std::find(cols.begin(), cols.end(), k) == cols.end()) cols.push_back(k);
        h << "<h2>" << esc(name) << ", side by side</h2>\n<table class=\"figures\" id=\"figures-" << ti++
          << "\"><thead><tr><th>scenario</th><th>tool</th><th>status</th>";
        for (const auto& c : cols) h << "<th>" << esc(c) << "</th>";
        h << "</tr></thead><tbody>\n";
        for (const auto& r : rows) {
            h << "<tr><td>" << esc(r.value("scenario", "")) << "</td><td>" << esc(r.value("tool", ""))
              << "</td><td class=\"s-" << r.value("status", "") << "\">" << esc(r.value("status", "")) << "</td>";
            for (const auto& c : cols) h << "<td>" << esc(cellValue(c, r["values"].value(c, json()))) << "</td>";
            h << "</tr>\n";
        }
        h << "</tbody></table>\n";
    }
}

// charts a benchmark drew into this run's dir, embedded (the page stays one file)
void htmlCharts(std::ostream& h, const fs::path& run_dir) {
    std::vector<fs::path> charts;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(run_dir, ec))
        if (e.path().extension() == ".png" && e.path().filename() != "summary.png") charts.push_back(e.path());
    std::sort(charts.begin(), charts.end());
    if (!charts.empty()) {
        h << "<h2>Charts</h2>\n";
        for (const auto& c : charts)
            h << "<figure><img class=\"chart\" alt=\"" << esc(c.filename().string())
              << "\" src=\"data:image/png;base64," << base64(readFile(c)) << "\"><figcaption>"
              << esc(c.filename().string()) << "</figcaption></figure>\n";
    }
}

// every cell's scenarios with their reports and logs
void htmlCells(std::ostream& h, const Matrix& m, const fs::path& run_dir) {
    h << "<h2>Scenarios by cell</h2>\n";
    for (const auto& [key, c] : m.cells) {
        h << "<section id=\"" << anchor(key.first, key.second) << "\"><h3>" << esc(key.first) << " / "
          << esc(key.second) << "</h3><table><tbody>\n";
        for (const json* row : c.rows) {
            const std::string report = rel(row->value("report", ""), run_dir);
            const std::string md = report.size() > 5 ? report.substr(0, report.size() - 5) + ".md" : report;
            h << "<tr><td class=\"s-" << row->value("status", "") << "\">" << esc(row->value("status", ""))
              << "</td><td><a href=\"" << esc(md) << "\">" << esc(row->value("scenario", "")) << "</a> (<a href=\""
              << esc(report) << "\">json</a>, <a href=\"" << esc(rel(row->value("log_dir", ""), run_dir))
              << "/\">logs</a>)</td><td class=\"msg\">" << esc(row->value("reason", "")) << "</td></tr>\n";
        }
        h << "</tbody></table></section>\n";
    }
}

}  // namespace

void writeSummaryHtml(const fs::path& run_dir, const json& summary) {
    const Matrix m = buildMatrix(summary);
    const std::string run = summary.value("run", run_dir.filename().string());
    std::ostringstream h;
    htmlHead(h, run);
    htmlIntro(h, summary, m, run);
    htmlMatrix(h, m);
    htmlFailures(h, summary, run_dir);
    htmlTolerances(h, summary);
    htmlFigureTables(h, summary);
    htmlCharts(h, run_dir);
    htmlCells(h, m, run_dir);
    h << "</body></html>\n";
    std::ofstream(run_dir / "summary.html") << h.str();
}

}  // namespace e2e
