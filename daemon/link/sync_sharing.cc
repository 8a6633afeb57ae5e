// SyncService: pausing and leaving (see sync_service.h and daemon/link/sharing.h;
// docs/PROTOCOL.md, "Pause and leave").
#include <spdlog/spdlog.h>

#include "base/zmq_status.h"
#include "daemon/link/sync_service.h"
#include "protocol/ipc.h"
#include "protocol/sync.h"

namespace kintsugi::daemon {

void SyncService::OnSharingChanged() {
  SharingRecord sharing{session_.paused_since_ms(), session_.closed()};
  if (auto record = LoadSharing(engine_.store(), engine_.ledger_id()); record.ok()) sharing = *record;
  std::optional<protocol::LocalLedger> local = Local();
  if (!local) return;
  Carry(session_.OnSharingChanged(sharing.paused_since_ms, *local, engine_.NowMillis()));
}

void SyncService::CloseLink(bool newly) {
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
  ahead_.clear();
  spdlog::info("sync.ended (the shared ledger ended: the link is closed for good)");
}

void SyncService::PublishSharing() {
  if (!events_ || !engine_.initialized()) return;
  events_(protocol::kEventSharingChanged,
          nlohmann::json(
              SharingOf(engine_, {session_.paused_since_ms(), session_.closed()}, session_.partner_paused_since_ms())));
}

}  // namespace kintsugi::daemon
