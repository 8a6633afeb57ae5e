// Sharing: pausing it and leaving (docs/PROTOCOL.md, "Pause and leave";
// docs/LEDGER.md, "Leaving").
//
// A pause is a choice of this device, not a ledger entry: it is kept in the
// store's meta table, per ledger, and survives restarts. While it lasts the
// SyncService exchanges no entries and tells the partner only that (and
// since when) it paused. Leaving is a `leave` entry: the fold ends the ledger
// there, and the link ends for good once both sides hold everything.
//
// This file keeps the persisted state, builds the `sharing` object that
// `status`, `peers` and the sharing.* methods show, and answers those
// methods. It works without the network (unit tests): the SyncService, when
// there is one, is told of each change.
//
// Thread-safety: the daemon loop's thread, like the engine.
#pragma once

#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "daemon/engine.h"
#include "protocol/fold.h"
#include "protocol/ipc.h"
#include "protocol/ipc_messages.h"

namespace kintsugi::daemon {

class SyncService;

// After a leave, a daemon keeps its link only to deliver what the partner
// lacks; it gives up protocol::kLeaveDeliveryMs after the leave was written
// (protocol/sync_session.h).
// Withdrawals one `sharing.withdraw_mine` request makes at most; it says how
// many remain, and the caller asks again.
inline constexpr std::size_t kWithdrawPerRequest = 100;

struct SharingRecord {
  std::uint64_t paused_since_ms = 0;  // 0: sharing
  bool link_closed = false;           // the link ended for good after a leave
};

// This device's record for `ledger` (zeros when none was written).
Result<SharingRecord> LoadSharing(Store& store, const protocol::LedgerId& ledger);
Status SavePausedSince(Store& store, const protocol::LedgerId& ledger, std::uint64_t ms);
Status SaveLinkClosed(Store& store, const protocol::LedgerId& ledger);

// Where the ledger ended, when a leave took effect. Nullopt also while the
// engine is locked: its views are closed then, and sync goes on until they
// open and show the leave.
std::optional<protocol::fold::Departure> DepartureOf(Engine& engine);

// The `sharing` object (protocol/ipc_messages.h): this device's pause, the
// partner's, and once ended who left and when. REQUIRES: engine.initialized().
protocol::Sharing SharingOf(Engine& engine, const SharingRecord& mine, std::uint64_t partner_paused_since_ms);
// The sharing object now (sharing.status): this device's record, and the
// partner's pause as `sync` (may be null) last heard it.
Result<protocol::Sharing> CurrentSharing(Engine& engine, SyncService* sync);

// sharing.status, sharing.pause, sharing.resume, sharing.leave and
// sharing.withdraw_mine (docs/PROTOCOL.md, "Local IPC"). `sync` may be null.
// Fails with kFailedPrecondition when not paired (pause, resume, leave) or
// after the ledger ended (the fold's reason), kInvalidArgument for bad params.
Result<nlohmann::json> HandleSharing(protocol::Method method, const nlohmann::json& params, Engine& engine,
                                     SyncService* sync);

}  // namespace kintsugi::daemon
