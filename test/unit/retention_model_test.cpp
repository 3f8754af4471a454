// The retention models (test/common/RetentionModel.cpp) on hand-worked timelines from the tools' own docs and
// tests: a model that only agrees with itself proves nothing.
#include "RetentionModel.hpp"
#include "text/WallClock.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace e2e;

namespace {

std::int64_t at(int y, int mon, int d, int h = 12, int min = 0) {
    struct tm w {};
    w.tm_year = y - 1900, w.tm_mon = mon - 1, w.tm_mday = d, w.tm_hour = h, w.tm_min = min;
    return fromCivilTime(w, "");
}

// Snapshots named by their UTC time "MM-DD HH:MM" (year 2024 unless given), one group.
std::vector<TimedSnapshot> timeline(const std::vector<std::int64_t>& times) {
    std::vector<TimedSnapshot> v;
    for (auto t : times) v.push_back({wallClock(t, "", "%Y-%m-%d %H:%M"), t, "g"});
    return v;
}

std::set<std::string> keep(const std::string& tool, const RetentionRules& r, const std::vector<std::int64_t>& times,
                           std::int64_t now, const std::string& tz = "") {
    return applyRetention(retentionModelOf(tool), r, timeline(times), now, tz).kept;
}

std::set<std::string> names(const std::vector<std::int64_t>& times) {
    std::set<std::string> s;
    for (auto t : times) s.insert(wallClock(t, "", "%Y-%m-%d %H:%M"));
    return s;
}

// vykar's unit test combined_rules_union (crates/vykar-core/src/tests/prune.rs): keep_last 1 + keep_daily 2 on
// three daily snapshots keeps 2, the newest filling the daily rule's first slot; borg's prune docs: a snapshot an
// earlier rule kept does not count toward a later one, so borg keeps 3.
TEST(RetentionModel, KeptSnapshotFillsALaterSlotInVykarNotInBorg) {
    const std::vector<std::int64_t> t{at(2024, 1, 3), at(2024, 1, 2), at(2024, 1, 1)};
    RetentionRules r;
    r.last = 1;
    r.daily = 2;
    EXPECT_EQ(keep("vykar", r, t, at(2024, 1, 4)), names({t[0], t[1]}));
    EXPECT_EQ(keep("restic", r, t, at(2024, 1, 4)), names({t[0], t[1]}));
    EXPECT_EQ(keep("borg", r, t, at(2024, 1, 4)), names(t));
}

// restic doc/060_forget.rst and borg's prune docs: a rule with slots left when it runs out of snapshots keeps the
// oldest; vykar has no such fallback.
TEST(RetentionModel, OldestKeptWhenARuleHasTooFew) {
    const std::vector<std::int64_t> t{at(2024, 1, 2, 18), at(2024, 1, 2, 6), at(2024, 1, 1, 18), at(2024, 1, 1, 6)};
    RetentionRules r;
    r.daily = 3;
    EXPECT_EQ(keep("restic", r, t, at(2024, 1, 3)), names({t[0], t[2], t[3]}));
    EXPECT_EQ(keep("borg", r, t, at(2024, 1, 3)), names({t[0], t[2], t[3]}));
    EXPECT_EQ(keep("vykar", r, t, at(2024, 1, 3)), names({t[0], t[2]}));
}

// Buckets in the machine's local time (restic, borg) or in UTC (vykar): 01:30 UTC is the evening before in New York.
TEST(RetentionModel, DayBucketsFollowTheToolsClock) {
    const std::vector<std::int64_t> t{at(2024, 1, 2, 1, 30), at(2024, 1, 1, 23, 30), at(2024, 1, 1, 12)};
    RetentionRules r;
    r.daily = 1;
    const std::string ny = "America/New_York";
    // New York: all three fall on 1 January (07:00 to 20:30 EST): one day, its newest; the oldest as the fallback
    EXPECT_EQ(keep("restic", r, t, at(2024, 1, 3), ny), names({t[0]}));
    // UTC: 2 January's newest
    EXPECT_EQ(keep("vykar", r, t, at(2024, 1, 3), ny), names({t[0]}));
    r.daily = 2;
    EXPECT_EQ(keep("restic", r, t, at(2024, 1, 3), ny), names({t[0], t[2]}));  // one day; slot left: the oldest
    EXPECT_EQ(keep("vykar", r, t, at(2024, 1, 3), ny), names({t[0], t[1]}));   // two UTC days
}

// ISO weeks: 28 December 2020 to 3 January 2021 is week 53 of 2020, one bucket across the new year.
TEST(RetentionModel, IsoWeek53IsOneWeekAcrossTheNewYear) {
    const std::vector<std::int64_t> t{at(2021, 1, 4),   at(2021, 1, 3),   at(2021, 1, 1),
                                      at(2020, 12, 31), at(2020, 12, 28), at(2020, 12, 27)};
    RetentionRules r;
    r.weekly = 3;
    EXPECT_EQ(keep("vykar", r, t, at(2021, 1, 5)), names({t[0], t[1], t[5]}));
    EXPECT_EQ(keep("restic", r, t, at(2021, 1, 5)), names({t[0], t[1], t[5]}));
}

// keep-within: restic counts back from the newest snapshot in calendar days and keeps what is strictly after;
// vykar counts back from now, keeping what is at the cutoff or after; borg from now, strictly after.
TEST(RetentionModel, KeepWithinCountsFromTheNewestOrFromNow) {
    const std::vector<std::int64_t> t{at(2024, 1, 10), at(2024, 1, 8, 12, 1), at(2024, 1, 8), at(2024, 1, 5)};
    RetentionRules r;
    r.within_days = 2;
    const std::int64_t now = at(2024, 1, 12, 11);
    EXPECT_EQ(keep("restic", r, t, now), names({t[0], t[1]}));
    EXPECT_EQ(keep("vykar", r, t, now), names({t[0]}));
    EXPECT_EQ(keep("borg", r, t, now), names({t[0]}));
    EXPECT_EQ(keep("vykar", r, t, at(2024, 1, 10)), names({t[0], t[1], t[2]}));  // at the cutoff: kept
    EXPECT_EQ(keep("borg", r, t, at(2024, 1, 10)), names({t[0], t[1]}));         // at the cutoff: not
}

// vykar refuses a policy that removes every snapshot of a group (prune.rs); borg removes them all.
TEST(RetentionModel, VykarRefusesRemovingAGroupEntirely) {
    const std::vector<std::int64_t> t{at(2024, 1, 2), at(2024, 1, 1)};
    RetentionRules r;
    r.within_days = 1;
    const auto v = applyRetention(retentionModelOf("vykar"), r, timeline(t), at(2024, 2, 1), "");
    EXPECT_TRUE(v.refused);
    EXPECT_TRUE(v.kept.empty());
    const auto b = applyRetention(retentionModelOf("borg"), r, timeline(t), at(2024, 2, 1), "");
    EXPECT_FALSE(b.refused);
    EXPECT_TRUE(b.kept.empty());
}

// kopia's TestRetentionPolicyTest (snapshot/policy/retention_policy_test.go): keep-daily 3 on two snapshots a day
// for four days keeps each of the three newest days' last one; its rules reach back N periods from the newest
// snapshot, so a snapshot every other day under keep-daily 3 keeps two, where restic keeps three.
TEST(RetentionModel, KopiaRulesReachBackFromTheNewest) {
    std::vector<std::int64_t> t;
    for (int d = 4; d >= 1; --d) t.insert(t.end(), {at(2020, 1, d, 15), at(2020, 1, d, 12)});
    RetentionRules r;
    r.daily = 3;
    EXPECT_EQ(keep("kopia", r, t, at(2020, 1, 5)), names({t[0], t[2], t[4]}));
    const std::vector<std::int64_t> gaps{at(2024, 1, 9), at(2024, 1, 7), at(2024, 1, 5)};
    EXPECT_EQ(keep("kopia", r, gaps, at(2024, 1, 10)), names({gaps[0], gaps[1]}));
    EXPECT_EQ(keep("restic", r, gaps, at(2024, 1, 10)), names(gaps));
}

// rustic's docs (copied from restic's): weeks run Monday to Sunday, ISO weeks; 31 December 2024 and 2 January
// 2025 are both in ISO week 1 of 2025.
TEST(RetentionModel, RusticWeeksAreIsoWeeks) {
    const std::vector<std::int64_t> t{at(2025, 1, 2), at(2024, 12, 31), at(2024, 12, 20)};
    RetentionRules r;
    r.weekly = 5;
    EXPECT_EQ(keep("rustic", r, t, at(2025, 1, 3)), names({t[0], t[2]}));
    EXPECT_EQ(keep("borg", r, t, at(2025, 1, 3)), names({t[0], t[2]}));
}

// borg's docs/misc/prune-example.txt (its test_prune_repository_example): --keep-daily 14 --keep-monthly 6
// --keep-yearly 1 on 2015's archives; December's month and 2015's year are taken by archives the daily rule kept,
// so the yearly rule, short of archives, keeps the oldest.
TEST(RetentionModel, BorgPruneExampleFromItsDocs) {
    std::vector<std::int64_t> t;
    for (auto [m, d] : std::vector<std::pair<int, int>>{{1, 1},
                                                        {1, 2},
                                                        {5, 31},
                                                        {6, 30},
                                                        {7, 31},
                                                        {8, 31},
                                                        {9, 30},
                                                        {10, 31},
                                                        {11, 30},
                                                        {12, 16},
                                                        {12, 17},
                                                        {12, 18}})
        t.push_back(at(2015, m, d));
    for (int d = 20; d <= 31; ++d) t.push_back(at(2015, 12, d));
    RetentionRules r;
    r.daily = 14;
    r.monthly = 6;
    r.yearly = 1;
    std::vector<std::int64_t> pruned{at(2015, 1, 2), at(2015, 5, 31), at(2015, 12, 16)}, kept;
    for (auto x : t)
        if (std::find(pruned.begin(), pruned.end(), x) == pruned.end()) kept.push_back(x);
    EXPECT_EQ(keep("borg", r, t, at(2016, 1, 1)), names(kept));
}

// Groups are judged apart: one label's snapshots never take another's slots.
TEST(RetentionModel, GroupsAreJudgedApart) {
    std::vector<TimedSnapshot> s{{"a1", at(2024, 1, 3), "a"}, {"a2", at(2024, 1, 2), "a"}, {"b1", at(2024, 1, 1), "b"}};
    RetentionRules r;
    r.last = 1;
    for (const char* tool : {"restic", "rustic", "borg", "kopia", "vykar"})
        EXPECT_EQ(applyRetention(retentionModelOf(tool), r, s, at(2024, 1, 4), "").kept,
                  (std::set<std::string>{"a1", "b1"}))
            << tool;
}

}  // namespace
