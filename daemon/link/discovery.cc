#include "daemon/link/discovery.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

#include "protocol/beacon.h"
#include "protocol/pairing.h"

namespace kintsugi::daemon {

Result<std::unique_ptr<Discovery>> Discovery::Open(std::uint16_t port, Engine& engine, SyncService& sync,
                                                   PairingService& pairing, crypto::RandomSource& rng) {
  base::UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return MakeError(ErrorCode::kIo, std::string("discovery socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return MakeError(ErrorCode::kIo, "cannot bind the discovery port " + std::to_string(port) + ": " +
                                         std::strerror(errno));
  }
  return std::unique_ptr<Discovery>(new Discovery(std::move(fd), port, engine, sync, pairing, rng));
}

std::array<std::uint8_t, 8> Discovery::SelfTag() const {
  std::array<std::uint8_t, 8> tag{};
  if (engine_.initialized()) std::copy_n(engine_.self().begin(), 8, tag.begin());
  return tag;
}

int Discovery::Broadcast(ByteView datagram) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return 0;
  int sent = 0;
  for (ifaddrs* ifa = list; ifa != nullptr; ifa = ifa->ifa_next) {
    if (ifa->ifa_addr == nullptr || ifa->ifa_addr->sa_family != AF_INET) continue;
    if (!(ifa->ifa_flags & IFF_UP) || !(ifa->ifa_flags & IFF_BROADCAST) || ifa->ifa_broadaddr == nullptr) {
      continue;
    }
    sockaddr_in to = *reinterpret_cast<sockaddr_in*>(ifa->ifa_broadaddr);
    to.sin_port = htons(port_);
    ::sendto(fd_.get(), datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    ++sent;
  }
  ::freeifaddrs(list);
  return sent;
}

void Discovery::HandleReadable() {
  const std::uint64_t now_s = engine_.NowMillis() / 1000;
  const auto self = SelfTag();
  for (int i = 0; i < 64; ++i) {  // bounded: a flood cannot starve the loop
    std::uint8_t buf[512];
    sockaddr_in from{};
    socklen_t from_len = sizeof from;
    ssize_t n = ::recvfrom(fd_.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) return;
    if (static_cast<std::size_t>(n) != protocol::kBeaconBytes) continue;
    char ip[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &from.sin_addr, ip, sizeof ip);
    ByteView datagram(buf, static_cast<std::size_t>(n));
    if (engine_.paired() && engine_.beacon_key()) {
      auto beacon = protocol::OpenBeacon(*engine_.beacon_key(), datagram, now_s);
      if (!beacon.ok() && beacon.error().code == ErrorCode::kFailedPrecondition) {
        // Sealed with the couple's key in another time window: the partner's
        // clock is minutes away from this one (or an old beacon came again).
        off_clock_ = {off_clock_.count + 1, engine_.NowMillis()};
        continue;
      }
      if (beacon.ok() && beacon->sender != self && beacon->port != 0) {
        partner_ = {partner_.count + 1, engine_.NowMillis()};
        partner_from_ = ip;
        std::string address = std::string(ip) + ":" + std::to_string(beacon->port);
        // A partner on two interfaces beacons from both: keep a working link
        // rather than redial with every beacon.
        if (address != sync_.partner_address() && !sync_.dialled_link_up()) {
          spdlog::info("discovery.partner_found address={}", address);
          sync_.SetPartnerAddress(address);
        }
        continue;
      }
    }
    if (pairing_.joining_code()) {
      // Any open invite on this network: the beacon names no code, so the
      // joiner tries each one heard until one has an invite for its code.
      auto beacon = protocol::OpenBeacon(protocol::InviteBeaconKey(), datagram, now_s);
      if (beacon.ok() && beacon->port != 0) {
        spdlog::info("discovery.invite_found address={}:{}", ip, beacon->port);
        pairing_.JoinAddressFound(ip, beacon->port);
      }
    }
  }
}

std::uint64_t Discovery::MillisUntilNextTimer(std::uint64_t now_ms) const {
  if (!engine_.paired() && !(pairing_.inviter() && pairing_.inviter()->open(now_ms))) return UINT64_MAX;
  return next_beacon_ms_ > now_ms ? next_beacon_ms_ - now_ms : 0;
}

void Discovery::RunTimers(std::uint64_t now_ms) {
  if (now_ms < next_beacon_ms_) return;
  std::uint8_t jitter[2];
  rng_.Fill(jitter);
  next_beacon_ms_ = now_ms + kBeaconIntervalMs + ((jitter[0] << 8 | jitter[1]) % 2000);
  const std::uint64_t now_s = now_ms / 1000;
  if (engine_.paired() && engine_.beacon_key() && sync_.port() != 0) {
    interfaces_ = Broadcast(protocol::SealBeacon(*engine_.beacon_key(), {sync_.port(), SelfTag()}, now_s, rng_));
    if (interfaces_ > 0) sent_ = {sent_.count + 1, now_ms};
  }
  if (pairing_.inviter() && pairing_.inviter()->open(now_ms)) {
    Broadcast(protocol::SealBeacon(protocol::InviteBeaconKey(),
                                   {pairing_.pairing_port(), pairing_.inviter()->beacon_tag()}, now_s, rng_));
  }
}

protocol::DiscoveryState Discovery::State() const {
  protocol::DiscoveryState state;
  state.enabled = true;
  state.port = port_;
  state.interfaces = static_cast<std::uint64_t>(interfaces_);
  state.sent = sent_.count;
  state.last_sent_ms = sent_.last_ms;
  state.partner_beacons = partner_.count;
  state.last_partner_beacon_ms = partner_.last_ms;
  state.partner_beacon_from = partner_from_;
  state.off_clock = off_clock_.count;
  state.last_off_clock_ms = off_clock_.last_ms;
  return state;
}

}  // namespace kintsugi::daemon
