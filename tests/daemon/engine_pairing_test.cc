// Engine: pairing adoption on one device alone (before init, with itself,
// with a full archive, stopped half-way) and what a device that is not
// paired refuses. The two-device cases are in engine_sync_test.cc.
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

using testing::CodeOf;
using testing::Device;
using testing::KeysOf;
using testing::Outcomes;
using testing::RunPairing;
using testing::Seed;
using testing::TestClock;

TEST(EnginePairing, AdoptingBeforeInitFailsWithFailedPrecondition) {
  TestClock clock;
  Device ana{1, clock};
  Device bea{2, clock};
  ASSERT_NE(bea.engine, nullptr);
  ASSERT_NE(ana.engine, nullptr);
  bea.Init("Bea");
  crypto::DeterministicRandom rng(Seed(9));
  protocol::PairingOutcome outcome{bea.self(), Seed(0x70), crypto::SymmetricKey::Generate(rng),
                                   crypto::SymmetricKey::Generate(rng), 0};
  Status s = ana.engine->AdoptPairing(outcome);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(testing::Exists(ana.key_path));
}

TEST(EnginePairing, ADeviceCannotPairWithItself) {
  TestClock clock;
  Device ana{1, clock};
  ASSERT_NE(ana.engine, nullptr);
  ana.Init("Ana");
  const Bytes key_file = testing::ReadFileBytes(ana.key_path);
  crypto::DeterministicRandom rng(Seed(9));
  protocol::PairingOutcome outcome{ana.self(), Seed(0x70), crypto::SymmetricKey::Generate(rng),
                                   crypto::SymmetricKey::Generate(rng), 0};
  Status s = ana.engine->AdoptPairing(outcome);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(ana.engine->paired());
  EXPECT_EQ(testing::ReadFileBytes(ana.key_path), key_file);
}

TEST(EnginePairing, AdoptingIsRefusedWhenTheArchiveIsFull) {
  TestClock clock;
  Device ana{1, clock};
  ASSERT_NE(ana.engine, nullptr);
  ana.Init("Ana");
  ana.engine.reset();
  {
    LedgerKeys keys = KeysOf(ana);
    crypto::DeterministicRandom rng(Seed(10));
    for (std::size_t i = 0; i < kMaxArchivedLedgers; ++i) {
      keys.archived.push_back(ArchivedLedger{Seed(static_cast<std::uint8_t>(0x80 + i)),
                                             crypto::SymmetricKey::Generate(rng)});
    }
    ASSERT_TRUE(WriteKeyFile(ana.key_path, keys).ok());
  }
  ana.engine = ana.Open();
  ASSERT_NE(ana.engine, nullptr);
  const Bytes key_file = testing::ReadFileBytes(ana.key_path);
  crypto::DeterministicRandom rng(Seed(11));
  protocol::PairingOutcome outcome{Seed(0x21), Seed(0x70), crypto::SymmetricKey::Generate(rng),
                                   crypto::SymmetricKey::Generate(rng), 0};
  Status s = ana.engine->AdoptPairing(outcome);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(ana.engine->paired());
  EXPECT_EQ(testing::ReadFileBytes(ana.key_path), key_file);
}

TEST(EnginePairing, OpenGoesBackToTheSoloLedgerWhenPairingStoppedBeforeTheDatabase) {
  TestClock clock;
  Device ana{1, clock};
  Device bea{2, clock};
  ASSERT_NE(ana.engine, nullptr);
  ASSERT_NE(bea.engine, nullptr);
  ana.Init("Ana");
  bea.Init("Bea");
  ana.Append("alone");
  const protocol::LedgerId solo = ana.engine->ledger_id();
  // The database as it was before pairing (closed cleanly: no WAL beside it).
  ana.engine.reset();
  ASSERT_FALSE(testing::Exists(ana.db_path + "-wal"));
  const std::string before = ana.dir.File("before.db");
  std::filesystem::copy_file(ana.db_path, before);
  ana.engine = ana.Open();
  ASSERT_NE(ana.engine, nullptr);

  crypto::DeterministicRandom rng(Seed(12));
  Outcomes outcomes = RunPairing(ana, bea, clock, rng);
  ASSERT_TRUE(outcomes.inviter.has_value());
  ASSERT_TRUE(ana.engine->AdoptPairing(*outcomes.inviter).ok());
  ana.engine.reset();
  ASSERT_FALSE(testing::Exists(ana.db_path + "-wal"));
  // The key file was written, the database step never happened.
  std::filesystem::copy_file(before, ana.db_path, std::filesystem::copy_options::overwrite_existing);
  ASSERT_EQ(KeysOf(ana).ledger_id, outcomes.inviter->ledger_id);

  ana.engine = ana.Open();
  ASSERT_NE(ana.engine, nullptr);
  EXPECT_FALSE(ana.engine->paired());
  EXPECT_EQ(ana.engine->ledger_id(), solo);
  EXPECT_EQ(ana.engine->GetStatus()->entries, 2);
  EXPECT_EQ(ana.engine->GetStatus()->name, "Ana");
  LedgerKeys keys = KeysOf(ana);
  EXPECT_EQ(keys.ledger_id, solo);
  EXPECT_TRUE(keys.archived.empty());
  EXPECT_FALSE(keys.beacon_key.has_value());
  ana.ExpectVerifies();
}

TEST(EnginePairing, TheSafetyNumberCannotBeConfirmedBeforePairing) {
  TestClock clock;
  Device ana{1, clock};
  ASSERT_NE(ana.engine, nullptr);
  ana.Init("Ana");
  Status s = ana.engine->ConfirmSafetyNumber();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kFailedPrecondition);
  auto confirmed = ana.engine->SafetyNumberConfirmed();
  ASSERT_TRUE(confirmed.ok());
  EXPECT_FALSE(*confirmed);
}

// --- Before init ---

TEST(EnginePairing, SyncMethodsBeforeInitFailWithFailedPrecondition) {
  TestClock clock;
  Device ana{1, clock};
  ASSERT_NE(ana.engine, nullptr);
  EXPECT_EQ(CodeOf(ana.engine->Hello()), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(CodeOf(ana.engine->EntriesAfter({Seed(1), 0, 1})), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(CodeOf(ana.engine->Receive(Seed(1), {})), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(CodeOf(ana.engine->PrivateEntries()), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(CodeOf(ana.engine->Forks()), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(CodeOf(ana.engine->Head(Seed(1))), ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace kintsugi::daemon
