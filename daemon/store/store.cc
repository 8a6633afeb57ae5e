#include "daemon/store/store.h"

#include "daemon/store/schema.h"
#include "daemon/store/store_internal.h"

#include <sqlite3.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace kintsugi::daemon {
namespace {

using namespace sql;  // NOLINT: the helpers of this file and its siblings

// Reads the first bytes of an existing file without SQLite, so that a file
// that is not SQLite at all is refused before SQLite touches it.
Status CheckHeader(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) || std::filesystem::file_size(path, ec) == 0) {
    return OkStatus();
  }
  std::ifstream in(path, std::ios::binary);
  std::array<char, 16> header{};
  in.read(header.data(), header.size());
  if (in.gcount() != 16 || std::memcmp(header.data(), "SQLite format 3\0", 16) != 0) {
    return MakeError(ErrorCode::kCorrupt, path + " is not a Kintsugi database (not an SQLite file); "
                                                 "it was left untouched");
  }
  return OkStatus();
}

// Inspects an existing file read-only: it must be empty or ours, and not from
// a newer version. Nothing is written.
Status Inspect(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return OkStatus();
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  struct Closer {
    sqlite3* db;
    ~Closer() { sqlite3_close(db); }
  } closer{db};
  if (rc != SQLITE_OK) return SqlError(db, "cannot open " + path);
  auto app_id = PragmaInt(db, "PRAGMA application_id");
  auto version = PragmaInt(db, "PRAGMA user_version");
  auto tables = PragmaInt(db, "SELECT count(*) FROM sqlite_master");
  if (!app_id.ok() || !version.ok() || !tables.ok()) {
    const Error& e = !app_id.ok() ? app_id.error() : !version.ok() ? version.error() : tables.error();
    return MakeError(ErrorCode::kCorrupt,
                     path + " is damaged or not a Kintsugi database (" + e.message +
                         "); it was left untouched");
  }
  if (*app_id == 0 && *tables == 0 && *version == 0) return OkStatus();  // an empty SQLite file
  if (*app_id != kApplicationId) {
    return MakeError(ErrorCode::kCorrupt, path + " belongs to another application; "
                                                 "it was left untouched");
  }
  if (*version > kSchemaVersion) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     path + " was written by a newer Kintsugi (schema " + std::to_string(*version) +
                         "); it was left untouched");
  }
  auto check = PragmaInt(db, "SELECT count(*) FROM meta");
  if (*version >= 1 && !check.ok()) {
    return MakeError(ErrorCode::kCorrupt, path + " is damaged (" + check.error().message +
                                              "); it was left untouched");
  }
  return OkStatus();
}

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::string& path, Durability durability) {
  if (path != ":memory:") {
    KINTSUGI_RETURN_IF_ERROR(CheckHeader(path));
    // Even a read-only look at a WAL-mode file makes SQLite create -wal and
    // -shm beside it; remove them again when the file is refused.
    std::error_code ec;
    bool had_wal = std::filesystem::exists(path + "-wal", ec);
    bool had_shm = std::filesystem::exists(path + "-shm", ec);
    Status inspected = Inspect(path);
    if (!inspected.ok()) {
      if (!had_wal) std::filesystem::remove(path + "-wal", ec);
      if (!had_shm) std::filesystem::remove(path + "-shm", ec);
      return inspected.take_error();
    }
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    Error e = SqlError(db, "cannot open " + path);
    sqlite3_close(db);
    return e;
  }
  std::unique_ptr<Store> store(new Store(db));
  store->path_ = path;
  sqlite3_busy_timeout(db, 2000);
  KINTSUGI_RETURN_IF_ERROR(store->Exec("PRAGMA journal_mode=WAL"));
  KINTSUGI_RETURN_IF_ERROR(store->Exec(durability == Durability::kFull ? "PRAGMA synchronous=FULL"
                                                                       : "PRAGMA synchronous=NORMAL"));
  KINTSUGI_RETURN_IF_ERROR(store->Exec("PRAGMA foreign_keys=ON"));
  KINTSUGI_RETURN_IF_ERROR(store->Exec("PRAGMA secure_delete=ON"));
  KINTSUGI_RETURN_IF_ERROR(store->Exec("PRAGMA recursive_triggers=ON"));
  // The daemon checkpoints when it is idle (CheckpointWhenIdle), so SQLite's
  // own checkpoint at commit is for long bursts (a catch-up) only: one for
  // many commits writes a page of the random id index once, not once a batch.
  KINTSUGI_RETURN_IF_ERROR(store->Exec("PRAGMA wal_autocheckpoint=" + std::to_string(kBurstCheckpointPages)));
  KINTSUGI_RETURN_IF_ERROR(store->Exec("PRAGMA journal_size_limit=" + std::to_string(kWalKeptBytes)));
  // Statement and savepoint journals (every insert that fires a trigger, the
  // fold's savepoint) in memory: in a temporary file they doubled the bytes
  // written per received entry. They hold a transaction's old pages at most.
  KINTSUGI_RETURN_IF_ERROR(store->Exec("PRAGMA temp_store=MEMORY"));
  KINTSUGI_RETURN_IF_ERROR(store->Migrate());
  KINTSUGI_RETURN_IF_ERROR(store->LoadUnmergedIds());
  return store;
}

Store::~Store() {
  // A store closed in the normal way leaves no ids for the next open to read
  // back; one that fails to merge leaves them to it (and a killed daemon,
  // at most kMaxUnmergedIds).
  if (!in_transaction()) (void)MergeIds();
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close(db_);
}

bool Store::checkpoint_due() const { return sqlite3_total_changes64(db_) != checkpointed_changes_; }

Status Store::CheckpointWhenIdle() {
  if (sqlite3_total_changes64(db_) == checkpointed_changes_ || in_transaction()) return OkStatus();
  if (recent_ids_.size() >= kIdleMergeIds) KINTSUGI_RETURN_IF_ERROR(MergeIds());
  const std::int64_t changes = sqlite3_total_changes64(db_);
  KINTSUGI_RETURN_IF_ERROR(Exec("PRAGMA wal_checkpoint(PASSIVE)"));
  checkpointed_changes_ = changes;
  sqlite3_db_release_memory(db_);
  return OkStatus();
}

std::int64_t Store::cache_bytes() const {
  int current = 0;
  int highest = 0;
  sqlite3_db_status(db_, SQLITE_DBSTATUS_CACHE_USED, &current, &highest, 0);
  return current;
}

Status Store::Exec(const std::string& sql) { return Exec(sql.c_str()); }

Status Store::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    Error e = SqlError(db_, "sql failed");
    sqlite3_free(message);
    return e;
  }
  return OkStatus();
}

Result<Store::Prepared> Store::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second.in_use) {
    it->second.in_use = true;
    return Prepared{it->second.stmt, &it->second.in_use};
  }
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
    return SqlError(db_, "prepare");
  }
  if (it != cache_.end()) return Prepared{s, nullptr};  // re-entrant use: a one-off copy
  auto [slot, inserted] = cache_.emplace(sql, CachedStatement{s, true});
  return Prepared{s, &slot->second.in_use};
}

Status Store::Migrate() {
  auto version = PragmaInt(db_, "PRAGMA user_version");
  if (!version.ok()) return version.take_error();
  for (auto v = *version; v < kSchemaVersion; ++v) {
    Status step = InTransaction([&]() -> Status {
      KINTSUGI_RETURN_IF_ERROR(Exec(SchemaMigrations()[static_cast<std::size_t>(v)]));
      std::string bump = "PRAGMA user_version=" + std::to_string(v + 1) +
                         "; PRAGMA application_id=" + std::to_string(kApplicationId);
      return Exec(bump.c_str());
    });
    if (!step.ok()) return step;
  }
  return OkStatus();
}

bool Store::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

Status Store::InTransaction(const std::function<Status()>& body) {
  if (in_transaction()) {
    KINTSUGI_RETURN_IF_ERROR(Exec("SAVEPOINT nested"));
    Status s = body();
    if (!s.ok()) {
      (void)Exec("ROLLBACK TO nested");
      (void)Exec("RELEASE nested");
      ForgetRolledBackIds();
      return s;
    }
    return Exec("RELEASE nested");
  }
  KINTSUGI_RETURN_IF_ERROR(OuterTransaction(body));
  // The write is durable; a merge that fails now keeps its ids in memory
  // and is tried again after the next commit.
  if (recent_ids_.size() >= kMaxUnmergedIds) (void)MergeIds();
  return OkStatus();
}

Status Store::OuterTransaction(const std::function<Status()>& body) {
  KINTSUGI_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  Status done = body();
  if (done.ok()) done = Exec("COMMIT");
  if (!done.ok()) {
    (void)Exec("ROLLBACK");
    ForgetRolledBackIds();
  }
  return done;
}

NewEntry NewEntry::From(const protocol::SealedEntry& sealed) {
  return NewEntry{sealed.id,         sealed.entry.ledger_id, sealed.entry.author,
                  sealed.entry.seq,  sealed.entry.hlc,       sealed.encoded,
                  sealed.key.Encode()};
}

NewEntry NewEntry::From(const protocol::Entry& entry, const protocol::EntryId& id, Bytes bytes,
                        std::optional<Bytes> wrapped_key) {
  return NewEntry{id, entry.ledger_id, entry.author, entry.seq, entry.hlc, std::move(bytes),
                  std::move(wrapped_key)};
}

Result<std::optional<LedgerMeta>> Store::LoadMeta() {
  auto prepared = Prepare("SELECT key, value FROM meta WHERE key IN ('ledger_id', 'self')");
  if (!prepared.ok()) return prepared.take_error();
  Stmt s(*prepared);
  LedgerMeta meta;
  int found = 0;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    std::string key = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    Hash32& target = key == "ledger_id" ? meta.ledger_id : meta.self;
    if (!ColumnHash(s, 1, target)) return MakeError(ErrorCode::kCorrupt, "meta value is damaged");
    ++found;
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "read meta");
  if (found == 0) return std::optional<LedgerMeta>();
  if (found != 2) return MakeError(ErrorCode::kCorrupt, "ledger meta is incomplete");
  return std::optional<LedgerMeta>(meta);
}

Result<protocol::IndexId> Store::IndexId() {
  auto prepared = Prepare("SELECT value FROM meta WHERE key = 'index_id'");
  if (!prepared.ok()) return prepared.take_error();
  Stmt s(*prepared);
  if (sqlite3_step(s) != SQLITE_ROW || sqlite3_column_bytes(s, 0) != 16) {
    return MakeError(ErrorCode::kCorrupt, "the database has no index id");
  }
  protocol::IndexId out{};
  std::memcpy(out.data(), sqlite3_column_blob(s, 0), out.size());
  return out;
}

Status Store::SaveMeta(const LedgerMeta& meta) {
  auto prepared = Prepare("INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)");
  if (!prepared.ok()) return prepared.take_error();
  Stmt s(*prepared);
  for (auto [key, value] : {std::pair{"ledger_id", &meta.ledger_id}, std::pair{"self", &meta.self}}) {
    sqlite3_reset(s);
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    BindBlob(s, 2, *value);
    if (sqlite3_step(s) != SQLITE_DONE) return SqlError(db_, "write meta");
  }
  return OkStatus();
}

Result<std::optional<Bytes>> Store::GetValue(const std::string& key) {
  auto bound = Bound(Prepare("SELECT value FROM meta WHERE key = ?1"), key);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return std::optional<Bytes>();
  if (rc != SQLITE_ROW) return SqlError(db_, "read meta");
  return std::optional<Bytes>(ColumnBlob(s, 0));
}

Status Store::SetValue(const std::string& key, ByteView value) {
  return Run(db_, Prepare("INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)"), "write meta", key, value);
}

Result<std::vector<crypto::PublicKey>> Store::Members(const protocol::LedgerId& ledger) {
  auto bound = Bound(Prepare("SELECT author FROM members WHERE ledger = ?1 ORDER BY author"), ledger);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  std::vector<crypto::PublicKey> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    crypto::PublicKey pk;
    if (!ColumnHash(s, 0, pk)) return MakeError(ErrorCode::kCorrupt, "member key is damaged");
    out.push_back(pk);
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "read members");
  return out;
}

Status Store::AddMember(const protocol::LedgerId& ledger, const crypto::PublicKey& author,
                        std::uint64_t hlc) {
  return Run(db_, Prepare("INSERT OR IGNORE INTO members(ledger, author, added_hlc) VALUES (?1, ?2, ?3)"), "add member",
             ledger, author, hlc);
}

Result<protocol::ChainHead> Store::Head(const protocol::LedgerId& ledger,
                                        const crypto::PublicKey& author) {
  // The first stored entry at the highest seq: after a fork the chain stays
  // on the branch this device had.
  auto bound = Bound(Prepare("SELECT seq, id FROM entries WHERE ledger = ?1 AND author = ?2 "
                             "ORDER BY seq DESC, rowid ASC LIMIT 1"),
                     ledger, author);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  protocol::ChainHead head;
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    head.seq = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
    if (!ColumnHash(s, 1, head.id)) return MakeError(ErrorCode::kCorrupt, "entry id is damaged");
  } else if (rc != SQLITE_DONE) {
    return SqlError(db_, "read chain head");
  }
  return head;
}

Result<std::uint64_t> Store::MaxHlc(const std::optional<crypto::PublicKey>& author,
                                    std::uint64_t at_most) {
  // Without an author: the largest of each author's newest clock, one index
  // step per author on entries_by_author_hlc (a loose index scan), so
  // start-up does not grow with history and no index by clock alone is kept.
  auto prepared = Prepare(
      author ? "SELECT coalesce(max(hlc), 0) FROM entries WHERE author = ?1 AND hlc <= ?2"
             : "WITH RECURSIVE authors(a) AS ("
               "  SELECT (SELECT min(author) FROM entries)"
               "  UNION ALL"
               "  SELECT (SELECT min(author) FROM entries WHERE author > authors.a)"
               "  FROM authors WHERE authors.a IS NOT NULL) "
               "SELECT coalesce(max((SELECT max(hlc) FROM entries WHERE author = authors.a AND hlc <= ?2)), 0) "
               "FROM authors WHERE a IS NOT NULL");
  if (!prepared.ok()) return prepared.take_error();
  Stmt s(*prepared);
  if (author) BindBlob(s, 1, *author);
  sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(std::min<std::uint64_t>(at_most, INT64_MAX)));
  if (sqlite3_step(s) != SQLITE_ROW) return SqlError(db_, "read clock");
  return static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
}

Result<std::int64_t> Store::CountEntries(const protocol::LedgerId& ledger) {
  auto bound = Bound(Prepare("SELECT coalesce((SELECT entries FROM ledger_stats WHERE ledger = ?1), 0)"), ledger);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  if (sqlite3_step(s) != SQLITE_ROW) return SqlError(db_, "count entries");
  return static_cast<std::int64_t>(sqlite3_column_int64(s, 0));
}

Status Store::InsertEntry(const NewEntry& entry) {
  auto prepared = Prepare(
      "INSERT INTO entries(id, ledger, author, seq, hlc, bytes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!prepared.ok()) return prepared.take_error();
  {
    Stmt s(*prepared);
    BindBlob(s, 1, entry.id);
    BindBlob(s, 2, entry.ledger);
    BindBlob(s, 3, entry.author);
    sqlite3_bind_int64(s, 4, static_cast<sqlite3_int64>(entry.seq));
    sqlite3_bind_int64(s, 5, static_cast<sqlite3_int64>(entry.hlc));
    BindBlob(s, 6, entry.bytes);
    if (sqlite3_step(s) != SQLITE_DONE) return SqlError(db_, "insert entry");
  }
  const sqlite3_int64 rowid = sqlite3_last_insert_rowid(db_);
  recent_ids_.emplace(entry.id, rowid);
  if (!entry.wrapped_key) return OkStatus();
  auto key_stmt = Prepare("INSERT INTO entry_keys(entry_rowid, wrapped) VALUES (?1, ?2)");
  if (!key_stmt.ok()) return key_stmt.take_error();
  Stmt k(*key_stmt);
  sqlite3_bind_int64(k, 1, rowid);
  BindBlob(k, 2, *entry.wrapped_key);
  if (sqlite3_step(k) != SQLITE_DONE) return SqlError(db_, "insert entry key");
  return OkStatus();
}

Status Store::AddFork(const Fork& fork) {
  return Run(db_,
             Prepare("INSERT OR IGNORE INTO forks(ledger, author, seq, first_id, second_id, detected_hlc) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
             "record fork", fork.ledger, fork.author, fork.seq, fork.first_id, fork.second_id, fork.detected_hlc);
}

Result<std::vector<Fork>> Store::Forks(const protocol::LedgerId& ledger) {
  auto bound = Bound(Prepare("SELECT author, seq, first_id, second_id, detected_hlc FROM forks WHERE ledger = ?1 "
                             "ORDER BY author, seq"),
                     ledger);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  std::vector<Fork> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    Fork f;
    f.ledger = ledger;
    f.seq = static_cast<std::uint64_t>(sqlite3_column_int64(s, 1));
    f.detected_hlc = static_cast<std::uint64_t>(sqlite3_column_int64(s, 4));
    if (!ColumnHash(s, 0, f.author) || !ColumnHash(s, 2, f.first_id) || !ColumnHash(s, 3, f.second_id)) {
      return MakeError(ErrorCode::kCorrupt, "fork record is damaged");
    }
    out.push_back(f);
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "read forks");
  return out;
}

Status Store::SavePeer(const PeerRecord& peer) {
  return Run(db_,
             Prepare("INSERT INTO peers(author, address, last_seen_ms, last_sync_ms) VALUES (?1, ?2, ?3, ?4) "
                     "ON CONFLICT(author) DO UPDATE SET address = excluded.address, "
                     "last_seen_ms = excluded.last_seen_ms, last_sync_ms = excluded.last_sync_ms"),
             "save peer", peer.author, peer.address, peer.last_seen_ms, peer.last_sync_ms);
}

Result<std::vector<PeerRecord>> Store::Peers() {
  auto prepared = Prepare("SELECT author, coalesce(address, ''), last_seen_ms, last_sync_ms FROM peers");
  if (!prepared.ok()) return prepared.take_error();
  Stmt s(*prepared);
  std::vector<PeerRecord> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    PeerRecord p;
    if (!ColumnHash(s, 0, p.author)) return MakeError(ErrorCode::kCorrupt, "peer key is damaged");
    p.address = reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
    p.last_seen_ms = static_cast<std::uint64_t>(sqlite3_column_int64(s, 2));
    p.last_sync_ms = static_cast<std::uint64_t>(sqlite3_column_int64(s, 3));
    out.push_back(std::move(p));
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "read peers");
  return out;
}


Result<std::vector<StoredEntry>> Store::Latest(const protocol::LedgerId& ledger, std::size_t limit,
                                               std::optional<std::int64_t> before) {
  std::string sql = std::string(kEntryColumns) +
                    // `+e.ledger`: walk the rowids backwards, not the whole ledger's index.
                    "WHERE +e.ledger = ?3 AND e.rowid < ?1 ORDER BY e.rowid DESC LIMIT ?2";
  auto bound = Bound(Prepare(sql), before.value_or(INT64_MAX), limit, ledger);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  return CollectRows<StoredEntry>(db_, s, "read entries", ReadRow);
}

Result<std::optional<StoredEntry>> Store::FindInChain(const protocol::LedgerId& ledger,
                                                      const crypto::PublicKey& author,
                                                      std::uint64_t seq) {
  std::string sql = std::string(kEntryColumns) +
                    "WHERE e.ledger = ?3 AND e.author = ?1 AND e.seq = ?2 ORDER BY e.rowid LIMIT 1";
  auto bound = Bound(Prepare(sql), author, seq, ledger);
  if (!bound.ok()) return bound.take_error();
  return OneEntryRow(db_, *bound);
}

Result<std::vector<StoredEntry>> Store::ChainAfter(const protocol::LedgerId& ledger,
                                                   const crypto::PublicKey& author,
                                                   std::uint64_t after_seq, std::size_t limit,
                                                   std::size_t max_bytes) {
  std::string sql = std::string(kEntryColumns) +
                    "WHERE e.ledger = ?1 AND e.author = ?2 AND e.seq > ?3 "
                    "ORDER BY e.seq, e.rowid LIMIT ?4";
  auto bound = Bound(Prepare(sql), ledger, author, after_seq, limit);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  std::vector<StoredEntry> out;
  std::size_t bytes = 0;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    auto row = ReadRow(s);
    if (!row.ok()) return row.take_error();
    bytes += row->bytes.size();
    if (!out.empty() && bytes > max_bytes) return out;
    out.push_back(std::move(row).value());
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "read chain");
  return out;
}

Status Store::ForEachByChain(const protocol::LedgerId& ledger,
                             const std::function<Status(const StoredEntry&)>& visit) {
  std::string sql = std::string(kEntryColumns) + "WHERE e.ledger = ?1 ORDER BY e.author, e.seq, e.rowid";
  auto bound = Bound(Prepare(sql), ledger);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    auto row = ReadRow(s);
    if (!row.ok()) return row.take_error();
    KINTSUGI_RETURN_IF_ERROR(visit(*row));
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "read entries");
  return OkStatus();
}

}  // namespace kintsugi::daemon
