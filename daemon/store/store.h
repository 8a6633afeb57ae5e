// Store: the SQLite file that holds one daemon's ledger (docs/ARCHITECTURE.md,
// "Store"). Its files (store.cc, store_views.cc, store_internal.h) are the only
// ones in the project that include <sqlite3.h>.
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
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "crypto/hash.h"
#include "protocol/entry.h"
#include "protocol/entry_seal.h"
#include "protocol/sync.h"
#include "protocol/validation.h"

struct sqlite3;
struct sqlite3_stmt;

namespace kintsugi::daemon {

inline constexpr int kSchemaVersion = 5;
// SQLite moves its write-ahead log into the file at a commit that finds it
// this long (4 KiB pages): only in long bursts, the daemon checkpoints when
// idle. After a checkpoint the log file is cut back to kWalKeptBytes.
inline constexpr int kBurstCheckpointPages = 8000;
inline constexpr int kWalKeptBytes = 4 << 20;
// Ids of new entries wait in memory and join the on-disk index of ids in
// sorted steps (Store::MergeIds): when the daemon is idle and at least
// kIdleMergeIds wait, or after any commit that leaves kMaxUnmergedIds
// waiting. A merge of R ids into an index of P leaf pages rewrites about
// P(1 - e^(-R/P)) of them, so a large step costs a fraction of a page per
// entry where inserting one at a time cost a page each. Memory: about 64
// bytes an id.
inline constexpr std::size_t kIdleMergeIds = 1024;
inline constexpr std::size_t kMaxUnmergedIds = 65536;
// 'KNTG': SQLite's application_id of a Kintsugi ledger file.
inline constexpr std::int32_t kApplicationId = 0x4B4E5447;

struct StoredEntry {
  std::int64_t rowid = 0;
  protocol::EntryId id{};  // as recorded at insert; verify recomputes it
  Bytes bytes;             // the canonical encoding
  std::optional<Bytes> wrapped_key;  // absent once withdrawn
};

// An entry to insert: the canonical bytes plus copies of header fields for
// the indexes (never trusted without recomputing them from `bytes`).
struct NewEntry {
  protocol::EntryId id{};
  protocol::LedgerId ledger{};
  crypto::PublicKey author{};
  std::uint64_t seq = 0;
  std::uint64_t hlc = 0;
  Bytes bytes;
  std::optional<Bytes> wrapped_key;

  static NewEntry From(const protocol::SealedEntry& sealed);
  // REQUIRES: id == ComputeId(bytes) and entry == Decode(bytes).
  static NewEntry From(const protocol::Entry& entry, const protocol::EntryId& id, Bytes bytes,
                       std::optional<Bytes> wrapped_key);
};

struct LedgerMeta {
  protocol::LedgerId ledger_id{};
  crypto::PublicKey self{};
};

struct Fork {
  protocol::LedgerId ledger{};
  crypto::PublicKey author{};
  std::uint64_t seq = 0;
  protocol::EntryId first_id{};
  protocol::EntryId second_id{};
  std::uint64_t detected_hlc = 0;
};

struct PeerRecord {
  crypto::PublicKey author{};
  std::string address;  // "host:port", empty when unknown
  std::uint64_t last_seen_ms = 0;
  std::uint64_t last_sync_ms = 0;
};

// A place in causal order: (causal stamp, author).
using TimelineKey = std::pair<std::uint64_t, crypto::PublicKey>;

// An entry's row in the timeline: its place in causal order and its effect
// (sealed with the view key).
struct TimelineRow {
  std::int64_t entry_rowid = 0;
  std::uint64_t stamp = 0;
  crypto::PublicKey author{};
  Bytes effect;
};

// Where an entry stands in the timeline, found by its id.
struct TimelinePlace {
  std::int64_t entry_rowid = 0;
  std::uint64_t stamp = 0;
  crypto::PublicKey author{};
  std::uint64_t seq = 0;
};

// A saved state of the fold, sealed, taken after the entry at (stamp, author).
struct ViewState {
  std::uint64_t stamp = 0;
  crypto::PublicKey author{};
  Bytes sealed;
};

struct NoteRow {
  std::int64_t id = 0;
  std::uint64_t created_ms = 0;
  Bytes sealed;
};

class Stmt;

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

  // The file this store opened (":memory:" for none).
  const std::string& path() const { return path_; }

  // The current ledger; nullopt before `init`.
  Result<std::optional<LedgerMeta>> LoadMeta();
  // This database's index id (random, made with the file).
  Result<protocol::IndexId> IndexId();
  Result<std::vector<crypto::PublicKey>> Members(const protocol::LedgerId& ledger);
  Result<protocol::ChainHead> Head(const protocol::LedgerId& ledger, const crypto::PublicKey& author);
  Result<bool> HasEntry(const protocol::EntryId& id);
  // The rowid of the entry with this id, if stored.
  Result<std::optional<std::int64_t>> RowidOf(const protocol::EntryId& id);
  // The newest timestamp of `author`'s entries (or of all entries) that is
  // at most `at_most`; 0 when there is none.
  Result<std::uint64_t> MaxHlc(const std::optional<crypto::PublicKey>& author,
                               std::uint64_t at_most = INT64_MAX);
  Result<std::int64_t> CountEntries(const protocol::LedgerId& ledger);
  Result<std::vector<Fork>> Forks(const protocol::LedgerId& ledger);
  Result<std::vector<PeerRecord>> Peers();

  // Writes run inside a transaction; a failure rolls everything back. Called
  // inside another one, it is a savepoint of it: a failure rolls back only
  // what `body` did, and nothing is durable before the outer commit.
  Status InTransaction(const std::function<Status()>& body);
  // Whether a transaction is open on this connection.
  bool in_transaction() const;
  Status SaveMeta(const LedgerMeta& meta);
  // Small named values of this device (e.g. "safety_confirmed").
  Result<std::optional<Bytes>> GetValue(const std::string& key);
  Status SetValue(const std::string& key, ByteView value);

  // --- Backups (store_backup.cc) ---
  // A consistent image of the whole database, taken with SQLite's backup
  // API while writes continue between calls (not during one).
  Result<Bytes> Snapshot();
  // PRAGMA integrity_check: OK, or kCorrupt with SQLite's first complaint.
  Status CheckIntegrity();
  Status AddMember(const protocol::LedgerId& ledger, const crypto::PublicKey& author, std::uint64_t hlc);
  // REQUIRES: no stored entry has this id at another place (an id names its
  // ledger, author and seq, so only a copy of a stored entry could; the
  // chain index refuses a copy).
  Status InsertEntry(const NewEntry& entry);
  Status AddFork(const Fork& fork);
  Status SavePeer(const PeerRecord& peer);

  // The entry at `seq` in a chain (the first stored, if forked).
  Result<std::optional<StoredEntry>> FindInChain(const protocol::LedgerId& ledger,
                                                 const crypto::PublicKey& author, std::uint64_t seq);
  // Up to `limit` entries of a chain with seq > `after_seq`, ascending,
  // stopping before `max_bytes` of entry bytes (at least one entry).
  Result<std::vector<StoredEntry>> ChainAfter(const protocol::LedgerId& ledger,
                                              const crypto::PublicKey& author, std::uint64_t after_seq,
                                              std::size_t limit, std::size_t max_bytes);
  // Up to `limit` entries of a ledger, newest first, with rowid < `before`.
  Result<std::vector<StoredEntry>> Latest(const protocol::LedgerId& ledger, std::size_t limit,
                                          std::optional<std::int64_t> before);
  // Every entry of a ledger ordered by author, then seq, then rowid; stops
  // at the first error `visit` returns.
  Status ForEachByChain(const protocol::LedgerId& ledger,
                        const std::function<Status(const StoredEntry&)>& visit);
  Result<std::optional<StoredEntry>> EntryByRowid(std::int64_t rowid);
  // Up to `limit` entries of a ledger with rowid > `after`, ascending.
  Result<std::vector<StoredEntry>> EntriesAfterRowid(const protocol::LedgerId& ledger,
                                                     std::int64_t after, std::size_t limit);

  // --- Views (store_views.cc) ---
  Status InsertTimeline(const protocol::LedgerId& ledger, const TimelineRow& row);
  Result<std::optional<TimelinePlace>> FindInTimeline(const protocol::LedgerId& ledger,
                                                      const protocol::EntryId& id);
  // Rows after (stamp, author), ascending; all rows when `after` is null.
  Result<std::vector<TimelineRow>> TimelineAfter(const protocol::LedgerId& ledger,
                                                 const std::optional<TimelineKey>& after);
  Status DeleteTimelineAfter(const protocol::LedgerId& ledger,
                             const std::optional<TimelineKey>& after);
  // Up to `limit` rows before (stamp, author), newest first, whose entry's
  // own clock is in [from_hlc, to_hlc] and, when given, by `author`.
  Result<std::vector<TimelineRow>> TimelineBefore(const protocol::LedgerId& ledger,
                                                  const std::optional<TimelineKey>& before,
                                                  std::uint64_t from_hlc, std::uint64_t to_hlc,
                                                  const std::optional<crypto::PublicKey>& author, std::size_t limit);
  Result<std::optional<TimelineRow>> TimelineRowOf(std::int64_t entry_rowid);
  Status SaveViewState(const protocol::LedgerId& ledger, const ViewState& state);
  // The newest saved state strictly before (stamp, author), or the newest of all.
  Result<std::optional<ViewState>> LatestViewState(const protocol::LedgerId& ledger,
                                                   const std::optional<TimelineKey>& before);
  Status DeleteViewStatesAfter(const protocol::LedgerId& ledger,
                               const std::optional<TimelineKey>& after);
  Status DeleteViewState(const protocol::LedgerId& ledger, const TimelineKey& key);
  // Keeps the newest `keep` saved states of a ledger.
  Status PruneViewStates(const protocol::LedgerId& ledger, std::size_t keep);
  // Forgets the views of a ledger (they are rebuilt from the entries).
  Status ResetViews(const protocol::LedgerId& ledger);
  Result<std::int64_t> FoldedRowid(const protocol::LedgerId& ledger);
  Status SetFoldedRowid(const protocol::LedgerId& ledger, std::int64_t rowid);
  Result<std::vector<std::int64_t>> WaitingEntries(const protocol::LedgerId& ledger);
  Status SetWaiting(const protocol::LedgerId& ledger, std::int64_t entry_rowid, bool waiting);
  // Destroys an entry's wrapped key and records which entry withdrew it.
  Status Withdraw(std::int64_t entry_rowid, std::int64_t by_rowid);
  Result<bool> IsWithdrawn(std::int64_t entry_rowid);
  // The rowids of every withdrawn entry (of every ledger; they are few).
  Result<std::set<std::int64_t>> WithdrawnRows();
  // Moves everything in the write-ahead log into the file and empties the
  // log, so that deleted bytes are gone from both.
  Status CheckpointAndTruncate();
  // Moves the write-ahead log into the file when anything was written since
  // the last time, outside a transaction (a passive checkpoint: it syncs the
  // file, and the next commit starts the log over). The daemon calls it when
  // it has nothing else to do, so a commit on a delivery's path rarely pays
  // for a checkpoint. It then gives back SQLite's cache of pages: an idle
  // daemon keeps no copy of pages it may not read for hours (the system's
  // file cache still has them, so the next read costs microseconds).
  Status CheckpointWhenIdle();
  // Whether anything was written since the last idle checkpoint.
  bool checkpoint_due() const;
  // The bytes SQLite's cache of pages holds now.
  std::int64_t cache_bytes() const;
  // Moves the ids held in memory into the on-disk index of ids, in one
  // transaction (outside any other). A failure leaves them in memory.
  Status MergeIds();
  // How many stored entries' ids are held in memory, not yet merged.
  std::size_t unmerged_ids() const { return recent_ids_.size(); }
  // How many ids the index of ids (on disk and in memory) misses, names the
  // wrong row for, or holds for no entry: 0 when it agrees with the entries.
  // Outside a transaction.
  Result<std::int64_t> CheckIds();
  // Builds the index of ids again from the entries, which are its truth: all
  // of them merged, in one transaction (outside any other).
  Status RebuildIds();

  // --- Private notes ---
  Result<std::int64_t> AddNote(std::uint64_t created_ms, ByteView sealed);
  Result<std::vector<NoteRow>> Notes();
  Result<bool> DeleteNote(std::int64_t id);

 private:
  friend class Stmt;
  struct Prepared {
    sqlite3_stmt* stmt;
    bool* in_use;  // null: not cached, finalise after use
  };
  struct CachedStatement {
    sqlite3_stmt* stmt;
    bool in_use;
  };

  explicit Store(sqlite3* db) : db_(db) {}
  std::string path_;
  Status Exec(const char* sql);
  Status Exec(const std::string& sql);
  Status Migrate();
  // A prepared statement, from the cache when it is free (preparing the same
  // SQL again costs more than running it).
  Result<Prepared> Prepare(const std::string& sql);

  // BEGIN IMMEDIATE, `body`, COMMIT; a failure rolls back and forgets the
  // ids of the entries it took back.
  Status OuterTransaction(const std::function<Status()>& body);
  Result<std::int64_t> NewestRowid();
  // Inside a transaction: puts the ids of the entries after rowid `after`
  // into entry_ids, in id order, and marks them merged; the newest rowid.
  Result<std::int64_t> MergeIdsUpToNewest(std::int64_t after);
  // Reads the ids of the entries after the merged ones (at open).
  Status LoadUnmergedIds();
  // After a rollback: forgets the ids of entries it took back.
  void ForgetRolledBackIds();

  // Keyed with a random key per store: a partner who grinds entry ids
  // cannot aim them at one bucket, as they could at a plain word of the id.
  struct IdHash {
    crypto::ShortHashKey key;
    std::size_t operator()(const protocol::EntryId& id) const;
  };
  using IdMap = std::unordered_map<protocol::EntryId, std::int64_t, IdHash>;

  sqlite3* db_;
  std::unordered_map<std::string, CachedStatement> cache_;
  // The entries with rowid > ids_merged_upto_, by id: the part of the index
  // of ids that is not yet in entry_ids.
  IdMap recent_ids_{0, IdHash{crypto::NewShortHashKey()}};
  std::int64_t ids_merged_upto_ = 0;
  std::int64_t checkpointed_changes_ = 0;  // sqlite3_total_changes64 at the last idle checkpoint
};

}  // namespace kintsugi::daemon
