// This machine's time zone (see local_time.h).
#include "base/local_time.h"

#include <time.h>

#include <algorithm>
#include <ctime>

namespace kintsugi::base {

std::int64_t DayOfMs(std::int64_t ms) { return ms / kMsPerDay - (ms % kMsPerDay < 0); }

std::int64_t LocalOffsetSeconds(std::uint64_t unix_ms) {
  const auto t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm local{};
  if (localtime_r(&t, &local) == nullptr) return 0;
  return local.tm_gmtoff;
}

std::int64_t LocalDay(std::uint64_t unix_ms) {
  return DayOfMs(static_cast<std::int64_t>(unix_ms) + LocalOffsetSeconds(unix_ms) * 1000);
}

std::uint64_t LocalMidnightMs(std::int64_t day) {
  // The offset at UTC midnight of that date: a zone that changes its offset
  // within the first hours of a day is a day off by that change at most.
  const std::int64_t utc_ms = std::max<std::int64_t>(day, 0) * kMsPerDay;
  const std::int64_t offset_ms = LocalOffsetSeconds(static_cast<std::uint64_t>(utc_ms)) * 1000;
  return static_cast<std::uint64_t>(std::max<std::int64_t>(utc_ms - offset_ms, 0));
}

namespace {

// `local` (a date and time in this zone, its daylight saving unknown) to
// Unix seconds; negative before 1970 or when it cannot be.
std::time_t FromLocalTm(std::tm local) {
  local.tm_sec = 0;
  local.tm_isdst = -1;  // whatever daylight saving says that day
  return std::mktime(&local);
}

}  // namespace

std::uint64_t LocalMinuteMs(std::int64_t day, int minute) {
  // The date of `day` (its UTC noon is on it), then that minute here.
  const auto noon = static_cast<std::time_t>(day * (kMsPerDay / 1000) + 43'200);
  std::tm date{};
  if (gmtime_r(&noon, &date) == nullptr) return 0;
  std::tm local{};
  local.tm_year = date.tm_year;
  local.tm_mon = date.tm_mon;
  local.tm_mday = date.tm_mday;
  local.tm_hour = minute / 60;
  local.tm_min = minute % 60;
  const std::time_t t = FromLocalTm(local);
  return t < 0 ? 0 : static_cast<std::uint64_t>(t) * 1000;
}

std::optional<std::uint64_t> ParseLocalDateTime(const std::string& text) {
  std::tm local{};
  const char* end = strptime(text.c_str(), "%Y-%m-%d %H:%M", &local);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const std::time_t t = FromLocalTm(local);
  if (t <= 0) return std::nullopt;
  return static_cast<std::uint64_t>(t) * 1000;
}

std::string FormatLocal(std::uint64_t unix_ms, const char* format) {
  const auto t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm local{};
  if (localtime_r(&t, &local) == nullptr) return "";
  char out[64];
  const std::size_t n = std::strftime(out, sizeof out, format, &local);
  return std::string(out, n);
}

std::optional<std::uint64_t> UnixMsOfIso(const std::string& iso) {
  std::tm utc{};
  if (iso.size() < 19 || strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &utc) == nullptr) return std::nullopt;
  const std::time_t t = timegm(&utc);
  if (t < 0) return std::nullopt;
  return static_cast<std::uint64_t>(t) * 1000;
}

std::string FormatLocalIso(const std::string& iso, const char* format) {
  const auto ms = UnixMsOfIso(iso);
  return ms ? FormatLocal(*ms, format) : iso;
}

}  // namespace kintsugi::base
