// Store: the SQLite file that holds one daemon's ledger (docs/ARCHITECTURE.md,
// "Store"). The only file in the project that includes <sqlite3.h>.
//
// Entries are stored exactly as signed and sealed; the `entries` table is
// append-only (triggers abort UPDATE and DELETE). Per-entry wrapped keys live
// beside them in `entry_keys`, which withdrawal may delete from. Nothing in the
// file is readable without the ledger key except entry headers (author, seq,
// clock) and public keys.
//
// Opening checks that the file is a Kintsugi database before writing a single
// byte to it: a foreign or damaged file is refused and left untouched.
//
// Thread-safety: one thread at a time (the daemon loop owns it).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/result.h"
#include "protocol/entry.h"
#include "protocol/entry_seal.h"
#include "protocol/validation.h"

struct sqlite3;
struct sqlite3_stmt;

namespace kintsugi::daemon {

inline constexpr int kSchemaVersion = 1;
// 'KNTG': SQLite's application_id of a Kintsugi ledger file.
inline constexpr std::int32_t kApplicationId = 0x4B4E5447;

struct StoredEntry {
  std::int64_t rowid = 0;
  protocol::EntryId id{};  // as recorded at insert; verify recomputes it
  Bytes bytes;             // the canonical encoding
  std::optional<Bytes> wrapped_key;  // absent once withdrawn
};

struct LedgerMeta {
  protocol::LedgerId ledger_id{};
  crypto::PublicKey self{};
};

class Store {
 public:
  enum class Durability { kFull, kNormal };  // PRAGMA synchronous

  // Opens (creating if absent) the ledger file at `path`. Fails with kCorrupt
  // for a file that is not a Kintsugi database or is damaged, and with
  // kFailedPrecondition for one written by a newer schema.
  static Result<std::unique_ptr<Store>> Open(const std::string& path,
                                             Durability durability = Durability::kFull);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The ledger this file holds; nullopt before `init`.
  Result<std::optional<LedgerMeta>> LoadMeta();
  Result<std::vector<crypto::PublicKey>> Members();
  Result<protocol::ChainHead> Head(const crypto::PublicKey& author);
  Result<std::uint64_t> MaxHlc();
  Result<std::int64_t> CountEntries();

  // Writes run inside a transaction; a failure rolls everything back.
  Status InTransaction(const std::function<Status()>& body);
  Status SaveMeta(const LedgerMeta& meta);
  Status AddMember(const crypto::PublicKey& author, std::uint64_t hlc);
  Status InsertEntry(const protocol::SealedEntry& entry);

  // The entry at `seq` in `author`'s chain (the first stored, if forked).
  Result<std::optional<StoredEntry>> FindInChain(const crypto::PublicKey& author, std::uint64_t seq);
  // Up to `limit` entries, newest first, with rowid < `before` when given.
  Result<std::vector<StoredEntry>> Latest(std::size_t limit, std::optional<std::int64_t> before);
  // Every entry ordered by author, then seq, then rowid; stops at the first
  // error `visit` returns.
  Status ForEachByChain(const std::function<Status(const StoredEntry&)>& visit);

 private:
  explicit Store(sqlite3* db) : db_(db) {}
  Status Exec(const char* sql);
  Status Migrate();
  Result<sqlite3_stmt*> Prepare(const char* sql);

  sqlite3* db_;
};

}  // namespace kintsugi::daemon
