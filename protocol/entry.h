// The ledger entry (format version 1) and its canonical binary encoding.
// The byte layout is specified in docs/PROTOCOL.md ("Entry"); this file and
// that section must change together, and a change must change the vectors in
// tests/vectors/.
//
// An entry is immutable once signed. Its id is BLAKE2b-256 of its complete
// encoding (signature included). The body is sealed (see entry_seal.h); the
// per-entry key that opens it is kept beside the entry, outside the signed
// bytes, as a WrappedKey.
//
// Pure: no I/O. Thread-compatible.
#pragma once

#include <cstdint>
#include <vector>

#include "crypto/aead.h"
#include "crypto/bytes.h"
#include "crypto/keys.h"
#include "base/result.h"

namespace kintsugi::protocol {

inline constexpr std::uint8_t kEntryVersion = 1;
inline constexpr std::size_t kMaxParents = 16;
// Largest plaintext body (after padding) and sealed body. Text limits are in
// characters (protocol/kinds.h), up to four bytes each: the largest body that
// every rule allows (a repair with every field full of emoji, about 114 KB)
// fits, which tests/protocol/kinds_test.cc checks for every kind.
inline constexpr std::size_t kMaxBodyBytes = 128 * 1024;
inline constexpr std::size_t kMaxSealedBodyBytes = kMaxBodyBytes + crypto::kAeadTagBytes;
// Fixed part of an encoding: everything but the parents and the sealed body.
inline constexpr std::size_t kEntryFixedBytes = 1 + 32 + 32 + 8 + 32 + 8 + 1 + 24 + 4 + 64;
inline constexpr std::size_t kMaxEntryBytes =
    kEntryFixedBytes + kMaxParents * 32 + kMaxSealedBodyBytes;
// Domain separation for entry signatures: signed message = context || header || body.
inline constexpr char kEntrySignatureContext[] = "kintsugi entry v1";

using EntryId = Hash32;
using LedgerId = Hash32;

struct Entry {
  std::uint8_t version = kEntryVersion;
  LedgerId ledger_id{};
  crypto::PublicKey author{};
  std::uint64_t seq = 0;          // 1 for an author's first entry
  EntryId prev{};                 // id of seq-1 by the same author; zero when seq == 1
  std::uint64_t hlc = 0;          // hybrid logical clock (hlc.h)
  std::vector<EntryId> parents;   // heads of other authors' chains seen; strictly ascending
  crypto::AeadNonce nonce{};      // nonce of the sealed body
  Bytes sealed_body;              // XChaCha20-Poly1305 ciphertext || tag
  crypto::Signature signature{};

  bool operator==(const Entry&) const = default;
};

// Everything before the sealed body: the associated data of the body's seal.
Bytes EncodeHeader(const Entry& entry);
// The message the author signs: context || header || sealed body.
Bytes SigningMessage(const Entry& entry);
// The complete canonical encoding (header || sealed body || signature).
// REQUIRES: at most kMaxParents parents and kMaxSealedBodyBytes of body.
Bytes Encode(const Entry& entry);
// BLAKE2b-256 of Encode(entry).
EntryId ComputeId(const Entry& entry);
// BLAKE2b-256 of already-encoded bytes (cheaper when the bytes are at hand).
EntryId ComputeId(ByteView encoded);

// Strict decoding: every length is checked, parents must be strictly
// ascending, trailing bytes are rejected. Fails with kTooLarge when
// bytes.size() > kMaxEntryBytes or a declared length is over its limit, and
// kMalformed otherwise. Does not verify the signature (see validation.h).
Result<Entry> Decode(ByteView bytes);

}  // namespace kintsugi::protocol
