// The ledger's creation and status, its lock and passphrase, backup and
// restore (docs/PROTOCOL.md, "Local IPC"; docs/THREAT_MODEL.md for the vault).
#include <spdlog/spdlog.h>

#include "daemon/background.h"
#include "daemon/dispatch_internal.h"
#include "protocol/kinds.h"

namespace kintsugi::daemon::dispatch {
namespace {

using nlohmann::json;
using protocol::Method;

Result<json> Init(Call& call) {
  auto passphrase = TakePassphrase(call.params, "passphrase", false);
  if (!passphrase.ok()) return passphrase.take_error();
  call.params.erase("passphrase");
  auto intro = protocol::MemberIntroFromJson(call.params);
  if (!intro.ok()) return intro.take_error();
  auto status = call.engine.Init(*intro, *passphrase ? &**passphrase : nullptr);
  if (!status.ok()) return status.take_error();
  spdlog::info("ledger.created author={}", ToHex(status->author).substr(0, 16));
  return StatusJson(call, *status);
}

Result<json> Status(Call& call) {
  auto status = call.engine.GetStatus();
  if (!status.ok()) return status.take_error();
  return StatusJson(call, *status);
}

// Whether an unlock's key is being derived off the loop now.
bool Unlocking(const Call& call) { return call.services.background != nullptr && call.services.background->busy(); }

// The daemon derives the key off its loop (Background) and answers through
// `later`, serving everyone else meanwhile; without a Background (unit tests,
// fuzzing) or a `later`, at once.
Result<json> Unlock(Call& call) {
  auto passphrase = TakePassphrase(call.params, "passphrase", true);
  if (!passphrase.ok()) return passphrase.take_error();
  if (call.services.background == nullptr || !call.later) {
    KINTSUGI_RETURN_IF_ERROR(call.engine.Unlock(**passphrase));
    Publish(call, protocol::kEventUnlocked);
    return json{{"locked", false}};
  }
  if (Unlocking(call)) return MakeError(ErrorCode::kUnavailable, "an unlock is under way: wait for it to end");
  auto attempt = call.engine.BeginUnlock();
  if (!attempt.ok()) return attempt.take_error();
  struct Derivation {
    Engine::UnlockAttempt attempt;
    std::optional<crypto::Passphrase> passphrase;
    std::optional<Result<VaultKey>> key;
  };
  auto derivation = std::make_shared<Derivation>(Derivation{std::move(*attempt), std::move(**passphrase), {}});
  call.services.background->Run(
      // Off the loop: the derivation alone, on what it was given. The
      // passphrase's guarded memory is wiped as soon as the key is made.
      [derivation] {
        derivation->key = Engine::DeriveUnlockKey(derivation->attempt, *derivation->passphrase);
        derivation->passphrase.reset();
      },
      // Back on the loop, which nothing may throw out of (as HandleAsync).
      [derivation, &engine = call.engine, &services = call.services, later = call.later, id = call.id] {
        try {
          auto done = engine.FinishUnlock(derivation->attempt, std::move(*derivation->key));
          if (!done.ok()) {
            later(protocol::EncodeIpcError(id, done.error()));
            return;
          }
          if (services.publish) services.publish(protocol::kEventUnlocked, json::object());
          later(protocol::EncodeIpcResult(id, json{{"locked", false}}));
        } catch (const std::exception& e) {
          spdlog::error("ipc.internal method=unlock what=\"{}\"", e.what());
          later(protocol::EncodeIpcError(id, MakeError(ErrorCode::kInternal, "internal error while unlocking")));
        }
      });
  call.deferred = true;
  return json::object();
}

Result<json> Lock(Call& call) {
  if (Unlocking(call)) return MakeError(ErrorCode::kUnavailable, "an unlock is under way: lock once it ends");
  if (!call.engine.unlocked() && call.engine.initialized()) return json{{"locked", true}};  // already
  KINTSUGI_RETURN_IF_ERROR(call.engine.Lock());
  Publish(call, protocol::kEventLocked);
  return json{{"locked", true}};
}

Result<json> PassphraseSet(Call& call) {
  auto current = TakePassphrase(call.params, "current", false);
  if (!current.ok()) return current.take_error();
  auto next = TakePassphrase(call.params, "passphrase", true);
  if (!next.ok()) return next.take_error();
  KINTSUGI_RETURN_IF_ERROR(call.engine.SetPassphrase(*current ? &**current : nullptr, **next));
  return json{{"passphrase", true}};
}

Result<json> PassphraseRemove(Call& call) {
  auto current = TakePassphrase(call.params, "current", true);
  if (!current.ok()) return current.take_error();
  KINTSUGI_RETURN_IF_ERROR(call.engine.RemovePassphrase(**current));
  return json{{"passphrase", false}};
}

// What backup and restore both take: an absolute path, `force`, the passphrase.
struct FileRequest {
  std::string path;
  bool force = false;
  crypto::Passphrase passphrase;
};

Result<FileRequest> ParseFileRequest(Call& call) {
  auto path = call.params.find("path");
  if (path == call.params.end() || !path->is_string() || path->get_ref<const std::string&>().empty() ||
      path->get_ref<const std::string&>().front() != '/') {
    return InvalidArgument("path is required and must be absolute");
  }
  auto force = call.params.value("force", json(false));
  if (!force.is_boolean()) return InvalidArgument("force must be true or false");
  auto passphrase = TakePassphrase(call.params, "passphrase", true);
  if (!passphrase.ok()) return passphrase.take_error();
  return FileRequest{path->get<std::string>(), force.get<bool>(), std::move(**passphrase)};
}

Result<json> Backup(Call& call) {
  auto request = ParseFileRequest(call);
  if (!request.ok()) return request.take_error();
  auto report = call.engine.Backup(request->path, request->passphrase, request->force);
  if (!report.ok()) return report.take_error();
  return json{{"path", report->path}, {"bytes", report->bytes}, {"entries", report->entries}};
}

Result<json> Restore(Call& call) {
  auto request = ParseFileRequest(call);
  if (!request.ok()) return request.take_error();
  Engine& engine = call.engine;
  const std::optional<crypto::PublicKey> before =
      engine.initialized() ? std::optional<crypto::PublicKey>(engine.self()) : std::nullopt;
  auto status = engine.Restore(request->path, request->passphrase, request->force);
  // The link follows the files: also when the switch happened but the
  // restored ledger then failed to open.
  const std::optional<crypto::PublicKey> after =
      engine.initialized() ? std::optional<crypto::PublicKey>(engine.self()) : std::nullopt;
  if ((status.ok() || after != before) && call.services.restored) call.services.restored();
  if (!status.ok()) return status.take_error();
  return StatusJson(call, *status);
}

// The way in (init, status, unlock) and what changes the vault's lock or
// files answer while locked: they need no ledger key.
constexpr MethodRow kRows[] = {
    {Method::kInit, true, Needs::kNothing, Init},
    {Method::kStatus, true, Needs::kNothing, Status},
    {Method::kUnlock, true, Needs::kNothing, Unlock},
    {Method::kLock, true, Needs::kNothing, Lock},
    {Method::kPassphraseSet, true, Needs::kNothing, PassphraseSet},
    {Method::kPassphraseRemove, true, Needs::kNothing, PassphraseRemove},
    {Method::kBackup, true, Needs::kNothing, Backup},
    {Method::kRestore, true, Needs::kNothing, Restore},
};

}  // namespace

std::span<const MethodRow> VaultMethods() { return kRows; }

}  // namespace kintsugi::daemon::dispatch
