// Dispatcher: JSON request frames in, JSON reply frames out, read back with the
// client's own reply parser. The network methods are checked without network
// services (they answer `unavailable`) and, for the argument checks that come
// before any I/O, with a real PairingService that never opens a socket.
#include "daemon/ipc/dispatch.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "daemon/link/pairing_service.h"
#include "protocol/invite.h"
#include "protocol/ipc.h"
#include "tests/daemon/pairing_support.h"
#include "tests/daemon/test_support.h"

namespace kintsugi::daemon {
namespace {

using nlohmann::json;
using testing::Seed;
using testing::TempDir;
using testing::TestClock;

// A dispatcher over an engine on fresh ledger files, as kintsugid wires them.
// `dispatcher` is null if opening failed.
struct Daemon {
  Daemon() {
    auto store = Store::Open(dir.File("ledger.db"));
    if (!store.ok()) return;
    auto opened = Engine::Open(std::move(store).value(), dir.File("identity.key"), clock, rng);
    if (!opened.ok()) return;
    engine = std::move(opened).value();
    dispatcher = std::make_unique<Dispatcher>(*engine, DaemonInfo{dir.path(), 4242});
  }

  // Sends `frame` and parses the reply; a reply that does not parse fails the test.
  protocol::IpcReply Send(const std::string& frame) {
    std::string reply = dispatcher->Handle(AsBytes(frame));
    auto parsed = protocol::ParseIpcReply(AsBytes(reply));
    EXPECT_TRUE(parsed.ok()) << reply;
    if (!parsed.ok()) return protocol::IpcReply{nullptr, parsed.error()};
    return std::move(parsed).value();
  }
  protocol::IpcReply Call(const std::string& method, const json& params = json::object(), const json& id = 1) {
    return Send(protocol::EncodeIpcRequest(id, method, params));
  }
  // The result of a call that must succeed.
  json Ok(const std::string& method, const json& params = json::object()) {
    protocol::IpcReply reply = Call(method, params);
    EXPECT_TRUE(reply.outcome.ok()) << method << ": "
                                    << (reply.outcome.ok() ? "" : reply.outcome.error().message);
    return reply.outcome.ok() ? *reply.outcome : json();
  }
  void Init(const std::string& name = "Ana") { Ok("init", {{"name", name}}); }

  TempDir dir;
  TestClock clock;
  crypto::DeterministicRandom rng{Seed(5)};
  std::unique_ptr<Engine> engine;
  std::unique_ptr<Dispatcher> dispatcher;
};

// The error code of a failed reply, or "" if it succeeded.
std::string ErrorName(const protocol::IpcReply& reply) {
  return reply.outcome.ok() ? "" : std::string(ErrorCodeName(reply.outcome.error().code));
}

TEST(Dispatch, NonJsonIsMalformed) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  for (const char* frame : {"this is not json", "", "{\"id\": 1, \"method\":", "[1, 2, 3]", "42"}) {
    protocol::IpcReply reply = d.Send(frame);
    EXPECT_EQ(ErrorName(reply), "malformed") << frame;
    EXPECT_TRUE(reply.id.is_null()) << frame;
  }
}

TEST(Dispatch, ShapeErrorsAreMalformedAndKeepTheId) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  protocol::IpcReply no_method = d.Send(R"({"id": 7})");
  EXPECT_EQ(ErrorName(no_method), "malformed");
  EXPECT_EQ(no_method.id, 7);
  protocol::IpcReply bad_params = d.Send(R"({"id": "x", "method": "status", "params": [1]})");
  EXPECT_EQ(ErrorName(bad_params), "malformed");
  EXPECT_EQ(bad_params.id, "x");
}

TEST(Dispatch, OversizedRequestIsTooLarge) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  std::string note(protocol::kMaxIpcRequestBytes + 1024, 'a');
  std::string frame = protocol::EncodeIpcRequest(3, "checkin", {{"note", note}});
  ASSERT_GT(frame.size(), protocol::kMaxIpcRequestBytes);
  protocol::IpcReply reply = d.Send(frame);
  EXPECT_EQ(ErrorName(reply), "too_large");
}

TEST(Dispatch, UnknownMethodEchoesTheId) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  protocol::IpcReply reply = d.Call("frobnicate", json::object(), "req-17");
  EXPECT_EQ(ErrorName(reply), "unknown_method");
  EXPECT_EQ(reply.id, "req-17");
  EXPECT_NE(reply.outcome.error().message.find("frobnicate"), std::string::npos);
}

TEST(Dispatch, IdIsEchoedOnSuccess) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  protocol::IpcReply numeric = d.Call("status", json::object(), 99);
  EXPECT_TRUE(numeric.outcome.ok());
  EXPECT_EQ(numeric.id, 99);
  protocol::IpcReply text = d.Call("status", json::object(), "abc");
  EXPECT_EQ(text.id, "abc");
}

TEST(Dispatch, StatusBeforeInitSaysNotInitialised) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  json status = d.Ok("status");
  EXPECT_EQ(status["initialized"], false);
  EXPECT_EQ(status["data_dir"], d.dir.path());
  EXPECT_EQ(status["pid"], 4242);
  EXPECT_FALSE(status.contains("entries"));
}

TEST(Dispatch, LedgerMethodsBeforeInitAreFailedPrecondition) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  EXPECT_EQ(ErrorName(d.Call("checkin", {{"note", "hi"}})), "failed_precondition");
  EXPECT_EQ(ErrorName(d.Call("log")), "failed_precondition");
  EXPECT_EQ(ErrorName(d.Call("verify")), "failed_precondition");
  EXPECT_FALSE(d.engine->initialized());
}

TEST(Dispatch, InitReturnsTheStatus) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  json status = d.Ok("init", {{"name", "Ana"}});
  EXPECT_EQ(status["initialized"], true);
  EXPECT_EQ(status["name"], "Ana");
  EXPECT_EQ(status["entries"], 1);
  EXPECT_EQ(status["members"], 1);
  EXPECT_EQ(status["author"].get<std::string>().size(), 64u);
  EXPECT_EQ(status["ledger"].get<std::string>().size(), 64u);
}

TEST(Dispatch, InitWithoutANameIsInvalidArgument) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  for (const json& params : {json::object(), json{{"name", "   "}}, json{{"name", 5}},
                             json{{"name", std::string(protocol::kMaxNameCharacters + 1, 'n')}}}) {
    protocol::IpcReply reply = d.Call("init", params);
    EXPECT_EQ(ErrorName(reply), "invalid_argument") << params.dump();
  }
  EXPECT_FALSE(d.engine->initialized());
}

TEST(Dispatch, InitTwiceIsAlreadyExists) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  d.Init();
  protocol::IpcReply reply = d.Call("init", {{"name", "Bea"}});
  EXPECT_EQ(ErrorName(reply), "already_exists");
  EXPECT_EQ(d.Ok("status")["name"], "Ana");
}

TEST(Dispatch, CheckInWithMoodElevenIsRefusedAndAppendsNothing) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  d.Init();
  const json entries_before = d.Ok("status")["entries"];
  protocol::IpcReply reply = d.Call("checkin", {{"note", "hello"}, {"mood", 11}});
  ASSERT_EQ(ErrorName(reply), "invalid_argument");
  EXPECT_NE(reply.outcome.error().message.find("mood"), std::string::npos) << reply.outcome.error().message;
  EXPECT_EQ(d.Ok("status")["entries"], entries_before);
  EXPECT_EQ(entries_before, 1);
}

TEST(Dispatch, CheckInWithBadFieldsIsInvalidArgumentNamingTheField) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  d.Init();
  struct Case {
    json params;
    const char* field;
  };
  for (const Case& c : {Case{json::object(), "note"}, Case{{{"note", ""}}, "note"},
                        Case{{{"note", "x"}, {"mood", 0}}, "mood"},
                        Case{{{"note", "x"}, {"mood", 5.5}}, "mood"},
                        Case{{{"note", "x"}, {"mood", "5"}}, "mood"},
                        Case{{{"note", "x"}, {"trust", -1}}, "trust"},
                        Case{{{"note", std::string(protocol::kMaxNoteCharacters + 1, 'x')}}, "note"}}) {
    protocol::IpcReply reply = d.Call("checkin", c.params);
    ASSERT_EQ(ErrorName(reply), "invalid_argument") << c.params.dump();
    EXPECT_NE(reply.outcome.error().message.find(c.field), std::string::npos) << reply.outcome.error().message;
  }
  EXPECT_EQ(d.Ok("status")["entries"], 1);
}

TEST(Dispatch, ValidCheckInReturnsIdAndSeq) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  d.Init();
  d.clock.Advance(1234);
  json first = d.Ok("checkin", {{"note", "slept well"}, {"mood", 7}, {"trust", 8}});
  ASSERT_TRUE(first["id"].is_string());
  EXPECT_EQ(first["id"].get<std::string>().size(), 64u);
  EXPECT_TRUE(Hash32FromHex(first["id"].get<std::string>()).has_value());
  EXPECT_EQ(first["seq"], 2);
  EXPECT_EQ(first["time"], "2023-11-14T22:13:21.234Z");
  json second = d.Ok("checkin", {{"note", "again"}});
  EXPECT_EQ(second["seq"], 3);
  EXPECT_NE(second["id"], first["id"]);
  EXPECT_GT(second["hlc"].get<std::uint64_t>(), first["hlc"].get<std::uint64_t>());
  EXPECT_EQ(d.Ok("status")["entries"], 3);
}

TEST(Dispatch, LogLimitOutOfRangeIsInvalidArgument) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  d.Init();
  for (const json& limit : {json(0), json(1001), json(-1), json("ten"), json(2.5)}) {
    protocol::IpcReply reply = d.Call("log", {{"limit", limit}});
    EXPECT_EQ(ErrorName(reply), "invalid_argument") << limit.dump();
    if (!reply.outcome.ok()) {
      EXPECT_NE(reply.outcome.error().message.find("limit"), std::string::npos);
    }
  }
  EXPECT_EQ(ErrorName(d.Call("log", {{"before", 0}})), "invalid_argument");
  EXPECT_TRUE(d.Call("log", {{"limit", 1}}).outcome.ok());
  EXPECT_TRUE(d.Call("log", {{"limit", 1000}}).outcome.ok());
}

TEST(Dispatch, LogReturnsTheEntriesNewestFirst) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  d.Init();
  json checkin = d.Ok("checkin", {{"note", "first note"}, {"mood", 4}});
  d.Ok("checkin", {{"note", "second note"}});

  json log = d.Ok("log");
  ASSERT_TRUE(log["entries"].is_array());
  ASSERT_EQ(log["entries"].size(), 3u);
  const json& newest = log["entries"][0];
  EXPECT_EQ(newest["seq"], 3);
  EXPECT_EQ(newest["verified"], true);
  EXPECT_EQ(newest["body"]["note"], "second note");
  const json& middle = log["entries"][1];
  EXPECT_EQ(middle["id"], checkin["id"]);
  EXPECT_EQ(middle["body"], (json{{"kind", "checkin"}, {"note", "first note"}, {"mood", 4}}));
  EXPECT_EQ(middle["author"], d.Ok("status")["author"]);
  EXPECT_EQ(log["entries"][2]["body"]["kind"], "member");
  EXPECT_EQ(log["entries"][2]["body"]["name"], "Ana");
  EXPECT_TRUE(log["next_before"].is_null());  // the page reached the first entry
}

TEST(Dispatch, LogPagesWithNextBefore) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  d.Init();
  for (int i = 0; i < 4; ++i) d.Ok("checkin", {{"note", "n" + std::to_string(i)}});  // seq 2..5
  json page1 = d.Ok("log", {{"limit", 2}});
  ASSERT_EQ(page1["entries"].size(), 2u);
  EXPECT_EQ(page1["entries"][0]["seq"], 5);
  ASSERT_TRUE(page1["next_before"].is_number_integer());

  json page2 = d.Ok("log", {{"limit", 2}, {"before", page1["next_before"]}});
  ASSERT_EQ(page2["entries"].size(), 2u);
  EXPECT_EQ(page2["entries"][0]["seq"], 3);
  EXPECT_EQ(page2["entries"][1]["seq"], 2);

  json page3 = d.Ok("log", {{"limit", 2}, {"before", page2["next_before"]}});
  ASSERT_EQ(page3["entries"].size(), 1u);
  EXPECT_EQ(page3["entries"][0]["seq"], 1);
  EXPECT_TRUE(page3["next_before"].is_null());
}

TEST(Dispatch, LogMarksAWithdrawnEntryWithoutItsBody) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  d.Init();
  json checkin = d.Ok("checkin", {{"note", "take this back"}});
  {
    testing::RawDb raw(d.dir.File("ledger.db"));
    ASSERT_EQ(raw.Exec("DELETE FROM entry_keys WHERE entry_rowid = (SELECT rowid FROM entries WHERE id = x'" +
                       checkin["id"].get<std::string>() + "')").first,
              SQLITE_OK);
  }
  json log = d.Ok("log");
  ASSERT_EQ(log["entries"].size(), 2u);
  const json& withdrawn = log["entries"][0];
  EXPECT_EQ(withdrawn["id"], checkin["id"]);
  EXPECT_EQ(withdrawn["verified"], true);
  EXPECT_EQ(withdrawn["withdrawn"], true);
  EXPECT_FALSE(withdrawn.contains("body"));
  EXPECT_EQ(d.Ok("verify")["ok"], true);
}

TEST(Dispatch, VerifyReturnsOk) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  d.Init();
  d.Ok("checkin", {{"note", "one"}});
  json report = d.Ok("verify");
  EXPECT_EQ(report["ok"], true);
  EXPECT_EQ(report["entries_checked"], 2);
  EXPECT_TRUE(report["faults"].is_array());
  EXPECT_TRUE(report["faults"].empty());
}

TEST(Dispatch, StatusReportsInitializedNameAndEntries) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  d.Init("Bea");
  d.Ok("checkin", {{"note", "one"}});
  json status = d.Ok("status");
  EXPECT_EQ(status["initialized"], true);
  EXPECT_EQ(status["name"], "Bea");
  EXPECT_EQ(status["entries"], 2);
  EXPECT_EQ(status["members"], 1);
  EXPECT_EQ(status["data_dir"], d.dir.path());
  EXPECT_EQ(status["pid"], 4242);
  EXPECT_FALSE(status["version"].get<std::string>().empty());
}

// The methods that need the network side of the daemon.
const std::vector<std::pair<std::string, json>>& NetworkCalls() {
  static const std::vector<std::pair<std::string, json>> calls{
      {"pair.invite", json::object()},
      {"pair.join", json{{"code", "417-amber-harbor-velvet-basket"}}},
      {"pair.status", json::object()},
      {"pair.confirm", json::object()},
      {"peers", json::object()},
      {"peer.add", json{{"address", "192.0.2.1:47474"}}},
  };
  return calls;
}

TEST(Dispatch, NetworkMethodsWithoutNetworkServicesAreUnavailable) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  d.Init();
  for (const auto& [method, params] : NetworkCalls()) {
    protocol::IpcReply reply = d.Call(method, params, method);
    ASSERT_EQ(ErrorName(reply), "unavailable") << method;
    EXPECT_EQ(reply.id, method);
    EXPECT_NE(reply.outcome.error().message.find("network"), std::string::npos) << reply.outcome.error().message;
  }
  EXPECT_FALSE(d.engine->paired());
  EXPECT_EQ(d.Ok("status")["entries"], 1);
}

TEST(Dispatch, NetworkMethodsBeforeInitAreFailedPrecondition) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  for (const auto& [method, params] : NetworkCalls()) {
    EXPECT_EQ(ErrorName(d.Call(method, params)), "failed_precondition") << method;
  }
}

TEST(Dispatch, HandleAsyncWithoutNetworkServicesAnswersPairJoinAtOnce) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  d.Init();
  int later_calls = 0;
  std::string frame = protocol::EncodeIpcRequest(8, "pair.join", {{"code", "417-amber-harbor-velvet-basket"}});
  std::optional<std::string> now =
      d.dispatcher->HandleAsync(AsBytes(frame), [&](std::string) { ++later_calls; });
  ASSERT_TRUE(now.has_value());
  auto reply = protocol::ParseIpcReply(AsBytes(*now));
  ASSERT_TRUE(reply.ok()) << *now;
  EXPECT_EQ(ErrorName(*reply), "unavailable");
  EXPECT_EQ(reply->id, 8);
  EXPECT_EQ(later_calls, 0);
}

TEST(Dispatch, HandleAsyncAnswersOtherMethodsAtOnce) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  int later_calls = 0;
  std::string frame = protocol::EncodeIpcRequest(9, "status", json::object());
  std::optional<std::string> now = d.dispatcher->HandleAsync(AsBytes(frame), [&](std::string) { ++later_calls; });
  ASSERT_TRUE(now.has_value());
  auto reply = protocol::ParseIpcReply(AsBytes(*now));
  ASSERT_TRUE(reply.ok()) << *now;
  ASSERT_TRUE(reply->outcome.ok());
  EXPECT_EQ((*reply->outcome)["initialized"], false);
  EXPECT_EQ(later_calls, 0);
}

// A daemon with a real pairing service that has not opened a socket, for
// the checks pair.join makes before it starts any network work.
// `dispatcher` is null if opening the engine failed.
struct PairingDaemon {
  PairingDaemon() {
    if (d.engine == nullptr) return;
    pairing.emplace(context, *d.engine, d.rng, nullptr);
    DaemonServices services;
    services.pairing = &*pairing;
    dispatcher = std::make_unique<Dispatcher>(*d.engine, DaemonInfo{d.dir.path(), 4242}, services);
  }
  // The reply to `params`, which must come at once and never later.
  protocol::IpcReply Join(const json& params) {
    std::string frame = protocol::EncodeIpcRequest(5, "pair.join", params);
    bool later_called = false;
    std::optional<std::string> now =
        dispatcher->HandleAsync(AsBytes(frame), [&](std::string) { later_called = true; });
    EXPECT_FALSE(later_called);
    EXPECT_TRUE(now.has_value()) << params.dump() << " started a join";
    if (!now) return protocol::IpcReply{nullptr, MakeError(ErrorCode::kInternal, "deferred")};
    auto reply = protocol::ParseIpcReply(AsBytes(*now));
    EXPECT_TRUE(reply.ok()) << *now;
    if (!reply.ok()) return protocol::IpcReply{nullptr, reply.error()};
    return std::move(reply).value();
  }

  Daemon d;
  zmq::context_t context;
  std::optional<PairingService> pairing;
  std::unique_ptr<Dispatcher> dispatcher;
};

TEST(Dispatch, PairJoinWithAMalformedCodeIsInvalidArgumentNamingTheProblem) {
  PairingDaemon p;
  ASSERT_NE(p.dispatcher, nullptr);
  p.d.Init();
  struct Case {
    json code;
    const char* problem;
  };
  for (const Case& c : {Case{"", "expected a number and four words"},
                        Case{"hello", "expected a number and four words"},
                        Case{"417-amber-harbor-velvet", "expected a number and four words"},
                        Case{"amber-417-harbor-velvet-basket", "expected a number and four words"},
                        Case{"0-amber-harbor-velvet-basket", "between 1 and 999"},
                        Case{"1000-amber-harbor-velvet-basket", "between 1 and 999"},
                        Case{"417-amber-xylophone-velvet-basket", "word 2"},
                        Case{std::string(300, '7'), "expected a number and four words"}}) {
    protocol::IpcReply reply = p.Join({{"code", c.code}});
    ASSERT_EQ(ErrorName(reply), "invalid_argument") << c.code.dump();
    EXPECT_EQ(reply.id, 5);
    EXPECT_NE(reply.outcome.error().message.find(c.problem), std::string::npos)
        << c.code.dump() << ": " << reply.outcome.error().message;
  }
  EXPECT_FALSE(p.pairing->joining_code().has_value());
  EXPECT_FALSE(p.d.engine->paired());
}

TEST(Dispatch, PairJoinWithAWrongChecksumWordSaysAWordIsWrong) {
  PairingDaemon p;
  ASSERT_NE(p.dispatcher, nullptr);
  p.d.Init();
  crypto::DeterministicRandom rng(Seed(31));
  const std::string good = protocol::FormatInviteCode(protocol::NewInviteCode(rng));
  // Swap the checksum word for another code word.
  const std::string stem = good.substr(0, good.rfind('-') + 1);
  const std::string checksum = good.substr(good.rfind('-') + 1);
  const std::string other(protocol::InviteWordList()[0] == checksum ? protocol::InviteWordList()[1]
                                                                     : protocol::InviteWordList()[0]);
  protocol::IpcReply reply = p.Join({{"code", stem + other}});
  ASSERT_EQ(ErrorName(reply), "invalid_argument");
  EXPECT_NE(reply.outcome.error().message.find("a word is wrong or out of order"), std::string::npos)
      << reply.outcome.error().message;
  EXPECT_FALSE(p.pairing->joining_code().has_value());
}

TEST(Dispatch, PairJoinWithoutACodeOrWithABadAddressIsInvalidArgument) {
  PairingDaemon p;
  ASSERT_NE(p.dispatcher, nullptr);
  p.d.Init();
  crypto::DeterministicRandom rng(Seed(32));
  const std::string good = protocol::FormatInviteCode(protocol::NewInviteCode(rng));
  for (const json& params : {json::object(), json{{"code", 417}}, json{{"code", nullptr}}}) {
    protocol::IpcReply reply = p.Join(params);
    ASSERT_EQ(ErrorName(reply), "invalid_argument") << params.dump();
    EXPECT_NE(reply.outcome.error().message.find("code"), std::string::npos) << reply.outcome.error().message;
  }
  for (const json& address : {json("no-port"), json("host:"), json(":47474"), json("host:0"), json("host:65535"),
                              json("host:123456"), json("host:12a"), json(47474)}) {
    protocol::IpcReply reply = p.Join({{"code", good}, {"address", address}});
    ASSERT_EQ(ErrorName(reply), "invalid_argument") << address.dump();
    EXPECT_NE(reply.outcome.error().message.find("HOST:PORT"), std::string::npos) << reply.outcome.error().message;
  }
  EXPECT_FALSE(p.pairing->joining_code().has_value());
}

TEST(Dispatch, PairJoinThroughHandleIsUnavailableEvenWithAPairingService) {
  PairingDaemon p;
  ASSERT_NE(p.dispatcher, nullptr);
  p.d.Init();
  // Handle() cannot answer later, so a join that would is refused up front.
  std::string reply_text =
      p.dispatcher->Handle(AsBytes(protocol::EncodeIpcRequest(6, "pair.join", {{"code", "not a code"}})));
  auto reply = protocol::ParseIpcReply(AsBytes(reply_text));
  ASSERT_TRUE(reply.ok()) << reply_text;
  EXPECT_EQ(ErrorName(*reply), "unavailable");
  EXPECT_FALSE(p.pairing->joining_code().has_value());
}

TEST(Dispatch, StatusOfAnUnpairedDaemonSaysSo) {
  Daemon d;
  ASSERT_NE(d.dispatcher, nullptr);
  d.Init();
  json status = d.Ok("status");
  EXPECT_EQ(status["paired"], false);
  EXPECT_EQ(status["forks"], 0);
  EXPECT_EQ(status["listen_port"], 0);
  EXPECT_FALSE(status.contains("partner"));
  EXPECT_FALSE(status.contains("transport_key"));
}

TEST(Dispatch, StatusOfAPairedDaemonNamesThePartner) {
  TestClock clock;
  testing::Device ana{1, clock};
  testing::Device bea{2, clock};
  ASSERT_NE(ana.engine, nullptr);
  ASSERT_NE(bea.engine, nullptr);
  ana.Init("Ana");
  bea.Init("Bea");
  crypto::DeterministicRandom rng(Seed(33));
  testing::Outcomes outcomes = testing::RunPairing(ana, bea, clock, rng);
  ASSERT_TRUE(outcomes.inviter.has_value());
  ASSERT_TRUE(ana.engine->AdoptPairing(*outcomes.inviter).ok());
  Dispatcher dispatcher(*ana.engine, DaemonInfo{ana.dir.path(), 7}, DaemonServices{});
  const std::string reply_text =
      dispatcher.Handle(AsBytes(protocol::EncodeIpcRequest(1, "status", json::object())));
  auto reply = protocol::ParseIpcReply(AsBytes(reply_text));
  ASSERT_TRUE(reply.ok()) << reply_text;
  ASSERT_TRUE(reply->outcome.ok()) << reply_text;
  const json& status = *reply->outcome;
  EXPECT_EQ(status["paired"], true);
  EXPECT_EQ(status["members"], 2);
  EXPECT_EQ(status["partner"], ToHex(bea.self()));
  EXPECT_EQ(status["ledger"], ToHex(outcomes.inviter->ledger_id));
  EXPECT_EQ(status["name"], "Ana");
  EXPECT_EQ(status["entries"], 1);  // the solo entries stay private
}

TEST(Dispatch, PairConfirmBeforePairingIsFailedPrecondition) {
  PairingDaemon p;
  ASSERT_NE(p.dispatcher, nullptr);
  p.d.Init();
  std::string text = p.dispatcher->Handle(AsBytes(protocol::EncodeIpcRequest(1, "pair.confirm", json::object())));
  auto reply = protocol::ParseIpcReply(AsBytes(text));
  ASSERT_TRUE(reply.ok()) << text;
  EXPECT_EQ(ErrorName(*reply), "failed_precondition");
  EXPECT_FALSE(*p.d.engine->SafetyNumberConfirmed());
}

TEST(Dispatch, PairStatusShowsTheSameSafetyNumberOnBothSidesUntilConfirmed) {
  TestClock clock;
  testing::Device ana{1, clock};
  testing::Device bea{2, clock};
  ASSERT_NE(ana.engine, nullptr);
  ASSERT_NE(bea.engine, nullptr);
  ana.Init("Ana");
  ana.Append("alone");
  bea.Init("Bea");
  crypto::DeterministicRandom rng(Seed(34));
  testing::Outcomes outcomes = testing::RunPairing(ana, bea, clock, rng);
  ASSERT_TRUE(outcomes.inviter && outcomes.joiner);
  ASSERT_TRUE(ana.engine->AdoptPairing(*outcomes.inviter).ok());
  ASSERT_TRUE(bea.engine->AdoptPairing(*outcomes.joiner).ok());

  zmq::context_t context;
  PairingService ana_pairing(context, *ana.engine, ana.rng, nullptr);
  PairingService bea_pairing(context, *bea.engine, bea.rng, nullptr);
  DaemonServices ana_services;
  ana_services.pairing = &ana_pairing;
  DaemonServices bea_services;
  bea_services.pairing = &bea_pairing;
  Dispatcher ana_ipc(*ana.engine, DaemonInfo{ana.dir.path(), 1}, ana_services);
  Dispatcher bea_ipc(*bea.engine, DaemonInfo{bea.dir.path(), 2}, bea_services);
  auto call = [](Dispatcher& ipc, const char* method) {
    std::string text = ipc.Handle(AsBytes(protocol::EncodeIpcRequest(1, method, json::object())));
    auto reply = protocol::ParseIpcReply(AsBytes(text));
    EXPECT_TRUE(reply.ok() && reply->outcome.ok()) << method << ": " << text;
    return reply.ok() && reply->outcome.ok() ? *reply->outcome : json();
  };

  json a = call(ana_ipc, "pair.status");
  json b = call(bea_ipc, "pair.status");
  EXPECT_EQ(a["paired"], true);
  EXPECT_EQ(a["partner"], ToHex(bea.self()));
  EXPECT_EQ(b["partner"], ToHex(ana.self()));
  ASSERT_TRUE(a["safety_number"].is_string());
  EXPECT_EQ(a["safety_number"], b["safety_number"]);
  EXPECT_EQ(a["ledger"], b["ledger"]);
  EXPECT_EQ(a["confirmed"], false);
  EXPECT_EQ(a["private_entries"], 1);  // Ana's check-in from before pairing (not her introduction)
  EXPECT_EQ(b["private_entries"], 0);

  json confirmed = call(ana_ipc, "pair.confirm");
  EXPECT_EQ(confirmed["confirmed"], true);
  EXPECT_EQ(call(ana_ipc, "pair.status")["confirmed"], true);
  EXPECT_EQ(call(bea_ipc, "pair.status")["confirmed"], false);
}

}  // namespace
}  // namespace kintsugi::daemon
