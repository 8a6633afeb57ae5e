// The vault: a key file sealed by a passphrase (daemon/store/key_file.h) and an
// engine that is locked until it is opened (daemon/engine.h). Real files in a
// fresh directory; Argon2id at its cheapest, since its cost is not under test.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "crypto/hash.h"
#include "crypto/pwhash.h"
#include "protocol/ipc.h"
#include "daemon/ipc/dispatch.h"
#include "daemon/engine.h"
#include "daemon/store/key_file.h"
#include "pairing_support.h"
#include "test_support.h"

namespace kintsugi::daemon {
namespace {

using testing::AppendParams;
using testing::Device;
using testing::Note;
using testing::Pass;
using testing::ReadFileBytes;
using testing::RunPairing;
using testing::Seed;
using testing::TestClock;


mode_t ModeOf(const std::string& path) {
  struct stat st{};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  return st.st_mode & 07777;
}

bool Contains(const Bytes& haystack, std::span<const std::uint8_t> needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

// --- The passphrase itself ---

TEST(Passphrase, TakingItWipesTheCallersCopy) {
  std::string text = "correct horse battery";
  const std::size_t size = text.size();
  auto pass = crypto::Passphrase::Take(text);
  ASSERT_TRUE(pass.ok());
  EXPECT_TRUE(text.empty());
  EXPECT_EQ(pass->bytes().size(), size);
}

TEST(Passphrase, TooShortOrTooLongIsRefusedAndStillWiped) {
  std::string short_text = "seven77";
  EXPECT_EQ(crypto::Passphrase::Take(short_text).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(short_text.empty());
  std::string long_text(crypto::kMaxPassphraseBytes + 1, 'x');
  EXPECT_EQ(crypto::Passphrase::Take(long_text).error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(long_text.empty());
}

TEST(Passphrase, SameSaltSameKeyOtherSaltOrPassphraseOtherKey) {
  crypto::PwhashSalt salt{};
  salt.fill(7);
  crypto::PwhashSalt other_salt{};
  other_salt.fill(8);
  auto a = crypto::DeriveFromPassphrase(Pass("passphrase one"), salt, crypto::kMinLimits);
  auto b = crypto::DeriveFromPassphrase(Pass("passphrase one"), salt, crypto::kMinLimits);
  auto c = crypto::DeriveFromPassphrase(Pass("passphrase one"), other_salt, crypto::kMinLimits);
  auto d = crypto::DeriveFromPassphrase(Pass("passphrase two"), salt, crypto::kMinLimits);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok());
  auto bytes = [](const crypto::SymmetricKey& k) { return Bytes(k.bytes().begin(), k.bytes().end()); };
  EXPECT_EQ(bytes(*a), bytes(*b));
  EXPECT_NE(bytes(*a), bytes(*c));
  EXPECT_NE(bytes(*a), bytes(*d));
}

TEST(Passphrase, LimitsOutsideTheAllowedRangeAreRefused) {
  crypto::PwhashSalt salt{};
  EXPECT_FALSE(crypto::DeriveFromPassphrase(Pass("passphrase one"), salt, {0, crypto::kMinLimits.mem_bytes}).ok());
  EXPECT_FALSE(crypto::DeriveFromPassphrase(Pass("passphrase one"), salt,
                                            {1, crypto::kMaxLimits.mem_bytes * 2}).ok());
  EXPECT_TRUE(crypto::LimitsAllowed(crypto::kModerateLimits));
}

// --- The sealed key file ---

class SealedKeyFile : public ::testing::Test {
 protected:
  void SetUp() override {
    crypto::DeterministicRandom rng(Seed(3));
    LedgerKeys keys{crypto::SigningKey::Generate(rng), Seed(5), crypto::SymmetricKey::Generate(rng),
                    crypto::SymmetricKey::Generate(rng), {}};
    keys.archived.push_back({Seed(6), crypto::SymmetricKey::Generate(rng)});
    seed_ = Bytes(keys.identity.seed().begin(), keys.identity.seed().end());
    ledger_key_ = Bytes(keys.ledger_key.bytes().begin(), keys.ledger_key.bytes().end());
    archived_key_ = Bytes(keys.archived[0].key.bytes().begin(), keys.archived[0].key.bytes().end());
    self_ = keys.identity.public_key();
    auto vault = NewVaultKey(Pass("a long passphrase"), crypto::kMinLimits, rng);
    ASSERT_TRUE(vault.ok());
    ASSERT_TRUE(WriteKeyFile(path_, keys, *vault, rng).ok());
  }

  Result<LedgerKeys> OpenWith(const std::string& passphrase) {
    auto file = LoadKeyFile(path_);
    if (!file.ok()) return file.take_error();
    auto key = DeriveVaultKey(Pass(passphrase), *file->sealed);
    if (!key.ok()) return key.take_error();
    return OpenKeyFile(*file, *key);
  }

  testing::TempDir dir_;
  std::string path_ = dir_.File("identity.key");
  Bytes seed_, ledger_key_, archived_key_;
  crypto::PublicKey self_{};
};

TEST_F(SealedKeyFile, HoldsNoSecretInTheClear) {
  Bytes on_disk = ReadFileBytes(path_);
  EXPECT_FALSE(Contains(on_disk, seed_));
  EXPECT_FALSE(Contains(on_disk, ledger_key_));
  EXPECT_FALSE(Contains(on_disk, archived_key_));
  EXPECT_EQ(ModeOf(path_), 0600u);
}

TEST_F(SealedKeyFile, HasTheDocumentedLayout) {
  // docs/PROTOCOL.md, "Sealed by a passphrase": 341 + 64n bytes (n = 1 here).
  const Bytes bytes = ReadFileBytes(path_);
  ASSERT_EQ(bytes.size(), 341u + 64u);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "KNTSKEY2");
  EXPECT_EQ(bytes[8], 1);
  EXPECT_TRUE(std::equal(self_.begin(), self_.end(), bytes.begin() + 9));
  const Hash32 ledger = Seed(5);
  EXPECT_TRUE(std::equal(ledger.begin(), ledger.end(), bytes.begin() + 41));
  EXPECT_EQ(bytes[226] | (bytes[227] << 8), 81 + 64);
  Hash32 sum = crypto::Blake2b256(ByteView(bytes).first(bytes.size() - 32));
  EXPECT_TRUE(std::equal(sum.begin(), sum.end(), bytes.end() - 32));
}

TEST_F(SealedKeyFile, ShowsItsPublicPartWithoutThePassphrase) {
  auto file = LoadKeyFile(path_);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_FALSE(file->keys.has_value());
  ASSERT_TRUE(file->sealed.has_value());
  EXPECT_EQ(file->info.self, self_);
  EXPECT_EQ(file->info.ledger_id, Seed(5));
  EXPECT_TRUE(file->info.beacon_key.has_value());
  EXPECT_EQ(file->sealed->limits, crypto::kMinLimits);
  EXPECT_EQ(ReadKeyFile(path_).error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(SealedKeyFile, TheRightPassphraseOpensEveryKey) {
  auto keys = OpenWith("a long passphrase");
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_EQ(keys->identity.public_key(), self_);
  EXPECT_EQ(Bytes(keys->ledger_key.bytes().begin(), keys->ledger_key.bytes().end()), ledger_key_);
  ASSERT_EQ(keys->archived.size(), 1u);
  EXPECT_EQ(keys->archived[0].id, Seed(6));
  EXPECT_EQ(Bytes(keys->archived[0].key.bytes().begin(), keys->archived[0].key.bytes().end()), archived_key_);
  auto file = LoadKeyFile(path_);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->info.transport.public_key, crypto::CurveKeysOf(keys->identity.seed()).public_key);
}

TEST_F(SealedKeyFile, AWrongPassphraseIsAVerificationFailure) {
  auto keys = OpenWith("a wrong passphrase");
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.error().code, ErrorCode::kVerificationFailed);
}

TEST_F(SealedKeyFile, AFlippedByteAnywhereIsCorruptNotAWrongPassphrase) {
  const Bytes good = ReadFileBytes(path_);
  for (std::size_t i = 0; i < good.size(); ++i) {
    Bytes bad = good;
    bad[i] ^= 0x01;
    testing::WriteFileBytes(path_, bad);
    auto file = LoadKeyFile(path_);
    ASSERT_FALSE(file.ok()) << "byte " << i;
    EXPECT_EQ(file.error().code, ErrorCode::kCorrupt) << "byte " << i;
  }
}

TEST_F(SealedKeyFile, ThePublicPartIsBoundToTheSeal) {
  // Someone who rewrites the public part (and the checksum) cannot make the
  // sealed keys open under another identity.
  Bytes bytes = ReadFileBytes(path_);
  bytes[9] ^= 0x01;  // the first byte of `self`
  Hash32 sum = crypto::Blake2b256(ByteView(bytes).first(bytes.size() - 32));
  std::copy(sum.begin(), sum.end(), bytes.end() - 32);
  testing::WriteFileBytes(path_, bytes);
  auto keys = OpenWith("a long passphrase");
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.error().code, ErrorCode::kVerificationFailed);
}

// --- A locked engine ---

class Vault : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(ana.engine, nullptr);
    auto pass = Pass("ana's passphrase");
    auto status = ana.engine->Init(protocol::MemberIntro{"Ana"}, &pass);
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_TRUE(status->passphrase);
    EXPECT_FALSE(status->locked);
    ana.Append("before locking");
  }

  bool AppendWorks(Device& d, const std::string& text) {
    return d.engine->Append(Note(text)).ok();
  }

  TestClock clock;
  Device ana{1, clock};
};

TEST_F(Vault, InitWithAPassphraseNeverWritesTheKeysUnsealed) {
  auto file = LoadKeyFile(ana.key_path);
  ASSERT_TRUE(file.ok());
  EXPECT_TRUE(file->sealed.has_value());
  EXPECT_FALSE(Contains(ReadFileBytes(ana.key_path),
                        std::span<const std::uint8_t>(ana.engine->identity().seed())));
}

TEST_F(Vault, ARestartedDaemonIsLockedAndRefusesWhatNeedsTheKeys) {
  ana.Reopen();
  ASSERT_NE(ana.engine, nullptr);
  EXPECT_TRUE(ana.engine->initialized());
  EXPECT_FALSE(ana.engine->unlocked());
  auto status = ana.engine->GetStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->locked);
  EXPECT_EQ(status->entries, 2);
  EXPECT_EQ(status->name, "");  // names are in sealed bodies
  auto appended = ana.engine->Append(Note("while locked"));
  ASSERT_FALSE(appended.ok());
  EXPECT_EQ(appended.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(appended.error().message.find("locked"), std::string::npos);
  EXPECT_FALSE(ana.engine->Log(10, std::nullopt).ok());
  EXPECT_FALSE(ana.engine->Notes().ok());
  EXPECT_FALSE(ana.engine->AddNote("secret").ok());
  // What sync needs is here.
  EXPECT_TRUE(ana.engine->Hello().ok());
}

TEST_F(Vault, UnlockOpensEverythingAgain) {
  ana.Reopen();
  ASSERT_TRUE(ana.engine->Unlock(Pass("ana's passphrase")).ok());
  EXPECT_TRUE(ana.engine->unlocked());
  auto status = ana.engine->GetStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->name, "Ana");
  EXPECT_FALSE(status->locked);
  auto log = ana.engine->Log(10, std::nullopt);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[0].body->value("note", ""), "before locking");
  EXPECT_TRUE(AppendWorks(ana, "after unlocking"));
  ana.ExpectVerifies();
}

TEST_F(Vault, UnlockingWhileUnlockedIsRefused) {
  Status again = ana.engine->Unlock(Pass("ana's passphrase"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(again.error().message.find("already unlocked"), std::string::npos);
}

// Unlock in steps, as the daemon runs it with the derivation off its loop.
TEST_F(Vault, AnUnlockInStepsOpensWhatItWasDerivedFor) {
  ana.Reopen();
  const auto right = Pass("ana's passphrase");
  auto work = ana.engine->BeginUnlock(right);
  ASSERT_TRUE(work.ok()) << work.error().message;
  work->Derive();
  EXPECT_FALSE(ana.engine->unlocked());  // nothing opened before the key is judged
  ASSERT_TRUE(ana.engine->FinishUnlock(*work).ok());
  EXPECT_TRUE(ana.engine->unlocked());
  EXPECT_TRUE(AppendWorks(ana, "after unlocking in steps"));
  // Unlocked meanwhile (by another unlock): the late one is refused.
  ASSERT_TRUE(ana.engine->Lock().ok());
  auto late = ana.engine->BeginUnlock(right);
  ASSERT_TRUE(late.ok());
  ASSERT_TRUE(ana.engine->Unlock(right).ok());
  late->Derive();
  Status refused = ana.engine->FinishUnlock(*late);
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message.find("already unlocked"), std::string::npos);
}

TEST_F(Vault, AnUnlockWhoseKeyFileChangedMeanwhileIsRefused) {
  ASSERT_TRUE(ana.engine->Lock().ok());
  const auto old_pass = Pass("ana's passphrase");
  auto work = ana.engine->BeginUnlock(old_pass);
  ASSERT_TRUE(work.ok());
  work->Derive();
  // While it derived: unlocked, resealed with another passphrase, locked.
  ASSERT_TRUE(ana.engine->Unlock(old_pass).ok());
  ASSERT_TRUE(ana.engine->SetPassphrase(&old_pass, Pass("a new passphrase")).ok());
  ASSERT_TRUE(ana.engine->Lock().ok());
  Status refused = ana.engine->FinishUnlock(*work);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message.find("changed while unlocking"), std::string::npos) << refused.error().message;
  EXPECT_FALSE(ana.engine->unlocked());
  EXPECT_TRUE(ana.engine->Unlock(Pass("a new passphrase")).ok());
}

TEST_F(Vault, AWrongKeyFromStepsCountsAsAWrongPassphrase) {
  ASSERT_TRUE(ana.engine->Lock().ok());
  const auto wrong_pass = Pass("wrong passphrase");
  for (int i = 0; i < 2; ++i) {
    clock.Advance(10 * 60 * 1000);
    auto work = ana.engine->BeginUnlock(wrong_pass);
    ASSERT_TRUE(work.ok()) << work.error().message;
    work->Derive();
    Status wrong = ana.engine->FinishUnlock(*work);
    EXPECT_EQ(wrong.error().code, ErrorCode::kVerificationFailed);
  }
  // The second mistake set a wait: the next begin is refused at once, before any derivation.
  auto waiting = ana.engine->BeginUnlock(wrong_pass);
  ASSERT_FALSE(waiting.ok());
  EXPECT_EQ(waiting.error().code, ErrorCode::kUnavailable);
}

// A change of passphrase in steps: the key file is judged as it is at the
// end, and the new passphrase's key is made only for a right current one.
TEST_F(Vault, APassphraseChangeInStepsIsRefusedWhenTheKeyFileChangedMeanwhile) {
  const auto current = Pass("ana's passphrase");
  const auto next = Pass("the next passphrase");
  auto work = ana.engine->BeginSetPassphrase(&current, next);
  ASSERT_TRUE(work.ok()) << work.error().message;
  work->Derive();
  // Meanwhile the file was resealed (another change, or a restore).
  ASSERT_TRUE(ana.engine->SetPassphrase(&current, Pass("another passphrase")).ok());
  Status refused = ana.engine->FinishSetPassphrase(*work);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message.find("changed while changing the passphrase"), std::string::npos)
      << refused.error().message;
  // The file is the one the meantime wrote: its passphrase opens it.
  ASSERT_TRUE(ana.engine->Lock().ok());
  EXPECT_EQ(ana.engine->Unlock(next).error().code, ErrorCode::kVerificationFailed);
  clock.Advance(10 * 60 * 1000);
  EXPECT_TRUE(ana.engine->Unlock(Pass("another passphrase")).ok());

  // A wrong current passphrase: refused and counted, the file untouched.
  const auto wrong = Pass("not the passphrase");
  auto guessed = ana.engine->BeginSetPassphrase(&wrong, next);
  ASSERT_TRUE(guessed.ok());
  guessed->Derive();
  EXPECT_EQ(ana.engine->FinishSetPassphrase(*guessed).error().code, ErrorCode::kVerificationFailed);
  ASSERT_TRUE(ana.engine->Lock().ok());
  clock.Advance(10 * 60 * 1000);
  EXPECT_TRUE(ana.engine->Unlock(Pass("another passphrase")).ok());
}

TEST_F(Vault, LockDropsTheKeysAndTheViews) {
  ASSERT_TRUE(ana.engine->Lock().ok());
  EXPECT_FALSE(ana.engine->unlocked());
  EXPECT_FALSE(AppendWorks(ana, "locked"));
  EXPECT_FALSE(ana.engine->Timeline(TimelineQuery{}).ok());
  ASSERT_TRUE(ana.engine->Unlock(Pass("ana's passphrase")).ok());
  EXPECT_TRUE(AppendWorks(ana, "open again"));
}

TEST_F(Vault, WrongPassphrasesAreRefusedWithGrowingDelays) {
  ASSERT_TRUE(ana.engine->Lock().ok());
  // The first mistake: refused, and the next try may come at once.
  EXPECT_EQ(ana.engine->Unlock(Pass("wrong passphrase")).error().code, ErrorCode::kVerificationFailed);
  EXPECT_EQ(ana.engine->Unlock(Pass("wrong passphrase")).error().code, ErrorCode::kVerificationFailed);
  // The second cost a second: even the right passphrase waits.
  Status waiting = ana.engine->Unlock(Pass("ana's passphrase"));
  ASSERT_FALSE(waiting.ok());
  EXPECT_EQ(waiting.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(waiting.error().message.find("try again in 1 s"), std::string::npos) << waiting.error().message;
  clock.Advance(1'000);
  EXPECT_EQ(ana.engine->Unlock(Pass("wrong passphrase")).error().code, ErrorCode::kVerificationFailed);
  clock.Advance(1'000);  // the third costs two seconds
  Status still = ana.engine->Unlock(Pass("ana's passphrase"));
  ASSERT_FALSE(still.ok());
  EXPECT_NE(still.error().message.find("try again in 1 s"), std::string::npos) << still.error().message;
  for (int i = 0; i < 30; ++i) {  // many more: the delay stops growing at its cap
    clock.Advance(static_cast<std::int64_t>(kMaxUnlockDelayMs));
    EXPECT_EQ(ana.engine->Unlock(Pass("wrong passphrase")).error().code, ErrorCode::kVerificationFailed);
  }
  clock.Advance(static_cast<std::int64_t>(kMaxUnlockDelayMs) - 1);
  EXPECT_EQ(ana.engine->Unlock(Pass("ana's passphrase")).error().code, ErrorCode::kUnavailable);
  clock.Advance(1);
  ASSERT_TRUE(ana.engine->Unlock(Pass("ana's passphrase")).ok());
  // Success forgives: one mistake later costs nothing again.
  ASSERT_TRUE(ana.engine->Lock().ok());
  EXPECT_EQ(ana.engine->Unlock(Pass("wrong passphrase")).error().code, ErrorCode::kVerificationFailed);
  EXPECT_TRUE(ana.engine->Unlock(Pass("ana's passphrase")).ok());
}

TEST_F(Vault, TheWaitAfterWrongPassphrasesOutlivesARestart) {
  ASSERT_TRUE(ana.engine->Lock().ok());
  EXPECT_EQ(ana.engine->Unlock(Pass("wrong passphrase")).error().code, ErrorCode::kVerificationFailed);
  EXPECT_EQ(ana.engine->Unlock(Pass("wrong passphrase")).error().code, ErrorCode::kVerificationFailed);
  ana.Reopen();  // the daemon restarted: still waiting, and the count goes on
  ASSERT_NE(ana.engine, nullptr);
  Status waiting = ana.engine->Unlock(Pass("ana's passphrase"));
  ASSERT_FALSE(waiting.ok());
  EXPECT_EQ(waiting.error().code, ErrorCode::kUnavailable) << waiting.error().message;
  clock.Advance(1'000);
  EXPECT_EQ(ana.engine->Unlock(Pass("wrong passphrase")).error().code, ErrorCode::kVerificationFailed);
  ana.Reopen();
  clock.Advance(1'000);  // the third wrong one in a row costs two seconds, not one
  EXPECT_EQ(ana.engine->Unlock(Pass("ana's passphrase")).error().code, ErrorCode::kUnavailable);
  clock.Advance(1'000);
  ASSERT_TRUE(ana.engine->Unlock(Pass("ana's passphrase")).ok());
  // Success forgives, across a restart too.
  ana.Reopen();
  EXPECT_EQ(ana.engine->Unlock(Pass("wrong passphrase")).error().code, ErrorCode::kVerificationFailed);
  EXPECT_TRUE(ana.engine->Unlock(Pass("ana's passphrase")).ok());
}

TEST_F(Vault, ChangingThePassphraseResealsWithoutTouchingTheLedger) {
  const Bytes ledger_before = ReadFileBytes(ana.db_path);
  const Bytes key_before = ReadFileBytes(ana.key_path);
  auto old_pass = Pass("ana's passphrase");
  Status wrong_current = ana.engine->SetPassphrase(nullptr, Pass("a new passphrase"));
  EXPECT_EQ(wrong_current.error().code, ErrorCode::kInvalidArgument);  // the current one is needed
  auto bad = Pass("not the passphrase");
  EXPECT_EQ(ana.engine->SetPassphrase(&bad, Pass("a new passphrase")).error().code, ErrorCode::kVerificationFailed);
  EXPECT_EQ(ReadFileBytes(ana.key_path), key_before);
  ASSERT_TRUE(ana.engine->SetPassphrase(&old_pass, Pass("a new passphrase")).ok());
  EXPECT_EQ(ReadFileBytes(ana.db_path), ledger_before);
  EXPECT_NE(ReadFileBytes(ana.key_path), key_before);
  ana.Reopen();
  EXPECT_EQ(ana.engine->Unlock(Pass("ana's passphrase")).error().code, ErrorCode::kVerificationFailed);
  EXPECT_TRUE(ana.engine->Unlock(Pass("a new passphrase")).ok());
  EXPECT_TRUE(AppendWorks(ana, "with the new passphrase"));
}

TEST_F(Vault, RemovingThePassphraseLeavesAnUnsealedFileAndNothingToLock) {
  ASSERT_TRUE(ana.engine->RemovePassphrase(Pass("ana's passphrase")).ok());
  EXPECT_TRUE(ReadKeyFile(ana.key_path).ok());
  EXPECT_EQ(ana.engine->Lock().error().code, ErrorCode::kFailedPrecondition);
  ana.Reopen();
  EXPECT_TRUE(ana.engine->unlocked());
  EXPECT_EQ(ana.engine->Unlock(Pass("ana's passphrase")).error().code, ErrorCode::kFailedPrecondition);
  // And set again, from nothing.
  ASSERT_TRUE(ana.engine->SetPassphrase(nullptr, Pass("another passphrase")).ok());
  ana.Reopen();
  EXPECT_FALSE(ana.engine->unlocked());
  EXPECT_TRUE(ana.engine->Unlock(Pass("another passphrase")).ok());
}

TEST_F(Vault, ALockedDeviceTakesInItsPartnersEntriesAndShowsThemAfterUnlock) {
  Device bea{2, clock};
  bea.Init("Bea");
  crypto::DeterministicRandom rng(Seed(9));
  auto outcomes = RunPairing(ana, bea, clock, rng);
  ASSERT_TRUE(outcomes.inviter && outcomes.joiner);
  ASSERT_TRUE(ana.engine->AdoptPairing(*outcomes.inviter).ok());
  ASSERT_TRUE(bea.engine->AdoptPairing(*outcomes.joiner).ok());
  testing::Pull(ana, bea);
  testing::Pull(bea, ana);

  ana.Reopen();  // locked from here
  ASSERT_FALSE(ana.engine->unlocked());
  auto proposal = AppendParams(*bea.engine, {{"kind", "propose"}, {"title", "Tell before plans change"},
                                             {"text", "A message before any change of plans."},
                                             {"category", "commitment"}});
  ASSERT_TRUE(proposal.ok()) << proposal.error().message;
  auto pulled = testing::Pull(ana, bea);
  EXPECT_GE(pulled.stored, 1u);
  EXPECT_TRUE(pulled.refused.empty());
  auto head = ana.engine->Head(bea.self());
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->id, proposal->id);
  // Bea's view of Ana is unchanged by Ana's being locked: Ana serves her chain.
  EXPECT_EQ(testing::Pull(bea, ana).refused.size(), 0u);

  ASSERT_TRUE(ana.engine->Unlock(Pass("ana's passphrase")).ok());
  auto view = ana.engine->views().state().AgreementsView(ana.engine->views().Opener());
  ASSERT_EQ(view.agreements.size(), 1u);
  EXPECT_EQ(view.agreements[0].title, "Tell before plans change");
  ana.ExpectVerifies();
  // A pairing sealed from the start stays sealed through the key changes of pairing.
  EXPECT_TRUE(LoadKeyFile(ana.key_path)->sealed.has_value());
}

// --- Over IPC ---

class VaultOverIpc : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(ana.engine, nullptr);
    dispatcher = std::make_unique<Dispatcher>(*ana.engine, DaemonInfo{ana.dir.path(), 1});
  }
  // The reply's error code name, or "" when it succeeded.
  std::string Code(const std::string& method, const nlohmann::json& params = nlohmann::json::object()) {
    auto reply = protocol::ParseIpcReply(AsBytes(dispatcher->Handle(AsBytes(protocol::EncodeIpcRequest(1, method, params)))));
    EXPECT_TRUE(reply.ok());
    if (!reply.ok()) return "unparsed";
    last = reply->outcome.ok() ? *reply->outcome : nlohmann::json{{"message", reply->outcome.error().message}};
    return reply->outcome.ok() ? "" : std::string(ErrorCodeName(reply->outcome.error().code));
  }

  TestClock clock;
  Device ana{1, clock};
  std::unique_ptr<Dispatcher> dispatcher;
  nlohmann::json last;
};

TEST_F(VaultOverIpc, EveryStepAnswersPlainly) {
  EXPECT_EQ(Code("init", {{"name", "Ana"}, {"passphrase", "short"}}), "invalid_argument");
  EXPECT_FALSE(ana.engine->initialized());  // nothing half made
  ASSERT_EQ(Code("init", {{"name", "Ana"}, {"passphrase", "ana's passphrase"}}), "");
  EXPECT_EQ(last["passphrase"], true);
  EXPECT_EQ(last["locked"], false);
  EXPECT_EQ(last["name"], "Ana");

  ASSERT_EQ(Code("lock"), "");
  EXPECT_EQ(Code("lock"), "");  // locking twice changes nothing
  EXPECT_EQ(Code("view.agreements"), "failed_precondition");
  EXPECT_NE(last["message"].get<std::string>().find("locked"), std::string::npos);
  EXPECT_EQ(Code("append", {{"kind", "status"}, {"text", "here"}}), "failed_precondition");
  ASSERT_EQ(Code("status"), "");
  EXPECT_EQ(last["locked"], true);
  EXPECT_EQ(last["entries"], 1);

  EXPECT_EQ(Code("unlock"), "invalid_argument");
  EXPECT_EQ(Code("unlock", {{"passphrase", 12345678}}), "invalid_argument");
  EXPECT_EQ(Code("unlock", {{"passphrase", "wrong passphrase"}}), "verification_failed");
  ASSERT_EQ(Code("unlock", {{"passphrase", "ana's passphrase"}}), "");
  EXPECT_EQ(Code("unlock", {{"passphrase", "ana's passphrase"}}), "failed_precondition");
  EXPECT_EQ(Code("view.agreements"), "");

  EXPECT_EQ(Code("passphrase.set", {{"passphrase", "a new passphrase"}}), "invalid_argument");
  ASSERT_EQ(Code("passphrase.set", {{"current", "ana's passphrase"}, {"passphrase", "a new passphrase"}}), "");
  EXPECT_EQ(Code("passphrase.remove", {{"current", "ana's passphrase"}}), "verification_failed");
  ASSERT_EQ(Code("passphrase.remove", {{"current", "a new passphrase"}}), "");
  EXPECT_EQ(Code("lock"), "failed_precondition");
  ASSERT_EQ(Code("status"), "");
  EXPECT_EQ(last["passphrase"], false);
}

}  // namespace
}  // namespace kintsugi::daemon
