// Keys derived from a passphrase: Argon2id (libsodium's crypto_pwhash), for
// the vault that seals the key file and for sealed backups. A passphrase is
// held in guarded memory like any other secret.
//
// Thread-safety: free functions and values; no shared state.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "crypto/keys.h"
#include "crypto/random.h"
#include "base/result.h"
#include "crypto/secure_buffer.h"

namespace kintsugi::crypto {

inline constexpr std::size_t kPwhashSaltBytes = 16;
inline constexpr std::size_t kMinPassphraseBytes = 8;
inline constexpr std::size_t kMaxPassphraseBytes = 1024;

using PwhashSalt = std::array<std::uint8_t, kPwhashSaltBytes>;

// Argon2id's cost. Stored beside what it sealed, so a file says how it was
// sealed; a file that asks for more than kMaxLimits is refused as damaged.
struct PwhashLimits {
  std::uint64_t ops = 0;
  std::uint64_t mem_bytes = 0;
  bool operator==(const PwhashLimits&) const = default;
};
// libsodium's "moderate" limits: 3 passes over 256 MiB.
inline constexpr PwhashLimits kModerateLimits{3, 256ull * 1024 * 1024};
// The smallest libsodium accepts; for tests that derive many keys.
inline constexpr PwhashLimits kMinLimits{1, 8 * 1024};
inline constexpr PwhashLimits kMaxLimits{16, 1024ull * 1024 * 1024};

// A passphrase in guarded memory.
class Passphrase {
 public:
  // Copies `text` into guarded memory and wipes `text`. Fails with
  // kInvalidArgument when it is shorter than kMinPassphraseBytes or longer
  // than kMaxPassphraseBytes (`text` is wiped either way).
  static Result<Passphrase> Take(std::string& text);
  std::span<const std::uint8_t> bytes() const { return secret_.span(); }

 private:
  explicit Passphrase(SecureBuffer secret) : secret_(std::move(secret)) {}
  SecureBuffer secret_;
};

bool LimitsAllowed(const PwhashLimits& limits);

// The 32-byte key Argon2id derives from `passphrase` and `salt`. Fails with
// kInvalidArgument for limits outside [kMinLimits, kMaxLimits] and kInternal
// when the memory cannot be had.
Result<SymmetricKey> DeriveFromPassphrase(const Passphrase& passphrase, const PwhashSalt& salt,
                                          const PwhashLimits& limits);

}  // namespace kintsugi::crypto
