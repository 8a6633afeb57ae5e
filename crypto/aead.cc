#include "crypto/aead.h"

#include <algorithm>

#include <sodium.h>

#include "crypto/sodium_init.h"

namespace kintsugi::crypto {

static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == kAeadNonceBytes);
static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == kAeadTagBytes);

Bytes Seal(const SymmetricKey& key, const AeadNonce& nonce, ByteView plaintext, ByteView ad) {
  EnsureSodium();
  Bytes out(plaintext.size() + kAeadTagBytes);
  unsigned long long out_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data(), &out_len, plaintext.data(),
                                             plaintext.size(), ad.data(), ad.size(), nullptr,
                                             nonce.data(), key.bytes().data());
  out.resize(out_len);
  return out;
}

Status OpenInto(const SymmetricKey& key, const AeadNonce& nonce, ByteView ciphertext, ByteView ad,
                std::span<std::uint8_t> out) {
  EnsureSodium();
  if (ciphertext.size() < kAeadTagBytes || out.size() != ciphertext.size() - kAeadTagBytes) {
    sodium_memzero(out.data(), out.size());
    return MakeError(ErrorCode::kVerificationFailed, "ciphertext has the wrong length");
  }
  unsigned long long out_len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(out.data(), &out_len, nullptr, ciphertext.data(),
                                                 ciphertext.size(), ad.data(), ad.size(),
                                                 nonce.data(), key.bytes().data()) != 0) {
    sodium_memzero(out.data(), out.size());
    return MakeError(ErrorCode::kVerificationFailed, "ciphertext does not authenticate");
  }
  return OkStatus();
}

Result<Bytes> Open(const SymmetricKey& key, const AeadNonce& nonce, ByteView ciphertext, ByteView ad) {
  if (ciphertext.size() < kAeadTagBytes) {
    return MakeError(ErrorCode::kVerificationFailed, "ciphertext is shorter than its tag");
  }
  Bytes out(ciphertext.size() - kAeadTagBytes);
  KINTSUGI_RETURN_IF_ERROR(OpenInto(key, nonce, ciphertext, ad, out));
  return out;
}

Result<SymmetricKey> OpenKey(const SymmetricKey& key, const AeadNonce& nonce, ByteView ciphertext,
                             ByteView ad) {
  SecureBuffer plain(kSymmetricKeyBytes);
  KINTSUGI_RETURN_IF_ERROR(OpenInto(key, nonce, ciphertext, ad, plain.span()));
  return SymmetricKey::FromBytes(plain.span());
}

Status OpenKeyInto(const SymmetricKey& key, const AeadNonce& nonce, ByteView ciphertext, ByteView ad,
                   KeySlot& slot) {
  return OpenInto(key, nonce, ciphertext, ad, slot.writable());
}

Bytes SealWithNonce(const SymmetricKey& key, const AeadNonce& nonce, ByteView plaintext, ByteView ad) {
  EnsureSodium();
  Bytes out(kAeadNonceBytes + plaintext.size() + kAeadTagBytes);
  std::copy(nonce.begin(), nonce.end(), out.begin());
  unsigned long long out_len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out.data() + kAeadNonceBytes, &out_len, plaintext.data(),
                                             plaintext.size(), ad.data(), ad.size(), nullptr,
                                             nonce.data(), key.bytes().data());
  return out;
}

Bytes SealWithRandomNonce(const SymmetricKey& key, RandomSource& rng, ByteView plaintext, ByteView ad) {
  AeadNonce nonce;
  rng.Fill(nonce);
  return SealWithNonce(key, nonce, plaintext, ad);
}

Result<Bytes> OpenWithNonce(const SymmetricKey& key, ByteView sealed, ByteView ad) {
  if (sealed.size() < kAeadNonceBytes + kAeadTagBytes) {
    return MakeError(ErrorCode::kCorrupt, "a sealed record is too short");
  }
  AeadNonce nonce;
  std::copy_n(sealed.begin(), kAeadNonceBytes, nonce.begin());
  auto opened = Open(key, nonce, sealed.subspan(kAeadNonceBytes), ad);
  if (!opened.ok()) return MakeError(ErrorCode::kCorrupt, "a sealed record does not open");
  return opened;
}

}  // namespace kintsugi::crypto
