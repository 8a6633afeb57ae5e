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

constexpr char kMagic[8] = {'K', 'N', 'T', 'S', 'K', 'E', 'Y', '1'};
constexpr std::uint8_t kProtectionNone = 0;
// magic | protection | seed | ledger id | ledger key | BLAKE2b-256 checksum
constexpr std::size_t kBodyBytes = 8 + 1 + 32 + 32 + 32;
constexpr std::size_t kFileBytes = kBodyBytes + 32;

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
  if (st.st_size != static_cast<off_t>(kFileBytes)) {
    return MakeError(ErrorCode::kCorrupt, path + " has the wrong size");
  }
  crypto::SecureBuffer buf(kFileBytes);
  std::size_t got = 0;
  while (got < kFileBytes) {
    ssize_t r = ::read(fd, buf.data() + got, kFileBytes - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return Errno("read " + path);
    got += static_cast<std::size_t>(r);
  }
  auto body = buf.span().first(kBodyBytes);
  Hash32 sum = crypto::Blake2b256(body);
  if (std::memcmp(buf.data(), kMagic, sizeof kMagic) != 0 ||
      std::memcmp(sum.data(), buf.data() + kBodyBytes, 32) != 0) {
    return MakeError(ErrorCode::kCorrupt, path + " is damaged or not a Kintsugi key file");
  }
  if (buf.data()[8] != kProtectionNone) {
    return MakeError(ErrorCode::kFailedPrecondition, path + " uses a protection this version does not know");
  }
  auto identity = crypto::SigningKey::FromSeed(buf.span().subspan(9, 32));
  auto ledger_key = crypto::SymmetricKey::FromBytes(buf.span().subspan(73, 32));
  if (!identity.ok() || !ledger_key.ok()) return MakeError(ErrorCode::kCorrupt, "key file is damaged");
  protocol::LedgerId ledger_id;
  std::memcpy(ledger_id.data(), buf.data() + 41, 32);
  return LedgerKeys{std::move(identity).value(), ledger_id, std::move(ledger_key).value()};
}

Status WriteKeyFile(const std::string& path, const LedgerKeys& keys) {
  crypto::SecureBuffer buf(kFileBytes);
  std::uint8_t* p = buf.data();
  std::memcpy(p, kMagic, sizeof kMagic);
  p[8] = kProtectionNone;
  std::memcpy(p + 9, keys.identity.seed().data(), 32);
  std::memcpy(p + 41, keys.ledger_id.data(), 32);
  std::memcpy(p + 73, keys.ledger_key.bytes().data(), 32);
  Hash32 sum = crypto::Blake2b256(buf.span().first(kBodyBytes));
  std::memcpy(p + kBodyBytes, sum.data(), 32);

  std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return Errno("create " + tmp);
  Status written = WriteAll(fd, buf.data(), kFileBytes);
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
