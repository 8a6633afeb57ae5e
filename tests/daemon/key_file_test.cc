// The key file: round trip, mode 0600, and refusal of files that others can
// read, that are damaged, truncated or missing.
#include "daemon/key_file.h"

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

constexpr std::size_t kKeyFileBytes = 8 + 1 + 32 + 32 + 32 + 32;

LedgerKeys MakeKeys(std::uint8_t seed) {
  crypto::DeterministicRandom rng(Seed(seed));
  protocol::LedgerId ledger_id;
  rng.Fill(ledger_id);
  return LedgerKeys{crypto::SigningKey::Generate(rng), ledger_id, crypto::SymmetricKey::Generate(rng)};
}

Bytes KeyBytes(const crypto::SymmetricKey& key) { return Bytes(key.bytes().begin(), key.bytes().end()); }

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
}

TEST_F(KeyFile, HasTheDocumentedSizeAndMagic) {
  Bytes bytes = ReadFileBytes(path_);
  ASSERT_EQ(bytes.size(), kKeyFileBytes);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "KNTSKEY1");
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
  bytes[8] = 1;
  Hash32 sum = crypto::Blake2b256(ByteView(bytes).first(kKeyFileBytes - 32));
  std::copy(sum.begin(), sum.end(), bytes.end() - 32);
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

}  // namespace
}  // namespace kintsugi::daemon
