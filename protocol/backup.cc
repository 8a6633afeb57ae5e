#include "protocol/backup.h"

#include <cstring>

#include "crypto/hash.h"
#include "crypto/stream.h"
#include "protocol/wire.h"

namespace kintsugi::protocol {
namespace {

constexpr char kMagic[8] = {'K', 'N', 'T', 'S', 'B', 'A', 'K', '1'};
constexpr char kInnerMagic[8] = {'K', 'N', 'T', 'S', 'B', 'A', 'K', 'P'};
constexpr std::size_t kHeaderBytes = 8 + crypto::kPwhashSaltBytes + 8 + 8 + crypto::kStreamHeaderBytes;
constexpr std::size_t kChecksumBytes = 32;
constexpr std::size_t kFirstChunkFixedBytes = 8 + 8 + 4 + 8;


Error Damaged(const std::string& what) {
  return MakeError(ErrorCode::kCorrupt, "the backup is damaged: " + what);
}

}  // namespace

Bytes SealBackup(const BackupContents& contents, const crypto::SymmetricKey& key, const BackupHeader& header) {
  Bytes out(kHeaderBytes);
  std::memcpy(out.data(), kMagic, sizeof kMagic);
  std::memcpy(out.data() + 8, header.salt.data(), header.salt.size());
  StoreLe64(out.data() + 8 + header.salt.size(), header.limits.ops);
  StoreLe64(out.data() + 16 + header.salt.size(), header.limits.mem_bytes);
  crypto::StreamHeader stream_header{};
  crypto::StreamSealer sealer(key, stream_header);
  std::memcpy(out.data() + kHeaderBytes - stream_header.size(), stream_header.data(), stream_header.size());

  const crypto::SecureBuffer& key_file = *contents.key_file;
  crypto::SecureBuffer first(kFirstChunkFixedBytes + key_file.size());
  std::uint8_t* p = first.data();
  std::memcpy(p, kInnerMagic, sizeof kInnerMagic);
  StoreLe64(p + 8, contents.created_ms);
  const auto key_len = static_cast<std::uint32_t>(key_file.size());
  for (int i = 0; i < 4; ++i) p[16 + i] = static_cast<std::uint8_t>(key_len >> (8 * i));
  std::memcpy(p + 20, key_file.data(), key_file.size());
  StoreLe64(p + 20 + key_file.size(), contents.database.size());

  auto push = [&](std::span<const std::uint8_t> chunk, ByteView ad, bool last) {
    Bytes sealed = sealer.Push(chunk, ad, last);
    AppendLe32(out, static_cast<std::uint32_t>(sealed.size()));
    out.insert(out.end(), sealed.begin(), sealed.end());
  };
  const Bytes ad(out.begin(), out.end());
  push(first.span(), ad, contents.database.empty());
  for (std::size_t at = 0; at < contents.database.size(); at += kBackupChunkBytes) {
    const std::size_t n = std::min(kBackupChunkBytes, contents.database.size() - at);
    push(ByteView(contents.database).subspan(at, n), {}, at + n == contents.database.size());
  }
  Hash32 sum = crypto::Blake2b256(out);
  out.insert(out.end(), sum.begin(), sum.end());
  return out;
}

Result<BackupHeader> ReadBackupHeader(ByteView file) {
  if (file.size() < kHeaderBytes + kChecksumBytes || std::memcmp(file.data(), kMagic, sizeof kMagic) != 0) {
    return MakeError(ErrorCode::kCorrupt, "this is not a Kintsugi backup");
  }
  Hash32 sum = crypto::Blake2b256(file.first(file.size() - kChecksumBytes));
  if (std::memcmp(sum.data(), file.data() + file.size() - kChecksumBytes, kChecksumBytes) != 0) {
    return Damaged("its checksum does not match (cut short or changed)");
  }
  BackupHeader header;
  std::memcpy(header.salt.data(), file.data() + 8, header.salt.size());
  header.limits.ops = LoadLe64(file.data() + 8 + header.salt.size());
  header.limits.mem_bytes = LoadLe64(file.data() + 16 + header.salt.size());
  if (!crypto::LimitsAllowed(header.limits)) return Damaged("it asks for an impossible passphrase cost");
  return header;
}

Result<BackupContents> OpenBackup(ByteView file, const crypto::SymmetricKey& key) {
  auto header = ReadBackupHeader(file);
  if (!header.ok()) return header.take_error();
  return OpenBackup(file, *header, key);
}

Result<BackupContents> OpenBackup(ByteView file, const BackupHeader&, const crypto::SymmetricKey& key) {
  if (file.size() < kHeaderBytes + kChecksumBytes) return MakeError(ErrorCode::kCorrupt, "this is not a Kintsugi backup");
  const ByteView body = file.first(file.size() - kChecksumBytes);
  crypto::StreamHeader stream_header{};
  std::memcpy(stream_header.data(), file.data() + kHeaderBytes - stream_header.size(), stream_header.size());
  auto opener = crypto::StreamOpener::Start(key, stream_header);
  if (!opener.ok()) return Damaged("its stream header is invalid");

  std::size_t at = kHeaderBytes;
  // The next sealed chunk, or an error when the framing is wrong.
  auto next = [&](ByteView* sealed) -> Status {
    if (body.size() - at < 4) return Damaged("a chunk is cut short");
    const std::uint32_t n = LoadLe32(body.data() + at);
    if (n < crypto::kStreamChunkOverheadBytes || n > kBackupChunkBytes + kMaxBackupKeyFileBytes + 64 ||
        body.size() - at - 4 < n) {
      return Damaged("a chunk has an impossible length");
    }
    *sealed = body.subspan(at + 4, n);
    at += 4 + n;
    return OkStatus();
  };

  ByteView sealed;
  KINTSUGI_RETURN_IF_ERROR(next(&sealed));
  const std::size_t first_bytes = sealed.size() - crypto::kStreamChunkOverheadBytes;
  if (first_bytes < kFirstChunkFixedBytes || first_bytes > kFirstChunkFixedBytes + kMaxBackupKeyFileBytes) {
    return Damaged("its first chunk has an impossible length");
  }
  crypto::SecureBuffer first(first_bytes);
  bool last = false;
  if (!opener->Pull(sealed, file.first(kHeaderBytes), first.span(), &last).ok()) {
    return MakeError(ErrorCode::kVerificationFailed, "wrong passphrase for this backup");
  }
  const std::uint8_t* p = first.data();
  const std::uint32_t key_len = LoadLe32(p + 16);
  if (std::memcmp(p, kInnerMagic, sizeof kInnerMagic) != 0 || kFirstChunkFixedBytes + key_len != first_bytes) {
    return Damaged("its first chunk is malformed");
  }
  BackupContents contents;
  contents.created_ms = LoadLe64(p + 8);
  contents.key_file.emplace(key_len);
  std::memcpy(contents.key_file->data(), p + 20, key_len);
  const std::uint64_t db_len = LoadLe64(p + 20 + key_len);
  if (db_len > kMaxBackupDatabaseBytes || db_len > body.size()) return Damaged("its database length is impossible");
  contents.database.resize(db_len);
  std::size_t filled = 0;
  while (!last) {
    KINTSUGI_RETURN_IF_ERROR(next(&sealed));
    const std::size_t n = sealed.size() - crypto::kStreamChunkOverheadBytes;
    if (n > db_len - filled) return Damaged("it holds more than it says");
    if (!opener->Pull(sealed, {}, std::span(contents.database).subspan(filled, n), &last).ok()) {
      return Damaged("a chunk does not open");
    }
    filled += n;
  }
  if (filled != db_len) return Damaged("it ends before its database does");
  if (at != body.size()) return Damaged("it has bytes after its end");
  return contents;
}

}  // namespace kintsugi::protocol
