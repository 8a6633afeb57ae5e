#include "crypto/random.h"

#include <sodium.h>

#include "crypto/sodium_init.h"

namespace kintsugi::crypto {

void SystemRandom::Fill(std::span<std::uint8_t> out) {
  EnsureSodium();
  randombytes_buf(out.data(), out.size());
}

void DeterministicRandom::Fill(std::span<std::uint8_t> out) {
  EnsureSodium();
  Hash32 block_seed = seed_;
  for (int i = 0; i < 8; ++i) block_seed[i] ^= static_cast<std::uint8_t>(counter_ >> (8 * i));
  ++counter_;
  randombytes_buf_deterministic(out.data(), out.size(), block_seed.data());
}

}  // namespace kintsugi::crypto
