// The key file (identity.key, mode 0600): this device's identity seed, the
// current ledger's id and key, the beacon key once paired, and the keys of
// solo ledgers kept private after pairing. Format in docs/PROTOCOL.md,
// "Key file". Secrets go from disk straight into guarded memory.
//
// Without a passphrase the file is protected by its mode alone: it keeps
// other users of the machine out, not someone who can read this user's files
// (see docs/THREAT_MODEL.md).
//
// Thread-safety: free functions, no shared state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "crypto/keys.h"
#include "crypto/result.h"
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

// Fails with kNotFound when there is no file, kFailedPrecondition when its
// mode lets other users read it, kCorrupt when it is damaged.
Result<LedgerKeys> ReadKeyFile(const std::string& path);

// Writes atomically (temporary file, fsync, rename) with mode 0600.
// REQUIRES: keys.archived.size() <= kMaxArchivedLedgers.
Status WriteKeyFile(const std::string& path, const LedgerKeys& keys);

}  // namespace kintsugi::daemon
