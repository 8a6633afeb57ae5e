// docs/PROTOCOL.md, section "Key file".
#include "daemon/store/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/files.h"
#include "crypto/hash.h"
#include "crypto/secure_buffer.h"
#include "protocol/wire.h"

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

Result<LedgerKeys> ParseV1(const crypto::SecureBuffer& buf, const std::string& path) {
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

// The sealed form (protection 1):
//   magic | 1 | self | ledger id | flags | beacon key | transport public |
//   transport secret | salt | ops (u64 LE) | mem (u64 LE) | nonce |
//   sealed length (u16 LE) | sealed | BLAKE2b-256 checksum
// sealed = XChaCha20-Poly1305(vault key, nonce, ad = everything before it) of
//   seed | ledger key | archived count | archived × (id, key)
constexpr std::uint8_t kProtectionPassphrase = 1;
constexpr std::size_t kSealedHeaderBytes = 8 + 1 + 32 + 32 + 1 + 32 + 32 + 32 + 16 + 8 + 8 + 24 + 2;
constexpr std::size_t kSecretBytes(std::size_t archived) { return 32 + 32 + 1 + archived * 64; }
constexpr std::size_t kMaxSealedFileBytes =
    kSealedHeaderBytes + kSecretBytes(kMaxArchivedLedgers) + crypto::kAeadTagBytes + kChecksumBytes;

Error Damaged(const std::string& path) {
  return MakeError(ErrorCode::kCorrupt, path + " is damaged or not a Kintsugi key file");
}

// The unsealed form, already read and checksummed.
Result<LedgerKeys> ParseOpen(const crypto::SecureBuffer& buf, const std::string& path) {
  const std::size_t body_bytes = buf.size() - kChecksumBytes;
  const std::uint8_t* p = buf.data();
  if (buf.size() < kFixedBytes + kChecksumBytes || (buf.size() - kFixedBytes - kChecksumBytes) % 64 != 0) {
    return MakeError(ErrorCode::kCorrupt, path + " has the wrong size");
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

Result<KeyFile> ParseSealed(const crypto::SecureBuffer& buf, const std::string& path) {
  const std::uint8_t* p = buf.data();
  if (buf.size() < kSealedHeaderBytes + kChecksumBytes) return Damaged(path);
  KeyFile file;
  std::size_t at = 9;
  std::memcpy(file.info.self.data(), p + at, 32), at += 32;
  std::memcpy(file.info.ledger_id.data(), p + at, 32), at += 32;
  const std::uint8_t flags = p[at++];
  if (flags > kHasBeaconKey) return Damaged(path);
  if (flags & kHasBeaconKey) {
    file.info.beacon_key = std::move(crypto::SymmetricKey::FromBytes(buf.span().subspan(at, 32))).value();
  }
  at += 32;
  std::memcpy(file.info.transport.public_key.data(), p + at, 32), at += 32;
  std::memcpy(file.info.transport.secret_key.data(), p + at, 32), at += 32;
  KeyFile::Sealed sealed;
  std::memcpy(sealed.salt.data(), p + at, sealed.salt.size()), at += sealed.salt.size();
  sealed.limits.ops = protocol::LoadLe64(p + at), at += 8;
  sealed.limits.mem_bytes = protocol::LoadLe64(p + at), at += 8;
  std::memcpy(sealed.nonce.data(), p + at, sealed.nonce.size()), at += sealed.nonce.size();
  const std::size_t sealed_bytes = p[at] | (static_cast<std::size_t>(p[at + 1]) << 8);
  at += 2;
  if (at != kSealedHeaderBytes || buf.size() != at + sealed_bytes + kChecksumBytes ||
      sealed_bytes < kSecretBytes(0) + crypto::kAeadTagBytes ||
      (sealed_bytes - kSecretBytes(0) - crypto::kAeadTagBytes) % 64 != 0 ||
      sealed_bytes > kSecretBytes(kMaxArchivedLedgers) + crypto::kAeadTagBytes) {
    return MakeError(ErrorCode::kCorrupt, path + " has the wrong size");
  }
  if (!crypto::LimitsAllowed(sealed.limits)) return Damaged(path);
  sealed.ad.assign(p, p + at);
  sealed.ciphertext.assign(p + at, p + at + sealed_bytes);
  file.sealed = std::move(sealed);
  return file;
}

// Writes `buf` to `path` atomically with mode 0600.
Status WriteAtomically(const std::string& path, const crypto::SecureBuffer& buf) {
  std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  Status written = OkStatus();
  {
    const base::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd.valid()) return Errno("create " + tmp);
    written = WriteAll(fd.get(), buf.data(), buf.size());
    if (written.ok() && ::fsync(fd.get()) != 0) written = Errno("fsync " + tmp);
  }
  if (!written.ok()) {
    ::unlink(tmp.c_str());
    return written;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = Errno("rename key file");
    ::unlink(tmp.c_str());
    return e;
  }
  base::SyncFolderOf(path);  // the rename itself durable
  return OkStatus();
}

void Checksum(crypto::SecureBuffer& buf) {
  const std::size_t body_bytes = buf.size() - kChecksumBytes;
  Hash32 sum = crypto::Blake2b256(buf.span().first(body_bytes));
  std::memcpy(buf.data() + body_bytes, sum.data(), kChecksumBytes);
}

}  // namespace

crypto::SymmetricKey CopyKey(const crypto::SymmetricKey& key) {
  return std::move(crypto::SymmetricKey::FromBytes(key.bytes())).value();
}

KeyFileInfo InfoOf(const LedgerKeys& keys) {
  KeyFileInfo info{keys.identity.public_key(), keys.ledger_id, std::nullopt, crypto::CurveKeysOf(keys.identity.seed())};
  if (keys.beacon_key) info.beacon_key = CopyKey(*keys.beacon_key);
  return info;
}

Result<KeyFile> LoadKeyFile(const std::string& path) {
  auto read = ReadKeyFileBytes(path);
  if (!read.ok()) return read.take_error();
  const crypto::SecureBuffer& buf = *read;
  if (buf.size() == kV1FileBytes) {
    auto keys = ParseV1(buf, path);
    if (!keys.ok()) return keys.take_error();
    KeyFile file{InfoOf(*keys), std::move(keys).value(), std::nullopt};
    return file;
  }
  if (buf.size() < kFixedBytes + kChecksumBytes) return MakeError(ErrorCode::kCorrupt, path + " has the wrong size");
  const std::size_t body_bytes = buf.size() - kChecksumBytes;
  Hash32 sum = crypto::Blake2b256(buf.span().first(body_bytes));
  if (std::memcmp(buf.data(), kMagic, sizeof kMagic) != 0 ||
      std::memcmp(sum.data(), buf.data() + body_bytes, kChecksumBytes) != 0) {
    return Damaged(path);
  }
  if (buf.data()[8] == kProtectionPassphrase) return ParseSealed(buf, path);
  if (buf.data()[8] != kProtectionNone) {
    return MakeError(ErrorCode::kFailedPrecondition, path + " uses a protection this version does not know");
  }
  auto keys = ParseOpen(buf, path);
  if (!keys.ok()) return keys.take_error();
  KeyFile file{InfoOf(*keys), std::move(keys).value(), std::nullopt};
  return file;
}

Result<crypto::SecureBuffer> ReadKeyFileBytes(const std::string& path) {
  const base::UniqueFd owner(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  const int fd = owner.get();
  if (fd < 0) {
    if (errno == ENOENT) return MakeError(ErrorCode::kNotFound, "no key file");
    return Errno("open " + path);
  }
  struct stat st{};
  if (::fstat(fd, &st) != 0) return Errno("stat " + path);
  if ((st.st_mode & 077) != 0) {
    return MakeError(ErrorCode::kFailedPrecondition, path + " can be read by other users; run: chmod 600 " + path);
  }
  if (st.st_size < static_cast<off_t>(kV1FileBytes) ||
      st.st_size > static_cast<off_t>(std::max(kMaxFileBytes, kMaxSealedFileBytes))) {
    return MakeError(ErrorCode::kCorrupt, path + " has the wrong size");
  }
  crypto::SecureBuffer buf(static_cast<std::size_t>(st.st_size));
  KINTSUGI_RETURN_IF_ERROR(ReadExactly(fd, buf, path));
  return buf;
}

Status WriteKeyFileBytes(const std::string& path, const crypto::SecureBuffer& bytes) {
  return WriteAtomically(path, bytes);
}

Result<LedgerKeys> ReadKeyFile(const std::string& path) {
  auto file = LoadKeyFile(path);
  if (!file.ok()) return file.take_error();
  if (!file->keys) return MakeError(ErrorCode::kFailedPrecondition, path + " is sealed by a passphrase");
  return std::move(*file->keys);
}

Result<VaultKey> DeriveVaultKey(const crypto::Passphrase& passphrase, const KeyFile::Sealed& sealed) {
  auto key = crypto::DeriveFromPassphrase(passphrase, sealed.salt, sealed.limits);
  if (!key.ok()) return key.take_error();
  return VaultKey{sealed.salt, sealed.limits, std::move(key).value()};
}

Result<VaultKey> NewVaultKey(const crypto::Passphrase& passphrase, const crypto::PwhashLimits& limits,
                             crypto::RandomSource& rng) {
  crypto::PwhashSalt salt{};
  rng.Fill(salt);
  auto key = crypto::DeriveFromPassphrase(passphrase, salt, limits);
  if (!key.ok()) return key.take_error();
  return VaultKey{salt, limits, std::move(key).value()};
}

Result<LedgerKeys> OpenKeyFile(const KeyFile& file, const VaultKey& key) {
  if (!file.sealed) return MakeError(ErrorCode::kFailedPrecondition, "the key file is not sealed by a passphrase");
  const KeyFile::Sealed& sealed = *file.sealed;
  if (key.salt != sealed.salt || key.limits != sealed.limits) {
    return MakeError(ErrorCode::kVerificationFailed, "the passphrase does not open the key file");
  }
  crypto::SecureBuffer secret(sealed.ciphertext.size() - crypto::kAeadTagBytes);
  if (!crypto::OpenInto(key.key, sealed.nonce, sealed.ciphertext, sealed.ad, secret.span()).ok()) {
    return MakeError(ErrorCode::kVerificationFailed, "the passphrase does not open the key file");
  }
  const std::uint8_t* p = secret.data();
  const std::size_t archived = p[64];
  if (archived > kMaxArchivedLedgers || kSecretBytes(archived) != secret.size()) {
    return MakeError(ErrorCode::kCorrupt, "the key file's sealed part is damaged");
  }
  auto identity = crypto::SigningKey::FromSeed(secret.span().subspan(0, 32));
  auto ledger_key = crypto::SymmetricKey::FromBytes(secret.span().subspan(32, 32));
  if (!identity.ok() || !ledger_key.ok() || identity->public_key() != file.info.self) {
    return MakeError(ErrorCode::kCorrupt, "the key file's sealed part belongs to another identity");
  }
  LedgerKeys keys{std::move(identity).value(), file.info.ledger_id, std::move(ledger_key).value(), std::nullopt, {}};
  if (file.info.beacon_key) keys.beacon_key = CopyKey(*file.info.beacon_key);
  for (std::size_t i = 0; i < archived; ++i) {
    const std::size_t at = 65 + i * 64;
    ArchivedLedger ledger{{}, std::move(crypto::SymmetricKey::FromBytes(secret.span().subspan(at + 32, 32))).value()};
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
  Checksum(buf);
  return WriteAtomically(path, buf);
}

Status WriteKeyFile(const std::string& path, const LedgerKeys& keys, const VaultKey& vault,
                    crypto::RandomSource& rng) {
  if (keys.archived.size() > kMaxArchivedLedgers) {
    return MakeError(ErrorCode::kInvalidArgument, "too many archived ledgers");
  }
  const std::size_t secret_bytes = kSecretBytes(keys.archived.size());
  const std::size_t sealed_bytes = secret_bytes + crypto::kAeadTagBytes;
  crypto::SecureBuffer buf(kSealedHeaderBytes + sealed_bytes + kChecksumBytes);
  std::uint8_t* p = buf.data();
  const KeyFileInfo info = InfoOf(keys);
  crypto::AeadNonce nonce{};
  rng.Fill(nonce);
  std::size_t at = 0;
  std::memcpy(p, kMagic, sizeof kMagic), at += sizeof kMagic;
  p[at++] = kProtectionPassphrase;
  std::memcpy(p + at, info.self.data(), 32), at += 32;
  std::memcpy(p + at, info.ledger_id.data(), 32), at += 32;
  p[at++] = keys.beacon_key ? kHasBeaconKey : 0;
  if (keys.beacon_key) std::memcpy(p + at, keys.beacon_key->bytes().data(), 32);
  at += 32;
  std::memcpy(p + at, info.transport.public_key.data(), 32), at += 32;
  std::memcpy(p + at, info.transport.secret_key.data(), 32), at += 32;
  std::memcpy(p + at, vault.salt.data(), vault.salt.size()), at += vault.salt.size();
  protocol::StoreLe64(p + at, vault.limits.ops), at += 8;
  protocol::StoreLe64(p + at, vault.limits.mem_bytes), at += 8;
  std::memcpy(p + at, nonce.data(), nonce.size()), at += nonce.size();
  p[at++] = static_cast<std::uint8_t>(sealed_bytes & 0xff);
  p[at++] = static_cast<std::uint8_t>(sealed_bytes >> 8);

  crypto::SecureBuffer secret(secret_bytes);
  std::uint8_t* s = secret.data();
  std::memcpy(s, keys.identity.seed().data(), 32);
  std::memcpy(s + 32, keys.ledger_key.bytes().data(), 32);
  s[64] = static_cast<std::uint8_t>(keys.archived.size());
  for (std::size_t i = 0; i < keys.archived.size(); ++i) {
    std::memcpy(s + 65 + i * 64, keys.archived[i].id.data(), 32);
    std::memcpy(s + 65 + i * 64 + 32, keys.archived[i].key.bytes().data(), 32);
  }
  Bytes sealed = crypto::Seal(vault.key, nonce, secret.span(), ByteView(p, at));
  std::memcpy(p + at, sealed.data(), sealed.size());
  Checksum(buf);
  return WriteAtomically(path, buf);
}

}  // namespace kintsugi::daemon
