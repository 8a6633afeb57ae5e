// The Dispatcher's method table (daemon/ipc/dispatch.h), shared by the files that
// answer each feature's methods: dispatch_vault.cc (the ledger's creation,
// its lock, backup and restore), dispatch_pairing.cc (pairing and the
// partner's address), dispatch_ledger.cc (entries, verify, export, notes),
// dispatch_views.cc (the views) and dispatch_settings.cc (sharing and
// notifications). Each method is one row: what it needs and its handler.
// Adding a method: its name in protocol/ipc.h's kMethods, then one row and
// one handler here (a test fails for a method without a row).
//
// Thread-safety: the daemon loop's thread, like the Dispatcher.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "crypto/pwhash.h"
#include "daemon/ipc/dispatch.h"
#include "daemon/engine.h"
#include "protocol/ipc.h"
#include "protocol/ipc_messages.h"

namespace kintsugi::daemon::dispatch {

// One request as a handler sees it.
struct Call {
  Engine& engine;
  const DaemonInfo& info;
  const DaemonServices& services;
  protocol::Method method;  // for handlers that answer several
  nlohmann::json& params;   // an object; a handler may take secrets out of it
  const nlohmann::json& id;
  const Dispatcher::Later& later;  // set when the reply may come later (HandleAsync's)
  // Set by a handler that took the request to answer through `later`.
  bool deferred = false;
};

// The result of a request, or the Error its reply carries. A handler that
// answers later sets `deferred` and returns an empty object once it has
// taken the request.
using Handler = Result<nlohmann::json> (*)(Call&);

// The network service a method needs; without it the daemon answers
// `unavailable` (unit tests and fuzzing run with none).
enum class Needs : std::uint8_t { kNothing, kPairing, kSync, kNotifier };

struct MethodRow {
  protocol::Method method;
  bool answers_while_locked;  // needs no keys: this device's settings, or the way in
  Needs needs;
  Handler handle;
  bool answers_later = false;  // only through Dispatcher::Later: refused without one
};

// Each feature's rows.
std::span<const MethodRow> VaultMethods();
std::span<const MethodRow> PairingMethods();
std::span<const MethodRow> LedgerMethods();
std::span<const MethodRow> ViewMethods();
std::span<const MethodRow> SettingsMethods();

// The row of `method`: every protocol::Method has one (a test holds the
// table to that); null only for a method missing from it.
const MethodRow* FindRow(protocol::Method method);

// The reply to request `id` of `method`: its result, or its error (logged
// as ipc.error).
std::string Reply(std::string_view method, const nlohmann::json& id, const Result<nlohmann::json>& result);
// Runs a request's handler, or the end of one answered later, and makes its
// reply: as Reply(), or an internal error (logged as ipc.internal) for what
// it threw. Nothing is thrown out of the loop.
std::string Answer(std::string_view method, const nlohmann::json& id,
                   const std::function<Result<nlohmann::json>()>& run);

// Helpers for the handlers.
std::string IsoTime(std::uint64_t hlc);
// The `status` reply (protocol::DaemonStatus) for `s`, with the sharing object.
nlohmann::json StatusJson(Call& call, const EngineStatus& s);
// A stored entry as log and view.timeline show it.
protocol::LogEntry LogEntryOf(const LogItem& item);
bool ValidAddress(const std::string& address);
Error InvalidArgument(std::string message);
// An event to the clients (and the notifier), when the daemon has them.
void Publish(const Call& call, std::string_view topic, nlohmann::json data = nlohmann::json::object());
// Takes the passphrase in `params[name]` into guarded memory and wipes the
// request's copy. Absent: nullopt when `required` is false.
Result<std::optional<crypto::Passphrase>> TakePassphrase(nlohmann::json& params, const char* name, bool required);
// params[field] as a whole number in [min, max]; nullopt when absent or null.
Result<std::optional<std::int64_t>> OptionalInt(const nlohmann::json& params, const char* field, std::int64_t min,
                                                std::int64_t max);
// params[field] as a local day from "YYYY-MM-DD"; nullopt when absent or null.
Result<std::optional<std::int64_t>> OptionalDay(const nlohmann::json& params, const char* field);

inline constexpr std::int64_t kDefaultLogLimit = 50;
inline constexpr std::int64_t kMaxLogLimit = 1000;

}  // namespace kintsugi::daemon::dispatch
