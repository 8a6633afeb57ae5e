// This device's settings: pausing sharing and leaving (daemon/link/sharing.h), and
// desktop notifications and reminders (daemon/desktop/notifier.h).
#include "daemon/ipc/dispatch_internal.h"
#include "daemon/desktop/notifier.h"
#include "daemon/link/sharing.h"

namespace kintsugi::daemon::dispatch {
namespace {

using nlohmann::json;
using protocol::Method;

Result<json> Sharing(Call& call) { return HandleSharing(call.method, call.params, call.engine, call.services.sync); }

Result<json> NotifyStatus(Call& call) { return json(call.services.notifier->StatusNow(call.engine.NowMillis())); }

Result<json> NotifySet(Call& call) {
  auto status = call.services.notifier->Change(call.params, call.engine.NowMillis());
  if (!status.ok()) return status.take_error();
  return json(*status);
}

Result<json> NotifyTest(Call& call) { return json(call.services.notifier->Test(call.engine.NowMillis())); }

// A pause is this device's setting, and notifications never show the
// ledger's words: these need no keys. Leaving and withdrawing write entries.
constexpr MethodRow kRows[] = {
    {Method::kSharingStatus, true, Needs::kNothing, Sharing},
    {Method::kSharingPause, true, Needs::kNothing, Sharing},
    {Method::kSharingResume, true, Needs::kNothing, Sharing},
    {Method::kSharingLeave, false, Needs::kNothing, Sharing},
    {Method::kSharingWithdrawMine, false, Needs::kNothing, Sharing},
    {Method::kNotifyStatus, true, Needs::kNotifier, NotifyStatus},
    {Method::kNotifySet, true, Needs::kNotifier, NotifySet},
    {Method::kNotifyTest, true, Needs::kNotifier, NotifyTest},
};

}  // namespace

std::span<const MethodRow> SettingsMethods() { return kRows; }

}  // namespace kintsugi::daemon::dispatch
