// Entries: writing them, reading them back raw, verifying and exporting the
// ledger; and this device's private notes (docs/PROTOCOL.md, "Local IPC").
#include <spdlog/spdlog.h>

#include "base/local_time.h"
#include "daemon/ipc/dispatch_internal.h"
#include "daemon/export.h"
#include "protocol/ipc_events.h"
#include "protocol/ipc_messages.h"
#include "protocol/kinds.h"

namespace kintsugi::daemon::dispatch {
namespace {

using nlohmann::json;
using protocol::Method;

protocol::AppendedReply Appended(const AppendedEntry& appended, std::string kind = "") {
  return {ToHex(appended.id), std::move(kind), appended.seq, appended.hlc, IsoTime(appended.hlc)};
}

Result<json> CheckIn(Call& call) {
  auto checkin = protocol::CheckInFromJson(call.params);
  if (!checkin.ok()) return checkin.take_error();
  auto appended = call.engine.Append(*checkin);
  if (!appended.ok()) return appended.take_error();
  return json(Appended(*appended));
}

Result<json> Append(Call& call) {
  auto body = protocol::BodyFromParams(call.params);
  if (!body.ok()) return body.take_error();
  auto appended = call.engine.AppendKind(std::move(body).value());
  if (!appended.ok()) return appended.take_error();
  return json(Appended(*appended, appended->kind));
}

Result<json> Log(Call& call) {
  auto limit = OptionalInt(call.params, "limit", 1, kMaxLogLimit);
  if (!limit.ok()) return limit.take_error();
  auto before = OptionalInt(call.params, "before", 1, INT64_MAX);
  if (!before.ok()) return before.take_error();
  const auto limit_used = static_cast<std::size_t>(limit->value_or(kDefaultLogLimit));
  auto items = call.engine.Log(limit_used, *before);
  if (!items.ok()) return items.take_error();
  protocol::LogReply reply;
  for (const auto& item : *items) reply.entries.push_back(LogEntryOf(item));
  // A full page may have more before it; a short one is the last.
  if (items->size() >= limit_used && !items->empty()) reply.next_before = items->back().rowid;
  return json(reply);
}

Result<json> Verify(Call& call) {
  auto report = call.engine.Verify();
  if (!report.ok()) return report.take_error();
  protocol::VerifyReply reply{report->ok(), report->entries_checked, {}, report->ids_repaired};
  for (const auto& f : report->faults) {
    reply.faults.push_back({f.rowid, ToHex(f.id), ToHex(f.author), f.seq, f.ReasonName(), f.detail});
  }
  if (!report->ok()) {
    spdlog::warn("verify.faults count={}", report->faults.size());
    Publish(call, protocol::kEventVerifyFailed, protocol::VerifyFailedEvent{reply.faults.size()});
  }
  return json(reply);
}

Result<json> Export(Call& call) {
  auto range = ParseExportRange(call.params, base::LocalDay(call.engine.NowMillis()));
  if (!range.ok()) return range.take_error();
  return BuildExport(call.engine, *range);
}

Result<json> NoteAdd(Call& call) {
  auto text = call.params.find("text");
  if (text == call.params.end() || !text->is_string()) return InvalidArgument("text is required and must be text");
  auto id = call.engine.AddNote(text->get<std::string>());
  if (!id.ok()) return id.take_error();
  return json(protocol::NoteAddReply{*id});
}

Result<json> Notes(Call& call) {
  auto notes = call.engine.Notes();
  if (!notes.ok()) return notes.take_error();
  return json(protocol::NoteListReply{std::move(notes).value()});
}

Result<json> NoteDelete(Call& call) {
  auto id = OptionalInt(call.params, "id", 1, INT64_MAX);
  if (!id.ok()) return id.take_error();
  if (!*id) return InvalidArgument("id is required");
  auto deleted = call.engine.DeleteNote(**id);
  if (!deleted.ok()) return deleted.take_error();
  if (!*deleted) return MakeError(ErrorCode::kNotFound, "no note with this id");
  return json(protocol::NoteDeleteReply{**id});
}

constexpr MethodRow kRows[] = {
    {Method::kCheckIn, false, Needs::kNothing, CheckIn},
    {Method::kAppend, false, Needs::kNothing, Append},
    {Method::kLog, false, Needs::kNothing, Log},
    {Method::kVerify, false, Needs::kNothing, Verify},
    {Method::kExport, false, Needs::kNothing, Export},
    {Method::kNoteAdd, false, Needs::kNothing, NoteAdd},
    {Method::kNotes, false, Needs::kNothing, Notes},
    {Method::kNoteDelete, false, Needs::kNothing, NoteDelete},
};

}  // namespace

std::span<const MethodRow> LedgerMethods() { return kRows; }

}  // namespace kintsugi::daemon::dispatch
