#include "daemon/link/sync_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "base/zmq_status.h"
#include "crypto/pake.h"
#include "daemon/link/monitor_event.h"
#include "protocol/ipc_events.h"
#include "protocol/sync.h"

namespace kintsugi::daemon {
namespace {

constexpr int kHeartbeatIvlMs = 5000;
constexpr int kHeartbeatTimeoutMs = 15000;
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
  SharingRecord sharing;
  if (auto record = LoadSharing(engine_.store(), engine_.ledger_id()); record.ok()) {
    sharing = *record;
  } else {
    spdlog::warn("sync.sharing_unreadable what=\"{}\"", record.error().message);
  }
  Carry(session_.Start(sharing.paused_since_ms, sharing.link_closed, engine_.NowMillis()));
  if (session_.closed()) return;  // the ledger ended before this start: no link, ever
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
  ahead_.clear();
  Carry(session_.Reset(engine_.NowMillis()));
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
  if (!partner || address_.empty() || session_.closed()) return;
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
    spdlog::info("sync.dialing address={}", address_);
  });
  if (!dialed.ok()) {
    spdlog::warn("sync.dial_failed address={} what=\"{}\"", address_, dialed.error().message);
    return;
  }
  Carry(session_.OnDialling(engine_.NowMillis()));
}

void SyncService::AppendPollItems(std::vector<zmq::pollitem_t>& items) {
  gate_.AppendPollItems(items);
  if (router_) items.push_back({router_->handle(), 0, ZMQ_POLLIN, 0});
  if (dealer_) items.push_back({dealer_->handle(), 0, ZMQ_POLLIN, 0});
  if (monitor_) items.push_back({monitor_->handle(), 0, ZMQ_POLLIN, 0});
}

void SyncService::ReadMonitor() {
  while (std::optional<MonitorEvent> e = NextMonitorEvent(*monitor_)) {
    const std::uint16_t event = e->event;
    if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
      spdlog::info("sync.connected address={}", address_);
      std::optional<protocol::LocalLedger> local = Local();
      Carry(session_.OnDialledUp(local ? &*local : nullptr, engine_.NowMillis()));
    } else if (event == ZMQ_EVENT_DISCONNECTED) {
      if (session_.dialled_up()) spdlog::info("sync.disconnected address={}", address_);
      Carry(session_.OnDialledDown(engine_.NowMillis()));
    } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH || event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) {
      spdlog::warn("sync.handshake_failed address={} (the device there is not your partner's)", address_);
    }
  }
}

std::optional<protocol::LocalLedger> SyncService::Local() {
  auto hello = engine_.Hello();
  if (!hello.ok()) {
    if (std::uint64_t held = 0; log_limit_.Allow("sync.ledger_unreadable", engine_.NowMillis(), held)) {
      spdlog::warn("sync.ledger_unreadable what=\"{}\" held_back={}", hello.error().message, held);
    }
    return std::nullopt;
  }
  protocol::LocalLedger local;
  local.hello = std::move(hello).value();
  if (auto departure = DepartureOf(engine_)) local.left_ms = departure->ms;
  return local;
}

void SyncService::Carry(const protocol::SyncEffects& effects, Inbound* in) {
  namespace effect = protocol::sync_effect;
  for (const protocol::SyncEffect& e : effects) {
    if (auto* send = std::get_if<effect::Send>(&e)) {
      Send(send->channel, send->message);
    } else if (auto* want = std::get_if<effect::AnswerWant>(&e)) {
      auto batch = engine_.EntriesAfter(want->want);
      if (batch.ok()) Send(want->channel, *batch);
    } else if (auto* store = std::get_if<effect::Store>(&e)) {
      if (in != nullptr) Store(store->author, *in);
    } else if (auto* hello = std::get_if<effect::PartnerHello>(&e)) {
      engine_.NotePartnerHello(hello->hello);
    } else if (auto* online = std::get_if<effect::Online>(&e)) {
      AnnounceOnline(online->online, engine_.NowMillis());
    } else if (std::holds_alternative<effect::SavePeer>(e)) {
      SavePeer();
    } else if (std::holds_alternative<effect::PartnerReset>(e)) {
      spdlog::warn("sync.partner_reset (the partner's database was reset or restored; catching it up)");
      if (events_) events_(protocol::kEventPeerReset, nlohmann::json::object());
    } else if (auto* progress = std::get_if<effect::Progress>(&e)) {
      if (events_) {
        events_(protocol::kEventSyncProgress, protocol::SyncProgressEvent{ToHex(progress->author), progress->stored,
                                                                          progress->head_seq, progress->behind});
      }
    } else if (auto* sharing = std::get_if<effect::SharingChanged>(&e)) {
      if (!sharing->log.empty()) spdlog::info("sync.{}", sharing->log);
      PublishSharing();
    } else if (std::holds_alternative<effect::LedgerEnded>(e)) {
      auto departure = DepartureOf(engine_);
      spdlog::info("sync.ledger_ended by={} (the link stays until both hold everything)",
                   departure ? departure->author.substr(0, 16) : "?");
    } else if (auto* close = std::get_if<effect::CloseLink>(&e)) {
      CloseLink(close->newly);
    } else if (auto* warn = std::get_if<effect::Warn>(&e)) {
      if (std::uint64_t held = 0; log_limit_.Allow(warn->event, engine_.NowMillis(), held)) {
        spdlog::warn("{} what=\"{}\" held_back={}", warn->event, warn->detail, held);
      }
    }
  }
}

void SyncService::Store(const crypto::PublicKey& author, Inbound& in) {
  Result<ReceiveReport> report = MakeError(ErrorCode::kMalformed, "no entries");
  if (auto* batch = std::get_if<protocol::SyncEntries>(&*in.message)) {
    // While this batch is stored, the next one (asked for before) is read and
    // its signatures checked on the other cores.
    report = engine_.Receive(author, batch->entries, Engine::Notify::kNone, in.checked.get(), [this] { ReadAhead(); });
  } else if (auto* push = std::get_if<protocol::SyncPush>(&*in.message)) {
    report = engine_.Receive(author, {push->entry});
  }
  if (!report.ok()) {
    LogStoreFailed(report.error());
    session_.OnStoreFailed();
    return;
  }
  ReportReceived(author, *report);
  std::optional<protocol::LocalLedger> local = Local();
  if (!local) {
    session_.OnStoreFailed();  // what the store did is asked again with the next hello
    return;
  }
  Carry(session_.OnStored({report->stored, report->head.seq}, *local, engine_.NowMillis()));
}

void SyncService::Send(const protocol::ChannelId& channel, const protocol::SyncMessage& message) {
  Bytes frame = protocol::EncodeSync(message);
  Status sent = base::ZmqCall(ErrorCode::kIo, "send", [&] {
    if (channel.dialled) {
      if (dealer_) (void)dealer_->send(zmq::buffer(frame), zmq::send_flags::dontwait);
    } else if (router_) {
      (void)router_->send(zmq::buffer(channel.routing_id), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      (void)router_->send(zmq::buffer(frame), zmq::send_flags::dontwait);
    }
  });
  if (!sent.ok()) spdlog::warn("sync.send_failed what=\"{}\"", sent.error().message);
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

void SyncService::OnLocalAppend(const AppendedEntry& entry) {
  if (!entry.local) return;
  Carry(session_.OnLocalAppend({entry.stored.bytes, entry.stored.wrapped_key}, engine_.NowMillis()));
}

bool SyncService::online(std::uint64_t now_ms) const { return session_.online(now_ms); }

void SyncService::AnnounceOnline(bool now_online, std::uint64_t now_ms) {
  spdlog::info("peer.{}", now_online ? "up" : "down");
  if (events_) {
    events_(now_online ? protocol::kEventPeerUp : protocol::kEventPeerDown, protocol::PeerEvent{now_ms});
  }
}

std::uint64_t SyncService::MillisUntilNextTimer(std::uint64_t now_ms) const {
  if (!engine_.paired()) return UINT64_MAX;
  std::optional<std::uint64_t> next = session_.NextTimerMs();
  if (!next) return UINT64_MAX;
  return *next > now_ms ? *next - now_ms : 0;
}

void SyncService::RunTimers(std::uint64_t now_ms) {
  if (!engine_.paired() || !session_.TimerDue(now_ms)) return;
  if (session_.KeepaliveDue(now_ms) && !router_ && !listen_endpoint_.empty()) {
    // Not listening though asked to (the port was busy, or a socket just
    // closed by Reset had not let go of it yet): try again each keepalive.
    if (Status bound = Listen(listen_endpoint_); !bound.ok()) spdlog::debug("{}", bound.error().message);
  }
  std::optional<protocol::LocalLedger> local = Local();
  Carry(session_.OnTimer(local ? &*local : nullptr, now_ms));
}

void SyncService::SavePeer() {
  const auto& partner = engine_.partner();
  if (!partner) return;
  Status s = engine_.store().SavePeer(PeerRecord{*partner, address_, session_.last_seen_ms(), session_.last_sync_ms()});
  if (!s.ok()) spdlog::warn("sync.save_peer_failed what=\"{}\"", s.error().message);
}

protocol::PeersReply SyncService::Peers(std::uint64_t now_ms) {
  protocol::PeersReply out;
  const auto& partner = engine_.partner();
  if (partner) {
    protocol::PeerState& peer = out.peers.emplace_back();
    for (const auto& [author, seq] : session_.partner_heads()) {
      auto mine = engine_.Head(author);
      if (mine.ok() && seq > mine->seq) peer.entries_behind += seq - mine->seq;
    }
    peer.author = ToHex(*partner);
    peer.online = session_.online(now_ms);
    peer.address = address_;
    peer.last_seen_ms = session_.last_seen_ms();
    peer.last_sync_ms = session_.last_sync_ms();
    peer.ended = DepartureOf(engine_).has_value();
    // Which way the link runs: our connection to the partner's port, and
    // theirs to ours (heard lately).
    peer.dialled = session_.dialled_up();
    peer.called_in = session_.called_in(now_ms);
    peer.paused_since_ms = session_.partner_paused_since_ms();
    out.sharing =
        SharingOf(engine_, {session_.paused_since_ms(), session_.closed()}, session_.partner_paused_since_ms());
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
