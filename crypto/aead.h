// Authenticated encryption with associated data: XChaCha20-Poly1305 (IETF).
// Ciphertexts are `ciphertext || 16-byte tag`. Opening fails closed: the output
// is cleared and nothing is returned unless the tag verifies.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "crypto/bytes.h"
#include "crypto/keys.h"
#include "crypto/random.h"
#include "base/result.h"

namespace kintsugi::crypto {

inline constexpr std::size_t kAeadNonceBytes = 24;
inline constexpr std::size_t kAeadTagBytes = 16;

using AeadNonce = std::array<std::uint8_t, kAeadNonceBytes>;

// Encrypts `plaintext` under `key` and `nonce`, authenticating `ad` too.
// REQUIRES: the (key, nonce) pair is never reused.
Bytes Seal(const SymmetricKey& key, const AeadNonce& nonce, ByteView plaintext, ByteView ad);

// Decrypts into `out`. REQUIRES: out.size() + 16 == ciphertext.size().
// Fails with kVerificationFailed (and a zeroed `out`) on any mismatch.
Status OpenInto(const SymmetricKey& key, const AeadNonce& nonce, ByteView ciphertext, ByteView ad,
                std::span<std::uint8_t> out);

// Decrypts into a new byte string (for non-secret plaintexts such as entry
// bodies that are about to be shown). Fails with kVerificationFailed.
Result<Bytes> Open(const SymmetricKey& key, const AeadNonce& nonce, ByteView ciphertext, ByteView ad);

// For records kept locally: the nonce stored in front of the ciphertext
// (nonce || ciphertext || tag). The caller never repeats a nonce under a key.
Bytes SealWithNonce(const SymmetricKey& key, const AeadNonce& nonce, ByteView plaintext, ByteView ad);
// The same with a random nonce from `rng`.
Bytes SealWithRandomNonce(const SymmetricKey& key, RandomSource& rng, ByteView plaintext, ByteView ad);
// Opens what SealWithNonce or SealWithRandomNonce made. Fails with kCorrupt when too short or
// when it does not open.
Result<Bytes> OpenWithNonce(const SymmetricKey& key, ByteView sealed, ByteView ad);

// Decrypts a sealed 32-byte key straight into guarded memory.
Result<SymmetricKey> OpenKey(const SymmetricKey& key, const AeadNonce& nonce, ByteView ciphertext,
                             ByteView ad);
// The same into a reused slot; no guarded memory is allocated.
Status OpenKeyInto(const SymmetricKey& key, const AeadNonce& nonce, ByteView ciphertext, ByteView ad,
                   KeySlot& slot);

}  // namespace kintsugi::crypto
