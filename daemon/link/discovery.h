// Discovery: private UDP beacons on the LAN (protocol/beacon.h). Every few
// seconds, with jitter, the daemon broadcasts a beacon sealed with the
// couple's beacon key (once paired) and, while a pairing window is open,
// one sealed with a key derived from the invite code. It listens for both:
// the partner's beacon gives the partner's address; the inviter's pairing
// beacon lets a joiner find the pairing window without an address. To anyone
// else a beacon is 58 random bytes.
//
// Thread-safety: the daemon loop's thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/files.h"
#include "crypto/random.h"
#include "daemon/engine.h"
#include "daemon/link/pairing_service.h"
#include "daemon/link/sync_service.h"
#include "protocol/ipc_messages.h"

namespace kintsugi::daemon {

inline constexpr std::uint16_t kDefaultDiscoveryPort = 47474;
inline constexpr std::uint64_t kBeaconIntervalMs = 4000;  // plus up to 2 s of jitter

class Discovery {
 public:
  // Binds UDP `port` on all interfaces (shared with other daemons on the
  // host). Fails with kIo.
  static Result<std::unique_ptr<Discovery>> Open(std::uint16_t port, Engine& engine, SyncService& sync,
                                                 PairingService& pairing, crypto::RandomSource& rng);
  int fd() const { return fd_.get(); }
  // Reads every pending datagram and acts on the ones it recognises.
  void HandleReadable();
  std::uint64_t MillisUntilNextTimer(std::uint64_t now_ms) const;
  void RunTimers(std::uint64_t now_ms);
  // Sends beacons now (after pairing, or when an invite opens).
  void AnnounceSoon() { next_beacon_ms_ = 0; }
  // What the beacons have done, for `peers` and `kintsugictl doctor`: the
  // couple's beacons sent (and on how many interfaces, last time), the
  // partner's received (and from where), and the partner's refused for a
  // time more than one window from this clock.
  protocol::DiscoveryState State() const;

 private:
  Discovery(base::UniqueFd fd, std::uint16_t port, Engine& engine, SyncService& sync, PairingService& pairing,
            crypto::RandomSource& rng)
      : fd_(std::move(fd)), port_(port), engine_(engine), sync_(sync), pairing_(pairing), rng_(rng) {}
  // Sends to every interface that broadcasts; returns how many there were.
  int Broadcast(ByteView datagram);
  std::array<std::uint8_t, 8> SelfTag() const;

  base::UniqueFd fd_;
  std::uint16_t port_;
  Engine& engine_;
  SyncService& sync_;
  PairingService& pairing_;
  crypto::RandomSource& rng_;
  std::uint64_t next_beacon_ms_ = 0;
  struct Seen {
    std::uint64_t count = 0;
    std::uint64_t last_ms = 0;
  };
  Seen sent_, partner_, off_clock_;
  int interfaces_ = 0;         // that the last beacon went out on
  std::string partner_from_;   // the address the last partner's beacon came from
};

}  // namespace kintsugi::daemon
