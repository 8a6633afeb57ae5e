#include "daemon/link/pairing_service.h"

#include "daemon/poll_items.h"

#include <spdlog/spdlog.h>

#include <zmq_addon.hpp>

#include "base/zmq_status.h"
#include "daemon/link/sharing.h"
#include "protocol/address.h"
#include "protocol/hlc.h"

namespace kintsugi::daemon {
namespace {

constexpr std::size_t kMaxPairingFrame = 1024;

// The address a message came from, as ZeroMQ saw the connection (its IP,
// without the port); empty if ZeroMQ cannot say, which counts as one address.
std::string PeerAddress(const zmq::message_t& message) {
  const char* address = zmq_msg_gets(message.handle(), "Peer-Address");
  return address != nullptr ? address : "";
}

// Why a paired device cannot pair again, said for the case a person meets
// after a leave. (A locked device never asks: the dispatcher wants the
// passphrase first.)
Error AlreadyPaired(Engine& engine) {
  if (DepartureOf(engine)) {
    return MakeError(ErrorCode::kAlreadyExists,
                     "the shared ledger on this device has ended; it stays here to read and export. "
                     "To begin a new one, run Kintsugi with another data dir (kintsugid --data-dir DIR)");
  }
  return MakeError(ErrorCode::kAlreadyExists, "this device is already paired");
}

}  // namespace

PairingService::PairingService(zmq::context_t& context, Engine& engine, crypto::RandomSource& rng,
                               std::function<void(const std::string&)> on_paired)
    : context_(context), engine_(engine), rng_(rng), on_paired_(std::move(on_paired)) {}

PairingService::~PairingService() { CloseInviteSocket(); }

void PairingService::CloseInviteSocket() {
  if (!invite_socket_) return;
  invite_gate_.Stop(*invite_socket_);  // the gate's monitor goes before the socket it watches
  invite_socket_.reset();
}

Result<protocol::PairInviteReply> PairingService::Invite(const std::string& host, std::uint16_t pairing_port,
                                                         std::uint16_t sync_port, std::uint64_t ttl_ms) {
  if (!engine_.initialized()) {
    return MakeError(ErrorCode::kFailedPrecondition, "no ledger yet: run 'kintsugictl init --name NAME'");
  }
  if (engine_.paired()) return AlreadyPaired(engine_);
  if (joiner_) return MakeError(ErrorCode::kFailedPrecondition, "this device is joining a partner right now");
  // A new invite while one is open replaces its code on the port already
  // open: closing a ZeroMQ socket lets go of its port only later, so binding
  // again at once would fail (and leave no invite at all).
  const bool reuse = invite_socket_.has_value() && pairing_port_ == pairing_port;
  if (inviter_) spdlog::info("pair.invite_closed reason=replaced");
  inviter_.reset();
  if (!reuse) {
    CloseInviteSocket();
    const std::string opening = "cannot open the pairing port " + std::to_string(pairing_port);
    Status opened = base::ZmqCall(ErrorCode::kIo, opening, [&]() -> Status {
      zmq::socket_t socket(context_, zmq::socket_type::router);
      socket.set(zmq::sockopt::linger, 500);  // let the welcome leave before a close
      socket.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxPairingFrame));
      // The port is open to the LAN: connections are bounded as the sync port's are.
      if (Status watching = invite_gate_.Watch(context_, socket, "pair-" + std::to_string(++invite_serial_));
          !watching.ok()) {
        return watching;
      }
      if (Status bound = base::ZmqCall(ErrorCode::kIo, opening,
                                       [&] { socket.bind("tcp://" + host + ":" + std::to_string(pairing_port)); });
          !bound.ok()) {
        invite_gate_.Stop(socket);
        return bound;
      }
      invite_socket_.emplace(std::move(socket));
      return OkStatus();
    });
    if (!opened.ok()) return opened.take_error();
  }
  pairing_port_ = pairing_port;
  const std::uint64_t expires = engine_.NowMillis() + ttl_ms;
  inviter_.emplace(protocol::NewInviteCode(rng_), expires, engine_.identity().public_key(), sync_port, rng_);
  spdlog::info("pair.invite_opened port={} expires={}", pairing_port, protocol::FormatUtcMillis(expires));
  return protocol::PairInviteReply{protocol::FormatInviteCode(inviter_->code()), expires, sync_port};
}

void PairingService::CloseInvite(const char* why) {
  if (!inviter_ && !invite_socket_) return;
  if (inviter_) spdlog::info("pair.invite_closed reason={}", why);
  inviter_.reset();
  CloseInviteSocket();
}

void PairingService::Join(const protocol::InviteCode& code, const std::string& address, ReplyFn reply) {
  if (!engine_.initialized()) {
    reply(MakeError(ErrorCode::kFailedPrecondition, "no ledger yet: run 'kintsugictl init --name NAME'"));
    return;
  }
  if (engine_.paired()) {
    reply(AlreadyPaired(engine_));
    return;
  }
  if (joiner_ || (inviter_ && inviter_->open(engine_.NowMillis()))) {
    reply(MakeError(ErrorCode::kFailedPrecondition, "a pairing is already in progress on this device"));
    return;
  }
  joiner_.emplace(code, engine_.identity().public_key(), rng_);
  joining_code_ = code;
  join_reply_ = std::move(reply);
  join_deadline_ms_ = engine_.NowMillis() + kJoinTimeoutMs;
  join_by_beacon_ = address.empty();
  if (address.empty()) {
    spdlog::info("pair.join_listening (waiting for the partner's pairing beacon)");
    return;  // JoinAddressFound() continues when the beacon is heard
  }
  auto split = protocol::ParseHostPort(address);
  if (!split) {
    FinishJoin(MakeError(ErrorCode::kInvalidArgument, "address must be HOST:PORT, got '" + address + "'"));
    return;
  }
  JoinAddressFound(split->host, static_cast<std::uint16_t>(split->port + 1));
}

void PairingService::JoinAddressFound(const std::string& host, std::uint16_t pairing_port) {
  if (!joiner_ || join_socket_) return;
  std::string endpoint = "tcp://" + host + ":" + std::to_string(pairing_port);
  if (join_passed_over_.contains(endpoint)) return;
  join_host_ = host;
  DialJoin(endpoint);
}

bool PairingService::PassOverWrongInvite() {
  // A handful: more open invites than that on one network is not a home.
  constexpr std::size_t kMaxPassedOver = 16;
  if (!join_by_beacon_ || joiner_->refusal() != protocol::RefusalReason::kNoInvite ||
      join_passed_over_.size() >= kMaxPassedOver) {
    return false;
  }
  spdlog::info("pair.join_passed_over endpoint={} (no invite with this code there)", join_endpoint_);
  join_passed_over_.insert(join_endpoint_);
  join_socket_.reset();
  joiner_.emplace(*joining_code_, engine_.identity().public_key(), rng_);
  return true;
}

void PairingService::DialJoin(const std::string& endpoint) {
  Status dialed = base::ZmqCall(ErrorCode::kUnavailable, "cannot reach the partner", [&] {
    zmq::socket_t socket(context_, zmq::socket_type::dealer);
    socket.set(zmq::sockopt::linger, 500);
    socket.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxPairingFrame));
    socket.connect(endpoint);
    (void)socket.send(zmq::buffer(joiner_->hello()), zmq::send_flags::dontwait);
    join_socket_.emplace(std::move(socket));
    join_endpoint_ = endpoint;
    spdlog::info("pair.join_dialing endpoint={}", endpoint);
  });
  if (!dialed.ok()) FinishJoin(dialed.take_error());
}

void PairingService::FinishJoin(Result<protocol::PairStatus> result) {
  if (join_reply_) join_reply_(std::move(result));
  join_reply_ = nullptr;
  joiner_.reset();
  joining_code_.reset();
  join_socket_.reset();
  join_endpoint_.clear();
  join_by_beacon_ = false;
  join_passed_over_.clear();
}

void PairingService::AppendPollItems(std::vector<zmq::pollitem_t>& items) {
  if (invite_socket_) invite_gate_.AppendPollItems(items);
  if (invite_socket_) items.push_back({invite_socket_->handle(), 0, ZMQ_POLLIN, 0});
  if (join_socket_) items.push_back({join_socket_->handle(), 0, ZMQ_POLLIN, 0});
}

void PairingService::HandlePoll(const zmq::pollitem_t* items, std::size_t count) {
  if (invite_socket_) invite_gate_.HandlePoll(items, count);  // past the bounds: turned away first
  const bool invite_ready = Readable(items, count, invite_socket_);
  const bool join_ready = Readable(items, count, join_socket_);
  const std::uint64_t now = engine_.NowMillis();
  Status handled = base::ZmqCall(ErrorCode::kIo, "pairing", [&] {
    while (invite_ready && invite_socket_ && inviter_) {
      std::vector<zmq::message_t> frames;
      if (!zmq::recv_multipart(*invite_socket_, std::back_inserter(frames), zmq::recv_flags::dontwait)) break;
      if (frames.size() != 2) continue;
      const protocol::PairingPeer from{PeerAddress(frames[1]), frames[0].to_string()};
      Bytes reply = inviter_->Handle(
          from, ByteView(static_cast<const std::uint8_t*>(frames[1].data()), frames[1].size()), now, rng_);
      (void)invite_socket_->send(frames[0], zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      (void)invite_socket_->send(zmq::buffer(reply), zmq::send_flags::dontwait);
      if (auto outcome = inviter_->TakeOutcome()) {
        Status adopted = engine_.AdoptPairing(*outcome);
        if (!adopted.ok()) {
          spdlog::error("pair.adopt_failed what=\"{}\"", adopted.error().message);
        } else {
          spdlog::info("pair.completed role=inviter partner={}", ToHex(outcome->partner).substr(0, 16));
          CloseInvite("used");
          if (on_paired_) on_paired_("");
        }
        break;
      }
      if (inviter_->burned()) {
        // The socket stays until the window's end, answering "used up".
        spdlog::warn("pair.invite_burned attempts={}", inviter_->attempts());
      }
    }
    while (join_ready && join_socket_ && joiner_) {
      zmq::message_t frame;
      if (!join_socket_->recv(frame, zmq::recv_flags::dontwait)) break;
      auto next = joiner_->Handle(ByteView(static_cast<const std::uint8_t*>(frame.data()), frame.size()), rng_);
      if (!next.ok() && PassOverWrongInvite()) break;
      if (!next.ok()) {
        spdlog::warn("pair.join_failed reason=\"{}\"", next.error().message);
        FinishJoin(next.take_error());
        break;
      }
      if (!next->empty()) {
        (void)join_socket_->send(zmq::buffer(*next), zmq::send_flags::dontwait);
        continue;
      }
      auto outcome = joiner_->TakeOutcome();
      Status adopted = engine_.AdoptPairing(*outcome);
      if (!adopted.ok()) {
        FinishJoin(adopted.take_error());
        break;
      }
      std::string partner_address = join_host_ + ":" + std::to_string(outcome->partner_port);
      spdlog::info("pair.completed role=joiner partner={}", ToHex(outcome->partner).substr(0, 16));
      FinishJoin(StatusNow(now));
      if (on_paired_) on_paired_(outcome->partner_port != 0 ? partner_address : "");
      break;
    }
  });
  if (!handled.ok()) spdlog::warn("pair.io_failed what=\"{}\"", handled.error().message);
}

std::uint64_t PairingService::MillisUntilNextTimer(std::uint64_t now_ms) const {
  std::uint64_t next = UINT64_MAX;
  if (inviter_) {
    std::uint64_t close_at = inviter_->expires_at_ms() + kLateJoinerGraceMs;
    next = std::min(next, close_at > now_ms ? close_at - now_ms : 0);
  }
  if (joiner_) next = std::min(next, join_deadline_ms_ > now_ms ? join_deadline_ms_ - now_ms : 0);
  return next;
}

void PairingService::RunTimers(std::uint64_t now_ms) {
  // A little after the window ends (kLateJoinerGraceMs) the socket goes too;
  // until then a late joiner hears "expired" rather than silence.
  if (inviter_ && now_ms >= inviter_->expires_at_ms() + kLateJoinerGraceMs) CloseInvite("expired");
  if (joiner_ && now_ms >= join_deadline_ms_) {
    FinishJoin(MakeError(ErrorCode::kUnavailable,
                         join_socket_ ? "your partner's device did not answer: check the address, and "
                                        "that their invite is still open"
                                      : "could not find your partner's device on this network: pass "
                                        "--address HOST:PORT (shown by 'pair invite' on their side)"));
  }
}

Result<protocol::PairStatus> PairingService::StatusNow(std::uint64_t now_ms) {
  auto status = engine_.GetStatus();
  if (!status.ok()) return status.take_error();
  protocol::PairStatus pair;
  pair.paired = status->paired;
  if (status->paired && status->partner) {
    pair.partner = ToHex(*status->partner);
    pair.safety_number = protocol::SafetyNumber(status->author, *status->partner);
    auto confirmed = engine_.SafetyNumberConfirmed();
    pair.confirmed = confirmed.ok() && *confirmed;
    pair.ledger = ToHex(status->ledger_id);
  }
  if (inviter_ && inviter_->open(now_ms)) {
    pair.invite = protocol::OpenInvite{protocol::FormatInviteCode(inviter_->code()), inviter_->expires_at_ms(),
                                       static_cast<std::uint64_t>(inviter_->attempts())};
  }
  pair.joining = joiner_.has_value();
  auto kept = engine_.PrivateEntries();
  pair.private_entries = kept.ok() ? *kept : 0;
  return pair;
}

}  // namespace kintsugi::daemon
