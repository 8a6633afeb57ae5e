// Store: what the daemon added for pairing and sync. Several ledgers in one
// file kept apart, fork evidence, the partner's peer record, small named
// values, the database's index id, and the chain reads that serve a partner.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "daemon/store/store.h"
#include "tests/daemon/test_support.h"

namespace kintsugi::daemon {
namespace {

using testing::OpenOrDie;
using testing::RawDb;
using testing::Seed;
using testing::TempDir;
using testing::TestAuthor;

// The same identity writing to another ledger (as a device does after pairing).
TestAuthor SameAuthorIn(const TestAuthor& author, const protocol::LedgerId& ledger,
                        crypto::RandomSource& rng) {
  return TestAuthor{std::move(crypto::SigningKey::FromSeed(author.identity.seed())).value(), ledger,
                    crypto::SymmetricKey::Generate(rng)};
}

// Appends `count` entries to `author`'s chain after `*prev` (zero: a new
// chain starting at `first_seq`), inserting each; returns them.
std::vector<protocol::SealedEntry> Chain(Store& store, const TestAuthor& author, crypto::RandomSource& rng,
                                         std::uint64_t first_seq, std::size_t count,
                                         const std::string& note = "note") {
  std::vector<protocol::SealedEntry> out;
  protocol::EntryId prev{};
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t seq = first_seq + i;
    out.push_back(author.Seal(rng, seq, prev, 1000 + seq, note + " " + std::to_string(seq)));
    prev = out.back().id;
    EXPECT_TRUE(store.InsertEntry(NewEntry::From(out.back())).ok()) << "seq " << seq;
  }
  return out;
}

std::vector<protocol::EntryId> Ids(const std::vector<protocol::SealedEntry>& entries) {
  std::vector<protocol::EntryId> out;
  for (const auto& e : entries) out.push_back(e.id);
  return out;
}

std::vector<protocol::EntryId> Ids(const std::vector<StoredEntry>& rows) {
  std::vector<protocol::EntryId> out;
  for (const auto& r : rows) out.push_back(r.id);
  return out;
}

std::vector<protocol::EntryId> Sorted(std::vector<protocol::EntryId> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::uint64_t> Seqs(const std::vector<StoredEntry>& rows) {
  std::vector<std::uint64_t> out;
  for (const auto& r : rows) {
    auto entry = protocol::Decode(r.bytes);
    EXPECT_TRUE(entry.ok());
    out.push_back(entry.ok() ? entry->seq : 0);
  }
  return out;
}

// Two ledgers in one file: `solo` (Ana alone, 3 entries) and `shared` (Ana
// with 5 entries, Bea with 2). Ana's chains in the two ledgers overlap in seq.
struct TwoLedgers {
  TwoLedgers() {
    store = OpenOrDie(path);
    if (store == nullptr) return;
    solo_entries = Chain(*store, ana_solo, rng, 1, 3, "solo");
    ana_entries = Chain(*store, ana_shared, rng, 1, 5, "shared");
    bea_entries = Chain(*store, bea, rng, 1, 2, "bea");
    EXPECT_TRUE(store->AddMember(kSolo, ana_solo.identity.public_key(), 1).ok());
    EXPECT_TRUE(store->AddMember(kShared, ana_shared.identity.public_key(), 2).ok());
    EXPECT_TRUE(store->AddMember(kShared, bea.identity.public_key(), 2).ok());
  }
  const crypto::PublicKey& ana() const { return ana_solo.identity.public_key(); }

  const protocol::LedgerId kSolo = Seed(0x50);
  const protocol::LedgerId kShared = Seed(0x5A);
  TempDir dir;
  std::string path = dir.File("ledger.db");
  crypto::DeterministicRandom rng{Seed(21)};
  TestAuthor ana_solo = TestAuthor::Make(rng, kSolo);
  TestAuthor ana_shared = SameAuthorIn(ana_solo, kShared, rng);
  TestAuthor bea = TestAuthor::Make(rng, kShared);
  std::unique_ptr<Store> store;
  std::vector<protocol::SealedEntry> solo_entries, ana_entries, bea_entries;
};

TEST(StoreLedgers, HeadOfAChainSeesOnlyItsOwnLedger) {
  TwoLedgers f;
  ASSERT_NE(f.store, nullptr);
  auto solo = f.store->Head(f.kSolo, f.ana());
  ASSERT_TRUE(solo.ok());
  EXPECT_EQ(solo->seq, 3u);
  EXPECT_EQ(solo->id, f.solo_entries[2].id);
  auto shared = f.store->Head(f.kShared, f.ana());
  ASSERT_TRUE(shared.ok());
  EXPECT_EQ(shared->seq, 5u);
  EXPECT_EQ(shared->id, f.ana_entries[4].id);
  auto bea_in_solo = f.store->Head(f.kSolo, f.bea.identity.public_key());
  ASSERT_TRUE(bea_in_solo.ok());
  EXPECT_EQ(bea_in_solo->seq, 0u);
}

TEST(StoreLedgers, CountEntriesCountsOneLedger) {
  TwoLedgers f;
  ASSERT_NE(f.store, nullptr);
  EXPECT_EQ(*f.store->CountEntries(f.kSolo), 3);
  EXPECT_EQ(*f.store->CountEntries(f.kShared), 7);
  EXPECT_EQ(*f.store->CountEntries(Seed(0x77)), 0);
}

TEST(StoreLedgers, LatestOfALedgerNeverReturnsAnotherLedgersEntries) {
  TwoLedgers f;
  ASSERT_NE(f.store, nullptr);
  auto solo = f.store->Latest(f.kSolo, 100, std::nullopt);
  ASSERT_TRUE(solo.ok());
  // Newest first: the solo entries were inserted first, so they come in reverse.
  std::vector<protocol::EntryId> expected = Ids(f.solo_entries);
  std::reverse(expected.begin(), expected.end());
  EXPECT_EQ(Ids(*solo), expected);

  auto shared = f.store->Latest(f.kShared, 100, std::nullopt);
  ASSERT_TRUE(shared.ok());
  std::vector<protocol::EntryId> shared_ids = Ids(f.ana_entries);
  for (const auto& id : Ids(f.bea_entries)) shared_ids.push_back(id);
  EXPECT_EQ(Sorted(Ids(*shared)), Sorted(shared_ids));

  // Paging with `before` below the shared entries' rowids still stays in its ledger.
  auto before_shared = f.store->Latest(f.kShared, 100, shared->back().rowid);
  ASSERT_TRUE(before_shared.ok());
  EXPECT_TRUE(before_shared->empty());
}

TEST(StoreLedgers, ForEachByChainVisitsOnlyTheGivenLedger) {
  TwoLedgers f;
  ASSERT_NE(f.store, nullptr);
  std::vector<protocol::EntryId> seen;
  ASSERT_TRUE(f.store->ForEachByChain(f.kSolo, [&](const StoredEntry& row) -> Status {
                         seen.push_back(row.id);
                         return OkStatus();
                       }).ok());
  EXPECT_EQ(seen, Ids(f.solo_entries));

  seen.clear();
  ASSERT_TRUE(f.store->ForEachByChain(f.kShared, [&](const StoredEntry& row) -> Status {
                         seen.push_back(row.id);
                         return OkStatus();
                       }).ok());
  EXPECT_EQ(seen.size(), 7u);
  for (const auto& id : Ids(f.solo_entries)) {
    EXPECT_EQ(std::count(seen.begin(), seen.end(), id), 0);
  }
}

TEST(StoreLedgers, FindInChainAndChainAfterStayInTheirLedger) {
  TwoLedgers f;
  ASSERT_NE(f.store, nullptr);
  auto in_solo = f.store->FindInChain(f.kSolo, f.ana(), 2);
  ASSERT_TRUE(in_solo.ok() && in_solo->has_value());
  EXPECT_EQ((*in_solo)->id, f.solo_entries[1].id);
  auto in_shared = f.store->FindInChain(f.kShared, f.ana(), 2);
  ASSERT_TRUE(in_shared.ok() && in_shared->has_value());
  EXPECT_EQ((*in_shared)->id, f.ana_entries[1].id);
  auto past_solo = f.store->FindInChain(f.kSolo, f.ana(), 4);
  ASSERT_TRUE(past_solo.ok());
  EXPECT_FALSE(past_solo->has_value());

  auto chain = f.store->ChainAfter(f.kSolo, f.ana(), 0, 100, protocol::kMaxBatchBytes);
  ASSERT_TRUE(chain.ok());
  EXPECT_EQ(Ids(*chain), Ids(f.solo_entries));
}

TEST(StoreLedgers, MembersArePerLedger) {
  TwoLedgers f;
  ASSERT_NE(f.store, nullptr);
  EXPECT_EQ(*f.store->Members(f.kSolo), std::vector<crypto::PublicKey>{f.ana()});
  std::vector<crypto::PublicKey> both{f.ana(), f.bea.identity.public_key()};
  std::sort(both.begin(), both.end());
  EXPECT_EQ(*f.store->Members(f.kShared), both);
  EXPECT_TRUE(f.store->Members(Seed(0x77))->empty());
}

TEST(StoreLedgers, HasEntryKnowsEntriesOfEveryLedger) {
  TwoLedgers f;
  ASSERT_NE(f.store, nullptr);
  for (const auto* entries : {&f.solo_entries, &f.ana_entries, &f.bea_entries}) {
    for (const auto& e : *entries) {
      auto has = f.store->HasEntry(e.id);
      ASSERT_TRUE(has.ok());
      EXPECT_TRUE(*has);
    }
  }
  auto unsaved = f.ana_shared.Seal(f.rng, 6, f.ana_entries[4].id, 2000, "never inserted");
  auto has = f.store->HasEntry(unsaved.id);
  ASSERT_TRUE(has.ok());
  EXPECT_FALSE(*has);
  EXPECT_FALSE(*f.store->HasEntry(Seed(0)));
}

TEST(StoreLedgers, InsertEntryRecordsTheLedgerOfTheNewEntry) {
  TwoLedgers f;
  ASSERT_NE(f.store, nullptr);
  RawDb raw(f.path, SQLITE_OPEN_READONLY);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM entries WHERE ledger = x'" + ToHex(f.kSolo) + "'"), 3);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM entries WHERE ledger = x'" + ToHex(f.kShared) + "'"), 7);
  EXPECT_EQ(raw.Int("SELECT count(*) FROM entry_keys"), 10);
}

TEST(StoreLedgers, NewEntryFromAnEntryKeepsItsHeaderFieldsAndBytes) {
  crypto::DeterministicRandom rng(Seed(22));
  TestAuthor author = TestAuthor::Make(rng, Seed(0x33));
  auto sealed = author.Seal(rng, 1, {}, 4242, "from parts");
  NewEntry from_parts = NewEntry::From(sealed.entry, sealed.id, sealed.encoded, std::nullopt);
  NewEntry from_sealed = NewEntry::From(sealed);
  for (const NewEntry* e : {&from_parts, &from_sealed}) {
    EXPECT_EQ(e->id, sealed.id);
    EXPECT_EQ(e->ledger, Seed(0x33));
    EXPECT_EQ(e->author, author.identity.public_key());
    EXPECT_EQ(e->seq, 1u);
    EXPECT_EQ(e->hlc, 4242u);
    EXPECT_EQ(e->bytes, sealed.encoded);
  }
  EXPECT_FALSE(from_parts.wrapped_key.has_value());
  EXPECT_EQ(from_sealed.wrapped_key, sealed.key.Encode());

  TempDir dir;
  auto store = OpenOrDie(dir.File("ledger.db"));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->InsertEntry(from_parts).ok());
  auto found = store->FindInChain(Seed(0x33), author.identity.public_key(), 1);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->bytes, sealed.encoded);
  EXPECT_FALSE((*found)->wrapped_key.has_value());  // stored as withdrawn
}

TEST(StoreForks, AddedForksAreListedPerLedgerByAuthorThenSeq) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  const Fork late{Seed(1), Seed(0x20), 9, Seed(0xA1), Seed(0xA2), 111};
  const Fork early{Seed(1), Seed(0x20), 4, Seed(0xB1), Seed(0xB2), 222};
  const Fork other_author{Seed(1), Seed(0x10), 7, Seed(0xC1), Seed(0xC2), 333};
  const Fork other_ledger{Seed(2), Seed(0x20), 1, Seed(0xD1), Seed(0xD2), 444};
  for (const Fork* fork : {&late, &other_ledger, &early, &other_author}) {
    ASSERT_TRUE(store->AddFork(*fork).ok());
  }
  auto expect_fork = [](const Fork& got, const Fork& want) {
    EXPECT_EQ(got.ledger, want.ledger);
    EXPECT_EQ(got.author, want.author);
    EXPECT_EQ(got.seq, want.seq);
    EXPECT_EQ(got.first_id, want.first_id);
    EXPECT_EQ(got.second_id, want.second_id);
    EXPECT_EQ(got.detected_hlc, want.detected_hlc);
  };
  store.reset();  // and they survive a reopen
  store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);

  auto forks = store->Forks(Seed(1));
  ASSERT_TRUE(forks.ok());
  ASSERT_EQ(forks->size(), 3u);
  expect_fork((*forks)[0], other_author);
  expect_fork((*forks)[1], early);
  expect_fork((*forks)[2], late);
  auto others = store->Forks(Seed(2));
  ASSERT_TRUE(others.ok());
  ASSERT_EQ(others->size(), 1u);
  expect_fork((*others)[0], other_ledger);
  EXPECT_TRUE(store->Forks(Seed(3))->empty());
}

TEST(StoreForks, TheSameForkAddedTwiceIsKeptOnce) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("ledger.db"));
  ASSERT_NE(store, nullptr);
  const Fork fork{Seed(1), Seed(0x20), 3, Seed(0xA1), Seed(0xA2), 10};
  ASSERT_TRUE(store->AddFork(fork).ok());
  ASSERT_TRUE(store->AddFork(Fork{fork.ledger, fork.author, fork.seq, fork.first_id, fork.second_id, 99}).ok());
  auto forks = store->Forks(Seed(1));
  ASSERT_TRUE(forks.ok());
  ASSERT_EQ(forks->size(), 1u);
  EXPECT_EQ((*forks)[0].detected_hlc, 10u);  // the first detection is what counts

  // A third entry at the same seq is new evidence.
  ASSERT_TRUE(store->AddFork(Fork{fork.ledger, fork.author, fork.seq, fork.first_id, Seed(0xA3), 11}).ok());
  EXPECT_EQ(store->Forks(Seed(1))->size(), 2u);
}

TEST(StorePeers, SavedPeerRoundTripsAndIsUpdatedInPlace) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->Peers()->empty());
  ASSERT_TRUE(store->SavePeer(PeerRecord{Seed(0x20), "192.0.2.7:47474", 1000, 900}).ok());

  auto peers = store->Peers();
  ASSERT_TRUE(peers.ok());
  ASSERT_EQ(peers->size(), 1u);
  EXPECT_EQ((*peers)[0].author, Seed(0x20));
  EXPECT_EQ((*peers)[0].address, "192.0.2.7:47474");
  EXPECT_EQ((*peers)[0].last_seen_ms, 1000u);
  EXPECT_EQ((*peers)[0].last_sync_ms, 900u);

  ASSERT_TRUE(store->SavePeer(PeerRecord{Seed(0x20), "[2001:db8::1]:5000", 2000, 1999}).ok());
  store.reset();
  store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  peers = store->Peers();
  ASSERT_TRUE(peers.ok());
  ASSERT_EQ(peers->size(), 1u);
  EXPECT_EQ((*peers)[0].address, "[2001:db8::1]:5000");
  EXPECT_EQ((*peers)[0].last_seen_ms, 2000u);
  EXPECT_EQ((*peers)[0].last_sync_ms, 1999u);
}

TEST(StorePeers, AnUnknownAddressRoundTripsAsEmpty) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("ledger.db"));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->SavePeer(PeerRecord{Seed(0x20), "", 5, 0}).ok());
  ASSERT_TRUE(store->SavePeer(PeerRecord{Seed(0x21), "host:1", 6, 6}).ok());
  auto peers = store->Peers();
  ASSERT_TRUE(peers.ok());
  ASSERT_EQ(peers->size(), 2u);
  auto unknown = std::find_if(peers->begin(), peers->end(), [](const PeerRecord& p) { return p.author == Seed(0x20); });
  ASSERT_NE(unknown, peers->end());
  EXPECT_EQ(unknown->address, "");
  EXPECT_EQ(unknown->last_seen_ms, 5u);
}

TEST(StoreValues, AMissingValueIsNothing) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("ledger.db"));
  ASSERT_NE(store, nullptr);
  auto value = store->GetValue("safety_confirmed");
  ASSERT_TRUE(value.ok());
  EXPECT_FALSE(value->has_value());
}

TEST(StoreValues, ASetValueIsReadBackReplacedAndKeptAcrossReopen) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  const Bytes first{1, 2, 3};
  const Bytes second(40, 0xEE);
  ASSERT_TRUE(store->SetValue("some_key", first).ok());
  EXPECT_EQ(*store->GetValue("some_key"), first);
  ASSERT_TRUE(store->SetValue("some_key", second).ok());
  ASSERT_TRUE(store->SetValue("another_key", first).ok());
  store.reset();

  store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->GetValue("some_key"), second);
  EXPECT_EQ(*store->GetValue("another_key"), first);
  EXPECT_FALSE(store->GetValue("some")->has_value());  // no prefix matching
}

TEST(StoreValues, ValuesDoNotDisturbTheLedgerMeta) {
  TempDir dir;
  auto store = OpenOrDie(dir.File("ledger.db"));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->SaveMeta(LedgerMeta{Seed(1), Seed(2)}).ok());
  auto index = store->IndexId();
  ASSERT_TRUE(index.ok());
  ASSERT_TRUE(store->SetValue("safety_confirmed", Bytes(32, 7)).ok());
  auto meta = store->LoadMeta();
  ASSERT_TRUE(meta.ok() && meta->has_value());
  EXPECT_EQ((*meta)->ledger_id, Seed(1));
  EXPECT_EQ((*meta)->self, Seed(2));
  EXPECT_EQ(*store->IndexId(), *index);
}

TEST(StoreIndexId, IsSixteenRandomBytesStoredWithTheFile) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  auto index = store->IndexId();
  ASSERT_TRUE(index.ok()) << index.error().message;
  static_assert(std::tuple_size_v<protocol::IndexId> == 16);
  EXPECT_FALSE(std::all_of(index->begin(), index->end(), [](std::uint8_t b) { return b == 0; }));
  RawDb raw(path, SQLITE_OPEN_READONLY);
  EXPECT_EQ(raw.Int("SELECT length(value) FROM meta WHERE key = 'index_id'"), 16);
  EXPECT_EQ(raw.Blobs("SELECT value FROM meta WHERE key = 'index_id'"),
            std::vector<Bytes>{Bytes(index->begin(), index->end())});
}

TEST(StoreIndexId, IsStableAcrossReopen) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  const protocol::IndexId first = *store->IndexId();
  ASSERT_TRUE(store->SaveMeta(LedgerMeta{Seed(1), Seed(2)}).ok());
  store.reset();
  for (int i = 0; i < 2; ++i) {
    store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(*store->IndexId(), first);
    store.reset();
  }
}

TEST(StoreIndexId, DiffersBetweenTwoFiles) {
  TempDir dir;
  auto one = OpenOrDie(dir.File("one.db"));
  auto two = OpenOrDie(dir.File("two.db"));
  ASSERT_NE(one, nullptr);
  ASSERT_NE(two, nullptr);
  auto a = one->IndexId();
  auto b = two->IndexId();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
}

TEST(StoreIndexId, AMissingIndexIdIsCorrupt) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  {
    RawDb raw(path);
    ASSERT_EQ(raw.Exec("DELETE FROM meta WHERE key = 'index_id'").first, SQLITE_OK);
  }
  auto index = store->IndexId();
  ASSERT_FALSE(index.ok());
  EXPECT_EQ(index.error().code, ErrorCode::kCorrupt);
}

// One author's chain of ten entries of equal size, inserted out of order.
struct TenEntries {
  TenEntries() {
    store = OpenOrDie(dir.File("ledger.db"));
    if (store == nullptr) return;
    protocol::EntryId prev{};
    for (std::uint64_t seq = 1; seq <= 10; ++seq) {
      entries.push_back(ana.Seal(rng, seq, prev, 1000 + seq, "same size " + std::to_string(seq % 10)));
      prev = entries.back().id;
    }
    for (std::size_t i : {4, 0, 9, 2, 1, 7, 3, 8, 6, 5}) {
      EXPECT_TRUE(store->InsertEntry(NewEntry::From(entries[i])).ok());
    }
    // Another author and another ledger, which must never be returned.
    Chain(*store, bea, rng, 1, 3);
    Chain(*store, SameAuthorIn(ana, Seed(0x44), rng), rng, 1, 12);
  }
  std::vector<protocol::EntryId> IdsOf(std::uint64_t first_seq, std::uint64_t last_seq) const {
    std::vector<protocol::EntryId> out;
    for (std::uint64_t seq = first_seq; seq <= last_seq; ++seq) out.push_back(entries[seq - 1].id);
    return out;
  }
  Result<std::vector<StoredEntry>> After(std::uint64_t after_seq, std::size_t limit,
                                         std::size_t max_bytes = protocol::kMaxBatchBytes) {
    return store->ChainAfter(kLedger, ana.identity.public_key(), after_seq, limit, max_bytes);
  }

  const protocol::LedgerId kLedger = Seed(0x40);
  TempDir dir;
  crypto::DeterministicRandom rng{Seed(23)};
  TestAuthor ana = TestAuthor::Make(rng, kLedger);
  TestAuthor bea = TestAuthor::Make(rng, kLedger);
  std::unique_ptr<Store> store;
  std::vector<protocol::SealedEntry> entries;
};

TEST(StoreChainAfter, ReturnsTheWholeChainInAscendingSeq) {
  TenEntries f;
  ASSERT_NE(f.store, nullptr);
  auto rows = f.After(0, 100);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(Ids(*rows), f.IdsOf(1, 10));
  EXPECT_EQ(Seqs(*rows), (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ((*rows)[3].bytes, f.entries[3].encoded);
  EXPECT_EQ((*rows)[3].wrapped_key, f.entries[3].key.Encode());
}

TEST(StoreChainAfter, StartsAfterTheGivenSeqAndStopsAtTheLimit) {
  TenEntries f;
  ASSERT_NE(f.store, nullptr);
  auto first = f.After(0, 3);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Ids(*first), f.IdsOf(1, 3));
  auto middle = f.After(4, 3);
  ASSERT_TRUE(middle.ok());
  EXPECT_EQ(Ids(*middle), f.IdsOf(5, 7));
  auto tail = f.After(8, 3);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(Ids(*tail), f.IdsOf(9, 10));
  auto none = f.After(10, 3);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto stranger = f.store->ChainAfter(f.kLedger, Seed(0x99), 0, 100, protocol::kMaxBatchBytes);
  ASSERT_TRUE(stranger.ok());
  EXPECT_TRUE(stranger->empty());
}

TEST(StoreChainAfter, StopsBeforeMaxBytesButReturnsAtLeastOneEntry) {
  TenEntries f;
  ASSERT_NE(f.store, nullptr);
  const std::size_t size = f.entries[0].encoded.size();
  for (const auto& e : f.entries) ASSERT_EQ(e.encoded.size(), size) << "the fixture needs equal sizes";

  auto exactly_three = f.After(0, 100, 3 * size);
  ASSERT_TRUE(exactly_three.ok());
  EXPECT_EQ(Ids(*exactly_three), f.IdsOf(1, 3));  // max_bytes is inclusive
  auto under_three = f.After(0, 100, 3 * size - 1);
  ASSERT_TRUE(under_three.ok());
  EXPECT_EQ(Ids(*under_three), f.IdsOf(1, 2));
  auto tiny = f.After(5, 100, 1);
  ASSERT_TRUE(tiny.ok());
  EXPECT_EQ(Ids(*tiny), f.IdsOf(6, 6));  // one entry even when it alone is over
  auto zero = f.After(0, 100, 0);
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->size(), 1u);
  auto limit_first = f.After(0, 2, 5 * size);
  ASSERT_TRUE(limit_first.ok());
  EXPECT_EQ(Ids(*limit_first), f.IdsOf(1, 2));  // whichever bound comes first
}

TEST(StoreChainAfter, ListsTheFirstStoredEntryOfAForkFirst) {
  TenEntries f;
  ASSERT_NE(f.store, nullptr);
  auto fork = f.ana.Seal(f.rng, 4, f.entries[2].id, 5000, "a second seq 4");
  ASSERT_TRUE(f.store->InsertEntry(NewEntry::From(fork)).ok());
  auto rows = f.After(3, 3);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ(Seqs(*rows), (std::vector<std::uint64_t>{4, 4, 5}));
  EXPECT_EQ((*rows)[0].id, f.entries[3].id);
  EXPECT_EQ((*rows)[1].id, fork.id);
  EXPECT_EQ((*rows)[2].id, f.entries[4].id);
}

}  // namespace
}  // namespace kintsugi::daemon
