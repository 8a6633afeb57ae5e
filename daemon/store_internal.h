// SQLite helpers shared by the files that implement Store (store.cc,
// store_ids.cc, store_views.cc, store_backup.cc). Not for anyone else: only
// Store's files include <sqlite3.h>.
#pragma once

#include <sqlite3.h>

#include <cstring>
#include <string>
#include <vector>

#include "daemon/store.h"

namespace kintsugi::daemon {

// A prepared statement for one use: a cached one is reset and handed back to
// the cache afterwards, an uncached one is finalised.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  explicit Stmt(const Store::Prepared& p) : s_(p.stmt), in_use_(p.in_use) {}
  ~Stmt() {
    if (in_use_ == nullptr) {
      sqlite3_finalize(s_);
    } else {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
      *in_use_ = false;
    }
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  sqlite3_stmt* get() const { return s_; }
  operator sqlite3_stmt*() const { return s_; }  // NOLINT

 private:
  sqlite3_stmt* s_;
  bool* in_use_ = nullptr;
};

namespace sql {

inline Error SqlError(sqlite3* db, const std::string& what) {
  int code = sqlite3_errcode(db);
  ErrorCode ec = (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) ? ErrorCode::kCorrupt
                 : code == SQLITE_BUSY                             ? ErrorCode::kBusy
                                                                   : ErrorCode::kIo;
  return MakeError(ec, what + ": " + sqlite3_errmsg(db));
}

// The one integer the first row of `sql` holds.
inline Result<std::int64_t> PragmaInt(sqlite3* db, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) return SqlError(db, sql);
  Stmt s(raw);
  if (sqlite3_step(s) != SQLITE_ROW) return SqlError(db, sql);
  return static_cast<std::int64_t>(sqlite3_column_int64(s, 0));
}

inline void BindBlob(sqlite3_stmt* s, int index, ByteView bytes) {
  // An empty span may have a null data pointer, which SQLite binds as NULL.
  if (bytes.empty()) {
    sqlite3_bind_zeroblob(s, index, 0);
    return;
  }
  sqlite3_bind_blob(s, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
}

inline Bytes ColumnBlob(sqlite3_stmt* s, int col) {
  const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s, col));
  return Bytes(p, p + sqlite3_column_bytes(s, col));
}

inline bool ColumnHash(sqlite3_stmt* s, int col, Hash32& out) {
  if (sqlite3_column_bytes(s, col) != 32) return false;
  std::memcpy(out.data(), sqlite3_column_blob(s, col), 32);
  return true;
}

inline constexpr const char* kEntryColumns =
    "SELECT e.rowid, e.id, e.bytes, k.wrapped FROM entries e "
    "LEFT JOIN entry_keys k ON k.entry_rowid = e.rowid ";

inline Result<StoredEntry> ReadRow(sqlite3_stmt* s) {
  StoredEntry row;
  row.rowid = sqlite3_column_int64(s, 0);
  if (!ColumnHash(s, 1, row.id)) {
    return MakeError(ErrorCode::kCorrupt, "entry " + std::to_string(row.rowid) + " has a damaged id");
  }
  row.bytes = ColumnBlob(s, 2);
  if (sqlite3_column_type(s, 3) != SQLITE_NULL) row.wrapped_key = ColumnBlob(s, 3);
  return row;
}

// Steps `s` to the end, reading each row with `read` (which returns a
// Result<T>); stops at the first row that does not read.
template <typename T, typename Read>
Result<std::vector<T>> CollectRows(sqlite3* db, sqlite3_stmt* s, const char* what, Read read) {
  std::vector<T> out;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    Result<T> row = read(s);
    if (!row.ok()) return row.take_error();
    out.push_back(std::move(row).value());
  }
  if (rc != SQLITE_DONE) return SqlError(db, what);
  return out;
}

}  // namespace sql
}  // namespace kintsugi::daemon
