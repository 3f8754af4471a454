#include "report/Report.hpp"

#include "config/Settings.hpp"
#include "process/Process.hpp"
#include "text/Text.hpp"

#include <ctime>
#include <fstream>
#include <sstream>

namespace e2e {

using json = nlohmann::json;

std::string toString(Status s) {
    switch (s) {
    case Status::Pass: return "PASS";
    case Status::Fail: return "FAIL";
    case Status::Blocked: return "BLOCKED";
    case Status::Skipped: return "SKIPPED";
    case Status::NotApplicable: return "NOT-APPLICABLE";
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

Status ScenarioReport::status() const {
    if (forced_) return *forced_;
    Status s = Status::Pass;
    for (const auto& l : layers_) {
        if (l.status == Status::Fail) return Status::Fail;
        if (l.status == Status::Blocked) s = Status::Blocked;
    }
    return s;
}

json ScenarioReport::toJson() const {
    auto clean = [&](const std::string& s) { return utf8Safe(redact(s, secrets_)); };
    json j;
    j["scenario"] = clean(scenario_);
    j["area"] = area_;
    j["status"] = toString(status());
    if (!reason_.empty()) j["reason"] = clean(reason_);
    j["started"] = started_;
    j["finished"] = nowIso();
    json facts = facts_;
    // facts may hold strings with secrets (paths, urls): redact their text form
    j["facts"] = json::parse(clean(facts.dump()));
    j["layers"] = json::array();
    for (const auto& l : layers_)
        j["layers"].push_back({{"name", l.name}, {"status", toString(l.status)}, {"detail", clean(l.detail)}, {"seconds", l.seconds}});
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
        m << "| " << l["name"].get<std::string>() << " | " << l["status"].get<std::string>() << " | " << secs.str() << " | " << d << " |\n";
    }
    m << "\n## Facts\n\n";
    for (auto it = j["facts"].begin(); it != j["facts"].end(); ++it) m << "- " << it.key() << ": " << it.value().dump() << "\n";
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

void writeSummary(const fs::path& dir) {
    json all = json::array(), dedup = json::array();
    std::map<std::string, int> counts;
    std::error_code ec;
    if (fs::exists(dir, ec))
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            if (e.path().extension() != ".json" || e.path().stem() == "summary") continue;
            std::ifstream in(e.path());
            json j = json::parse(in, nullptr, false);
            if (j.is_discarded() || !j.contains("scenario")) continue;
            counts[j.value("status", "?")]++;
            std::string first_fail;
            for (const auto& l : j["layers"])
                if (l.value("status", "") == "FAIL" && first_fail.empty()) first_fail = l.value("name", "") + ": " + l.value("detail", "");
            all.push_back({{"scenario", j["scenario"]},
                           {"status", j["status"]},
                           {"reason", j.value("reason", first_fail)},
                           {"tool", j["facts"].value("tool", "")},
                           {"backend", j["facts"].value("backend", "")},
                           {"report", e.path().string()}});
            const json& f = j["facts"];
            if (f.contains("growth_ratio") && f.contains("repo_bytes"))
                dedup.push_back({{"scenario", j["scenario"]},
                                 {"tool", f.value("tool", "")},
                                 {"status", j["status"]},
                                 {"first_backup_bytes", f["repo_bytes"].value("first_backup_bytes", std::uint64_t(0))},
                                 {"growth_bytes", f.value("growth_bytes", std::uint64_t(0))},
                                 {"growth_ratio", f["growth_ratio"]}});
        }
    auto byScenario = [](const json& a, const json& b) { return a["scenario"] < b["scenario"]; };
    std::sort(all.begin(), all.end(), byScenario);
    std::sort(dedup.begin(), dedup.end(), byScenario);
    json summary{{"generated", nowIso()}, {"counts", counts}, {"scenarios", all}, {"dedup", dedup}};
    std::ofstream(dir / "summary.json") << summary.dump(2) << "\n";
    std::ofstream md(dir / "summary.md");
    md << "# backup-e2e summary\n\n";
    for (const auto& [k, v] : counts) md << "- " << k << ": " << v << "\n";
    md << "\n| scenario | tool | backend | status | reason |\n|---|---|---|---|---|\n";
    for (const auto& s : all) {
        std::string r = s["reason"].get<std::string>();
        for (auto& c : r)
            if (c == '\n' || c == '|') c = ' ';
        if (r.size() > 160) r = r.substr(0, 160) + "...";
        md << "| " << s["scenario"].get<std::string>() << " | " << s["tool"].get<std::string>() << " | " << s["backend"].get<std::string>()
           << " | " << s["status"].get<std::string>() << " | " << r << " |\n";
    }
    if (!dedup.empty()) {
        md << "\n## Dedup side by side: growth of the second backup\n\n| scenario | tool | status | first backup | growth | growth_ratio |\n"
           << "|---|---|---|---|---|---|\n";
        for (const auto& d : dedup) {
            char ratio[32];
            snprintf(ratio, sizeof ratio, "%.4f", d["growth_ratio"].get<double>());
            md << "| " << d["scenario"].get<std::string>() << " | " << d["tool"].get<std::string>() << " | " << d["status"].get<std::string>() << " | "
               << humanBytes(d["first_backup_bytes"].get<std::uint64_t>()) << " | " << humanBytes(d["growth_bytes"].get<std::uint64_t>()) << " | "
               << ratio << " |\n";
        }
    }
}

}  // namespace e2e
