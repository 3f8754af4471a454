#include "report/Report.hpp"

#include "config/Settings.hpp"
#include "report/Cells.hpp"
#include "report/RunReport.hpp"
#include "process/Process.hpp"
#include "text/Text.hpp"

#include <algorithm>
#include <ctime>
#include <unistd.h>
#include <fstream>
#include <sstream>

namespace e2e {

using json = nlohmann::json;

std::string toString(Status s) {
    switch (s) {
        case Status::Pass:
            return "PASS";
        case Status::Fail:
            return "FAIL";
        case Status::Blocked:
            return "BLOCKED";
        case Status::Skipped:
            return "SKIPPED";
        case Status::NotApplicable:
            return "NOT-APPLICABLE";
    }
    return "?";
}

namespace {

std::string nowIso() {
    std::time_t t = std::time(nullptr);
    char b[32];
    std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return b;
}

}  // namespace

ScenarioReport::ScenarioReport(std::string scenario, std::string area)
    : scenario_(std::move(scenario)), area_(std::move(area)), started_(nowIso()) {}

void ScenarioReport::tolerate(const std::string& what) {
    if (std::find(tolerances_.begin(), tolerances_.end(), what) != tolerances_.end())
        return;  // once per report (several clients, one tool)
    tolerances_.push_back(what);
    notes_.push_back("tolerated: " + what);
}

void ScenarioReport::expectFault(const std::string& fault, const std::string& layer) {
    fault_ = fault;
    fault_layer_ = layer;
}

Status ScenarioReport::layerStatus() const {
    Status s = Status::Pass;
    for (const auto& l : layers_) {
        if (l.status == Status::Fail) return Status::Fail;
        if (l.status == Status::Blocked) s = Status::Blocked;
    }
    return s;
}

Status ScenarioReport::status() const {
    return forced_ ? *forced_ : layerStatus();
}

const Layer* ScenarioReport::firstFailedLayer() const {
    // a layer whose premise the data did not meet (NOT-APPLICABLE, SKIPPED) is a result with its reason, not a failure
    for (const auto& l : layers_)
        if (l.status == Status::Fail || l.status == Status::Blocked) return &l;
    return nullptr;
}

json ScenarioReport::toJson() const {
    auto clean = [&](const std::string& s) { return utf8Safe(redact(s, secrets_)); };
    json j;
    j["scenario"] = clean(scenario_);
    j["area"] = area_;
    j["status"] = toString(status());
    if (!reason_.empty()) j["reason"] = clean(reason_);
    j["run"] = currentRun(Settings::runtimeDir());
    j["tolerances"] = json::array();
    for (const auto& t : tolerances_) j["tolerances"].push_back(clean(t));
    j["figures"] = figures_;
    if (!fault_.empty()) j["fault"] = {{"name", fault_}, {"caught_by", fault_layer_}};
    j["started"] = started_;
    j["finished"] = nowIso();
    json facts = facts_;
    // facts may hold strings with secrets (paths, urls): redact their text form
    j["facts"] = json::parse(clean(facts.dump(-1, ' ', false, json::error_handler_t::replace)));
    j["layers"] = json::array();
    for (const auto& l : layers_)
        j["layers"].push_back(
            {{"name", l.name}, {"status", toString(l.status)}, {"detail", clean(l.detail)}, {"seconds", l.seconds}});
    j["notes"] = json::array();
    for (const auto& n : notes_) j["notes"].push_back(clean(n));
    return j;
}

std::string ScenarioReport::toMarkdown() const {
    json j = toJson();
    std::ostringstream m;
    m << "# " << j["scenario"].get<std::string>() << ": " << j["status"].get<std::string>() << "\n\n";
    if (j.contains("reason")) m << "Reason: " << j["reason"].get<std::string>() << "\n\n";
    m << "| layer | status | seconds | detail |\n|---|---|---|---|\n";
    for (const auto& l : j["layers"]) {
        std::string d = l["detail"].get<std::string>();
        for (auto& c : d)
            if (c == '\n') c = ' ';
        if (d.size() > 300) d = d.substr(0, 300) + "...";
        std::ostringstream secs;
        secs.precision(2);
        secs << std::fixed << l["seconds"].get<double>();
        m << "| " << l["name"].get<std::string>() << " | " << l["status"].get<std::string>() << " | " << secs.str()
          << " | " << d << " |\n";
    }
    m << "\n## Facts\n\n";
    for (auto it = j["facts"].begin(); it != j["facts"].end(); ++it)
        m << "- " << it.key() << ": " << it.value().dump() << "\n";
    if (!j["notes"].empty()) {
        m << "\n## Notes\n\n";
        for (const auto& n : j["notes"]) m << "- " << n.get<std::string>() << "\n";
    }
    return m.str();
}

std::string ScenarioReport::safeName(const std::string& scenario) {
    std::string s;
    for (char c : scenario) s += (isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '_';
    return s;
}

fs::path ScenarioReport::write(const fs::path& dir) const {
    fs::create_directories(dir);
    fs::path base = dir / safeName(scenario_);
    fs::path js = base.string() + ".json";
    std::ofstream(js) << toJson().dump(2) << "\n";
    std::ofstream(base.string() + ".md") << toMarkdown();
    return js;
}

std::string startRun(const fs::path& runtime) {
    std::time_t t = std::time(nullptr);
    char b[32];
    std::strftime(b, sizeof b, "%Y%m%dT%H%M%SZ", std::gmtime(&t));
    const std::string id = std::string(b) + "-" + std::to_string(getpid());
    const fs::path reports = runtime / "reports";
    fs::create_directories(reports / id);
    const fs::path tmp = runtime / ("current-run." + std::to_string(getpid()));
    std::ofstream(tmp) << id << "\n";
    fs::rename(tmp, runtime / "current-run");  // tests starting now never read half an id
    std::error_code ec;
    fs::remove(reports / "latest", ec);
    fs::create_directory_symlink(id, reports / "latest", ec);
    return id;
}

std::string currentRun(const fs::path& runtime) {
    std::ifstream in(runtime / "current-run");
    std::string id;
    if (in && std::getline(in, id) && !id.empty()) return id;
    // a test program run by hand, outside ctest: its reports stay apart from any run's
    static const std::string adhoc = [] {
        std::time_t t = std::time(nullptr);
        char b[32];
        std::strftime(b, sizeof b, "%Y%m%dT%H%M%SZ", std::gmtime(&t));
        return "adhoc-" + std::string(b) + "-" + std::to_string(getpid());
    }();
    return adhoc;
}

fs::path runReportsDir() {
    const fs::path rt = Settings::runtimeDir();
    return rt / "reports" / currentRun(rt);
}

namespace {

// what writeSummary gathers from the scenario reports of a run
struct Collected {
    json all = json::array(), faults = json::array();
    std::map<std::string, json> tables;  // figures the scenarios declared, side by side per table
    std::vector<std::vector<std::string>> interrupts;
    std::map<std::string, int> counts;
};

// the first FAIL layer of a report, else its first BLOCKED one
struct FailedLayer {
    std::string first_fail, layer, detail;
};

// j is not const: operator[] on a missing key adds a null there, as the summary always did
FailedLayer failedLayerOf(json& j) {
    FailedLayer fl;
    for (const auto& l : j["layers"])
        if (l.value("status", "") == "FAIL" && fl.first_fail.empty()) {
            fl.layer = l.value("name", "");
            fl.detail = l.value("detail", "");
            fl.first_fail = fl.layer + ": " + fl.detail;
        }
    if (fl.layer.empty())  // a BLOCKED row names the layer that timed out
        for (const auto& l : j["layers"])
            if (l.value("status", "") == "BLOCKED" && fl.layer.empty()) {
                fl.layer = l.value("name", "");
                fl.detail = l.value("detail", "");
            }
    return fl;
}

// one scenario report (already parsed, with a "scenario") into the summary's rows, tables and lists
void collectReport(const fs::path& path, json& j, Collected& c) {
    c.counts[j.value("status", "?")]++;
    const FailedLayer fl = failedLayerOf(j);
    const std::string& first_fail = fl.first_fail;
    const json& f = j["facts"];
    const json corpus = f.value("corpus", json::object());
    c.all.push_back(
        {{"scenario", j["scenario"]},
         {"status", j["status"]},
         {"reason", j.value("reason", first_fail)},
         {"tool", f.value("tool", "")},
         {"variant", f.value("tool_variant", "")},
         {"backend", f.value("backend", "") + (f.value("encrypted", true) ? "" : " (encryption off)")},
         {"tolerances", j.value("tolerances", json::array())},
         {"corpus_skip", f.value("corpus_skip", json::array())},
         {"report", path.string()},
         // for summary.html and the terminal matrix: the cell, the failing layer, the logs
         {"area", j.value("area", "")},
         {"subskill", subskillOf(j.value("scenario", ""))},
         {"failed_layer", fl.layer},
         {"failed_detail", fl.detail.empty() ? j.value("reason", "") : fl.detail},
         {"log_dir", f.value("log_dir", "")},
         {"user_corpus", corpus.is_object() && corpus.value("user", false) ? corpus.value("path", "") : ""}});
    if (f.contains("interrupt_row")) {
        const json& r = f["interrupt_row"];
        c.interrupts.push_back({r.value("backend", ""), j.value("status", "?"),
                                mdCell(j.value("reason", first_fail), 300), r.value("interrupt_rc", "-"),
                                r.value("resume_rc", "-"), r.value("snapshot_id", "-"), r.value("log_dir", ""),
                                path.string(), f.value("tool", ""), r.value("mode", "")});
    }
    if (j.contains("fault"))
        c.faults.push_back({{"scenario", j["scenario"]},
                            {"fault", j["fault"].value("name", "")},
                            {"layer", j["fault"].value("caught_by", "")},
                            {"status", j["status"]}});
    for (const auto& figure : j.value("figures", json::array()))
        c.tables[figure.value("table", "figures")].push_back({{"scenario", j["scenario"]},
                                                              {"tool", f.value("tool", "")},
                                                              {"status", j["status"]},
                                                              {"values", figure["values"]}});
}

// every scenario report in dir (not summary.json, not unparsable files), sorted by scenario
Collected collectReports(const fs::path& dir) {
    Collected c;
    std::error_code ec;
    if (fs::exists(dir, ec))
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            if (e.path().extension() != ".json" || e.path().stem() == "summary") continue;
            std::ifstream in(e.path());
            json j = json::parse(in, nullptr, false);
            if (j.is_discarded() || !j.contains("scenario")) continue;
            collectReport(e.path(), j, c);
        }
    auto byScenario = [](const json& a, const json& b) { return a["scenario"] < b["scenario"]; };
    std::sort(c.all.begin(), c.all.end(), byScenario);
    for (auto& [name, rows] : c.tables) std::sort(rows.begin(), rows.end(), byScenario);
    std::sort(c.faults.begin(), c.faults.end(), byScenario);
    return c;
}

// the self-tests' mutation score: faults tried, caught, and the faults each layer caught
struct Mutation {
    int tried = 0, caught = 0;
    std::map<std::string, std::vector<std::string>> by_layer;
};

Mutation mutationOf(const json& faults) {
    Mutation mu;
    for (const auto& x : faults) {
        const std::string st = x["status"].get<std::string>();
        if (st != "PASS" && st != "FAIL") continue;  // a skipped self-test tried nothing
        ++mu.tried;
        if (st == "PASS") {
            ++mu.caught;
            mu.by_layer[x["layer"].get<std::string>()].push_back(x["fault"].get<std::string>());
        }
    }
    return mu;
}

// interrupt.tsv: one line per interrupt scenario, sorted
void writeInterruptTsv(const fs::path& dir, std::vector<std::vector<std::string>>& interrupts) {
    std::sort(interrupts.begin(), interrupts.end());
    std::ofstream tsv(dir / "interrupt.tsv");
    tsv << "backend\tstatus\treason\tinterrupt_rc\tresume_rc\tsnapshot_id\tlog_dir\treport_path\ttool\tmode\n";
    for (const auto& row : interrupts) {
        for (std::size_t i = 0; i < row.size(); ++i) tsv << (i ? "\t" : "") << row[i];
        tsv << "\n";
    }
}

// summary.md's table of scenarios, then the user corpus line if one was backed up
void mdScenarios(std::ostream& md, const json& all) {
    md << "\n| scenario | tool | backend | status | reason | tolerated | corpus cases left out "
          "|\n|---|---|---|---|---|---|---|\n";
    for (const auto& s : all) {
        std::string tool = s["tool"].get<std::string>();
        if (!s["variant"].get<std::string>().empty()) tool += " (" + s["variant"].get<std::string>() + ")";
        md << "| " << s["scenario"].get<std::string>() << " | " << tool << " | " << s["backend"].get<std::string>()
           << " | " << s["status"].get<std::string>() << " | " << mdCell(s["reason"].get<std::string>(), 160) << " | "
           << mdCell(joinArray(s["tolerances"], "; "), 200) << " | " << mdCell(joinArray(s["corpus_skip"], ", "), 80)
           << " |\n";
    }
    for (const auto& s : all)
        if (!s["user_corpus"].get<std::string>().empty()) {
            md << "\nUser corpus (corpus.path / E2E_CORPUS) backed up instead of the generated one: "
               << s["user_corpus"].get<std::string>() << "\n";
            break;
        }
}

// summary.md's figure tables, side by side
void mdFigureTables(std::ostream& md, const std::map<std::string, json>& tables) {
    for (const auto& [name, rows] : tables) {
        std::vector<std::string> cols;  // in the order the first scenario declared them
        for (const auto& r : rows)
            for (const auto& [k, v] : r["values"].items())
                if (std::find(cols.begin(), cols.end(), k) == cols.end()) cols.push_back(k);
        md << "\n## " << name << ", side by side\n\n| scenario | tool | status |";
        for (const auto& c : cols) md << " " << c << " |";
        md << "\n|---|---|---|";
        for (std::size_t i = 0; i < cols.size(); ++i) md << "---|";
        md << "\n";
        for (const auto& r : rows) {
            md << "| " << r["scenario"].get<std::string>() << " | " << r["tool"].get<std::string>() << " | "
               << r["status"].get<std::string>() << " |";
            for (const auto& c : cols) {
                md << " " << mdCell(cellValue(c, r["values"].value(c, json())), 80) << " |";
            }
            md << "\n";
        }
    }
}

void writeSummaryMd(const fs::path& dir, const Collected& c, const Mutation& mu) {
    std::ofstream md(dir / "summary.md");
    md << "# backup-e2e summary: run " << dir.filename().string() << "\n\n";
    for (const auto& [k, v] : c.counts) md << "- " << k << ": " << v << "\n";
    if (mu.tried)
        md << "- mutation score (self-tests: faults caught / faults tried): " << mu.caught << "/" << mu.tried << "\n";
    mdScenarios(md, c.all);
    if (!mu.by_layer.empty()) {
        md << "\n## Verdict layers and the faults that only they catch\n\n| layer | faults caught |\n|---|---|\n";
        for (const auto& [layer, fs_] : mu.by_layer) {
            std::string l;
            for (const auto& x : fs_) l += (l.empty() ? "" : ", ") + x;
            md << "| " << layer << " | " << l << " |\n";
        }
    }
    mdFigureTables(md, c.tables);
}

}  // namespace

void writeSummary(const fs::path& dir) {
    Collected c = collectReports(dir);
    const Mutation mu = mutationOf(c.faults);
    json summary{
        {"generated", nowIso()},
        {"run", dir.filename().string()},
        {"counts", c.counts},
        {"scenarios", c.all},
        {"tables", c.tables},
        {"mutation", {{"tried", mu.tried}, {"caught", mu.caught}, {"faults", c.faults}, {"layers", mu.by_layer}}}};
    std::ofstream(dir / "summary.json") << summary.dump(2) << "\n";
    if (!c.interrupts.empty()) writeInterruptTsv(dir, c.interrupts);
    writeSummaryMd(dir, c, mu);  // summary.md is closed before the page is written
    writeSummaryHtml(dir, summary);
}

}  // namespace e2e
