#include "crypto/pake.h"

#include <sodium.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <string_view>

#include "crypto/sodium_init.h"

namespace kintsugi::crypto {
namespace {

constexpr std::string_view kDsi = "CPaceRistretto255";
constexpr std::string_view kDsiIsk = "CPaceRistretto255_ISK";
constexpr std::size_t kHashBlockBytes = 128;  // SHA-512

void Lv(crypto_hash_sha512_state& st, ByteView data) {
  assert(data.size() < 128);
  std::uint8_t len = static_cast<std::uint8_t>(data.size());
  crypto_hash_sha512_update(&st, &len, 1);
  crypto_hash_sha512_update(&st, data.data(), data.size());
}

}  // namespace

CPace CPace::Start(Role role, ByteView password, ByteView channel_id, ByteView sid,
                   RandomSource& rng) {
  EnsureSodium();
  // Generator from the password, bound to the channel and the session.
  crypto_hash_sha512_state st;
  crypto_hash_sha512_init(&st);
  Lv(st, AsBytes(kDsi));
  Lv(st, password);
  // Zero padding so that the password ends a hash block (as in the draft);
  // its length prefix takes one byte.
  std::size_t used = 1 + kDsi.size() + 1 + password.size() + 1;
  std::size_t pad = (kHashBlockBytes - used % kHashBlockBytes) % kHashBlockBytes;
  Bytes zpad(pad > 127 ? 127 : pad, 0);
  Lv(st, zpad);
  Lv(st, channel_id);
  Lv(st, sid);
  SecureBuffer hash(crypto_hash_sha512_BYTES);
  crypto_hash_sha512_final(&st, hash.data());
  SecureBuffer generator(crypto_core_ristretto255_BYTES);
  crypto_core_ristretto255_from_hash(generator.data(), hash.data());

  SecureBuffer scalar(crypto_core_ristretto255_SCALARBYTES);
  PakeShare share{};
  do {
    // A uniformly random scalar from 64 bytes of `rng`, reduced mod L.
    SecureBuffer wide(crypto_core_ristretto255_NONREDUCEDSCALARBYTES);
    rng.Fill(wide.span());
    crypto_core_ristretto255_scalar_reduce(scalar.data(), wide.data());
  } while (crypto_scalarmult_ristretto255(share.data(), scalar.data(), generator.data()) != 0);
  return CPace(role, std::move(scalar), share, Bytes(sid.begin(), sid.end()));
}

Result<SecureBuffer> CPace::Finish(ByteView peer_share) const {
  if (peer_share.size() != kPakeShareBytes ||
      crypto_core_ristretto255_is_valid_point(peer_share.data()) != 1) {
    return MakeError(ErrorCode::kVerificationFailed, "the partner's key share is not valid");
  }
  SecureBuffer k(crypto_scalarmult_ristretto255_BYTES);
  if (crypto_scalarmult_ristretto255(k.data(), scalar_.data(), peer_share.data()) != 0) {
    return MakeError(ErrorCode::kVerificationFailed, "the partner's key share is degenerate");
  }
  ByteView mine(share_);
  ByteView ya = role_ == Role::kInitiator ? mine : peer_share;
  ByteView yb = role_ == Role::kInitiator ? peer_share : mine;
  crypto_hash_sha512_state st;
  crypto_hash_sha512_init(&st);
  Lv(st, AsBytes(kDsiIsk));
  Lv(st, sid_);
  Lv(st, k.span());
  Lv(st, ya);
  Lv(st, yb);
  SecureBuffer isk(kPakeSessionKeyBytes);
  crypto_hash_sha512_final(&st, isk.data());
  return isk;
}

SecureBuffer DeriveKey(std::span<const std::uint8_t> master, const char* purpose,
                       std::uint64_t index) {
  EnsureSodium();
  // crypto_kdf wants a 32-byte master key: compress longer ones with BLAKE2b.
  SecureBuffer key(crypto_kdf_KEYBYTES);
  crypto_generichash(key.data(), key.size(), master.data(), master.size(), nullptr, 0);
  char context[crypto_kdf_CONTEXTBYTES] = {};
  std::memcpy(context, purpose, std::min(std::strlen(purpose), sizeof context));
  SecureBuffer out(32);
  crypto_kdf_derive_from_key(out.data(), out.size(), index, context, key.data());
  return out;
}

std::array<std::uint8_t, 32> Mac(std::span<const std::uint8_t> key, ByteView message) {
  EnsureSodium();
  assert(key.size() == crypto_auth_hmacsha512256_KEYBYTES);
  std::array<std::uint8_t, 32> out{};
  crypto_auth_hmacsha512256(out.data(), message.data(), message.size(), key.data());
  return out;
}

bool MacValid(std::span<const std::uint8_t> key, ByteView message, ByteView mac) {
  EnsureSodium();
  if (mac.size() != crypto_auth_hmacsha512256_BYTES ||
      key.size() != crypto_auth_hmacsha512256_KEYBYTES) {
    return false;
  }
  return crypto_auth_hmacsha512256_verify(mac.data(), message.data(), message.size(),
                                          key.data()) == 0;
}

CurveKeyPair CurveKeysOf(std::span<const std::uint8_t> ed25519_seed) {
  EnsureSodium();
  assert(ed25519_seed.size() == crypto_sign_SEEDBYTES);
  SecureBuffer sk(crypto_sign_SECRETKEYBYTES);
  Hash32 ed_pk{};
  crypto_sign_seed_keypair(ed_pk.data(), sk.data(), ed25519_seed.data());
  CurveKeyPair out;
  crypto_sign_ed25519_sk_to_curve25519(out.secret_key.data(), sk.data());
  // Cannot fail: the public key was just derived from a seed.
  [[maybe_unused]] int rc = crypto_sign_ed25519_pk_to_curve25519(out.public_key.data(), ed_pk.data());
  assert(rc == 0);
  return out;
}

Result<Hash32> CurvePublicKeyOf(const Hash32& ed25519_public_key) {
  EnsureSodium();
  Hash32 out{};
  if (crypto_sign_ed25519_pk_to_curve25519(out.data(), ed25519_public_key.data()) != 0) {
    return MakeError(ErrorCode::kInvalidArgument, "not a valid Ed25519 public key");
  }
  return out;
}

}  // namespace kintsugi::crypto
