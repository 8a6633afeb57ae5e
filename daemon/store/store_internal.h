// SQLite helpers shared by the files that implement Store (store.cc,
// store_ids.cc, store_views.cc, store_backup.cc). Not for anyone else: only
// Store's files include <sqlite3.h>.
#pragma once

#include <sqlite3.h>

#include <concepts>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "daemon/store/store.h"

namespace kintsugi::daemon {

// A prepared statement for one use: a cached one is reset and handed back to
// the cache afterwards, an uncached one is finalised.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* s) : s_(s) {}
  explicit Stmt(const Store::Prepared& p) : s_(p.stmt), in_use_(p.in_use) {}
  ~Stmt() {
    if (s_ == nullptr) return;  // moved from
    if (in_use_ == nullptr) {
      sqlite3_finalize(s_);
    } else {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
      *in_use_ = false;
    }
  }
  Stmt(Stmt&& other) noexcept : s_(std::exchange(other.s_, nullptr)), in_use_(std::exchange(other.in_use_, nullptr)) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  sqlite3_stmt* get() const { return s_; }
  operator sqlite3_stmt*() const { return s_; }  // NOLINT

 private:
  sqlite3_stmt* s_;
  bool* in_use_ = nullptr;
};

namespace sql {

inline Error SqlError(sqlite3* db, const std::string& what) {
  int code = sqlite3_errcode(db);
  // What a person can act on, without the statement that met it.
  if (code == SQLITE_FULL) return MakeError(ErrorCode::kIo, "the disk is full: free some space and try again");
  if ((code & 0xff) == SQLITE_IOERR) {
    return MakeError(ErrorCode::kIo, std::string("the disk failed to read or write the ledger (") +
                                         sqlite3_errmsg(db) + "): check the disk, then try again");
  }
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

// One value for parameter ?i: an integer, bytes as a blob, text.
template <std::integral T>
void Bind(sqlite3_stmt* s, int i, T value) {
  sqlite3_bind_int64(s, i, static_cast<sqlite3_int64>(value));
}
inline void Bind(sqlite3_stmt* s, int i, ByteView bytes) { BindBlob(s, i, bytes); }
inline void Bind(sqlite3_stmt* s, int i, const std::string& text) {
  sqlite3_bind_text(s, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

// The statement `prepared` (Store::Prepare's, whose failure passes through)
// with `args` bound to ?1, ?2, ... in order.
// (Store::Prepared is Store's own: its name is deduced here, not spelled.)
template <typename Prepared, typename... Args>
Result<Stmt> Bound(Result<Prepared> prepared, const Args&... args) {
  if (!prepared.ok()) return prepared.take_error();
  Stmt s(*prepared);
  int i = 0;
  (Bind(s.get(), ++i, args), ...);
  return s;
}

// Runs a statement that returns no rows: bound as Bound() binds, stepped
// once; `what` names it in the error.
template <typename Prepared, typename... Args>
Status Run(sqlite3* db, Result<Prepared> prepared, const char* what, const Args&... args) {
  auto s = Bound(std::move(prepared), args...);
  if (!s.ok()) return s.take_error();
  if (sqlite3_step(*s) != SQLITE_DONE) return SqlError(db, what);
  return OkStatus();
}

// Steps `s` to the end, handing each row to `each` (which returns a Status
// and stops the walk with an error).
template <typename Each>
Status ForEachRow(sqlite3* db, sqlite3_stmt* s, const char* what, Each each) {
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) KINTSUGI_RETURN_IF_ERROR(each(s));
  if (rc != SQLITE_DONE) return SqlError(db, what);
  return OkStatus();
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

// The entry `s` (a query of kEntryColumns) finds first, if any.
inline Result<std::optional<StoredEntry>> OneEntryRow(sqlite3* db, sqlite3_stmt* s) {
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return std::optional<StoredEntry>();
  if (rc != SQLITE_ROW) return SqlError(db, "read entry");
  auto row = ReadRow(s);
  if (!row.ok()) return row.take_error();
  return std::optional<StoredEntry>(std::move(row).value());
}

// Steps `s` to the end, reading each row with `read` (which returns a
// Result<T>); stops at the first row that does not read.
template <typename T, typename Read>
Result<std::vector<T>> CollectRows(sqlite3* db, sqlite3_stmt* s, const char* what, Read read) {
  std::vector<T> out;
  KINTSUGI_RETURN_IF_ERROR(ForEachRow(db, s, what, [&](sqlite3_stmt* row) -> Status {
    Result<T> read_row = read(row);
    if (!read_row.ok()) return read_row.take_error();
    out.push_back(std::move(read_row).value());
    return OkStatus();
  }));
  return out;
}

}  // namespace sql
}  // namespace kintsugi::daemon
