// CPace, a balanced password-authenticated key exchange, over ristretto255
// with SHA-512 (after draft-irtf-cfrg-cpace; docs/PROTOCOL.md, "Pairing").
//
// Both sides know a low-entropy password (the invite code). Each sends one
// group element; both derive the same 64-byte intermediate session key (ISK)
// only if they used the same password. A man in the middle gets one online
// guess per run and nothing to test guesses against offline.
//
//   g   = ristretto255_from_hash(SHA-512(lv(DSI) || lv(password) || lv(zpad) || lv(CI) || lv(sid)))
//   y   = random scalar, Y = y·g            (Ya from the initiator, Yb from the responder)
//   K   = y·Y_peer                          (refused if the identity)
//   ISK = SHA-512(lv(DSI_ISK) || lv(sid) || lv(K) || lv(Ya) || lv(Yb))
//
// lv(x) is x prefixed with its length as one LEB128 byte (all inputs < 128
// bytes but the zero padding, which fits the hash block as in the draft).
//
// Thread-compatible. The scalar and the ISK live in guarded memory.
#pragma once

#include <array>
#include <cstdint>

#include "crypto/bytes.h"
#include "crypto/random.h"
#include "base/result.h"
#include "crypto/secure_buffer.h"

namespace kintsugi::crypto {

inline constexpr std::size_t kPakeShareBytes = 32;
inline constexpr std::size_t kPakeSessionKeyBytes = 64;
inline constexpr std::size_t kPakeSidBytes = 16;

using PakeShare = std::array<std::uint8_t, kPakeShareBytes>;

class CPace {
 public:
  enum class Role { kInitiator, kResponder };

  // Computes this side's share. `channel_id` names the context (e.g. both
  // sides' roles); `sid` is a fresh session id the initiator chose and sent.
  // REQUIRES: password.size() < 128, channel_id.size() < 128.
  static CPace Start(Role role, ByteView password, ByteView channel_id, ByteView sid,
                     RandomSource& rng);

  const PakeShare& share() const { return share_; }

  // The intermediate session key from the peer's share. Fails with
  // kVerificationFailed when the share is not a valid ristretto255 element or
  // the result is the identity (a malicious or broken peer).
  Result<SecureBuffer> Finish(ByteView peer_share) const;

 private:
  CPace(Role role, SecureBuffer scalar, const PakeShare& share, Bytes sid)
      : role_(role), scalar_(std::move(scalar)), share_(share), sid_(std::move(sid)) {}
  Role role_;
  SecureBuffer scalar_;
  PakeShare share_;
  Bytes sid_;
};

// A 32-byte subkey of `master` (any length ≥ 16) for `purpose` (up to 8
// characters, as crypto_kdf's context) and `index`: BLAKE2b-keyed KDF.
SecureBuffer DeriveKey(std::span<const std::uint8_t> master, const char* purpose,
                       std::uint64_t index);

// HMAC-SHA-512-256 of `message` under a 32-byte key, and its constant-time check.
std::array<std::uint8_t, 32> Mac(std::span<const std::uint8_t> key, ByteView message);
[[nodiscard]] bool MacValid(std::span<const std::uint8_t> key, ByteView message,
                            ByteView mac);

// The X25519 (CURVE) key pair of an Ed25519 identity, for ZeroMQ CURVE.
struct CurveKeyPair {
  Hash32 public_key{};
  SecureBuffer secret_key{32};
};
CurveKeyPair CurveKeysOf(std::span<const std::uint8_t> ed25519_seed);
// The X25519 public key of an Ed25519 public key; fails for invalid points.
Result<Hash32> CurvePublicKeyOf(const Hash32& ed25519_public_key);

}  // namespace kintsugi::crypto
