// Store: a consistent image of the database for a backup (see store.h).
#include "daemon/store/store_internal.h"

namespace kintsugi::daemon {

using namespace sql;  // NOLINT: the helpers shared by Store's files

Result<Bytes> Store::Snapshot() {
  sqlite3* copy = nullptr;
  if (sqlite3_open_v2(":memory:", &copy, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    sqlite3_close(copy);
    return MakeError(ErrorCode::kIo, "cannot open memory for the backup");
  }
  struct Closer {
    sqlite3* db;
    ~Closer() { sqlite3_close(db); }
  } closer{copy};
  sqlite3_backup* backup = sqlite3_backup_init(copy, "main", db_, "main");
  if (backup == nullptr) return SqlError(copy, "start the backup");
  const int rc = sqlite3_backup_step(backup, -1);  // every page in one step: one consistent read
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return MakeError(ErrorCode::kIo, std::string("copy the database: ") + sqlite3_errstr(rc));
  sqlite3_int64 size = 0;
  unsigned char* image = sqlite3_serialize(copy, "main", &size, 0);
  if (image == nullptr) return MakeError(ErrorCode::kIo, "cannot serialise the database copy");
  Bytes out(image, image + size);
  sqlite3_free(image);
  return out;
}

Status Store::CheckIntegrity() {
  auto prepared = Prepare("PRAGMA integrity_check");
  if (!prepared.ok()) return prepared.take_error();
  Stmt s(*prepared);
  if (sqlite3_step(s) != SQLITE_ROW) return SqlError(db_, "integrity check");
  const char* first = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  const std::string verdict = first != nullptr ? first : "";
  if (verdict != "ok") return MakeError(ErrorCode::kCorrupt, "the database is damaged: " + verdict);
  return OkStatus();
}

}  // namespace kintsugi::daemon
