// Hybrid logical clock (Kulkarni et al.): a 64-bit timestamp whose high 48
// bits are wall-clock milliseconds since the Unix epoch and whose low 16 bits
// count events within one millisecond. Timestamps from one clock strictly
// increase even when the wall clock steps back, and stay close to wall time.
//
// Pure: the caller passes the physical time in. Thread-compatible.
#pragma once

#include <cstdint>
#include <string>

namespace kintsugi::protocol {

inline constexpr std::uint64_t HlcMillis(std::uint64_t hlc) { return hlc >> 16; }
inline constexpr std::uint64_t HlcCounter(std::uint64_t hlc) { return hlc & 0xffff; }
inline constexpr std::uint64_t MakeHlc(std::uint64_t millis, std::uint64_t counter) {
  return millis << 16 | (counter & 0xffff);
}

// "2026-11-26T07:10:29.249Z": Unix milliseconds as UTC, for people and JSON.
std::string FormatUtcMillis(std::uint64_t unix_ms);

class HybridClock {
 public:
  // `last` is the largest timestamp this clock has issued or observed (for
  // example the newest one in the store), so restarts never go back.
  explicit HybridClock(std::uint64_t last = 0) : last_(last) {}

  // A timestamp for a local event, strictly greater than any before it.
  std::uint64_t Tick(std::uint64_t physical_ms);
  // Merges a timestamp received from elsewhere (a partner's entry).
  void Observe(std::uint64_t remote);

  std::uint64_t last() const { return last_; }

 private:
  std::uint64_t last_;
};

}  // namespace kintsugi::protocol
