// docs/PROTOCOL.md, section "Key file".
#include "daemon/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "crypto/hash.h"
#include "crypto/secure_buffer.h"

namespace kintsugi::daemon {
namespace {

constexpr char kMagic[8] = {'K', 'N', 'T', 'S', 'K', 'E', 'Y', '2'};
// Version 1 (before pairing existed): magic | protection | seed | ledger id |
// ledger key | checksum, 137 bytes. Still read; rewritten as version 2.
constexpr char kMagicV1[8] = {'K', 'N', 'T', 'S', 'K', 'E', 'Y', '1'};
constexpr std::size_t kV1FileBytes = 8 + 1 + 32 + 32 + 32 + 32;
constexpr std::uint8_t kProtectionNone = 0;
constexpr std::uint8_t kHasBeaconKey = 1;
// magic | protection | seed | ledger id | ledger key | flags | beacon key |
// archived count | archived × (id, key) | BLAKE2b-256 checksum
constexpr std::size_t kFixedBytes = 8 + 1 + 32 + 32 + 32 + 1 + 32 + 1;
constexpr std::size_t kChecksumBytes = 32;
constexpr std::size_t kMaxFileBytes = kFixedBytes + kMaxArchivedLedgers * 64 + kChecksumBytes;

Error Errno(const std::string& what) {
  return MakeError(ErrorCode::kIo, what + ": " + std::strerror(errno));
}

Status WriteAll(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return Errno("write key file");
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return OkStatus();
}

// Reads exactly buf.size() bytes, straight into guarded memory.
Status ReadExactly(int fd, crypto::SecureBuffer& buf, const std::string& path) {
  std::size_t got = 0;
  while (got < buf.size()) {
    ssize_t r = ::read(fd, buf.data() + got, buf.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return Errno("read " + path);
    got += static_cast<std::size_t>(r);
  }
  return OkStatus();
}

Result<LedgerKeys> ReadV1(int fd, const std::string& path) {
  crypto::SecureBuffer buf(kV1FileBytes);
  KINTSUGI_RETURN_IF_ERROR(ReadExactly(fd, buf, path));
  const std::size_t body_bytes = kV1FileBytes - kChecksumBytes;
  Hash32 sum = crypto::Blake2b256(buf.span().first(body_bytes));
  if (std::memcmp(buf.data(), kMagicV1, sizeof kMagicV1) != 0 ||
      std::memcmp(sum.data(), buf.data() + body_bytes, kChecksumBytes) != 0 || buf.data()[8] != kProtectionNone) {
    return MakeError(ErrorCode::kCorrupt, path + " is damaged or not a Kintsugi key file");
  }
  auto identity = crypto::SigningKey::FromSeed(buf.span().subspan(9, 32));
  auto ledger_key = crypto::SymmetricKey::FromBytes(buf.span().subspan(73, 32));
  LedgerKeys keys{std::move(identity).value(), {}, std::move(ledger_key).value(), std::nullopt, {}};
  std::memcpy(keys.ledger_id.data(), buf.data() + 41, 32);
  return keys;
}

}  // namespace

Result<LedgerKeys> ReadKeyFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return MakeError(ErrorCode::kNotFound, "no key file");
    return Errno("open " + path);
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st{};
  if (::fstat(fd, &st) != 0) return Errno("stat " + path);
  if ((st.st_mode & 077) != 0) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     path + " can be read by other users; run: chmod 600 " + path);
  }
  if (st.st_size == static_cast<off_t>(kV1FileBytes)) return ReadV1(fd, path);
  if (st.st_size < static_cast<off_t>(kFixedBytes + kChecksumBytes) ||
      st.st_size > static_cast<off_t>(kMaxFileBytes) ||
      (static_cast<std::size_t>(st.st_size) - kFixedBytes - kChecksumBytes) % 64 != 0) {
    return MakeError(ErrorCode::kCorrupt, path + " has the wrong size");
  }
  const std::size_t size = static_cast<std::size_t>(st.st_size);
  crypto::SecureBuffer buf(size);
  KINTSUGI_RETURN_IF_ERROR(ReadExactly(fd, buf, path));
  const std::size_t body_bytes = size - kChecksumBytes;
  Hash32 sum = crypto::Blake2b256(buf.span().first(body_bytes));
  const std::uint8_t* p = buf.data();
  if (std::memcmp(p, kMagic, sizeof kMagic) != 0 ||
      std::memcmp(sum.data(), p + body_bytes, kChecksumBytes) != 0) {
    return MakeError(ErrorCode::kCorrupt, path + " is damaged or not a Kintsugi key file");
  }
  if (p[8] != kProtectionNone) {
    return MakeError(ErrorCode::kFailedPrecondition, path + " uses a protection this version does not know");
  }
  std::size_t archived = p[kFixedBytes - 1];
  if (archived > kMaxArchivedLedgers || kFixedBytes + archived * 64 != body_bytes || p[105] > 1) {
    return MakeError(ErrorCode::kCorrupt, path + " is damaged");
  }
  auto identity = crypto::SigningKey::FromSeed(buf.span().subspan(9, 32));
  auto ledger_key = crypto::SymmetricKey::FromBytes(buf.span().subspan(73, 32));
  if (!identity.ok() || !ledger_key.ok()) return MakeError(ErrorCode::kCorrupt, "key file is damaged");
  LedgerKeys keys{std::move(identity).value(), {}, std::move(ledger_key).value(), std::nullopt, {}};
  std::memcpy(keys.ledger_id.data(), p + 41, 32);
  if (p[105] & kHasBeaconKey) {
    keys.beacon_key = std::move(crypto::SymmetricKey::FromBytes(buf.span().subspan(106, 32))).value();
  }
  for (std::size_t i = 0; i < archived; ++i) {
    std::size_t at = kFixedBytes + i * 64;
    ArchivedLedger ledger{{}, std::move(crypto::SymmetricKey::FromBytes(buf.span().subspan(at + 32, 32))).value()};
    std::memcpy(ledger.id.data(), p + at, 32);
    keys.archived.push_back(std::move(ledger));
  }
  return keys;
}

Status WriteKeyFile(const std::string& path, const LedgerKeys& keys) {
  const std::size_t body_bytes = kFixedBytes + keys.archived.size() * 64;
  const std::size_t size = body_bytes + kChecksumBytes;
  if (keys.archived.size() > kMaxArchivedLedgers) {
    return MakeError(ErrorCode::kInvalidArgument, "too many archived ledgers");
  }
  crypto::SecureBuffer buf(size);
  std::uint8_t* p = buf.data();
  std::memcpy(p, kMagic, sizeof kMagic);
  p[8] = kProtectionNone;
  std::memcpy(p + 9, keys.identity.seed().data(), 32);
  std::memcpy(p + 41, keys.ledger_id.data(), 32);
  std::memcpy(p + 73, keys.ledger_key.bytes().data(), 32);
  p[105] = keys.beacon_key ? kHasBeaconKey : 0;
  if (keys.beacon_key) std::memcpy(p + 106, keys.beacon_key->bytes().data(), 32);
  p[kFixedBytes - 1] = static_cast<std::uint8_t>(keys.archived.size());
  for (std::size_t i = 0; i < keys.archived.size(); ++i) {
    std::memcpy(p + kFixedBytes + i * 64, keys.archived[i].id.data(), 32);
    std::memcpy(p + kFixedBytes + i * 64 + 32, keys.archived[i].key.bytes().data(), 32);
  }
  Hash32 sum = crypto::Blake2b256(buf.span().first(body_bytes));
  std::memcpy(p + body_bytes, sum.data(), 32);

  std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Errno("create " + tmp);
  Status written = WriteAll(fd, buf.data(), size);
  if (written.ok() && ::fsync(fd) != 0) written = Errno("fsync " + tmp);
  ::close(fd);
  if (!written.ok()) {
    ::unlink(tmp.c_str());
    return written;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = Errno("rename key file");
    ::unlink(tmp.c_str());
    return e;
  }
  // Make the rename itself durable.
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return OkStatus();
}

}  // namespace kintsugi::daemon
