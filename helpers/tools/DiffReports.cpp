// What each tool's own diff and find print, read into the suite's terms (Drivers.hpp). Every format was read off the
// real tools (restic 0.18.1, rustic 0.11.4, borg 1.4.5, kopia 0.22.3, vykar 0.19.1); a line none of the patterns
// knows is an error naming it, never skipped.
#include "tools/Drivers.hpp"

#include <nlohmann/json.hpp>

#include <regex>
#include <sstream>
#include <stdexcept>

namespace e2e {

namespace {

using Kind = ReportedChange::Kind;
using json = nlohmann::json;

std::vector<std::string> linesOf(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        out.push_back(line);
    }
    return out;
}

bool blank(const std::string& s) {
    return s.find_first_not_of(" \t") == std::string::npos;
}

// "./a/b" or "/a/b/" -> "a/b"; "." and "/" (the root) -> ""
std::string relative(std::string p) {
    if (p.rfind("./", 0) == 0)
        p.erase(0, 2);
    else if (p == ".")
        p.clear();
    while (!p.empty() && p.front() == '/') p.erase(0, 1);
    while (!p.empty() && p.back() == '/') p.pop_back();
    return p;
}

void add(std::vector<ReportedChange>& out, Kind k, const std::string& path, const std::string& said) {
    const std::string p = relative(path);
    if (!p.empty()) out.push_back({k, p, said});
}

[[noreturn]] void unreadable(const std::string& what, const std::string& line) {
    throw std::runtime_error("cannot read this line of " + what + ": '" + line + "'");
}

void appendUtf8(std::string& s, unsigned long cp) {
    if (cp < 0x80) {
        s += static_cast<char>(cp);
    } else if (cp < 0x800) {
        s += static_cast<char>(0xC0 | (cp >> 6));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        s += static_cast<char>(0xE0 | (cp >> 12));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        s += static_cast<char>(0xF0 | (cp >> 18));
        s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

}  // namespace

std::string unquoteRustDebug(const std::string& quoted) {
    if (quoted.size() < 2 || quoted.front() != '"' || quoted.back() != '"')
        throw std::runtime_error("not a quoted name: " + quoted);
    std::string out;
    for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
        char c = quoted[i];
        if (c != '\\') {
            out += c;
            continue;
        }
        if (i + 2 >= quoted.size()) throw std::runtime_error("a lone backslash at the end of " + quoted);
        c = quoted[++i];
        switch (c) {
            case 'n':
                out += '\n';
                break;
            case 't':
                out += '\t';
                break;
            case 'r':
                out += '\r';
                break;
            case '0':
                out += '\0';
                break;
            case '\\':
            case '"':
            case '\'':
                out += c;
                break;
            case 'x':
                if (i + 2 >= quoted.size()) throw std::runtime_error("a short \\x escape in " + quoted);
                out += static_cast<char>(std::stoi(quoted.substr(i + 1, 2), nullptr, 16));
                i += 2;
                break;
            case 'u': {
                const auto close = quoted.find('}', i);
                if (i + 1 >= quoted.size() || quoted[i + 1] != '{' || close == std::string::npos)
                    throw std::runtime_error("a bad \\u escape in " + quoted);
                appendUtf8(out, std::stoul(quoted.substr(i + 2, close - i - 2), nullptr, 16));
                i = close;
                break;
            }
            default:
                throw std::runtime_error(std::string("an unknown escape \\") + c + " in " + quoted);
        }
    }
    return out;
}

// restic diff --metadata --json: {"message_type":"change","path":"/a/","modifier":"+"} per path, then statistics
std::vector<ReportedChange> parseResticDiff(const std::string& out) {
    std::vector<ReportedChange> lines;
    for (const auto& line : linesOf(out)) {
        if (blank(line)) continue;
        const json j = json::parse(line, nullptr, false);
        if (!j.is_object()) unreadable("restic diff --json", line);
        const std::string type = j.value("message_type", "");
        if (type == "statistics") continue;
        if (type != "change") unreadable("restic diff --json", line);
        const std::string m = j.value("modifier", ""), path = j.value("path", "");
        const Kind k = m == "+"                             ? Kind::Added
                       : m == "-"                           ? Kind::Removed
                       : m == "U"                           ? Kind::Metadata
                       : (m == "M" || m == "T" || m == "?") ? Kind::Modified
                                                            : (unreadable("restic diff --json", line), Kind::Added);
        add(lines, k, path, m + " " + path);
    }
    return mergeChanges(lines);
}

// restic find --json /PATH: [{"matches":[{"path":"/a/b",...}],"hits":1,"snapshot":"<id>"}, ...]; a pattern that
// names a directory matches what is under it too, so only the path itself counts
std::map<std::string, std::string> parseResticFind(const std::string& out, const std::string& path) {
    std::map<std::string, std::string> found;
    json all = json::parse(out, nullptr, false);
    if (all.is_discarded()) {  // one array per line in some versions
        all = json::array();
        for (const auto& line : linesOf(out)) {
            if (blank(line)) continue;
            const json j = json::parse(line, nullptr, false);
            if (!j.is_array()) unreadable("restic find --json", line);
            for (const auto& x : j) all.push_back(x);
        }
    }
    if (!all.is_array()) throw std::runtime_error("restic find --json printed no JSON array");
    for (const auto& snap : all) {
        if (!snap.is_object() || !snap.contains("matches")) continue;
        for (const auto& m : snap["matches"])
            if (relative(m.value("path", "")) == path) found[snap.value("snapshot", "")] = "present";
    }
    return found;
}

// rustic diff --metadata: `M    "a/b"` per path (Rust's quoting), then "Files :" and "Dirs :" totals
std::vector<ReportedChange> parseRusticDiff(const std::string& out) {
    static const std::regex change(R"(^([-+MUT?])\s+(".*")\s*$)");
    static const std::regex totals(R"(^(Files|Dirs)\s*:)");
    std::vector<ReportedChange> lines;
    for (const auto& line : linesOf(out)) {
        std::smatch m;
        if (blank(line) || std::regex_search(line, totals)) continue;
        if (!std::regex_match(line, m, change)) unreadable("rustic diff", line);
        const std::string code = m[1];
        const Kind k = code == "+"   ? Kind::Added
                       : code == "-" ? Kind::Removed
                       : code == "U" ? Kind::Metadata
                                     : Kind::Modified;
        add(lines, k, unquoteRustDebug(m[2]), line);
    }
    return mergeChanges(lines);
}

// rustic find --all --path PATH: "found in <id> from <time>" or "not found in <id> ..." per snapshot, each found one
// followed by its listing line
std::map<std::string, std::string> parseRusticFind(const std::string& out) {
    static const std::regex found(R"(^found in ([0-9a-f]+) from .*$)");
    std::map<std::string, std::string> got;
    for (const auto& line : linesOf(out)) {
        std::smatch m;
        if (!std::regex_match(line, m, found)) continue;
        if (line.find("(+") != std::string::npos)
            throw std::runtime_error("rustic find folded snapshots into one line (--all missing?): '" + line + "'");
        got[m[1]] = "present";
    }
    return got;
}

// borg diff --json-lines: {"changes": [{"type": "modified", ...}, {"type": "ctime", ...}], "path": "a/b"}; ctime alone
// is no change the manifest holds (every path the suite touched has one)
std::vector<ReportedChange> parseBorgDiff(const std::string& out) {
    std::vector<ReportedChange> lines;
    for (const auto& line : linesOf(out)) {
        if (blank(line)) continue;
        const json j = json::parse(line, nullptr, false);
        if (!j.is_object() || !j.contains("changes") || !j["changes"].is_array()) unreadable("borg diff", line);
        const std::string path = j.value("path", "");
        for (const auto& c : j["changes"]) {
            const std::string type = c.value("type", "");
            if (type == "ctime") continue;
            Kind k;
            if (type.rfind("added", 0) == 0)
                k = Kind::Added;
            else if (type.rfind("removed", 0) == 0)
                k = Kind::Removed;
            else if (type == "modified" || type == "changed link" || type == "type")
                k = Kind::Modified;
            else if (type == "mode" || type == "mtime" || type == "owner" || type == "user" || type == "group")
                k = Kind::Metadata;
            else
                unreadable("borg diff (a change type '" + type + "')", line);
            add(lines, k, path, type + " " + path);
        }
    }
    return mergeChanges(lines);
}

// kopia diff: "added file ./a (3 bytes)", "removed directory ./d", "changed ./a at <time> (size 3 -> 4)", "./a modes
// differ: ...", in no fixed order, then its statistics as one JSON object
std::vector<ReportedChange> parseKopiaDiff(const std::string& out) {
    static const std::regex added(R"(^added (file|directory|symlink|entry) (\..*?)( \(\d+ bytes\))?$)");
    static const std::regex removed(R"(^removed (file|directory|symlink|entry) (\..*?)( \(\d+ bytes\))?$)");
    static const std::regex changed(R"(^changed (\..*?) (at .* \(size \d+ -> \d+\)|from .*)$)");
    static const std::regex differ(
        R"(^(\..*?) (modes|sizes|modification times|owner users|owner groups|extended attributes) differ(:.*)?$)");
    std::vector<ReportedChange> lines;
    for (const auto& line : linesOf(out)) {
        std::smatch m;
        if (blank(line) || line.front() == '{') continue;
        if (std::regex_match(line, m, added))
            add(lines, Kind::Added, m[2], line);
        else if (std::regex_match(line, m, removed))
            add(lines, Kind::Removed, m[2], line);
        else if (std::regex_match(line, m, changed))
            add(lines, Kind::Modified, m[1], line);
        else if (std::regex_match(line, m, differ))
            add(lines, Kind::Metadata, m[1], line);
        else
            unreadable("kopia diff", line);
    }
    return mergeChanges(lines);
}

// vykar snapshot diff: a table (Change, Path, Old Size, New Size, Delta) without borders; a path starts at the
// header's "Path" column and ends before the three size columns
std::vector<ReportedChange> parseVykarDiff(const std::string& out) {
    static const std::regex size_cols(R"(^(.*?)\s+(-|[0-9.]+ [KMGTPE]?i?B)\s+(-|[0-9.]+ [KMGTPE]?i?B)\s+)"
                                      R"((-|[+-]?[0-9.]+ [KMGTPE]?i?B)\s*$)");
    std::vector<ReportedChange> lines;
    std::size_t col = std::string::npos;
    for (const auto& line : linesOf(out)) {
        if (blank(line) || line.find("No file changes found.") != std::string::npos) continue;
        if (col == std::string::npos) {
            const auto change = line.find("Change"), path = line.find("Path");
            if (change == std::string::npos || path == std::string::npos || path < change)
                unreadable("vykar snapshot diff (no header before it)", line);
            col = path;
            continue;
        }
        std::istringstream words(line);
        std::string word;
        words >> word;
        const Kind k = word == "Added"      ? Kind::Added
                       : word == "Removed"  ? Kind::Removed
                       : word == "Modified" ? Kind::Modified
                                            : (unreadable("vykar snapshot diff (a row without its change: a name "
                                                          "running on from the row above?)",
                                                          line),
                                               Kind::Added);
        std::smatch m;
        const std::string rest = line.size() > col ? line.substr(col) : "";
        if (!std::regex_match(rest, m, size_cols)) unreadable("vykar snapshot diff", line);
        add(lines, k, m[1], line);
    }
    return mergeChanges(lines);
}

// vykar snapshot find PATH: per path found, its name on a line of its own, a header, then a row per snapshot holding
// it: "  <id>  <date> <time>  <size>  added|modified|unchanged"
std::map<std::string, std::string> parseVykarFind(const std::string& out, const std::string& path) {
    static const std::regex row(R"(^\s+([0-9a-f]{6,})\s+\S+ \S+\s+.*?\s+(added|modified|unchanged)\s*$)");
    std::map<std::string, std::string> got;
    std::string current;
    for (const auto& line : linesOf(out)) {
        std::smatch m;
        if (blank(line) || line.find("No matching files found.") != std::string::npos) continue;
        if (line.front() != ' ') {
            current = line;
            continue;
        }
        if (line.find("Snapshot") != std::string::npos && line.find("Status") != std::string::npos) continue;
        if (!std::regex_match(line, m, row)) unreadable("vykar snapshot find", line);
        if (current == path) got[m[1]] = m[2];
    }
    return got;
}

}  // namespace e2e
