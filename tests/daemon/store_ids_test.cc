// Store: finding entries by id. The ids of new entries wait in memory and
// join the on-disk index (entry_ids) in sorted steps; an entry is found by
// its id before and after its step, across a reopen, and never after a
// rollback took it back. A copy of a stored entry is refused by the chain
// index, so no index by the random id sits on the write path.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "daemon/store/store.h"
#include "tests/daemon/test_support.h"

namespace kintsugi::daemon {
namespace {

using testing::MakeFileOfSchema;
using testing::OpenOrDie;
using testing::RawDb;
using testing::Seed;
using testing::TempDir;
using testing::TestAuthor;

const protocol::LedgerId kLedger = Seed(0x21);

// One author's chain, sealed as the engine seals it, inserted one by one.
struct Chain {
  explicit Chain(int length) {
    store = OpenOrDie(path);
    for (int i = 0; i < length; ++i) Add();
  }
  const protocol::SealedEntry& Add() {
    const protocol::EntryId prev = entries.empty() ? protocol::EntryId{} : entries.back().id;
    const std::uint64_t seq = entries.size() + 1;
    entries.push_back(alice.Seal(rng, seq, prev, 1000 + seq, "note " + std::to_string(seq)));
    EXPECT_TRUE(store->InsertEntry(NewEntry::From(entries.back())).ok());
    return entries.back();
  }
  std::optional<std::int64_t> Rowid(const protocol::EntryId& id) {
    auto rowid = store->RowidOf(id);
    EXPECT_TRUE(rowid.ok());
    return rowid.ok() ? *rowid : std::nullopt;
  }
  std::int64_t OnDisk() { return RawDb(path).Int("SELECT count(*) FROM entry_ids").value_or(-1); }

  TempDir dir;
  std::string path = dir.File("ledger.db");
  crypto::DeterministicRandom rng{Seed(9)};
  TestAuthor alice = TestAuthor::Make(rng, kLedger);
  std::unique_ptr<Store> store;
  std::vector<protocol::SealedEntry> entries;
};

// A stand-in entry for tests of the index alone: the store trusts the copies
// of the header fields and never decodes `bytes` on these paths.
NewEntry Fake(std::uint64_t seq) {
  NewEntry e;
  const std::uint64_t spread = seq * 0x9E3779B97F4A7C15u;  // one to one, and far apart
  std::memcpy(e.id.data(), &spread, sizeof spread);
  e.ledger = kLedger;
  e.author = Seed(0x33);
  e.seq = seq;
  e.hlc = seq;
  e.bytes = Bytes(40, 0x5a);
  return e;
}

TEST(StoreIds, AnEntryIsFoundByItsIdBeforeAndAfterItsIdIsMerged) {
  Chain c(3);
  ASSERT_NE(c.store, nullptr);
  EXPECT_EQ(c.store->unmerged_ids(), 3u);
  EXPECT_EQ(c.OnDisk(), 0);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(c.Rowid(c.entries[i].id), static_cast<std::int64_t>(i + 1));
  EXPECT_FALSE(*c.store->HasEntry(Seed(0x44)));

  ASSERT_TRUE(c.store->MergeIds().ok());
  EXPECT_EQ(c.store->unmerged_ids(), 0u);
  EXPECT_EQ(c.OnDisk(), 3);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(c.Rowid(c.entries[i].id), static_cast<std::int64_t>(i + 1));
  EXPECT_TRUE(*c.store->HasEntry(c.entries[1].id));
  EXPECT_FALSE(*c.store->HasEntry(Seed(0x44)));

  // One more waits in memory beside the merged ones; both are found.
  const auto fourth = c.Add().id;
  EXPECT_EQ(c.store->unmerged_ids(), 1u);
  EXPECT_EQ(c.Rowid(fourth), 4);
  EXPECT_EQ(c.Rowid(c.entries[0].id), 1);
  EXPECT_EQ(RawDb(c.path).Int("SELECT upto FROM entry_ids_merged"), 3);
}

TEST(StoreIds, IdsNotYetMergedAreReadBackWhenTheFileIsOpenedAgain) {
  Chain c(2);
  ASSERT_NE(c.store, nullptr);
  ASSERT_TRUE(c.store->MergeIds().ok());
  c.Add();
  c.Add();
  // The files as a killed daemon leaves them, copied while the store is
  // open between transactions: two ids never merged.
  const std::string crashed = c.dir.File("crashed.db");
  std::filesystem::copy_file(c.path, crashed);
  std::filesystem::copy_file(c.path + "-wal", crashed + "-wal");
  EXPECT_EQ(RawDb(crashed).Int("SELECT count(*) FROM entry_ids"), 2);

  auto reopened = OpenOrDie(crashed);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->unmerged_ids(), 2u);
  for (std::size_t i = 0; i < 4; ++i) {
    auto rowid = reopened->RowidOf(c.entries[i].id);
    ASSERT_TRUE(rowid.ok());
    EXPECT_EQ(*rowid, std::optional<std::int64_t>(static_cast<std::int64_t>(i + 1)));
  }
  ASSERT_TRUE(reopened->MergeIds().ok());
  EXPECT_EQ(RawDb(crashed).Int("SELECT count(*) FROM entry_ids"), 4);
  EXPECT_TRUE(*reopened->HasEntry(c.entries[3].id));
}

TEST(StoreIds, AStoreClosedInTheNormalWayLeavesNoIdsToReadBack) {
  Chain c(3);
  ASSERT_NE(c.store, nullptr);
  EXPECT_EQ(c.store->unmerged_ids(), 3u);
  c.store.reset();
  EXPECT_EQ(c.OnDisk(), 3);
  c.store = OpenOrDie(c.path);
  ASSERT_NE(c.store, nullptr);
  EXPECT_EQ(c.store->unmerged_ids(), 0u);
  EXPECT_EQ(c.Rowid(c.entries[2].id), 3);
}

TEST(StoreIds, AnEntryARollbackTookBackIsNotFoundByItsId) {
  Chain c(1);
  ASSERT_NE(c.store, nullptr);
  auto second = c.alice.Seal(c.rng, 2, c.entries[0].id, 1002, "never kept");
  Status failed = c.store->InTransaction([&]() -> Status {
    KINTSUGI_RETURN_IF_ERROR(c.store->InsertEntry(NewEntry::From(second)));
    EXPECT_TRUE(*c.store->HasEntry(second.id));  // seen inside its transaction
    return MakeError(ErrorCode::kInternal, "changed my mind");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_FALSE(*c.store->HasEntry(second.id));
  EXPECT_EQ(c.store->unmerged_ids(), 1u);

  // A savepoint taken back inside a transaction that commits: the outer
  // insert is found, the inner one is not.
  auto third = c.alice.Seal(c.rng, 3, second.id, 1003, "inner, taken back");
  Status outer = c.store->InTransaction([&]() -> Status {
    KINTSUGI_RETURN_IF_ERROR(c.store->InsertEntry(NewEntry::From(second)));
    Status inner = c.store->InTransaction([&]() -> Status {
      KINTSUGI_RETURN_IF_ERROR(c.store->InsertEntry(NewEntry::From(third)));
      return MakeError(ErrorCode::kInternal, "not this one");
    });
    EXPECT_FALSE(inner.ok());
    return OkStatus();
  });
  ASSERT_TRUE(outer.ok());
  EXPECT_EQ(c.Rowid(second.id), 2);
  EXPECT_FALSE(*c.store->HasEntry(third.id));

  // The rowid the savepoint gave back is used again, by another entry.
  auto other = c.alice.Seal(c.rng, 3, second.id, 1004, "kept");
  ASSERT_TRUE(c.store->InsertEntry(NewEntry::From(other)).ok());
  EXPECT_EQ(c.Rowid(other.id), 3);
  EXPECT_FALSE(*c.store->HasEntry(third.id));
  ASSERT_TRUE(c.store->MergeIds().ok());
  EXPECT_EQ(RawDb(c.path).Int("SELECT count(*) FROM entry_ids WHERE entry_rowid = 3"), 1);
  EXPECT_EQ(c.OnDisk(), 3);
}

TEST(StoreIds, ACopyOfAStoredEntryIsRefusedBeforeAndAfterItsIdIsMerged) {
  Chain c(2);
  ASSERT_NE(c.store, nullptr);
  EXPECT_FALSE(c.store->InsertEntry(NewEntry::From(c.entries[1])).ok());
  ASSERT_TRUE(c.store->MergeIds().ok());
  EXPECT_FALSE(c.store->InsertEntry(NewEntry::From(c.entries[0])).ok());
  EXPECT_EQ(*c.store->CountEntries(kLedger), 2);
  EXPECT_EQ(c.store->unmerged_ids(), 0u);
  // A second entry at a stored seq (a fork, kept as evidence) is not a copy.
  auto fork = c.alice.Seal(c.rng, 2, c.entries[0].id, 1099, "another second");
  ASSERT_TRUE(c.store->InsertEntry(NewEntry::From(fork)).ok());
  EXPECT_EQ(c.Rowid(fork.id), 3);
  EXPECT_EQ(c.Rowid(c.entries[1].id), 2);
}

TEST(StoreIds, AnIdleCheckpointMergesOnlyOnceEnoughIdsWait) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("ledger.db"));
  ASSERT_NE(store, nullptr);
  std::uint64_t seq = 0;
  auto insert = [&](std::size_t n) {
    ASSERT_TRUE(store->InTransaction([&]() -> Status {
      for (std::size_t i = 0; i < n; ++i) KINTSUGI_RETURN_IF_ERROR(store->InsertEntry(Fake(++seq)));
      return OkStatus();
    }).ok());
  };
  insert(kIdleMergeIds - 1);
  ASSERT_TRUE(store->CheckpointWhenIdle().ok());
  EXPECT_EQ(store->unmerged_ids(), kIdleMergeIds - 1);
  insert(1);
  ASSERT_TRUE(store->CheckpointWhenIdle().ok());
  EXPECT_EQ(store->unmerged_ids(), 0u);
  EXPECT_FALSE(store->checkpoint_due());  // the merge was checkpointed with the rest
  RawDb raw(dir.File("ledger.db"));
  EXPECT_EQ(raw.Int("SELECT count(*) FROM entry_ids"), static_cast<std::int64_t>(kIdleMergeIds));
}

TEST(StoreIds, ACommitThatLeavesTooManyIdsWaitingMergesThem) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("ledger.db"));
  ASSERT_NE(store, nullptr);
  std::vector<protocol::EntryId> ids;
  auto insert = [&](std::size_t n) {
    ASSERT_TRUE(store->InTransaction([&]() -> Status {
      for (std::size_t i = 0; i < n; ++i) {
        NewEntry e = Fake(ids.size() + 1);
        ids.push_back(e.id);
        KINTSUGI_RETURN_IF_ERROR(store->InsertEntry(e));
      }
      return OkStatus();
    }).ok());
  };
  insert(kMaxUnmergedIds - 1);
  EXPECT_EQ(store->unmerged_ids(), kMaxUnmergedIds - 1);
  insert(1);
  EXPECT_EQ(store->unmerged_ids(), 0u);
  RawDb raw(dir.File("ledger.db"));
  EXPECT_EQ(raw.Int("SELECT count(*) FROM entry_ids"), static_cast<std::int64_t>(kMaxUnmergedIds));
  for (std::size_t i : {std::size_t{0}, ids.size() / 2, ids.size() - 1}) {
    auto rowid = store->RowidOf(ids[i]);
    ASSERT_TRUE(rowid.ok());
    EXPECT_EQ(*rowid, std::optional<std::int64_t>(static_cast<std::int64_t>(i + 1)));
  }
}

// A damaged index of ids does harm silently: a missing id lets a copy
// through to the chain index and leaves links to it unresolved, a misplaced
// one points the fold at another entry, one held for no entry makes a batch
// skip an entry the store does not have. CheckIds counts each, and
// RebuildIds mends them from the entries.
TEST(StoreIds, CheckIdsCountsEachIdTheIndexMissesMisplacesOrHoldsForNoEntryAndRebuildIdsMendsThem) {
  Chain c(5);
  ASSERT_NE(c.store, nullptr);
  ASSERT_TRUE(c.store->MergeIds().ok());
  c.Add();
  c.Add();  // two held in memory beside the five merged
  EXPECT_EQ(*c.store->CheckIds(), 0);

  const protocol::EntryId stranger = Seed(0x55);
  {
    RawDb raw(c.path);
    ASSERT_EQ(raw.Exec("DELETE FROM entry_ids WHERE entry_rowid = 1").first, SQLITE_OK);
    ASSERT_EQ(raw.Exec("UPDATE entry_ids SET entry_rowid = 4 WHERE entry_rowid = 2").first, SQLITE_OK);
    ASSERT_EQ(raw.ExecWithBlob("INSERT INTO entry_ids(id, entry_rowid) VALUES (?1, 3)", stranger),
              SQLITE_OK);
  }
  EXPECT_FALSE(*c.store->HasEntry(c.entries[0].id));
  EXPECT_EQ(c.Rowid(c.entries[1].id), 4);
  EXPECT_TRUE(*c.store->HasEntry(stranger));
  // Entry 1 missing and entry 2 not at its row (the entries' side); the row
  // that names entry 4 with entry 2's id and the stranger's (the index's).
  EXPECT_EQ(*c.store->CheckIds(), 4);

  ASSERT_TRUE(c.store->RebuildIds().ok());
  EXPECT_EQ(*c.store->CheckIds(), 0);
  EXPECT_EQ(c.store->unmerged_ids(), 0u);
  EXPECT_EQ(c.OnDisk(), 7);
  EXPECT_EQ(RawDb(c.path).Int("SELECT upto FROM entry_ids_merged"), 7);
  for (std::size_t i = 0; i < c.entries.size(); ++i) {
    EXPECT_EQ(c.Rowid(c.entries[i].id), static_cast<std::int64_t>(i + 1));
  }
  EXPECT_FALSE(*c.store->HasEntry(stranger));
  EXPECT_FALSE(c.store->InsertEntry(NewEntry::From(c.entries[0])).ok());  // still a copy
  EXPECT_EQ(c.Add().entry.seq, 8u);  // and the chain goes on
  EXPECT_EQ(*c.store->CheckIds(), 0);
}

// The ids after the merged ones are held in memory: an entry this store did
// not write (another connection, a file put back under it) is not among them.
TEST(StoreIds, CheckIdsCountsAnEntryWhoseIdIsNotHeldAfterTheMergedOnes) {
  Chain c(2);
  ASSERT_NE(c.store, nullptr);
  ASSERT_TRUE(c.store->MergeIds().ok());
  auto other = OpenOrDie(c.path);
  ASSERT_NE(other, nullptr);
  auto third = c.alice.Seal(c.rng, 3, c.entries[1].id, 1003, "written elsewhere");
  ASSERT_TRUE(other->InsertEntry(NewEntry::From(third)).ok());
  EXPECT_FALSE(*c.store->HasEntry(third.id));
  EXPECT_EQ(*c.store->CheckIds(), 1);
  ASSERT_TRUE(c.store->RebuildIds().ok());
  EXPECT_EQ(c.Rowid(third.id), 3);
  EXPECT_EQ(*c.store->CheckIds(), 0);
}

// Both refuse to run inside a write: the counts would mix committed rows
// with the transaction's own, and a rebuild must be its own commit.
TEST(StoreIds, CheckingOrRebuildingTheIdsInsideAWriteIsRefused) {
  Chain c(1);
  ASSERT_NE(c.store, nullptr);
  Status inside = c.store->InTransaction([&]() -> Status {
    EXPECT_EQ(c.store->CheckIds().error().code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ(c.store->RebuildIds().error().code, ErrorCode::kFailedPrecondition);
    return OkStatus();
  });
  EXPECT_TRUE(inside.ok());
  EXPECT_EQ(c.Rowid(c.entries[0].id), 1);
}

TEST(StoreIds, AFileOfSchemaFourFindsEveryEntryByIdAndStillRefusesCopiesAndEdits) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  ASSERT_TRUE(MakeFileOfSchema(path, 4));
  crypto::DeterministicRandom rng{Seed(10)};
  TestAuthor alice = TestAuthor::Make(rng, kLedger);
  std::vector<protocol::SealedEntry> entries;
  {
    RawDb raw(path);
    protocol::EntryId prev{};
    for (std::uint64_t seq = 1; seq <= 3; ++seq) {
      entries.push_back(alice.Seal(rng, seq, prev, 2000 + seq, "old " + std::to_string(seq)));
      prev = entries.back().id;
      const NewEntry n = NewEntry::From(entries.back());
      auto [rc, message] = raw.Exec(
          "INSERT INTO entries(id, ledger, author, seq, hlc, bytes) VALUES (x'" + ToHex(n.id) + "', x'" +
          ToHex(n.ledger) + "', x'" + ToHex(n.author) + "', " + std::to_string(n.seq) + ", " +
          std::to_string(n.hlc) + ", x'" + ToHex(n.bytes) + "')");
      ASSERT_EQ(rc, SQLITE_OK) << message;
    }
    ASSERT_EQ(raw.Exec("UPDATE ledger_stats SET folded_rowid = 2").first, SQLITE_OK);
  }

  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->unmerged_ids(), 0u);  // the migration indexed every id
  for (std::size_t i = 0; i < 3; ++i) {
    auto rowid = store->RowidOf(entries[i].id);
    ASSERT_TRUE(rowid.ok());
    EXPECT_EQ(*rowid, std::optional<std::int64_t>(static_cast<std::int64_t>(i + 1)));
  }
  EXPECT_EQ(*store->CountEntries(kLedger), 3);
  EXPECT_EQ(*store->FoldedRowid(kLedger), 2);
  EXPECT_EQ(store->Head(kLedger, alice.identity.public_key())->seq, 3u);
  EXPECT_FALSE(store->InsertEntry(NewEntry::From(entries[2])).ok());
  auto fourth = alice.Seal(rng, 4, entries[2].id, 2004, "new");
  ASSERT_TRUE(store->InsertEntry(NewEntry::From(fourth)).ok());
  EXPECT_EQ(*store->CountEntries(kLedger), 4);  // the count trigger is back
  EXPECT_TRUE(*store->HasEntry(fourth.id));
  store.reset();

  RawDb raw(path);
  EXPECT_EQ(raw.Int("PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM sqlite_master WHERE name LIKE 'sqlite_autoindex_entries%'"), 0);
  EXPECT_EQ(raw.Int("SELECT upto FROM entry_ids_merged"), 4);  // the new one, merged at close
  EXPECT_NE(raw.Exec("UPDATE entries SET hlc = 1 WHERE seq = 2").first, SQLITE_OK);
  EXPECT_NE(raw.Exec("DELETE FROM entries WHERE seq = 1").first, SQLITE_OK);
  const NewEntry copy = NewEntry::From(entries[0]);
  auto [rc, message] = raw.Exec("INSERT OR REPLACE INTO entries(id, ledger, author, seq, hlc, bytes) VALUES (x'" +
                                ToHex(copy.id) + "', x'" + ToHex(copy.ledger) + "', x'" + ToHex(copy.author) +
                                "', 1, 1, x'00')");
  EXPECT_NE(rc, SQLITE_OK);
  EXPECT_NE(message.find("entries are append-only"), std::string::npos) << message;
  EXPECT_EQ(raw.Int("SELECT count(*) FROM entries"), 4);
  EXPECT_EQ(raw.Text("PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace kintsugi::daemon
