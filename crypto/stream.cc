#include "crypto/stream.h"

#include <sodium.h>

#include <cassert>

#include "crypto/sodium_init.h"

namespace kintsugi::crypto {

static_assert(kStreamHeaderBytes == crypto_secretstream_xchacha20poly1305_HEADERBYTES);
static_assert(kStreamChunkOverheadBytes == crypto_secretstream_xchacha20poly1305_ABYTES);

namespace {
crypto_secretstream_xchacha20poly1305_state* State(SecureBuffer& b) {
  return reinterpret_cast<crypto_secretstream_xchacha20poly1305_state*>(b.data());
}
}  // namespace

StreamSealer::StreamSealer(const SymmetricKey& key, StreamHeader& header)
    : state_(sizeof(crypto_secretstream_xchacha20poly1305_state)) {
  EnsureSodium();
  crypto_secretstream_xchacha20poly1305_init_push(State(state_), header.data(), key.bytes().data());
}

Bytes StreamSealer::Push(std::span<const std::uint8_t> chunk, ByteView ad, bool last) {
  Bytes out(chunk.size() + kStreamChunkOverheadBytes);
  crypto_secretstream_xchacha20poly1305_push(
      State(state_), out.data(), nullptr, chunk.data(), chunk.size(), ad.data(), ad.size(),
      last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
  return out;
}

Result<StreamOpener> StreamOpener::Start(const SymmetricKey& key, const StreamHeader& header) {
  EnsureSodium();
  SecureBuffer state(sizeof(crypto_secretstream_xchacha20poly1305_state));
  if (crypto_secretstream_xchacha20poly1305_init_pull(State(state), header.data(), key.bytes().data()) != 0) {
    return MakeError(ErrorCode::kVerificationFailed, "the stream's header is invalid");
  }
  return StreamOpener(std::move(state));
}

Status StreamOpener::Pull(ByteView sealed, ByteView ad, std::span<std::uint8_t> out, bool* last) {
  assert(out.size() + kStreamChunkOverheadBytes == sealed.size());
  unsigned char tag = 0;
  if (crypto_secretstream_xchacha20poly1305_pull(State(state_), out.data(), nullptr, &tag, sealed.data(),
                                                 sealed.size(), ad.data(), ad.size()) != 0) {
    sodium_memzero(out.data(), out.size());
    return MakeError(ErrorCode::kVerificationFailed, "a sealed chunk does not open");
  }
  *last = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
  return OkStatus();
}

}  // namespace kintsugi::crypto
