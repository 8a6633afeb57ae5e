#include "protocol/hlc.h"

#include <cstdio>
#include <ctime>

namespace kintsugi::protocol {

std::string FormatUtcMillis(std::uint64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[40];
  std::snprintf(out, sizeof out, "%s.%03uZ", date, static_cast<unsigned>(unix_ms % 1000));
  return out;
}

std::uint64_t HybridClock::Tick(std::uint64_t physical_ms) {
  std::uint64_t wall = MakeHlc(physical_ms, 0);
  // When the counter of the current millisecond is used up, the next value
  // simply carries into the millisecond part: still strictly increasing.
  last_ = wall > last_ ? wall : last_ + 1;
  return last_;
}

void HybridClock::Observe(std::uint64_t remote) {
  if (remote > last_) last_ = remote;
}

}  // namespace kintsugi::protocol
