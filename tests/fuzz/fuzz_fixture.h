// Fixed identities shared by the entry fuzz target and its seed generator, so
// that the checked-in seeds are entries of the ledger the target validates
// against (and reach the signature and chain checks, not just the decoder).
//
// Test-only: these keys are public and worthless.
#pragma once

#include <array>
#include <cstdint>

#include "crypto/bytes.h"
#include "crypto/keys.h"
#include "protocol/entry.h"

namespace kintsugi::fuzz {

// The ledger every seed names.
inline protocol::LedgerId FuzzLedgerId() {
  protocol::LedgerId id{};
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(0xA0 + i);
  return id;
}

// The seed of the one member of that ledger.
inline std::array<std::uint8_t, crypto::kSeedBytes> FuzzAuthorSeed() {
  std::array<std::uint8_t, crypto::kSeedBytes> seed{};
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<std::uint8_t>(0x11 * (i % 15 + 1));
  return seed;
}

// A second identity that is not a member (for unknown_author seeds).
inline std::array<std::uint8_t, crypto::kSeedBytes> FuzzStrangerSeed() {
  std::array<std::uint8_t, crypto::kSeedBytes> seed{};
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<std::uint8_t>(0xF0 - i);
  return seed;
}

// The seed of the DeterministicRandom that draws nonces and the ledger key.
inline Hash32 FuzzRandomSeed() {
  Hash32 seed{};
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<std::uint8_t>(i * 7 + 3);
  return seed;
}

}  // namespace kintsugi::fuzz
