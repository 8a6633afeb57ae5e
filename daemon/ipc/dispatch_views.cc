// The views folded from the ledger: agreements, what is pending, time
// together, trends and the timeline (docs/PROTOCOL.md, "Views").
#include <set>

#include "base/local_time.h"
#include "daemon/ipc/dispatch_internal.h"
#include "protocol/kinds.h"

namespace kintsugi::daemon::dispatch {
namespace {

using nlohmann::json;
using protocol::Method;

// A timeline page's cursor: "STAMP:AUTHOR", as `next_before` gives it.
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

Result<json> Agreements(Call& call) {
  protocol::AgreementsReply view = call.engine.views().state().AgreementsView(call.engine.views().Opener());
  if (auto state = call.params.find("state"); state != call.params.end() && !state->is_null()) {
    static const std::set<std::string> kStates{"proposed", "active", "declined", "retired"};
    if (!state->is_string() || !kStates.count(state->get<std::string>())) {
      return InvalidArgument("state must be one of: proposed, active, declined, retired");
    }
    const std::string wanted = state->get<std::string>();
    std::erase_if(view.agreements, [&](const protocol::AgreementView& a) { return a.state != wanted; });
  }
  return json(view);
}

Result<json> Pending(Call& call) {
  Engine& engine = call.engine;
  return json(engine.views().state().PendingView(ToHex(engine.identity().public_key()),
                                                 base::LocalDay(engine.NowMillis()), engine.views().Opener()));
}

Result<json> Together(Call& call) {
  return json(call.engine.views().state().TogetherView(call.engine.NowMillis(), call.engine.views().Opener()));
}

Result<json> Trends(Call& call) {
  auto from = OptionalDay(call.params, "from");
  if (!from.ok()) return from.take_error();
  auto to = OptionalDay(call.params, "to");
  if (!to.ok()) return to.take_error();
  const std::int64_t today = base::LocalDay(call.engine.NowMillis());
  const std::int64_t last = to->value_or(today);
  const std::int64_t first = from->value_or(last - 89);
  if (first > last) return InvalidArgument("from must not be after to");
  return json(call.engine.views().state().TrendsView(first, last, today));
}

json NoEntries() { return json(protocol::TimelineReply{}); }

Result<json> Timeline(Call& call) {
  Engine& engine = call.engine;
  const json& params = call.params;
  TimelineQuery query;
  auto limit = OptionalInt(params, "limit", 1, kMaxLogLimit);
  if (!limit.ok()) return limit.take_error();
  query.limit = static_cast<std::size_t>(limit->value_or(kDefaultLogLimit));
  if (auto before = params.find("before"); before != params.end() && !before->is_null()) {
    auto cursor = before->is_string() ? ParseCursor(before->get<std::string>()) : std::nullopt;
    if (!cursor) return InvalidArgument("before must be a cursor from next_before");
    query.before = cursor;
  }
  if (auto author = params.find("author"); author != params.end() && !author->is_null()) {
    const std::string who = author->is_string() ? author->get<std::string>() : "";
    if (who == "me") {
      query.author = engine.identity().public_key();
    } else if (who == "partner") {
      if (!engine.partner()) return NoEntries();
      query.author = *engine.partner();
    } else if (auto key = Hash32FromHex(who)) {
      query.author = *key;
    } else {
      return InvalidArgument("author must be me, partner or an author key");
    }
  }
  if (auto kind = params.find("kind"); kind != params.end() && !kind->is_null()) {
    const std::string name = kind->is_string() ? kind->get<std::string>() : "";
    if (!protocol::KindFromName(name) && name != "withdrawn" && name != "unreadable") {
      return InvalidArgument("unknown kind: " + name);
    }
    query.kind = name;
  }
  auto from = OptionalDay(params, "from");
  if (!from.ok()) return from.take_error();
  auto to = OptionalDay(params, "to");
  if (!to.ok()) return to.take_error();
  // Local days: from this machine's midnight to the next.
  if (*from) query.from_ms = base::LocalMidnightMs(**from);
  if (*to) query.to_ms = base::LocalMidnightMs(**to + 1) - 1;
  auto page = engine.Timeline(query);
  if (!page.ok()) return page.take_error();
  const auto& state = engine.views().state();
  protocol::TimelineReply reply;
  for (const auto& e : *page) {
    const LogItem& item = e.item;
    protocol::TimelineEntry& entry = reply.entries.emplace_back();
    static_cast<protocol::LogEntry&>(entry) = LogEntryOf(item);
    if (auto name = state.members().find(entry.author); name != state.members().end()) entry.name = name->second;
    entry.withdrawn = entry.withdrawn || state.withdrawn(entry.id) || e.effect.kind == "withdrawn";
    entry.kind = e.effect.kind;
    entry.applied = e.effect.applied;
    if (!e.effect.applied) {
      entry.reason_code = e.effect.reason_code;
      entry.reason = e.effect.reason;
    }
    if (e.effect.ref) entry.ref = ToHex(*e.effect.ref);
    if (auto c = state.corrections().find(entry.id); c != state.corrections().end()) entry.corrections = c->second;
    entry.cursor = CursorOf(e.key);
  }
  if (page->size() >= query.limit && !page->empty()) reply.next_before = CursorOf(page->back().key);
  return json(reply);
}

constexpr MethodRow kRows[] = {
    {Method::kAgreements, false, Needs::kNothing, Agreements},
    {Method::kPending, false, Needs::kNothing, Pending},
    {Method::kTogether, false, Needs::kNothing, Together},
    {Method::kTrends, false, Needs::kNothing, Trends},
    {Method::kTimeline, false, Needs::kNothing, Timeline},
};

}  // namespace

std::span<const MethodRow> ViewMethods() { return kRows; }

}  // namespace kintsugi::daemon::dispatch
