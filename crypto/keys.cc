#include "crypto/keys.h"

#include <sodium.h>

#include <algorithm>

#include "crypto/sodium_init.h"

namespace kintsugi::crypto {

static_assert(crypto_sign_SEEDBYTES == kSeedBytes);
static_assert(crypto_sign_BYTES == kSignatureBytes);
static_assert(crypto_sign_PUBLICKEYBYTES == sizeof(PublicKey));
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == kSymmetricKeyBytes);

SigningKey SigningKey::Generate(RandomSource& rng) {
  SecureBuffer seed(kSeedBytes);
  rng.Fill(seed.span());
  return std::move(FromSeed(seed.span())).value();
}

Result<SigningKey> SigningKey::FromSeed(std::span<const std::uint8_t> seed) {
  EnsureSodium();
  if (seed.size() != kSeedBytes) {
    return MakeError(ErrorCode::kInvalidArgument, "an identity seed is 32 bytes");
  }
  SecureBuffer secret(crypto_sign_SECRETKEYBYTES);
  PublicKey pk;
  crypto_sign_seed_keypair(pk.data(), secret.data(), seed.data());
  return SigningKey(std::move(secret), pk);
}

Signature SigningKey::Sign(ByteView message) const {
  Signature sig;
  crypto_sign_detached(sig.data(), nullptr, message.data(), message.size(), secret_.data());
  return sig;
}

bool VerifySignature(const PublicKey& key, ByteView message, const Signature& signature) {
  EnsureSodium();
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     key.data()) == 0;
}

SymmetricKey SymmetricKey::Generate(RandomSource& rng) {
  SecureBuffer secret(kSymmetricKeyBytes);
  rng.Fill(secret.span());
  return SymmetricKey(std::move(secret));
}

Result<SymmetricKey> SymmetricKey::FromBytes(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != kSymmetricKeyBytes) {
    return MakeError(ErrorCode::kInvalidArgument, "a symmetric key is 32 bytes");
  }
  SecureBuffer secret(kSymmetricKeyBytes);
  std::copy(bytes.begin(), bytes.end(), secret.data());
  return SymmetricKey(std::move(secret));
}

KeySlot::KeySlot() : key_(SecureBuffer(kSymmetricKeyBytes)) {}

const SymmetricKey& KeySlot::Generate(RandomSource& rng) {
  rng.Fill(writable());
  return key_;
}

}  // namespace kintsugi::crypto
