// Randomness comes into the pure modules through this interface, so tests can
// use a deterministic source and production uses the OS's CSPRNG.
//
// Thread-safety: SystemRandom is thread-safe; DeterministicRandom is not.
#pragma once

#include <cstdint>
#include <span>

#include "crypto/bytes.h"

namespace kintsugi::crypto {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void Fill(std::span<std::uint8_t> out) = 0;
};

// libsodium's randombytes_buf (getrandom(2) on Linux).
class SystemRandom final : public RandomSource {
 public:
  void Fill(std::span<std::uint8_t> out) override;
};

// A reproducible stream from a 32-byte seed, for tests and test vectors only:
// the i-th Fill is randombytes_buf_deterministic keyed by
// BLAKE2b-256(seed || i as 8 little-endian bytes).
class DeterministicRandom final : public RandomSource {
 public:
  explicit DeterministicRandom(const Hash32& seed) : seed_(seed) {}
  void Fill(std::span<std::uint8_t> out) override;

 private:
  Hash32 seed_;
  std::uint64_t counter_ = 0;
};

}  // namespace kintsugi::crypto
