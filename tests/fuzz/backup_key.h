// The fixed key under which the backup fuzz target and its seed generator
// seal and open backups. Not a secret: fuzzing only.
#pragma once

#include <array>
#include <cstdint>

#include "crypto/keys.h"

inline kintsugi::crypto::SymmetricKey FuzzBackupKey() {
  std::array<std::uint8_t, 32> bytes{};
  bytes.fill(0x42);
  return std::move(kintsugi::crypto::SymmetricKey::FromBytes(bytes)).value();
}
