// Fuzzes the backup file decoder (protocol/backup.h): ReadBackupHeader and
// OpenBackup on arbitrary bytes, as a restore reads a file a person points
// it at. The key is fixed (kFuzzBackupKey), so inputs that keep the frame can
// reach the chunks; Argon2id is not run (its input is only the passphrase).
//
// Properties checked:
//  - nothing crashes or throws;
//  - a refused file fails with kCorrupt or kVerificationFailed and a message;
//  - each input is also tried with its checksum made right, to reach the
//    stream behind it;
//  - a file that opens seals again, under the same header, into a file that
//    opens to the same contents.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "crypto/hash.h"
#include "protocol/backup.h"
#include "tests/fuzz/backup_key.h"

using namespace kintsugi;

namespace {

void Check(ByteView file) {
  static const crypto::SymmetricKey key = FuzzBackupKey();
  auto header = protocol::ReadBackupHeader(file);
  if (!header.ok()) {
    if (header.error().code != ErrorCode::kCorrupt || header.error().message.empty()) __builtin_trap();
    return;
  }
  auto opened = protocol::OpenBackup(file, key);
  if (!opened.ok()) {
    const ErrorCode code = opened.error().code;
    if (code != ErrorCode::kCorrupt && code != ErrorCode::kVerificationFailed) __builtin_trap();
    if (opened.error().message.empty()) __builtin_trap();
    return;
  }
  if (!opened->key_file || opened->key_file->size() > protocol::kMaxBackupKeyFileBytes) __builtin_trap();
  const Bytes again = protocol::SealBackup(*opened, key, *header);
  auto reopened = protocol::OpenBackup(again, key);
  if (!reopened.ok()) __builtin_trap();
  if (reopened->created_ms != opened->created_ms || reopened->database != opened->database) __builtin_trap();
  if (reopened->key_file->size() != opened->key_file->size() ||
      std::memcmp(reopened->key_file->data(), opened->key_file->data(), opened->key_file->size()) != 0) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Check(ByteView(data, size));
  // The checksum stops almost every mutation at the door: check each input
  // again with its checksum made right, so the chunks behind it are fuzzed.
  if (size >= 32) {
    Bytes fixed(data, data + size);
    const Hash32 sum = crypto::Blake2b256(ByteView(fixed).first(size - 32));
    std::memcpy(fixed.data() + size - 32, sum.data(), 32);
    Check(fixed);
  }
  return 0;
}
