// Pairing and the partner's address (docs/PROTOCOL.md, "Pairing").
#include <spdlog/spdlog.h>

#include "daemon/link/discovery.h"
#include "daemon/ipc/dispatch_internal.h"
#include "daemon/link/pairing_service.h"
#include "daemon/link/sync_service.h"
#include "protocol/invite.h"

namespace kintsugi::daemon::dispatch {
namespace {

using nlohmann::json;
using protocol::Method;

Result<json> Invite(Call& call) {
  auto ttl = OptionalInt(call.params, "ttl_seconds", 1, 3600);
  if (!ttl.ok()) return ttl.take_error();
  const DaemonServices& s = call.services;
  auto invite = s.pairing->Invite(s.listen_host, s.pairing_port, s.listen_port,
                                  static_cast<std::uint64_t>(ttl->value_or(protocol::kDefaultInviteSeconds)) * 1000);
  if (!invite.ok()) return invite.take_error();
  if (s.discovery != nullptr) s.discovery->AnnounceSoon();
  return json(*invite);
}

// Answers when pairing ends, through `call.later`.
Result<json> Join(Call& call) {
  auto code_text = call.params.find("code");
  if (code_text == call.params.end() || !code_text->is_string()) {
    return InvalidArgument("code is required and must be text");
  }
  auto code = protocol::ParseInviteCode(code_text->get<std::string>());
  if (!code.ok()) return code.take_error();
  std::string address;
  if (auto it = call.params.find("address"); it != call.params.end() && !it->is_null()) {
    if (!it->is_string() || !ValidAddress(it->get<std::string>())) return InvalidArgument("address must be HOST:PORT");
    address = it->get<std::string>();
  }
  call.services.pairing->Join(*code, address, [later = call.later, id = call.id](Result<protocol::PairStatus> result) {
    later(result.ok() ? protocol::EncodeIpcResult(id, *result) : protocol::EncodeIpcError(id, result.error()));
  });
  call.deferred = true;
  return json::object();
}

Result<json> PairStatus(Call& call) {
  auto status = call.services.pairing->StatusNow(call.engine.NowMillis());
  if (!status.ok()) return status.take_error();
  return json(*status);
}

Result<json> Confirm(Call& call) {
  KINTSUGI_RETURN_IF_ERROR(call.engine.ConfirmSafetyNumber());
  spdlog::info("pair.safety_number_confirmed");
  return PairStatus(call);
}

Result<json> Carry(Call& call) {
  auto carried = call.engine.CarryPrivateEntries();
  if (!carried.ok()) return carried.take_error();
  spdlog::info("pair.carried entries={}", *carried);
  return json(protocol::PairCarryReply{static_cast<std::uint64_t>(*carried)});
}

Result<json> Peers(Call& call) {
  protocol::PeersReply peers = call.services.sync->Peers(call.engine.NowMillis());
  if (call.services.discovery != nullptr) peers.discovery = call.services.discovery->State();
  return json(peers);
}

Result<json> PeerAdd(Call& call) {
  if (!call.engine.paired()) {
    return MakeError(ErrorCode::kFailedPrecondition, "not paired yet: run 'kintsugictl pair invite' or 'pair join'");
  }
  auto address = call.params.find("address");
  if (address == call.params.end() || !address->is_string() || !ValidAddress(address->get<std::string>())) {
    return InvalidArgument("address must be HOST:PORT");
  }
  call.services.sync->SetPartnerAddress(address->get<std::string>());
  return Peers(call);
}

// Peers and a partner's address answer while locked: the link's state holds
// no words of the ledger.
constexpr MethodRow kRows[] = {
    {Method::kPairInvite, false, Needs::kPairing, Invite},
    {Method::kPairJoin, false, Needs::kPairing, Join, /*answers_later=*/true},
    {Method::kPairStatus, false, Needs::kPairing, PairStatus},
    {Method::kPairConfirm, false, Needs::kPairing, Confirm},
    {Method::kPairCarry, false, Needs::kNothing, Carry},
    {Method::kPeers, true, Needs::kSync, Peers},
    {Method::kPeerAdd, true, Needs::kSync, PeerAdd},
};

}  // namespace

std::span<const MethodRow> PairingMethods() { return kRows; }

}  // namespace kintsugi::daemon::dispatch
