#include "protocol/kinds.h"

#include "protocol/body.h"
#include "protocol/entry.h"
#include "protocol/ipc.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <limits>
#include <set>
#include <string>
#include <vector>

namespace kintsugi::protocol {
namespace {

using nlohmann::json;

constexpr int kKindCount = static_cast<int>(Kind::kLeave) + 1;
const std::string kId(64, 'a');  // a well-formed entry id

// A valid value of a field of this spec.
json ValidValue(const FieldSpec& f) {
  switch (f.type) {
    case FieldType::kText: return "some words";
    case FieldType::kScale: return 5;
    case FieldType::kRef: return kId;
    case FieldType::kRefList: return json::array({kId, std::string(64, 'b')});
    case FieldType::kTimeMs: return 1'790'000'000'000;
    case FieldType::kDate: return "2026-11-26";
    case FieldType::kMinutes: return f.min;
    case FieldType::kChoice: return std::string(f.choices.front());
  }
  ADD_FAILURE() << "a field type without a valid value";
  return nullptr;
}

// Every field of the kind, each with a valid value.
json FullParams(const KindSpec& spec) {
  json p{{"kind", spec.name}};
  for (const auto& f : spec.fields) p[std::string(f.name)] = ValidValue(f);
  return p;
}

// Only the required fields.
json MinimalParams(const KindSpec& spec) {
  json p{{"kind", spec.name}};
  for (const auto& f : spec.fields) {
    if (f.required) p[std::string(f.name)] = ValidValue(f);
  }
  return p;
}

// `params` must be refused as user input (kInvalidArgument) and as a ledger
// body (kMalformed), with a message naming `field`.
void ExpectRefused(const json& params, const std::string& field) {
  auto user = BodyFromParams(params);
  ASSERT_FALSE(user.ok()) << params.dump();
  EXPECT_EQ(user.error().code, ErrorCode::kInvalidArgument) << params.dump();
  EXPECT_NE(user.error().message.find(field), std::string::npos)
      << params.dump() << " -> " << user.error().message;
  auto ledger = ReadBody(params);
  ASSERT_FALSE(ledger.ok()) << params.dump();
  EXPECT_EQ(ledger.error().code, ErrorCode::kMalformed) << params.dump();
  EXPECT_NE(ledger.error().message.find(field), std::string::npos)
      << params.dump() << " -> " << ledger.error().message;
}

// `params` must be accepted by both, and the value of `field` kept as given.
void ExpectAccepted(const json& params, const std::string& field) {
  auto user = BodyFromParams(params);
  ASSERT_TRUE(user.ok()) << params.dump() << " -> " << user.error().message;
  EXPECT_EQ(user->json.at(field), params.at(field)) << params.dump();
  auto ledger = ReadBody(params);
  ASSERT_TRUE(ledger.ok()) << params.dump() << " -> " << ledger.error().message;
  EXPECT_EQ(ledger->json, user->json);
}

json With(json params, const std::string& field, json value) {
  params[field] = std::move(value);
  return params;
}

const json kCheckIn{{"kind", "checkin"}, {"note", "a quiet evening"}};
const json kFeelings{{"kind", "feelings"}, {"mood", 5}, {"trust", 5}};
const json kAccept{{"kind", "accept"}, {"ref", kId}};
const json kMeeting{{"kind", "meeting"}, {"appreciations", "the dinner"}};
const json kPlan{{"kind", "time.plan"}, {"what", "a walk"}, {"when", 1'790'000'000'000}};
const json kPropose{{"kind", "propose"}, {"title", "Phones"}, {"text", "No phones at dinner."},
                    {"category", "ritual"}};
const json kPause{{"kind", "pause"}, {"minutes", 30}};

// --- The table ---

TEST(Kinds, TableHoldsEveryKindOnceWithAUniqueName) {
  const auto& kinds = Kinds();
  EXPECT_EQ(kinds.size(), static_cast<std::size_t>(kKindCount));
  std::set<std::string_view> names;
  std::set<Kind> seen;
  for (const auto& k : kinds) {
    EXPECT_FALSE(k.name.empty());
    EXPECT_TRUE(names.insert(k.name).second) << "duplicate name " << k.name;
    EXPECT_TRUE(seen.insert(k.kind).second) << "duplicate kind " << k.name;
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kKindCount));
}

TEST(Kinds, SpecOfCoversEveryKindValue) {
  for (int i = 0; i < kKindCount; ++i) {
    const Kind kind = static_cast<Kind>(i);
    EXPECT_EQ(SpecOf(kind).kind, kind) << i;
  }
}

TEST(Kinds, NameAndKindRoundTrip) {
  for (int i = 0; i < kKindCount; ++i) {
    const Kind kind = static_cast<Kind>(i);
    auto back = KindFromName(KindName(kind));
    ASSERT_TRUE(back.has_value()) << KindName(kind);
    EXPECT_EQ(*back, kind);
  }
  for (const auto& k : Kinds()) EXPECT_EQ(KindName(k.kind), k.name);
}

TEST(Kinds, KnowsTheDocumentedNames) {
  EXPECT_EQ(KindFromName("member"), Kind::kMember);
  EXPECT_EQ(KindFromName("checkin"), Kind::kCheckIn);
  EXPECT_EQ(KindFromName("agreement"), Kind::kAgreementCheckIn);
  EXPECT_EQ(KindFromName("talk.request"), Kind::kTalkRequest);
  EXPECT_EQ(KindFromName("time.plan"), Kind::kTimePlan);
  EXPECT_EQ(KindFromName("time.done"), Kind::kTimeDone);
  EXPECT_EQ(KindFromName("phase"), Kind::kPhase);
  EXPECT_EQ(KindFromName("leave"), Kind::kLeave);
}

TEST(Kinds, RefusesNamesItDoesNotKnow) {
  EXPECT_FALSE(KindFromName("").has_value());
  EXPECT_FALSE(KindFromName("Member").has_value());
  EXPECT_FALSE(KindFromName("checkin ").has_value());
  EXPECT_FALSE(KindFromName("dance").has_value());
}

TEST(Kinds, EverySpecIsWellFormed) {
  for (const auto& k : Kinds()) {
    EXPECT_FALSE(k.purpose.empty()) << k.name;
    std::set<std::string_view> fields;
    for (const auto& f : k.fields) {
      EXPECT_TRUE(fields.insert(f.name).second) << k.name << "." << f.name;
      EXPECT_NE(f.name, "kind") << k.name;
      EXPECT_NE(f.name, "tz") << k.name;
      EXPECT_NE(f.name, "carried") << k.name;
      if (f.type == FieldType::kText) {
        EXPECT_GT(f.max, 0) << k.name << "." << f.name;
      }
      if (f.type == FieldType::kMinutes) {
        EXPECT_LT(f.min, f.max) << k.name << "." << f.name;
      }
      if (f.type == FieldType::kChoice) {
        EXPECT_FALSE(f.choices.empty()) << k.name << "." << f.name;
      }
    }
  }
}

TEST(Kinds, ProposalsAreTheKindsAPartnerAnswers) {
  const std::set<Kind> proposals{Kind::kPropose, Kind::kAmend, Kind::kRetire, Kind::kPhase};
  for (int i = 0; i < kKindCount; ++i) {
    const Kind kind = static_cast<Kind>(i);
    EXPECT_EQ(IsProposal(kind), proposals.count(kind) == 1) << KindName(kind);
  }
}

TEST(Kinds, AgreementRecordsIncludeProposalsAndAnswersButNotCheckIns) {
  for (Kind k : {Kind::kPropose, Kind::kAmend, Kind::kRetire, Kind::kPhase, Kind::kAccept, Kind::kDecline}) {
    EXPECT_TRUE(IsAgreementRecord(k)) << KindName(k);
  }
  for (Kind k : {Kind::kCheckIn, Kind::kFeelings, Kind::kAgreementCheckIn, Kind::kAppreciation, Kind::kTrigger,
                 Kind::kTalkRequest, Kind::kStatus, Kind::kTimePlan, Kind::kTimeDone, Kind::kCorrect}) {
    EXPECT_FALSE(IsAgreementRecord(k)) << KindName(k);
  }
}

// --- Required and optional fields, every kind ---

TEST(KindsBody, EveryKindAcceptsAllItsFields) {
  for (const auto& k : Kinds()) {
    const json params = FullParams(k);
    auto body = BodyFromParams(params);
    ASSERT_TRUE(body.ok()) << params.dump() << " -> " << body.error().message;
    EXPECT_EQ(body->kind, k.kind);
    EXPECT_EQ(body->json, params) << "every field kept as given";
    auto read = ReadBody(params);
    ASSERT_TRUE(read.ok()) << read.error().message;
    EXPECT_EQ(read->kind, k.kind);
    EXPECT_EQ(read->json, body->json);
  }
}

TEST(KindsBody, EveryKindAcceptsOnlyItsRequiredFields) {
  for (const auto& k : Kinds()) {
    const json params = MinimalParams(k);
    auto body = BodyFromParams(params);
    ASSERT_TRUE(body.ok()) << params.dump() << " -> " << body.error().message;
    EXPECT_EQ(body->json, params);
    EXPECT_TRUE(ReadBody(params).ok()) << params.dump();
  }
}

TEST(KindsBody, EveryMissingRequiredFieldIsRefusedByName) {
  int required = 0;
  for (const auto& k : Kinds()) {
    for (const auto& f : k.fields) {
      if (!f.required) continue;
      ++required;
      json params = FullParams(k);
      params.erase(std::string(f.name));
      ExpectRefused(params, std::string(f.name) + " is required");
      // A null is as good as missing.
      params[std::string(f.name)] = nullptr;
      ExpectRefused(params, std::string(f.name) + " is required");
    }
  }
  EXPECT_GE(required, kKindCount) << "every kind has at least one required field";
}

TEST(KindsBody, NullOptionalFieldsAreDropped) {
  json params = kCheckIn;
  params["mood"] = nullptr;
  auto body = BodyFromParams(params);
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_FALSE(body->json.contains("mood"));
}

TEST(KindsBody, TheDocumentedRequiredFields) {
  auto required = [](Kind kind) {
    std::set<std::string> names;
    for (const auto& f : SpecOf(kind).fields) {
      if (f.required) names.insert(std::string(f.name));
    }
    return names;
  };
  EXPECT_EQ(required(Kind::kPropose), (std::set<std::string>{"title", "text", "category"}));
  EXPECT_EQ(required(Kind::kFeelings), (std::set<std::string>{"mood", "trust"}));
  EXPECT_EQ(required(Kind::kRepair), (std::set<std::string>{"plan"}));
  EXPECT_EQ(required(Kind::kTimePlan), (std::set<std::string>{"what", "when"}));
  EXPECT_EQ(required(Kind::kTimeDone), (std::set<std::string>{"what"}));
  EXPECT_EQ(required(Kind::kPhase), (std::set<std::string>{"phase"}));
}

// --- Each field type's rules ---

TEST(KindsText, RefusesEmptyBlankAndNonText) {
  ExpectRefused(With(kCheckIn, "note", ""), "note");
  ExpectRefused(With(kCheckIn, "note", " \t\r\n "), "note");
  ExpectRefused(With(kCheckIn, "note", 5), "note");
  ExpectRefused(With(kCheckIn, "note", json::array({"a"})), "note");
  ExpectRefused(With(kCheckIn, "note", true), "note");
}

// `n` times `s`.
std::string Times(int n, const std::string& s) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(KindsText, LimitsAreInCharactersTheSameInEveryScript) {
  ExpectAccepted(With(kCheckIn, "note", std::string(4000, 'a')), "note");
  ExpectRefused(With(kCheckIn, "note", std::string(4001, 'a')), "note is longer than 4000 characters");
  // Hebrew (two bytes each), Chinese (three) and emoji (four): 4000 of each
  // are as welcome as 4000 Latin letters, and one more is too many.
  for (const std::string c : {"\u05e9", "\u4f60", "\U0001F600", "\u00e9"}) {
    ExpectAccepted(With(kCheckIn, "note", Times(4000, c)), "note");
    ExpectRefused(With(kCheckIn, "note", Times(4000, c) + "x"), "note is longer than 4000 characters");
  }
  EXPECT_EQ(CountCharacters("D\u00e9sol\u00e9 \u2014 \u05e9\u05dc\u05d5\u05dd \u4f60\u597d \U0001F600"), 18u);
  const json member{{"kind", "member"}};
  ExpectAccepted(With(member, "name", std::string(64, 'n')), "name");
  ExpectAccepted(With(member, "name", Times(64, "\u0141")), "name");  // Ł
  ExpectRefused(With(member, "name", std::string(65, 'n')), "name is longer than 64 characters");
  ExpectAccepted(With(kPropose, "title", std::string(200, 't')), "title");
  ExpectRefused(With(kPropose, "title", std::string(201, 't')), "title");
  ExpectAccepted(With(kAccept, "note", std::string(1000, 'n')), "note");
  ExpectRefused(With(kAccept, "note", std::string(1001, 'n')), "note");
}

TEST(KindsText, KeepsSurroundingSpaces) {
  ExpectAccepted(With(kCheckIn, "note", "  padded  "), "note");
}

TEST(KindsScale, AcceptsOneToTen) {
  for (int v = 1; v <= 10; ++v) {
    ExpectAccepted(With(kFeelings, "mood", v), "mood");
    ExpectAccepted(With(kFeelings, "trust", v), "trust");
  }
  ExpectAccepted(With(kCheckIn, "mood", 1), "mood");
  ExpectAccepted(With(kCheckIn, "trust", 10), "trust");
  ExpectAccepted(With(json{{"kind", "trigger"}, {"what", "w"}}, "intensity", 10), "intensity");
}

TEST(KindsScale, RefusesEverythingElse) {
  for (const json& bad : {json(0), json(11), json(1.5), json("7"), json(-1), json(true), json(7.0),
                          json(std::numeric_limits<std::uint64_t>::max()), json(4294967297ll),
                          json::array({7}), json::object()}) {
    ExpectRefused(With(kFeelings, "mood", bad), "mood must be a whole number from 1 to 10");
    ExpectRefused(With(kFeelings, "trust", bad), "trust must be a whole number from 1 to 10");
  }
  ExpectRefused(With(json{{"kind", "trigger"}, {"what", "w"}}, "intensity", 11), "intensity");
}

TEST(KindsRef, AcceptsSixtyFourLowercaseHexDigits) {
  ExpectAccepted(With(kAccept, "ref", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
                 "ref");
}

TEST(KindsRef, RefusesAnythingElse) {
  const std::string good = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  std::string upper = good;
  upper[10] = 'A';
  std::string non_hex = good;
  non_hex[0] = 'g';
  for (const json& bad : {json(good.substr(1)), json(good + "0"), json(upper), json(non_hex), json(""),
                          json(12345), json::array({good})}) {
    ExpectRefused(With(kAccept, "ref", bad), "ref must be an entry id");
  }
}

TEST(KindsRefList, AcceptsUpToSixteenIds) {
  ExpectAccepted(With(kMeeting, "talks", json::array()), "talks");
  json sixteen = json::array();
  for (int i = 0; i < 16; ++i) sixteen.push_back(kId);
  ExpectAccepted(With(kMeeting, "talks", sixteen), "talks");
  ExpectAccepted(With(json{{"kind", "repair"}, {"plan", "p"}}, "talks", sixteen), "talks");
}

TEST(KindsRefList, RefusesMoreThanSixteenAndBadIds) {
  json seventeen = json::array();
  for (int i = 0; i < 17; ++i) seventeen.push_back(kId);
  ExpectRefused(With(kMeeting, "talks", seventeen), "talks must be a list of at most 16 entry ids");
  ExpectRefused(With(kMeeting, "talks", kId), "talks");
  ExpectRefused(With(kMeeting, "talks", json::array({kId, "abc"})), "talks must hold entry ids");
  ExpectRefused(With(kMeeting, "talks", json::array({kId, 5})), "talks must hold entry ids");
}

TEST(KindsTimeMs, AcceptsOneToTwoToTheFortySeven) {
  ExpectAccepted(With(kPlan, "when", 1), "when");
  ExpectAccepted(With(kPlan, "when", (std::int64_t{1} << 47) - 1), "when");
  ExpectAccepted(With(json{{"kind", "status"}, {"text", "t"}}, "until", 1'790'000'000'000), "until");
}

TEST(KindsTimeMs, RefusesZeroNegativeTooLargeAndNonNumbers) {
  for (const json& bad : {json(0), json(-5), json(std::int64_t{1} << 47), json(1.5), json("1790000000000"),
                          json(std::numeric_limits<std::uint64_t>::max())}) {
    ExpectRefused(With(kPlan, "when", bad), "when must be a time in Unix milliseconds");
  }
}

TEST(KindsDate, AcceptsRealDates) {
  for (const char* d : {"2028-02-29", "2000-02-29", "1970-01-01", "2026-12-31", "2026-11-26"}) {
    ExpectAccepted(With(kPropose, "review", d), "review");
  }
  ExpectAccepted(With(json{{"kind", "phase"}, {"phase", "atone"}}, "breach_named", "2026-02-28"),
                 "breach_named");
}

TEST(KindsDate, RefusesImpossibleOrMisshapenDates) {
  for (const char* d : {"2026-02-30", "2027-02-29", "2100-02-29", "2026-04-31", "2026-13-01", "2026-00-10",
                        "2026-01-00", "1969-12-31", "2026-1-01", "2026/01/01", "26-01-01", "2026-01-011",
                        "2026-0a-01", ""}) {
    ExpectRefused(With(kPropose, "review", d), "review must be a date YYYY-MM-DD");
  }
  ExpectRefused(With(kPropose, "review", 20260101), "review");
}

TEST(KindsMinutes, PauseIsTwentyMinutesToOneDay) {
  ExpectAccepted(With(kPause, "minutes", 20), "minutes");
  ExpectAccepted(With(kPause, "minutes", 1440), "minutes");
  for (const json& bad : {json(19), json(1441), json(0), json(-30), json(30.5), json("30")}) {
    ExpectRefused(With(kPause, "minutes", bad), "minutes must be a whole number of minutes from 20 to 1440");
  }
}

TEST(KindsChoice, AcceptsEachListedChoice) {
  for (auto c : kCategories) ExpectAccepted(With(kPropose, "category", std::string(c)), "category");
  const json checkin{{"kind", "agreement"}, {"agreement", kId}};
  for (auto c : kOutcomes) ExpectAccepted(With(checkin, "outcome", std::string(c)), "outcome");
  for (auto c : kPhases) ExpectAccepted(With(json{{"kind", "phase"}}, "phase", std::string(c)), "phase");
}

TEST(KindsChoice, RefusesOthersListingTheChoices) {
  for (const json& bad : {json("promise"), json("Ritual"), json(""), json(1), json::array({"ritual"})}) {
    ExpectRefused(With(kPropose, "category", bad), "category must be one of: commitment, need, boundary, ritual");
  }
  ExpectRefused(With(json{{"kind", "agreement"}, {"agreement", kId}}, "outcome", "forgot"),
                "outcome must be one of: kept, struggled, missed");
  ExpectRefused(With(json{{"kind", "phase"}}, "phase", "ATONE"), "phase must be one of: atone, attune, attach");
}

// --- Unknown fields and kinds ---

TEST(KindsBody, UserInputRefusesAnUnknownField) {
  auto r = BodyFromParams(With(kCheckIn, "colour", "blue"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("colour"), std::string::npos) << r.error().message;
  // A null unknown field is as good as absent.
  EXPECT_TRUE(BodyFromParams(With(kCheckIn, "colour", nullptr)).ok());
}

TEST(KindsBody, LedgerBodyIgnoresAnUnknownField) {
  auto r = ReadBody(With(kCheckIn, "colour", "blue"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->json.contains("colour"));
  EXPECT_EQ(r->json, kCheckIn);
}

TEST(KindsBody, UnknownKindIsInvalidInputButUnknownInTheLedger) {
  const json dance{{"kind", "dance"}, {"with", "you"}};
  auto user = BodyFromParams(dance);
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(user.error().message.find("dance"), std::string::npos);
  auto ledger = ReadBody(dance);
  ASSERT_FALSE(ledger.ok());
  EXPECT_EQ(ledger.error().code, ErrorCode::kUnknownMethod);
  EXPECT_NE(ledger.error().message.find("dance"), std::string::npos);
}

TEST(KindsBody, RefusesBodiesWithoutATextKind) {
  for (const json& bad : {json{{"note", "n"}}, json{{"kind", 3}}, json{{"kind", nullptr}}, json::array(),
                          json("checkin"), json(nullptr), json(42)}) {
    auto user = BodyFromParams(bad);
    ASSERT_FALSE(user.ok()) << bad.dump();
    EXPECT_EQ(user.error().code, ErrorCode::kInvalidArgument) << bad.dump();
    auto ledger = ReadBody(bad);
    ASSERT_FALSE(ledger.ok()) << bad.dump();
    EXPECT_EQ(ledger.error().code, ErrorCode::kMalformed) << bad.dump();
  }
}

// --- tz and carried ---

TEST(KindsTz, AcceptedWithinFourteenHoursEitherWay) {
  for (int tz : {-840, -330, 0, 60, 345, 840}) {
    auto user = BodyFromParams(With(kCheckIn, "tz", tz));
    ASSERT_TRUE(user.ok()) << tz << ": " << user.error().message;
    EXPECT_EQ(user->json.at("tz"), tz);
    auto ledger = ReadBody(With(kCheckIn, "tz", tz));
    ASSERT_TRUE(ledger.ok()) << tz;
    EXPECT_EQ(ledger->json.at("tz"), tz);
  }
}

TEST(KindsTz, RefusedBeyondFourteenHoursOrNotWhole) {
  for (const json& bad : {json(841), json(-841), json(100000), json(1.5), json("60"), json(true)}) {
    ExpectRefused(With(kCheckIn, "tz", bad), "tz");
  }
}

TEST(KindsTz, RefusedWhenItWrapsAroundAsASignedNumber) {
  // 2^64 - 1 reads as -1 and INT64_MIN has no absolute value: both are far
  // beyond 840 minutes and must be refused, not taken as a small offset.
  ExpectRefused(With(kCheckIn, "tz", std::numeric_limits<std::uint64_t>::max()), "tz");
  ExpectRefused(With(kCheckIn, "tz", std::numeric_limits<std::uint64_t>::max() - 59), "tz");
  ExpectRefused(With(kCheckIn, "tz", std::numeric_limits<std::int64_t>::min()), "tz");
  ExpectRefused(json::parse(R"({"kind":"checkin","note":"n","tz":18446744073709551615})"), "tz");
  ExpectRefused(json::parse(R"({"kind":"checkin","note":"n","tz":-9223372036854775808})"), "tz");
}

TEST(KindsCarried, KeptOnlyByTheLedgerReader) {
  const json carried{{"hlc", std::uint64_t{123456789}}, {"id", kId}};
  auto user = BodyFromParams(With(kCheckIn, "carried", carried));
  ASSERT_FALSE(user.ok());
  EXPECT_EQ(user.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(user.error().message.find("carried"), std::string::npos);
  auto ledger = ReadBody(With(kCheckIn, "carried", carried));
  ASSERT_TRUE(ledger.ok()) << ledger.error().message;
  EXPECT_EQ(ledger->json.at("carried"), carried);
  // As read back from the ledger's text.
  auto parsed = ReadBody(json::parse(R"({"kind":"checkin","note":"n","carried":{"hlc":5}})"));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->json.at("carried").at("hlc"), 5u);
}

TEST(KindsCarried, DroppedUnlessItHoldsAnUnsignedClock) {
  for (const json& bad : {json(5), json("x"), json::object(), json{{"hlc", -5}}, json{{"hlc", "5"}},
                          json{{"hlc", 1.5}}, json{{"id", kId}}}) {
    auto ledger = ReadBody(With(kCheckIn, "carried", bad));
    ASSERT_TRUE(ledger.ok()) << bad.dump();
    EXPECT_FALSE(ledger->json.contains("carried")) << bad.dump();
  }
}

// --- Canonical text ---

TEST(KindsEncode, IsCompactWithSortedKeys) {
  auto body = BodyFromParams(json::parse(R"({"trust":9, "note":"x", "kind":"checkin", "mood":7, "tz":60})"));
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_EQ(EncodeBody(*body), R"({"kind":"checkin","mood":7,"note":"x","trust":9,"tz":60})");
}

TEST(KindsEncode, KeepsUtf8AndEscapesOnlyWhatJsonRequires) {
  auto body = BodyFromParams(json{{"kind", "appreciation"}, {"text", "caf\xc3\xa9 \"ensemble\"\n"}});
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(EncodeBody(*body), "{\"kind\":\"appreciation\",\"text\":\"caf\xc3\xa9 \\\"ensemble\\\"\\n\"}");
}

TEST(KindsEncode, ParsesBackToTheSameBodyForEveryKind) {
  for (const auto& k : Kinds()) {
    auto body = BodyFromParams(FullParams(k));
    ASSERT_TRUE(body.ok()) << k.name;
    const std::string text = EncodeBody(*body);
    EXPECT_EQ(text, body->json.dump()) << "compact";
    EXPECT_EQ(json::parse(text), body->json);
    EXPECT_EQ(text.rfind("{\"", 0), 0u) << text;
  }
}

TEST(KindsEncode, IsStableUnderReadingBack) {
  for (const auto& k : Kinds()) {
    json params = FullParams(k);
    params["tz"] = -120;
    auto body = BodyFromParams(params);
    ASSERT_TRUE(body.ok()) << k.name << ": " << body.error().message;
    const std::string text = EncodeBody(*body);
    auto again = ReadBody(json::parse(text));
    ASSERT_TRUE(again.ok()) << text;
    EXPECT_EQ(EncodeBody(*again), text);
  }
}

// --- Dates ---

TEST(KindsDate, EpochIsDayZero) {
  EXPECT_EQ(DayFromDate("1970-01-01"), 0);
  EXPECT_EQ(DayFromDate("1970-01-02"), 1);
  EXPECT_EQ(DateFromDay(0), "1970-01-01");
  EXPECT_EQ(DateFromDay(-1), "1969-12-31");
}

TEST(KindsDate, KnownDays) {
  EXPECT_EQ(DayFromDate("2000-02-29"), 11016);
  EXPECT_EQ(DayFromDate("2000-03-01"), 11017);
  EXPECT_EQ(DayFromDate("2024-02-29"), 19782);
  EXPECT_EQ(DayFromDate("2026-11-26"), 20783);
  EXPECT_EQ(DayFromDate("2028-02-29"), 21243);
  EXPECT_EQ(DayFromDate("2038-01-19"), 24855);
  EXPECT_EQ(DayFromDate("2100-03-01"), 47541);
  EXPECT_EQ(DayFromDate("9999-12-31"), 2932896);
  EXPECT_EQ(DateFromDay(20783), "2026-11-26");
  EXPECT_EQ(DateFromDay(21243), "2028-02-29");
}

TEST(KindsDate, RefusesNonDates) {
  for (const char* d : {"2026-02-30", "2027-02-29", "2100-02-29", "1969-12-31", "2026-11-26T00:00",
                        " 2026-11-26", "2026-11-2", "abcd-ef-gh"}) {
    EXPECT_FALSE(DayFromDate(d).has_value()) << d;
  }
}

TEST(KindsDate, RoundTripsEveryDayFrom1970To2200) {
  const std::int64_t last = *DayFromDate("2200-12-31");
  std::int64_t leap_days = 0;
  std::string prev = DateFromDay(-1);
  for (std::int64_t day = 0; day <= last; ++day) {
    const std::string date = DateFromDay(day);
    ASSERT_EQ(DayFromDate(date), day) << date;
    ASSERT_LT(prev, date) << "dates increase with days";
    if (date.substr(5) == "02-29") ++leap_days;
    prev = date;
  }
  // 1972..2196 every four years (57), less 2100 (not a leap year).
  EXPECT_EQ(leap_days, 57 - 1);
  EXPECT_EQ(DateFromDay(last), "2200-12-31");
}

// What a person writes holds no control characters but tab and line breaks
// (an escape sequence can rewrite a terminal, and nobody types one); what the
// ledger already holds is read as it is, so no entry of a partner's is lost.
TEST(KindsText, WhatAPersonWritesHoldsNoControlCharacters) {
  ExpectAccepted(With(kCheckIn, "note", "two lines\n\tand a tab\r\n"), "note");
  for (const std::string& bad : std::vector<std::string>{"\x1b[2J", "bell\x07", "del\x7f", "c1\xc2\x9b" "31m",
                                                         "nul" + std::string(1, '\0')}) {
    const json params = With(kCheckIn, "note", bad);
    auto user = BodyFromParams(params);
    ASSERT_FALSE(user.ok()) << params.dump();
    EXPECT_EQ(user.error().message, "note must not hold control characters");
    EXPECT_TRUE(ReadBody(params).ok()) << "a ledger entry with " << params.dump() << " is read as it is";
  }
  EXPECT_FALSE(HasControlCharacters("\u00e9\u05e9\U0001F600\u00a0"));  // U+00A0 is not C1
  auto member = MemberIntroFromJson(json{{"name", "Al\x1b" "ex"}});
  ASSERT_FALSE(member.ok());
  EXPECT_EQ(member.error().message, "name must not hold control characters");
}

// The largest body that every rule of a kind allows (each text field full of
// four-byte characters, every list full, every number at its largest) fits
// in an entry, and its append request fits in one IPC request even when
// every character is escaped as JSON's \uXXXX: no entry a person may write
// is refused for its size alone.
TEST(KindsText, TheLargestBodyOfEveryKindFitsInAnEntryAndARequest) {
  const std::string ref(64, 'a');
  std::size_t largest = 0;
  for (const KindSpec& spec : Kinds()) {
    json params{{"kind", std::string(spec.name)}, {"tz", -840}};
    for (const FieldSpec& f : spec.fields) {
      const std::string name(f.name);
      switch (f.type) {
        case FieldType::kText: params[name] = Times(static_cast<int>(f.max), "\U0001F600"); break;
        case FieldType::kScale: params[name] = 10; break;
        case FieldType::kRef: params[name] = ref; break;
        case FieldType::kRefList: params[name] = std::vector<std::string>(16, ref); break;
        case FieldType::kTimeMs: params[name] = (std::int64_t{1} << 47) - 1; break;
        case FieldType::kDate: params[name] = "2026-12-05"; break;
        case FieldType::kMinutes: params[name] = f.max; break;
        case FieldType::kChoice: {
          std::string_view longest;
          for (auto c : f.choices) longest = c.size() > longest.size() ? c : longest;
          params[name] = std::string(longest);
          break;
        }
      }
    }
    auto body = BodyFromParams(params);
    ASSERT_TRUE(body.ok()) << spec.name << ": " << body.error().message;
    const std::size_t bytes = EncodeBody(*body).size();
    largest = std::max(largest, bytes);
    EXPECT_LT(bytes + 64, kMaxBodyBytes) << spec.name << " (with its padding)";
    const std::string escaped = EncodeIpcRequest(std::string(36, 'i'), "append", params);
    const std::string ascii = json::parse(escaped).dump(-1, ' ', /*ensure_ascii=*/true);
    EXPECT_LE(ascii.size(), kMaxIpcRequestBytes) << spec.name;
  }
  std::cerr << "the largest body any kind allows: " << largest << " bytes of " << kMaxBodyBytes << "\n";
}

}  // namespace
}  // namespace kintsugi::protocol
