// Store: schema creation, refusal of foreign and damaged files (which must be
// left untouched), the append-only triggers, and every query the engine uses.
#include "daemon/store/store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "daemon/store/schema.h"
#include "tests/daemon/test_support.h"

namespace kintsugi::daemon {
namespace {

using testing::Exists;
using testing::FileHash;
using testing::MakeFileOfSchema;
using testing::OpenOrDie;
using testing::RawDb;
using testing::Seed;
using testing::TempDir;
using testing::TestAuthor;
using testing::WriteFileBytes;

// The ledger every entry of these tests belongs to.
const protocol::LedgerId kLedger = Seed(0x11);

// A store holding one author's chain of three entries (seq 1-3, hlc 1001-1003),
// sealed as the engine would seal them. `store` is null if that failed.
struct ThreeEntries {
  ThreeEntries() {
    store = OpenOrDie(path);
    protocol::EntryId prev{};
    for (std::uint64_t seq = 1; store != nullptr && seq <= 3; ++seq) {
      entries.push_back(alice.Seal(rng, seq, prev, 1000 + seq, "note " + std::to_string(seq)));
      prev = entries.back().id;
      if (!store->InsertEntry(NewEntry::From(entries.back())).ok()) store = nullptr;
    }
  }

  TempDir dir;
  std::string path = dir.File("ledger.db");
  crypto::DeterministicRandom rng{Seed(7)};
  TestAuthor alice = TestAuthor::Make(rng, kLedger);
  std::unique_ptr<Store> store;
  std::vector<protocol::SealedEntry> entries;
};

TEST(Store, OpenOnAFreshPathCreatesTheSchema) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  ASSERT_NE(OpenOrDie(path), nullptr);

  RawDb raw(path, SQLITE_OPEN_READONLY);
  EXPECT_EQ(raw.Int("PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(raw.Int("PRAGMA application_id"), kApplicationId);
  EXPECT_EQ(raw.Text("PRAGMA journal_mode"), "wal");
  for (const char* table : {"meta", "members", "entries", "entry_keys", "forks", "peers"}) {
    EXPECT_EQ(raw.Int(std::string("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '") +
                      table + "'"),
              1)
        << table;
  }
}

TEST(Store, FreshStoreIsEmpty) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("ledger.db"));
  ASSERT_NE(store, nullptr);
  auto meta = store->LoadMeta();
  ASSERT_TRUE(meta.ok());
  EXPECT_FALSE(meta->has_value());
  EXPECT_EQ(*store->CountEntries(kLedger), 0);
  EXPECT_EQ(*store->MaxHlc(std::nullopt), 0u);
  EXPECT_TRUE(store->Members(kLedger)->empty());
  auto head = store->Head(kLedger, Seed(1));
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->seq, 0u);
  EXPECT_TRUE(IsZero(head->id));
}

TEST(Store, ReopeningKeepsTheData) {
  ThreeEntries f;
  ASSERT_NE(f.store, nullptr);
  const LedgerMeta meta{kLedger, f.alice.identity.public_key()};
  ASSERT_TRUE(f.store->SaveMeta(meta).ok());
  ASSERT_TRUE(f.store->AddMember(kLedger, f.alice.identity.public_key(), 1001).ok());
  f.store.reset();

  auto reopened = OpenOrDie(f.path);
  ASSERT_NE(reopened, nullptr);
  auto loaded = reopened->LoadMeta();
  ASSERT_TRUE(loaded.ok());
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->ledger_id, meta.ledger_id);
  EXPECT_EQ((*loaded)->self, meta.self);
  EXPECT_EQ(*reopened->Members(kLedger), std::vector<crypto::PublicKey>{f.alice.identity.public_key()});
  EXPECT_EQ(*reopened->CountEntries(kLedger), 3);
  auto second = reopened->FindInChain(kLedger, f.alice.identity.public_key(), 2);
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->id, f.entries[1].id);
  EXPECT_EQ((*second)->bytes, f.entries[1].encoded);
  EXPECT_EQ((*second)->wrapped_key, f.entries[1].key.Encode());
}

TEST(Store, UpdateOfAnEntryIsAbortedByTrigger) {
  ThreeEntries f;
  ASSERT_NE(f.store, nullptr);
  RawDb raw(f.path);
  const auto before = raw.Blobs("SELECT bytes FROM entries WHERE seq = 2");
  auto [rc, message] = raw.Exec("UPDATE entries SET hlc = 1, bytes = x'00' WHERE seq = 2");
  EXPECT_NE(rc, SQLITE_OK);
  EXPECT_NE(message.find("entries are append-only"), std::string::npos) << message;
  EXPECT_EQ(raw.Int("SELECT hlc FROM entries WHERE seq = 2"), 1002);
  EXPECT_EQ(raw.Blobs("SELECT bytes FROM entries WHERE seq = 2"), before);
  EXPECT_EQ(before, std::vector<Bytes>{f.entries[1].encoded});
}

TEST(Store, DeleteOfAnEntryIsAbortedByTrigger) {
  ThreeEntries f;
  ASSERT_NE(f.store, nullptr);
  RawDb raw(f.path);
  auto [rc, message] = raw.Exec("DELETE FROM entries");
  EXPECT_NE(rc, SQLITE_OK);
  EXPECT_NE(message.find("entries are append-only"), std::string::npos) << message;
  EXPECT_EQ(raw.Int("SELECT count(*) FROM entries"), 3);
  EXPECT_EQ(*f.store->CountEntries(kLedger), 3);
}

TEST(Store, WrappedKeysCanBeDeletedForWithdrawal) {
  ThreeEntries f;
  ASSERT_NE(f.store, nullptr);
  RawDb raw(f.path);
  auto [rc, message] = raw.Exec("DELETE FROM entry_keys WHERE entry_rowid = (SELECT rowid FROM entries WHERE seq = 2)");
  ASSERT_EQ(rc, SQLITE_OK) << message;
  EXPECT_EQ(raw.Int("SELECT count(*) FROM entry_keys"), 2);

  auto withdrawn = f.store->FindInChain(kLedger, f.alice.identity.public_key(), 2);
  ASSERT_TRUE(withdrawn.ok());
  ASSERT_TRUE(withdrawn->has_value());
  EXPECT_FALSE((*withdrawn)->wrapped_key.has_value());
  EXPECT_EQ((*withdrawn)->bytes, f.entries[1].encoded);  // the signed bytes stay
  auto kept = f.store->FindInChain(kLedger, f.alice.identity.public_key(), 3);
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_TRUE((*kept)->wrapped_key.has_value());
}

TEST(Store, RefusesAFileOfRandomBytesAndLeavesItUntouched) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  Bytes noise(8192);
  crypto::DeterministicRandom rng(Seed(3));
  rng.Fill(noise);
  WriteFileBytes(path, noise);
  const Hash32 before = FileHash(path);

  auto store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(FileHash(path), before);
  EXPECT_FALSE(Exists(path + "-wal"));
  EXPECT_FALSE(Exists(path + "-shm"));
  EXPECT_FALSE(Exists(path + "-journal"));
}

TEST(Store, RefusesAShortFileThatIsNotSqlite) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  const std::string text = "hello";
  WriteFileBytes(path, AsBytes(text));

  auto store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(testing::ReadFileBytes(path), Bytes(text.begin(), text.end()));
}

TEST(Store, RefusesASqliteHeaderFollowedByGarbageAndLeavesItUntouched) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  Bytes bytes(4096);
  crypto::DeterministicRandom rng(Seed(4));
  rng.Fill(bytes);
  const char magic[] = "SQLite format 3";  // with its terminating NUL: 16 bytes
  std::copy(magic, magic + 16, bytes.begin());
  WriteFileBytes(path, bytes);
  const Hash32 before = FileHash(path);

  auto store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(FileHash(path), before);
  EXPECT_FALSE(Exists(path + "-wal"));
  EXPECT_FALSE(Exists(path + "-journal"));
}

TEST(Store, RefusesAForeignSqliteDatabaseAndLeavesItUntouched) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  {
    RawDb other(path);
    ASSERT_EQ(other.Exec("CREATE TABLE recipes(name TEXT); INSERT INTO recipes VALUES ('soup');").first,
              SQLITE_OK);
  }
  const Hash32 before = FileHash(path);

  auto store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(store.error().message.find("another application"), std::string::npos) << store.error().message;
  EXPECT_EQ(FileHash(path), before);
  EXPECT_FALSE(Exists(path + "-wal"));
  EXPECT_FALSE(Exists(path + "-shm"));
  RawDb check(path, SQLITE_OPEN_READONLY);
  EXPECT_EQ(check.Int("PRAGMA application_id"), 0);
  EXPECT_EQ(check.Text("PRAGMA journal_mode"), "delete");
}

TEST(Store, RefusesADatabaseOfAnotherApplicationId) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  {
    RawDb other(path);
    ASSERT_EQ(other.Exec("PRAGMA application_id = 1234; CREATE TABLE meta(key TEXT, value BLOB);").first,
              SQLITE_OK);
  }
  const Hash32 before = FileHash(path);

  auto store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(FileHash(path), before);
}

TEST(Store, RefusesAFileWrittenByANewerSchema) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  ASSERT_NE(OpenOrDie(path), nullptr);
  {
    RawDb raw(path);
    ASSERT_EQ(raw.Exec("PRAGMA user_version = " + std::to_string(kSchemaVersion + 1)).first, SQLITE_OK);
  }
  const Hash32 before = FileHash(path);

  auto store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(FileHash(path), before);
  RawDb check(path, SQLITE_OPEN_READONLY);
  EXPECT_EQ(check.Int("PRAGMA user_version"), kSchemaVersion + 1);
}

TEST(Store, RefusesOurFileWithItsMetaTableMissing) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  ASSERT_NE(OpenOrDie(path), nullptr);
  {
    RawDb raw(path);
    ASSERT_EQ(raw.Exec("DROP TABLE meta").first, SQLITE_OK);
  }
  auto store = Store::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kCorrupt);
}

TEST(Store, OpenInAMissingDirectoryFailsWithoutCreatingIt) {
  TempDir dir;
  auto store = Store::Open(dir.File("absent/ledger.db"));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, ErrorCode::kIo);
  EXPECT_FALSE(Exists(dir.File("absent")));
}

TEST(Store, AcceptsAnEmptyFile) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  WriteFileBytes(path, Bytes{});
  ASSERT_EQ(std::filesystem::file_size(path), 0u);

  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->CountEntries(kLedger), 0);
  store.reset();
  RawDb raw(path, SQLITE_OPEN_READONLY);
  EXPECT_EQ(raw.Int("PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(raw.Int("PRAGMA application_id"), kApplicationId);
}

TEST(Store, AcceptsAnEmptySqliteDatabase) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  {
    RawDb raw(path);
    ASSERT_EQ(raw.Exec("VACUUM").first, SQLITE_OK);  // writes a header, no tables
  }
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  auto meta = store->LoadMeta();
  ASSERT_TRUE(meta.ok());
  EXPECT_FALSE(meta->has_value());
}

TEST(Store, HeadIsTheHighestSeqOfTheAuthor) {
  ThreeEntries f;
  ASSERT_NE(f.store, nullptr);
  auto head = f.store->Head(kLedger, f.alice.identity.public_key());
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->seq, 3u);
  EXPECT_EQ(head->id, f.entries[2].id);
  auto other = f.store->Head(kLedger, Seed(0x99));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->seq, 0u);
}

TEST(Store, FindInChainReturnsTheEntryAtSeqOrNothing) {
  ThreeEntries f;
  ASSERT_NE(f.store, nullptr);
  for (std::uint64_t seq = 1; seq <= 3; ++seq) {
    auto found = f.store->FindInChain(kLedger, f.alice.identity.public_key(), seq);
    ASSERT_TRUE(found.ok());
    ASSERT_TRUE(found->has_value()) << seq;
    EXPECT_EQ((*found)->id, f.entries[seq - 1].id);
    EXPECT_EQ((*found)->rowid, static_cast<std::int64_t>(seq));
  }
  auto missing = f.store->FindInChain(kLedger, f.alice.identity.public_key(), 4);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  auto stranger = f.store->FindInChain(kLedger, Seed(0x99), 1);
  ASSERT_TRUE(stranger.ok());
  EXPECT_FALSE(stranger->has_value());
}

TEST(Store, FindInChainReturnsTheFirstStoredOfAFork) {
  ThreeEntries f;
  ASSERT_NE(f.store, nullptr);
  auto fork = f.alice.Seal(f.rng, 2, f.entries[0].id, 5000, "a second seq 2");
  ASSERT_NE(fork.id, f.entries[1].id);
  ASSERT_TRUE(f.store->InsertEntry(NewEntry::From(fork)).ok());
  auto found = f.store->FindInChain(kLedger, f.alice.identity.public_key(), 2);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, f.entries[1].id);
}

TEST(Store, LatestPagesNewestFirst) {
  ThreeEntries f;
  ASSERT_NE(f.store, nullptr);
  auto all = f.store->Latest(kLedger, 10, std::nullopt);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, f.entries[2].id);
  EXPECT_EQ((*all)[1].id, f.entries[1].id);
  EXPECT_EQ((*all)[2].id, f.entries[0].id);
  EXPECT_EQ((*all)[0].bytes, f.entries[2].encoded);

  auto first_page = f.store->Latest(kLedger, 2, std::nullopt);
  ASSERT_TRUE(first_page.ok());
  ASSERT_EQ(first_page->size(), 2u);
  EXPECT_EQ(first_page->back().id, f.entries[1].id);

  auto second_page = f.store->Latest(kLedger, 2, first_page->back().rowid);
  ASSERT_TRUE(second_page.ok());
  ASSERT_EQ(second_page->size(), 1u);
  EXPECT_EQ((*second_page)[0].id, f.entries[0].id);

  auto past_the_end = f.store->Latest(kLedger, 2, (*second_page)[0].rowid);
  ASSERT_TRUE(past_the_end.ok());
  EXPECT_TRUE(past_the_end->empty());
}

TEST(Store, ForEachByChainOrdersByAuthorThenSeq) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("ledger.db"));
  ASSERT_NE(store, nullptr);
  crypto::DeterministicRandom rng(Seed(8));
  TestAuthor a = TestAuthor::Make(rng, kLedger);
  TestAuthor b = TestAuthor::Make(rng, kLedger);
  // Insert the two chains interleaved and each out of seq order.
  auto a1 = a.Seal(rng, 1, {}, 10, "a1");
  auto a2 = a.Seal(rng, 2, a1.id, 11, "a2");
  auto b1 = b.Seal(rng, 1, {}, 12, "b1");
  auto b2 = b.Seal(rng, 2, b1.id, 13, "b2");
  for (const auto* e : {&b2, &a2, &b1, &a1}) ASSERT_TRUE(store->InsertEntry(NewEntry::From(*e)).ok());

  std::vector<protocol::EntryId> seen;
  ASSERT_TRUE(store->ForEachByChain(kLedger, [&](const StoredEntry& row) -> Status {
                     seen.push_back(row.id);
                     return OkStatus();
                   }).ok());
  const bool a_first = a.identity.public_key() < b.identity.public_key();
  const std::vector<protocol::EntryId> expected =
      a_first ? std::vector{a1.id, a2.id, b1.id, b2.id} : std::vector{b1.id, b2.id, a1.id, a2.id};
  EXPECT_EQ(seen, expected);
}

TEST(Store, ForEachByChainStopsAtTheFirstError) {
  ThreeEntries f;
  ASSERT_NE(f.store, nullptr);
  int visits = 0;
  Status s = f.store->ForEachByChain(kLedger, [&](const StoredEntry&) -> Status {
    ++visits;
    return MakeError(ErrorCode::kInternal, "stop here");
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInternal);
  EXPECT_EQ(s.error().message, "stop here");
  EXPECT_EQ(visits, 1);
}

TEST(Store, CountEntriesAndMaxHlcFollowInserts) {
  ThreeEntries f;
  ASSERT_NE(f.store, nullptr);
  EXPECT_EQ(*f.store->CountEntries(kLedger), 3);
  EXPECT_EQ(*f.store->MaxHlc(std::nullopt), 1003u);
  ASSERT_TRUE(f.store->InsertEntry(NewEntry::From(f.alice.Seal(f.rng, 4, f.entries[2].id, 900, "older clock"))).ok());
  EXPECT_EQ(*f.store->CountEntries(kLedger), 4);
  EXPECT_EQ(*f.store->MaxHlc(std::nullopt), 1003u);  // the largest, not the latest
  ASSERT_TRUE(f.store->InsertEntry(NewEntry::From(f.alice.Seal(f.rng, 5, {}, 7777, "newer"))).ok());
  EXPECT_EQ(*f.store->MaxHlc(std::nullopt), 7777u);
}

// Without an author, MaxHlc is the largest clock of any author under the
// bound, read one author at a time: an author whose clocks are all above the
// bound adds nothing, and the bound itself is included.
TEST(Store, MaxHlcIsTheLargestClockOfAnyAuthorUnderTheBound) {
  ThreeEntries f;  // alice: 1001, 1002, 1003
  ASSERT_NE(f.store, nullptr);
  TestAuthor bob = TestAuthor::Make(f.rng, kLedger);
  TestAuthor cleo = TestAuthor::Make(f.rng, Seed(0x12));  // another ledger
  ASSERT_TRUE(f.store->InsertEntry(NewEntry::From(bob.Seal(f.rng, 1, {}, 1500, "bob"))).ok());
  ASSERT_TRUE(f.store->InsertEntry(NewEntry::From(bob.Seal(f.rng, 2, {}, 900, "bob, slow clock"))).ok());
  ASSERT_TRUE(f.store->InsertEntry(NewEntry::From(cleo.Seal(f.rng, 1, {}, 5000, "cleo"))).ok());

  EXPECT_EQ(*f.store->MaxHlc(std::nullopt), 5000u);
  EXPECT_EQ(*f.store->MaxHlc(std::nullopt, 4999), 1500u);
  EXPECT_EQ(*f.store->MaxHlc(std::nullopt, 1500), 1500u);
  EXPECT_EQ(*f.store->MaxHlc(std::nullopt, 1499), 1003u);
  EXPECT_EQ(*f.store->MaxHlc(std::nullopt, 1001), 1001u);
  EXPECT_EQ(*f.store->MaxHlc(std::nullopt, 950), 900u);
  EXPECT_EQ(*f.store->MaxHlc(std::nullopt, 899), 0u);
  EXPECT_EQ(*f.store->MaxHlc(bob.identity.public_key()), 1500u);
  EXPECT_EQ(*f.store->MaxHlc(bob.identity.public_key(), 1499), 900u);
  EXPECT_EQ(*f.store->MaxHlc(f.alice.identity.public_key(), 1002), 1002u);
}

// A file of schema 3 (views kept, progress in its own table, an index by
// clock) opens as schema 4: the fold's progress is kept per ledger beside
// the entry count, the index and the old table are gone, and nothing else
// changed.
TEST(Store, AFileOfSchemaThreeKeepsItsFoldProgressWhenMigrated) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  const protocol::LedgerId other = Seed(0x12);
  ASSERT_TRUE(MakeFileOfSchema(path, 3));
  crypto::DeterministicRandom rng{Seed(8)};
  TestAuthor alice = TestAuthor::Make(rng, kLedger);
  TestAuthor bob = TestAuthor::Make(rng, other);
  {
    // Schema 3 as the previous store wrote it: entries through the store's
    // own insert, progress in view_progress.
    RawDb raw(path);
    auto insert = [&](const protocol::SealedEntry& e) {
      const NewEntry n = NewEntry::From(e);
      std::string sql = "INSERT INTO entries(id, ledger, author, seq, hlc, bytes) VALUES (x'" + ToHex(n.id) +
                        "', x'" + ToHex(n.ledger) + "', x'" + ToHex(n.author) + "', " + std::to_string(n.seq) +
                        ", " + std::to_string(n.hlc) + ", x'" + ToHex(n.bytes) + "')";
      auto [rc, message] = raw.Exec(sql);
      ASSERT_EQ(rc, SQLITE_OK) << message;
    };
    insert(alice.Seal(rng, 1, {}, 2000, "one"));
    insert(alice.Seal(rng, 2, {}, 2001, "two"));
    insert(bob.Seal(rng, 1, {}, 3000, "three"));
    ASSERT_EQ(raw.Exec("INSERT INTO view_progress(ledger, folded_rowid) VALUES (x'" + ToHex(kLedger) + "', 2)").first,
              SQLITE_OK);
  }

  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->FoldedRowid(kLedger), 2);
  EXPECT_EQ(*store->FoldedRowid(other), 0);
  EXPECT_EQ(*store->CountEntries(kLedger), 2);
  EXPECT_EQ(*store->CountEntries(other), 1);
  EXPECT_EQ(*store->MaxHlc(std::nullopt), 3000u);
  ASSERT_TRUE(store->SetFoldedRowid(other, 3).ok());
  EXPECT_EQ(*store->FoldedRowid(other), 3);
  EXPECT_EQ(*store->CountEntries(other), 1);  // the progress did not touch the count
  ASSERT_TRUE(store->ResetViews(kLedger).ok());
  EXPECT_EQ(*store->FoldedRowid(kLedger), 0);
  EXPECT_EQ(*store->CountEntries(kLedger), 2);
  store.reset();

  RawDb raw(path, SQLITE_OPEN_READONLY);
  EXPECT_EQ(raw.Int("PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM sqlite_master WHERE name IN ('entries_by_hlc', 'view_progress')"), 0);
  EXPECT_EQ(raw.Text("PRAGMA integrity_check"), "ok");
}

TEST(Store, InTransactionRollsBackWhenTheBodyFails) {
  ThreeEntries f;
  ASSERT_NE(f.store, nullptr);
  auto extra = f.alice.Seal(f.rng, 4, f.entries[2].id, 2000, "never kept");
  Status s = f.store->InTransaction([&]() -> Status {
    KINTSUGI_RETURN_IF_ERROR(f.store->AddMember(kLedger, f.alice.identity.public_key(), 1));
    KINTSUGI_RETURN_IF_ERROR(f.store->InsertEntry(NewEntry::From(extra)));
    return MakeError(ErrorCode::kInternal, "changed my mind");
  });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "changed my mind");
  EXPECT_EQ(*f.store->CountEntries(kLedger), 3);
  EXPECT_EQ(f.store->Head(kLedger, f.alice.identity.public_key())->seq, 3u);
  EXPECT_TRUE(f.store->Members(kLedger)->empty());
  RawDb raw(f.path);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM entries"), 3);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM entry_keys"), 3);

  // The store is usable again afterwards: the transaction was closed.
  EXPECT_TRUE(f.store->InTransaction([&] { return f.store->InsertEntry(NewEntry::From(extra)); }).ok());
  EXPECT_EQ(*f.store->CountEntries(kLedger), 4);
}

TEST(Store, AnIdleCheckpointMovesTheLogIntoTheFileAndTheNextCommitCutsTheLogBack) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  // A burst of commits: more log than is kept, less than SQLite's own checkpoint.
  const Bytes value(3000, 0x5a);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(store->SetValue("k" + std::to_string(i), value).ok());
  const std::string wal = path + "-wal";
  ASSERT_GT(std::filesystem::file_size(wal), static_cast<std::uintmax_t>(kWalKeptBytes));
  ASSERT_LT(std::filesystem::file_size(wal), static_cast<std::uintmax_t>(kBurstCheckpointPages) * 4096);

  // What was written and read sits in SQLite's cache until the idle
  // checkpoint gives it back.
  const std::int64_t busy_cache = store->cache_bytes();
  ASSERT_GT(busy_cache, 256 * 1024);
  ASSERT_TRUE(store->CheckpointWhenIdle().ok());
  EXPECT_LT(store->cache_bytes(), busy_cache / 4);
  // The file alone, without its log, holds the last commit.
  std::filesystem::copy_file(path, dir.File("file-alone.db"));
  {
    RawDb alone(dir.File("file-alone.db"));
    EXPECT_EQ(alone.Blobs("SELECT value FROM meta WHERE key = 'k999'"), std::vector<Bytes>{value});
  }
  ASSERT_TRUE(store->SetValue("after", value).ok());
  EXPECT_LE(std::filesystem::file_size(wal), static_cast<std::uintmax_t>(kWalKeptBytes));
  // A write makes a checkpoint due (the loop wakes for it); the checkpoint
  // clears it, and with nothing written since, a second call has nothing to do.
  EXPECT_TRUE(store->checkpoint_due());
  ASSERT_TRUE(store->CheckpointWhenIdle().ok());
  EXPECT_FALSE(store->checkpoint_due());
  ASSERT_TRUE(store->CheckpointWhenIdle().ok());
  EXPECT_FALSE(store->checkpoint_due());
  EXPECT_EQ(store->GetValue("after").value(), std::optional<Bytes>(value));
}

TEST(Store, InsertingTheSameEntryTwiceFails) {
  ThreeEntries f;
  ASSERT_NE(f.store, nullptr);
  Status again = f.store->InsertEntry(NewEntry::From(f.entries[1]));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(*f.store->CountEntries(kLedger), 3);
  RawDb raw(f.path);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM entries"), 3);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM entry_keys"), 3);
}

TEST(Store, SaveMetaReplacesTheLedgerMeta) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("ledger.db"));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->SaveMeta(LedgerMeta{Seed(1), Seed(2)}).ok());
  ASSERT_TRUE(store->SaveMeta(LedgerMeta{Seed(3), Seed(4)}).ok());
  auto meta = store->LoadMeta();
  ASSERT_TRUE(meta.ok() && meta->has_value());
  EXPECT_EQ((*meta)->ledger_id, Seed(3));
  EXPECT_EQ((*meta)->self, Seed(4));
}

TEST(Store, LoadMetaRefusesAHalfWrittenMeta) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  RawDb raw(path);
  ASSERT_EQ(raw.Exec("INSERT INTO meta(key, value) VALUES ('self', zeroblob(32))").first, SQLITE_OK);
  auto meta = store->LoadMeta();
  ASSERT_FALSE(meta.ok());
  EXPECT_EQ(meta.error().code, ErrorCode::kCorrupt);
}

TEST(Store, MembersAreSortedAndAddedOnce) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("ledger.db"));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->AddMember(kLedger, Seed(9), 1).ok());
  ASSERT_TRUE(store->AddMember(kLedger, Seed(2), 2).ok());
  ASSERT_TRUE(store->AddMember(kLedger, Seed(9), 3).ok());
  EXPECT_EQ(*store->Members(kLedger), (std::vector<crypto::PublicKey>{Seed(2), Seed(9)}));
}

}  // namespace
}  // namespace kintsugi::daemon
