// A sealed backup file (docs/PROTOCOL.md, "Backup file"): the key file and a
// consistent copy of the ledger database, sealed with a key that Argon2id
// derives from a passphrase. Pure: no I/O (the daemon reads and writes the
// files, and derives the key).
//
//   "KNTSBAK1" | salt (16) | ops (u64 LE) | mem (u64 LE) | stream header (24)
//   chunks: length (u32 LE) | sealed chunk; the first authenticates the
//           bytes before it as well
//   BLAKE2b-256 of everything before it (tells damage from a wrong passphrase)
//
// Inside: chunk 0 = "KNTSBAKP" | created (u64 ms) | key file length (u32) |
// key file | database length (u64); then the database in chunks of at most
// kBackupChunkBytes, the last one marked final.
//
// Thread-safety: free functions.
#pragma once

#include <cstdint>
#include <optional>

#include "crypto/bytes.h"
#include "crypto/keys.h"
#include "crypto/pwhash.h"
#include "base/result.h"
#include "crypto/secure_buffer.h"

namespace kintsugi::protocol {

inline constexpr std::size_t kBackupChunkBytes = 1 << 20;
inline constexpr std::size_t kMaxBackupKeyFileBytes = 4096;
inline constexpr std::uint64_t kMaxBackupDatabaseBytes = 4ull << 30;

struct BackupContents {
  std::uint64_t created_ms = 0;
  std::optional<crypto::SecureBuffer> key_file;  // the key file's bytes, as on disk
  Bytes database;                                // a SQLite database image
};

struct BackupHeader {
  crypto::PwhashSalt salt{};
  crypto::PwhashLimits limits;
};

// REQUIRES: contents.key_file is set, at most kMaxBackupKeyFileBytes;
// `key` was derived with `header`.
Bytes SealBackup(const BackupContents& contents, const crypto::SymmetricKey& key, const BackupHeader& header);

// Checks the frame: magic, checksum, limits. Fails with kCorrupt when the
// file is not a Kintsugi backup or is damaged.
Result<BackupHeader> ReadBackupHeader(ByteView file);

// Checks the frame (ReadBackupHeader), then opens the file. Fails with
// kVerificationFailed when `key` is not the one that sealed it (a wrong
// passphrase) and kCorrupt when what opens is malformed.
Result<BackupContents> OpenBackup(ByteView file, const crypto::SymmetricKey& key);
// The same for a file ReadBackupHeader already checked (`checked` is what it
// returned), without hashing it again: the checksum covers the whole file.
Result<BackupContents> OpenBackup(ByteView file, const BackupHeader& checked, const crypto::SymmetricKey& key);

}  // namespace kintsugi::protocol
