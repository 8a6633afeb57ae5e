// Store: the index of entry ids (see store.h). The ids of new entries are
// held in memory and merged into entry_ids in sorted steps; the entries are
// the index's truth, and CheckIds / RebuildIds hold it to them.
#include "daemon/store/store.h"
#include "daemon/store/store_internal.h"

namespace kintsugi::daemon {

using namespace sql;  // NOLINT: the helpers shared by Store's files

namespace {

// The entries after the merged ones (?1: entry_ids_merged.upto): their ids
// are held in memory, not in entry_ids.
constexpr const char* kUnmergedIds = "SELECT id, rowid FROM entries WHERE rowid > ?1";

}  // namespace

std::size_t Store::IdHash::operator()(const protocol::EntryId& id) const {
  return static_cast<std::size_t>(crypto::ShortHash(id, key));
}

Status Store::LoadUnmergedIds() {
  auto upto = PragmaInt(db_, "SELECT upto FROM entry_ids_merged");
  if (!upto.ok()) return upto.take_error();
  recent_ids_.clear();
  ids_merged_upto_ = *upto;
  auto unmerged = Bound(Prepare(kUnmergedIds), ids_merged_upto_);
  if (!unmerged.ok()) return unmerged.take_error();
  return ForEachRow(db_, *unmerged, "read the ids not yet merged", [&](sqlite3_stmt* row) -> Status {
    protocol::EntryId id;
    if (!ColumnHash(row, 0, id)) return MakeError(ErrorCode::kCorrupt, "entry id is damaged");
    recent_ids_.emplace(id, sqlite3_column_int64(row, 1));
    return OkStatus();
  });
}

Result<std::int64_t> Store::NewestRowid() { return PragmaInt(db_, "SELECT coalesce(max(rowid), 0) FROM entries"); }

void Store::ForgetRolledBackIds() {
  auto newest = NewestRowid();
  if (newest.ok()) {
    std::erase_if(recent_ids_, [&](const auto& id_rowid) { return id_rowid.second > *newest; });
    return;
  }
  // Which rows remain is unknown, and a rowid taken back is given to the
  // next entry: no id may stay held for a row it might not name. Read them
  // again, or hold none (lookups miss them) until the next open can.
  if (!LoadUnmergedIds().ok()) recent_ids_ = IdMap(0, recent_ids_.hash_function());
}

Result<std::int64_t> Store::MergeIdsUpToNewest(std::int64_t after) {
  auto newest = NewestRowid();
  if (!newest.ok()) return newest;
  // The entries are the truth and entry_ids is derived from them: a row
  // already there (a file edited by hand) is replaced, not a merge stuck.
  KINTSUGI_RETURN_IF_ERROR(Run(db_,
                               Prepare("INSERT OR REPLACE INTO entry_ids(id, entry_rowid) "
                                       "SELECT id, rowid FROM entries WHERE rowid > ?1 AND rowid <= ?2 ORDER BY id"),
                               "merge entry ids", after, *newest));
  KINTSUGI_RETURN_IF_ERROR(
      Run(db_, Prepare("UPDATE entry_ids_merged SET upto = ?1"), "mark entry ids merged", *newest));
  return newest;
}

Status Store::MergeIds() {
  if (recent_ids_.empty() || in_transaction()) return OkStatus();
  std::int64_t newest = ids_merged_upto_;
  // Its own transaction, not InTransaction's: that one merges after a commit
  // that leaves too many ids waiting, and this commit would be one.
  KINTSUGI_RETURN_IF_ERROR(OuterTransaction([&]() -> Status {
    auto merged = MergeIdsUpToNewest(ids_merged_upto_);
    if (!merged.ok()) return merged.take_error();
    newest = *merged;
    return OkStatus();
  }));
  ids_merged_upto_ = newest;
  // A fresh map gives its buckets back, where clear() would keep them.
  std::erase_if(recent_ids_, [&](const auto& id_rowid) { return id_rowid.second <= newest; });
  if (recent_ids_.empty()) recent_ids_ = IdMap(0, recent_ids_.hash_function());
  return OkStatus();
}

Result<std::int64_t> Store::CheckIds() {
  if (in_transaction()) return MakeError(ErrorCode::kFailedPrecondition, "the index of ids is checked outside a write");
  std::int64_t wrong = 0;
  // Merged entries the index misses or names another row for, then rows of
  // the index that name no entry (or one past the merged ones).
  for (const char* sql : {"SELECT count(*) FROM entries x WHERE x.rowid <= ?1 AND NOT EXISTS "
                          "(SELECT 1 FROM entry_ids i WHERE i.id = x.id AND i.entry_rowid = x.rowid)",
                          "SELECT count(*) FROM entry_ids i WHERE i.entry_rowid > ?1 OR NOT EXISTS "
                          "(SELECT 1 FROM entries x WHERE x.rowid = i.entry_rowid AND x.id = i.id)"}) {
    auto bound = Bound(Prepare(sql), ids_merged_upto_);
    if (!bound.ok()) return bound.take_error();
    Stmt s = std::move(bound).value();
    if (sqlite3_step(s) != SQLITE_ROW) return SqlError(db_, "check the index of ids");
    wrong += sqlite3_column_int64(s, 0);
  }
  // The entries after the merged ones are the ids held in memory, exactly.
  auto unmerged = Bound(Prepare(kUnmergedIds), ids_merged_upto_);
  if (!unmerged.ok()) return unmerged.take_error();
  std::size_t held = 0;
  KINTSUGI_RETURN_IF_ERROR(ForEachRow(db_, *unmerged, "check the ids held in memory", [&](sqlite3_stmt* row) {
    protocol::EntryId id;
    auto it = ColumnHash(row, 0, id) ? recent_ids_.find(id) : recent_ids_.end();
    if (it != recent_ids_.end() && it->second == sqlite3_column_int64(row, 1)) {
      ++held;
    } else {
      ++wrong;
    }
    return OkStatus();
  }));
  return wrong + static_cast<std::int64_t>(recent_ids_.size() - held);
}

Status Store::RebuildIds() {
  if (in_transaction()) return MakeError(ErrorCode::kFailedPrecondition, "the index of ids is rebuilt outside a write");
  std::int64_t newest = 0;
  KINTSUGI_RETURN_IF_ERROR(OuterTransaction([&]() -> Status {
    KINTSUGI_RETURN_IF_ERROR(Exec("DELETE FROM entry_ids"));
    auto merged = MergeIdsUpToNewest(0);
    if (!merged.ok()) return merged.take_error();
    newest = *merged;
    return OkStatus();
  }));
  ids_merged_upto_ = newest;
  recent_ids_ = IdMap(0, recent_ids_.hash_function());
  return OkStatus();
}

Result<bool> Store::HasEntry(const protocol::EntryId& id) {
  auto rowid = RowidOf(id);
  if (!rowid.ok()) return rowid.take_error();
  return rowid->has_value();
}

Result<std::optional<std::int64_t>> Store::RowidOf(const protocol::EntryId& id) {
  if (auto it = recent_ids_.find(id); it != recent_ids_.end()) return std::optional<std::int64_t>(it->second);
  auto bound = Bound(Prepare("SELECT entry_rowid FROM entry_ids WHERE id = ?1"), id);
  if (!bound.ok()) return bound.take_error();
  Stmt s = std::move(bound).value();
  int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return std::optional<std::int64_t>();
  if (rc != SQLITE_ROW) return SqlError(db_, "look up entry");
  return std::optional<std::int64_t>(sqlite3_column_int64(s, 0));
}

}  // namespace kintsugi::daemon
