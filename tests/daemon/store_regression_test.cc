// Regression tests for defects found in the store while writing this suite:
// a table-less file claiming a schema version, a foreign WAL database gaining
// -wal/-shm files on inspection, and INSERT OR REPLACE bypassing the
// append-only triggers.
#include <gtest/gtest.h>

#include "daemon/store/store.h"
#include "tests/daemon/test_support.h"

namespace kintsugi::daemon {
namespace {

using testing::Exists;
using testing::FileHash;
using testing::RawDb;
using testing::TempDir;

// A table-less SQLite file whose user_version is set is not an empty file:
// without our application_id it is someone else's, and it must be refused
// untouched rather than taken for a schema that is not there.
TEST(Store, RefusesATablelessFileThatClaimsANewerSchema) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  {
    RawDb raw(path);
    ASSERT_EQ(raw.Exec("PRAGMA user_version = " + std::to_string(kSchemaVersion + 1)).first, SQLITE_OK);
  }
  const Hash32 before = FileHash(path);

  auto store = Store::Open(path);
  ASSERT_FALSE(store.ok()) << "opened a file of schema " << kSchemaVersion + 1;
  EXPECT_EQ(store.error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(FileHash(path), before);
}

// The same with user_version == kSchemaVersion: Migrate() must not take the
// schema for granted and "succeed" on a store whose every query fails.
TEST(Store, TablelessFileAtTheCurrentVersionGetsASchemaOrIsRefused) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  {
    RawDb raw(path);
    ASSERT_EQ(raw.Exec("PRAGMA user_version = " + std::to_string(kSchemaVersion)).first, SQLITE_OK);
  }
  auto store = Store::Open(path);
  if (!store.ok()) {
    EXPECT_EQ(store.error().code, ErrorCode::kCorrupt);  // refusing is fine too
    return;
  }
  auto meta = (*store)->LoadMeta();
  EXPECT_TRUE(meta.ok()) << meta.error().message;
  auto count = (*store)->CountEntries(testing::Seed(1));
  EXPECT_TRUE(count.ok()) << count.error().message;
}

// daemon/store/store.cc, Inspect(): the "read-only" inspection opens the file with
// SQLITE_OPEN_READONLY, but for a database in WAL mode SQLite still creates
// <file>-wal and <file>-shm beside it (and leaves them behind, as a read-only
// connection cannot checkpoint them away). A foreign WAL-mode database is
// refused, but not "left untouched" as the error message and store.h promise.
TEST(Store, RefusesAForeignWalDatabaseWithoutCreatingFilesBesideIt) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  {
    RawDb other(path);
    ASSERT_EQ(other.Exec("PRAGMA journal_mode = WAL; CREATE TABLE recipes(name TEXT);").first, SQLITE_OK);
  }
  ASSERT_FALSE(Exists(path + "-wal"));  // a clean close removes them
  ASSERT_FALSE(Exists(path + "-shm"));
  const Hash32 before = FileHash(path);

  auto store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(FileHash(path), before);
  EXPECT_FALSE(Exists(path + "-wal"));
  EXPECT_FALSE(Exists(path + "-shm"));
}

// daemon/store/store.cc, kMigrations[0]: the append-only guard is two triggers,
// BEFORE UPDATE and BEFORE DELETE. SQLite's REPLACE conflict resolution
// deletes the conflicting row without firing DELETE triggers (unless
// PRAGMA recursive_triggers is on, which Store::Open does not set), so
// `INSERT OR REPLACE` / `REPLACE INTO` silently removes a stored entry.
// CountEntries() (max(rowid)) then also disagrees with the real row count.
// A fix at the schema level (a BEFORE INSERT trigger aborting when NEW.id or
// NEW.rowid already exists) makes this test pass on any connection;
// recursive_triggers=ON in Store::Open would protect only the store's own.
TEST(Store, ReplaceCannotOverwriteAStoredEntry) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  crypto::DeterministicRandom rng(testing::Seed(9));
  auto author = testing::TestAuthor::Make(rng, testing::Seed(0x22));
  auto first = author.Seal(rng, 1, {}, 1, "first");
  {
    auto store = Store::Open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->InsertEntry(NewEntry::From(first)).ok());
  }
  RawDb raw(path);
  // Every column filled in validly, so only the append-only guard can refuse it.
  auto [rc, message] = raw.Exec(
      "INSERT OR REPLACE INTO entries(id, ledger, author, seq, hlc, bytes) "
      "SELECT id, ledger, author, seq, hlc, x'00' FROM entries WHERE seq = 1");
  EXPECT_NE(rc, SQLITE_OK) << "REPLACE went through";
  EXPECT_NE(message.find("entries are append-only"), std::string::npos) << message;
  EXPECT_EQ(raw.Blobs("SELECT bytes FROM entries WHERE seq = 1"), std::vector<Bytes>{first.encoded});
}

}  // namespace
}  // namespace kintsugi::daemon
