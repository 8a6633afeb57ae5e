#include "protocol/hlc.h"

namespace kintsugi::protocol {

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
