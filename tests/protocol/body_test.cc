#include "protocol/body.h"

#include <gtest/gtest.h>

#include <string>

namespace kintsugi::protocol {
namespace {

using nlohmann::json;

void ExpectCheckInRejected(const json& params) {
  auto r = CheckInFromJson(params);
  ASSERT_FALSE(r.ok()) << params.dump();
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << params.dump();
  EXPECT_FALSE(r.error().message.empty());
}

TEST(Body, CheckInAcceptsANoteAlone) {
  auto r = CheckInFromJson(json{{"note", "a good day"}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->note, "a good day");
  EXPECT_FALSE(r->mood.has_value());
  EXPECT_FALSE(r->trust.has_value());
}

TEST(Body, CheckInAcceptsMoodAndTrustFromOneToTen) {
  for (int v : {1, 5, 10}) {
    auto r = CheckInFromJson(json{{"note", "n"}, {"mood", v}, {"trust", 11 - v}});
    ASSERT_TRUE(r.ok()) << v << ": " << r.error().message;
    EXPECT_EQ(r->mood, v);
    EXPECT_EQ(r->trust, 11 - v);
  }
}

TEST(Body, CheckInTreatsNullMoodAsAbsent) {
  auto r = CheckInFromJson(json{{"note", "n"}, {"mood", nullptr}});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->mood.has_value());
}

TEST(Body, CheckInRejectsMoodZero) { ExpectCheckInRejected(json{{"note", "n"}, {"mood", 0}}); }

TEST(Body, CheckInRejectsMoodEleven) { ExpectCheckInRejected(json{{"note", "n"}, {"mood", 11}}); }

TEST(Body, CheckInRejectsMoodAsString) { ExpectCheckInRejected(json{{"note", "n"}, {"mood", "7"}}); }

TEST(Body, CheckInRejectsFractionalMood) { ExpectCheckInRejected(json{{"note", "n"}, {"mood", 7.5}}); }

TEST(Body, CheckInRejectsOtherNonIntegerMoods) {
  ExpectCheckInRejected(json{{"note", "n"}, {"mood", true}});
  ExpectCheckInRejected(json{{"note", "n"}, {"mood", -1}});
  ExpectCheckInRejected(json{{"note", "n"}, {"mood", json::array({7})}});
  ExpectCheckInRejected(json{{"note", "n"}, {"mood", 18446744073709551615ull}});
  ExpectCheckInRejected(json{{"note", "n"}, {"mood", 4294967297ll}});  // 2^32 + 1
}

TEST(Body, CheckInRejectsTrustOutOfRange) {
  ExpectCheckInRejected(json{{"note", "n"}, {"trust", 0}});
  ExpectCheckInRejected(json{{"note", "n"}, {"trust", 11}});
  ExpectCheckInRejected(json{{"note", "n"}, {"trust", "5"}});
}

TEST(Body, CheckInRejectsMissingNote) { ExpectCheckInRejected(json{{"mood", 5}}); }

TEST(Body, CheckInRejectsNonTextNote) {
  ExpectCheckInRejected(json{{"note", 5}});
  ExpectCheckInRejected(json{{"note", nullptr}});
}

TEST(Body, CheckInRejectsEmptyNote) { ExpectCheckInRejected(json{{"note", ""}}); }

TEST(Body, CheckInRejectsWhitespaceNote) { ExpectCheckInRejected(json{{"note", " \t\r\n "}}); }

TEST(Body, CheckInAcceptsNoteOfExactly4000Bytes) {
  auto r = CheckInFromJson(json{{"note", std::string(kMaxNoteCharacters, 'a')}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->note.size(), kMaxNoteCharacters);
}

TEST(Body, CheckInRejectsNoteOver4000Bytes) {
  ExpectCheckInRejected(json{{"note", std::string(kMaxNoteCharacters + 1, 'a')}});
}

TEST(Body, CheckInCountsNoteLengthInCharactersNotBytes) {
  // 4000 three-byte characters: 12,000 bytes, and as welcome as 4000 letters.
  std::string note;
  for (int i = 0; i < 4000; ++i) note += "\xe2\x82\xac";  // U+20AC
  auto r = CheckInFromJson(json{{"note", note}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->note, note);
  ExpectCheckInRejected(json{{"note", note + "\xe2\x82\xac"}});
}

TEST(Body, CheckInRejectsNonObjectParams) {
  ExpectCheckInRejected(json::array({"note"}));
  ExpectCheckInRejected(json("note"));
  ExpectCheckInRejected(json(nullptr));
}

TEST(Body, MemberIntroAcceptsAName) {
  auto r = MemberIntroFromJson(json{{"name", "Ada"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->name, "Ada");
}

TEST(Body, MemberIntroRejectsMissingEmptyOrLongName) {
  EXPECT_FALSE(MemberIntroFromJson(json::object()).ok());
  EXPECT_FALSE(MemberIntroFromJson(json{{"name", "  "}}).ok());
  EXPECT_FALSE(MemberIntroFromJson(json{{"name", std::string(kMaxNameCharacters + 1, 'n')}}).ok());
  EXPECT_TRUE(MemberIntroFromJson(json{{"name", std::string(kMaxNameCharacters, 'n')}}).ok());
}

TEST(Body, EncodedCheckInParsesBackWithItsKind) {
  CheckIn c{"we talked", 7, 9};
  std::string text = EncodeBody(c);
  auto parsed = ParseBody(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ((*parsed)["kind"], kKindCheckIn);
  EXPECT_EQ((*parsed)["note"], "we talked");
  EXPECT_EQ((*parsed)["mood"], 7);
  EXPECT_EQ((*parsed)["trust"], 9);
}

TEST(Body, EncodedCheckInOmitsAbsentScales) {
  auto parsed = ParseBody(EncodeBody(CheckIn{"n", std::nullopt, std::nullopt}));
  ASSERT_TRUE(parsed.ok());
  EXPECT_FALSE(parsed->contains("mood"));
  EXPECT_FALSE(parsed->contains("trust"));
}

TEST(Body, EncodedMemberIntroParsesBackWithItsKind) {
  auto parsed = ParseBody(EncodeBody(MemberIntro{"Ada"}));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ((*parsed)["kind"], kKindMember);
  EXPECT_EQ((*parsed)["name"], "Ada");
}

TEST(Body, EncodeBodyIsCompactWithSortedKeys) {
  EXPECT_EQ(EncodeBody(CheckIn{"hi", 3, std::nullopt}), R"({"kind":"checkin","mood":3,"note":"hi"})");
  EXPECT_EQ(EncodeBody(MemberIntro{"Ada"}), R"({"kind":"member","name":"Ada"})");
}

TEST(Body, EncodeBodyRoundTripsThroughCheckInFromJson) {
  CheckIn c{"line one\nline \"two\"", 1, 10};
  auto parsed = ParseBody(EncodeBody(c));
  ASSERT_TRUE(parsed.ok());
  auto again = CheckInFromJson(*parsed);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->note, c.note);
  EXPECT_EQ(again->mood, c.mood);
  EXPECT_EQ(again->trust, c.trust);
}

TEST(Body, EncodeBodyDoesNotThrowOnInvalidUtf8) {
  std::string text;
  EXPECT_NO_THROW(text = EncodeBody(CheckIn{"bad \xff byte", std::nullopt, std::nullopt}));
  EXPECT_TRUE(ParseBody(text).ok());
}

TEST(Body, ParseBodyKeepsUnknownKinds) {
  auto parsed = ParseBody(R"({"kind":"future","x":1})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ((*parsed)["kind"], "future");
}

TEST(Body, ParseBodyRejectsNonObjects) {
  for (std::string_view text : {"[]", R"(["kind"])", "\"checkin\"", "5", "null", "", "{", "{\"kind\":"}) {
    auto parsed = ParseBody(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kMalformed);
  }
}

TEST(Body, ParseBodyRejectsMissingKind) {
  auto parsed = ParseBody(R"({"note":"x"})");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, ErrorCode::kMalformed);
}

TEST(Body, ParseBodyRejectsNonStringKind) {
  for (std::string_view text : {R"({"kind":1})", R"({"kind":null})", R"({"kind":["checkin"]})"}) {
    auto parsed = ParseBody(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kMalformed);
  }
}

}  // namespace
}  // namespace kintsugi::protocol
