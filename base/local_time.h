// This machine's time zone, the way every program of Kintsugi reads it:
// local days (days since 1970-01-01 on this machine's calendar), the
// midnights that start them, and times written out for a person.
//
// The C library reads the zone (TZ, else /etc/localtime) when first needed;
// a long-running program that must notice a change of zone calls tzset()
// before asking (the daemon's notifier does).
//
// Thread-safety: any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace kintsugi::base {

inline constexpr std::int64_t kMsPerDay = 86'400'000;

// The day (since 1970-01-01, rounded down) of `ms` milliseconds since
// 1970-01-01 on some clock: UTC, or a local clock already shifted by its
// offset. Pure: it reads no time zone.
std::int64_t DayOfMs(std::int64_t ms);

// Seconds east of UTC at `unix_ms` here; 0 when the zone cannot be read.
std::int64_t LocalOffsetSeconds(std::uint64_t unix_ms);

// The local day `unix_ms` falls on (days since 1970-01-01, rounded down).
std::int64_t LocalDay(std::uint64_t unix_ms);

// Unix milliseconds of the local midnight that starts `day`, never before
// 1970.
std::uint64_t LocalMidnightMs(std::int64_t day);

// Unix milliseconds of `minute` (0 to 1439) of local `day`, by the zone's
// rules that day (a minute skipped by daylight saving moves forward with the
// clock); 0 before 1970.
std::uint64_t LocalMinuteMs(std::int64_t day, int minute);

// "YYYY-MM-DD HH:MM" read as a local time, to Unix milliseconds; nullopt when
// the text is not one, or at or before 1970.
std::optional<std::uint64_t> ParseLocalDateTime(const std::string& text);

// `unix_ms` in local time, written by strftime's `format` ("%Y-%m-%d
// %H:%M"); "" when the zone cannot be read.
std::string FormatLocal(std::uint64_t unix_ms, const char* format);

// "2026-11-26T07:10:29.249Z", a UTC time as the daemon writes times, to
// Unix milliseconds (whole seconds: what follows them is ignored); nullopt
// when it is not one, or before 1970.
std::optional<std::uint64_t> UnixMsOfIso(const std::string& iso);

// The UTC time `iso` in local time, by `format`; `iso` as it is when it is
// not one.
std::string FormatLocalIso(const std::string& iso, const char* format);

}  // namespace kintsugi::base
