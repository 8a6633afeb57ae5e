// Key types: Ed25519 identities (SigningKey / PublicKey) and 32-byte
// symmetric keys (SymmetricKey, for XChaCha20-Poly1305). Secret halves live in
// guarded memory (SecureBuffer), are move-only, and are never printed.
//
// Thread-safety: const methods may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "crypto/bytes.h"
#include "crypto/random.h"
#include "base/result.h"
#include "crypto/secure_buffer.h"

namespace kintsugi::crypto {

inline constexpr std::size_t kSeedBytes = 32;
inline constexpr std::size_t kSignatureBytes = 64;
inline constexpr std::size_t kSymmetricKeyBytes = 32;

using PublicKey = Hash32;  // Ed25519 public key
using Signature = std::array<std::uint8_t, kSignatureBytes>;

// An Ed25519 signing identity.
class SigningKey {
 public:
  // A fresh identity from `rng`.
  static SigningKey Generate(RandomSource& rng);
  // The identity whose 32-byte seed is `seed`. Fails unless seed.size() == 32.
  static Result<SigningKey> FromSeed(std::span<const std::uint8_t> seed);

  const PublicKey& public_key() const { return public_key_; }
  // The 32-byte seed, for sealing into a key file. Stays in guarded memory.
  std::span<const std::uint8_t> seed() const { return secret_.span().first(kSeedBytes); }

  // Ed25519 signature of `message` (deterministic).
  Signature Sign(ByteView message) const;

 private:
  SigningKey(SecureBuffer secret, const PublicKey& pk) : secret_(std::move(secret)), public_key_(pk) {}
  SecureBuffer secret_;  // libsodium's 64-byte secret key: seed || public key
  PublicKey public_key_;
};

// True when `signature` is a valid Ed25519 signature of `message` by `key`.
// Rejects non-canonical and small-order encodings (libsodium's checks).
[[nodiscard]] bool VerifySignature(const PublicKey& key, ByteView message, const Signature& signature);

// A 256-bit key for XChaCha20-Poly1305.
class SymmetricKey {
 public:
  static SymmetricKey Generate(RandomSource& rng);
  // Fails unless bytes.size() == 32.
  static Result<SymmetricKey> FromBytes(std::span<const std::uint8_t> bytes);

  std::span<const std::uint8_t> bytes() const { return secret_.span(); }

 private:
  friend class KeySlot;
  explicit SymmetricKey(SecureBuffer secret) : secret_(std::move(secret)) {}
  SecureBuffer secret_;
};

// One guarded key reused for short-lived keys (a per-entry key unwrapped to
// open one body): allocating guarded memory costs several system calls, which
// dominated reading many entries in a row. Opening into it overwrites (and on
// failure wipes) the previous key.
class KeySlot {
 public:
  KeySlot();
  // The key the last successful open left here.
  const SymmetricKey& key() const { return key_; }
  std::span<std::uint8_t> writable() { return key_.secret_.span(); }
  // Draws a fresh random key into the slot (a per-entry key to seal with).
  const SymmetricKey& Generate(RandomSource& rng);

 private:
  SymmetricKey key_;
};

}  // namespace kintsugi::crypto
