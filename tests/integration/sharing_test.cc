// Pausing sharing and leaving, between two real paired daemons on loopback,
// driven by kintsugictl (docs/PROTOCOL.md, "Pause and leave"; docs/LEDGER.md,
// "Leaving"). That nothing passed is shown after the two have verifiably
// talked since (a keepalive heard after the entries were written), never by
// sleeping.
#include <signal.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace kintsugi::testing {
namespace {

using nlohmann::json;

std::uint64_t NowMs() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

class Partner : public LoopbackPartner {
 public:
  using LoopbackPartner::LoopbackPartner;
  json Sharing() const { return Status().value("sharing", json::object()); }
  json Peer() const {
    json peers = Json({"peers"});
    return peers.contains("peers") && !peers["peers"].empty() ? peers["peers"][0] : json::object();
  }
  std::string Author() const { return Status().value("author", ""); }
  // Every entry of the shared ledger, through `log`, by id.
  std::map<std::string, json> EntriesById() const {
    std::map<std::string, json> out;
    auto r = Ctl({"log", "--json", "--limit", "1000"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (r.exit_code != 0) return out;
    const json log = json::parse(r.out);  // named: a temporary's members would dangle in the loop
    for (const auto& e : log["entries"]) out[e["id"].get<std::string>()] = e;
    return out;
  }
  // Appends a check-in and returns its id.
  std::string CheckIn(const std::string& note) const {
    auto r = Ctl({"checkin", "--note", note, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? json::parse(r.out).value("id", "") : "";
  }
  // True once this daemon heard its partner after `since_ms`.
  bool HeardSince(std::uint64_t since_ms) const { return Peer().value("last_seen_ms", std::uint64_t{0}) > since_ms; }
};

class Sharing : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(a_.Start()) << a_.daemon().Log();
    ASSERT_TRUE(b_.Start()) << b_.daemon().Log();
    ASSERT_EQ(a_.Ctl({"init", "--name", "Alex"}).exit_code, 0);
    ASSERT_EQ(b_.Ctl({"init", "--name", "Sam"}).exit_code, 0);
    std::string code = a_.Json({"pair", "invite", "--json"}).value("code", "");
    auto joined = b_.Ctl({"pair", "join", code, "--address", a_.address(), "--json"});
    ASSERT_EQ(joined.exit_code, 0) << joined.err << b_.daemon().Log();
    ASSERT_TRUE(WaitFor([&] { return Converged(); }));
    ASSERT_TRUE(WaitFor([&] { return a_.Peer().value("online", false) && b_.Peer().value("online", false); }));
  }
  bool Converged() {
    auto ids = a_.Ids();
    return !ids.empty() && ids == b_.Ids();
  }
  // Both daemons heard each other after `since_ms` (keepalives run every 5 s).
  bool BothHeardSince(std::uint64_t since_ms) { return a_.HeardSince(since_ms) && b_.HeardSince(since_ms); }

  PrivateRuntimeDir runtime_;
  TempDir dir_;
  Partner a_{dir_, "alex"};
  Partner b_{dir_, "sam"};
};

TEST_F(Sharing, APauseStopsTheExchangeBothWaysUntilResumed) {
  json paused = a_.Json({"sharing", "pause", "--json"});
  ASSERT_TRUE(paused.value("paused", false)) << paused.dump();
  const std::uint64_t since = paused.value("paused_since_ms", std::uint64_t{0});
  ASSERT_GT(since, 0u);
  EXPECT_EQ(paused["state"], "paused");
  // The partner sees that, and since when; nothing else.
  ASSERT_TRUE(WaitFor([&] { return b_.Peer().contains("paused_since"); })) << b_.daemon().Log();
  EXPECT_EQ(b_.Peer()["paused_since_ms"], since);
  EXPECT_EQ(b_.Peer()["paused_since"], paused["paused_since"]);
  EXPECT_EQ(b_.Sharing()["state"], "partner_paused");
  EXPECT_TRUE(b_.Peer()["online"].get<bool>());
  EXPECT_NE(b_.Ctl({"status"}).out.find("paused by your partner since"), std::string::npos);
  EXPECT_NE(a_.Ctl({"status"}).out.find("paused by you since"), std::string::npos);
  // Pausing again keeps the first time.
  EXPECT_EQ(a_.Json({"sharing", "pause", "--json"})["paused_since_ms"], since);

  const std::string from_a = a_.CheckIn("written by Alex during the pause");
  const std::string from_b = b_.CheckIn("written by Sam during the pause");
  ASSERT_FALSE(from_a.empty());
  ASSERT_FALSE(from_b.empty());
  const std::uint64_t written = NowMs();
  ASSERT_TRUE(WaitFor([&] { return BothHeardSince(written); }, std::chrono::seconds(20)));
  EXPECT_EQ(b_.Ids().count(from_a), 0u) << "an entry left a paused device";
  EXPECT_EQ(a_.Ids().count(from_b), 0u) << "a paused device took an entry in";

  json resumed = a_.Json({"sharing", "resume", "--json"});
  EXPECT_FALSE(resumed.value("paused", true));
  EXPECT_EQ(resumed["state"], "sharing");
  ASSERT_TRUE(WaitFor([&] { return !b_.Peer().contains("paused_since"); }));
  ASSERT_TRUE(WaitFor([&] { return a_.Ids().count(from_b) == 1 && b_.Ids().count(from_a) == 1; }))
      << a_.daemon().Log() << b_.daemon().Log();
  ASSERT_TRUE(WaitFor([&] { return Converged(); }));
  EXPECT_EQ(b_.Sharing()["state"], "sharing");
  EXPECT_EQ(a_.Ctl({"verify"}).exit_code, 0);
  EXPECT_EQ(b_.Ctl({"verify"}).exit_code, 0);
}

TEST_F(Sharing, APauseSurvivesARestartOfEitherDaemon) {
  json paused = a_.Json({"sharing", "pause", "--json"});
  const std::uint64_t since = paused.value("paused_since_ms", std::uint64_t{0});
  ASSERT_GT(since, 0u);
  ASSERT_EQ(a_.Stop(SIGTERM), 0);
  ASSERT_TRUE(a_.Start()) << a_.daemon().Log();
  EXPECT_EQ(a_.Sharing()["paused_since_ms"], since) << "the pause did not survive the restart";
  // A restarted partner learns of the pause anew, from the paused device.
  ASSERT_EQ(b_.Stop(SIGTERM), 0);
  ASSERT_TRUE(b_.Start()) << b_.daemon().Log();
  ASSERT_TRUE(WaitFor([&] { return b_.Peer().value("paused_since_ms", std::uint64_t{0}) == since; },
                      std::chrono::seconds(20)))
      << b_.daemon().Log();

  const std::string from_b = b_.CheckIn("written by Sam after the restarts");
  const std::uint64_t written = NowMs();
  ASSERT_TRUE(WaitFor([&] { return BothHeardSince(written); }, std::chrono::seconds(20)));
  EXPECT_EQ(a_.Ids().count(from_b), 0u);

  a_.Json({"sharing", "resume", "--json"});
  ASSERT_TRUE(WaitFor([&] { return a_.Ids().count(from_b) == 1; })) << a_.daemon().Log();
  ASSERT_TRUE(WaitFor([&] { return Converged(); }));
}

TEST_F(Sharing, LeavingEndsSyncForGoodAndKeepsBothCopies) {
  const std::vector<std::string> alex_words = {"Alex: first week", "Alex: the talk went well", "Alex: tired"};
  std::vector<std::string> alex_ids;
  for (const auto& words : alex_words) alex_ids.push_back(a_.CheckIn(words));
  const std::string sam_note = b_.CheckIn("Sam: words to take back");
  ASSERT_EQ(b_.Ctl({"appreciate", "Sam appreciates the walk"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return Converged() && a_.Ids().size() == 2 + 3 + 2; }));

  // Without --yes nothing happens, and it says what would.
  auto unconfirmed = b_.Ctl({"leave"});
  EXPECT_EQ(unconfirmed.exit_code, 2);
  EXPECT_NE(unconfirmed.err.find("--yes"), std::string::npos) << unconfirmed.err;
  EXPECT_NE(unconfirmed.err.find("export"), std::string::npos) << unconfirmed.err;
  EXPECT_EQ(b_.Sharing()["state"], "sharing");
  EXPECT_EQ(b_.Ctl({"withdraw-mine"}).exit_code, 2);

  // Sam withdraws his own entries first: their words go on both devices.
  json withdrew = b_.Json({"withdraw-mine", "--yes", "--json"});
  EXPECT_EQ(withdrew["withdrawn"], 2) << withdrew.dump();
  EXPECT_EQ(withdrew["remaining"], 0);
  EXPECT_EQ(withdrew["kept"]["member"], 1) << "the introduction stays";
  ASSERT_TRUE(WaitFor([&] {
    auto on_a = a_.EntriesById();
    return on_a.count(sam_note) == 1 && on_a[sam_note].value("withdrawn", false);
  })) << a_.daemon().Log();

  auto left = b_.Ctl({"leave", "--note", "take care", "--yes"});
  ASSERT_EQ(left.exit_code, 0) << left.err;
  const std::string sam = b_.Author();
  for (const Partner* p : {&a_, &b_}) {
    ASSERT_TRUE(WaitFor([&] { return p->Sharing().value("ended", json::object()).value("link_closed", false); },
                        std::chrono::seconds(20)))
        << p->Sharing().dump() << a_.daemon().Log() << b_.daemon().Log();
    json ended = p->Sharing()["ended"];
    EXPECT_EQ(ended["by"], sam);
    EXPECT_EQ(ended["name"], "Sam");
    EXPECT_EQ(ended["by_me"], p == &b_);
    EXPECT_EQ(p->Sharing()["state"], "ended");
  }
  EXPECT_NE(a_.Ctl({"status"}).out.find("ended: Sam left on"), std::string::npos);
  EXPECT_NE(b_.Ctl({"status"}).out.find("ended: you left on"), std::string::npos);

  // Nothing more is added, by either partner, with the reason.
  for (const Partner* p : {&a_, &b_}) {
    auto refused = p->Ctl({"checkin", "--note", "after the end"});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("the shared ledger has ended: Sam left it"), std::string::npos) << refused.err;
    auto appreciation = p->Ctl({"appreciate", "after the end"});
    EXPECT_NE(appreciation.err.find("the shared ledger has ended"), std::string::npos) << appreciation.err;
    EXPECT_NE(p->Ctl({"sharing", "pause"}).exit_code, 0);
    // Pairing again is refused, saying what a new beginning takes.
    auto invite = p->Ctl({"pair", "invite"});
    EXPECT_NE(invite.exit_code, 0);
    EXPECT_NE(invite.err.find("has ended"), std::string::npos) << invite.err;
    EXPECT_NE(invite.err.find("--data-dir"), std::string::npos) << invite.err;
  }
  // No further sync: no link and no listening socket on either side.
  for (const Partner* p : {&a_, &b_}) {
    json peers = p->Json({"peers", "--json"});
    EXPECT_FALSE(peers["peers"][0]["online"].get<bool>()) << peers.dump();
    EXPECT_TRUE(peers["peers"][0]["ended"].get<bool>());
    EXPECT_EQ(peers["listening_port"], 0);
  }

  // Alex's copy is whole: every entry of Alex's with its words, Sam's leave, and it verifies.
  auto on_a = a_.EntriesById();
  for (std::size_t i = 0; i < alex_ids.size(); ++i) {
    ASSERT_EQ(on_a.count(alex_ids[i]), 1u);
    EXPECT_EQ(on_a[alex_ids[i]]["body"]["note"], alex_words[i]);
  }
  EXPECT_EQ(on_a.size(), 2u + 3 + 2 + 2 + 1) << "introductions, Alex's 3, Sam's 2, 2 withdrawals, the leave";
  EXPECT_EQ(a_.Ctl({"verify"}).exit_code, 0);
  EXPECT_EQ(b_.Ctl({"verify"}).exit_code, 0);
  json history = a_.Json({"timeline", "--author", "me", "--json"});
  std::set<std::string> shown;
  for (const auto& e : history["entries"]) shown.insert(e.value("id", ""));
  for (const auto& id : alex_ids) EXPECT_EQ(shown.count(id), 1u) << "Alex's history lost " << id;
  json leave = a_.Json({"timeline", "--kind", "leave", "--json"});
  ASSERT_EQ(leave["entries"].size(), 1u);
  EXPECT_EQ(leave["entries"][0]["body"]["note"], "take care");
  // Sam keeps a copy too, Alex's words included.
  auto on_b = b_.EntriesById();
  EXPECT_EQ(on_b[alex_ids[1]]["body"]["note"], alex_words[1]);

  // After restarts it stays ended: no link is made again.
  ASSERT_EQ(a_.Stop(SIGTERM), 0);
  ASSERT_EQ(b_.Stop(SIGTERM), 0);
  ASSERT_TRUE(a_.Start()) << a_.daemon().Log();
  ASSERT_TRUE(b_.Start()) << b_.daemon().Log();
  for (const Partner* p : {&a_, &b_}) {
    EXPECT_EQ(p->Json({"peers", "--json"})["listening_port"], 0);
    EXPECT_TRUE(p->Sharing()["ended"]["link_closed"].get<bool>());
  }
  EXPECT_EQ(a_.EntriesById().size(), on_a.size());
  EXPECT_EQ(a_.Ctl({"verify"}).exit_code, 0);

  // Locked, pairing asks for the passphrase first; unlocked, it says why not.
  ASSERT_EQ(b_.Ctl({"passphrase", "set"}, "a passphrase for the end\n").exit_code, 0);
  ASSERT_EQ(b_.Ctl({"lock"}).exit_code, 0);
  // Locked, and after a restart locked, it still knows the ledger ended (not
  // who left or when: those are sealed), so no window says entries arrive.
  for (int restarted = 0; restarted < 2; ++restarted) {
    const json sharing = b_.Sharing();
    EXPECT_EQ(sharing.value("state", ""), "ended") << sharing.dump();
    EXPECT_TRUE(sharing["ended"].value("link_closed", false)) << sharing.dump();
    EXPECT_FALSE(sharing["ended"].contains("name")) << "sealed while locked: " << sharing.dump();
    if (restarted == 0) {
      ASSERT_EQ(b_.Stop(SIGTERM), 0);
      ASSERT_TRUE(b_.Start()) << b_.daemon().Log();
      ASSERT_TRUE(b_.Json({"status", "--json"}).value("locked", false));
    }
  }
  auto locked = b_.Ctl({"pair", "invite"});
  EXPECT_NE(locked.exit_code, 0);
  EXPECT_NE(locked.err.find("unlock"), std::string::npos) << locked.err;
  ASSERT_EQ(b_.Ctl({"unlock"}, "a passphrase for the end\n").exit_code, 0);
  auto unlocked = b_.Ctl({"pair", "invite"});
  EXPECT_NE(unlocked.exit_code, 0);
  EXPECT_NE(unlocked.err.find("has ended"), std::string::npos) << unlocked.err;
}

}  // namespace
}  // namespace kintsugi::testing
