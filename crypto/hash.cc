#include "crypto/hash.h"

#include <sodium.h>

#include "crypto/sodium_init.h"

namespace kintsugi::crypto {

Hash32 Blake2b256(ByteView data) { return Blake2b256({data}); }

Hash32 Blake2b256(std::initializer_list<ByteView> parts) {
  EnsureSodium();
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, 32);
  for (const auto& part : parts) crypto_generichash_update(&state, part.data(), part.size());
  Hash32 out;
  crypto_generichash_final(&state, out.data(), out.size());
  return out;
}

ShortHashKey NewShortHashKey() {
  EnsureSodium();
  ShortHashKey key;
  crypto_shorthash_keygen(key.data());
  return key;
}

std::uint64_t ShortHash(ByteView data, const ShortHashKey& key) {
  static_assert(crypto_shorthash_BYTES == sizeof(std::uint64_t) && crypto_shorthash_KEYBYTES == sizeof(ShortHashKey));
  EnsureSodium();
  unsigned char out[crypto_shorthash_BYTES];
  crypto_shorthash(out, data.data(), data.size(), key.data());
  std::uint64_t value = 0;
  for (int i = crypto_shorthash_BYTES - 1; i >= 0; --i) value = (value << 8) | out[i];
  return value;
}

}  // namespace kintsugi::crypto
