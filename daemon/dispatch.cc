#include "daemon/dispatch.h"

#include <chrono>
#include <ctime>

#include <spdlog/spdlog.h>

#include "kintsugi/version.h"
#include "protocol/hlc.h"
#include "protocol/ipc.h"

namespace kintsugi::daemon {
namespace {

using nlohmann::json;
using protocol::Method;

constexpr std::int64_t kDefaultLogLimit = 50;
constexpr std::int64_t kMaxLogLimit = 1000;

std::string IsoTime(std::uint64_t hlc) {
  std::uint64_t ms = protocol::HlcMillis(hlc);
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[40];
  std::snprintf(out, sizeof out, "%s.%03uZ", buf, static_cast<unsigned>(ms % 1000));
  return out;
}

json StatusJson(const EngineStatus& s, const DaemonInfo& info) {
  json j{{"initialized", s.initialized},
         {"version", kVersion},
         {"data_dir", info.data_dir},
         {"pid", info.pid}};
  if (s.initialized) {
    j["name"] = s.name;
    j["author"] = ToHex(s.author);
    j["ledger"] = ToHex(s.ledger_id);
    j["entries"] = s.entries;
    j["members"] = s.members;
  }
  return j;
}

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
        return protocol::EncodeIpcResult(req.id, StatusJson(*status, info_));
      }
      case Method::kStatus: {
        auto status = engine_.GetStatus();
        if (!status.ok()) return fail(status.error());
        return protocol::EncodeIpcResult(req.id, StatusJson(*status, info_));
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
        json next = items->empty() || items->back().rowid <= 1 ? json(nullptr)
                                                                : json(items->back().rowid);
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
    }
  } catch (const std::exception& e) {
    spdlog::error("ipc.internal method={} what=\"{}\"", req.method.name, e.what());
    return fail(MakeError(ErrorCode::kInternal, "internal error while handling the request"));
  }
  return fail(MakeError(ErrorCode::kInternal, "unhandled method"));
}

}  // namespace kintsugi::daemon
