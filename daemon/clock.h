// Wall-clock time for the daemon, behind an interface so tests can set it.
#pragma once

#include <chrono>
#include <cstdint>

namespace kintsugi::daemon {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual std::uint64_t NowMillis() = 0;
};

class SystemClock final : public Clock {
 public:
  std::uint64_t NowMillis() override {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  }
};

}  // namespace kintsugi::daemon
