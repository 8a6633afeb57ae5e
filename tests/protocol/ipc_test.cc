#include "protocol/ipc.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace kintsugi::protocol {
namespace {

using nlohmann::json;

Result<IpcRequest, IpcRequestError> Parse(std::string_view text) { return ParseIpcRequest(AsBytes(text)); }

void ExpectRequestRejected(std::string_view text, ErrorCode code) {
  auto r = Parse(text);
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_EQ(r.error().error.code, code) << text << ": " << r.error().error.message;
  EXPECT_FALSE(r.error().error.message.empty());
}

TEST(Ipc, ParsesAValidRequest) {
  auto r = Parse(R"({"id":7,"method":"checkin","params":{"note":"hi","mood":4}})");
  ASSERT_TRUE(r.ok()) << r.error().error.message;
  EXPECT_EQ(r->id, 7);
  EXPECT_EQ(r->method.method, Method::kCheckIn);
  EXPECT_EQ(r->method.name, "checkin");
  EXPECT_TRUE(r->method.needs_ledger);
  EXPECT_EQ(r->params["note"], "hi");
  EXPECT_EQ(r->params["mood"], 4);
}

TEST(Ipc, AcceptsStringAndNullIds) {
  auto s = Parse(R"({"id":"abc","method":"status"})");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->id, "abc");
  auto n = Parse(R"({"id":null,"method":"status"})");
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(n->id.is_null());
}

TEST(Ipc, MissingIdAndParamsDefaultToNullAndEmptyObject) {
  auto r = Parse(R"({"method":"status"})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->id.is_null());
  EXPECT_TRUE(r->params.is_object());
  EXPECT_TRUE(r->params.empty());
  auto null_params = Parse(R"({"method":"status","params":null})");
  ASSERT_TRUE(null_params.ok());
  EXPECT_TRUE(null_params->params.is_object());
}

TEST(Ipc, RequestRoundTripsThroughEncodeIpcRequest) {
  std::string text = EncodeIpcRequest(json(12), "log", json{{"limit", 5}});
  auto r = Parse(text);
  ASSERT_TRUE(r.ok()) << text;
  EXPECT_EQ(r->id, 12);
  EXPECT_EQ(r->method.method, Method::kLog);
  EXPECT_EQ(r->params, (json{{"limit", 5}}));
}

TEST(Ipc, RejectsOversizeRequestAsTooLarge) {
  std::string big = R"({"id":1,"method":"checkin","params":{"note":")";
  big += std::string(kMaxIpcRequestBytes, 'a');
  big += "\"}}";
  ExpectRequestRejected(big, ErrorCode::kTooLarge);
}

// Refused, an oversized request still names its sender's id, wherever the
// id is, and the error names the limit.
TEST(Ipc, AnOversizeRequestIsRefusedWithItsIdAndTheLimit) {
  const std::string note(kMaxIpcRequestBytes, 'a');
  auto first = Parse(R"({"id":"n1","method":"checkin","params":{"note":")" + note + "\"}}");
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().id, "n1");
  EXPECT_NE(first.error().error.message.find("at most " + std::to_string(kMaxIpcRequestBytes) + " bytes"),
            std::string::npos)
      << first.error().error.message;
  auto last = Parse(R"({"method":"checkin","params":{"id":5,"note":")" + note + R"("},"id":42})");
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().id, 42) << "the params' id is not the request's";
  auto none = Parse(R"({"method":"checkin","params":{"note":")" + note + R"("}})");
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(none.error().id.is_null());
  auto garbage = Parse(std::string(kMaxIpcRequestBytes + 1, '{'));
  ASSERT_FALSE(garbage.ok());
  EXPECT_TRUE(garbage.error().id.is_null());
  EXPECT_EQ(garbage.error().error.code, ErrorCode::kTooLarge);
}

TEST(Ipc, AcceptsRequestOfExactlyTheLimit) {
  std::string head = R"({"id":1,"method":"status","params":{"pad":")";
  std::string tail = "\"}}";
  std::string text = head + std::string(kMaxIpcRequestBytes - head.size() - tail.size(), 'a') + tail;
  ASSERT_EQ(text.size(), kMaxIpcRequestBytes);
  EXPECT_TRUE(Parse(text).ok());
}

TEST(Ipc, RejectsNonJson) {
  ExpectRequestRejected("hello", ErrorCode::kMalformed);
  ExpectRequestRejected("", ErrorCode::kMalformed);
  ExpectRequestRejected(R"({"id":1,"method":"status")", ErrorCode::kMalformed);
  ExpectRequestRejected("\xff\xfe", ErrorCode::kMalformed);
}

TEST(Ipc, RejectsJsonArray) {
  ExpectRequestRejected(R"([{"id":1,"method":"status"}])", ErrorCode::kMalformed);
  ExpectRequestRejected(R"("status")", ErrorCode::kMalformed);
}

TEST(Ipc, RejectsMissingMethod) {
  ExpectRequestRejected(R"({"id":1})", ErrorCode::kMalformed);
  ExpectRequestRejected(R"({"id":1,"method":5})", ErrorCode::kMalformed);
  ExpectRequestRejected(R"({"id":1,"method":null})", ErrorCode::kMalformed);
}

TEST(Ipc, MissingMethodStillRecoversTheId) {
  auto r = Parse(R"({"id":"req-9"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().id, "req-9");
}

TEST(Ipc, RejectsNonObjectParams) {
  ExpectRequestRejected(R"({"id":1,"method":"status","params":[1]})", ErrorCode::kMalformed);
  ExpectRequestRejected(R"({"id":1,"method":"status","params":"x"})", ErrorCode::kMalformed);
  ExpectRequestRejected(R"({"id":1,"method":"status","params":3})", ErrorCode::kMalformed);
}

TEST(Ipc, RejectsUnknownMethodAndRecoversTheId) {
  auto r = Parse(R"({"id":41,"method":"launch"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().error.code, ErrorCode::kUnknownMethod);
  EXPECT_EQ(r.error().id, 41);
  EXPECT_NE(r.error().error.message.find("launch"), std::string::npos);
}

TEST(Ipc, MethodNamesAreCaseSensitive) {
  ExpectRequestRejected(R"({"id":1,"method":"Status"})", ErrorCode::kUnknownMethod);
}

TEST(Ipc, RejectsBadIdTypes) {
  for (std::string_view text : {R"({"id":1.5,"method":"status"})", R"({"id":true,"method":"status"})",
                                R"({"id":[1],"method":"status"})", R"({"id":{},"method":"status"})"}) {
    auto r = Parse(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().error.code, ErrorCode::kMalformed) << text;
    EXPECT_TRUE(r.error().id.is_null()) << text;
  }
}

TEST(Ipc, RejectsOverlongStringId) {
  std::string text = R"({"id":")" + std::string(129, 'i') + R"(","method":"status"})";
  ExpectRequestRejected(text, ErrorCode::kMalformed);
  std::string ok = R"({"id":")" + std::string(128, 'i') + R"(","method":"status"})";
  EXPECT_TRUE(Parse(ok).ok());
}

TEST(Ipc, ResultRoundTripsThroughParseIpcReply) {
  json result{{"entries", json::array({1, 2, 3})}, {"head", "abc"}};
  std::string text = EncodeIpcResult(json("r1"), result);
  auto reply = ParseIpcReply(AsBytes(text));
  ASSERT_TRUE(reply.ok()) << reply.error().message;
  EXPECT_EQ(reply->id, "r1");
  ASSERT_TRUE(reply->outcome.ok());
  EXPECT_EQ(*reply->outcome, result);
}

TEST(Ipc, ErrorRoundTripsThroughParseIpcReplyForEveryCode) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::kInternal); ++i) {
    auto code = static_cast<ErrorCode>(i);
    std::string text = EncodeIpcError(json(i), MakeError(code, "detail for the user"));
    auto reply = ParseIpcReply(AsBytes(text));
    ASSERT_TRUE(reply.ok()) << text;
    EXPECT_EQ(reply->id, i);
    ASSERT_FALSE(reply->outcome.ok());
    EXPECT_EQ(reply->outcome.error().code, code) << ErrorCodeName(code);
    EXPECT_EQ(reply->outcome.error().message, "detail for the user");
  }
}

TEST(Ipc, ErrorReplyUsesTheWireNameOfTheCode) {
  json doc = json::parse(EncodeIpcError(json(1), MakeError(ErrorCode::kUnknownMethod, "m")));
  EXPECT_EQ(doc["ok"], false);
  EXPECT_EQ(doc["error"]["code"], "unknown_method");
  EXPECT_EQ(doc["error"]["message"], "m");
}

TEST(Ipc, ParseIpcReplyRejectsMalformedReplies) {
  for (std::string_view text : {"nope", "[]", R"({"ok":true,"result":1})", R"({"id":1,"result":1})",
                                R"({"id":1,"ok":"yes","result":1})", R"({"id":1,"ok":true})",
                                R"({"id":1,"ok":false})", R"({"id":1,"ok":false,"error":"x"})"}) {
    auto reply = ParseIpcReply(AsBytes(text));
    ASSERT_FALSE(reply.ok()) << text;
    EXPECT_EQ(reply.error().code, ErrorCode::kMalformed) << text;
  }
}

TEST(Ipc, ParseIpcReplyFillsInAMissingErrorCodeAndMessage) {
  auto reply = ParseIpcReply(AsBytes(R"({"id":1,"ok":false,"error":{}})"));
  ASSERT_TRUE(reply.ok());
  ASSERT_FALSE(reply->outcome.ok());
  EXPECT_EQ(reply->outcome.error().code, ErrorCode::kInternal);
  EXPECT_FALSE(reply->outcome.error().message.empty());
}

TEST(Ipc, EveryMethodInTheTableIsFoundByName) {
  std::set<std::string_view> names;
  for (const MethodSpec& spec : kMethods) {
    auto found = FindMethod(spec.name);
    ASSERT_TRUE(found.has_value()) << spec.name;
    EXPECT_EQ(found->method, spec.method);
    EXPECT_EQ(found->name, spec.name);
    EXPECT_EQ(found->needs_ledger, spec.needs_ledger);
    names.insert(spec.name);
    auto parsed = Parse(EncodeIpcRequest(json(1), spec.name, json::object()));
    ASSERT_TRUE(parsed.ok()) << spec.name;
    EXPECT_EQ(parsed->method.method, spec.method);
  }
  EXPECT_EQ(names.size(), std::size(kMethods));
}

TEST(Ipc, FindMethodReturnsNothingForUnknownNames) {
  EXPECT_FALSE(FindMethod("").has_value());
  EXPECT_FALSE(FindMethod("checkins").has_value());
  EXPECT_FALSE(FindMethod("INIT").has_value());
}

TEST(Ipc, OnlyInitAndStatusWorkBeforeALedgerExists) {
  EXPECT_FALSE(FindMethod("init")->needs_ledger);
  EXPECT_FALSE(FindMethod("status")->needs_ledger);
  EXPECT_TRUE(FindMethod("checkin")->needs_ledger);
  EXPECT_TRUE(FindMethod("log")->needs_ledger);
  EXPECT_TRUE(FindMethod("verify")->needs_ledger);
}

TEST(Ipc, EventCarriesItsTypeAndData) {
  json doc = json::parse(EncodeIpcEvent(kEventEntryAppended, json{{"seq", 3}}));
  EXPECT_EQ(doc["type"], "entry.appended");
  EXPECT_EQ(doc["seq"], 3);
}

TEST(Ipc, EventWithNonObjectDataIsWrappedNotThrown) {
  std::string frame;
  EXPECT_NO_THROW(frame = EncodeIpcEvent("x", json::array({1})));
  json doc = json::parse(frame);
  EXPECT_EQ(doc["type"], "x");
  EXPECT_EQ(doc["data"], json::array({1}));
}

TEST(Ipc, DumpJsonReplacesInvalidUtf8InsteadOfThrowing) {
  std::string text;
  EXPECT_NO_THROW(text = DumpJson(json("bad \xff")));
  EXPECT_FALSE(text.empty());
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(parsed.is_string());
  EXPECT_EQ(parsed.get<std::string>().substr(0, 4), "bad ");
}

}  // namespace
}  // namespace kintsugi::protocol
