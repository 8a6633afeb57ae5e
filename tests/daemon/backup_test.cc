// Sealed backups: the file format (protocol/backup.h) and the engine's
// backup and restore (daemon/engine.h) on real ledger files, down to a
// restored device that re-syncs with its partner without a fork or a
// duplicate. Argon2id at its cheapest: its cost is not under test.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "crypto/hash.h"
#include "crypto/pwhash.h"
#include "crypto/stream.h"
#include "daemon/engine.h"
#include "daemon/store/key_file.h"
#include "pairing_support.h"
#include "protocol/backup.h"
#include "test_support.h"

namespace kintsugi::daemon {
namespace {

using testing::Device;
using testing::Note;
using testing::Pass;
using testing::ReadFileBytes;
using testing::RunPairing;
using testing::Seed;
using testing::TestClock;
using testing::WriteFileBytes;


// --- The file format ---

class BackupFormat : public ::testing::Test {
 protected:
  Bytes Seal(std::size_t db_bytes) {
    protocol::BackupContents contents;
    contents.created_ms = 1234;
    contents.key_file.emplace(200);
    for (std::size_t i = 0; i < 200; ++i) contents.key_file->data()[i] = static_cast<std::uint8_t>(i);
    contents.database.resize(db_bytes);
    for (std::size_t i = 0; i < db_bytes; ++i) contents.database[i] = static_cast<std::uint8_t>(i * 7);
    return protocol::SealBackup(contents, key, header);
  }

  protocol::BackupHeader header{crypto::PwhashSalt{}, crypto::kMinLimits};
  crypto::DeterministicRandom rng{Seed(8)};
  crypto::SymmetricKey key = crypto::SymmetricKey::Generate(rng);
};

TEST_F(BackupFormat, RoundTripsAcrossManyChunks) {
  const std::size_t size = 2 * protocol::kBackupChunkBytes + 123;
  Bytes file = Seal(size);
  auto opened = protocol::OpenBackup(file, key);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->created_ms, 1234u);
  ASSERT_EQ(opened->key_file->size(), 200u);
  EXPECT_EQ(opened->key_file->data()[199], 199);
  ASSERT_EQ(opened->database.size(), size);
  EXPECT_EQ(opened->database[size - 1], static_cast<std::uint8_t>((size - 1) * 7));
  auto read = protocol::ReadBackupHeader(file);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->limits, crypto::kMinLimits);
}

TEST_F(BackupFormat, AnotherKeyIsAWrongPassphrase) {
  Bytes file = Seal(1000);
  crypto::SymmetricKey other = crypto::SymmetricKey::Generate(rng);
  auto opened = protocol::OpenBackup(file, other);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kVerificationFailed);
}

TEST_F(BackupFormat, AnyFlippedByteIsDamage) {
  const Bytes good = Seal(300);
  for (std::size_t i = 0; i < good.size(); ++i) {
    Bytes bad = good;
    bad[i] ^= 0x20;
    auto opened = protocol::OpenBackup(bad, key);
    ASSERT_FALSE(opened.ok()) << "byte " << i;
    EXPECT_EQ(opened.error().code, ErrorCode::kCorrupt) << "byte " << i;
  }
}

TEST_F(BackupFormat, CutShortOrExtendedIsDamage) {
  const Bytes good = Seal(5000);
  for (std::size_t keep : {std::size_t{0}, std::size_t{7}, std::size_t{80}, good.size() / 2, good.size() - 1}) {
    EXPECT_EQ(protocol::OpenBackup(ByteView(good).first(keep), key).error().code, ErrorCode::kCorrupt) << keep;
  }
  Bytes longer = good;
  longer.push_back(0);
  EXPECT_EQ(protocol::OpenBackup(longer, key).error().code, ErrorCode::kCorrupt);
}

TEST_F(BackupFormat, ChunksCutOrReorderedDoNotOpenEvenWithAFixedChecksum) {
  // Someone who knows the format recomputes the checksum after dropping the
  // final chunk: the stream itself says it ended too early.
  const std::size_t size = protocol::kBackupChunkBytes + 10;
  Bytes file = Seal(size);
  const std::size_t last_chunk = 4 + 10 + crypto::kStreamChunkOverheadBytes;
  Bytes cut(file.begin(), file.end() - 32 - static_cast<std::ptrdiff_t>(last_chunk));
  Hash32 sum = crypto::Blake2b256(cut);
  cut.insert(cut.end(), sum.begin(), sum.end());
  auto opened = protocol::OpenBackup(cut, key);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(opened.error().message.find("cut short"), std::string::npos) << opened.error().message;
}

TEST_F(BackupFormat, TwoChunksSwappedDoNotOpenEvenWithAFixedChecksum) {
  // Two database chunks of the same length, swapped, the checksum made
  // right: the stream's order is authenticated, not only the file's bytes.
  Bytes file = Seal(2 * protocol::kBackupChunkBytes);
  const std::size_t chunk = 4 + protocol::kBackupChunkBytes + crypto::kStreamChunkOverheadBytes;
  const std::size_t second = file.size() - 32 - chunk;
  const std::size_t first = second - chunk;
  Bytes swapped = file;
  std::copy(file.begin() + first, file.begin() + second, swapped.begin() + second);
  std::copy(file.begin() + second, file.begin() + second + chunk, swapped.begin() + first);
  Hash32 sum = crypto::Blake2b256(ByteView(swapped).first(swapped.size() - 32));
  std::copy(sum.begin(), sum.end(), swapped.end() - 32);
  auto opened = protocol::OpenBackup(swapped, key);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(opened.error().message.find("does not open"), std::string::npos) << opened.error().message;
}

TEST_F(BackupFormat, NotABackupSaysSo) {
  Bytes junk(500, 'x');
  auto read = protocol::ReadBackupHeader(junk);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().message.find("not a Kintsugi backup"), std::string::npos);
}

// --- Backup and restore on real files ---

class Backups : public ::testing::Test {
 protected:
  void SetUp() override {
    ana.Init("Ana");
    ana.Append("first");
    ana.Append("second");
    ASSERT_TRUE(ana.engine->AddNote("a private note").ok());
  }
  std::string BackupPath() const { return backups.File("ana.kbak"); }

  TestClock clock;
  testing::TempDir backups;
  Device ana{1, clock};
};

TEST_F(Backups, ABackupRestoresOnAFreshDeviceWithEveryEntryAndNote) {
  auto report = ana.engine->Backup(BackupPath(), Pass("backup passphrase"), false);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->entries, 3);
  // Sealed: neither the identity seed nor the note's words are in the file.
  const Bytes file = ReadFileBytes(BackupPath());
  EXPECT_FALSE(testing::Contains(file, ByteView(ana.engine->identity().seed())));
  EXPECT_FALSE(testing::Contains(file, std::string("a private note")));

  Device fresh{1, clock};
  auto status = fresh.engine->Restore(BackupPath(), Pass("backup passphrase"), false);
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(status->entries, 3);
  EXPECT_EQ(status->name, "Ana");
  EXPECT_FALSE(status->restore_hold);  // never paired: nobody to wait for
  EXPECT_EQ(fresh.engine->self(), ana.engine->self());
  EXPECT_EQ(fresh.LogIds(), ana.LogIds());
  fresh.ExpectVerifies();
  auto notes = fresh.engine->Notes();
  ASSERT_TRUE(notes.ok());
  ASSERT_EQ(notes->size(), 1u);
  EXPECT_EQ((*notes)[0].text, "a private note");
  EXPECT_TRUE(fresh.engine->Append(Note("written after the restore")).ok());
  // It is a new replica to a partner.
  EXPECT_NE(fresh.engine->Hello()->index_id, ana.engine->Hello()->index_id);
}

TEST_F(Backups, AnExistingFileIsNotReplacedUnlessAsked) {
  WriteFileBytes(BackupPath(), AsBytes(std::string_view("keep me")));
  auto again = ana.engine->Backup(BackupPath(), Pass("backup passphrase"), false);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(ReadFileBytes(BackupPath()), Bytes(AsBytes(std::string_view("keep me")).begin(),
                                                AsBytes(std::string_view("keep me")).end()));
  ASSERT_TRUE(ana.engine->Backup(BackupPath(), Pass("backup passphrase"), true).ok());
  EXPECT_TRUE(protocol::ReadBackupHeader(ReadFileBytes(BackupPath())).ok());
  EXPECT_FALSE(std::filesystem::exists(BackupPath() + ".tmp"));
}

TEST_F(Backups, WithAVaultTheBackupTakesTheVaultsPassphrase) {
  ASSERT_TRUE(ana.engine->SetPassphrase(nullptr, Pass("vault passphrase")).ok());
  EXPECT_EQ(ana.engine->Backup(BackupPath(), Pass("another passphrase"), false).error().code,
            ErrorCode::kVerificationFailed);
  ASSERT_TRUE(ana.engine->Lock().ok());  // a locked daemon can still make one
  ASSERT_TRUE(ana.engine->Backup(BackupPath(), Pass("vault passphrase"), false).ok());
  Device fresh{1, clock};
  auto status = fresh.engine->Restore(BackupPath(), Pass("vault passphrase"), false);
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_TRUE(status->locked);
  EXPECT_TRUE(status->passphrase);
  ASSERT_TRUE(fresh.engine->Unlock(Pass("vault passphrase")).ok());
  EXPECT_EQ(fresh.LogIds().size(), 3u);
}

TEST_F(Backups, RestoreOverALedgerIsRefusedUnlessForcedAndThenKeepsTheOldFilesBeside) {
  ASSERT_TRUE(ana.engine->Backup(BackupPath(), Pass("backup passphrase"), false).ok());
  Device other{2, clock};
  other.Init("Other");
  const Bytes key_before = ReadFileBytes(other.key_path);
  auto refused = other.engine->Restore(BackupPath(), Pass("backup passphrase"), false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(ReadFileBytes(other.key_path), key_before);

  auto forced = other.engine->Restore(BackupPath(), Pass("backup passphrase"), true);
  ASSERT_TRUE(forced.ok()) << forced.error().message;
  EXPECT_EQ(forced->name, "Ana");
  int kept = 0;
  for (const auto& entry : std::filesystem::directory_iterator(other.dir.path())) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("identity.key.replaced-", 0) == 0) {
      ++kept;
      EXPECT_EQ(ReadFileBytes(entry.path().string()), key_before);
    }
    if (name.rfind("ledger.db.replaced-", 0) == 0) ++kept;
  }
  EXPECT_EQ(kept, 2);
}

TEST_F(Backups, AWrongPassphraseOrADamagedFileChangesNothing) {
  ASSERT_TRUE(ana.engine->Backup(BackupPath(), Pass("backup passphrase"), false).ok());
  Device fresh{1, clock};
  auto wrong = fresh.engine->Restore(BackupPath(), Pass("not the passphrase"), false);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::kVerificationFailed);
  Bytes damaged = ReadFileBytes(BackupPath());
  damaged[damaged.size() / 2] ^= 1;
  WriteFileBytes(BackupPath(), damaged);
  auto broken = fresh.engine->Restore(BackupPath(), Pass("backup passphrase"), false);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(broken.error().message.find("damaged"), std::string::npos);
  EXPECT_FALSE(fresh.engine->initialized());
  EXPECT_FALSE(std::filesystem::exists(fresh.key_path));
  for (const auto& entry : std::filesystem::directory_iterator(fresh.dir.path())) {
    EXPECT_EQ(entry.path().string().find(".restoring"), std::string::npos) << entry.path();
  }
  EXPECT_EQ(fresh.engine->Restore(backups.File("missing.kbak"), Pass("backup passphrase"), false).error().code,
            ErrorCode::kNotFound);
}

// Backups sealed rightly around wrong insides (what a bug or a hand-made
// file could hold): each is refused with its reason before anything real is
// touched, on a fresh device and over a ledger with --force alike.
TEST_F(Backups, InsidesThatDoNotMakeADeviceAreRefusedAndChangeNothing) {
  Device bea{2, clock};
  bea.Init("Bea");
  auto ana_image = ana.engine->store().Snapshot();
  auto bea_image = bea.engine->store().Snapshot();
  ASSERT_TRUE(ana_image.ok() && bea_image.ok());
  const Bytes ana_key_file = ReadFileBytes(ana.key_path);
  protocol::BackupHeader header{crypto::PwhashSalt{}, crypto::kMinLimits};
  header.salt[0] = 7;
  auto key = crypto::DeriveFromPassphrase(Pass("backup passphrase"), header.salt, header.limits);
  ASSERT_TRUE(key.ok());
  int made = 0;
  auto seal = [&](const Bytes& key_file, const Bytes& database) {
    protocol::BackupContents contents;
    contents.created_ms = 1;
    contents.key_file.emplace(key_file.size());
    std::copy(key_file.begin(), key_file.end(), contents.key_file->data());
    contents.database = database;
    const std::string path = backups.File("made-" + std::to_string(++made) + ".kbak");
    WriteFileBytes(path, protocol::SealBackup(contents, *key, header));
    return path;
  };
  Bytes damaged_key_file = ana_key_file;
  damaged_key_file[damaged_key_file.size() / 2] ^= 0x55;
  const Bytes not_a_database(4096, 0x42);
  Bytes damaged_image = *ana_image;
  for (std::size_t i = 4096; i < damaged_image.size(); i += 97) damaged_image[i] ^= 0xff;  // past the header page
  struct Case {
    std::string path;
    std::string says;
  };
  const std::vector<Case> cases = {
      {seal(ana_key_file, *bea_image), "do not belong together"},
      {seal(damaged_key_file, *ana_image), "key file is damaged"},
      {seal(ana_key_file, not_a_database), "ledger does not open"},
      {seal(ana_key_file, damaged_image), ""},  // some damage SQLite sees at open, some at integrity_check
  };

  Device fresh{3, clock};
  const Bytes bea_key_before = ReadFileBytes(bea.key_path);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.says.empty() ? "a damaged ledger image" : c.says);
    auto onto_fresh = fresh.engine->Restore(c.path, Pass("backup passphrase"), false);
    ASSERT_FALSE(onto_fresh.ok());
    EXPECT_EQ(onto_fresh.error().code, ErrorCode::kCorrupt) << onto_fresh.error().message;
    EXPECT_NE(onto_fresh.error().message.find(c.says), std::string::npos) << onto_fresh.error().message;
    EXPECT_FALSE(fresh.engine->initialized());
    EXPECT_FALSE(std::filesystem::exists(fresh.key_path));

    auto over_bea = bea.engine->Restore(c.path, Pass("backup passphrase"), true);
    ASSERT_FALSE(over_bea.ok());
    EXPECT_EQ(over_bea.error().code, ErrorCode::kCorrupt) << over_bea.error().message;
    EXPECT_EQ(ReadFileBytes(bea.key_path), bea_key_before);
    EXPECT_EQ(bea.engine->self(), bea.self());
    EXPECT_TRUE(bea.engine->Append(Note("Bea keeps writing")).ok());
    for (const auto& dir : {fresh.dir.path(), bea.dir.path()}) {
      for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        EXPECT_EQ(name.find(".restoring"), std::string::npos) << name;
        EXPECT_EQ(name.find(".replaced-"), std::string::npos) << name;
      }
    }
  }
  bea.ExpectVerifies();
}

TEST_F(Backups, ARestoredDeviceWaitsForItsPartnerThenResyncsWithoutAForkOrADuplicate) {
  Device bea{2, clock};
  bea.Init("Bea");
  crypto::DeterministicRandom rng(Seed(9));
  auto outcomes = RunPairing(ana, bea, clock, rng);
  ASSERT_TRUE(outcomes.inviter && outcomes.joiner);
  ASSERT_TRUE(ana.engine->AdoptPairing(*outcomes.inviter).ok());
  ASSERT_TRUE(bea.engine->AdoptPairing(*outcomes.joiner).ok());
  testing::Pull(ana, bea);
  testing::Pull(bea, ana);
  ana.Append("shared one");
  ASSERT_TRUE(ana.engine->Backup(BackupPath(), Pass("backup passphrase"), false).ok());
  // After the backup Ana writes more; Bea receives it; then Ana's laptop is lost.
  ana.Append("after the backup, one");
  ana.Append("after the backup, two");
  testing::Pull(bea, ana);
  const auto lost_ids = ana.LogIds();
  const auto ana_self = ana.engine->self();

  Device fresh{1, clock};
  auto status = fresh.engine->Restore(BackupPath(), Pass("backup passphrase"), false);
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_TRUE(status->restore_hold);
  EXPECT_LT(fresh.LogIds().size(), lost_ids.size());
  auto early = fresh.engine->Append(Note("too early"));
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(early.error().message.find("restored"), std::string::npos);
  // The hold survives a restart.
  fresh.Reopen();
  EXPECT_TRUE(fresh.engine->GetStatus()->restore_hold);

  // The first sync: Bea's hello says how much of Ana's chain she holds; the
  // restored device takes it back.
  fresh.engine->NotePartnerHello(*bea.engine->Hello());
  EXPECT_TRUE(fresh.engine->GetStatus()->restore_hold);
  auto pulled = testing::Pull(fresh, bea);
  EXPECT_TRUE(pulled.refused.empty());
  EXPECT_EQ(pulled.forks, 0u);
  EXPECT_FALSE(fresh.engine->GetStatus()->restore_hold);
  EXPECT_EQ(fresh.engine->Head(ana_self)->seq, bea.engine->Head(ana_self)->seq);

  ASSERT_TRUE(fresh.engine->Append(Note("back again")).ok());
  auto back = testing::Pull(bea, fresh);
  EXPECT_EQ(back.forks, 0u);
  EXPECT_TRUE(back.refused.empty());
  EXPECT_EQ(fresh.LogIds(), bea.LogIds());
  EXPECT_TRUE(bea.engine->Forks()->empty());
  fresh.ExpectVerifies();
  bea.ExpectVerifies();
}

}  // namespace
}  // namespace kintsugi::daemon
