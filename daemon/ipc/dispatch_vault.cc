// The ledger's creation and status, its lock and passphrase, backup and
// restore (docs/PROTOCOL.md, "Local IPC"; docs/THREAT_MODEL.md for the vault).
#include <memory>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "daemon/background.h"
#include "daemon/ipc/dispatch_internal.h"
#include "protocol/ipc_messages.h"
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

// A request that takes a passphrase, from its handler to its answer: the
// passphrases (guarded memory, wiped as soon as the keys are derived), the
// engine's work, and what answers once the keys are derived (on the loop).
struct Derivation {
  std::optional<crypto::Passphrase> passphrase;
  std::optional<crypto::Passphrase> current;
  std::optional<Engine::KeyWork> work;
  Result<json> (*finish)(Call& call, Engine::KeyWork& work) = nullptr;
};

// Derives `d`'s keys (Argon2id: half a second, several under load) in the
// daemon's Background and answers through `later`, serving everyone else
// meanwhile (the Dispatcher refuses a second derivation, and a lock, while
// one runs); without a Background (unit tests, fuzzing) or a `later`, at once.
Result<json> DeriveThenFinish(Call& call, std::string what, std::shared_ptr<Derivation> d) {
  auto derive = [d] {
    d->work->Derive();
    d->passphrase.reset();
    d->current.reset();
  };
  if (call.services.background == nullptr || !call.later) {
    derive();
    return d->finish(call, *d->work);
  }
  call.services.background->Run(
      std::move(what), std::move(derive),
      // Back on the loop, which nothing may throw out of (as HandleAsync).
      [d, &engine = call.engine, &info = call.info, &services = call.services, method = call.method, id = call.id,
       later = call.later] {
        json params = json::object();
        Call again{engine, info, services, method, params, id, later};
        later(Answer(protocol::MethodName(method), id, [&] { return d->finish(again, *d->work); }));
      });
  call.deferred = true;
  return json::object();
}

// Begins `d`'s work with what Engine's Begin…() returned, then derives.
Result<json> Begun(Call& call, std::string what, std::shared_ptr<Derivation> d, Result<Engine::KeyWork> work) {
  if (!work.ok()) return work.take_error();
  d->work = std::move(work).value();
  return DeriveThenFinish(call, std::move(what), std::move(d));
}

// The passphrase in params[name] into d->passphrase (or d->current).
kintsugi::Status Take(Call& call, const char* name, bool required, std::optional<crypto::Passphrase>& into) {
  auto passphrase = TakePassphrase(call.params, name, required);
  if (!passphrase.ok()) return passphrase.take_error();
  into = std::move(*passphrase);
  return OkStatus();
}

Result<json> Unlock(Call& call) {
  auto d = std::make_shared<Derivation>();
  KINTSUGI_RETURN_IF_ERROR(Take(call, "passphrase", true, d->passphrase));
  d->finish = [](Call& call, Engine::KeyWork& work) -> Result<json> {
    KINTSUGI_RETURN_IF_ERROR(call.engine.FinishUnlock(work));
    Publish(call, protocol::kEventUnlocked);
    return json(protocol::LockedReply{false});
  };
  return Begun(call, "an unlock", d, call.engine.BeginUnlock(*d->passphrase));
}

Result<json> Lock(Call& call) {
  if (!call.engine.unlocked() && call.engine.initialized()) return json(protocol::LockedReply{true});  // already
  KINTSUGI_RETURN_IF_ERROR(call.engine.Lock());
  Publish(call, protocol::kEventLocked);
  return json(protocol::LockedReply{true});
}

Result<json> PassphraseSet(Call& call) {
  auto d = std::make_shared<Derivation>();
  KINTSUGI_RETURN_IF_ERROR(Take(call, "current", false, d->current));
  KINTSUGI_RETURN_IF_ERROR(Take(call, "passphrase", true, d->passphrase));
  d->finish = [](Call& call, Engine::KeyWork& work) -> Result<json> {
    KINTSUGI_RETURN_IF_ERROR(call.engine.FinishSetPassphrase(work));
    return json(protocol::PassphraseReply{true});
  };
  return Begun(call, "a change of passphrase", d,
               call.engine.BeginSetPassphrase(d->current ? &*d->current : nullptr, *d->passphrase));
}

Result<json> PassphraseRemove(Call& call) {
  auto d = std::make_shared<Derivation>();
  KINTSUGI_RETURN_IF_ERROR(Take(call, "current", true, d->current));
  d->finish = [](Call& call, Engine::KeyWork& work) -> Result<json> {
    KINTSUGI_RETURN_IF_ERROR(call.engine.FinishRemovePassphrase(work));
    return json(protocol::PassphraseReply{false});
  };
  return Begun(call, "a removal of the passphrase", d, call.engine.BeginRemovePassphrase(*d->current));
}

// What backup and restore both take: an absolute path, `force`, the
// passphrase (into d->passphrase).
struct FileRequest {
  std::string path;
  bool force = false;
};

Result<FileRequest> ParseFileRequest(Call& call, Derivation& d) {
  auto path = call.params.find("path");
  if (path == call.params.end() || !path->is_string() || path->get_ref<const std::string&>().empty() ||
      path->get_ref<const std::string&>().front() != '/') {
    return InvalidArgument("path is required and must be absolute");
  }
  auto force = call.params.value("force", json(false));
  if (!force.is_boolean()) return InvalidArgument("force must be true or false");
  KINTSUGI_RETURN_IF_ERROR(Take(call, "passphrase", true, d.passphrase));
  return FileRequest{path->get<std::string>(), force.get<bool>()};
}

Result<json> Backup(Call& call) {
  auto d = std::make_shared<Derivation>();
  auto request = ParseFileRequest(call, *d);
  if (!request.ok()) return request.take_error();
  d->finish = [](Call& call, Engine::KeyWork& work) -> Result<json> {
    auto report = call.engine.FinishBackup(work);
    if (!report.ok()) return report.take_error();
    return json(protocol::BackupReply{report->path, report->bytes, report->entries});
  };
  return Begun(call, "a backup", d, call.engine.BeginBackup(request->path, *d->passphrase, request->force));
}

Result<json> Restore(Call& call) {
  auto d = std::make_shared<Derivation>();
  auto request = ParseFileRequest(call, *d);
  if (!request.ok()) return request.take_error();
  d->finish = [](Call& call, Engine::KeyWork& work) -> Result<json> {
    Engine& engine = call.engine;
    const std::optional<crypto::PublicKey> before =
        engine.initialized() ? std::optional<crypto::PublicKey>(engine.self()) : std::nullopt;
    auto status = engine.FinishRestore(work);
    // The link follows the files: also when the switch happened but the
    // restored ledger then failed to open.
    const std::optional<crypto::PublicKey> after =
        engine.initialized() ? std::optional<crypto::PublicKey>(engine.self()) : std::nullopt;
    if ((status.ok() || after != before) && call.services.restored) call.services.restored();
    if (!status.ok()) return status.take_error();
    return StatusJson(call, *status);
  };
  return Begun(call, "a restore", d, call.engine.BeginRestore(request->path, *d->passphrase, request->force));
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
