// PairingService: runs the pairing protocol (protocol/pairing.h) over the
// network for the daemon loop.
//
// Inviter: `pair invite` opens a pairing window. A ROUTER with ZeroMQ's NULL
// mechanism binds on the sync port + 1 for as long as the window is open (10
// minutes by default) and a little after, with its connections bounded per
// address and in all (ConnectionGate), and a pairing beacon announces it on
// the LAN (protocol::InviteBeaconKey: it names neither the inviter nor the
// code). The joiner's address, as ZeroMQ reports it, is what the inviter
// counts attempts and nameplate misses by.
// Joiner: `pair join CODE` dials the inviter's pairing port (from --address,
// or from a pairing beacon) with a DEALER and answers the IPC request when
// pairing succeeds or fails. An invite found by its beacon that turns out to
// be another's ("no such invite") is passed over for the next beacon.
//
// The transport is unauthenticated on purpose: CPace authenticates both
// sides by the code, and everything secret travels sealed under keys derived
// from it.
//
// Thread-safety: the daemon loop's thread only.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "daemon/link/connection_gate.h"
#include "daemon/engine.h"
#include "daemon/link/sync_service.h"
#include "protocol/invite.h"
#include "protocol/ipc_messages.h"
#include "protocol/pairing.h"

namespace kintsugi::daemon {

inline constexpr std::uint64_t kJoinTimeoutMs = 30'000;
// How long the pairing port stays open after an invite expires, so that a
// joiner who is just late hears "expired" rather than silence.
inline constexpr std::uint64_t kLateJoinerGraceMs = 10'000;

using ReplyFn = std::function<void(Result<protocol::PairStatus>)>;

class PairingService {
 public:
  // `on_paired(partner_address)` runs after the engine adopted the shared
  // ledger (the address is empty on the inviter's side).
  PairingService(zmq::context_t& context, Engine& engine, crypto::RandomSource& rng,
                 std::function<void(const std::string&)> on_paired);
  ~PairingService();
  PairingService(const PairingService&) = delete;
  PairingService& operator=(const PairingService&) = delete;

  // Opens a pairing window on `host`:`pairing_port`; `sync_port` is told to
  // the joiner. Returns the code, when it expires, and `sync_port`.
  Result<protocol::PairInviteReply> Invite(const std::string& host, std::uint16_t pairing_port, std::uint16_t sync_port,
                                           std::uint64_t ttl_ms);
  // Starts joining the inviter at `address` ("host:sync_port"); `reply` runs
  // once, when pairing succeeded or failed.
  void Join(const protocol::InviteCode& code, const std::string& address, ReplyFn reply);
  // The inviter's pairing beacon was heard: its pairing endpoint.
  void JoinAddressFound(const std::string& host, std::uint16_t pairing_port);

  // The open invite (for the beacon), if any.
  const std::optional<protocol::PairingInviter>& inviter() const { return inviter_; }
  const std::optional<protocol::InviteCode>& joining_code() const { return joining_code_; }
  std::uint16_t pairing_port() const { return pairing_port_; }

  void AppendPollItems(std::vector<zmq::pollitem_t>& items);
  // The `count` items appended above, after the poll (see SyncService).
  void HandlePoll(const zmq::pollitem_t* items, std::size_t count);
  std::uint64_t MillisUntilNextTimer(std::uint64_t now_ms) const;
  void RunTimers(std::uint64_t now_ms);

  // `pair status`: whether paired, the safety number, whether confirmed, and
  // any open invite.
  Result<protocol::PairStatus> StatusNow(std::uint64_t now_ms);

 private:
  void CloseInvite(const char* why);
  void CloseInviteSocket();
  void FinishJoin(Result<protocol::PairStatus> result);
  void DialJoin(const std::string& endpoint);
  // The invite found by a beacon had no invite for this code: listen for the
  // next beacon with a fresh joiner. False when that is not the case.
  bool PassOverWrongInvite();

  zmq::context_t& context_;
  Engine& engine_;
  crypto::RandomSource& rng_;
  std::function<void(const std::string&)> on_paired_;

  std::optional<protocol::PairingInviter> inviter_;
  std::optional<zmq::socket_t> invite_socket_;
  ConnectionGate invite_gate_;
  int invite_serial_ = 0;
  std::uint16_t pairing_port_ = 0;

  std::optional<protocol::PairingJoiner> joiner_;
  std::optional<protocol::InviteCode> joining_code_;
  std::optional<zmq::socket_t> join_socket_;
  std::string join_host_;
  std::string join_endpoint_;
  bool join_by_beacon_ = false;
  std::set<std::string> join_passed_over_;  // endpoints with no invite for this code
  ReplyFn join_reply_;
  std::uint64_t join_deadline_ms_ = 0;
};

}  // namespace kintsugi::daemon
