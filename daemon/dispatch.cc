#include "daemon/dispatch.h"

#include <chrono>
#include <ctime>
#include <set>

#include <spdlog/spdlog.h>

#include "base/local_time.h"
#include "daemon/discovery.h"
#include "daemon/export.h"
#include "daemon/notifier.h"
#include "daemon/pairing_service.h"
#include "daemon/sharing.h"
#include "daemon/sync_service.h"
#include "kintsugi/version.h"
#include "protocol/address.h"
#include "protocol/hlc.h"
#include "protocol/invite.h"
#include "protocol/ipc.h"
#include "protocol/kinds.h"

namespace kintsugi::daemon {
namespace {

using nlohmann::json;
using protocol::Method;

constexpr std::int64_t kDefaultLogLimit = 50;
constexpr std::int64_t kMaxLogLimit = 1000;

std::string IsoTime(std::uint64_t hlc) { return protocol::FormatUtcMillis(protocol::HlcMillis(hlc)); }

json StatusJson(const EngineStatus& s, const DaemonInfo& info, const DaemonServices& services) {
  json j{{"initialized", s.initialized},
         {"version", kVersion},
         {"data_dir", info.data_dir},
         {"pid", info.pid},
         {"listen_port", services.listen_port}};
  if (s.initialized) {
    j["name"] = s.name;
    j["author"] = ToHex(s.author);
    j["ledger"] = ToHex(s.ledger_id);
    j["entries"] = s.entries;
    j["members"] = s.members;
    j["paired"] = s.paired;
    j["forks"] = s.forks;
    j["locked"] = s.locked;
    j["passphrase"] = s.passphrase;
    j["restore_hold"] = s.restore_hold;
    if (s.partner) j["partner"] = ToHex(*s.partner);
    if (!s.partner_name.empty()) j["partner_name"] = s.partner_name;
    if (services.transport_key) j["transport_key"] = services.transport_key();
    j["views"] = {{"folded", s.folded}, {"waiting", s.waiting}};
  }
  return j;
}

Error NoNetwork() {
  return MakeError(ErrorCode::kUnavailable, "networking is not available in this daemon");
}

// What a locked daemon still answers: the rest needs the keys.
bool AnswersWhileLocked(Method method) {
  switch (method) {
    case Method::kInit:
    case Method::kStatus:
    case Method::kPeers:
    case Method::kPeerAdd:
    case Method::kUnlock:
    case Method::kLock:
    case Method::kPassphraseSet:
    case Method::kPassphraseRemove:
    case Method::kBackup:
    case Method::kRestore:
    case Method::kSharingStatus:  // pausing is this device's setting: no keys needed
    case Method::kSharingPause:
    case Method::kSharingResume:
    case Method::kNotifyStatus:  // this device's settings: no keys needed, and never the ledger's words
    case Method::kNotifySet:
    case Method::kNotifyTest:
      return true;
    default:
      return false;
  }
}

// Takes the passphrase in `params[name]` into guarded memory and wipes the
// request's copy. Absent: nullopt when `required` is false.
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

json LogItemJson(const LogItem& item) {
  json j{{"rowid", item.rowid},
         {"id", ToHex(item.id)},
         {"author", ToHex(item.author)},
         {"seq", item.seq},
         {"hlc", item.hlc},
         {"time", IsoTime(item.hlc)},
         {"verified", item.verified}};
  if (!item.fault.empty()) j["fault"] = item.fault;
  if (item.body) {
    j["body"] = *item.body;
  } else if (item.verified) {
    j["withdrawn"] = true;
  }
  return j;
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

std::string CursorOf(const TimelineKey& key) { return std::to_string(key.first) + ":" + ToHex(key.second); }

std::optional<TimelineKey> ParseCursor(const std::string& text) {
  auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 20) return std::nullopt;
  std::uint64_t stamp = 0;
  for (std::size_t i = 0; i < colon; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    stamp = stamp * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  auto author = Hash32FromHex(text.substr(colon + 1));
  if (!author) return std::nullopt;
  return TimelineKey{stamp, *author};
}

}  // namespace

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
  auto fail = [&](const Error& e) {
    spdlog::info("ipc.error method={} code={}", req.method.name, ErrorCodeName(e.code));
    return protocol::EncodeIpcError(req.id, e);
  };
  if (req.method.needs_ledger && !engine_.initialized()) {
    return fail(MakeError(ErrorCode::kFailedPrecondition,
                          "no ledger yet: run 'kintsugictl init --name NAME'"));
  }
  if (engine_.initialized() && !engine_.unlocked() && !AnswersWhileLocked(req.method.method)) {
    return fail(MakeError(ErrorCode::kFailedPrecondition,
                          "locked: unlock with your passphrase ('kintsugictl unlock')"));
  }
  auto publish = [&](std::string_view topic) {
    if (services_.publish) services_.publish(topic, json::object());
  };
  try {
    switch (req.method.method) {
      case Method::kInit: {
        auto passphrase = TakePassphrase(req.params, "passphrase", false);
        if (!passphrase.ok()) return fail(passphrase.error());
        req.params.erase("passphrase");
        auto intro = protocol::MemberIntroFromJson(req.params);
        if (!intro.ok()) return fail(intro.error());
        auto status = engine_.Init(*intro, *passphrase ? &**passphrase : nullptr);
        if (!status.ok()) return fail(status.error());
        spdlog::info("ledger.created author={}", ToHex(status->author).substr(0, 16));
        return protocol::EncodeIpcResult(req.id, StatusJson(*status, info_, services_));
      }
      case Method::kStatus: {
        auto status = engine_.GetStatus();
        if (!status.ok()) return fail(status.error());
        json result = StatusJson(*status, info_, services_);
        if (status->initialized) {  // paused, or ended by a leave (daemon/sharing.h)
          auto sharing = HandleSharing(Method::kSharingStatus, json::object(), engine_, services_.sync);
          if (sharing.ok()) result["sharing"] = std::move(sharing).value();
        }
        return protocol::EncodeIpcResult(req.id, result);
      }
      case Method::kCheckIn: {
        auto checkin = protocol::CheckInFromJson(req.params);
        if (!checkin.ok()) return fail(checkin.error());
        auto appended = engine_.Append(*checkin);
        if (!appended.ok()) return fail(appended.error());
        return protocol::EncodeIpcResult(
            req.id, json{{"id", ToHex(appended->id)}, {"seq", appended->seq},
                         {"hlc", appended->hlc}, {"time", IsoTime(appended->hlc)}});
      }
      case Method::kLog: {
        auto limit = OptionalInt(req.params, "limit", 1, kMaxLogLimit);
        if (!limit.ok()) return fail(limit.error());
        auto before = OptionalInt(req.params, "before", 1, INT64_MAX);
        if (!before.ok()) return fail(before.error());
        auto items = engine_.Log(static_cast<std::size_t>(limit->value_or(kDefaultLogLimit)), *before);
        if (!items.ok()) return fail(items.error());
        json entries = json::array();
        for (const auto& item : *items) entries.push_back(LogItemJson(item));
        // A full page may have more before it; a short one is the last.
        const auto limit_used = static_cast<std::size_t>(limit->value_or(kDefaultLogLimit));
        json next = items->size() < limit_used || items->empty() ? json(nullptr) : json(items->back().rowid);
        return protocol::EncodeIpcResult(req.id, json{{"entries", entries}, {"next_before", next}});
      }
      case Method::kVerify: {
        auto report = engine_.Verify();
        if (!report.ok()) return fail(report.error());
        json faults = json::array();
        for (const auto& f : report->faults) {
          faults.push_back({{"rowid", f.rowid},
                            {"id", ToHex(f.id)},
                            {"author", ToHex(f.author)},
                            {"seq", f.seq},
                            {"reason", f.ReasonName()},
                            {"detail", f.detail}});
        }
        if (!report->ok()) {
          spdlog::warn("verify.faults count={}", report->faults.size());
          if (services_.publish) services_.publish(protocol::kEventVerifyFailed, json{{"faults", faults.size()}});
        }
        return protocol::EncodeIpcResult(req.id, json{{"ok", report->ok()},
                                                      {"entries_checked", report->entries_checked},
                                                      {"faults", faults},
                                                      {"ids_repaired", report->ids_repaired}});
      }
      case Method::kPairInvite: {
        if (services_.pairing == nullptr) return fail(NoNetwork());
        auto ttl = OptionalInt(req.params, "ttl_seconds", 1, 3600);
        if (!ttl.ok()) return fail(ttl.error());
        auto invite = services_.pairing->Invite(
            services_.listen_host, services_.pairing_port, services_.listen_port,
            static_cast<std::uint64_t>(ttl->value_or(protocol::kDefaultInviteSeconds)) * 1000);
        if (!invite.ok()) return fail(invite.error());
        if (services_.discovery != nullptr) services_.discovery->AnnounceSoon();
        return protocol::EncodeIpcResult(req.id, *invite);
      }
      case Method::kPairJoin: {
        if (services_.pairing == nullptr || !later) return fail(NoNetwork());
        auto code_text = req.params.find("code");
        if (code_text == req.params.end() || !code_text->is_string()) {
          return fail(MakeError(ErrorCode::kInvalidArgument, "code is required and must be text"));
        }
        auto code = protocol::ParseInviteCode(code_text->get<std::string>());
        if (!code.ok()) return fail(code.error());
        std::string address;
        if (auto it = req.params.find("address"); it != req.params.end() && !it->is_null()) {
          if (!it->is_string() || !ValidAddress(it->get<std::string>())) {
            return fail(MakeError(ErrorCode::kInvalidArgument, "address must be HOST:PORT"));
          }
          address = it->get<std::string>();
        }
        json id = req.id;
        Engine* engine = &engine_;
        services_.pairing->Join(*code, address, [later, id, engine](Result<json> result) {
          if (!result.ok()) {
            later(protocol::EncodeIpcError(id, result.error()));
            return;
          }
          auto kept = engine->PrivateEntries();
          (*result)["private_entries"] = kept.ok() ? *kept : 0;
          later(protocol::EncodeIpcResult(id, *result));
        });
        return std::nullopt;
      }
      case Method::kPairStatus: {
        if (services_.pairing == nullptr) return fail(NoNetwork());
        auto status = services_.pairing->StatusJson(engine_.NowMillis());
        if (!status.ok()) return fail(status.error());
        auto kept = engine_.PrivateEntries();
        (*status)["private_entries"] = kept.ok() ? *kept : 0;
        return protocol::EncodeIpcResult(req.id, *status);
      }
      case Method::kPairConfirm: {
        if (services_.pairing == nullptr) return fail(NoNetwork());
        Status confirmed = engine_.ConfirmSafetyNumber();
        if (!confirmed.ok()) return fail(confirmed.error());
        spdlog::info("pair.safety_number_confirmed");
        auto status = services_.pairing->StatusJson(engine_.NowMillis());
        if (!status.ok()) return fail(status.error());
        return protocol::EncodeIpcResult(req.id, *status);
      }
      case Method::kPairCarry: {
        auto carried = engine_.CarryPrivateEntries();
        if (!carried.ok()) return fail(carried.error());
        spdlog::info("pair.carried entries={}", *carried);
        return protocol::EncodeIpcResult(req.id, json{{"carried", *carried}});
      }
      case Method::kPeers: {
        if (services_.sync == nullptr) return fail(NoNetwork());
        json peers = services_.sync->PeersJson(engine_.NowMillis());
        peers["discovery"] = services_.discovery != nullptr ? services_.discovery->Json() : json{{"enabled", false}};
        return protocol::EncodeIpcResult(req.id, peers);
      }
      case Method::kAppend: {
        auto body = protocol::BodyFromParams(req.params);
        if (!body.ok()) return fail(body.error());
        auto appended = engine_.AppendKind(std::move(body).value());
        if (!appended.ok()) return fail(appended.error());
        return protocol::EncodeIpcResult(
            req.id, json{{"id", ToHex(appended->id)}, {"kind", appended->kind}, {"seq", appended->seq},
                         {"hlc", appended->hlc}, {"time", IsoTime(appended->hlc)}});
      }
      case Method::kAgreements: {
        json view = engine_.views().state().AgreementsView(engine_.views().Opener());
        if (auto state = req.params.find("state"); state != req.params.end() && !state->is_null()) {
          static const std::set<std::string> kStates{"proposed", "active", "declined", "retired"};
          if (!state->is_string() || !kStates.count(state->get<std::string>())) {
            return fail(MakeError(ErrorCode::kInvalidArgument,
                                  "state must be one of: proposed, active, declined, retired"));
          }
          json kept = json::array();
          for (auto& a : view["agreements"]) {
            if (a["state"] == *state) kept.push_back(a);
          }
          view["agreements"] = kept;
        }
        return protocol::EncodeIpcResult(req.id, view);
      }
      case Method::kPending: {
        return protocol::EncodeIpcResult(
            req.id, engine_.views().state().PendingView(ToHex(engine_.identity().public_key()),
                                                        base::LocalDay(engine_.NowMillis()), engine_.views().Opener()));
      }
      case Method::kTogether: {
        return protocol::EncodeIpcResult(
            req.id, engine_.views().state().TogetherView(engine_.NowMillis(), engine_.views().Opener()));
      }
      case Method::kTrends: {
        auto from = OptionalDay(req.params, "from");
        if (!from.ok()) return fail(from.error());
        auto to = OptionalDay(req.params, "to");
        if (!to.ok()) return fail(to.error());
        const std::int64_t today = base::LocalDay(engine_.NowMillis());
        const std::int64_t last = to->value_or(today);
        const std::int64_t first = from->value_or(last - 89);
        if (first > last) return fail(MakeError(ErrorCode::kInvalidArgument, "from must not be after to"));
        return protocol::EncodeIpcResult(req.id, engine_.views().state().TrendsView(first, last, today));
      }
      case Method::kTimeline: {
        TimelineQuery query;
        auto limit = OptionalInt(req.params, "limit", 1, kMaxLogLimit);
        if (!limit.ok()) return fail(limit.error());
        query.limit = static_cast<std::size_t>(limit->value_or(kDefaultLogLimit));
        if (auto before = req.params.find("before"); before != req.params.end() && !before->is_null()) {
          auto cursor = before->is_string() ? ParseCursor(before->get<std::string>()) : std::nullopt;
          if (!cursor) return fail(MakeError(ErrorCode::kInvalidArgument, "before must be a cursor from next_before"));
          query.before = cursor;
        }
        if (auto author = req.params.find("author"); author != req.params.end() && !author->is_null()) {
          const std::string who = author->is_string() ? author->get<std::string>() : "";
          if (who == "me") {
            query.author = engine_.identity().public_key();
          } else if (who == "partner") {
            if (!engine_.partner()) return protocol::EncodeIpcResult(req.id, json{{"entries", json::array()}, {"next_before", nullptr}});
            query.author = *engine_.partner();
          } else if (auto key = Hash32FromHex(who)) {
            query.author = *key;
          } else {
            return fail(MakeError(ErrorCode::kInvalidArgument, "author must be me, partner or an author key"));
          }
        }
        if (auto kind = req.params.find("kind"); kind != req.params.end() && !kind->is_null()) {
          const std::string name = kind->is_string() ? kind->get<std::string>() : "";
          if (!protocol::KindFromName(name) && name != "withdrawn" && name != "unreadable") {
            return fail(MakeError(ErrorCode::kInvalidArgument, "unknown kind: " + name));
          }
          query.kind = name;
        }
        auto from = OptionalDay(req.params, "from");
        if (!from.ok()) return fail(from.error());
        auto to = OptionalDay(req.params, "to");
        if (!to.ok()) return fail(to.error());
        // Local days: from this machine's midnight to the next.
        if (*from) query.from_ms = base::LocalMidnightMs(**from);
        if (*to) query.to_ms = base::LocalMidnightMs(**to + 1) - 1;
        auto page = engine_.Timeline(query);
        if (!page.ok()) return fail(page.error());
        const auto& state = engine_.views().state();
        json entries = json::array();
        for (const auto& e : *page) {
          json j = LogItemJson(e.item);
          j["kind"] = e.effect.kind;
          j["applied"] = e.effect.applied;
          if (!e.effect.applied) {
            j["reason_code"] = e.effect.reason_code;
            j["reason"] = e.effect.reason;
          }
          if (e.effect.ref) j["ref"] = ToHex(*e.effect.ref);
          if (auto name = state.members().find(ToHex(e.item.author)); name != state.members().end()) {
            j["name"] = name->second;
          }
          const std::string id = ToHex(e.item.id);
          if (auto c = state.corrections().find(id); c != state.corrections().end()) j["corrections"] = c->second;
          if (state.withdrawn(id) || e.effect.kind == "withdrawn") j["withdrawn"] = true;
          j["cursor"] = CursorOf(e.key);
          entries.push_back(std::move(j));
        }
        json next = page->size() < query.limit || page->empty() ? json(nullptr) : json(CursorOf(page->back().key));
        return protocol::EncodeIpcResult(req.id, json{{"entries", entries}, {"next_before", next}});
      }
      case Method::kNoteAdd: {
        auto text = req.params.find("text");
        if (text == req.params.end() || !text->is_string()) {
          return fail(MakeError(ErrorCode::kInvalidArgument, "text is required and must be text"));
        }
        auto id = engine_.AddNote(text->get<std::string>());
        if (!id.ok()) return fail(id.error());
        return protocol::EncodeIpcResult(req.id, json{{"id", *id}});
      }
      case Method::kNotes: {
        auto notes = engine_.Notes();
        if (!notes.ok()) return fail(notes.error());
        return protocol::EncodeIpcResult(req.id, json{{"notes", *notes}});
      }
      case Method::kNoteDelete: {
        auto id = OptionalInt(req.params, "id", 1, INT64_MAX);
        if (!id.ok()) return fail(id.error());
        if (!*id) return fail(MakeError(ErrorCode::kInvalidArgument, "id is required"));
        auto deleted = engine_.DeleteNote(**id);
        if (!deleted.ok()) return fail(deleted.error());
        if (!*deleted) return fail(MakeError(ErrorCode::kNotFound, "no note with this id"));
        return protocol::EncodeIpcResult(req.id, json{{"deleted", **id}});
      }
      case Method::kExport: {
        auto range = ParseExportRange(req.params, base::LocalDay(engine_.NowMillis()));
        if (!range.ok()) return fail(range.error());
        auto doc = BuildExport(engine_, *range);
        if (!doc.ok()) return fail(doc.error());
        return protocol::EncodeIpcResult(req.id, *doc);
      }
      case Method::kUnlock: {
        auto passphrase = TakePassphrase(req.params, "passphrase", true);
        if (!passphrase.ok()) return fail(passphrase.error());
        Status unlocked = engine_.Unlock(**passphrase);
        if (!unlocked.ok()) return fail(unlocked.error());
        publish(protocol::kEventUnlocked);
        return protocol::EncodeIpcResult(req.id, json{{"locked", false}});
      }
      case Method::kLock: {
        if (!engine_.unlocked() && engine_.initialized()) {
          return protocol::EncodeIpcResult(req.id, json{{"locked", true}});  // already: nothing to do
        }
        Status locked = engine_.Lock();
        if (!locked.ok()) return fail(locked.error());
        publish(protocol::kEventLocked);
        return protocol::EncodeIpcResult(req.id, json{{"locked", true}});
      }
      case Method::kPassphraseSet: {
        auto current = TakePassphrase(req.params, "current", false);
        if (!current.ok()) return fail(current.error());
        auto next = TakePassphrase(req.params, "passphrase", true);
        if (!next.ok()) return fail(next.error());
        Status set = engine_.SetPassphrase(*current ? &**current : nullptr, **next);
        if (!set.ok()) return fail(set.error());
        return protocol::EncodeIpcResult(req.id, json{{"passphrase", true}});
      }
      case Method::kPassphraseRemove: {
        auto current = TakePassphrase(req.params, "current", true);
        if (!current.ok()) return fail(current.error());
        Status removed = engine_.RemovePassphrase(**current);
        if (!removed.ok()) return fail(removed.error());
        return protocol::EncodeIpcResult(req.id, json{{"passphrase", false}});
      }
      case Method::kBackup:
      case Method::kRestore: {
        auto path = req.params.find("path");
        if (path == req.params.end() || !path->is_string() || path->get_ref<const std::string&>().empty() ||
            path->get_ref<const std::string&>().front() != '/') {
          return fail(MakeError(ErrorCode::kInvalidArgument, "path is required and must be absolute"));
        }
        auto force = req.params.value("force", json(false));
        if (!force.is_boolean()) return fail(MakeError(ErrorCode::kInvalidArgument, "force must be true or false"));
        auto passphrase = TakePassphrase(req.params, "passphrase", true);
        if (!passphrase.ok()) return fail(passphrase.error());
        if (req.method.method == Method::kBackup) {
          auto report = engine_.Backup(path->get<std::string>(), **passphrase, force.get<bool>());
          if (!report.ok()) return fail(report.error());
          return protocol::EncodeIpcResult(
              req.id, json{{"path", report->path}, {"bytes", report->bytes}, {"entries", report->entries}});
        }
        const std::optional<crypto::PublicKey> before =
            engine_.initialized() ? std::optional<crypto::PublicKey>(engine_.self()) : std::nullopt;
        auto status = engine_.Restore(path->get<std::string>(), **passphrase, force.get<bool>());
        // The link follows the files: also when the switch happened but the
        // restored ledger then failed to open.
        const std::optional<crypto::PublicKey> after =
            engine_.initialized() ? std::optional<crypto::PublicKey>(engine_.self()) : std::nullopt;
        if ((status.ok() || after != before) && services_.restored) services_.restored();
        if (!status.ok()) return fail(status.error());
        return protocol::EncodeIpcResult(req.id, StatusJson(*status, info_, services_));
      }
      case Method::kPeerAdd: {
        if (services_.sync == nullptr) return fail(NoNetwork());
        if (!engine_.paired()) {
          return fail(MakeError(ErrorCode::kFailedPrecondition, "not paired yet: run 'kintsugictl pair invite' or 'pair join'"));
        }
        auto address = req.params.find("address");
        if (address == req.params.end() || !address->is_string() || !ValidAddress(address->get<std::string>())) {
          return fail(MakeError(ErrorCode::kInvalidArgument, "address must be HOST:PORT"));
        }
        services_.sync->SetPartnerAddress(address->get<std::string>());
        return protocol::EncodeIpcResult(req.id, services_.sync->PeersJson(engine_.NowMillis()));
      }
      // Pausing sharing and leaving (daemon/sharing.h).
      case Method::kSharingStatus:
      case Method::kSharingPause:
      case Method::kSharingResume:
      case Method::kSharingLeave:
      case Method::kSharingWithdrawMine: {
        auto result = HandleSharing(req.method.method, req.params, engine_, services_.sync);
        if (!result.ok()) return fail(result.error());
        return protocol::EncodeIpcResult(req.id, *result);
      }
      // Desktop notifications and reminders (daemon/notifier.h).
      case Method::kNotifyStatus:
      case Method::kNotifySet:
      case Method::kNotifyTest: {
        if (services_.notifier == nullptr) {
          return fail(MakeError(ErrorCode::kUnavailable, "notifications are not available in this daemon"));
        }
        Notifier& notifier = *services_.notifier;
        const std::uint64_t now = engine_.NowMillis();
        if (req.method.method == Method::kNotifyStatus) {
          return protocol::EncodeIpcResult(req.id, notifier.StatusJson(now));
        }
        if (req.method.method == Method::kNotifyTest) return protocol::EncodeIpcResult(req.id, notifier.Test(now));
        auto changed = notifier.Change(req.params, now);
        if (!changed.ok()) return fail(changed.error());
        return protocol::EncodeIpcResult(req.id, *changed);
      }
    }
  } catch (const std::exception& e) {
    spdlog::error("ipc.internal method={} what=\"{}\"", req.method.name, e.what());
    return fail(MakeError(ErrorCode::kInternal, "internal error while handling the request"));
  }
  return fail(MakeError(ErrorCode::kInternal, "unhandled method"));
}

}  // namespace kintsugi::daemon
