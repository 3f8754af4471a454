#include "text/WallClock.hpp"

#include <cstdlib>

namespace e2e {

namespace {

bool isUtc(const std::string& tz) {
    return tz.empty() || tz == "UTC";
}

// Runs `f` with the process's TZ set to `tz`, then puts the old TZ back.
template <typename F>
auto inZone(const std::string& tz, F f) {
    const char* old = std::getenv("TZ");
    const std::string keep = old ? old : "";
    setenv("TZ", tz.c_str(), 1);
    tzset();
    auto r = f();
    if (old)
        setenv("TZ", keep.c_str(), 1);
    else
        unsetenv("TZ");
    tzset();
    return r;
}

}  // namespace

struct tm civilTime(std::int64_t utc, const std::string& tz) {
    const time_t t = static_cast<time_t>(utc);
    struct tm out {};
    if (isUtc(tz)) return *gmtime_r(&t, &out);
    return inZone(tz, [&] { return *localtime_r(&t, &out); });
}

std::int64_t fromCivilTime(struct tm wall, const std::string& tz) {
    wall.tm_isdst = -1;
    if (isUtc(tz)) return static_cast<std::int64_t>(timegm(&wall));
    return inZone(tz, [&] { return static_cast<std::int64_t>(mktime(&wall)); });
}

std::string wallClock(std::int64_t utc, const std::string& tz, const char* format) {
    const struct tm w = civilTime(utc, tz);
    char buf[96];
    return std::string(buf, strftime(buf, sizeof buf, format, &w));
}

std::string utcOffset(std::int64_t utc, const std::string& tz) {
    const std::string z = wallClock(utc, tz, "%z");  // +0100
    return z.size() == 5 ? z.substr(0, 3) + ":" + z.substr(3) : "+00:00";
}

}  // namespace e2e
