// Engine: init, append, log and verify over a real store and key file, and
// reopening them as the daemon does at start-up.
#include "daemon/engine.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "protocol/entry.h"
#include "protocol/hlc.h"
#include "tests/daemon/test_support.h"

namespace kintsugi::daemon {
namespace {

using nlohmann::json;
using testing::Exists;
using testing::RawDb;
using testing::Seed;
using testing::TempDir;
using testing::TestClock;

protocol::CheckIn Note(std::string note, std::optional<int> mood = std::nullopt,
                       std::optional<int> trust = std::nullopt) {
  return protocol::CheckIn{std::move(note), mood, trust};
}

// One device's ledger files in a fresh directory, with the engine open on
// them as kintsugid opens it. `engine` is null if opening failed.
struct Ledger {
  Ledger() { engine = OpenEngine(); }

  std::unique_ptr<Engine> OpenEngine() {
    auto opened = TryOpen(db_path, key_path);
    EXPECT_TRUE(opened.ok()) << (opened.ok() ? "" : opened.error().message);
    return opened.ok() ? std::move(opened).value() : nullptr;
  }
  Result<std::unique_ptr<Engine>> TryOpen(const std::string& db, const std::string& key) {
    auto store = Store::Open(db);
    if (!store.ok()) return store.take_error();
    return Engine::Open(std::move(store).value(), key, clock, rng);
  }
  void InitAs(const std::string& name) {
    ASSERT_NE(engine, nullptr);
    auto status = engine->Init(protocol::MemberIntro{name});
    ASSERT_TRUE(status.ok()) << status.error().message;
  }
  AppendedEntry AppendOk(const protocol::CheckIn& checkin) {
    auto appended = engine->Append(checkin);
    EXPECT_TRUE(appended.ok()) << (appended.ok() ? "" : appended.error().message);
    return appended.ok() ? *appended : AppendedEntry{};
  }
  // The stored entries decoded, in insertion order, read behind the engine's back.
  std::vector<protocol::Entry> StoredEntries() {
    RawDb raw(db_path, SQLITE_OPEN_READONLY);
    std::vector<protocol::Entry> out;
    for (const Bytes& bytes : raw.Blobs("SELECT bytes FROM entries ORDER BY rowid")) {
      auto entry = protocol::Decode(bytes);
      EXPECT_TRUE(entry.ok());
      if (entry.ok()) out.push_back(*entry);
    }
    return out;
  }

  TempDir dir;
  std::string db_path = dir.File("ledger.db");
  std::string key_path = dir.File("identity.key");
  TestClock clock;
  crypto::DeterministicRandom rng{Seed(42)};
  std::unique_ptr<Engine> engine;
};

TEST(Engine, FreshEngineIsNotInitialised) {
  Ledger t;
  ASSERT_NE(t.engine, nullptr);
  EXPECT_FALSE(t.engine->initialized());
  auto status = t.engine->GetStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_FALSE(status->initialized);

  auto appended = t.engine->Append(Note("too early"));
  ASSERT_FALSE(appended.ok());
  EXPECT_EQ(appended.error().code, ErrorCode::kFailedPrecondition);
  auto log = t.engine->Log(10, std::nullopt);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.error().code, ErrorCode::kFailedPrecondition);
  auto verify = t.engine->Verify();
  ASSERT_FALSE(verify.ok());
  EXPECT_EQ(verify.error().code, ErrorCode::kFailedPrecondition);

  EXPECT_FALSE(Exists(t.key_path));
  EXPECT_EQ(RawDb(t.db_path).Int("SELECT count(*) FROM entries"), 0);
}

TEST(Engine, InitCreatesTheKeyFileAndTheFirstMemberEntry) {
  Ledger t;
  ASSERT_NE(t.engine, nullptr);
  auto status = t.engine->Init(protocol::MemberIntro{"Ana"});
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_TRUE(t.engine->initialized());
  EXPECT_TRUE(status->initialized);
  EXPECT_EQ(status->name, "Ana");
  EXPECT_EQ(status->entries, 1);
  EXPECT_EQ(status->members, 1u);

  auto keys = ReadKeyFile(t.key_path);
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_EQ(keys->identity.public_key(), status->author);
  EXPECT_EQ(keys->ledger_id, status->ledger_id);

  auto log = t.engine->Log(10, std::nullopt);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 1u);
  const LogItem& first = (*log)[0];
  EXPECT_TRUE(first.verified) << first.fault;
  EXPECT_EQ(first.seq, 1u);
  EXPECT_EQ(first.author, status->author);
  ASSERT_TRUE(first.body.has_value());
  EXPECT_EQ(*first.body, (json{{"kind", "member"}, {"name", "Ana"}}));

  auto stored = t.StoredEntries();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].ledger_id, status->ledger_id);
  EXPECT_TRUE(IsZero(stored[0].prev));
  EXPECT_EQ(protocol::HlcMillis(stored[0].hlc), TestClock::kStart);
}

TEST(Engine, InitTwiceFailsWithAlreadyExists) {
  Ledger t;
  ASSERT_NE(t.engine, nullptr);
  t.InitAs("Ana");
  const Bytes key_file = testing::ReadFileBytes(t.key_path);
  auto again = t.engine->Init(protocol::MemberIntro{"Bea"});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(testing::ReadFileBytes(t.key_path), key_file);  // identity not replaced
  auto status = t.engine->GetStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->name, "Ana");
  EXPECT_EQ(status->entries, 1);
}

TEST(Engine, AppendIncrementsSeqAndChainsPrev) {
  Ledger t;
  ASSERT_NE(t.engine, nullptr);
  t.InitAs("Ana");
  std::vector<AppendedEntry> appended;
  for (int i = 0; i < 3; ++i) {
    t.clock.Advance(10);
    appended.push_back(t.AppendOk(Note("note " + std::to_string(i))));
  }
  EXPECT_EQ(appended[0].seq, 2u);
  EXPECT_EQ(appended[1].seq, 3u);
  EXPECT_EQ(appended[2].seq, 4u);

  auto stored = t.StoredEntries();
  ASSERT_EQ(stored.size(), 4u);
  for (std::size_t i = 1; i < stored.size(); ++i) {
    EXPECT_EQ(stored[i].seq, i + 1);
    EXPECT_EQ(stored[i].prev, protocol::ComputeId(stored[i - 1])) << "seq " << stored[i].seq;
    EXPECT_EQ(stored[i].author, stored[0].author);
    EXPECT_TRUE(stored[i].parents.empty());  // a single-member ledger has no other chains
  }
  EXPECT_EQ(protocol::ComputeId(stored[3]), appended[2].id);
  EXPECT_EQ(t.engine->GetStatus()->entries, 4);
}

TEST(Engine, HlcFollowsTheClockWhenItMovesForward) {
  Ledger t;
  ASSERT_NE(t.engine, nullptr);
  t.InitAs("Ana");
  t.clock.Advance(5'000);
  AppendedEntry e = t.AppendOk(Note("later"));
  EXPECT_EQ(protocol::HlcMillis(e.hlc), TestClock::kStart + 5'000);
  EXPECT_EQ(protocol::HlcCounter(e.hlc), 0u);
}

TEST(Engine, HlcStrictlyIncreasesWhenTheClockGoesBackwards) {
  Ledger t;
  ASSERT_NE(t.engine, nullptr);
  t.InitAs("Ana");
  std::uint64_t last = t.StoredEntries()[0].hlc;
  for (std::int64_t step : {0, -1'000, -60'000, 0, 1, -5}) {
    t.clock.Advance(step);
    AppendedEntry e = t.AppendOk(Note("step"));
    EXPECT_GT(e.hlc, last) << "after a step of " << step << " ms";
    last = e.hlc;
  }
  auto stored = t.StoredEntries();
  for (std::size_t i = 1; i < stored.size(); ++i) EXPECT_GT(stored[i].hlc, stored[i - 1].hlc);
}

TEST(Engine, LogReturnsNewestFirstWithTheBodiesThatWereWritten) {
  Ledger t;
  ASSERT_NE(t.engine, nullptr);
  t.InitAs("Ana");
  t.AppendOk(Note("first", 3));
  t.AppendOk(Note("second", std::nullopt, 9));
  t.AppendOk(Note("third, with \"quotes\" and ünïcödé", 10, 1));

  auto log = t.engine->Log(10, std::nullopt);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 4u);
  for (const LogItem& item : *log) EXPECT_TRUE(item.verified) << item.fault;
  EXPECT_EQ((*log)[0].seq, 4u);
  EXPECT_EQ((*log)[3].seq, 1u);
  EXPECT_GT((*log)[0].rowid, (*log)[1].rowid);
  EXPECT_EQ((*log)[0].body,
            (json{{"kind", "checkin"}, {"note", "third, with \"quotes\" and ünïcödé"}, {"mood", 10}, {"trust", 1}}));
  EXPECT_EQ((*log)[1].body, (json{{"kind", "checkin"}, {"note", "second"}, {"trust", 9}}));
  EXPECT_EQ((*log)[2].body, (json{{"kind", "checkin"}, {"note", "first"}, {"mood", 3}}));
}

TEST(Engine, LogPagesWithBefore) {
  Ledger t;
  ASSERT_NE(t.engine, nullptr);
  t.InitAs("Ana");
  for (int i = 0; i < 4; ++i) t.AppendOk(Note("n" + std::to_string(i)));  // seq 2..5

  auto page1 = t.engine->Log(2, std::nullopt);
  ASSERT_TRUE(page1.ok());
  ASSERT_EQ(page1->size(), 2u);
  EXPECT_EQ((*page1)[0].seq, 5u);
  EXPECT_EQ((*page1)[1].seq, 4u);

  auto page2 = t.engine->Log(2, page1->back().rowid);
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->size(), 2u);
  EXPECT_EQ((*page2)[0].seq, 3u);
  EXPECT_EQ((*page2)[1].seq, 2u);

  auto page3 = t.engine->Log(2, page2->back().rowid);
  ASSERT_TRUE(page3.ok());
  ASSERT_EQ(page3->size(), 1u);
  EXPECT_EQ((*page3)[0].seq, 1u);
  EXPECT_EQ((*page3)[0].body->at("kind"), "member");
}

TEST(Engine, VerifyReportsOkWithEveryEntryChecked) {
  Ledger t;
  ASSERT_NE(t.engine, nullptr);
  t.InitAs("Ana");
  for (int i = 0; i < 5; ++i) t.AppendOk(Note("n"));
  auto report = t.engine->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_TRUE(report->faults.empty());
  EXPECT_EQ(report->entries_checked, 6);
}

// The index of ids is derived from the entries: verify finds it damaged,
// rebuilds it, and says so without calling the ledger faulty.
TEST(Engine, VerifyRebuildsADamagedIndexOfIdsAndTheLedgerStaysWhole) {
  Ledger t;
  ASSERT_NE(t.engine, nullptr);
  t.InitAs("Ana");
  for (int i = 0; i < 3; ++i) t.AppendOk(Note("n"));
  {
    // Rows for every entry, though none was merged yet: each names an entry
    // past the merged ones, where only the ids held in memory belong.
    RawDb raw(t.db_path);
    ASSERT_EQ(raw.Exec("INSERT INTO entry_ids(id, entry_rowid) SELECT id, rowid FROM entries").first, SQLITE_OK);
  }
  auto report = t.engine->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->entries_checked, 4);
  EXPECT_EQ(report->ids_repaired, 4);
  auto again = t.engine->Verify();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->ids_repaired, 0);
  t.AppendOk(Note("after the rebuild"));
  auto log = t.engine->Log(10, std::nullopt);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->size(), 5u);
}

TEST(Engine, VerifyAndLogReportAnEntryWhoseBytesWereAltered) {
  Ledger t;
  ASSERT_NE(t.engine, nullptr);
  t.InitAs("Ana");
  t.AppendOk(Note("original"));
  t.AppendOk(Note("after"));
  {
    // Someone with write access to the file removes the guard and edits seq 2.
    RawDb raw(t.db_path);
    ASSERT_EQ(raw.Exec("DROP TRIGGER entries_no_update").first, SQLITE_OK);
    Bytes bytes = raw.Blobs("SELECT bytes FROM entries WHERE seq = 2").at(0);
    bytes.back() ^= 0x01;  // a bit of the signature
    ASSERT_EQ(raw.ExecWithBlob("UPDATE entries SET bytes = ?1 WHERE seq = 2", bytes), SQLITE_OK);
  }
  auto report = t.engine->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());
  EXPECT_EQ(report->entries_checked, 3);
  // Named, and the entry after it whose link no longer matches what is
  // stored (the chain goes on from each entry's own hash, never the stored
  // id); nothing past that.
  ASSERT_EQ(report->faults.size(), 2u);
  EXPECT_EQ(report->faults[0].seq, 2u);
  EXPECT_EQ(report->faults[0].reason, protocol::Rejection::kIdMismatch);
  EXPECT_EQ(report->faults[1].seq, 3u);
  EXPECT_EQ(report->faults[1].kind, VerifyFault::Kind::kInvalid);

  auto log = t.engine->Log(10, std::nullopt);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 3u);
  EXPECT_TRUE((*log)[0].verified);
  EXPECT_FALSE((*log)[1].verified);
  EXPECT_FALSE((*log)[1].body.has_value());  // never trusted
  EXPECT_FALSE((*log)[1].fault.empty());
}

// The wrapped key is kept beside the signed bytes and not covered by them:
// damaged, the entry's words can no longer be opened, and verify says so.
TEST(Engine, VerifyNamesAnEntryWhoseWordsCanNoLongerBeOpened) {
  Ledger t;
  ASSERT_NE(t.engine, nullptr);
  t.InitAs("Ana");
  t.AppendOk(Note("whole"));
  t.AppendOk(Note("to be damaged"));
  {
    RawDb raw(t.db_path);
    const std::string row = "(SELECT rowid FROM entries WHERE seq = 3)";
    Bytes wrapped = raw.Blobs("SELECT wrapped FROM entry_keys WHERE entry_rowid = " + row).at(0);
    wrapped[wrapped.size() / 2] ^= 0x01;
    ASSERT_EQ(raw.ExecWithBlob("UPDATE entry_keys SET wrapped = ?1 WHERE entry_rowid = " + row, wrapped), SQLITE_OK);
  }
  auto report = t.engine->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());
  ASSERT_EQ(report->faults.size(), 1u);
  EXPECT_EQ(report->faults[0].seq, 3u);
  EXPECT_EQ(report->faults[0].kind, VerifyFault::Kind::kUnreadable);
  EXPECT_EQ(report->faults[0].ReasonName(), "unreadable");
}

TEST(Engine, LogShowsAWithdrawnEntryAsVerifiedWithoutABody) {
  Ledger t;
  ASSERT_NE(t.engine, nullptr);
  t.InitAs("Ana");
  AppendedEntry e = t.AppendOk(Note("to be withdrawn"));
  {
    RawDb raw(t.db_path);
    ASSERT_EQ(raw.Exec("DELETE FROM entry_keys WHERE entry_rowid = (SELECT rowid FROM entries WHERE id = x'" +
                       ToHex(e.id) + "')").first, SQLITE_OK);
    ASSERT_EQ(raw.Int("SELECT count(*) FROM entry_keys"), 1);
  }
  auto log = t.engine->Log(10, std::nullopt);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[0].id, e.id);
  EXPECT_TRUE((*log)[0].verified);
  EXPECT_FALSE((*log)[0].body.has_value());
  EXPECT_TRUE((*log)[1].body.has_value());
  auto report = t.engine->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
}

TEST(Engine, ReopeningKeepsNameEntriesAndContinuesTheChain) {
  Ledger t;
  ASSERT_NE(t.engine, nullptr);
  t.InitAs("Ana");
  t.clock.Advance(1'000);
  t.AppendOk(Note("before restart", 5));
  AppendedEntry last = t.AppendOk(Note("last before restart"));
  const EngineStatus before = *t.engine->GetStatus();
  t.engine.reset();

  t.clock.Set(TestClock::kStart - 3'600'000);  // the wall clock stepped back an hour
  t.engine = t.OpenEngine();
  ASSERT_NE(t.engine, nullptr);
  EXPECT_TRUE(t.engine->initialized());
  auto status = t.engine->GetStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->initialized);
  EXPECT_EQ(status->name, "Ana");
  EXPECT_EQ(status->author, before.author);
  EXPECT_EQ(status->ledger_id, before.ledger_id);
  EXPECT_EQ(status->entries, 3);
  EXPECT_EQ(status->members, 1u);

  auto log = t.engine->Log(10, std::nullopt);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 3u);
  EXPECT_EQ((*log)[1].body, (json{{"kind", "checkin"}, {"note", "before restart"}, {"mood", 5}}));

  AppendedEntry next = t.AppendOk(Note("after restart"));
  EXPECT_EQ(next.seq, last.seq + 1);
  EXPECT_GT(next.hlc, last.hlc);
  auto stored = t.StoredEntries();
  ASSERT_EQ(stored.size(), 4u);
  EXPECT_EQ(stored[3].prev, last.id);
  auto report = t.engine->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  EXPECT_EQ(report->entries_checked, 4);
}

TEST(Engine, OpenFailsWhenTheKeyFileBelongsToAnotherLedger) {
  Ledger t;
  ASSERT_NE(t.engine, nullptr);
  t.InitAs("Ana");
  t.engine.reset();

  // Another daemon's ledger, in its own directory.
  TempDir other_dir;
  const std::string other_key = other_dir.File("identity.key");
  {
    crypto::DeterministicRandom other_rng(Seed(43));
    auto store = Store::Open(other_dir.File("ledger.db"));
    ASSERT_TRUE(store.ok());
    auto other = Engine::Open(std::move(store).value(), other_key, t.clock, other_rng);
    ASSERT_TRUE(other.ok());
    ASSERT_TRUE((*other)->Init(protocol::MemberIntro{"Bea"}).ok());
  }
  std::filesystem::copy_file(other_key, t.key_path, std::filesystem::copy_options::overwrite_existing);

  auto opened = t.TryOpen(t.db_path, t.key_path);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(opened.error().message.find("another ledger"), std::string::npos) << opened.error().message;
}

TEST(Engine, OpenFailsWhenTheLedgerExistsButTheKeyFileIsMissing) {
  Ledger t;
  ASSERT_NE(t.engine, nullptr);
  t.InitAs("Ana");
  t.engine.reset();
  ASSERT_TRUE(std::filesystem::remove(t.key_path));

  auto opened = t.TryOpen(t.db_path, t.key_path);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(opened.error().message.find("missing"), std::string::npos) << opened.error().message;
}

TEST(Engine, OpenFailsWhenTheKeyFileIsReadableByOthers) {
  Ledger t;
  ASSERT_NE(t.engine, nullptr);
  t.InitAs("Ana");
  t.engine.reset();
  std::filesystem::permissions(t.key_path, std::filesystem::perms::group_read, std::filesystem::perm_options::add);

  auto opened = t.TryOpen(t.db_path, t.key_path);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kFailedPrecondition);
}

TEST(Engine, OpenAfterAnInitCutShortStartsOver) {
  Ledger t;
  ASSERT_NE(t.engine, nullptr);
  // A key file without a ledger: what an init interrupted before its
  // transaction committed leaves behind.
  ASSERT_TRUE(WriteKeyFile(t.key_path, LedgerKeys{crypto::SigningKey::Generate(t.rng), Seed(5),
                                                  crypto::SymmetricKey::Generate(t.rng), std::nullopt, {}})
                  .ok());
  t.engine = t.OpenEngine();
  ASSERT_NE(t.engine, nullptr);
  EXPECT_FALSE(t.engine->initialized());

  t.InitAs("Ana");
  auto keys = ReadKeyFile(t.key_path);
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->ledger_id, t.engine->GetStatus()->ledger_id);
  EXPECT_NE(keys->ledger_id, Seed(5));
  t.engine.reset();
  t.engine = t.OpenEngine();
  ASSERT_NE(t.engine, nullptr);
  EXPECT_TRUE(t.engine->initialized());
}

TEST(Engine, AppendListenerSeesIdSeqAndKind) {
  Ledger t;
  ASSERT_NE(t.engine, nullptr);
  std::vector<AppendedEntry> heard;
  t.engine->set_append_listener([&](const AppendedEntry& e) { heard.push_back(e); });
  auto status = t.engine->Init(protocol::MemberIntro{"Ana"});
  ASSERT_TRUE(status.ok());
  t.clock.Advance(1);
  AppendedEntry appended = t.AppendOk(Note("hello"));

  ASSERT_EQ(heard.size(), 2u);
  EXPECT_EQ(heard[0].kind, "member");
  EXPECT_EQ(heard[0].seq, 1u);
  EXPECT_EQ(heard[0].author, status->author);
  EXPECT_EQ(heard[0].id, protocol::ComputeId(t.StoredEntries()[0]));
  EXPECT_EQ(heard[1].kind, "checkin");
  EXPECT_EQ(heard[1].seq, 2u);
  EXPECT_EQ(heard[1].id, appended.id);
  EXPECT_EQ(heard[1].hlc, appended.hlc);
  EXPECT_EQ(heard[1].author, status->author);
}

TEST(Engine, AppendListenerIsNotCalledForARefusedAppend) {
  Ledger t;
  ASSERT_NE(t.engine, nullptr);
  int calls = 0;
  t.engine->set_append_listener([&](const AppendedEntry&) { ++calls; });
  EXPECT_FALSE(t.engine->Append(Note("no ledger")).ok());
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace kintsugi::daemon
