// base/local_time: local days, midnights and local times, in zones given by
// POSIX TZ strings (no time zone database needed).
#include "base/local_time.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

namespace kintsugi::base {
namespace {

// Puts the process in `zone` for one test, and back after.
class InZone {
 public:
  explicit InZone(const char* zone) {
    if (const char* old = std::getenv("TZ")) before_ = old;
    ::setenv("TZ", zone, 1);
    ::tzset();
  }
  ~InZone() {
    if (before_) {
      ::setenv("TZ", before_->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }

 private:
  std::optional<std::string> before_;
};

constexpr std::uint64_t kHour = 3'600'000;
constexpr std::uint64_t kDay = 24 * kHour;
// 2026-12-06 00:00 UTC: day 20,793 since 1970-01-01 (a Sunday).
constexpr std::int64_t kDec6 = 20'793;
constexpr std::uint64_t kDec6Utc = kDec6 * kDay;

TEST(LocalTime, ADayOfMillisecondsRoundsDownOnBothSidesOf1970) {
  const auto day = static_cast<std::int64_t>(kDay);
  EXPECT_EQ(DayOfMs(0), 0);
  EXPECT_EQ(DayOfMs(day - 1), 0);
  EXPECT_EQ(DayOfMs(day), 1);
  EXPECT_EQ(DayOfMs(-1), -1);
  EXPECT_EQ(DayOfMs(-day), -1);
  EXPECT_EQ(DayOfMs(-day - 1), -2);
  EXPECT_EQ(DayOfMs(static_cast<std::int64_t>(kDec6Utc) + 5 * 3'600'000), kDec6);
}

TEST(LocalTime, AZoneEastOfUtcStartsItsDayBeforeUtcDoes) {
  InZone india("IST-5:30");
  EXPECT_EQ(LocalOffsetSeconds(kDec6Utc), 5 * 3600 + 30 * 60);
  // 19:00 UTC on the 5th is half past midnight on the 6th in India.
  EXPECT_EQ(LocalDay(kDec6Utc - 5 * kHour), kDec6);
  EXPECT_EQ(LocalDay(kDec6Utc - 6 * kHour), kDec6 - 1);
  EXPECT_EQ(LocalMidnightMs(kDec6), kDec6Utc - 5 * kHour - kHour / 2);
  EXPECT_EQ(FormatLocal(kDec6Utc, "%Y-%m-%d %H:%M"), "2026-12-06 05:30");
}

TEST(LocalTime, AZoneWestOfUtcEndsItsDayAfterUtcDoes) {
  InZone new_york("EST5");
  EXPECT_EQ(LocalOffsetSeconds(kDec6Utc), -5 * 3600);
  EXPECT_EQ(LocalDay(kDec6Utc + 4 * kHour), kDec6 - 1);  // 23:00 on the 5th
  EXPECT_EQ(LocalDay(kDec6Utc + 5 * kHour), kDec6);
  EXPECT_EQ(LocalMidnightMs(kDec6), kDec6Utc + 5 * kHour);
  EXPECT_EQ(FormatLocal(kDec6Utc, "%A %H:%M"), "Saturday 19:00");
}

TEST(LocalTime, DaysBeforeTheFirstLocalMidnightRoundDownAndMidnightsNeverPrecede1970) {
  InZone new_york("EST5");
  EXPECT_EQ(LocalDay(0), -1);  // 1969-12-31 19:00 there
  EXPECT_EQ(LocalMidnightMs(0), 5 * kHour);
  EXPECT_EQ(LocalMidnightMs(-3), 5 * kHour);
  InZone tokyo("JST-9");
  EXPECT_EQ(LocalDay(0), 0);
  EXPECT_EQ(LocalMidnightMs(0), 0u);  // 15:00 on 1969-12-31 UTC, held at 1970
  EXPECT_EQ(LocalMidnightMs(1), kDay - 9 * kHour);
}

TEST(LocalTime, EveryMidnightIsTheFirstMomentOfItsLocalDay) {
  for (const char* zone : {"UTC0", "IST-5:30", "EST5", "NPT-5:45", "HST10"}) {
    InZone here(zone);
    for (std::int64_t day : {kDec6 - 400, kDec6, kDec6 + 1}) {
      const std::uint64_t midnight = LocalMidnightMs(day);
      EXPECT_EQ(LocalDay(midnight), day) << zone;
      EXPECT_EQ(LocalDay(midnight - 1), day - 1) << zone;
      EXPECT_EQ(FormatLocal(midnight, "%H:%M:%S"), "00:00:00") << zone;
    }
  }
}

TEST(LocalTime, ATimeAsTheDaemonWritesItIsReadAsUtcAndShownLocally) {
  InZone india("IST-5:30");
  EXPECT_EQ(UnixMsOfIso("2026-12-06T00:00:00.249Z"), std::optional<std::uint64_t>(kDec6Utc));
  EXPECT_EQ(UnixMsOfIso("2026-12-06T07:10:29Z"), std::optional<std::uint64_t>(kDec6Utc + 7 * kHour + 629'000));
  EXPECT_EQ(FormatLocalIso("2026-12-06T20:00:00Z", "%Y-%m-%d %H:%M"), "2026-12-07 01:30");
  for (const char* bad : {"", "2026-12-06", "yesterday at noon", "1969-12-31T23:59:59Z"}) {
    EXPECT_EQ(UnixMsOfIso(bad), std::nullopt) << bad;
    EXPECT_EQ(FormatLocalIso(bad, "%H:%M"), bad);
  }
}

TEST(LocalTime, AMinuteOfALocalDayKeepsToTheZoneAcrossDaylightSaving) {
  // Central Europe: summer time from the last Sunday of March, 02:00 -> 03:00.
  InZone berlin("CET-1CEST,M3.5.0,M10.5.0/3");
  const std::int64_t mar28 = 20'540, mar29 = 20'541;  // 2026-03-28 (CET), 2026-03-29 (the change)
  EXPECT_EQ(LocalMinuteMs(mar28, 20 * 60), static_cast<std::uint64_t>(mar28) * kDay + 19 * kHour);
  EXPECT_EQ(LocalMinuteMs(mar29, 20 * 60), static_cast<std::uint64_t>(mar29) * kDay + 18 * kHour);
  // 02:30 that night does not exist: it moves forward with the clock.
  EXPECT_EQ(LocalMinuteMs(mar29, 2 * 60 + 30), static_cast<std::uint64_t>(mar29) * kDay + 1 * kHour + kHour / 2);
  EXPECT_EQ(LocalDay(LocalMinuteMs(kDec6, 23 * 60 + 59)), kDec6);
  EXPECT_EQ(LocalMinuteMs(-2, 0), 0u);
}

TEST(LocalTime, ADateAndTimeTypedByAPersonIsReadInTheLocalZone) {
  InZone india("IST-5:30");
  EXPECT_EQ(ParseLocalDateTime("2026-12-06 05:30"), std::optional<std::uint64_t>(kDec6Utc));
  EXPECT_EQ(ParseLocalDateTime("2026-12-06 20:15"), std::optional<std::uint64_t>(kDec6Utc + 14 * kHour + 45 * 60'000));
  for (const char* bad : {"", "2026-12-06", "20:15", "2026-12-06 20:15 tomorrow", "someday", "1970-01-01 05:30"}) {
    EXPECT_EQ(ParseLocalDateTime(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace kintsugi::base
