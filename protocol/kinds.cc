#include "protocol/kinds.h"

#include <algorithm>
#include <cstdio>

namespace kintsugi::protocol {
namespace {

using nlohmann::json;

// Characters (code points), not bytes: the same room in every script.
constexpr std::int64_t kShort = 200;     // titles
constexpr std::int64_t kLine = 1000;     // one thing appreciated, a reason
constexpr std::int64_t kLong = 4000;     // notes, reflections, agreement texts
constexpr std::int64_t kMaxTimeMs = std::int64_t{1} << 47;
constexpr std::int64_t kMaxTzMinutes = 14 * 60;

FieldSpec Text(std::string_view name, bool required, std::int64_t max = kLong) {
  return FieldSpec{name, FieldType::kText, required, 0, max};
}
FieldSpec Scale(std::string_view name, bool required) { return FieldSpec{name, FieldType::kScale, required}; }
FieldSpec Ref(std::string_view name, bool required) { return FieldSpec{name, FieldType::kRef, required}; }
FieldSpec Choice(std::string_view name, bool required, std::vector<std::string_view> choices) {
  return FieldSpec{name, FieldType::kChoice, required, 0, 0, std::move(choices)};
}
std::vector<std::string_view> Of(std::span<const std::string_view> values) {
  return {values.begin(), values.end()};
}

const std::vector<KindSpec>& MakeKinds() {
  static const std::vector<KindSpec> kinds = {
      {Kind::kMember, "member", "Introduces an author by name: the first entry of every chain.",
       {Text("name", true, 64)}},
      {Kind::kCheckIn, "checkin", "A free check-in: a note, and mood and trust if you like.",
       {Text("note", true), Scale("mood", false), Scale("trust", false)}},
      {Kind::kPropose, "propose", "Proposes an agreement; it binds once your partner accepts it.",
       {Text("title", true, kShort), Text("text", true), Choice("category", true, Of(kCategories)),
        FieldSpec{"review", FieldType::kDate, false}}},
      {Kind::kAccept, "accept", "Signs your partner's proposal, amendment, retirement or phase.",
       {Ref("ref", true), Text("note", false, kLine)}},
      {Kind::kDecline, "decline", "Says no to your partner's proposal, with a reason if you like.",
       {Ref("ref", true), Text("reason", false, kLine)}},
      {Kind::kAmend, "amend", "Proposes a new text for an active agreement.",
       {Ref("agreement", true), Text("text", true), Text("title", false, kShort),
        Choice("category", false, Of(kCategories)), FieldSpec{"review", FieldType::kDate, false}}},
      {Kind::kRetire, "retire", "Proposes to end an active agreement.",
       {Ref("agreement", true), Text("reason", false, kLine)}},
      {Kind::kStatus, "status", "Tells your partner what is going on: \"plans changed, home by 21:00\".",
       {Text("text", true, kLine), FieldSpec{"until", FieldType::kTimeMs, false}}},
      {Kind::kFeelings, "feelings", "Today's mood and trust, one thing appreciated, one thing needed.",
       {Scale("mood", true), Scale("trust", true), Text("appreciated", false, kLine),
        Text("needed", false, kLine)}},
      {Kind::kAgreementCheckIn, "agreement", "How an agreement went: kept, struggled or missed.",
       {Ref("agreement", true), Choice("outcome", true, Of(kOutcomes)), Text("reflection", false)}},
      {Kind::kAppreciation, "appreciation", "Something you appreciate about your partner.",
       {Text("text", true, kLine)}},
      {Kind::kTrigger, "trigger", "A moment that hurt: what happened, how strong, what helped.",
       {Text("what", true), Scale("intensity", true), Text("helped", false)}},
      {Kind::kTalkRequest, "talk.request", "\"I need to talk about ...\": asks for a conversation.",
       {Text("topic", true, kLine)}},
      {Kind::kTalkAnswer, "talk.answer",
       "Answers your partner's talk request: yes tonight, at our weekly meeting, or not yet.",
       {Ref("talk", true), Choice("answer", true, Of(kTalkAnswers)), Text("note", false, kLine)}},
      {Kind::kMeeting, "meeting", "The weekly meeting's record: appreciations, what went well, one issue, what each will try.",
       {Text("appreciations", true), Text("went_well", false), Text("issue", false),
        Text("i_will_try", false, kLine), Text("partner_will_try", false, kLine),
        FieldSpec{"talks", FieldType::kRefList, false}}},
      {Kind::kRepair, "repair", "After a fight: feelings, both views, triggers, what each takes on, one plan.",
       {Text("feelings", false), Text("my_view", false), Text("partner_view", false),
        Text("triggers", false), Text("my_part", false), Text("partner_part", false),
        Text("plan", true), FieldSpec{"talks", FieldType::kRefList, false}}},
      {Kind::kPause, "pause", "A pause from a flooding conversation, with a time to come back.",
       {FieldSpec{"minutes", FieldType::kMinutes, true, kMinPauseMinutes, kMaxPauseMinutes},
        Text("note", false, kLine)}},
      {Kind::kTimePlan, "time.plan", "Plans time together.",
       {Text("what", true, kLine), FieldSpec{"when", FieldType::kTimeMs, true}}},
      {Kind::kTimeDone, "time.done", "Records time spent together.",
       {Text("what", true, kLine), Ref("plan", false), Text("note", false)}},
      {Kind::kSeen, "seen", "Says you have read the ledger up to an entry.", {Ref("upto", true)}},
      {Kind::kCorrect, "correct", "Corrects one of your own earlier entries, visibly.",
       {Ref("ref", true), Text("text", true)}},
      {Kind::kWithdraw, "withdraw", "Withdraws one of your own entries: its words are destroyed on both devices.",
       {Ref("ref", true)}},
      {Kind::kPhase, "phase", "Proposes where the two of you are: atone, attune or attach.",
       {Choice("phase", true, Of(kPhases)), FieldSpec{"breach_named", FieldType::kDate, false},
        Text("note", false, kLine)}},
      {Kind::kLeave, "leave", "Leaves the shared ledger: sync ends for good and each of you keeps your own copy.",
       {Text("note", false, kLine)}},
  };
  return kinds;
}

Error Bad(ErrorCode code, std::string message) { return MakeError(code, std::move(message)); }

bool IsHex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool Blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

enum class Mode { kUserInput, kLedger };

// Checks one present field; returns a message naming the rule, or "".
std::string CheckField(const FieldSpec& f, const json& v, Mode mode) {
  const std::string name(f.name);
  switch (f.type) {
    case FieldType::kText: {
      if (!v.is_string()) return name + " must be text";
      const auto& s = v.get_ref<const std::string&>();
      if (Blank(s)) return name + " must not be empty";
      if (static_cast<std::int64_t>(CountCharacters(s)) > f.max) {
        return name + " is longer than " + std::to_string(f.max) + " characters";
      }
      if (mode == Mode::kUserInput && HasControlCharacters(s)) {
        return name + " must not hold control characters";
      }
      return "";
    }
    case FieldType::kScale:
      if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > 10) {
        return name + " must be a whole number from 1 to 10";
      }
      return "";
    case FieldType::kMinutes:
      if (!v.is_number_integer() || v.get<std::int64_t>() < f.min || v.get<std::int64_t>() > f.max) {
        return name + " must be a whole number of minutes from " + std::to_string(f.min) + " to " +
               std::to_string(f.max);
      }
      return "";
    case FieldType::kRef:
      if (!v.is_string() || !IsHex64(v.get<std::string>())) return name + " must be an entry id (64 hex digits)";
      return "";
    case FieldType::kRefList:
      if (!v.is_array() || v.size() > 16) return name + " must be a list of at most 16 entry ids";
      for (const auto& e : v) {
        if (!e.is_string() || !IsHex64(e.get<std::string>())) return name + " must hold entry ids (64 hex digits)";
      }
      return "";
    case FieldType::kTimeMs:
      if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() >= kMaxTimeMs) {
        return name + " must be a time in Unix milliseconds";
      }
      return "";
    case FieldType::kDate:
      if (!v.is_string() || !DayFromDate(v.get<std::string>())) return name + " must be a date YYYY-MM-DD";
      return "";
    case FieldType::kChoice: {
      std::string list;
      for (auto c : f.choices) list += (list.empty() ? "" : ", ") + std::string(c);
      if (!v.is_string()) return name + " must be one of: " + list;
      const auto& s = v.get_ref<const std::string&>();
      if (std::find(f.choices.begin(), f.choices.end(), s) == f.choices.end()) {
        return name + " must be one of: " + list;
      }
      return "";
    }
  }
  return "";
}

Result<Body> Validate(const json& in, Mode mode) {
  const ErrorCode code = mode == Mode::kUserInput ? ErrorCode::kInvalidArgument : ErrorCode::kMalformed;
  if (!in.is_object()) return Bad(code, "a body must be a JSON object");
  auto kind_it = in.find("kind");
  if (kind_it == in.end() || !kind_it->is_string()) return Bad(code, "kind is required and must be text");
  auto kind = KindFromName(kind_it->get<std::string>());
  if (!kind) {
    return Bad(mode == Mode::kUserInput ? ErrorCode::kInvalidArgument : ErrorCode::kUnknownMethod,
               "unknown kind: " + kind_it->get<std::string>());
  }
  const KindSpec& spec = SpecOf(*kind);
  json out = json::object();
  out["kind"] = spec.name;
  for (const auto& f : spec.fields) {
    auto it = in.find(std::string(f.name));
    if (it == in.end() || it->is_null()) {
      if (f.required) return Bad(code, std::string(f.name) + " is required");
      continue;
    }
    std::string problem = CheckField(f, *it, mode);
    if (!problem.empty()) return Bad(code, problem);
    out[std::string(f.name)] = *it;
  }
  if (auto tz = in.find("tz"); tz != in.end() && !tz->is_null()) {
    const bool in_range = tz->is_number_unsigned() ? tz->get<std::uint64_t>() <= kMaxTzMinutes
                          : tz->is_number_integer()  ? tz->get<std::int64_t>() >= -kMaxTzMinutes &&
                                                          tz->get<std::int64_t>() <= kMaxTzMinutes
                                                     : false;
    if (!in_range) {
      return Bad(code, "tz must be minutes east of UTC, at most 840 either way");
    }
    out["tz"] = *tz;
  }
  if (mode == Mode::kLedger) {
    if (auto carried = in.find("carried"); carried != in.end() && carried->is_object()) {
      auto hlc = carried->find("hlc");
      if (hlc != carried->end() && hlc->is_number_unsigned()) out["carried"] = *carried;
    }
    return Body{*kind, std::move(out)};
  }
  for (auto it = in.begin(); it != in.end(); ++it) {
    if (!out.contains(it.key()) && !it.value().is_null()) {
      return Bad(code, "unknown field for " + std::string(spec.name) + ": " + it.key());
    }
  }
  return Body{*kind, std::move(out)};
}

}  // namespace

const std::vector<KindSpec>& Kinds() { return MakeKinds(); }

std::optional<Kind> KindFromName(std::string_view name) {
  for (const auto& k : Kinds()) {
    if (k.name == name) return k.kind;
  }
  return std::nullopt;
}

const KindSpec& SpecOf(Kind kind) {
  for (const auto& k : Kinds()) {
    if (k.kind == kind) return k;
  }
  return Kinds().front();  // unreachable: every Kind is in the table (tested)
}

std::string_view KindName(Kind kind) { return SpecOf(kind).name; }

std::string_view TalkAnswerWords(std::string_view answer) {
  if (answer == "tonight") return "Yes, tonight";
  if (answer == "at_meeting") return "At our weekly meeting";
  if (answer == "not_yet") return "Not yet, I need time";
  return answer;
}

bool IsProposal(Kind kind) {
  return kind == Kind::kPropose || kind == Kind::kAmend || kind == Kind::kRetire || kind == Kind::kPhase;
}

bool IsAgreementRecord(Kind kind) {
  return IsProposal(kind) || kind == Kind::kAccept || kind == Kind::kDecline || kind == Kind::kMember ||
         kind == Kind::kWithdraw;
}

Result<Body> BodyFromParams(const json& params) { return Validate(params, Mode::kUserInput); }
Result<Body> ReadBody(const json& body) { return Validate(body, Mode::kLedger); }

std::string EncodeBody(const Body& body) {
  return body.json.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Howard Hinnant's days_from_civil / civil_from_days.
std::optional<std::int64_t> DayFromDate(std::string_view date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (date[i] < '0' || date[i] > '9') return std::nullopt;
  }
  auto num = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) v = v * 10 + (date[at + i] - '0');
    return v;
  };
  int y = num(0, 4), m = num(5, 2), d = num(8, 2);
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1970 || m < 1 || m > 12 || d < 1 || d > kDays[m - 1] + (m == 2 && leap ? 1 : 0)) {
    return std::nullopt;
  }
  y -= m <= 2;
  const std::int64_t era = y / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::string DateFromDay(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = yoe + era * 400;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp + (mp < 10 ? 3 : -9);
  y += m <= 2;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d));
  return buf;
}

std::size_t CountCharacters(std::string_view text) {
  // Every code point has exactly one byte that is not a continuation byte.
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool HasControlCharacters(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) return true;
    // C1 (U+0080 to U+009F) is 0xC2 0x80 to 0xC2 0x9F in UTF-8.
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9F &&
        static_cast<unsigned char>(text[i + 1]) >= 0x80) {
      return true;
    }
  }
  return false;
}

}  // namespace kintsugi::protocol
