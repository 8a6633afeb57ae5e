// Pausing sharing and leaving, through the real dispatcher over real engines
// paired in memory and synced by hand (daemon/link/sharing.h): the pause is kept
// across restarts, a leave refuses every later append on both devices, a
// leave and an entry written concurrently fold alike on both devices in
// either arrival order, and withdraw_mine takes what the rules let go.
#include "daemon/link/sharing.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "daemon/ipc/dispatch.h"
#include "protocol/ipc.h"
#include "tests/daemon/pairing_support.h"

namespace kintsugi::daemon {
namespace {

using nlohmann::json;
using testing::Device;
using testing::FindShown;
using testing::Pull;
using testing::SameTimeline;
using testing::Seed;
using testing::TestClock;
using testing::WholeTimeline;

// One partner: a device and the daemon's dispatcher over its engine.
struct Side {
  Side(std::uint8_t seed, TestClock& clock) : device(seed, clock) { Wire(); }
  void Wire() {
    dispatcher = std::make_unique<Dispatcher>(*device.engine, DaemonInfo{device.dir.path(), 1});
  }
  // As after a restart: the engine opened again on the same files.
  void Restart() {
    dispatcher.reset();
    device.Reopen();
    ASSERT_NE(device.engine, nullptr);
    Wire();
  }
  Result<json> Call(const std::string& method, const json& params = json::object()) {
    const std::string reply = dispatcher->Handle(AsBytes(protocol::EncodeIpcRequest(1, method, params)));
    auto parsed = protocol::ParseIpcReply(AsBytes(reply));
    EXPECT_TRUE(parsed.ok()) << reply;
    if (!parsed.ok()) return parsed.take_error();
    return std::move(parsed->outcome);
  }
  json Ok(const std::string& method, const json& params = json::object()) {
    auto r = Call(method, params);
    EXPECT_TRUE(r.ok()) << method << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : json();
  }
  json Sharing() { return Ok("status").value("sharing", json::object()); }
  std::string Author() { return ToHex(device.self()); }

  Device device;
  std::unique_ptr<Dispatcher> dispatcher;
};

// `r` failed with `code`, and its message holds `words`.
::testing::AssertionResult FailedWith(const Result<json>& r, ErrorCode code, const std::string& words) {
  if (r.ok()) return ::testing::AssertionFailure() << "went through: " << r->dump();
  if (r.error().code != code) {
    return ::testing::AssertionFailure() << "failed with " << ErrorCodeName(r.error().code) << ": "
                                         << r.error().message;
  }
  if (r.error().message.find(words) == std::string::npos) {
    return ::testing::AssertionFailure() << "said: " << r.error().message;
  }
  return ::testing::AssertionSuccess();
}

class SharingCouple : public ::testing::Test {
 protected:
  void SetUp() override {
    ana.device.Init("Ana");
    bea.device.Init("Bea");
    crypto::DeterministicRandom rng(Seed(60));
    testing::Outcomes outcomes = testing::RunPairing(ana.device, bea.device, clock, rng);
    ASSERT_TRUE(outcomes.inviter && outcomes.joiner);
    ASSERT_TRUE(ana.device.engine->AdoptPairing(*outcomes.inviter).ok());
    ASSERT_TRUE(bea.device.engine->AdoptPairing(*outcomes.joiner).ok());
    Sync();
  }
  void Sync() {
    EXPECT_TRUE(Pull(ana.device, bea.device).refused.empty());
    EXPECT_TRUE(Pull(bea.device, ana.device).refused.empty());
  }

  TestClock clock;
  Side ana{1, clock};
  Side bea{2, clock};
};

TEST_F(SharingCouple, APauseKeepsItsFirstTimeAndSurvivesARestart) {
  EXPECT_EQ(ana.Sharing()["state"], "sharing");
  json paused = ana.Ok("sharing.pause");
  EXPECT_EQ(paused["state"], "paused");
  EXPECT_EQ(paused["paused_since_ms"], clock.NowMillis());
  const std::uint64_t since = clock.NowMillis();
  clock.Advance(60'000);
  EXPECT_EQ(ana.Ok("sharing.pause")["paused_since_ms"], since) << "a second pause moved the time";
  ana.Restart();
  json after = ana.Sharing();
  EXPECT_EQ(after["state"], "paused");
  EXPECT_EQ(after["paused_since_ms"], since);
  EXPECT_EQ(after["paused_since"], protocol::FormatUtcMillis(since));
  // The partner's daemon has no word of it without the network.
  EXPECT_EQ(bea.Sharing()["state"], "sharing");

  EXPECT_EQ(ana.Ok("sharing.resume")["state"], "sharing");
  ana.Restart();
  EXPECT_FALSE(ana.Sharing()["paused"].get<bool>());
  EXPECT_FALSE(ana.Sharing().contains("paused_since_ms"));
}

TEST(Sharing, PauseAndLeaveNeedAPartner) {
  TestClock clock;
  Side alone(3, clock);
  alone.device.Init("Ana");
  EXPECT_EQ(alone.Ok("sharing.status")["state"], "sharing");
  for (const char* method : {"sharing.pause", "sharing.resume", "sharing.leave"}) {
    EXPECT_TRUE(FailedWith(alone.Call(method), ErrorCode::kFailedPrecondition, "not paired")) << method;
  }
  EXPECT_FALSE(alone.Sharing().contains("ended"));
}

TEST_F(SharingCouple, ALeaveRefusesEveryLaterAppendOnBothDevices) {
  ana.device.Append("before the end");
  EXPECT_TRUE(FailedWith(bea.Call("sharing.leave", {{"reason", "x"}}), ErrorCode::kInvalidArgument,
                         "unknown field for leave: reason"));
  clock.Advance(1'000);
  json left = bea.Ok("sharing.leave", {{"note", "take care"}});
  EXPECT_EQ(left["sharing"]["state"], "ended");
  EXPECT_TRUE(left["sharing"]["ended"]["by_me"].get<bool>());
  Sync();

  json ended = ana.Sharing()["ended"];
  EXPECT_EQ(ended["by"], bea.Author());
  EXPECT_EQ(ended["name"], "Bea");
  EXPECT_FALSE(ended["by_me"].get<bool>());
  EXPECT_EQ(ended["entry"], left["id"]);
  EXPECT_FALSE(ended["link_closed"].get<bool>()) << "no link was ever closed here";
  for (Side* side : {&ana, &bea}) {
    const std::string why = "the shared ledger has ended: Bea left it";
    EXPECT_TRUE(FailedWith(side->Call("checkin", {{"note", "after"}}), ErrorCode::kFailedPrecondition, why));
    EXPECT_TRUE(FailedWith(side->Call("append", {{"kind", "appreciation"}, {"text", "after"}}),
                           ErrorCode::kFailedPrecondition, why));
    EXPECT_TRUE(FailedWith(side->Call("sharing.leave"), ErrorCode::kFailedPrecondition, why));
    EXPECT_TRUE(FailedWith(side->Call("sharing.pause"), ErrorCode::kFailedPrecondition, why));
    EXPECT_TRUE(FailedWith(side->Call("sharing.withdraw_mine"), ErrorCode::kFailedPrecondition, why));
  }
  // Both keep what was written, and it still verifies.
  EXPECT_EQ(ana.device.LogIds(), bea.device.LogIds());
  ana.device.ExpectVerifies();
  bea.device.ExpectVerifies();
}

// A leave and an entry that the other partner wrote without knowing of it:
// causal order decides, so both devices show the same, in either order.
class ConcurrentLeave : public SharingCouple, public ::testing::WithParamInterface<bool> {};

TEST_P(ConcurrentLeave, FoldsAlikeOnBothDevices) {
  const bool entry_first = GetParam();
  AppendedEntry entry;
  if (entry_first) entry = ana.device.Append("written without knowing");
  clock.Advance(1'000);
  ASSERT_TRUE(bea.Call("sharing.leave").ok());
  if (!entry_first) entry = ana.device.Append("written without knowing");
  Sync();
  EXPECT_TRUE(SameTimeline(WholeTimeline(*ana.device.engine), WholeTimeline(*bea.device.engine)));
  for (Side* side : {&ana, &bea}) {
    auto shown = FindShown(*side->device.engine, entry.id);
    ASSERT_TRUE(shown.has_value());
    EXPECT_EQ(shown->effect.applied, entry_first);
    EXPECT_EQ(shown->effect.reason_code, entry_first ? "" : "ledger_ended");
    EXPECT_EQ(side->Sharing()["ended"]["by"], bea.Author());
  }
}

INSTANTIATE_TEST_SUITE_P(EitherOrder, ConcurrentLeave, ::testing::Bool());

TEST_F(SharingCouple, WithdrawMineTakesWhatTheRulesLetGoAndLeavesThePartnersEntries) {
  const AppendedEntry note = ana.device.Append("words to take back");
  auto feelings = testing::AppendParams(*ana.device.engine, {{"kind", "feelings"}, {"mood", 4}, {"trust", 3}});
  ASSERT_TRUE(feelings.ok());
  auto proposal = testing::AppendParams(*ana.device.engine, {{"kind", "propose"}, {"title", "Phones"},
                                                            {"text", "No phones at dinner."}, {"category", "ritual"}});
  ASSERT_TRUE(proposal.ok());
  Sync();
  const AppendedEntry beas = bea.device.Append("Bea's own words");
  Sync();

  json withdrew = ana.Ok("sharing.withdraw_mine");
  EXPECT_EQ(withdrew["withdrawn"], 2);
  EXPECT_EQ(withdrew["remaining"], 0);
  EXPECT_EQ(withdrew["kept"], (json{{"member", 1}, {"propose", 1}}));
  EXPECT_EQ(ana.Ok("sharing.withdraw_mine")["withdrawn"], 0) << "a second run finds nothing more";
  Sync();
  for (Side* side : {&ana, &bea}) {
    for (const auto& id : {note.id, feelings->id}) {
      auto shown = FindShown(*side->device.engine, id);
      ASSERT_TRUE(shown.has_value());
      EXPECT_FALSE(shown->item.body.has_value()) << "the words are still there";
    }
    auto kept = FindShown(*side->device.engine, beas.id);
    ASSERT_TRUE(kept.has_value());
    ASSERT_TRUE(kept->item.body.has_value()) << "the partner's entry lost its words";
    EXPECT_EQ(kept->item.body->value("note", ""), "Bea's own words");
    EXPECT_TRUE(FindShown(*side->device.engine, proposal->id)->item.body.has_value());
  }
}

TEST_F(SharingCouple, WithdrawMineWorksInBatchesAndSaysHowManyRemain) {
  const std::size_t total = kWithdrawPerRequest + 7;
  for (std::size_t i = 0; i < total; ++i) ana.device.Append("note " + std::to_string(i));
  json first = ana.Ok("sharing.withdraw_mine");
  EXPECT_EQ(first["withdrawn"], kWithdrawPerRequest);
  EXPECT_EQ(first["remaining"], 7);
  json second = ana.Ok("sharing.withdraw_mine");
  EXPECT_EQ(second["withdrawn"], 7);
  EXPECT_EQ(second["remaining"], 0);
}

}  // namespace
}  // namespace kintsugi::daemon
