// SyncService: pausing and leaving (see sync_service.h and daemon/link/sharing.h;
// docs/PROTOCOL.md, "Pause and leave").
#include <spdlog/spdlog.h>

#include "base/zmq_status.h"
#include "daemon/link/sync_service.h"
#include "protocol/ipc.h"
#include "protocol/sync.h"

namespace kintsugi::daemon {
namespace {

// How long the link stays after the last hello before closing for good, so
// that it and the partner's answer pass.
constexpr std::uint64_t kCloseGraceMs = 500;

}  // namespace

void SyncService::SendState(Channel& channel) {
  if (paused()) {
    Send(channel, protocol::SyncSharing{sharing_.paused_since_ms});
    return;
  }
  auto hello = engine_.Hello();
  if (!hello.ok()) return;
  Send(channel, *hello);
  channel.hello_sent = true;
}

void SyncService::ForEachLiveChannel(std::uint64_t now_ms, const std::function<void(Channel&)>& f) {
  if (outgoing_up_) f(outgoing_);
  for (auto& [rid, channel] : incoming_) {
    if (now_ms - channel.last_heard_ms < kOnlineWindowMs) f(channel);
  }
}

void SyncService::OnSharingChanged() {
  const bool was_paused = paused();
  if (auto record = LoadSharing(engine_.store(), engine_.ledger_id()); record.ok()) sharing_ = *record;
  if (!closed_) {
    wanting_.clear();  // what was asked before the change is asked again, or not at all
    ForEachLiveChannel(engine_.NowMillis(), [&](Channel& channel) {
      if (was_paused && !paused()) Send(channel, protocol::SyncSharing{0});
      SendState(channel);
    });
  }
  CheckEnded();
  PublishSharing();
}

void SyncService::OnPartnerSharing(Channel& channel, const protocol::SyncSharing& sharing) {
  if (sharing.paused_since_ms == partner_paused_since_ms_) return;
  partner_paused_since_ms_ = sharing.paused_since_ms;
  spdlog::info("sync.partner_{}", sharing.paused_since_ms == 0 ? "resumed" : "paused");
  if (sharing.paused_since_ms == 0 && !paused()) {
    // Our heads at once, so the partner asks for what it missed meanwhile.
    wanting_.clear();
    SendState(channel);
  }
  PublishSharing();
}

void SyncService::CheckEnded() {
  if (closed_ || close_at_ms_ != 0) return;
  auto departure = DepartureOf(engine_);
  if (!departure) return;
  if (!ended_announced_) {
    ended_announced_ = true;
    spdlog::info("sync.ledger_ended by={} (the link stays until both hold everything)",
                 departure->author.substr(0, 16));
    PublishSharing();
  }
  auto mine = engine_.Hello();
  if (!mine.ok()) return;
  for (const auto& head : mine->heads) {
    auto theirs = partner_heads_.find(head.author);
    if (theirs == partner_heads_.end() || theirs->second != head.seq) return;
  }
  // Both hold the same entries: say so once more, so the partner ends too.
  ForEachLiveChannel(engine_.NowMillis(), [&](Channel& channel) { Send(channel, *mine); });
  close_at_ms_ = engine_.NowMillis() + kCloseGraceMs;
}

void SyncService::CloseForGood() {
  close_at_ms_ = 0;
  const bool newly = !closed_;
  closed_ = true;
  sharing_.link_closed = true;
  if (newly) {
    Status saved = SaveLinkClosed(engine_.store(), engine_.ledger_id());
    if (!saved.ok()) spdlog::warn("sync.save_closed_failed what=\"{}\"", saved.error().message);
  }
  Status lingering = base::ZmqCall(ErrorCode::kIo, "linger", [&] {
    // A moment for the last hello to leave; nothing more is sent or heard.
    if (dealer_) dealer_->set(zmq::sockopt::linger, 1000);
    if (router_) router_->set(zmq::sockopt::linger, 1000);
  });
  if (!lingering.ok()) spdlog::warn("sync.close_failed what=\"{}\"", lingering.error().message);
  CloseDealer();
  router_.reset();
  port_ = 0;  // discovery stops announcing this device
  outgoing_up_ = false;
  incoming_.clear();
  wanting_.clear();
  spdlog::info("sync.ended (the shared ledger ended: the link is closed for good)");
  SetOnline(false, engine_.NowMillis());
  if (newly) PublishSharing();
}

void SyncService::PublishSharing() {
  if (!events_ || !engine_.initialized()) return;
  events_(protocol::kEventSharingChanged, nlohmann::json(SharingOf(engine_, sharing_, partner_paused_since_ms_)));
}

}  // namespace kintsugi::daemon
