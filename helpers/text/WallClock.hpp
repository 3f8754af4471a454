#pragma once
// Wall clocks in a named time zone (an Olson name such as "Europe/Berlin"; "" or "UTC" = UTC): what a tool that
// works in local time sees, for back-dated snapshots and the retention models. The process's TZ is set for a call
// and put back after (the suite's tests run one thread each).
#include <cstdint>
#include <ctime>
#include <string>

namespace e2e {

// localtime_r of `utc` (seconds since the epoch) in `tz`
struct tm civilTime(std::int64_t utc, const std::string& tz);
// mktime in `tz` of a wall clock (normalised: a day of -3 is fine; daylight saving decided by the zone)
std::int64_t fromCivilTime(struct tm wall, const std::string& tz);
// strftime of `utc` in `tz`: "YYYY-MM-DD HH:MM:SS" by default
std::string wallClock(std::int64_t utc, const std::string& tz, const char* format = "%Y-%m-%d %H:%M:%S");
// the offset from UTC of `tz` at `utc`, "+HH:MM"
std::string utcOffset(std::int64_t utc, const std::string& tz);

}  // namespace e2e
