// The fixed byte patterns the vector generators (make_vectors.cc,
// make_wire_vectors.cc) build their inputs from.
//
// Not installed; no test links it.
#pragma once

#include <cstdint>

#include "crypto/bytes.h"

namespace kintsugi::vectors {

// 32 bytes: start, start+1, ..., start+31.
inline Hash32 Counting(std::uint8_t start) {
  Hash32 h;
  for (std::size_t i = 0; i < h.size(); ++i) h[i] = static_cast<std::uint8_t>(start + i);
  return h;
}

// 32 bytes of `fill`.
inline Hash32 Filled(std::uint8_t fill) {
  Hash32 h;
  h.fill(fill);
  return h;
}

}  // namespace kintsugi::vectors
