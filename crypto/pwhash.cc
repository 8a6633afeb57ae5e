#include "crypto/pwhash.h"

#include <sodium.h>

#include <algorithm>

#include "crypto/sodium_init.h"

namespace kintsugi::crypto {

static_assert(kPwhashSaltBytes == crypto_pwhash_SALTBYTES);

Result<Passphrase> Passphrase::Take(std::string& text) {
  const std::size_t size = text.size();
  if (size < kMinPassphraseBytes || size > kMaxPassphraseBytes) {
    sodium_memzero(text.data(), text.size());
    text.clear();
    return MakeError(ErrorCode::kInvalidArgument,
                     "a passphrase has " + std::to_string(kMinPassphraseBytes) + " to " +
                         std::to_string(kMaxPassphraseBytes) + " characters");
  }
  SecureBuffer secret(size);
  std::copy(text.begin(), text.end(), secret.data());
  sodium_memzero(text.data(), text.size());
  text.clear();
  return Passphrase(std::move(secret));
}

bool LimitsAllowed(const PwhashLimits& limits) {
  return limits.ops >= std::max<std::uint64_t>(kMinLimits.ops, crypto_pwhash_OPSLIMIT_MIN) &&
         limits.ops <= kMaxLimits.ops &&
         limits.mem_bytes >= std::max<std::uint64_t>(kMinLimits.mem_bytes, crypto_pwhash_MEMLIMIT_MIN) &&
         limits.mem_bytes <= kMaxLimits.mem_bytes;
}

Result<SymmetricKey> DeriveFromPassphrase(const Passphrase& passphrase, const PwhashSalt& salt,
                                          const PwhashLimits& limits) {
  EnsureSodium();
  if (!LimitsAllowed(limits)) return MakeError(ErrorCode::kInvalidArgument, "passphrase limits out of range");
  SecureBuffer key(kSymmetricKeyBytes);
  const auto pass = passphrase.bytes();
  if (crypto_pwhash(key.data(), key.size(), reinterpret_cast<const char*>(pass.data()), pass.size(),
                    salt.data(), limits.ops, static_cast<std::size_t>(limits.mem_bytes),
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return MakeError(ErrorCode::kInternal, "not enough memory to derive the key from the passphrase");
  }
  return SymmetricKey::FromBytes(key.span());
}

}  // namespace kintsugi::crypto
