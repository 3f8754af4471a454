// promises/retention: each tool's own keep-* policy on synthetic timelines, judged against its documentation.
// Every case builds a timeline of back-dated snapshots (the tool's own flag: restic/rustic --time, borg
// --timestamp, kopia --start-time; vykar, which has none, under libfaketime), each of a small tree of its own,
// applies one policy with the tool's own forget/prune, and holds the snapshots left to what the tool's documented
// rules keep (RetentionModel: its clock rule, rule order, whether a kept snapshot fills a later rule's slot,
// whether the oldest is kept, where keep-within counts from, what it refuses). The promise:
//   the snapshots are dated as asked (layer "backdated": else the rest would judge the wrong timeline);
//   the kept set equals the model's (layer "kept"; a refusal the tool documents must happen: "forget");
//   after the tool's reclaim the newest and the oldest kept snapshot of each group restore exactly.
// The timelines end before now, placed so that no snapshot lies within 30 minutes past a cutoff counted back from
// now (kopia's rules, keep-within): the run's own minutes never decide. The summary shows every tool's kept set on
// the same timeline side by side. Self-test: a forget that keeps one snapshot too many (caught by "kept").
#include "SelfTestFault.hpp"
#include "RetentionModel.hpp"
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "ToolRows.hpp"
#include "text/Text.hpp"
#include "text/WallClock.hpp"
#include "tree/Corpus.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <functional>
#include <fstream>
#include <map>
#include <optional>
#include <regex>

using namespace e2e;

namespace {

constexpr std::int64_t kHour = 3600, kDay = 86400;

struct Planned {
    std::int64_t utc = 0;
    std::string group;  // "a" or "b": each its own label and source directory
};

struct Timeline {
    std::string tz;  // the machine's time zone for the case ("" = UTC)
    std::vector<Planned> at;
    RetentionRules rules;
    std::string story;
};

// "now", to the minute: every case's timeline is placed back from it
std::int64_t caseStart() {
    return (static_cast<std::int64_t>(std::time(nullptr)) / 60) * 60;
}

// The most recent change into daylight saving time in `tz` at least a week before `now` (UTC second of the change).
std::int64_t lastSpringForward(const std::string& tz, std::int64_t now) {
    const std::int64_t hour = now - now % kHour;  // zones change on the hour (of UTC, for the zones used here)
    for (std::int64_t t = hour - 7 * kDay; t > hour - 800 * kDay; t -= kHour)
        if (utcOffset(t, tz) > utcOffset(t - kHour, tz)) return t;  // "+02:00" > "+01:00" (east of UTC)
    throw std::runtime_error("no daylight saving change in " + tz + " in the last 800 days");
}

// The most recent year whose 29 February and the two months after it lie before `now`.
int lastLeapYear(std::int64_t now) {
    for (int y = std::stoi(wallClock(now, "", "%Y")); y > 1970; --y) {
        struct tm w {};
        w.tm_year = y - 1900, w.tm_mon = 1, w.tm_mday = 29, w.tm_hour = 12;
        const std::int64_t feb29 = fromCivilTime(w, "");
        if (wallClock(feb29, "", "%m-%d") == "02-29" && feb29 + 70 * kDay < now) return y;
    }
    throw std::runtime_error("no leap year before now");
}

// The most recent ISO year with a week 53 (28 December falls in it) whose week 2 after it is over before `now`.
int lastWeek53Year(std::int64_t now) {
    for (int y = std::stoi(wallClock(now, "", "%Y")); y > 1970; --y) {
        struct tm w {};
        w.tm_year = y - 1900, w.tm_mon = 11, w.tm_mday = 28, w.tm_hour = 12;
        const std::int64_t dec28 = fromCivilTime(w, "");
        if (wallClock(dec28, "", "%V") == "53" && dec28 + 21 * kDay < now) return y;
    }
    throw std::runtime_error("no ISO week 53 before now");
}

std::int64_t utcAt(int y, int mon, int d, int h, int min) {
    struct tm w {};
    w.tm_year = y - 1900, w.tm_mon = mon - 1, w.tm_mday = d, w.tm_hour = h, w.tm_min = min;
    return fromCivilTime(w, "");
}

// The cases. Counts that only let a rule reach back over a timeline months ago (kopia counts each rule's periods
// back from now) are "reach" counts: they never bind.
Timeline hourlyForThreeDays(std::int64_t now) {
    Timeline t{"", {}, {}, "every hour for three days (72 snapshots), UTC"};
    for (int k = 0; k < 72; ++k) t.at.push_back({now - 20 * 60 - k * kHour, "a"});
    t.rules.hourly = 24;
    t.rules.daily = 3;
    return t;
}

Timeline dailyFor400Days(std::int64_t now) {
    Timeline t{"", {}, {}, "every day for 400 days, UTC"};
    for (int k = 0; k < 400; ++k) t.at.push_back({now - kHour - k * kDay, "a"});
    t.rules.last = 2;
    t.rules.daily = 7;
    t.rules.weekly = 5;
    t.rules.monthly = 12;
    t.rules.yearly = 3;
    return t;
}

Timeline aroundUtcMidnight(std::int64_t now) {
    Timeline t{
        "America/New_York", {}, {}, "22:30, 23:30, 00:30 and 01:30 UTC on three nights, the machine in New York"};
    const std::int64_t midnight = (now / kDay) * kDay;
    for (int night = 1; night <= 3; ++night)
        for (int m : {-90, -30, 30, 90}) t.at.push_back({midnight - night * kDay + m * 60, "a"});
    t.rules.daily = static_cast<int>((now - (midnight - 3 * kDay - 90 * 60)) / kDay) + 2;  // each day's newest
    return t;
}

Timeline acrossDst(std::int64_t now) {
    const std::string tz = "Europe/Berlin";
    const std::int64_t change = lastSpringForward(tz, now);
    Timeline t{tz,
               {},
               {},
               "every 3 hours for two days around the change to summer time in Berlin (" +
                   wallClock(change, tz, "%Y-%m-%d %H:%M %Z") + "), one of them each day just after midnight there"};
    // 1 h 45 min before the change and every 3 h from there: 00:15 in Berlin the night before it is 23:15 UTC
    for (int k = -8; k < 8; ++k) t.at.push_back({change - 105 * 60 + k * 3 * kHour, "a"});
    t.rules.daily = static_cast<int>((now - t.at.front().utc) / kDay) + 2;  // every day's newest, in its clock
    return t;
}

Timeline monthEndsAndLeapDay(std::int64_t now) {
    const std::string tz = "Pacific/Auckland";  // 11:30 UTC is 00:30 the next day there (summer: UTC+13)
    const int y = lastLeapYear(now);
    Timeline t{tz,
               {},
               {},
               "11:30 UTC on the days around each month end from January to May " + std::to_string(y) +
                   " (29 February too), the machine in Auckland"};
    for (auto [mon, d] : std::vector<std::pair<int, int>>{{1, 30},
                                                          {1, 31},
                                                          {2, 1},
                                                          {2, 27},
                                                          {2, 28},
                                                          {2, 29},
                                                          {3, 1},
                                                          {3, 30},
                                                          {3, 31},
                                                          {4, 1},
                                                          {4, 29},
                                                          {4, 30},
                                                          {5, 1}})
        t.at.push_back({utcAt(y, mon, d, 11, 30), "a"});
    const int reach_months = static_cast<int>((now - t.at.front().utc) / (28 * kDay)) + 2;
    t.rules.monthly = reach_months;
    return t;
}

Timeline isoWeek53(std::int64_t now) {
    const int y = lastWeek53Year(now);
    Timeline t{"",
               {},
               {},
               "noon UTC every day from 24 December " + std::to_string(y) + " to 6 January " + std::to_string(y + 1) +
                   " (ISO week 53 of " + std::to_string(y) + ")"};
    for (std::int64_t s = utcAt(y, 12, 24, 12, 0); s <= utcAt(y + 1, 1, 6, 12, 0); s += kDay) t.at.push_back({s, "a"});
    t.rules.weekly = static_cast<int>((now - t.at.front().utc) / (7 * kDay)) + 2;
    return t;
}

Timeline twoLabels(std::int64_t now) {
    Timeline t{"",
               {},
               {},
               "two labels in one repository, each backing up its own directory: every 4 hours and "
               "every 8 hours for two days"};
    for (int k = 0; k < 12; ++k) t.at.push_back({now - 30 * 60 - k * 4 * kHour, "a"});
    for (int k = 0; k < 6; ++k) t.at.push_back({now - 50 * 60 - k * 8 * kHour, "b"});
    t.rules.last = 2;
    t.rules.daily = 2;
    return t;
}

Timeline removesEverything(std::int64_t now) {
    Timeline t{"", {}, {}, "one snapshot a day 10 to 12 days ago; keep-within 2 days (of now) keeps none of them"};
    for (int k = 0; k < 3; ++k) t.at.push_back({now - 10 * kDay - k * (kDay + 7 * 60), "a"});
    t.rules.within_days = 2;
    return t;
}

Timeline keepWithin(std::int64_t now) {
    Timeline t{"", {}, {}, "every 10 hours for six days, the newest 7 hours ago; keep-within 4 days"};
    for (int k = 0; k < 14; ++k) t.at.push_back({now - 7 * kHour - k * 10 * kHour, "a"});
    t.rules.within_days = 4;
    return t;
}

// A time as a tool lists it: RFC 3339 with its offset or Z ("2026-03-29T01:15:00.123+01:00"), with " UTC", or a
// wall clock without a zone (borg; vykar to the minute), read in the machine's zone `tz`.
struct ListedTime {
    std::int64_t utc = 0;
    bool to_the_minute = false;  // the listing shows no seconds
};
std::optional<ListedTime> parseListedTime(const std::string& s, const std::string& tz) {
    static const std::regex re(
        R"(^\s*(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d))?(\.\d+)?\s*(Z|UTC|[+-]\d\d:?\d\d)?\s*$)");
    std::smatch m;
    if (!std::regex_match(s, m, re)) return std::nullopt;
    struct tm w {};
    w.tm_year = std::stoi(m[1]) - 1900, w.tm_mon = std::stoi(m[2]) - 1, w.tm_mday = std::stoi(m[3]);
    w.tm_hour = std::stoi(m[4]), w.tm_min = std::stoi(m[5]), w.tm_sec = m[6].matched ? std::stoi(m[6]) : 0;
    const std::string zone = m[8];
    const bool minute = !m[6].matched;
    if (zone.empty()) return ListedTime{fromCivilTime(w, tz), minute};
    std::int64_t t = fromCivilTime(w, "");
    if (zone == "Z" || zone == "UTC") return ListedTime{t, minute};
    const std::string digits = std::regex_replace(zone.substr(1), std::regex(":"), "");
    const std::int64_t off = std::stoi(digits.substr(0, 2)) * kHour + std::stoi(digits.substr(2, 2)) * 60;
    return ListedTime{zone[0] == '+' ? t - off : t + off, minute};
}

// The listed snapshot with id `id`: the same id, or for a hex id one whose id is a prefix of the other (short and
// long ids); a name (borg's "<label>@1", a prefix of "<label>@10") only as it is.
const Snapshot* listedAs(const std::vector<Snapshot>& listed, const std::string& id) {
    static const std::regex hex("^[0-9a-f]+$");
    const bool is_hex = std::regex_match(id, hex);
    for (const auto& s : listed)
        if (s.id == id || (is_hex && sameSnapshotId(s.id, id))) return &s;
    return nullptr;
}

struct Made {
    std::string id, label;
    std::int64_t utc = 0;
    Manifest manifest;
};

class Retention : public ScenarioTestP<std::string> {
protected:
    Retention() : ScenarioTestP("promises") {}

    ToolOnBackend t_;
    SelfTestFault fault_;  // self-tests: a faulty wrapper and the layer that catches it

    void run(const std::string& name, Timeline (*make)(std::int64_t)) {
        const std::int64_t start = caseStart();
        const Timeline tl = make(start);
        PreludeOptions po;
        po.tz = tl.tz;
        fault_.arm(ws(), po, GetParam());
        if (!prepare(t_, GetParam(), po)) return;
        for (const std::string& gap : {t_.tool->backdatingGap(), t_.tool->retentionGap(tl.rules)})
            if (!gap.empty()) return endAs(Status::NotApplicable, gap);
        ws().report().set("retention_case", {{"case", name},
                                             {"timeline", tl.story},
                                             {"time_zone", tl.tz.empty() ? "UTC" : tl.tz},
                                             {"policy", tl.rules.describe()},
                                             {"model", retentionModelOf(GetParam()).documented}});
        judge(name, tl);
    }

    // One small tree per snapshot: a note naming it and 16 KiB of its own data (what reclaim may drop).
    Manifest writeTree(const fs::path& dir, const std::string& label, std::size_t k, std::int64_t utc) {
        fs::remove_all(dir);
        fs::create_directories(dir);
        std::ofstream(dir / "when.txt") << label << " #" << k << " made at " << wallClock(utc, "") << " UTC\n";
        std::string data(16 << 10, '\0');
        Rng rng(ws().seed() ^ (static_cast<std::uint64_t>(k) * 0x9e3779b97f4a7c15ull) ^
                std::hash<std::string>{}(label));
        rng.fill(data.data(), data.size());
        std::ofstream(dir / "own.bin", std::ios::binary) << data;
        return Manifest::build(dir, ManifestOptions{});
    }

    std::vector<Made> makeTimeline(Verdicts& v, const Timeline& tl, const std::string& stem) {
        std::vector<Made> made;
        v.layer("backups", [&] {
            for (std::size_t k = 0; k < tl.at.size(); ++k) {
                const std::string label = stem + "-" + tl.at[k].group;
                const fs::path src = ws().work() / ("source-" + tl.at[k].group);
                Made m{"", label, tl.at[k].utc, writeTree(src, label, k, tl.at[k].utc)};
                m.id = t_.tool->backupAt(src, label, m.utc);
                made.push_back(std::move(m));
            }
            return std::to_string(made.size()) + " snapshots, " + tl.story;
        });
        return made;
    }

    // Each snapshot listed with the time asked for: to the second (5 s where a faked clock ran during the backup), or
    // to the minute where the listing shows no seconds.
    void judgeDates(Verdicts& v, const std::vector<Made>& made, const std::string& tz) {
        v.layer("backdated", [&] {
            const auto listed = t_.tool->snapshots();
            std::vector<std::string> wrong;
            for (const auto& m : made) {
                const Snapshot* it = listedAs(listed, m.id);
                std::optional<ListedTime> got;
                if (it) got = parseListedTime(it->time, tz);
                const std::int64_t low = got && got->to_the_minute ? m.utc - m.utc % 60 : m.utc;
                if (!got || got->utc < low || got->utc > m.utc + 5)
                    wrong.push_back(m.id + ": asked " + wallClock(m.utc, "") + " UTC, listed " +
                                    (it ? "'" + it->time + "'" : "not at all"));
            }
            if (!wrong.empty())
                throw VerdictFailure(std::to_string(wrong.size()) + " of " + std::to_string(made.size()) +
                                     " snapshots not dated as asked: " + joinFirst(wrong, 4));
            return "every snapshot listed at the time asked (" + std::to_string(made.size()) + ")";
        });
    }

    static std::string joinFirst(const std::vector<std::string>& v, std::size_t n) {
        std::string s;
        for (std::size_t i = 0; i < v.size() && i < n; ++i) s += (i ? "; " : "") + v[i];
        return v.size() > n ? s + "; ..." : s;
    }

    // A real row that broke the promise fails here, naming the layer (a self-test's fault is judged by its report).
    void judge(const std::string& name, const Timeline& tl) {
        Verdicts v(ws());
        judgeSteps(v, name, tl);
        fault_.judge(v, "retention");
    }
    void judgeSteps(Verdicts& v, const std::string& name, const Timeline& tl);
    void judgeKept(Verdicts& v, const Timeline& tl, const std::vector<Made>& made, const RetentionOutcome& want,
                   const std::string& name);
    void restoreKept(ScenarioSteps& steps, const std::vector<Made>& made, const RetentionOutcome& want);
};

void Retention::judgeSteps(Verdicts& v, const std::string& name, const Timeline& tl) {
    ScenarioSteps steps(ws(), *t_.tool, v);
    steps.version();
    steps.init(true);
    if (!v.ok()) return;
    const std::vector<Made> made = makeTimeline(v, tl, steps.label());
    if (!v.ok()) return;
    judgeDates(v, made, tl.tz);
    std::vector<TimedSnapshot> timed;
    std::vector<std::string> labels;
    for (const auto& m : made) {
        timed.push_back({m.id, m.utc, m.label});
        if (std::find(labels.begin(), labels.end(), m.label) == labels.end()) labels.push_back(m.label);
    }
    const RetentionModel& model = retentionModelOf(t_.tool->name());
    const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    const RetentionOutcome want = applyRetention(model, tl.rules, timed, now, tl.tz);
    v.layer("forget", [&] {
        try {
            t_.tool->forgetByPolicy(tl.rules, labels);
        } catch (const ToolError& e) {
            if (!want.refused) throw;
            return std::string("refused, as documented (") + want.why + "): " + e.result().tail(3);
        }
        if (want.refused) throw VerdictFailure("it applied a policy its documentation says it refuses: " + want.why);
        return tl.rules.describe() + " applied";
    });
    judgeKept(v, tl, made, want, name);
    if (!v.ok()) return;
    v.layer("reclaim", [&] {
        t_.tool->reclaim();
        return std::string("reclaimed what the forgotten snapshots alone held");
    });
    restoreKept(steps, made, want);
}

void Retention::judgeKept(Verdicts& v, const Timeline& tl, const std::vector<Made>& made, const RetentionOutcome& want,
                          const std::string& name) {
    std::set<std::string> expect = want.kept;
    if (want.refused)
        for (const auto& m : made) expect.insert(m.id);  // a refused policy removes nothing
    v.layer("kept", [&] {
        const auto listed = t_.tool->snapshots();
        std::vector<std::string> extra, missing, kept_at;
        for (const auto& m : made) {
            const bool is = listedAs(listed, m.id) != nullptr;
            const bool should = expect.count(m.id) > 0;
            const std::string at = m.label.substr(m.label.size() - 1) + " " + wallClock(m.utc, tl.tz, "%Y-%m-%d %H:%M");
            if (is) kept_at.push_back(at);
            if (is && !should) extra.push_back(at);
            if (!is && should) missing.push_back(at);
        }
        ws().report().set("kept", {{"listed", kept_at}, {"expected_count", expect.size()}});
        // which ones, side by side, where the timeline is short enough to read
        std::string which;
        for (const auto& k : kept_at) which += (which.empty() ? "" : ", ") + k.substr(k.find(' ') + 6);
        ws().report().figure("Retention: snapshots kept of each timeline",
                             {{"case", name},
                              {"kept", kept_at.size()},
                              {"expected", expect.size()},
                              {"of", made.size()},
                              {"policy", tl.rules.describe()},
                              {"kept (wall clock)", made.size() <= 20 ? which : std::string("(see the report)")}});
        if (!extra.empty() || !missing.empty())
            throw VerdictFailure("kept " + std::to_string(kept_at.size()) + " of " + std::to_string(made.size()) +
                                 " snapshots, its documented rules keep " + std::to_string(expect.size()) +
                                 (extra.empty()
                                      ? ""
                                      : "; kept beyond them (" + (tl.tz.empty() ? std::string("UTC") : tl.tz) +
                                            " wall clock): " + joinFirst(extra, 6)) +
                                 (missing.empty() ? "" : "; removed though they keep it: " + joinFirst(missing, 6)));
        return std::to_string(kept_at.size()) + " of " + std::to_string(made.size()) +
               " kept, as its documented rules keep";
    });
}

// The newest and the oldest kept snapshot of each group restore exactly (after the reclaim).
void Retention::restoreKept(ScenarioSteps& steps, const std::vector<Made>& made, const RetentionOutcome& want) {
    std::map<std::string, std::vector<const Made*>> kept;  // label -> kept, oldest first
    for (const auto& m : made)
        if (want.kept.count(m.id)) kept[m.label].push_back(&m);
    for (auto& [label, list] : kept) {
        std::sort(list.begin(), list.end(), [](const Made* a, const Made* b) { return a->utc < b->utc; });
        const std::string g = label.substr(label.size() - 1);
        for (const Made* m : {list.back(), list.front()}) {
            const std::string as = (m == list.back() ? "-newest-" : "-oldest-") + g;
            steps.expect(m->manifest);
            steps.restoreAndCompare(m->id, "restore" + as, as);
            if (list.size() == 1) break;
        }
    }
}

// The long timelines, each a fixture of its own: 72 snapshots (the gate runs it with one tool) and 400 (the matrix
// only: two minutes and more a row, for any tool).
class RetentionLong : public Retention {};
class RetentionYear : public Retention {};

TEST_P(RetentionLong, HourlyForThreeDays) {
    run("HourlyForThreeDays", hourlyForThreeDays);
}
TEST_P(RetentionYear, DailyFor400Days) {
    run("DailyFor400Days", dailyFor400Days);
}
TEST_P(Retention, AroundUtcMidnight) {
    run("AroundUtcMidnight", aroundUtcMidnight);
}
TEST_P(Retention, AcrossDst) {
    run("AcrossDst", acrossDst);
}
TEST_P(Retention, MonthEndsAndLeapDay) {
    run("MonthEndsAndLeapDay", monthEndsAndLeapDay);
}
TEST_P(Retention, IsoWeek53) {
    run("IsoWeek53", isoWeek53);
}
TEST_P(Retention, TwoLabels) {
    run("TwoLabels", twoLabels);
}
TEST_P(Retention, RemovesEverything) {
    run("RemovesEverything", removesEverything);
}
TEST_P(Retention, KeepWithin) {
    run("KeepWithin", keepWithin);
}

std::vector<std::string> toolNames() {
    std::vector<std::string> v;
    for (const auto& row : defaultToolRows()) v.push_back(row.tool);
    return v;
}

INSTANTIATE_TEST_SUITE_P(RetentionLocal, Retention, ::testing::ValuesIn(toolNames()),
                         [](const auto& p) { return p.param; });
INSTANTIATE_TEST_SUITE_P(RetentionLongLocal, RetentionLong, ::testing::ValuesIn(toolNames()),
                         [](const auto& p) { return p.param; });
INSTANTIATE_TEST_SUITE_P(RetentionYearLocal, RetentionYear, ::testing::ValuesIn(toolNames()),
                         [](const auto& p) { return p.param; });

// Self-test: a forget that keeps one snapshot too many: restic's own dry run of the policy, then every snapshot it
// would remove forgotten by id but the first. On the shortest timeline (three snapshots, of which restic's
// keep-within removes one): the fault needs one removal, and restic pays half a second of key derivation a backup.
const char* kKeepsOneTooMany = R"SH(
case " $* " in *" forget "*"--keep-"*)
  ids=$("$real" "$@" --dry-run --json | python3 -c '
import json, sys
print(" ".join(r["id"] for g in json.load(sys.stdin) for r in (g.get("remove") or [])[1:]))') || exit 1
  [ -n "$ids" ] && exec "$real" forget $ids
  exit 0 ;;
esac
exec "$real" "$@"
)SH";

class RetentionSelftest : public Retention {};

TEST_P(RetentionSelftest, KeepsOneTooMany) {
    fault_.expect("keeps-one-too-many", kKeepsOneTooMany, "kept");
    run("RemovesEverything", removesEverything);
}

// Self-test: a backup that ignores the time it is given (restic without its --time): caught by "backdated".
const char* kIgnoresTheTime = R"SH(
case " $* " in *" backup "*" --time "*)
  skip=0
  for a do
    shift
    if [ "$skip" = 1 ]; then skip=0; continue; fi
    if [ "$a" = --time ]; then skip=1; continue; fi
    set -- "$@" "$a"
  done ;;
esac
exec "$real" "$@"
)SH";

TEST_P(RetentionSelftest, IgnoresTheTime) {
    fault_.expect("ignores-the-time", kIgnoresTheTime, "backdated");
    run("RemovesEverything", removesEverything);
}

INSTANTIATE_TEST_SUITE_P(RetentionFaults, RetentionSelftest, ::testing::Values(std::string("restic")),
                         [](const auto& p) { return p.param; });

// Self-test of a documented refusal: a vykar prune that, refused, removes every snapshot of the group itself and
// says ok: caught by "forget".
const char* kAppliesWhatItRefuses = R"SH(
case " $* " in *" prune "*)
  out=$("$real" "$@" 2>&1); rc=$?
  printf '%s\n' "$out"
  case $out in *"refusing to prune"*)
    for id in $("$real" --config "$2" list -R target | awk 'NR > 1 && $1 ~ /^[0-9a-f]+$/ { print $1 }'); do
      "$real" --config "$2" snapshot delete -R target "$id" > /dev/null 2>&1
    done
    exit 0 ;;
  esac
  exit $rc ;;
esac
exec "$real" "$@"
)SH";

class RetentionRefusalSelftest : public Retention {};

TEST_P(RetentionRefusalSelftest, AppliesWhatItRefuses) {
    fault_.expect("applies-what-it-refuses", kAppliesWhatItRefuses, "forget");
    run("RemovesEverything", removesEverything);
}

// Self-test with vykar: the tool that documents refusing a policy that removes a whole group
INSTANTIATE_TEST_SUITE_P(RetentionFaults, RetentionRefusalSelftest, ::testing::Values(std::string("vykar")),
                         [](const auto& p) { return p.param; });

}  // namespace
