// Regression tests for defects found in daemon/ while writing the daemon
// tests: an empty meta value, a partner's far-ahead clock after a restart, a
// pairing adoption that fails half-way, a ledger file of schema 1, and the
// last page of a paired daemon's log.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <string>

#include "crypto/hash.h"
#include "daemon/ipc/dispatch.h"
#include "daemon/store/key_file.h"
#include "daemon/engine.h"
#include "daemon/store/store.h"
#include "protocol/hlc.h"
#include "protocol/ipc.h"
#include "tests/daemon/pairing_support.h"
#include "tests/daemon/test_support.h"

namespace kintsugi::daemon {
namespace {

using testing::Device;
using testing::KeysOf;
using testing::Note;
using testing::Outcomes;
using testing::Pull;
using testing::RawDb;
using testing::RunPairing;
using testing::SealWith;
using testing::Seed;
using testing::TempDir;
using testing::TestClock;
using testing::ToSync;

// daemon/store/store.cc, BindBlob(): an empty ByteView has a null data() and
// sqlite3_bind_blob() with a null pointer binds SQL NULL, not an empty blob;
// meta.value is NOT NULL, so SetValue(key, {}) fails with "write meta: NOT
// NULL constraint failed: meta.value" (kIo). No caller passes an empty value
// today. Fix: bind a zero-length blob (sqlite3_bind_zeroblob(s, i, 0), or a
// non-null pointer) when bytes.empty().
TEST(DaemonRegression, StoreSetValueStoresAnEmptyValueAsEmpty) {
  TempDir dir;
  auto store = Store::Open(dir.File("ledger.db"));
  ASSERT_TRUE(store.ok());
  Status set = (*store)->SetValue("empty", Bytes{});
  ASSERT_TRUE(set.ok()) << set.error().message;
  auto value = (*store)->GetValue("empty");
  ASSERT_TRUE(value.ok());
  ASSERT_TRUE(value->has_value());
  EXPECT_TRUE((*value)->empty());
}

// daemon/engine_sync.cc, Engine::Receive() observes a partner's HLC only
// when it is within kMaxClockLeadMs of the wall clock ("a partner's clock may
// be wrong or hostile"), but daemon/engine.cc, Engine::LoadState() seeds the
// clock from Store::MaxHlc(), the largest HLC of every stored entry, the
// partner's included. After a restart a far-ahead entry the cap refused to
// follow drags every later local entry to its time.
TEST(DaemonRegression, AFarAheadPartnerClockStillDoesNotDragTheLocalClockAfterARestart) {
  TestClock clock;
  Device ana{1, clock};
  Device bea{2, clock};
  ASSERT_NE(ana.engine, nullptr);
  ASSERT_NE(bea.engine, nullptr);
  ana.Init("Ana");
  bea.Init("Bea");
  crypto::DeterministicRandom rng(Seed(14));
  Outcomes outcomes = RunPairing(ana, bea, clock, rng);
  ASSERT_TRUE(outcomes.inviter && outcomes.joiner);
  ASSERT_TRUE(ana.engine->AdoptPairing(*outcomes.inviter).ok());
  ASSERT_TRUE(bea.engine->AdoptPairing(*outcomes.joiner).ok());
  Pull(ana, bea);

  LedgerKeys keys = KeysOf(bea);
  const std::uint64_t far = protocol::MakeHlc(clock.NowMillis() + 24 * 3'600'000ull, 0);  // a day fast
  auto head = ana.engine->Head(bea.self());
  ASSERT_TRUE(head.ok());
  auto wrong = SealWith(keys, keys.ledger_id, head->seq + 1, head->id, far, "a day fast", rng);
  auto received = ana.engine->Receive(bea.self(), {ToSync(wrong)});
  ASSERT_TRUE(received.ok());
  ASSERT_EQ(received->stored, 1u);

  clock.Advance(1'000);
  auto before_restart = ana.engine->Append(Note("before restart"));
  ASSERT_TRUE(before_restart.ok());
  EXPECT_LT(before_restart->hlc, far);  // passes: the cap holds while running

  ana.Reopen();
  ASSERT_NE(ana.engine, nullptr);
  clock.Advance(1'000);
  auto after_restart = ana.engine->Append(Note("after restart"));
  ASSERT_TRUE(after_restart.ok());
  EXPECT_LT(after_restart->hlc, far);  // fails: it is stamped a day ahead
  EXPECT_EQ(protocol::HlcMillis(after_restart->hlc), clock.NowMillis());
}

// daemon/engine_sync.cc, Engine::AdoptPairing(): the key file is rewritten
// and the database transaction (meta, members) commits before the member
// introduction is appended. When that append fails (disk full, I/O error),
// AdoptPairing returns the error, but the engine is already paired: keys_ and
// members_ were switched, so a retry fails with kAlreadyExists, the shared
// ledger lacks this member's introduction for good, and the name is lost
// (LoadState read it from the new, empty ledger; `name_ = name` is skipped).
// PairingService reports the pairing as failed and does not start sync.
TEST(DaemonRegression, AdoptPairingThatFailsLeavesTheDeviceUnpaired) {
  TestClock clock;
  Device ana{1, clock};
  Device bea{2, clock};
  ASSERT_NE(ana.engine, nullptr);
  ASSERT_NE(bea.engine, nullptr);
  ana.Init("Ana");
  bea.Init("Bea");
  crypto::DeterministicRandom rng(Seed(15));
  Outcomes outcomes = RunPairing(ana, bea, clock, rng);
  ASSERT_TRUE(outcomes.inviter.has_value());
  {
    // The store fails on any entry of the new ledger.
    RawDb raw(ana.db_path);
    ASSERT_EQ(raw.Exec("CREATE TRIGGER no_shared BEFORE INSERT ON entries WHEN NEW.ledger = x'" +
                       ToHex(outcomes.inviter->ledger_id) + "' BEGIN SELECT RAISE(ABORT, 'disk full'); END")
                  .first,
              SQLITE_OK);
  }
  Status adopted = ana.engine->AdoptPairing(*outcomes.inviter);
  ASSERT_FALSE(adopted.ok());
  EXPECT_FALSE(ana.engine->paired());                   // fails: paired
  EXPECT_EQ(ana.engine->GetStatus()->name, "Ana");      // fails: ""
  {
    RawDb raw(ana.db_path);
    ASSERT_EQ(raw.Exec("DROP TRIGGER no_shared").first, SQLITE_OK);
  }
  Status retried = ana.engine->AdoptPairing(*outcomes.inviter);
  EXPECT_TRUE(retried.ok()) << retried.error().message;  // fails: kAlreadyExists
}

// daemon/store/store.cc, kMigrations[0]: the shipped 0 -> 1 migration was edited
// in place (ledger columns, forks, peers, index_id) while kSchemaVersion
// stayed 1, against the rule written above it. A ledger file made by the
// previous commit says user_version 1, so Open() runs no migration and
// accepts it, and then every ledger query fails ("no such column: ledger",
// kIo) and Engine::Open() fails with an SQL message. (Likewise the key file
// kept its magic "KNTSKEY1" while its layout grew, so the previous 137-byte
// key file is refused as "has the wrong size".) Either migrate such a file
// (a 1 -> 2 step) or refuse it at Open() with a clear error.
TEST(DaemonRegression, AFileOfThePreviousSchemaOneIsMigratedOrRefusedAtOpen) {
  TempDir dir;
  const std::string path = dir.File("ledger.db");
  {
    RawDb old(path);
    // The schema of daemon/store/store.cc at commit 882b3a0, as that Open() left it.
    auto [rc, message] = old.Exec(R"sql(
      PRAGMA journal_mode=WAL;
      CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);
      CREATE TABLE members(
        author BLOB PRIMARY KEY CHECK (length(author) = 32),
        added_hlc INTEGER NOT NULL);
      CREATE TABLE entries(
        rowid INTEGER PRIMARY KEY,
        id BLOB NOT NULL UNIQUE CHECK (length(id) = 32),
        author BLOB NOT NULL CHECK (length(author) = 32),
        seq INTEGER NOT NULL CHECK (seq >= 1),
        hlc INTEGER NOT NULL,
        bytes BLOB NOT NULL);
      CREATE INDEX entries_by_chain ON entries(author, seq);
      CREATE INDEX entries_by_hlc ON entries(hlc);
      CREATE TABLE entry_keys(
        rowid INTEGER PRIMARY KEY,
        entry_id BLOB NOT NULL UNIQUE CHECK (length(entry_id) = 32),
        wrapped BLOB NOT NULL);
      PRAGMA user_version = 1;
      PRAGMA application_id = 1263424583;
    )sql");
    ASSERT_EQ(rc, SQLITE_OK) << message;
  }
  auto store = Store::Open(path);
  if (!store.ok()) {
    EXPECT_TRUE(store.error().code == ErrorCode::kFailedPrecondition || store.error().code == ErrorCode::kCorrupt)
        << store.error().message;
    return;
  }
  auto count = (*store)->CountEntries(Seed(1));
  EXPECT_TRUE(count.ok()) << count.error().message;  // fails: no such column: ledger
  auto members = (*store)->Members(Seed(1));
  EXPECT_TRUE(members.ok()) << members.error().message;
  auto index = (*store)->IndexId();
  EXPECT_TRUE(index.ok()) << index.error().message;
}

// A key file of version 1 (137 bytes, before pairing existed) is still read,
// as an unpaired device with nothing archived.
TEST(DaemonRegression, AVersionOneKeyFileIsStillRead) {
  TempDir dir;
  const std::string path = dir.File("identity.key");
  crypto::DeterministicRandom rng(Hash32{7});
  crypto::SigningKey identity = crypto::SigningKey::Generate(rng);
  Bytes file(137, 0);
  std::memcpy(file.data(), "KNTSKEY1", 8);  // then protection 0
  std::copy(identity.seed().begin(), identity.seed().end(), file.begin() + 9);
  std::fill(file.begin() + 41, file.begin() + 73, 0x41);   // ledger id
  std::fill(file.begin() + 73, file.begin() + 105, 0x42);  // ledger key
  Hash32 sum = crypto::Blake2b256(ByteView(file).first(105));
  std::copy(sum.begin(), sum.end(), file.begin() + 105);
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
  }
  ::chmod(path.c_str(), 0600);
  auto keys = ReadKeyFile(path);
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_EQ(keys->identity.public_key(), identity.public_key());
  Hash32 ledger_id;
  ledger_id.fill(0x41);
  EXPECT_EQ(keys->ledger_id, ledger_id);
  EXPECT_EQ(keys->ledger_key.bytes()[0], 0x42);
  EXPECT_FALSE(keys->beacon_key.has_value());
  EXPECT_TRUE(keys->archived.empty());
  file[20] ^= 1;  // and damage is still caught
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
  }
  auto damaged = ReadKeyFile(path);
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.error().code, ErrorCode::kCorrupt);
}

// daemon/ipc/dispatch.cc, Method::kLog: `next_before` is null only when the
// page's oldest entry has rowid 1, which holds only for the first ledger of
// a file. After pairing, the shared ledger's entries come after the private
// ones (rowid > 1), so a log page that already holds the shared ledger's
// first entry (even a page shorter than the limit) still offers a next page,
// which comes back empty. Fix: null when fewer than `limit` items came back
// (or when the page reaches the oldest entry of the current ledger).
TEST(DaemonRegression, LogOfAPairedDaemonEndsWithoutANextPage) {
  TestClock clock;
  Device ana{1, clock};
  Device bea{2, clock};
  ASSERT_NE(ana.engine, nullptr);
  ASSERT_NE(bea.engine, nullptr);
  ana.Init("Ana");
  bea.Init("Bea");
  crypto::DeterministicRandom rng(Seed(16));
  Outcomes outcomes = RunPairing(ana, bea, clock, rng);
  ASSERT_TRUE(outcomes.inviter.has_value());
  ASSERT_TRUE(ana.engine->AdoptPairing(*outcomes.inviter).ok());
  ana.Append("shared one");

  Dispatcher ipc(*ana.engine, DaemonInfo{ana.dir.path(), 1});
  std::string text = ipc.Handle(AsBytes(protocol::EncodeIpcRequest(1, "log", nlohmann::json{{"limit", 50}})));
  auto reply = protocol::ParseIpcReply(AsBytes(text));
  ASSERT_TRUE(reply.ok() && reply->outcome.ok()) << text;
  ASSERT_EQ((*reply->outcome)["entries"].size(), 2u);   // the introduction and the check-in
  EXPECT_TRUE((*reply->outcome)["next_before"].is_null())  // fails: 2, the introduction's rowid
      << (*reply->outcome)["next_before"].dump();
}

}  // namespace
}  // namespace kintsugi::daemon
