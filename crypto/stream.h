// Sealing a long byte stream in chunks: libsodium's secretstream
// (XChaCha20-Poly1305), which authenticates each chunk, their order, and
// where the stream ends, so a file cut short or reordered does not open.
//
// Thread-safety: a sealer or opener is a value used by one thread.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "crypto/bytes.h"
#include "crypto/keys.h"
#include "base/result.h"
#include "crypto/secure_buffer.h"

namespace kintsugi::crypto {

inline constexpr std::size_t kStreamHeaderBytes = 24;
inline constexpr std::size_t kStreamChunkOverheadBytes = 17;

using StreamHeader = std::array<std::uint8_t, kStreamHeaderBytes>;

class StreamSealer {
 public:
  // A new stream under `key`; `header` receives what the opener needs first.
  StreamSealer(const SymmetricKey& key, StreamHeader& header);
  // Seals the next chunk (`ad` authenticated with it); `last` ends the stream.
  Bytes Push(std::span<const std::uint8_t> chunk, ByteView ad, bool last);

 private:
  SecureBuffer state_;
};

class StreamOpener {
 public:
  // Fails with kVerificationFailed for a header that cannot start a stream.
  static Result<StreamOpener> Start(const SymmetricKey& key, const StreamHeader& header);
  // Opens the next sealed chunk into `out` (REQUIRES: out.size() + 17 ==
  // sealed.size()); `*last` says whether it ended the stream. Fails with
  // kVerificationFailed (and a wiped `out`) when it does not open.
  Status Pull(ByteView sealed, ByteView ad, std::span<std::uint8_t> out, bool* last);

 private:
  explicit StreamOpener(SecureBuffer state) : state_(std::move(state)) {}
  SecureBuffer state_;
};

}  // namespace kintsugi::crypto
