// Sealing and opening entry bodies (docs/PROTOCOL.md, "Sealing").
//
// Each entry's body is padded, then sealed with XChaCha20-Poly1305 under a
// fresh random per-entry key, with the entry header as associated data. The
// per-entry key is sealed under the couple's ledger key, bound to the entry id,
// and kept beside the entry as a WrappedKey. Destroying the WrappedKey
// (withdrawal) destroys the words while the signed bytes stay verifiable.
//
// Pure: no I/O. Randomness comes in through crypto::RandomSource.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/aead.h"
#include "crypto/keys.h"
#include "crypto/random.h"
#include "protocol/entry.h"

namespace kintsugi::protocol {

inline constexpr std::size_t kBodyPadBlock = 64;
inline constexpr char kWrappedKeyContext[] = "kintsugi key v1";

// The per-entry key sealed under the ledger key: nonce || ciphertext || tag.
struct WrappedKey {
  static constexpr std::size_t kSealedBytes = crypto::kSymmetricKeyBytes + crypto::kAeadTagBytes;
  static constexpr std::size_t kEncodedBytes = crypto::kAeadNonceBytes + kSealedBytes;
  crypto::AeadNonce nonce{};
  std::array<std::uint8_t, kSealedBytes> sealed{};

  Bytes Encode() const;
  // Fails with kMalformed unless bytes.size() == kEncodedBytes.
  static Result<WrappedKey> Decode(ByteView bytes);
};

// What the author decides; SealEntry adds the rest.
struct EntryDraft {
  LedgerId ledger_id{};
  std::uint64_t seq = 0;
  EntryId prev{};
  std::uint64_t hlc = 0;
  std::vector<EntryId> parents;  // any order; SealEntry sorts them
  std::string body;              // a JSON object with a "kind"
};

struct SealedEntry {
  Entry entry;
  Bytes encoded;   // Encode(entry)
  EntryId id{};    // ComputeId(encoded)
  WrappedKey key;  // opens entry.sealed_body with the ledger key
};

// Builds, seals and signs an entry. Fails with kTooLarge when the padded body
// exceeds kMaxBodyBytes, and with kInvalidArgument for more than 16 distinct
// parents, seq 0, or seq 1 with a prev: nothing is signed that Decode rejects.
Result<SealedEntry> SealEntry(const EntryDraft& draft, const crypto::SigningKey& author,
                              const crypto::SymmetricKey& ledger_key, crypto::RandomSource& rng);
// The same, drawing the entry's own key into `slot` (no guarded allocation
// per entry: for a device appending many entries over its life).
Result<SealedEntry> SealEntry(const EntryDraft& draft, const crypto::SigningKey& author,
                              const crypto::SymmetricKey& ledger_key, crypto::RandomSource& rng,
                              crypto::KeySlot& slot);

// Opens an entry's body: unwraps the per-entry key with the ledger key, opens
// the body and strips the padding. Fails with kVerificationFailed when either
// seal does not authenticate and kMalformed when the padding is wrong.
// REQUIRES: id == ComputeId(entry).
Result<std::string> OpenBody(const Entry& entry, const EntryId& id, const WrappedKey& key,
                             const crypto::SymmetricKey& ledger_key);
// The same, unwrapping the entry's key into `slot` (no guarded allocation
// per entry: for reading many entries in a row).
Result<std::string> OpenBody(const Entry& entry, const EntryId& id, const WrappedKey& key,
                             const crypto::SymmetricKey& ledger_key, crypto::KeySlot& slot);

}  // namespace kintsugi::protocol
