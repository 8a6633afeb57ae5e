#include "daemon/log_limit.h"

namespace kintsugi::daemon {

bool LogLimit::Allow(std::string_view event, std::uint64_t now_ms, std::uint64_t& held) {
  auto it = windows_.find(event);
  if (it == windows_.end()) it = windows_.emplace(std::string(event), Window{now_ms, 0, 0}).first;
  Window& w = it->second;
  if (now_ms >= w.start_ms + kWindowMs || now_ms < w.start_ms) {
    w.start_ms = now_ms;
    w.logged = 0;
  }
  if (w.logged >= kBurst) {
    ++w.held;
    return false;
  }
  ++w.logged;
  held = w.held;
  w.held = 0;
  return true;
}

}  // namespace kintsugi::daemon
