// Pausing and leaving (see sharing.h).
#include "daemon/link/sharing.h"

#include <spdlog/spdlog.h>

#include <map>

#include "daemon/link/sync_service.h"
#include "protocol/hlc.h"
#include "protocol/kinds.h"

namespace kintsugi::daemon {
namespace {

using nlohmann::json;

std::string PausedKey(const protocol::LedgerId& ledger) { return "sharing_paused:" + ToHex(ledger); }
std::string ClosedKey(const protocol::LedgerId& ledger) { return "sharing_closed:" + ToHex(ledger); }

Bytes U64Bytes(std::uint64_t v) {
  Bytes b(8);
  for (int i = 7; i >= 0; --i, v >>= 8) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
  return b;
}

Error NotPaired() {
  return MakeError(ErrorCode::kFailedPrecondition, "not paired: there is no sharing to pause, resume or leave");
}

// The fold's reason when the ledger ended, else OK.
Status NotEnded(Engine& engine) {
  if (!engine.unlocked()) return OkStatus();  // appends fail on their own while locked
  const auto& state = engine.views().state();
  if (state.left()) return MakeError(ErrorCode::kFailedPrecondition, state.EndedReason());
  return OkStatus();
}

void Changed(SyncService* sync) {
  if (sync != nullptr) sync->OnSharingChanged();
}

// One batch of `withdraw` entries for this device's own entries that the
// rules let it withdraw (docs/LEDGER.md, "Withdrawal"), newest first.
Result<json> WithdrawMine(Engine& engine) {
  KINTSUGI_RETURN_IF_ERROR(NotEnded(engine));
  TimelineQuery query;
  query.limit = 1000;
  query.author = engine.self();
  std::vector<std::string> candidates;
  protocol::WithdrawMineReply reply;  // reply.kept: kind -> entries the rules keep
  for (;;) {
    auto page = engine.Timeline(query);
    if (!page.ok()) return page.take_error();
    for (const auto& e : *page) {
      const std::string id = ToHex(e.item.id);
      const std::string& kind = e.effect.kind;
      if (kind == "withdrawn" || engine.views().state().withdrawn(id)) continue;
      auto known = protocol::KindFromName(kind);
      if (known == protocol::Kind::kWithdraw || known == protocol::Kind::kLeave) continue;
      if (!known || e.item.seq == 1 || protocol::IsAgreementRecord(*known)) {
        ++reply.kept[kind];  // introductions, agreements and their answers stay on the record
        continue;
      }
      candidates.push_back(id);
    }
    if (page->size() < query.limit) break;
    query.before = page->back().key;
  }
  std::int64_t refused = 0;
  // Newest first: each withdrawal refolds the entries after the one it
  // takes, so the newest cost least.
  for (const auto& id : candidates) {
    if (reply.withdrawn + refused == static_cast<std::int64_t>(kWithdrawPerRequest)) break;
    auto body = protocol::BodyFromParams(json{{"kind", "withdraw"}, {"ref", id}});
    if (!body.ok()) return body.take_error();
    auto appended = engine.AppendKind(std::move(body).value());
    if (appended.ok()) {
      ++reply.withdrawn;
    } else if (appended.error().code == ErrorCode::kFailedPrecondition) {
      ++refused;  // a rule said no after all: counted, not retried
      ++reply.kept["refused"];
    } else {
      return appended.take_error();
    }
  }
  reply.remaining = static_cast<std::int64_t>(candidates.size()) - reply.withdrawn - refused;
  spdlog::info("sharing.withdrew_mine withdrawn={} remaining={}", reply.withdrawn, reply.remaining);
  return json(reply);
}

}  // namespace

Result<SharingRecord> LoadSharing(Store& store, const protocol::LedgerId& ledger) {
  SharingRecord record;
  auto paused = store.GetValue(PausedKey(ledger));
  if (!paused.ok()) return paused.take_error();
  if (*paused) {
    if ((*paused)->size() != 8) return MakeError(ErrorCode::kCorrupt, "the pause record is damaged");
    for (std::uint8_t b : **paused) record.paused_since_ms = (record.paused_since_ms << 8) | b;
  }
  auto closed = store.GetValue(ClosedKey(ledger));
  if (!closed.ok()) return closed.take_error();
  record.link_closed = closed->has_value() && !(*closed)->empty() && (**closed)[0] == 1;
  return record;
}

Status SavePausedSince(Store& store, const protocol::LedgerId& ledger, std::uint64_t ms) {
  const Bytes value = U64Bytes(ms);
  return store.SetValue(PausedKey(ledger), value);
}

Status SaveLinkClosed(Store& store, const protocol::LedgerId& ledger) {
  const std::uint8_t yes = 1;
  return store.SetValue(ClosedKey(ledger), ByteView(&yes, 1));
}

std::optional<protocol::fold::Departure> DepartureOf(Engine& engine) {
  if (!engine.initialized() || !engine.unlocked() || !engine.has_views()) return std::nullopt;
  return engine.views().state().left();
}

protocol::Sharing SharingOf(Engine& engine, const SharingRecord& mine, std::uint64_t partner_paused_since_ms) {
  protocol::Sharing sharing;
  sharing.paused_since_ms = mine.paused_since_ms;
  sharing.partner_paused_since_ms = partner_paused_since_ms;
  sharing.state = sharing.paused() ? "paused" : sharing.partner_paused() ? "partner_paused" : "sharing";
  if (auto departure = DepartureOf(engine)) {
    const auto& members = engine.views().state().members();
    auto name = members.find(departure->author);
    sharing.state = "ended";
    sharing.ended = protocol::SharingEnded{departure->author,
                                           name != members.end() ? name->second : "",
                                           departure->author == ToHex(engine.self()),
                                           departure->entry,
                                           departure->ms,
                                           mine.link_closed};
  } else if (mine.link_closed) {
    // Locked: who left, when and with what words are sealed in the leave
    // entry, but the link is closed for good only after one, and that is
    // kept outside the seal. (A leave that arrives while locked is sealed
    // like every entry: it is known at the next unlock.)
    sharing.state = "ended";
    sharing.ended.emplace().link_closed = true;
  }
  return sharing;
}

Result<protocol::Sharing> CurrentSharing(Engine& engine, SyncService* sync) {
  auto record = LoadSharing(engine.store(), engine.ledger_id());
  if (!record.ok()) return record.take_error();
  return SharingOf(engine, *record, sync != nullptr ? sync->partner_paused_since_ms() : 0);
}

Result<json> HandleSharing(protocol::Method method, const json& params, Engine& engine, SyncService* sync) {
  using protocol::Method;
  auto record = LoadSharing(engine.store(), engine.ledger_id());
  if (!record.ok()) return record.take_error();
  const std::uint64_t partner_paused = sync != nullptr ? sync->partner_paused_since_ms() : 0;
  switch (method) {
    case Method::kSharingStatus:
      break;
    case Method::kSharingPause:
    case Method::kSharingResume: {
      if (!engine.paired()) return NotPaired();
      KINTSUGI_RETURN_IF_ERROR(NotEnded(engine));
      const bool pause = method == Method::kSharingPause;
      if (pause == (record->paused_since_ms != 0)) break;  // already so: a pause keeps its first time
      record->paused_since_ms = pause ? engine.NowMillis() : 0;
      KINTSUGI_RETURN_IF_ERROR(SavePausedSince(engine.store(), engine.ledger_id(), record->paused_since_ms));
      spdlog::info("sharing.{}", pause ? "paused" : "resumed");
      Changed(sync);
      break;
    }
    case Method::kSharingLeave: {
      if (!engine.paired()) return NotPaired();
      KINTSUGI_RETURN_IF_ERROR(NotEnded(engine));
      json fields = params;
      fields["kind"] = "leave";
      auto body = protocol::BodyFromParams(fields);
      if (!body.ok()) return body.take_error();
      if (record->paused_since_ms != 0) {
        // The leave has to reach the partner: leaving ends a pause.
        record->paused_since_ms = 0;
        KINTSUGI_RETURN_IF_ERROR(SavePausedSince(engine.store(), engine.ledger_id(), 0));
        Changed(sync);
      }
      auto appended = engine.AppendKind(std::move(body).value());
      if (!appended.ok()) return appended.take_error();
      spdlog::info("sharing.left entry={}", ToHex(appended->id).substr(0, 16));
      Changed(sync);
      return json(protocol::SharingLeaveReply{ToHex(appended->id), appended->seq,
                                              protocol::FormatUtcMillis(protocol::HlcMillis(appended->hlc)),
                                              SharingOf(engine, *record, partner_paused)});
    }
    case Method::kSharingWithdrawMine:
      return WithdrawMine(engine);
    default:
      return MakeError(ErrorCode::kInternal, "not a sharing method");
  }
  return json(SharingOf(engine, *record, partner_paused));
}

}  // namespace kintsugi::daemon
