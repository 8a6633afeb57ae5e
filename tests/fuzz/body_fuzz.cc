// Fuzzes entry bodies: ParseBody (protocol/body.h) on arbitrary text, the
// user-input validators CheckInFromJson, MemberIntroFromJson and
// BodyFromParams on whatever parses (they also receive the IPC `params`
// object, so every JSON value is fair game), and ReadBody (protocol/kinds.h)
// with the fold (protocol/fold.h) on the same value read as a ledger body.
//
// Properties checked:
//  - nothing crashes or throws;
//  - ParseBody accepts exactly the JSON objects with a string "kind";
//  - a check-in or member intro that validates survives the round trip
//    EncodeBody -> ParseBody -> *FromJson unchanged, with the right kind;
//  - BodyFromParams fails only with kInvalidArgument, ReadBody only with
//    kMalformed or (for a kind it does not know) kUnknownMethod; what
//    BodyFromParams accepts, ReadBody reads to the same body;
//  - a body ReadBody accepts has only its kind's fields, "tz" within 840
//    minutes and whole numbers within their ranges, and reads back from its
//    EncodeBody text to the same text;
//  - folded (LedgerState::Apply) into an empty state with a resolver that
//    knows nothing, and into a small ledger as either partner: Check() gives
//    Apply()'s Effect and leaves the state alone, the Effect's reason_code
//    matches what ReadBody said, one more entry is counted, and the state
//    round-trips through ToJson/FromJson (as JSON and as text) unchanged;
//    every view of it builds.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/body.h"
#include "protocol/fold.h"
#include "protocol/hlc.h"
#include "protocol/kinds.h"

namespace {

using namespace kintsugi;
using nlohmann::json;

void CheckCheckIn(const json& params) {
  auto checkin = protocol::CheckInFromJson(params);
  if (!checkin.ok()) {
    if (checkin.error().code != ErrorCode::kInvalidArgument) __builtin_trap();
    return;
  }
  if (protocol::CountCharacters(checkin->note) > protocol::kMaxNoteCharacters) __builtin_trap();
  if (protocol::HasControlCharacters(checkin->note)) __builtin_trap();
  if (checkin->mood && (*checkin->mood < 1 || *checkin->mood > 10)) __builtin_trap();
  if (checkin->trust && (*checkin->trust < 1 || *checkin->trust > 10)) __builtin_trap();

  std::string text = protocol::EncodeBody(*checkin);
  auto body = protocol::ParseBody(text);
  if (!body.ok()) __builtin_trap();
  if (body->value("kind", "") != protocol::kKindCheckIn) __builtin_trap();
  auto again = protocol::CheckInFromJson(*body);
  if (!again.ok()) __builtin_trap();
  if (again->note != checkin->note || again->mood != checkin->mood ||
      again->trust != checkin->trust) {
    __builtin_trap();
  }
  // Canonical: encoding the re-read check-in gives the same text.
  if (protocol::EncodeBody(*again) != text) __builtin_trap();
}

void CheckMember(const json& params) {
  auto intro = protocol::MemberIntroFromJson(params);
  if (!intro.ok()) {
    if (intro.error().code != ErrorCode::kInvalidArgument) __builtin_trap();
    return;
  }
  if (protocol::CountCharacters(intro->name) > protocol::kMaxNameCharacters) __builtin_trap();

  std::string text = protocol::EncodeBody(*intro);
  auto body = protocol::ParseBody(text);
  if (!body.ok()) __builtin_trap();
  if (body->value("kind", "") != protocol::kKindMember) __builtin_trap();
  auto again = protocol::MemberIntroFromJson(*body);
  if (!again.ok() || again->name != intro->name) __builtin_trap();
  if (protocol::EncodeBody(*again) != text) __builtin_trap();
}


// --- Kinds and the fold ---

using protocol::FoldEntry;
using protocol::LedgerState;

// A whole number as the JSON holds it, or nullopt; unsigned values above
// INT64_MAX are out of every range checked here.
std::optional<std::int64_t> Whole(const json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) return INT64_MAX;
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  return std::nullopt;
}

// What ReadBody returned must obey the kind's schema, checked independently.
void CheckReadBody(const protocol::Body& body) {
  const json& b = body.json;
  if (!b.is_object() || b.value("kind", "") != protocol::KindName(body.kind)) __builtin_trap();
  const auto& spec = protocol::SpecOf(body.kind);
  for (auto it = b.begin(); it != b.end(); ++it) {
    if (it.key() == "kind") continue;
    if (it.key() == "tz") {
      auto tz = Whole(it.value());
      if (!tz || *tz < -840 || *tz > 840) __builtin_trap();
      continue;
    }
    if (it.key() == "carried") {
      if (!it.value().is_object() || !it.value().contains("hlc") || !it.value()["hlc"].is_number_unsigned()) {
        __builtin_trap();
      }
      continue;
    }
    const protocol::FieldSpec* field = nullptr;
    for (const auto& f : spec.fields) {
      if (f.name == it.key()) field = &f;
    }
    if (field == nullptr) __builtin_trap();  // an unknown field was kept
    const json& v = it.value();
    switch (field->type) {
      case protocol::FieldType::kScale: {
        auto n = Whole(v);
        if (!n || *n < 1 || *n > 10) __builtin_trap();
        break;
      }
      case protocol::FieldType::kMinutes: {
        auto n = Whole(v);
        if (!n || *n < field->min || *n > field->max) __builtin_trap();
        break;
      }
      case protocol::FieldType::kTimeMs: {
        auto n = Whole(v);
        if (!n || *n < 1 || *n >= (std::int64_t{1} << 47)) __builtin_trap();
        break;
      }
      case protocol::FieldType::kText:
        if (!v.is_string() || static_cast<std::int64_t>(v.get_ref<const std::string&>().size()) > field->max) {
          __builtin_trap();
        }
        break;
      case protocol::FieldType::kRef:
        if (!v.is_string() || v.get_ref<const std::string&>().size() != 64) __builtin_trap();
        break;
      case protocol::FieldType::kRefList:
        if (!v.is_array() || v.size() > 16) __builtin_trap();
        break;
      case protocol::FieldType::kDate:
        if (!v.is_string() || !protocol::DayFromDate(v.get_ref<const std::string&>())) __builtin_trap();
        break;
      case protocol::FieldType::kChoice:
        if (!v.is_string()) __builtin_trap();
        break;
    }
  }
  for (const auto& f : spec.fields) {
    if (f.required && !b.contains(std::string(f.name))) __builtin_trap();
  }
  // Canonical: the encoded text reads back to the same text.
  const std::string text = protocol::EncodeBody(body);
  auto again = protocol::ReadBody(json::parse(text));
  if (!again.ok() || again->kind != body.kind || protocol::EncodeBody(*again) != text) __builtin_trap();
}

Hash32 Filled(std::uint8_t fill) {
  Hash32 h;
  h.fill(fill);
  return h;
}

constexpr std::int64_t kBaseDay = 20783;  // 2026-11-26
constexpr std::uint64_t kBaseMs = kBaseDay * 86'400'000;

FoldEntry Entry(std::uint8_t id, std::uint8_t author, std::uint64_t seq, std::uint64_t minute, json body) {
  FoldEntry e;
  e.id = Filled(id);
  e.author = Filled(author);
  e.seq = seq;
  e.hlc = protocol::MakeHlc(kBaseMs + minute * 60'000, 0);
  e.stamp = e.hlc;
  e.body = std::move(body);
  return e;
}

// A small ledger of partners 0xaa.. and 0xbb.. that seeds can refer to:
// 1111.. an active agreement (proposed by aa), 2121.. aa's open proposal,
// 3131.. bb's open amendment of 1111.., 4141.. aa's open phase proposal,
// 5151.. aa's talk request, 6161.. aa's planned time, 7171.. bb's check-in.
struct Base {
  LedgerState state;
  std::map<protocol::EntryId, protocol::RefInfo> known;
};

const Base& BaseLedger() {
  static const Base base = [] {
    Base b;
    const std::string agreement = ToHex(Filled(0x11));
    const std::vector<FoldEntry> entries = {
        Entry(0x01, 0xaa, 1, 0, {{"kind", "member"}, {"name", "Ana"}}),
        Entry(0x02, 0xbb, 1, 1, {{"kind", "member"}, {"name", "Ben"}}),
        Entry(0x11, 0xaa, 2, 2, {{"kind", "propose"}, {"title", "Phones"}, {"text", "t"}, {"category", "ritual"},
                                 {"review", "2026-12-01"}}),
        Entry(0x12, 0xbb, 2, 3, {{"kind", "accept"}, {"ref", agreement}}),
        Entry(0x21, 0xaa, 3, 4, {{"kind", "propose"}, {"title", "Walks"}, {"text", "t"}, {"category", "need"}}),
        Entry(0x31, 0xbb, 3, 5, {{"kind", "amend"}, {"agreement", agreement}, {"text", "new"}}),
        Entry(0x41, 0xaa, 4, 6, {{"kind", "phase"}, {"phase", "atone"}}),
        Entry(0x51, 0xaa, 5, 7, {{"kind", "talk.request"}, {"topic", "money"}}),
        Entry(0x61, 0xaa, 6, 8, {{"kind", "time.plan"}, {"what", "a walk"}, {"when", kBaseMs + 86'400'000}}),
        Entry(0x71, 0xbb, 4, 9, {{"kind", "checkin"}, {"note", "n"}, {"mood", 6}}),
    };
    for (const auto& e : entries) {
      auto refs = [&](const protocol::EntryId& id) -> std::optional<protocol::RefInfo> {
        auto it = b.known.find(id);
        return it == b.known.end() ? std::nullopt : std::optional<protocol::RefInfo>(it->second);
      };
      if (!b.state.Apply(e, refs).applied) __builtin_trap();  // the fixture itself is wrong
      b.known[e.id] = protocol::RefInfo{e.author, e.seq};
    }
    return b;
  }();
  return base;
}

json WithoutCount(json state) {
  state.erase("entries");
  return state;
}

bool SameEffect(const protocol::Effect& a, const protocol::Effect& b) {
  return a.ToJson() == b.ToJson() && a.reason == b.reason;
}

void CheckRoundTrip(const LedgerState& state) {
  const json saved = state.ToJson();
  auto back = LedgerState::FromJson(saved);
  if (!back.ok() || back->ToJson() != saved) __builtin_trap();
  auto from_text = LedgerState::FromJson(json::parse(saved.dump()));
  if (!from_text.ok() || from_text->ToJson() != saved) __builtin_trap();
}

void CheckViews(const LedgerState& state, const json& body) {
  protocol::BodyOpener open = [&](const std::string&) -> std::optional<json> { return body; };
  protocol::BodyOpener none = [](const std::string&) -> std::optional<json> { return std::nullopt; };
  for (const auto* opener : {&open, &none}) {
    (void)state.AgreementsView(*opener);
    (void)state.PendingView(ToHex(Filled(0xaa)), kBaseDay, *opener);
    (void)state.TogetherView(kBaseMs, *opener);
  }
  (void)state.TrendsView(20000, 21000, 21000);
}

// Folds `entry` into a copy of `start` and checks what the fold promises.
void CheckFold(const LedgerState& start, const protocol::RefResolver& refs, const FoldEntry& entry,
               const Result<protocol::Body>& read) {
  LedgerState state = start;
  const json before = state.ToJson();
  const protocol::Effect checked = state.Check(entry, refs);
  if (state.ToJson() != before) __builtin_trap();
  const protocol::Effect applied = state.Apply(entry, refs);
  if (!SameEffect(checked, applied)) __builtin_trap();
  if (state.entries() != start.entries() + 1) __builtin_trap();
  if (applied.applied == !applied.reason_code.empty()) __builtin_trap();
  if (applied.withdraws && !applied.applied) __builtin_trap();
  if (!read.ok()) {
    const char* want = read.error().code == ErrorCode::kUnknownMethod ? "unknown_kind" : "malformed";
    if (applied.reason_code != want) __builtin_trap();
    if (WithoutCount(state.ToJson()) != WithoutCount(before)) __builtin_trap();
  } else {
    if (applied.kind != protocol::KindName(read->kind)) __builtin_trap();
    if (applied.reason_code == "malformed" || applied.reason_code == "unknown_kind") __builtin_trap();
  }
  CheckRoundTrip(state);
  CheckViews(state, entry.body);
}

void CheckKindsAndFold(const json& any) {
  auto user = protocol::BodyFromParams(any);
  if (!user.ok() && user.error().code != ErrorCode::kInvalidArgument) __builtin_trap();
  auto read = protocol::ReadBody(any);
  if (!read.ok() && read.error().code != ErrorCode::kMalformed &&
      read.error().code != ErrorCode::kUnknownMethod) {
    __builtin_trap();
  }
  if (user.ok()) {
    if (!read.ok() || read->kind != user->kind || read->json != user->json) __builtin_trap();
  }
  if (read.ok()) CheckReadBody(*read);

  // Into an empty state as the first entry of a chain, with a resolver that
  // knows nothing.
  const protocol::RefResolver nothing = [](const protocol::EntryId&) -> std::optional<protocol::RefInfo> {
    return std::nullopt;
  };
  CheckFold(LedgerState{}, nothing, Entry(0xe0, 0xbb, 1, 20, any), read);

  // Into the small ledger, written by either partner.
  const Base& base = BaseLedger();
  const protocol::RefResolver known = [&](const protocol::EntryId& id) -> std::optional<protocol::RefInfo> {
    auto it = base.known.find(id);
    return it == base.known.end() ? std::nullopt : std::optional<protocol::RefInfo>(it->second);
  };
  CheckFold(base.state, known, Entry(0xe1, 0xbb, 5, 20, any), read);
  CheckFold(base.state, known, Entry(0xe2, 0xaa, 7, 20, any), read);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  auto body = protocol::ParseBody(text);
  json any = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  const bool is_body = !any.is_discarded() && any.is_object() && any.contains("kind") &&
                       any["kind"].is_string();
  if (body.ok() != is_body) __builtin_trap();
  if (!body.ok() && body.error().code != ErrorCode::kMalformed) __builtin_trap();
  if (body.ok() && *body != any) __builtin_trap();

  if (!any.is_discarded()) {
    // The validators get any JSON value: non-objects must be refused politely.
    CheckCheckIn(any);
    CheckMember(any);
    CheckKindsAndFold(any);
  }
  return 0;
}
