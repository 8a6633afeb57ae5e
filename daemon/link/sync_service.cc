#include "daemon/link/sync_service.h"

#include "daemon/link/monitor_event.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "base/zmq_status.h"
#include "crypto/pake.h"
#include "protocol/hlc.h"
#include "protocol/ipc.h"
#include "protocol/ipc_events.h"
#include "protocol/sync.h"

namespace kintsugi::daemon {
namespace {

constexpr int kHeartbeatIvlMs = 5000;
constexpr int kHeartbeatTimeoutMs = 15000;
constexpr std::uint64_t kWantTimeoutMs = 30'000;
constexpr std::size_t kTransportLimit = protocol::kMaxSyncFrameBytes + 1024;

void SetCurveKey(zmq::socket_t& s, int option, ByteView key) {
  zmq_setsockopt(s.handle(), option, key.data(), key.size());
}

void CommonOptions(zmq::socket_t& s) {
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kTransportLimit));
  s.set(zmq::sockopt::heartbeat_ivl, kHeartbeatIvlMs);
  s.set(zmq::sockopt::heartbeat_timeout, kHeartbeatTimeoutMs);
  // What waits to go to the partner is bounded whatever the partner does:
  // one who asks again and again and never reads would otherwise have every
  // answer (up to a MiB each) queued for it. Past this many messages on a
  // connection, answers are dropped; an honest partner asks again (sync is
  // pulled), and never has more than a batch or two in flight.
  s.set(zmq::sockopt::sndhwm, kSendQueueMessages);
  // And what waits to be read: a partner who sends faster than its messages
  // can be checked (the default would queue a thousand, up to a GiB) is held
  // back by TCP instead.
  s.set(zmq::sockopt::rcvhwm, kReceiveQueueMessages);
}

std::string Short(const Hash32& h) { return ToHex(h).substr(0, 16); }

}  // namespace

SyncService::SyncService(zmq::context_t& context, Engine& engine, ZapHandler& zap, EventSink events)
    : context_(context), engine_(engine), zap_(zap), events_(std::move(events)) {}

SyncService::~SyncService() {
  CloseDealer();
  if (router_) gate_.Stop(*router_);
}

void SyncService::CloseDealer() {
  std::erase_if(ahead_, [](const Inbound& in) { return in.outgoing; });  // read from the connection that ends
  if (dealer_) zmq_socket_monitor(dealer_->handle(), nullptr, 0);
  monitor_.reset();
  dealer_.reset();
}

Status SyncService::Listen(const std::string& endpoint) {
  listen_endpoint_ = endpoint;
  return base::ZmqCall(ErrorCode::kIo, "cannot listen on " + endpoint, [&]() -> Status {
    const crypto::CurveKeyPair& keys = engine_.transport_keys();
    zmq::socket_t router(context_, zmq::socket_type::router);
    CommonOptions(router);
    router.set(zmq::sockopt::curve_server, 1);
    SetCurveKey(router, ZMQ_CURVE_SECRETKEY, keys.secret_key.span());
    router.set(zmq::sockopt::zap_domain, kSyncZapDomain);
    if (router_) gate_.Stop(*router_);
    if (Status watching = gate_.Watch(context_, router, "sync-" + std::to_string(++monitor_serial_)); !watching.ok()) {
      return watching;
    }
    if (Status bound = base::ZmqCall(ErrorCode::kIo, "cannot listen on " + endpoint, [&] { router.bind(endpoint); });
        !bound.ok()) {
      gate_.Stop(router);
      return bound;
    }
    std::string bound = router.get(zmq::sockopt::last_endpoint);
    port_ = static_cast<std::uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1)));
    router_.emplace(std::move(router));
    spdlog::info("sync.listening endpoint={}", bound);
    return OkStatus();
  });
}

void SyncService::StartPartner(const std::string& address) {
  const auto& partner = engine_.partner();
  if (!partner) return;
  if (auto record = LoadSharing(engine_.store(), engine_.ledger_id()); record.ok()) {
    sharing_ = *record;
  } else {
    spdlog::warn("sync.sharing_unreadable what=\"{}\"", record.error().message);
  }
  if (sharing_.link_closed) {
    CloseForGood();  // the ledger ended before this start: no link, ever
    return;
  }
  auto curve = crypto::CurvePublicKeyOf(*partner);
  if (!curve.ok()) {
    spdlog::error("sync.bad_partner_key");
    return;
  }
  zap_.Allow(*curve);
  SetPartnerAddress(address);
}

void SyncService::Reset() {
  CloseDealer();
  if (router_) gate_.Stop(*router_);
  router_.reset();
  zap_.Forget();
  port_ = 0;
  address_.clear();
  outgoing_ = Channel{true, {}, 0, false};
  outgoing_up_ = false;
  incoming_.clear();
  ahead_.clear();
  wanting_.clear();
  partner_heads_.clear();
  partner_index_.reset();
  last_sync_ms_ = 0;
  last_seen_ms_ = 0;
  next_keepalive_ms_ = 0;
  sharing_ = SharingRecord{};
  partner_paused_since_ms_ = 0;
  close_at_ms_ = 0;
  closed_ = false;
  ended_announced_ = false;
  if (was_online_) {
    was_online_ = false;
    AnnounceOnline(false, engine_.NowMillis());  // not saved: the peer record is the restored one's
  }
  spdlog::info("sync.reset (another ledger was restored)");
}

void SyncService::SetPartnerAddress(const std::string& address) {
  if (address.empty() || address == address_) return;
  address_ = address;
  SavePeer();
  Dial();
}

void SyncService::Dial() {
  const auto& partner = engine_.partner();
  if (!partner || address_.empty() || closed_) return;
  auto server_key = crypto::CurvePublicKeyOf(*partner);
  if (!server_key.ok()) return;
  Status dialed = base::ZmqCall(ErrorCode::kIo, "dial", [&] {
    const crypto::CurveKeyPair& keys = engine_.transport_keys();
    zmq::socket_t dealer(context_, zmq::socket_type::dealer);
    CommonOptions(dealer);
    dealer.set(zmq::sockopt::immediate, 1);  // never queue for a link that is not up
    dealer.set(zmq::sockopt::reconnect_ivl, 200);
    dealer.set(zmq::sockopt::reconnect_ivl_max, 30000);  // exponential backoff up to 30 s
    SetCurveKey(dealer, ZMQ_CURVE_SERVERKEY, *server_key);
    SetCurveKey(dealer, ZMQ_CURVE_PUBLICKEY, keys.public_key);
    SetCurveKey(dealer, ZMQ_CURVE_SECRETKEY, keys.secret_key.span());
    std::string monitor_endpoint = "inproc://sync-monitor-" + std::to_string(++monitor_serial_);
    zmq_socket_monitor(dealer.handle(), monitor_endpoint.c_str(),
                       ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED |
                           ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL);
    zmq::socket_t monitor(context_, zmq::socket_type::pair);
    // Declared last, so destroyed first if a step below throws: the monitor
    // stops before either socket closes (see CloseDealer).
    struct StopMonitor {
      void* socket;
      ~StopMonitor() {
        if (socket != nullptr) zmq_socket_monitor(socket, nullptr, 0);
      }
    } stop_monitor{dealer.handle()};
    monitor.set(zmq::sockopt::linger, 0);
    monitor.connect(monitor_endpoint);
    dealer.connect("tcp://" + address_);
    CloseDealer();
    stop_monitor.socket = nullptr;  // it keeps watching the dealer it now belongs to
    dealer_.emplace(std::move(dealer));
    monitor_.emplace(std::move(monitor));
    outgoing_up_ = false;
    outgoing_.hello_sent = false;
    spdlog::info("sync.dialing address={}", address_);
  });
  if (!dialed.ok()) spdlog::warn("sync.dial_failed address={} what=\"{}\"", address_, dialed.error().message);
}

void SyncService::AppendPollItems(std::vector<zmq::pollitem_t>& items) {
  gate_.AppendPollItems(items);
  if (router_) items.push_back({router_->handle(), 0, ZMQ_POLLIN, 0});
  if (dealer_) items.push_back({dealer_->handle(), 0, ZMQ_POLLIN, 0});
  if (monitor_) items.push_back({monitor_->handle(), 0, ZMQ_POLLIN, 0});
}

void SyncService::ReadMonitor() {
  const std::uint64_t now = engine_.NowMillis();
  while (std::optional<MonitorEvent> e = NextMonitorEvent(*monitor_)) {
    const std::uint16_t event = e->event;
    if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
      outgoing_up_ = true;
      wanting_.clear();  // wants sent on an earlier connection will not be answered
      outgoing_.hello_sent = false;
      SendState(outgoing_);
      spdlog::info("sync.connected address={}", address_);
    } else if (event == ZMQ_EVENT_DISCONNECTED) {
      if (outgoing_up_) spdlog::info("sync.disconnected address={}", address_);
      outgoing_up_ = false;
      wanting_.clear();
    } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH || event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) {
      spdlog::warn("sync.handshake_failed address={} (the device there is not your partner's)", address_);
    }
  }
  SetOnline(online(now), now);
}

void SyncService::Send(Channel& channel, const protocol::SyncMessage& message) {
  Bytes frame = protocol::EncodeSync(message);
  Status sent = base::ZmqCall(ErrorCode::kIo, "send", [&] {
    if (channel.outgoing) {
      if (dealer_) (void)dealer_->send(zmq::buffer(frame), zmq::send_flags::dontwait);
    } else if (router_) {
      (void)router_->send(zmq::buffer(channel.routing_id), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      (void)router_->send(zmq::buffer(frame), zmq::send_flags::dontwait);
    }
  });
  if (!sent.ok()) spdlog::warn("sync.send_failed what=\"{}\"", sent.error().message);
}

void SyncService::HandleHello(Channel& channel, const protocol::SyncHello& hello) {
  if (hello.ledger_id != engine_.ledger_id()) {
    spdlog::warn("sync.wrong_ledger ledger={}", Short(hello.ledger_id));
    return;
  }
  if (!channel.hello_sent) {
    auto mine = engine_.Hello();
    if (mine.ok()) Send(channel, *mine);
    channel.hello_sent = true;
  }
  if (partner_index_ && *partner_index_ != hello.index_id) {
    spdlog::warn("sync.partner_reset (the partner's database was reset or restored; catching it up)");
    if (events_) events_(protocol::kEventPeerReset, nlohmann::json::object());
  }
  partner_index_ = hello.index_id;
  engine_.NotePartnerHello(hello);  // a restored device may append again once its chain is back
  for (const auto& head : hello.heads) {
    partner_heads_[head.author] = head.seq;
    auto mine = engine_.Head(head.author);
    if (mine.ok() && head.seq > mine->seq) Want(channel, head.author, mine->seq);
  }
  CheckEnded();
}

void SyncService::Want(Channel& channel, const crypto::PublicKey& author, std::uint64_t after_seq) {
  const std::uint64_t now = engine_.NowMillis();
  auto it = wanting_.find(author);
  if (it != wanting_.end() && now - it->second < kWantTimeoutMs) return;
  wanting_[author] = now;
  Send(channel, protocol::SyncWant{author, after_seq, static_cast<std::uint16_t>(protocol::kMaxBatchEntries)});
}

void SyncService::HandleEntries(Channel& channel, const protocol::SyncEntries& batch,
                                Engine::CheckedBatch* checked) {
  wanting_.erase(batch.author);
  // Ask for the next batch before storing this one, so the partner reads and
  // sends it while this side verifies: two batches in flight at most.
  std::optional<std::uint64_t> asked_after;
  if (batch.more && !batch.entries.empty()) {
    auto last = protocol::Decode(batch.entries.back().entry);
    if (last.ok()) {
      Want(channel, batch.author, last->seq);
      asked_after = last->seq;
    }
  }
  auto before = engine_.Head(batch.author);
  // While this batch is stored, the next one (asked for above) is read and
  // its signatures checked on the other cores.
  auto report = engine_.Receive(batch.author, batch.entries, Engine::Notify::kNone, checked,
                                [this] { ReadAhead(); });
  if (!report.ok()) {
    LogStoreFailed(report.error());
    return;
  }
  ReportReceived(batch.author, *report);
  last_sync_ms_ = engine_.NowMillis();
  std::uint64_t behind = 0;
  auto known = partner_heads_.find(batch.author);
  if (known != partner_heads_.end() && known->second > report->head.seq) {
    behind = known->second - report->head.seq;
  }
  if (events_ && report->stored > 0) {
    events_(protocol::kEventSyncProgress,
            protocol::SyncProgressEvent{ToHex(batch.author), report->stored, report->head.seq, behind});
  }
  const bool progressed = before.ok() && report->head.seq > before->seq;
  if (asked_after && report->head.seq < *asked_after) {
    // Part of this batch was refused, so the batch already asked for will not
    // fit: the next hello asks again from what was stored.
    wanting_.erase(batch.author);
  } else if (batch.more && progressed && !asked_after) {
    Want(channel, batch.author, report->head.seq);
  } else if (!batch.more) {
    SavePeer();
  }
  if (report->stored > 0 && DepartureOf(engine_)) {
    // Tell the partner at once what this device holds now, so both can end.
    SendState(channel);
    CheckEnded();
  }
}

void SyncService::HandlePush(Channel& channel, const protocol::SyncPush& push) {
  auto entry = protocol::Decode(push.entry.entry);
  if (!entry.ok()) {
    if (std::uint64_t held = 0; log_limit_.Allow("sync.bad_push", engine_.NowMillis(), held)) {
      spdlog::warn("sync.bad_push reason=\"{}\" held_back={}", entry.error().message, held);
    }
    return;
  }
  auto head = engine_.Head(entry->author);
  if (!head.ok()) return;
  partner_heads_[entry->author] = std::max(partner_heads_[entry->author], entry->seq);
  if (entry->seq > head->seq + 1) {
    Want(channel, entry->author, head->seq);  // we missed some: ask for them in order
    return;
  }
  auto report = engine_.Receive(entry->author, {push.entry});
  if (!report.ok()) {
    LogStoreFailed(report.error());
    return;
  }
  ReportReceived(entry->author, *report);
  if (report->stored > 0) last_sync_ms_ = engine_.NowMillis();
  if (report->stored > 0 && DepartureOf(engine_)) {
    SendState(channel);
    CheckEnded();
  }
}

// A store that fails (a full disk) fails for every push and batch the
// partner sends: said at a bounded rate, with how many were held back.
void SyncService::LogStoreFailed(const Error& error) {
  if (std::uint64_t held = 0; log_limit_.Allow("sync.store_failed", engine_.NowMillis(), held)) {
    spdlog::error("sync.store_failed what=\"{}\" held_back={}", error.message, held);
  }
}

void SyncService::ReportReceived(const crypto::PublicKey& author, const ReceiveReport& report) {
  const std::uint64_t now = engine_.NowMillis();
  for (const auto& refused : report.refused) {
    if (std::uint64_t held = 0; log_limit_.Allow("sync.refused_entry", now, held)) {
      spdlog::warn("sync.refused_entry author={} reason={} detail=\"{}\" held_back={}", Short(author),
                   protocol::RejectionName(refused.reason), refused.detail, held);
    }
  }
  if (std::uint64_t held = 0; report.forks > 0 && log_limit_.Allow("sync.fork_detected", now, held)) {
    spdlog::warn("sync.fork_detected author={} held_back={} (two entries with the same seq: kept as evidence)",
                 Short(author), held);
    if (events_) events_(protocol::kEventForkDetected, protocol::ForkDetectedEvent{ToHex(author)});
  }
}

SyncService::Channel* SyncService::Primary(std::uint64_t now_ms) {
  if (outgoing_up_) return &outgoing_;
  Channel* best = nullptr;
  for (auto& [rid, channel] : incoming_) {
    if (now_ms - channel.last_heard_ms < kOnlineWindowMs &&
        (best == nullptr || channel.last_heard_ms > best->last_heard_ms)) {
      best = &channel;
    }
  }
  return best;
}

void SyncService::OnLocalAppend(const AppendedEntry& entry) {
  // Written while either side pauses, it waits for the hello after resuming.
  if (!entry.local || closed_ || paused() || partner_paused_since_ms_ != 0) return;
  Channel* channel = Primary(engine_.NowMillis());
  if (channel == nullptr) return;  // the next hello will tell the partner
  Send(*channel, protocol::SyncPush{{entry.stored.bytes, entry.stored.wrapped_key}});
}

bool SyncService::online(std::uint64_t now_ms) const {
  if (closed_) return false;
  if (outgoing_up_) return true;
  for (const auto& [rid, channel] : incoming_) {
    if (now_ms - channel.last_heard_ms < kOnlineWindowMs) return true;
  }
  return false;
}

void SyncService::SetOnline(bool now_online, std::uint64_t now_ms) {
  if (now_online == was_online_) return;
  was_online_ = now_online;
  AnnounceOnline(now_online, now_ms);
  SavePeer();
}

void SyncService::AnnounceOnline(bool now_online, std::uint64_t now_ms) {
  spdlog::info("peer.{}", now_online ? "up" : "down");
  if (events_) {
    events_(now_online ? protocol::kEventPeerUp : protocol::kEventPeerDown, protocol::PeerEvent{now_ms});
  }
}

std::uint64_t SyncService::MillisUntilNextTimer(std::uint64_t now_ms) const {
  if (!engine_.paired() || closed_) return UINT64_MAX;
  const std::uint64_t next = close_at_ms_ != 0 ? std::min(close_at_ms_, next_keepalive_ms_) : next_keepalive_ms_;
  return next > now_ms ? next - now_ms : 0;
}

void SyncService::RunTimers(std::uint64_t now_ms) {
  if (close_at_ms_ != 0 && now_ms >= close_at_ms_) CloseForGood();
  if (!engine_.paired() || closed_ || now_ms < next_keepalive_ms_) return;
  next_keepalive_ms_ = now_ms + kKeepaliveMs;
  if (!router_ && !listen_endpoint_.empty()) {
    // Not listening though asked to (the port was busy, or a socket just
    // closed by Reset had not let go of it yet): try again each keepalive.
    if (Status bound = Listen(listen_endpoint_); !bound.ok()) spdlog::debug("{}", bound.error().message);
  }
  if (auto departure = DepartureOf(engine_); departure && now_ms > departure->ms + kLeaveDeliveryMs) {
    spdlog::warn("sync.leave_undelivered (the partner was not reached in 30 days; closing the link)");
    CloseForGood();
    return;
  }
  if (outgoing_up_) SendState(outgoing_);
  for (auto it = incoming_.begin(); it != incoming_.end();) {
    if (now_ms - it->second.last_heard_ms > 3 * kOnlineWindowMs) {
      it = incoming_.erase(it);
      continue;
    }
    if (now_ms - it->second.last_heard_ms < kOnlineWindowMs) SendState(it->second);
    ++it;
  }
  SetOnline(online(now_ms), now_ms);
}

void SyncService::SavePeer() {
  const auto& partner = engine_.partner();
  if (!partner) return;
  Status s = engine_.store().SavePeer(PeerRecord{*partner, address_, last_seen_ms_, last_sync_ms_});
  if (!s.ok()) spdlog::warn("sync.save_peer_failed what=\"{}\"", s.error().message);
}

protocol::PeersReply SyncService::Peers(std::uint64_t now_ms) {
  protocol::PeersReply out;
  const auto& partner = engine_.partner();
  if (partner) {
    protocol::PeerState& peer = out.peers.emplace_back();
    for (const auto& [author, seq] : partner_heads_) {
      auto mine = engine_.Head(author);
      if (mine.ok() && seq > mine->seq) peer.entries_behind += seq - mine->seq;
    }
    peer.author = ToHex(*partner);
    peer.online = online(now_ms);
    peer.address = address_;
    peer.last_seen_ms = last_seen_ms_;
    peer.last_sync_ms = last_sync_ms_;
    peer.ended = DepartureOf(engine_).has_value();
    // Which way the link runs: our connection to the partner's port, and
    // theirs to ours (heard lately).
    peer.dialled = outgoing_up_;
    peer.called_in = std::any_of(incoming_.begin(), incoming_.end(), [&](const auto& in) {
      return now_ms - in.second.last_heard_ms < kOnlineWindowMs;
    });
    peer.paused_since_ms = partner_paused_since_ms_;
    out.sharing = SharingOf(engine_, sharing_, partner_paused_since_ms_);
  }
  for (const auto& [key, r] : zap_.refusals()) {
    out.refused.push_back({key, r.address, static_cast<std::uint64_t>(r.count), static_cast<std::uint64_t>(r.last_ms)});
  }
  out.refused_total = zap_.refused_total();
  out.connections = {static_cast<std::uint64_t>(gate_.open()), static_cast<std::uint64_t>(gate_.turned_away())};
  out.listening_port = port_;
  return out;
}

}  // namespace kintsugi::daemon
