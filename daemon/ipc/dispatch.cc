// Dispatcher: parses a request, applies what every method shares (a ledger
// must exist, keys must be unlocked, a network service must be there), then
// calls the method's row (daemon/ipc/dispatch_internal.h).
#include "daemon/ipc/dispatch.h"

#include <array>
#include <cstddef>

#include <spdlog/spdlog.h>

#include "daemon/background.h"
#include "daemon/ipc/dispatch_internal.h"
#include "daemon/link/sharing.h"
#include "kintsugi/version.h"
#include "protocol/address.h"
#include "protocol/hlc.h"
#include "protocol/kinds.h"

namespace kintsugi::daemon {
namespace dispatch {

using nlohmann::json;
using protocol::Method;

namespace {

// Every feature's rows, indexed by method.
class Table {
 public:
  Table() {
    for (auto feature : {VaultMethods(), PairingMethods(), LedgerMethods(), ViewMethods(), SettingsMethods()}) {
      for (const MethodRow& row : feature) {
        if (Index(row.method) < rows_.size()) rows_[Index(row.method)] = &row;
      }
    }
  }
  const MethodRow* Find(Method method) const {
    const std::size_t i = Index(method);
    return i < rows_.size() ? rows_[i] : nullptr;
  }

 private:
  static std::size_t Index(Method method) { return static_cast<std::size_t>(method); }
  std::array<const MethodRow*, std::size(protocol::kMethods)> rows_{};
};

const Table& TheTable() {
  static const Table table;
  return table;
}

Error Unavailable(Needs needs) {
  return MakeError(ErrorCode::kUnavailable, needs == Needs::kNotifier
                                                ? "notifications are not available in this daemon"
                                                : "networking is not available in this daemon");
}

bool Missing(Needs needs, const DaemonServices& services) {
  switch (needs) {
    case Needs::kNothing:
      return false;
    case Needs::kPairing:
      return services.pairing == nullptr;
    case Needs::kSync:
      return services.sync == nullptr;
    case Needs::kNotifier:
      return services.notifier == nullptr;
  }
  return true;
}

}  // namespace

const MethodRow* FindRow(Method method) { return TheTable().Find(method); }

std::string IsoTime(std::uint64_t hlc) { return protocol::FormatUtcMillis(protocol::HlcMillis(hlc)); }

json StatusJson(Call& call, const EngineStatus& s) {
  protocol::DaemonStatus status;
  status.initialized = s.initialized;
  status.version = kVersion;
  status.data_dir = call.info.data_dir;
  status.pid = call.info.pid;
  status.listen_port = call.services.listen_port;
  if (s.initialized) {
    status.name = s.name;
    status.author = ToHex(s.author);
    status.ledger = ToHex(s.ledger_id);
    status.entries = s.entries;
    status.members = s.members;
    status.paired = s.paired;
    status.forks = s.forks;
    status.locked = s.locked;
    status.passphrase = s.passphrase;
    status.restore_hold = s.restore_hold;
    if (s.partner) status.partner = ToHex(*s.partner);
    status.partner_name = s.partner_name;
    if (call.services.transport_key) status.transport_key = call.services.transport_key();
    status.views = {s.folded, s.waiting};
    // Paused, or ended by a leave (daemon/link/sharing.h).
    if (auto sharing = CurrentSharing(call.engine, call.services.sync); sharing.ok()) status.sharing = *sharing;
  }
  return status;
}

Result<std::optional<crypto::Passphrase>> TakePassphrase(json& params, const char* name, bool required) {
  auto it = params.find(name);
  if (it == params.end() || it->is_null()) {
    if (!required) return std::optional<crypto::Passphrase>();
    return MakeError(ErrorCode::kInvalidArgument, std::string(name) + " is required");
  }
  if (!it->is_string()) return MakeError(ErrorCode::kInvalidArgument, std::string(name) + " must be text");
  auto pass = crypto::Passphrase::Take(it->get_ref<std::string&>());
  if (!pass.ok()) return pass.take_error();
  return std::optional<crypto::Passphrase>(std::move(pass).value());
}

bool ValidAddress(const std::string& address) { return protocol::ParseHostPort(address).has_value(); }

protocol::LogEntry LogEntryOf(const LogItem& item) {
  protocol::LogEntry entry;
  entry.rowid = item.rowid;
  entry.id = ToHex(item.id);
  entry.author = ToHex(item.author);
  entry.seq = item.seq;
  entry.hlc = item.hlc;
  entry.time = IsoTime(item.hlc);
  entry.verified = item.verified;
  entry.fault = item.fault;
  if (item.body) entry.body = *item.body;
  entry.withdrawn = !item.body && item.verified;
  return entry;
}

Result<std::optional<std::int64_t>> OptionalInt(const json& params, const char* field,
                                                std::int64_t min, std::int64_t max) {
  auto it = params.find(field);
  if (it == params.end() || it->is_null()) return std::optional<std::int64_t>();
  if (!it->is_number_integer() || it->get<std::int64_t>() < min || it->get<std::int64_t>() > max) {
    return MakeError(ErrorCode::kInvalidArgument, std::string(field) + " must be a whole number from " +
                                                      std::to_string(min) + " to " +
                                                      std::to_string(max));
  }
  return std::optional<std::int64_t>(it->get<std::int64_t>());
}

Result<std::optional<std::int64_t>> OptionalDay(const json& params, const char* field) {
  auto it = params.find(field);
  if (it == params.end() || it->is_null()) return std::optional<std::int64_t>();
  auto day = it->is_string() ? protocol::DayFromDate(it->get<std::string>()) : std::nullopt;
  if (!day) return MakeError(ErrorCode::kInvalidArgument, std::string(field) + " must be a date YYYY-MM-DD");
  return std::optional<std::int64_t>(*day);
}

Error InvalidArgument(std::string message) { return MakeError(ErrorCode::kInvalidArgument, std::move(message)); }

std::string Reply(std::string_view method, const json& id, const Result<json>& result) {
  if (result.ok()) return protocol::EncodeIpcResult(id, *result);
  spdlog::info("ipc.error method={} code={}", method, ErrorCodeName(result.error().code));
  return protocol::EncodeIpcError(id, result.error());
}

std::string Answer(std::string_view method, const json& id, const std::function<Result<json>()>& run) {
  try {
    return Reply(method, id, run());
  } catch (const std::exception& e) {
    spdlog::error("ipc.internal method={} what=\"{}\"", method, e.what());
    return Reply(method, id, MakeError(ErrorCode::kInternal, "internal error while handling the request"));
  }
}

void Publish(const Call& call, std::string_view topic, json data) {
  if (call.services.publish) call.services.publish(topic, std::move(data));
}

}  // namespace dispatch

std::string Dispatcher::Handle(ByteView frame) {
  auto reply = HandleAsync(frame, nullptr);
  return reply ? std::move(*reply)
               : protocol::EncodeIpcError(nullptr, MakeError(ErrorCode::kInternal, "deferred reply lost"));
}

std::optional<std::string> Dispatcher::HandleAsync(ByteView frame, Later later) {
  auto request = protocol::ParseIpcRequest(frame);
  if (!request.ok()) {
    const auto& failure = request.error();
    spdlog::warn("ipc.refused code={} reason=\"{}\"", ErrorCodeName(failure.error.code),
                 failure.error.message);
    return protocol::EncodeIpcError(failure.id, failure.error);
  }
  protocol::IpcRequest& req = *request;
  auto fail = [&](const Error& e) { return dispatch::Reply(req.method.name, req.id, e); };
  const dispatch::MethodRow* found = dispatch::FindRow(req.method.method);
  if (found == nullptr) return fail(MakeError(ErrorCode::kInternal, "unhandled method"));
  const dispatch::MethodRow& row = *found;
  if (req.method.needs_ledger && !engine_.initialized()) {
    return fail(MakeError(ErrorCode::kFailedPrecondition,
                          "no ledger yet: run 'kintsugictl init --name NAME'"));
  }
  if (engine_.initialized() && !engine_.unlocked() && !row.answers_while_locked) {
    return fail(MakeError(ErrorCode::kFailedPrecondition,
                          "locked: unlock with your passphrase ('kintsugictl unlock')"));
  }
  if (dispatch::Missing(row.needs, services_) || (row.answers_later && !later)) {
    return fail(dispatch::Unavailable(row.needs));
  }
  // One key's derivation at a time (dispatch_vault.cc), and no lock while
  // one runs: what it began with stays as it was.
  const Background* background = services_.background;
  if (background != nullptr && background->busy() &&
      (req.method.derives_key || req.method.method == protocol::Method::kLock)) {
    return fail(MakeError(ErrorCode::kUnavailable, background->what() + " is under way: try again once it ends"));
  }
  dispatch::Call call{engine_, info_, services_, req.method.method, req.params, req.id, later};
  bool taken = false;  // to answer through `later`
  std::string reply = dispatch::Answer(req.method.name, req.id, [&] {
    Result<nlohmann::json> result = row.handle(call);
    taken = result.ok() && call.deferred;
    return result;
  });
  if (taken) return std::nullopt;
  return reply;
}

}  // namespace kintsugi::daemon
