// The key file: round trip (with and without a beacon key, with up to
// kMaxArchivedLedgers archived ledgers), mode 0600, and refusal of files that
// others can read, that are damaged, truncated, of an impossible size or
// missing.
#include "daemon/store/key_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "tests/daemon/test_support.h"

namespace kintsugi::daemon {
namespace {

using testing::Exists;
using testing::ReadFileBytes;
using testing::Seed;
using testing::TempDir;
using testing::WriteFileBytes;

// magic | protection | seed | ledger id | ledger key | flags | beacon key | archived count
constexpr std::size_t kFixedBytes = 8 + 1 + 32 + 32 + 32 + 1 + 32 + 1;
constexpr std::size_t kArchivedBytes = 32 + 32;  // id, key
constexpr std::size_t kChecksumBytes = 32;
constexpr std::size_t kKeyFileBytes = kFixedBytes + kChecksumBytes;  // nothing archived

constexpr std::size_t KeyFileBytes(std::size_t archived) {
  return kFixedBytes + archived * kArchivedBytes + kChecksumBytes;
}

LedgerKeys MakeKeys(std::uint8_t seed, std::size_t archived = 0, bool beacon = false) {
  crypto::DeterministicRandom rng(Seed(seed));
  protocol::LedgerId ledger_id;
  rng.Fill(ledger_id);
  LedgerKeys keys{crypto::SigningKey::Generate(rng), ledger_id, crypto::SymmetricKey::Generate(rng),
                  std::nullopt, {}};
  if (beacon) keys.beacon_key = crypto::SymmetricKey::Generate(rng);
  for (std::size_t i = 0; i < archived; ++i) {
    protocol::LedgerId id;
    rng.Fill(id);
    keys.archived.push_back(ArchivedLedger{id, crypto::SymmetricKey::Generate(rng)});
  }
  return keys;
}

Bytes KeyBytes(const crypto::SymmetricKey& key) { return Bytes(key.bytes().begin(), key.bytes().end()); }

// Rewrites the checksum of a key file's bytes so that only the other checks
// can refuse them.
void Reseal(Bytes& bytes) {
  ASSERT_GE(bytes.size(), kChecksumBytes);
  Hash32 sum = crypto::Blake2b256(ByteView(bytes).first(bytes.size() - kChecksumBytes));
  std::copy(sum.begin(), sum.end(), bytes.end() - kChecksumBytes);
}

mode_t ModeOf(const std::string& path) {
  struct stat st{};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  return st.st_mode & 07777;
}

class KeyFile : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(WriteKeyFile(path_, keys_).ok()); }

  TempDir dir_;
  std::string path_ = dir_.File("identity.key");
  LedgerKeys keys_ = MakeKeys(1);
};

TEST_F(KeyFile, RoundTripKeepsEveryKey) {
  auto read = ReadKeyFile(path_);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->identity.public_key(), keys_.identity.public_key());
  EXPECT_TRUE(std::equal(read->identity.seed().begin(), read->identity.seed().end(),
                         keys_.identity.seed().begin(), keys_.identity.seed().end()));
  EXPECT_EQ(read->ledger_id, keys_.ledger_id);
  EXPECT_EQ(KeyBytes(read->ledger_key), KeyBytes(keys_.ledger_key));
  EXPECT_FALSE(read->beacon_key.has_value());
  EXPECT_TRUE(read->archived.empty());
}

TEST_F(KeyFile, HasTheDocumentedSizeAndMagic) {
  Bytes bytes = ReadFileBytes(path_);
  ASSERT_EQ(bytes.size(), kKeyFileBytes);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "KNTSKEY2");
  EXPECT_EQ(bytes[8], 0);  // no passphrase protection
  Hash32 sum = crypto::Blake2b256(ByteView(bytes).first(kKeyFileBytes - 32));
  EXPECT_TRUE(std::equal(sum.begin(), sum.end(), bytes.end() - 32));
}

TEST_F(KeyFile, IsWrittenWithModeOwnerReadWriteOnly) { EXPECT_EQ(ModeOf(path_), 0600u); }

TEST_F(KeyFile, IsWrittenWithModeOwnerReadWriteOnlyWhateverTheUmask) {
  const mode_t old = ::umask(0);
  Status s = WriteKeyFile(dir_.File("other.key"), keys_);
  ::umask(old);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(ModeOf(dir_.File("other.key")), 0600u);
}

TEST_F(KeyFile, ReadableByOthersIsRefused) {
  for (mode_t mode : {0644, 0640, 0604, 0601, 0610}) {
    ASSERT_EQ(::chmod(path_.c_str(), mode), 0);
    auto read = ReadKeyFile(path_);
    ASSERT_FALSE(read.ok()) << std::oct << mode;
    EXPECT_EQ(read.error().code, ErrorCode::kFailedPrecondition) << std::oct << mode;
    EXPECT_NE(read.error().message.find("chmod 600"), std::string::npos);
  }
  ASSERT_EQ(::chmod(path_.c_str(), 0400), 0);
  EXPECT_TRUE(ReadKeyFile(path_).ok());
}

TEST_F(KeyFile, FlippedByteAnywhereIsRefusedAsCorrupt) {
  const Bytes good = ReadFileBytes(path_);
  ASSERT_EQ(good.size(), kKeyFileBytes);
  for (std::size_t i = 0; i < good.size(); ++i) {
    Bytes bad = good;
    bad[i] ^= 0x01;
    WriteFileBytes(path_, bad);
    auto read = ReadKeyFile(path_);
    ASSERT_FALSE(read.ok()) << "byte " << i;
    EXPECT_EQ(read.error().code, ErrorCode::kCorrupt) << "byte " << i;
  }
}

TEST_F(KeyFile, UnknownProtectionWithValidChecksumIsFailedPrecondition) {
  Bytes bytes = ReadFileBytes(path_);
  ASSERT_EQ(bytes.size(), kKeyFileBytes);
  bytes[8] = 2;  // 0 is unsealed, 1 sealed by a passphrase
  Reseal(bytes);
  WriteFileBytes(path_, bytes);
  auto read = ReadKeyFile(path_);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(KeyFile, WrongSizeIsRefusedAsCorrupt) {
  const Bytes good = ReadFileBytes(path_);
  Bytes shorter(good.begin(), good.end() - 1);
  WriteFileBytes(path_, shorter);
  auto read = ReadKeyFile(path_);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kCorrupt);

  Bytes longer = good;
  longer.push_back(0);
  WriteFileBytes(path_, longer);
  read = ReadKeyFile(path_);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kCorrupt);

  WriteFileBytes(path_, Bytes{});
  read = ReadKeyFile(path_);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kCorrupt);
}

TEST_F(KeyFile, MissingFileIsNotFound) {
  auto read = ReadKeyFile(dir_.File("nothing.key"));
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
}

TEST_F(KeyFile, SymlinkIsNotFollowed) {
  const std::string link = dir_.File("link.key");
  ASSERT_EQ(::symlink(path_.c_str(), link.c_str()), 0);
  auto read = ReadKeyFile(link);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kIo);
}

TEST_F(KeyFile, LeavesNoTemporaryFileBehind) {
  EXPECT_FALSE(Exists(path_ + ".tmp"));
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir_.path())) ++files;
  EXPECT_EQ(files, 1);
}

TEST_F(KeyFile, RewriteReplacesTheKeysAndClearsAStaleTemporaryFile) {
  WriteFileBytes(path_ + ".tmp", AsBytes("left by a crash"));
  LedgerKeys other = MakeKeys(2);
  ASSERT_TRUE(WriteKeyFile(path_, other).ok());
  EXPECT_FALSE(Exists(path_ + ".tmp"));
  auto read = ReadKeyFile(path_);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->identity.public_key(), other.identity.public_key());
  EXPECT_NE(read->identity.public_key(), keys_.identity.public_key());
  EXPECT_EQ(read->ledger_id, other.ledger_id);
}

TEST_F(KeyFile, WriteIntoAMissingDirectoryFailsWithoutCreatingIt) {
  const std::string path = dir_.File("absent/identity.key");
  Status s = WriteKeyFile(path, keys_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kIo);
  EXPECT_FALSE(Exists(dir_.File("absent")));
}

// Every field of `read` equals the one of `written`, archived ledgers in order.
void ExpectSameKeys(const LedgerKeys& read, const LedgerKeys& written) {
  EXPECT_EQ(read.identity.public_key(), written.identity.public_key());
  EXPECT_EQ(read.ledger_id, written.ledger_id);
  EXPECT_EQ(KeyBytes(read.ledger_key), KeyBytes(written.ledger_key));
  ASSERT_EQ(read.beacon_key.has_value(), written.beacon_key.has_value());
  if (written.beacon_key) {
    EXPECT_EQ(KeyBytes(*read.beacon_key), KeyBytes(*written.beacon_key));
  }
  ASSERT_EQ(read.archived.size(), written.archived.size());
  for (std::size_t i = 0; i < written.archived.size(); ++i) {
    EXPECT_EQ(read.archived[i].id, written.archived[i].id) << "archived " << i;
    EXPECT_EQ(KeyBytes(read.archived[i].key), KeyBytes(written.archived[i].key)) << "archived " << i;
  }
}

TEST_F(KeyFile, RoundTripKeepsTheBeaconKey) {
  LedgerKeys paired = MakeKeys(3, 0, /*beacon=*/true);
  ASSERT_TRUE(paired.beacon_key.has_value());
  ASSERT_TRUE(WriteKeyFile(path_, paired).ok());
  EXPECT_EQ(ReadFileBytes(path_).size(), kKeyFileBytes);  // the beacon key has a fixed place
  auto read = ReadKeyFile(path_);
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_TRUE(read->beacon_key.has_value());
  EXPECT_NE(KeyBytes(*read->beacon_key), KeyBytes(read->ledger_key));
  ExpectSameKeys(*read, paired);
}

TEST_F(KeyFile, RoundTripKeepsNoneOneOrEightArchivedLedgersInOrder) {
  for (std::size_t archived : {std::size_t{0}, std::size_t{1}, kMaxArchivedLedgers}) {
    SCOPED_TRACE("archived " + std::to_string(archived));
    LedgerKeys keys = MakeKeys(4, archived, /*beacon=*/true);
    ASSERT_TRUE(WriteKeyFile(path_, keys).ok());
    EXPECT_EQ(ReadFileBytes(path_).size(), KeyFileBytes(archived));
    auto read = ReadKeyFile(path_);
    ASSERT_TRUE(read.ok()) << read.error().message;
    ExpectSameKeys(*read, keys);
  }
}

TEST_F(KeyFile, ArchivedLedgersRoundTripWithoutABeaconKey) {
  LedgerKeys keys = MakeKeys(5, 2, /*beacon=*/false);
  ASSERT_TRUE(WriteKeyFile(path_, keys).ok());
  auto read = ReadKeyFile(path_);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_FALSE(read->beacon_key.has_value());
  ExpectSameKeys(*read, keys);
}

TEST_F(KeyFile, NineArchivedLedgersAreRefusedAndTheFileIsKept) {
  const Bytes before = ReadFileBytes(path_);
  LedgerKeys keys = MakeKeys(6, kMaxArchivedLedgers + 1, /*beacon=*/true);
  Status s = WriteKeyFile(path_, keys);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(ReadFileBytes(path_), before);
  EXPECT_FALSE(Exists(path_ + ".tmp"));

  Status fresh = WriteKeyFile(dir_.File("fresh.key"), keys);
  ASSERT_FALSE(fresh.ok());
  EXPECT_FALSE(Exists(dir_.File("fresh.key")));
}

TEST_F(KeyFile, FlippedByteAnywhereInAFileWithArchivedLedgersIsRefusedAsCorrupt) {
  ASSERT_TRUE(WriteKeyFile(path_, MakeKeys(7, 3, /*beacon=*/true)).ok());
  const Bytes good = ReadFileBytes(path_);
  ASSERT_EQ(good.size(), KeyFileBytes(3));
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (std::uint8_t mask : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
      Bytes bad = good;
      bad[i] ^= mask;
      WriteFileBytes(path_, bad);
      auto read = ReadKeyFile(path_);
      ASSERT_FALSE(read.ok()) << "byte " << i << " mask " << int{mask};
      EXPECT_EQ(read.error().code, ErrorCode::kCorrupt) << "byte " << i << " mask " << int{mask};
    }
  }
  WriteFileBytes(path_, good);
  EXPECT_TRUE(ReadKeyFile(path_).ok());  // the loop refused damage, not the file
}

TEST_F(KeyFile, SizeThatIsNotFixedPlusWholeArchivedLedgersPlusChecksumIsRefused) {
  ASSERT_TRUE(WriteKeyFile(path_, MakeKeys(8, 2, /*beacon=*/true)).ok());
  const Bytes good = ReadFileBytes(path_);
  ASSERT_EQ(good.size(), KeyFileBytes(2));
  // Every size from below the smallest file to past the largest, except the
  // nine legal ones, even with a checksum that matches the shortened body.
  for (std::size_t size = 0; size <= KeyFileBytes(kMaxArchivedLedgers + 1); ++size) {
    const bool legal = size >= KeyFileBytes(0) && size <= KeyFileBytes(kMaxArchivedLedgers) &&
                       (size - KeyFileBytes(0)) % kArchivedBytes == 0;
    if (legal) continue;
    Bytes bytes = good;
    bytes.resize(size, 0x5A);
    if (size >= kChecksumBytes) Reseal(bytes);
    WriteFileBytes(path_, bytes);
    auto read = ReadKeyFile(path_);
    ASSERT_FALSE(read.ok()) << "size " << size;
    EXPECT_EQ(read.error().code, ErrorCode::kCorrupt) << "size " << size;
  }
}

TEST_F(KeyFile, ArchivedCountThatDisagreesWithTheSizeIsRefused) {
  ASSERT_TRUE(WriteKeyFile(path_, MakeKeys(9, 2, /*beacon=*/false)).ok());
  const Bytes good = ReadFileBytes(path_);
  for (std::uint8_t count : {std::uint8_t{0}, std::uint8_t{1}, std::uint8_t{3}, std::uint8_t{9},
                             std::uint8_t{255}}) {
    Bytes bytes = good;
    bytes[kFixedBytes - 1] = count;
    Reseal(bytes);  // a valid checksum: only the count is wrong
    WriteFileBytes(path_, bytes);
    auto read = ReadKeyFile(path_);
    ASSERT_FALSE(read.ok()) << "count " << int{count};
    EXPECT_EQ(read.error().code, ErrorCode::kCorrupt) << "count " << int{count};
  }
}

TEST_F(KeyFile, UnknownFlagsWithAValidChecksumAreRefused) {
  Bytes bytes = ReadFileBytes(path_);
  ASSERT_EQ(bytes.size(), kKeyFileBytes);
  bytes[8 + 1 + 32 + 32 + 32] = 2;  // the flags byte: only "has beacon key" is defined
  Reseal(bytes);
  WriteFileBytes(path_, bytes);
  auto read = ReadKeyFile(path_);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace kintsugi::daemon
