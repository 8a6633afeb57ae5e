// The key file (identity.key, mode 0600): this device's identity seed, the
// current ledger's id and key, the beacon key once paired, and the keys of
// solo ledgers kept private after pairing. Format in docs/PROTOCOL.md,
// "Key file". Secrets go from disk straight into guarded memory.
//
// Without a passphrase the file is protected by its mode alone: it keeps
// other users of the machine out, not someone who can read this user's files
// (see docs/THREAT_MODEL.md). With one (the vault), the identity seed and the
// ledger keys are sealed with a key Argon2id derives from it; what the daemon
// needs while locked (its public identity, the ledger id, the transport and
// beacon keys: enough to sync, not to read or sign) stays outside the seal.
//
// Thread-safety: free functions, no shared state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crypto/aead.h"
#include "crypto/keys.h"
#include "crypto/pake.h"
#include "crypto/pwhash.h"
#include "base/result.h"
#include "protocol/entry.h"

namespace kintsugi::daemon {

inline constexpr std::size_t kMaxArchivedLedgers = 8;

struct ArchivedLedger {
  protocol::LedgerId id{};
  crypto::SymmetricKey key;
};

struct LedgerKeys {
  crypto::SigningKey identity;
  protocol::LedgerId ledger_id;     // the current ledger
  crypto::SymmetricKey ledger_key;
  std::optional<crypto::SymmetricKey> beacon_key;  // set once paired
  std::vector<ArchivedLedger> archived;            // at most kMaxArchivedLedgers
};

// What the daemon knows while locked.
struct KeyFileInfo {
  crypto::PublicKey self{};
  protocol::LedgerId ledger_id{};
  std::optional<crypto::SymmetricKey> beacon_key;
  crypto::CurveKeyPair transport;  // the CURVE keys of the link to the partner
};
KeyFileInfo InfoOf(const LedgerKeys& keys);
// A second key with the same bytes, in its own guarded memory.
crypto::SymmetricKey CopyKey(const crypto::SymmetricKey& key);

// The key that seals a key file, derived from the passphrase.
struct VaultKey {
  crypto::PwhashSalt salt{};
  crypto::PwhashLimits limits;
  crypto::SymmetricKey key;
};

struct KeyFile {
  KeyFileInfo info;
  std::optional<LedgerKeys> keys;  // absent while sealed by a passphrase
  struct Sealed {
    crypto::PwhashSalt salt{};
    crypto::PwhashLimits limits;
    crypto::AeadNonce nonce{};
    Bytes ad;          // the file up to the sealed part
    Bytes ciphertext;  // seed | ledger key | archived count | archived × (id, key), and the tag
  };
  std::optional<Sealed> sealed;
};

// Reads either form. Fails with kNotFound when there is no file,
// kFailedPrecondition when its mode lets other users read it, kCorrupt when
// it is damaged.
Result<KeyFile> LoadKeyFile(const std::string& path);
// The keys of an unsealed key file; a sealed one fails with
// kFailedPrecondition.
Result<LedgerKeys> ReadKeyFile(const std::string& path);

// The key file's bytes as they are on disk (for a backup), with the same
// checks of mode and size as LoadKeyFile.
Result<crypto::SecureBuffer> ReadKeyFileBytes(const std::string& path);
// Writes `bytes` (a whole key file) atomically with mode 0600.
Status WriteKeyFileBytes(const std::string& path, const crypto::SecureBuffer& bytes);

// Derives the vault key of a sealed file (Argon2id: slow on purpose).
Result<VaultKey> DeriveVaultKey(const crypto::Passphrase& passphrase, const KeyFile::Sealed& sealed);
// A new vault key with a fresh salt.
Result<VaultKey> NewVaultKey(const crypto::Passphrase& passphrase, const crypto::PwhashLimits& limits,
                             crypto::RandomSource& rng);
// Opens the sealed keys of a sealed file (kFailedPrecondition for an
// unsealed one, whose keys are in `file.keys`). Fails with kVerificationFailed when `key` is not
// the one that sealed them (a wrong passphrase) and kCorrupt when what
// opened does not agree with the file's public part.
Result<LedgerKeys> OpenKeyFile(const KeyFile& file, const VaultKey& key);

// Writes atomically (temporary file, fsync, rename) with mode 0600: unsealed,
// or sealed with `vault` (a fresh nonce from `rng` each time).
// REQUIRES: keys.archived.size() <= kMaxArchivedLedgers.
Status WriteKeyFile(const std::string& path, const LedgerKeys& keys);
Status WriteKeyFile(const std::string& path, const LedgerKeys& keys, const VaultKey& vault,
                    crypto::RandomSource& rng);

}  // namespace kintsugi::daemon
