#include "crypto/random.h"

#include <sodium.h>

#include "crypto/hash.h"
#include "crypto/sodium_init.h"

namespace kintsugi::crypto {

void SystemRandom::Fill(std::span<std::uint8_t> out) {
  EnsureSodium();
  randombytes_buf(out.data(), out.size());
}

void DeterministicRandom::Fill(std::span<std::uint8_t> out) {
  EnsureSodium();
  // Block i is keyed by BLAKE2b-256(seed || i as 8 bytes, little-endian), so
  // streams from different seeds never share blocks.
  std::uint8_t counter[8];
  for (int i = 0; i < 8; ++i) counter[i] = static_cast<std::uint8_t>(counter_ >> (8 * i));
  ++counter_;
  Hash32 block_seed = Blake2b256({ByteView(seed_), ByteView(counter, sizeof counter)});
  randombytes_buf_deterministic(out.data(), out.size(), block_seed.data());
}

}  // namespace kintsugi::crypto
