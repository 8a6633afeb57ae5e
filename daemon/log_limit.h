// How often the daemon logs what others make happen: a stranger's key at
// the sync port, a partner's malformed or refused pushes. Whoever is on the
// other end chooses how often those happen, so each kind of line is held to
// a burst per minute; the lines held back are counted and said with the next
// one that goes out (held_back=N), so nothing is hidden, only summed.
//
// Thread-safety: the daemon loop's thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace kintsugi::daemon {

class LogLimit {
 public:
  static constexpr int kBurst = 10;
  static constexpr std::uint64_t kWindowMs = 60'000;

  // Whether a line of `event` may be logged at `now_ms`; when it may, `held`
  // is how many of that event were held back since the last one logged.
  bool Allow(std::string_view event, std::uint64_t now_ms, std::uint64_t& held);

 private:
  struct Window {
    std::uint64_t start_ms = 0;
    int logged = 0;
    std::uint64_t held = 0;
  };
  std::map<std::string, Window, std::less<>> windows_;  // one per event name: a fixed, small set
};

}  // namespace kintsugi::daemon
