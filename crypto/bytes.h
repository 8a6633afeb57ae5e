// Byte strings and fixed-size byte arrays used across the project, and their
// hex form for display and JSON. Nothing here is secret: secret bytes live in
// SecureBuffer (secure_buffer.h).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kintsugi {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// A 32-byte digest or identifier (entry id, ledger id, public key).
using Hash32 = std::array<std::uint8_t, 32>;

std::string ToHex(ByteView bytes);
// Returns nullopt unless `hex` is an even-length string of [0-9a-fA-F].
std::optional<Bytes> FromHex(std::string_view hex);
// Returns nullopt unless `hex` encodes exactly 32 bytes.
std::optional<Hash32> Hash32FromHex(std::string_view hex);

inline ByteView AsBytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

inline bool IsZero(const Hash32& h) {
  for (auto b : h) {
    if (b != 0) return false;
  }
  return true;
}

}  // namespace kintsugi
