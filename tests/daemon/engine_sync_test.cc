// Engine: pairing adoption and sync between two partners' engines, each on
// its own real ledger files, with no network in between. Pairing runs the
// protocol's state machines in memory; sync is done by hand, as the sync
// service does it: one side's hello names its heads, the other answers each
// want with EntriesAfter, and the first side takes the batch in with Receive.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "daemon/engine.h"
#include "protocol/hlc.h"
#include "protocol/sync.h"
#include "tests/daemon/pairing_support.h"
#include "tests/daemon/test_support.h"

namespace kintsugi::daemon {
namespace {

using nlohmann::json;
using protocol::Rejection;
using protocol::SyncEntry;
using testing::Device;
using testing::KeysOf;
using testing::Note;
using testing::Outcomes;
using testing::Pull;
using testing::Pulled;
using testing::RawDb;
using testing::Reasons;
using testing::RunPairing;
using testing::SealWith;
using testing::Seed;
using testing::TestClock;
using testing::ToSync;

// Ana (the inviter) wrote two check-ins alone before pairing; Bea (the
// joiner) only her introduction. Then they paired and both adopted the
// shared ledger.
class EngineSync : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(ana.engine, nullptr);
    ASSERT_NE(bea.engine, nullptr);
    ana.Init("Ana");
    solo_ids.push_back(ana.OwnChain().at(0).id);
    solo_ids.push_back(ana.Append("alone, first").id);
    solo_ids.push_back(ana.Append("alone, second").id);
    solo_ledger = ana.engine->ledger_id();
    bea.Init("Bea");
    bea_solo_ledger = bea.engine->ledger_id();

    outcomes = RunPairing(ana, bea, clock, pairing_rng);
    ASSERT_TRUE(outcomes.inviter.has_value());
    ASSERT_TRUE(outcomes.joiner.has_value());
    Status adopted_a = ana.engine->AdoptPairing(*outcomes.inviter);
    ASSERT_TRUE(adopted_a.ok()) << adopted_a.error().message;
    Status adopted_b = bea.engine->AdoptPairing(*outcomes.joiner);
    ASSERT_TRUE(adopted_b.ok()) << adopted_b.error().message;
  }

  TestClock clock;
  Device ana{1, clock};
  Device bea{2, clock};
  crypto::DeterministicRandom pairing_rng{Seed(77)};
  crypto::DeterministicRandom forge_rng{Seed(78)};
  Outcomes outcomes;
  std::vector<protocol::EntryId> solo_ids;
  protocol::LedgerId solo_ledger{};
  protocol::LedgerId bea_solo_ledger{};
};

// --- Pairing ---

TEST_F(EngineSync, BothPartnersShareOneLedgerWithTwoMembers) {
  EXPECT_EQ(ana.engine->ledger_id(), bea.engine->ledger_id());
  EXPECT_NE(ana.engine->ledger_id(), solo_ledger);
  EXPECT_NE(bea.engine->ledger_id(), bea_solo_ledger);
  for (Device* d : {&ana, &bea}) {
    auto status = d->engine->GetStatus();
    ASSERT_TRUE(status.ok());
    EXPECT_TRUE(status->paired);
    EXPECT_EQ(status->members, 2u);
    EXPECT_EQ(status->forks, 0u);
  }
  EXPECT_EQ(ana.engine->partner(), bea.self());
  EXPECT_EQ(bea.engine->partner(), ana.self());
  std::vector<crypto::PublicKey> both{ana.self(), bea.self()};
  std::sort(both.begin(), both.end());
  EXPECT_EQ(*ana.engine->store().Members(ana.engine->ledger_id()), both);
  EXPECT_EQ(*bea.engine->store().Members(bea.engine->ledger_id()), both);
}

TEST_F(EngineSync, PairingKeepsTheNamesAndIntroducesEachMemberInTheSharedLedger) {
  EXPECT_EQ(ana.engine->GetStatus()->name, "Ana");
  EXPECT_EQ(bea.engine->GetStatus()->name, "Bea");
  auto log = ana.engine->Log(10, std::nullopt);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 1u);
  EXPECT_TRUE((*log)[0].verified) << (*log)[0].fault;
  EXPECT_EQ((*log)[0].seq, 1u);
  EXPECT_EQ((*log)[0].body, (json{{"kind", "member"}, {"name", "Ana"}}));
}

TEST_F(EngineSync, PairingWritesTheSharedKeysAndArchivesTheSoloLedger) {
  LedgerKeys keys = KeysOf(ana);
  EXPECT_EQ(keys.identity.public_key(), ana.self());
  EXPECT_EQ(keys.ledger_id, outcomes.inviter->ledger_id);
  EXPECT_TRUE(std::ranges::equal(keys.ledger_key.bytes(), outcomes.inviter->ledger_key.bytes()));
  ASSERT_TRUE(keys.beacon_key.has_value());
  EXPECT_TRUE(std::ranges::equal(keys.beacon_key->bytes(), outcomes.inviter->beacon_key.bytes()));
  ASSERT_EQ(keys.archived.size(), 1u);
  EXPECT_EQ(keys.archived[0].id, solo_ledger);
  ASSERT_TRUE(ana.engine->beacon_key().has_value());
  EXPECT_TRUE(std::ranges::equal(ana.engine->beacon_key()->bytes(), bea.engine->beacon_key()->bytes()));
}

TEST_F(EngineSync, SoloEntriesStayPrivateButAreCountedAndStillVerify) {
  std::vector<protocol::EntryId> shown = ana.LogIds();
  ASSERT_EQ(shown.size(), 1u);  // only the introduction in the shared ledger
  for (const auto& id : solo_ids) {
    EXPECT_EQ(std::count(shown.begin(), shown.end(), id), 0) << "a solo entry is in the shared log";
  }
  EXPECT_EQ(ana.engine->GetStatus()->entries, 1);
  auto kept = ana.engine->PrivateEntries();
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(*kept, 2) << "the two check-ins; the introduction is not carried, so not counted";
  EXPECT_EQ(*bea.engine->PrivateEntries(), 0);
  for (const auto& id : solo_ids) EXPECT_TRUE(*ana.engine->store().HasEntry(id));

  auto report = ana.engine->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->entries_checked, 4);  // 3 private and 1 shared

  // Sync never sends them: they are not in the shared ledger the partner asks about.
  Pulled pulled = Pull(bea, ana);
  EXPECT_EQ(pulled.stored, 1u);
  for (const auto& id : solo_ids) EXPECT_FALSE(*bea.engine->store().HasEntry(id));
}

TEST_F(EngineSync, AdoptingAPairingTwiceFailsWithAlreadyExists) {
  const Bytes key_file = testing::ReadFileBytes(ana.key_path);
  Status again = ana.engine->AdoptPairing(*outcomes.inviter);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(testing::ReadFileBytes(ana.key_path), key_file);
  EXPECT_EQ(ana.engine->GetStatus()->entries, 1);
  EXPECT_EQ(*ana.engine->PrivateEntries(), 2);
}

TEST_F(EngineSync, ReopeningAPairedDeviceKeepsTheSharedLedgerAndItsName) {
  const protocol::LedgerId shared = ana.engine->ledger_id();
  ana.Reopen();
  ASSERT_NE(ana.engine, nullptr);
  EXPECT_TRUE(ana.engine->paired());
  EXPECT_EQ(ana.engine->ledger_id(), shared);
  EXPECT_EQ(ana.engine->partner(), bea.self());
  EXPECT_EQ(ana.engine->GetStatus()->name, "Ana");
  EXPECT_EQ(*ana.engine->PrivateEntries(), 2);
  AppendedEntry next = ana.Append("after restart");
  EXPECT_EQ(next.seq, 2u);
  ana.ExpectVerifies();
}

// --- Hello and EntriesAfter ---

TEST_F(EngineSync, HelloNamesTheLedgerTheIndexAndEveryMembersHead) {
  auto hello = ana.engine->Hello();
  ASSERT_TRUE(hello.ok());
  EXPECT_EQ(hello->version, protocol::kSyncVersion);
  EXPECT_EQ(hello->ledger_id, ana.engine->ledger_id());
  EXPECT_EQ(hello->index_id, *ana.engine->store().IndexId());
  ASSERT_EQ(hello->heads.size(), 2u);
  for (const auto& head : hello->heads) {
    if (head.author == ana.self()) {
      EXPECT_EQ(head.seq, 1u);
      EXPECT_EQ(head.id, ana.OwnChain().at(0).id);
    } else {
      EXPECT_EQ(head.author, bea.self());
      EXPECT_EQ(head.seq, 0u);  // nothing of Bea's here yet
      EXPECT_TRUE(IsZero(head.id));
    }
  }
}

TEST_F(EngineSync, EachDatabaseHasItsOwnIndexId) {
  auto a = ana.engine->Hello();
  auto b = bea.engine->Hello();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->ledger_id, b->ledger_id);
  EXPECT_NE(a->index_id, b->index_id);
}

TEST_F(EngineSync, EntriesAfterReturnsAtMostOneBatchAndSaysWhenMoreRemain) {
  const std::size_t extra = protocol::kMaxBatchEntries + 44;
  for (std::size_t i = 0; i < extra; ++i) {
    ASSERT_TRUE(bea.engine->Append(Note("n" + std::to_string(i))).ok());
  }
  const std::uint64_t head = 1 + extra;

  auto first = bea.engine->EntriesAfter({bea.self(), 0, 1000});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->author, bea.self());
  ASSERT_EQ(first->entries.size(), protocol::kMaxBatchEntries);
  EXPECT_TRUE(first->more);
  for (std::size_t i = 0; i < first->entries.size(); ++i) {
    auto entry = protocol::Decode(first->entries[i].entry);
    ASSERT_TRUE(entry.ok());
    EXPECT_EQ(entry->seq, i + 1);
    EXPECT_TRUE(first->entries[i].wrapped_key.has_value());
  }

  auto rest = bea.engine->EntriesAfter({bea.self(), protocol::kMaxBatchEntries, 1000});
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->entries.size(), head - protocol::kMaxBatchEntries);
  EXPECT_FALSE(rest->more);
  EXPECT_EQ(protocol::Decode(rest->entries.front().entry)->seq, protocol::kMaxBatchEntries + 1);
  EXPECT_EQ(protocol::Decode(rest->entries.back().entry)->seq, head);

  auto five = bea.engine->EntriesAfter({bea.self(), 100, 5});
  ASSERT_TRUE(five.ok());
  ASSERT_EQ(five->entries.size(), 5u);
  EXPECT_TRUE(five->more);
  EXPECT_EQ(protocol::Decode(five->entries.front().entry)->seq, 101u);

  auto at_head = bea.engine->EntriesAfter({bea.self(), head, 10});
  ASSERT_TRUE(at_head.ok());
  EXPECT_TRUE(at_head->entries.empty());
  EXPECT_FALSE(at_head->more);

  // The whole chain arrives in two batches and verifies on the other side.
  Pulled pulled = Pull(ana, bea);
  EXPECT_EQ(pulled.stored, head);
  EXPECT_EQ(pulled.batches, 2u);
  EXPECT_TRUE(pulled.refused.empty());
  EXPECT_EQ(ana.engine->Head(bea.self())->seq, head);
  ana.ExpectVerifies();
}

TEST_F(EngineSync, EntriesAfterAnswersNothingForAStranger) {
  auto batch = ana.engine->EntriesAfter({Seed(0x99), 0, 10});
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->author, Seed(0x99));
  EXPECT_TRUE(batch->entries.empty());
  EXPECT_FALSE(batch->more);
}

TEST_F(EngineSync, EntriesAfterServesOnlyTheSharedLedgersChain) {
  // Ana wrote three entries alone and one in the shared ledger: only that one is served.
  auto own = ana.engine->EntriesAfter({ana.self(), 0, 10});
  ASSERT_TRUE(own.ok());
  ASSERT_EQ(own->entries.size(), 1u);
  EXPECT_EQ(protocol::ComputeId(ByteView(own->entries[0].entry)), ana.OwnChain().at(0).id);
  EXPECT_FALSE(own->more);
  for (const auto& id : solo_ids) EXPECT_NE(protocol::ComputeId(ByteView(own->entries[0].entry)), id);
}

// --- Receive ---

TEST_F(EngineSync, ExchangingBothWaysLeavesBothLogsEqualAndVerified) {
  ana.Append("a1");
  ana.Append("a2");
  bea.Append("b1");
  bea.Append("b2");
  bea.Append("b3");
  Pulled to_ana = Pull(ana, bea);
  Pulled to_bea = Pull(bea, ana);
  EXPECT_EQ(to_ana.stored, 4u);  // Bea's introduction and three check-ins
  EXPECT_EQ(to_bea.stored, 3u);
  EXPECT_TRUE(to_ana.refused.empty());
  EXPECT_TRUE(to_bea.refused.empty());

  std::vector<protocol::EntryId> a_ids = ana.LogIds();
  EXPECT_EQ(a_ids.size(), 7u);
  EXPECT_EQ(a_ids, bea.LogIds());
  EXPECT_EQ(ana.engine->GetStatus()->entries, 7);
  EXPECT_EQ(bea.engine->GetStatus()->entries, 7);
  ana.ExpectVerifies();
  bea.ExpectVerifies();

  // Every entry opens on both sides: they share the ledger key.
  auto log = bea.engine->Log(100, std::nullopt);
  ASSERT_TRUE(log.ok());
  for (const LogItem& item : *log) {
    EXPECT_TRUE(item.verified) << item.fault;
    EXPECT_TRUE(item.body.has_value());
  }
  // Nothing left to pull either way.
  EXPECT_EQ(Pull(ana, bea).stored, 0u);
  EXPECT_EQ(Pull(bea, ana).stored, 0u);
}

TEST_F(EngineSync, AnAppendAfterSyncNamesThePartnersHeadAsParent) {
  bea.Append("b1");
  Pull(ana, bea);
  AppendedEntry next = ana.Append("seen Bea's");
  auto entry = protocol::Decode(next.stored.bytes);
  ASSERT_TRUE(entry.ok());
  auto bea_head = ana.engine->Head(bea.self());
  ASSERT_TRUE(bea_head.ok());
  ASSERT_EQ(bea_head->seq, 2u);
  EXPECT_EQ(entry->parents, std::vector<protocol::EntryId>{bea_head->id});
}

TEST_F(EngineSync, ABatchCheckedAheadIsStoredAsIfCheckedOnArrivalAndItsBadSignatureStillRefused) {
  // Sync reads batch k+1 while it stores batch k and checks its signatures
  // then: the verdicts made ahead are the ones Receive uses.
  for (int i = 0; i < 150; ++i) bea.Append("b" + std::to_string(i));
  auto first = bea.engine->EntriesAfter({bea.self(), 0, 100});
  auto second = bea.engine->EntriesAfter({bea.self(), 100, 100});
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_EQ(first->entries.size(), 100u);
  ASSERT_EQ(second->entries.size(), 51u);
  second->entries[10].entry.back() ^= 0x01;  // the signature's last byte

  auto ahead = ana.engine->CheckAhead(second->entries);
  int reads = 0;
  auto stored_first = ana.engine->Receive(bea.self(), first->entries, Engine::Notify::kNone, nullptr,
                                          [&] { ++reads; });
  ASSERT_TRUE(stored_first.ok());
  EXPECT_EQ(stored_first->stored, 100u);
  EXPECT_EQ(reads, 100 / static_cast<int>(Engine::kReadAheadEvery) + 1);  // every 64 entries, and before the commit

  auto stored_second = ana.engine->Receive(bea.self(), second->entries, Engine::Notify::kNone, ahead.get());
  ASSERT_TRUE(stored_second.ok());
  EXPECT_EQ(stored_second->stored, 10u);
  ASSERT_FALSE(stored_second->refused.empty());
  EXPECT_EQ(stored_second->refused[0].reason, protocol::Rejection::kBadSignature);
  EXPECT_EQ(stored_second->head.seq, 110u);
  ana.ExpectVerifies();
}

TEST_F(EngineSync, ReceivingTheSameBatchAgainCountsDuplicatesAndStoresNothing) {
  bea.Append("b1");
  bea.Append("b2");
  auto batch = bea.engine->EntriesAfter({bea.self(), 0, 100});
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->entries.size(), 3u);
  auto first = ana.engine->Receive(bea.self(), batch->entries);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->stored, 3u);
  EXPECT_EQ(first->duplicates, 0u);
  const std::int64_t count = *ana.engine->store().CountEntries(ana.engine->ledger_id());

  auto again = ana.engine->Receive(bea.self(), batch->entries);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->stored, 0u);
  EXPECT_EQ(again->duplicates, 3u);
  EXPECT_EQ(again->forks, 0u);
  EXPECT_TRUE(again->refused.empty());
  EXPECT_EQ(again->head.seq, 3u);
  EXPECT_EQ(*ana.engine->store().CountEntries(ana.engine->ledger_id()), count);
  ana.ExpectVerifies();
}

TEST_F(EngineSync, ALargeBatchChecksSignaturesOnSeveralCoresAndStillRefusesAForgery) {
  for (int i = 0; i < 99; ++i) bea.Append("b" + std::to_string(i));
  auto batch = bea.engine->EntriesAfter({bea.self(), 0, 256});
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->entries.size(), 100u);
  std::vector<SyncEntry> entries = batch->entries;
  entries[90].entry.back() ^= 0x01;  // in the last worker's share
  auto report = ana.engine->Receive(bea.self(), entries);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->stored, 90u);
  ASSERT_FALSE(report->refused.empty());
  EXPECT_EQ(report->refused[0].reason, Rejection::kBadSignature);
  EXPECT_EQ(report->head.seq, 90u);
  ana.ExpectVerifies();
}

TEST_F(EngineSync, AFlippedSignatureByteIsRefusedAndTheValidEntriesBeforeItAreStored) {
  bea.Append("b1");
  bea.Append("b2");
  bea.Append("b3");
  auto batch = bea.engine->EntriesAfter({bea.self(), 0, 100});
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->entries.size(), 4u);
  std::vector<SyncEntry> entries = batch->entries;
  entries[2].entry.back() ^= 0x01;  // a bit of seq 3's signature

  auto report = ana.engine->Receive(bea.self(), entries);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->stored, 2u);
  ASSERT_EQ(report->refused.size(), 2u);
  EXPECT_EQ(report->refused[0].reason, Rejection::kBadSignature);
  EXPECT_EQ(report->refused[1].reason, Rejection::kSeqGap);  // seq 4 no longer follows
  EXPECT_EQ(report->head.seq, 2u);
  EXPECT_EQ(ana.engine->Head(bea.self())->seq, 2u);
  EXPECT_FALSE(*ana.engine->store().HasEntry(protocol::ComputeId(ByteView(entries[2].entry))));
  ana.ExpectVerifies();

  // The genuine entries still arrive afterwards.
  Pulled pulled = Pull(ana, bea);
  EXPECT_EQ(pulled.stored, 2u);
  EXPECT_EQ(ana.engine->Head(bea.self())->seq, 4u);
}

TEST_F(EngineSync, AnEntrySealedForAnotherLedgerIsRefusedAsWrongLedger) {
  Pull(ana, bea);  // Bea's introduction: her head at Ana is seq 1
  LedgerKeys keys = KeysOf(bea);
  const protocol::ChainHead head = *ana.engine->Head(bea.self());
  auto elsewhere = SealWith(keys, bea_solo_ledger, head.seq + 1, head.id, clock.NowMillis() << 16,
                            "meant for another ledger", forge_rng);
  // Bea's genuine solo introduction, which belongs to her private ledger.
  auto solo_intro = bea.engine->store().FindInChain(bea_solo_ledger, bea.self(), 1);
  ASSERT_TRUE(solo_intro.ok() && solo_intro->has_value());

  auto report = ana.engine->Receive(
      bea.self(), {ToSync(elsewhere), SyncEntry{(*solo_intro)->bytes, (*solo_intro)->wrapped_key}});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->stored, 0u);
  EXPECT_EQ(Reasons(report->refused), (std::vector<Rejection>{Rejection::kWrongLedger, Rejection::kWrongLedger}));
  EXPECT_EQ(ana.engine->Head(bea.self())->seq, 1u);
  EXPECT_FALSE(*ana.engine->store().HasEntry(elsewhere.id));
}

TEST_F(EngineSync, AnEntryByANonMemberIsRefusedAsUnknownAuthor) {
  crypto::DeterministicRandom rng(Seed(13));
  LedgerKeys stranger{crypto::SigningKey::Generate(rng), ana.engine->ledger_id(),
                      std::move(crypto::SymmetricKey::FromBytes(outcomes.inviter->ledger_key.bytes())).value(),
                      std::nullopt, {}};
  auto entry = SealWith(stranger, stranger.ledger_id, 1, {}, clock.NowMillis() << 16, "let me in", rng);
  auto report = ana.engine->Receive(stranger.identity.public_key(), {ToSync(entry)});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->stored, 0u);
  EXPECT_EQ(Reasons(report->refused), std::vector<Rejection>{Rejection::kUnknownAuthor});
  EXPECT_FALSE(*ana.engine->store().HasEntry(entry.id));
  EXPECT_EQ(ana.engine->GetStatus()->members, 2u);
}

TEST_F(EngineSync, AnEntryBeyondTheNextSeqIsRefusedAsSeqGap) {
  Pull(ana, bea);
  LedgerKeys keys = KeysOf(bea);
  const protocol::ChainHead head = *ana.engine->Head(bea.self());
  ASSERT_EQ(head.seq, 1u);
  auto skipped = SealWith(keys, keys.ledger_id, head.seq + 2, head.id, clock.NowMillis() << 16, "too far",
                          forge_rng);
  auto report = ana.engine->Receive(bea.self(), {ToSync(skipped)});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->stored, 0u);
  EXPECT_EQ(Reasons(report->refused), std::vector<Rejection>{Rejection::kSeqGap});
  EXPECT_EQ(ana.engine->Head(bea.self())->seq, 1u);
}

TEST_F(EngineSync, AnEntryThatDoesNotLinkToTheHeadIsRefusedAsPrevMismatch) {
  Pull(ana, bea);
  LedgerKeys keys = KeysOf(bea);
  auto unlinked = SealWith(keys, keys.ledger_id, 2, Seed(0x42), clock.NowMillis() << 16, "wrong prev", forge_rng);
  auto report = ana.engine->Receive(bea.self(), {ToSync(unlinked)});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->stored, 0u);
  EXPECT_EQ(Reasons(report->refused), std::vector<Rejection>{Rejection::kPrevMismatch});
}

TEST_F(EngineSync, UndecodableBytesAndAnotherAuthorsEntryAreRefusedAsMalformed) {
  auto batch = bea.engine->EntriesAfter({bea.self(), 0, 10});
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->entries.size(), 1u);
  std::vector<SyncEntry> entries{SyncEntry{Bytes{1, 2, 3}, std::nullopt}, batch->entries[0]};
  // Bea's entry, sent as if it were Ana's chain.
  auto report = ana.engine->Receive(ana.self(), entries);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->stored, 0u);
  EXPECT_EQ(Reasons(report->refused), (std::vector<Rejection>{Rejection::kMalformed, Rejection::kMalformed}));
  EXPECT_EQ(ana.engine->Head(bea.self())->seq, 0u);
}

TEST_F(EngineSync, AnEntryWithAWrappedKeyOfTheWrongSizeIsStoredWithoutIt) {
  auto batch = bea.engine->EntriesAfter({bea.self(), 0, 10});
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->entries.size(), 1u);
  SyncEntry entry = batch->entries[0];
  entry.wrapped_key = Bytes(7, 0xAA);
  auto report = ana.engine->Receive(bea.self(), {entry});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->stored, 1u);
  auto stored = ana.engine->store().FindInChain(ana.engine->ledger_id(), bea.self(), 1);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_FALSE((*stored)->wrapped_key.has_value());
  ana.ExpectVerifies();
}

TEST_F(EngineSync, ABatchIsStoredInOneTransaction) {
  bea.Append("b1");
  bea.Append("b2");
  auto batch = bea.engine->EntriesAfter({bea.self(), 0, 10});
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->entries.size(), 3u);
  const protocol::EntryId third = protocol::ComputeId(ByteView(batch->entries[2].entry));
  {
    // The store fails on the batch's third entry.
    RawDb raw(ana.db_path);
    ASSERT_EQ(raw.Exec("CREATE TRIGGER fail_third BEFORE INSERT ON entries WHEN NEW.id = x'" + ToHex(third) +
                       "' BEGIN SELECT RAISE(ABORT, 'disk trouble'); END")
                  .first,
              SQLITE_OK);
  }
  int heard = 0;
  ana.engine->set_append_listener([&](const AppendedEntry&) { ++heard; });
  auto report = ana.engine->Receive(bea.self(), batch->entries);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(ana.engine->Head(bea.self())->seq, 0u);  // the first two were rolled back with it
  EXPECT_EQ(ana.engine->GetStatus()->entries, 1);
  EXPECT_EQ(heard, 0);
  {
    RawDb raw(ana.db_path);
    ASSERT_EQ(raw.Exec("DROP TRIGGER fail_third").first, SQLITE_OK);
  }
  auto retried = ana.engine->Receive(bea.self(), batch->entries);
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(retried->stored, 3u);
  EXPECT_EQ(heard, 3);
}

TEST_F(EngineSync, AForkIsKeptAsEvidenceAndFreezesTheChain) {
  for (const char* note : {"b1", "b2", "b3"}) bea.Append(note);  // Bea's chain: seq 1..4
  ASSERT_EQ(Pull(ana, bea).stored, 4u);
  const std::vector<StoredEntry> chain = bea.OwnChain();
  ASSERT_EQ(chain.size(), 4u);

  // A second valid entry at seq 3, signed with Bea's own key.
  LedgerKeys keys = KeysOf(bea);
  auto rewritten = SealWith(keys, keys.ledger_id, 3, chain[1].id, (clock.NowMillis() + 5) << 16,
                            "history, rewritten", forge_rng);
  ASSERT_NE(rewritten.id, chain[2].id);
  auto report = ana.engine->Receive(bea.self(), {ToSync(rewritten)});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->forks, 1u);
  EXPECT_EQ(report->stored, 0u);
  EXPECT_TRUE(report->refused.empty());
  EXPECT_EQ(report->head.seq, 4u);
  EXPECT_TRUE(*ana.engine->store().HasEntry(rewritten.id));  // kept as evidence

  auto forks = ana.engine->Forks();
  ASSERT_TRUE(forks.ok());
  ASSERT_EQ(forks->size(), 1u);
  EXPECT_EQ((*forks)[0].ledger, ana.engine->ledger_id());
  EXPECT_EQ((*forks)[0].author, bea.self());
  EXPECT_EQ((*forks)[0].seq, 3u);
  EXPECT_EQ((*forks)[0].first_id, chain[2].id);
  EXPECT_EQ((*forks)[0].second_id, rewritten.id);
  EXPECT_EQ(ana.engine->GetStatus()->forks, 1u);
  EXPECT_EQ(ana.engine->Head(bea.self())->id, chain[3].id);  // the chain this device had

  // The fork evidence is the ledger's one fault: verify names it.
  auto verified = ana.engine->Verify();
  ASSERT_TRUE(verified.ok());
  EXPECT_FALSE(verified->ok());
  ASSERT_EQ(verified->faults.size(), 1u);
  EXPECT_EQ(verified->faults[0].kind, VerifyFault::Kind::kFork);
  EXPECT_EQ(verified->entries_checked, 3 + 1 + 4 + 1);  // private, Ana's, Bea's, the evidence

  // The same evidence again is a duplicate, not a second fork.
  auto again = ana.engine->Receive(bea.self(), {ToSync(rewritten)});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->duplicates, 1u);
  EXPECT_EQ(again->forks, 0u);
  EXPECT_EQ(ana.engine->Forks()->size(), 1u);

  // Bea's later entries are refused: her chain is frozen from seq 3 on.
  bea.Append("b4");
  Pulled pulled = Pull(ana, bea);
  EXPECT_EQ(pulled.stored, 0u);
  ASSERT_EQ(Reasons(pulled.refused), std::vector<Rejection>{Rejection::kSeqBehind});
  EXPECT_NE(pulled.refused[0].detail.find("frozen"), std::string::npos) << pulled.refused[0].detail;
  EXPECT_EQ(ana.engine->Head(bea.self())->seq, 4u);

  // What Ana serves of Bea's chain is the chain, not the evidence.
  auto served = ana.engine->EntriesAfter({bea.self(), 0, 100});
  ASSERT_TRUE(served.ok());
  ASSERT_EQ(served->entries.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(protocol::ComputeId(ByteView(served->entries[i].entry)), chain[i].id) << "seq " << i + 1;
  }
  EXPECT_FALSE(served->more);

  // Ana's own chain is not frozen.
  EXPECT_TRUE(ana.engine->Append(Note("still writing")).ok());
  ana.ExpectVerifies(/*forks=*/1);
}

TEST_F(EngineSync, AForkOfTheDevicesOwnChainStopsItsAppends) {
  LedgerKeys keys = KeysOf(ana);
  auto twin = SealWith(keys, keys.ledger_id, 1, {}, clock.NowMillis() << 16, "another device with my key",
                       forge_rng);
  auto report = ana.engine->Receive(ana.self(), {ToSync(twin)});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->forks, 1u);

  auto appended = ana.engine->Append(Note("after the fork"));
  ASSERT_FALSE(appended.ok());
  EXPECT_EQ(appended.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(appended.error().message.find("frozen"), std::string::npos) << appended.error().message;
  EXPECT_EQ(ana.engine->Head(ana.self())->seq, 1u);
  ana.ExpectVerifies(/*forks=*/1);
}

TEST_F(EngineSync, AReceivedClockWithinTheMarginMovesTheLocalClockForward) {
  Pull(ana, bea);
  LedgerKeys keys = KeysOf(bea);
  const std::uint64_t ahead = protocol::MakeHlc(clock.NowMillis() + 60'000, 3);  // a minute fast
  const protocol::ChainHead head = *ana.engine->Head(bea.self());
  auto fast = SealWith(keys, keys.ledger_id, 2, head.id, ahead, "a minute fast", forge_rng);
  ASSERT_EQ(ana.engine->Receive(bea.self(), {ToSync(fast)})->stored, 1u);
  auto next = ana.engine->Append(Note("after"));
  ASSERT_TRUE(next.ok());
  EXPECT_GT(next->hlc, ahead);
}

TEST_F(EngineSync, AReceivedClockFarAheadDoesNotDragTheLocalClock) {
  Pull(ana, bea);
  LedgerKeys keys = KeysOf(bea);
  const std::uint64_t far = protocol::MakeHlc(clock.NowMillis() + 24 * 3'600'000ull, 0);  // a day fast
  const protocol::ChainHead head = *ana.engine->Head(bea.self());
  auto wrong = SealWith(keys, keys.ledger_id, 2, head.id, far, "a day fast", forge_rng);
  ASSERT_EQ(ana.engine->Receive(bea.self(), {ToSync(wrong)})->stored, 1u);  // valid, so kept
  clock.Advance(1'000);
  auto next = ana.engine->Append(Note("after"));
  ASSERT_TRUE(next.ok());
  EXPECT_LT(next->hlc, far);
  EXPECT_EQ(protocol::HlcMillis(next->hlc), clock.NowMillis());
}

TEST_F(EngineSync, TheAppendListenerHearsReceivedEntriesAsNotLocal) {
  bea.Append("b1");
  bea.Append("b2");
  std::vector<AppendedEntry> heard;
  ana.engine->set_append_listener([&](const AppendedEntry& e) { heard.push_back(e); });
  Pulled pulled = Pull(ana, bea);
  ASSERT_EQ(pulled.stored, 3u);
  ASSERT_EQ(heard.size(), 3u);
  const std::vector<StoredEntry> chain = bea.OwnChain();
  for (std::size_t i = 0; i < heard.size(); ++i) {
    EXPECT_FALSE(heard[i].local);
    EXPECT_EQ(heard[i].author, bea.self());
    EXPECT_EQ(heard[i].seq, i + 1);
    EXPECT_EQ(heard[i].id, chain[i].id);
    EXPECT_EQ(heard[i].stored.bytes, chain[i].bytes);
    EXPECT_EQ(heard[i].stored.ledger, ana.engine->ledger_id());
    EXPECT_TRUE(heard[i].kind.empty());
  }
  // Duplicates are not news; Ana's own append is, and local.
  Pull(ana, bea);
  EXPECT_EQ(heard.size(), 3u);
  ana.Append("mine");
  ASSERT_EQ(heard.size(), 4u);
  EXPECT_TRUE(heard[3].local);
  EXPECT_EQ(heard[3].kind, "checkin");
}

// --- Safety number ---

TEST_F(EngineSync, ConfirmingTheSafetyNumberIsRememberedPerDevice) {
  auto before = ana.engine->SafetyNumberConfirmed();
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(*before);
  ASSERT_TRUE(ana.engine->ConfirmSafetyNumber().ok());
  auto after = ana.engine->SafetyNumberConfirmed();
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(*after);
  EXPECT_FALSE(*bea.engine->SafetyNumberConfirmed());  // each partner confirms for themself

  ana.Reopen();
  ASSERT_NE(ana.engine, nullptr);
  EXPECT_TRUE(*ana.engine->SafetyNumberConfirmed());
}

}  // namespace
}  // namespace kintsugi::daemon
