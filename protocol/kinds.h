// The kinds of ledger entry and the schema of each one's body
// (docs/LEDGER.md, "Kinds"). A body is a JSON object with "kind" and the
// fields below; every kind may also carry "tz" (the author's offset from UTC
// in minutes when writing, for local days) and "carried" (set by
// `pair carry`).
//
// BodyFromParams() is what the daemon runs on user input: unknown fields are
// refused, so a typo is an error and not a silently dropped field.
// ReadBody() is what the fold runs on an opened body from any author: it
// checks the same rules but ignores fields it does not know (a newer version
// may add some).
//
// Pure: no I/O. Thread-compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace kintsugi::protocol {

enum class Kind {
  kMember, kCheckIn,
  kPropose, kAccept, kDecline, kAmend, kRetire,
  kStatus, kFeelings, kAgreementCheckIn,
  kAppreciation, kTrigger, kTalkRequest, kTalkAnswer, kMeeting, kRepair, kPause, kTimePlan, kTimeDone,
  kSeen, kCorrect, kWithdraw, kPhase,
  kLeave,
};

enum class FieldType {
  kText,      // UTF-8 text, non-empty after trimming, at most `max` characters (code points)
  kScale,     // whole number 1..10
  kRef,       // entry id: 64 lowercase hex digits
  kRefList,   // array of up to 16 entry ids
  kTimeMs,    // Unix milliseconds, 1..2^47
  kDate,      // "YYYY-MM-DD", a real calendar date
  kMinutes,   // whole number within [min, max]
  kChoice,    // one of `choices`
};

struct FieldSpec {
  std::string_view name;
  FieldType type;
  bool required;
  std::int64_t min = 0;  // kText: at most `max` characters; kMinutes: range
  std::int64_t max = 0;
  std::vector<std::string_view> choices = {};
};

struct KindSpec {
  Kind kind;
  std::string_view name;
  std::string_view purpose;  // one plain sentence, for --help and the docs
  std::vector<FieldSpec> fields;
};

// Every kind, declared once.
const std::vector<KindSpec>& Kinds();
std::optional<Kind> KindFromName(std::string_view name);
std::string_view KindName(Kind kind);
const KindSpec& SpecOf(Kind kind);

// Kinds whose entries ask the partner for an answer (accept or decline).
bool IsProposal(Kind kind);
// Kinds that belong to the couple's shared agreements: the daemon refuses to
// withdraw them (retire or amend instead).
bool IsAgreementRecord(Kind kind);

inline constexpr std::string_view kCategories[] = {"commitment", "need", "boundary", "ritual"};
inline constexpr std::string_view kOutcomes[] = {"kept", "struggled", "missed"};
inline constexpr std::string_view kPhases[] = {"atone", "attune", "attach"};
// The answers to a talk request (docs/LEDGER.md, "Talks and plans").
inline constexpr std::string_view kTalkAnswers[] = {"tonight", "at_meeting", "not_yet"};
// The words a person reads for an answer: "Yes, tonight", "At our weekly
// meeting", "Not yet, I need time"; the answer itself when unknown.
std::string_view TalkAnswerWords(std::string_view answer);
inline constexpr std::int64_t kMinPauseMinutes = 20;
inline constexpr std::int64_t kMaxPauseMinutes = 24 * 60;

// A body validated for its kind.
struct Body {
  Kind kind;
  nlohmann::json json;  // canonical: only known fields, "kind" included
};

// User input -> body. `params` holds "kind" and the kind's fields. Fails with
// kInvalidArgument naming the field and the rule ("mood must be a whole
// number from 1 to 10"), or the unknown kind or field.
Result<Body> BodyFromParams(const nlohmann::json& params);
// An opened body from the ledger -> body. Fails with kMalformed (saying why)
// when a known kind breaks its schema, and kUnknownMethod for an unknown kind.
Result<Body> ReadBody(const nlohmann::json& body);

// The canonical text of a body (compact JSON, keys sorted).
std::string EncodeBody(const Body& body);

// Characters as every text limit counts them: Unicode code points, so that a
// Hebrew, Chinese or emoji writer gets the same room as an English one.
// `text` is UTF-8 (JSON text always is).
std::size_t CountCharacters(std::string_view text);
// Whether `text` holds a control character other than tab, line feed and
// carriage return (C0, DEL, C1): none that a person types, and some that
// rewrite a terminal. What a person writes may hold none; what the ledger
// already holds is read as it is.
bool HasControlCharacters(std::string_view text);

// Days since 1970-01-01 of a local date "YYYY-MM-DD"; nullopt if not a date.
std::optional<std::int64_t> DayFromDate(std::string_view date);
std::string DateFromDay(std::int64_t day);

}  // namespace kintsugi::protocol
