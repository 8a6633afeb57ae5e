// Discovery beacons (docs/PROTOCOL.md, "Discovery beacon"): a UDP datagram a
// daemon broadcasts every few seconds so that its partner can find it on the
// LAN, and nobody else can tell what it is or who sent it.
//
//   beacon = nonce (24) || XChaCha20-Poly1305(beacon key, nonce,
//                                             window (8) || port (2) || sender (8),
//                                             ad = "kintsugi beacon v1")
//
// 58 bytes that look random to anyone without the beacon key (a secret both
// partners derive at pairing). The nonce is fresh from the caller's
// RandomSource, so two beacons with the same content differ. All integers are
// big-endian. `window` is the time window (unix seconds /
// kBeaconWindowSeconds) the beacon was made in; a receiver accepts only its
// own window and the two next to it, so a beacon replayed later than the end
// of the window after the one it was made in (5 to 10 minutes) is ignored;
// within that a replay is accepted, and costs only a redundant connection.
// `sender` is the first 8 bytes of the sender's public key, so a daemon
// ignores its own beacons.
//
// The same format lets a joining partner find an open pairing window, sealed
// then with a public key (protocol::InviteBeaconKey): a key derived from the
// invite code would let anyone who captured a beacon test guesses offline.
//
// Pure: no I/O; the caller passes the time in. Thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "crypto/bytes.h"
#include "crypto/keys.h"
#include "crypto/random.h"
#include "base/result.h"

namespace kintsugi::protocol {

inline constexpr std::size_t kBeaconBytes = 58;
inline constexpr std::uint64_t kBeaconWindowSeconds = 300;

struct Beacon {
  std::uint16_t port = 0;                   // where the sender listens (TCP)
  std::array<std::uint8_t, 8> sender{};     // first 8 bytes of the sender's public key
};

// Seals a beacon for the window containing `unix_seconds`, with a nonce drawn
// from `rng`. Returns kBeaconBytes bytes.
Bytes SealBeacon(const crypto::SymmetricKey& key, const Beacon& beacon, std::uint64_t unix_seconds,
                 crypto::RandomSource& rng);

// Opens a datagram. Fails with kMalformed for the wrong size,
// kVerificationFailed when it was not sealed with `key` (the common case: a
// stranger's packet), and kFailedPrecondition when it was sealed in a window
// other than the current one or its neighbours (a replay).
Result<Beacon> OpenBeacon(const crypto::SymmetricKey& key, ByteView datagram,
                          std::uint64_t unix_seconds);

}  // namespace kintsugi::protocol
