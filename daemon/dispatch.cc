#include "daemon/dispatch.h"

#include <chrono>
#include <ctime>

#include <spdlog/spdlog.h>

#include "daemon/discovery.h"
#include "daemon/pairing_service.h"
#include "daemon/sync_service.h"
#include "kintsugi/version.h"
#include "protocol/address.h"
#include "protocol/hlc.h"
#include "protocol/invite.h"
#include "protocol/ipc.h"

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
    if (s.partner) j["partner"] = ToHex(*s.partner);
    if (services.transport_key) j["transport_key"] = services.transport_key();
  }
  return j;
}

Error NoNetwork() {
  return MakeError(ErrorCode::kUnavailable, "networking is not available in this daemon");
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
  const protocol::IpcRequest& req = *request;
  auto fail = [&](const Error& e) {
    spdlog::info("ipc.error method={} code={}", req.method.name, ErrorCodeName(e.code));
    return protocol::EncodeIpcError(req.id, e);
  };
  if (req.method.needs_ledger && !engine_.initialized()) {
    return fail(MakeError(ErrorCode::kFailedPrecondition,
                          "no ledger yet: run 'kintsugictl init --name NAME'"));
  }
  try {
    switch (req.method.method) {
      case Method::kInit: {
        auto intro = protocol::MemberIntroFromJson(req.params);
        if (!intro.ok()) return fail(intro.error());
        auto status = engine_.Init(*intro);
        if (!status.ok()) return fail(status.error());
        spdlog::info("ledger.created author={}", ToHex(status->author).substr(0, 16));
        return protocol::EncodeIpcResult(req.id, StatusJson(*status, info_, services_));
      }
      case Method::kStatus: {
        auto status = engine_.GetStatus();
        if (!status.ok()) return fail(status.error());
        return protocol::EncodeIpcResult(req.id, StatusJson(*status, info_, services_));
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
                            {"reason", protocol::RejectionName(f.reason)},
                            {"detail", f.detail}});
        }
        if (!report->ok()) spdlog::warn("verify.faults count={}", report->faults.size());
        return protocol::EncodeIpcResult(req.id, json{{"ok", report->ok()},
                                                      {"entries_checked", report->entries_checked},
                                                      {"faults", faults}});
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
        return protocol::EncodeIpcResult(req.id, services_.sync->PeersJson(engine_.NowMillis()));
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
    }
  } catch (const std::exception& e) {
    spdlog::error("ipc.internal method={} what=\"{}\"", req.method.name, e.what());
    return fail(MakeError(ErrorCode::kInternal, "internal error while handling the request"));
  }
  return fail(MakeError(ErrorCode::kInternal, "unhandled method"));
}

}  // namespace kintsugi::daemon
