#include "RetentionModel.hpp"

#include "text/WallClock.hpp"
#include "tools/Registry.hpp"

#include <algorithm>
#include <climits>
#include <map>
#include <stdexcept>

namespace e2e {

namespace {

// The bucket a snapshot falls in for a rule ("" for keep-last: every snapshot is its own)
std::string bucketOf(const RetentionModel& m, const std::string& rule, std::int64_t utc, const std::string& tz) {
    const bool local = m.zone == RetentionModel::Zone::Local ||
                       (m.zone == RetentionModel::Zone::LocalWeeklyElseUtc && rule == "weekly");
    const std::string z = local ? tz : "";
    if (rule == "hourly") return wallClock(utc, z, "%Y-%j %H");
    if (rule == "daily") return wallClock(utc, z, "%Y-%j");
    if (rule == "weekly") return wallClock(utc, z, "%G-W%V");
    if (rule == "monthly") return wallClock(utc, z, "%Y-%m");
    if (rule == "yearly") return wallClock(utc, z, "%Y");
    return std::to_string(utc) + "#";
}

int countOf(const RetentionRules& r, const std::string& rule) {
    if (rule == "last") return r.last;
    if (rule == "hourly") return r.hourly;
    if (rule == "daily") return r.daily;
    if (rule == "weekly") return r.weekly;
    if (rule == "monthly") return r.monthly;
    if (rule == "yearly") return r.yearly;
    return 0;
}

// kopia: how far back from the newest snapshot a rule keeping N reaches (calendar arithmetic in the machine's zone)
std::int64_t reachOf(const std::string& rule, int n, std::int64_t newest, const std::string& tz) {
    if (rule == "last") return INT64_MIN;
    if (rule == "hourly") return newest - std::int64_t(n) * 3600;
    struct tm w = civilTime(newest, tz);
    if (rule == "daily") w.tm_mday -= n;
    if (rule == "weekly") w.tm_mday -= 7 * n;
    if (rule == "monthly") w.tm_mon -= n;
    if (rule == "yearly") w.tm_year -= n;
    return fromCivilTime(w, tz);
}

bool withinKeeps(const RetentionModel& m, const RetentionRules& r, std::int64_t t, std::int64_t newest,
                 std::int64_t now, const std::string& tz) {
    std::int64_t cutoff = 0;
    if (m.within_from == RetentionModel::WithinFrom::NewestCalendarDays) {
        struct tm w = civilTime(newest, tz);
        w.tm_mday -= r.within_days;
        cutoff = fromCivilTime(w, tz);
    } else {
        cutoff = now - std::int64_t(r.within_days) * 86400;
    }
    return m.within_inclusive ? t >= cutoff : t > cutoff;
}

std::set<std::string> keepGroup(const RetentionModel& m, const RetentionRules& r, std::vector<TimedSnapshot> group,
                                std::int64_t now, const std::string& tz) {
    std::stable_sort(group.begin(), group.end(), [](const auto& a, const auto& b) { return a.utc > b.utc; });
    std::set<std::string> kept;
    if (group.empty()) return kept;
    std::int64_t newest = INT64_MIN;
    for (const auto& s : group)
        if (s.utc <= now) newest = std::max(newest, s.utc);
    for (const auto& rule : m.order) {
        if (rule == "within") {
            if (r.within_days > 0 && m.within_from != RetentionModel::WithinFrom::None)
                for (const auto& s : group)
                    if (withinKeeps(m, r, s.utc, newest, now, tz)) kept.insert(s.id);
            continue;
        }
        const int n = countOf(r, rule);
        if (n <= 0) continue;
        const std::int64_t cutoff =
            m.rules_reach_back_from_newest ? reachOf(rule, n, group.front().utc, tz) : INT64_MIN;
        int used = 0;
        std::string last_bucket = "\x01";
        for (const auto& s : group) {
            if (used >= n) break;
            if (s.utc < cutoff) break;
            const std::string b = bucketOf(m, rule, s.utc, tz);
            if (b == last_bucket) continue;
            last_bucket = b;
            if (!m.kept_fills_later_slots && kept.count(s.id)) continue;
            kept.insert(s.id);
            ++used;
        }
        if (m.keeps_oldest_when_short && used < n && (m.kept_fills_later_slots || !kept.count(group.back().id)))
            kept.insert(group.back().id);
    }
    return kept;
}

}  // namespace

const RetentionModel& retentionModelOf(const std::string& tool) {
    return toolInfo(tool).facts.retention;
}

RetentionOutcome applyRetention(const RetentionModel& model, const RetentionRules& rules,
                                const std::vector<TimedSnapshot>& snaps, std::int64_t now, const std::string& tz) {
    RetentionOutcome out;
    std::map<std::string, std::vector<TimedSnapshot>> groups;
    for (const auto& s : snaps) groups[s.group].push_back(s);
    for (const auto& [g, members] : groups) {
        std::set<std::string> k = keepGroup(model, rules, members, now, tz);
        if (k.empty() && model.refuses_removing_all) {
            out.refused = true;
            out.why += (out.why.empty() ? "" : "; ") + std::string("the policy removes every snapshot of group '") + g +
                       "': " + "the tool refuses it";
        }
        out.kept.insert(k.begin(), k.end());
    }
    return out;
}

}  // namespace e2e
