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

}  // namespace kintsugi::crypto
