// Store: the tables behind the views, and private notes (see store.h).
#include "daemon/store/store.h"
#include "daemon/store/store_internal.h"

namespace kintsugi::daemon {
namespace {

using namespace sql;  // NOLINT: the helpers shared by Store's files

// "(stamp, author) > (?, ?)" for a bound key; sqlite compares blobs bytewise.
constexpr const char* kAfterKey = "(stamp > ?2 OR (stamp = ?2 AND author > ?3))";
constexpr const char* kBeforeKey = "(stamp < ?2 OR (stamp = ?2 AND author < ?3))";

void BindKey(sqlite3_stmt* s, const std::optional<TimelineKey>& key, bool low) {
  if (key) {
    sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(key->first));
    BindBlob(s, 3, key->second);
  } else if (low) {
    sqlite3_bind_int64(s, 2, -1);  // before every row
    BindBlob(s, 3, crypto::PublicKey{});
  } else {
    sqlite3_bind_int64(s, 2, INT64_MAX);  // after every row
    crypto::PublicKey top;
    top.fill(0xff);
    BindBlob(s, 3, top);
  }
}

Result<TimelineRow> ReadTimelineRow(sqlite3_stmt* s) {
  TimelineRow row;
  row.entry_rowid = sqlite3_column_int64(s, 0);
  row.stamp = static_cast<std::uint64_t>(sqlite3_column_int64(s, 1));
  if (!ColumnHash(s, 2, row.author)) return MakeError(ErrorCode::kCorrupt, "a timeline row has a damaged author");
  row.effect = ColumnBlob(s, 3);
  return row;
}

}  // namespace

Result<std::optional<StoredEntry>> Store::EntryByRowid(std::int64_t rowid) {
  auto bound = Bound(Prepare(std::string(kEntryColumns) + "WHERE e.rowid = ?1"), rowid);
  if (!bound.ok()) return bound.take_error();
  return OneEntryRow(db_, *bound);
}

Result<std::vector<StoredEntry>> Store::EntriesAfterRowid(const protocol::LedgerId& ledger,
                                                          std::int64_t after, std::size_t limit) {
  auto bound = Bound(Prepare(std::string(kEntryColumns) +
                             // `+e.ledger`: walk the rowids; the (ledger, ...) index would
                             // read the whole ledger and sort it on every call.
                             "WHERE +e.ledger = ?1 AND e.rowid > ?2 ORDER BY e.rowid LIMIT ?3"),
                     ledger, after, limit);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  return CollectRows<StoredEntry>(db_, s, "read new entries", ReadRow);
}

Status Store::InsertTimeline(const protocol::LedgerId& ledger, const TimelineRow& row) {
  return Run(db_,
             Prepare("INSERT INTO timeline(entry_rowid, ledger, stamp, author, effect) VALUES (?1, ?2, ?3, ?4, ?5)"),
             "insert timeline row", row.entry_rowid, ledger, row.stamp, row.author, row.effect);
}

Result<std::optional<TimelinePlace>> Store::FindInTimeline(const protocol::LedgerId& ledger,
                                                           const protocol::EntryId& id) {
  auto rowid = RowidOf(id);
  if (!rowid.ok()) return rowid.take_error();
  if (!rowid->has_value()) return std::optional<TimelinePlace>();
  auto bound = Bound(Prepare("SELECT t.entry_rowid, t.stamp, t.author, e.seq FROM entries e "
                             "JOIN timeline t ON t.entry_rowid = e.rowid WHERE e.rowid = ?1 AND t.ledger = ?2"),
                     **rowid, ledger);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return std::optional<TimelinePlace>();
  if (rc != SQLITE_ROW) return SqlError(db_, "find in timeline");
  TimelinePlace place;
  place.entry_rowid = sqlite3_column_int64(s, 0);
  place.stamp = static_cast<std::uint64_t>(sqlite3_column_int64(s, 1));
  if (!ColumnHash(s, 2, place.author)) return MakeError(ErrorCode::kCorrupt, "a timeline row has a damaged author");
  place.seq = static_cast<std::uint64_t>(sqlite3_column_int64(s, 3));
  return std::optional<TimelinePlace>(place);
}

Result<std::vector<TimelineRow>> Store::TimelineAfter(const protocol::LedgerId& ledger,
                                                      const std::optional<TimelineKey>& after) {
  auto bound = Bound(Prepare(std::string("SELECT entry_rowid, stamp, author, effect FROM timeline "
                                         "WHERE ledger = ?1 AND ") +
                             kAfterKey + " ORDER BY stamp, author"),
                     ledger);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  BindKey(s, after, /*low=*/true);
  return CollectRows<TimelineRow>(db_, s, "read timeline", ReadTimelineRow);
}

Status Store::DeleteTimelineAfter(const protocol::LedgerId& ledger, const std::optional<TimelineKey>& after) {
  auto bound = Bound(Prepare(std::string("DELETE FROM timeline WHERE ledger = ?1 AND ") + kAfterKey), ledger);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  BindKey(s, after, /*low=*/true);
  if (sqlite3_step(s) != SQLITE_DONE) return SqlError(db_, "rewind timeline");
  return OkStatus();
}

Result<std::vector<TimelineRow>> Store::TimelineBefore(const protocol::LedgerId& ledger,
                                                       const std::optional<TimelineKey>& before,
                                                       std::uint64_t from_hlc, std::uint64_t to_hlc,
                                                       const std::optional<crypto::PublicKey>& author,
                                                       std::size_t limit) {
  // Days are the author's: the entry's own clock, not its causal stamp.
  auto bound = Bound(Prepare("SELECT t.entry_rowid, t.stamp, t.author, t.effect FROM timeline t "
                             "JOIN entries e ON e.rowid = t.entry_rowid WHERE t.ledger = ?1 AND "
                             "(t.stamp < ?2 OR (t.stamp = ?2 AND t.author < ?3)) "
                             "AND e.hlc >= ?4 AND e.hlc <= ?5 AND (?6 IS NULL OR t.author = ?6) "
                             "ORDER BY t.stamp DESC, t.author DESC LIMIT ?7"),
                     ledger);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  BindKey(s, before, /*low=*/false);
  sqlite3_bind_int64(s, 4, static_cast<sqlite3_int64>(std::min<std::uint64_t>(from_hlc, INT64_MAX)));
  sqlite3_bind_int64(s, 5, static_cast<sqlite3_int64>(std::min<std::uint64_t>(to_hlc, INT64_MAX)));
  if (author) BindBlob(s, 6, *author);
  sqlite3_bind_int64(s, 7, static_cast<sqlite3_int64>(limit));
  return CollectRows<TimelineRow>(db_, s, "read timeline page", ReadTimelineRow);
}

Result<std::optional<TimelineRow>> Store::TimelineRowOf(std::int64_t entry_rowid) {
  auto bound =
      Bound(Prepare("SELECT entry_rowid, stamp, author, effect FROM timeline WHERE entry_rowid = ?1"), entry_rowid);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return std::optional<TimelineRow>();
  if (rc != SQLITE_ROW) return SqlError(db_, "read timeline row");
  auto row = ReadTimelineRow(s);
  if (!row.ok()) return row.take_error();
  return std::optional<TimelineRow>(std::move(row).value());
}

Status Store::SaveViewState(const protocol::LedgerId& ledger, const ViewState& state) {
  return Run(db_, Prepare("INSERT OR REPLACE INTO view_states(ledger, stamp, author, state) VALUES (?1, ?2, ?3, ?4)"),
             "save view state", ledger, state.stamp, state.author, state.sealed);
}

Result<std::optional<ViewState>> Store::LatestViewState(const protocol::LedgerId& ledger,
                                                        const std::optional<TimelineKey>& before) {
  auto bound = Bound(Prepare(std::string("SELECT stamp, author, state FROM view_states WHERE ledger = ?1 AND ") +
                             kBeforeKey + " ORDER BY stamp DESC, author DESC LIMIT 1"),
                     ledger);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  BindKey(s, before, /*low=*/false);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return std::optional<ViewState>();
  if (rc != SQLITE_ROW) return SqlError(db_, "read view state");
  ViewState state;
  state.stamp = static_cast<std::uint64_t>(sqlite3_column_int64(s, 0));
  if (!ColumnHash(s, 1, state.author)) return MakeError(ErrorCode::kCorrupt, "a saved view has a damaged key");
  state.sealed = ColumnBlob(s, 2);
  return std::optional<ViewState>(std::move(state));
}

Status Store::DeleteViewStatesAfter(const protocol::LedgerId& ledger, const std::optional<TimelineKey>& after) {
  auto bound = Bound(Prepare(std::string("DELETE FROM view_states WHERE ledger = ?1 AND ") + kAfterKey), ledger);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  BindKey(s, after, /*low=*/true);
  if (sqlite3_step(s) != SQLITE_DONE) return SqlError(db_, "rewind view states");
  return OkStatus();
}

Status Store::DeleteViewState(const protocol::LedgerId& ledger, const TimelineKey& key) {
  auto bound = Bound(Prepare("DELETE FROM view_states WHERE ledger = ?1 AND stamp = ?2 AND author = ?3"), ledger);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  BindKey(s, key, /*low=*/true);
  if (sqlite3_step(s) != SQLITE_DONE) return SqlError(db_, "delete view state");
  return OkStatus();
}

Status Store::PruneViewStates(const protocol::LedgerId& ledger, std::size_t keep) {
  return Run(db_,
             Prepare("DELETE FROM view_states WHERE ledger = ?1 AND rowid NOT IN (SELECT rowid FROM view_states "
                     "WHERE ledger = ?1 ORDER BY stamp DESC, author DESC LIMIT ?2)"),
             "prune view states", ledger, keep);
}

Status Store::ResetViews(const protocol::LedgerId& ledger) {
  for (const char* table : {"timeline", "view_states", "view_waiting"}) {
    KINTSUGI_RETURN_IF_ERROR(
        Run(db_, Prepare(std::string("DELETE FROM ") + table + " WHERE ledger = ?1"), "reset views", ledger));
  }
  return SetFoldedRowid(ledger, 0);
}

Result<std::int64_t> Store::FoldedRowid(const protocol::LedgerId& ledger) {
  auto bound = Bound(Prepare("SELECT folded_rowid FROM ledger_stats WHERE ledger = ?1"), ledger);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return std::int64_t{0};
  if (rc != SQLITE_ROW) return SqlError(db_, "read view progress");
  return static_cast<std::int64_t>(sqlite3_column_int64(s, 0));
}

Status Store::SetFoldedRowid(const protocol::LedgerId& ledger, std::int64_t rowid) {
  return Run(db_,
             Prepare("INSERT INTO ledger_stats(ledger, entries, folded_rowid) VALUES (?1, 0, ?2) "
                     "ON CONFLICT(ledger) DO UPDATE SET folded_rowid = excluded.folded_rowid"),
             "save view progress", ledger, rowid);
}

Result<std::vector<std::int64_t>> Store::WaitingEntries(const protocol::LedgerId& ledger) {
  auto bound = Bound(Prepare("SELECT entry_rowid FROM view_waiting WHERE ledger = ?1 ORDER BY entry_rowid"), ledger);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  std::vector<std::int64_t> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) out.push_back(sqlite3_column_int64(s, 0));
  if (rc != SQLITE_DONE) return SqlError(db_, "read waiting entries");
  return out;
}

Status Store::SetWaiting(const protocol::LedgerId& ledger, std::int64_t entry_rowid, bool waiting) {
  return Run(db_,
             Prepare(waiting ? "INSERT OR IGNORE INTO view_waiting(entry_rowid, ledger) VALUES (?1, ?2)"
                             : "DELETE FROM view_waiting WHERE entry_rowid = ?1 AND ledger = ?2"),
             "mark waiting entry", entry_rowid, ledger);
}

Status Store::Withdraw(std::int64_t entry_rowid, std::int64_t by_rowid) {
  {
    KINTSUGI_RETURN_IF_ERROR(
        Run(db_, Prepare("DELETE FROM entry_keys WHERE entry_rowid = ?1"), "destroy entry key", entry_rowid));
  }
  return Run(db_, Prepare("INSERT OR IGNORE INTO withdrawn(entry_rowid, by_rowid) VALUES (?1, ?2)"),
             "record withdrawal", entry_rowid, by_rowid);
}

Result<bool> Store::IsWithdrawn(std::int64_t entry_rowid) {
  auto bound = Bound(Prepare("SELECT 1 FROM withdrawn WHERE entry_rowid = ?1"), entry_rowid);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  int rc = sqlite3_step(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return SqlError(db_, "read withdrawals");
  return rc == SQLITE_ROW;
}

Result<std::set<std::int64_t>> Store::WithdrawnRows() {
  auto prepared = Prepare("SELECT entry_rowid FROM withdrawn");
  if (!prepared.ok()) return prepared.take_error();
  Stmt s(*prepared);
  std::set<std::int64_t> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) out.insert(sqlite3_column_int64(s, 0));
  if (rc != SQLITE_DONE) return SqlError(db_, "read withdrawals");
  return out;
}

Status Store::CheckpointAndTruncate() { return Exec("PRAGMA wal_checkpoint(TRUNCATE)"); }

Result<std::int64_t> Store::AddNote(std::uint64_t created_ms, ByteView sealed) {
  KINTSUGI_RETURN_IF_ERROR(
      Run(db_, Prepare("INSERT INTO notes(created_ms, sealed) VALUES (?1, ?2)"), "add note", created_ms, sealed));
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
}

Result<std::vector<NoteRow>> Store::Notes() {
  auto prepared = Prepare("SELECT id, created_ms, sealed FROM notes ORDER BY id DESC");
  if (!prepared.ok()) return prepared.take_error();
  Stmt s(*prepared);
  std::vector<NoteRow> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    out.push_back(NoteRow{sqlite3_column_int64(s, 0), static_cast<std::uint64_t>(sqlite3_column_int64(s, 1)),
                          ColumnBlob(s, 2)});
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "read notes");
  return out;
}

Result<bool> Store::DeleteNote(std::int64_t id) {
  KINTSUGI_RETURN_IF_ERROR(Run(db_, Prepare("DELETE FROM notes WHERE id = ?1"), "delete note", id));
  return sqlite3_changes(db_) > 0;
}

}  // namespace kintsugi::daemon
