// Views: the fold of the ledger kept up to date as entries are appended and
// received (daemon/views.h), through two partners' engines on real ledger
// files with sync done by hand. Covers the refusals at append (and the same
// operations signed by a modified client), rewinds onto saved states,
// withdrawal, entries that wait for what they depend on, and private
// notes. The convergence of two replicas whatever order entries arrive in (a
// seeded simulation of partners writing apart and syncing in pieces) is in
// views_convergence_test.cc; restarts, saved states and damaged views of one
// device in views_restart_test.cc.
#include "daemon/views.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "daemon/engine.h"
#include "protocol/entry.h"
#include "protocol/fold.h"
#include "protocol/hlc.h"
#include "protocol/kinds.h"
#include "tests/daemon/pairing_support.h"
#include "tests/daemon/test_support.h"

namespace kintsugi::daemon {
namespace {

using nlohmann::json;
using testing::AppendParams;
using testing::Contains;
using testing::Device;
using testing::Exists;
using testing::FindShown;
using testing::KeysOf;
using testing::MakeEmptyReplica;
using testing::OnDisk;
using testing::Outcomes;
using testing::Pull;
using testing::Pulled;
using testing::PullChain;
using testing::RawDb;
using testing::RebuildViews;
using testing::RunPairing;
using testing::SameTimeline;
using testing::SealBodyWith;
using testing::Seed;
using testing::ServeChain;
using testing::Shown;
using testing::TestClock;
using testing::ToSync;
using testing::WholeTimeline;

constexpr std::int64_t kMsPerDay = 86'400'000;

std::string Hex(const protocol::EntryId& id) { return ToHex(id); }

// Ana (the inviter) and Bea paired, adopted the shared ledger and exchanged
// their introductions. Entries are written in UTC ("tz": 0), a minute apart.
class ViewsOfAPair : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(ana.engine, nullptr);
    ASSERT_NE(bea.engine, nullptr);
    ana.Init("Ana");
    bea.Init("Bea");
    Outcomes outcomes = RunPairing(ana, bea, clock, pairing_rng);
    ASSERT_TRUE(outcomes.inviter.has_value());
    ASSERT_TRUE(outcomes.joiner.has_value());
    Status adopted_a = ana.engine->AdoptPairing(*outcomes.inviter);
    ASSERT_TRUE(adopted_a.ok()) << adopted_a.error().message;
    Status adopted_b = bea.engine->AdoptPairing(*outcomes.joiner);
    ASSERT_TRUE(adopted_b.ok()) << adopted_b.error().message;
    Exchange();
  }

  void Exchange() {
    Pull(ana, bea);
    Pull(bea, ana);
  }

  AppendedEntry Add(Device& d, json params) {
    clock.Advance(60'000);
    if (!params.contains("tz")) params["tz"] = 0;
    auto appended = AppendParams(*d.engine, params);
    EXPECT_TRUE(appended.ok()) << params.dump() << ": " << (appended.ok() ? "" : appended.error().message);
    return appended.ok() ? *appended : AppendedEntry{};
  }

  std::uint64_t HeadSeq(Device& d) {
    auto head = d.engine->Head(d.self());
    EXPECT_TRUE(head.ok());
    return head.ok() ? head->seq : 0;
  }

  // `params` must be refused at append with kFailedPrecondition and a reason
  // containing `why`, and nothing may be appended.
  void ExpectRefused(Device& d, json params, const std::string& why) {
    SCOPED_TRACE(params.dump());
    params["tz"] = 0;
    const std::uint64_t head = HeadSeq(d);
    const std::int64_t entries = d.engine->GetStatus()->entries;
    const std::size_t shown = WholeTimeline(*d.engine).size();
    clock.Advance(1'000);
    auto refused = AppendParams(*d.engine, params);
    ASSERT_FALSE(refused.ok()) << "appended";
    EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_NE(refused.error().message.find(why), std::string::npos) << refused.error().message;
    EXPECT_EQ(HeadSeq(d), head);
    EXPECT_EQ(d.engine->GetStatus()->entries, entries);
    EXPECT_EQ(WholeTimeline(*d.engine).size(), shown);
  }

  std::string StateOf(Device& d) { return d.engine->views().state().ToJson().dump(); }

  // An entry of `author`'s signed behind its engine's back, as a modified
  // client could, and taken in by `to`.
  protocol::SealedEntry Forge(Device& author, Device& to, json params) {
    params["tz"] = 0;
    auto body = protocol::BodyFromParams(params);
    EXPECT_TRUE(body.ok()) << body.error().message;
    auto head = author.engine->Head(author.self());
    auto partner_head = author.engine->Head(to.self());
    EXPECT_TRUE(head.ok() && partner_head.ok());
    clock.Advance(60'000);
    protocol::SealedEntry forged =
        SealBodyWith(KeysOf(author), author.engine->ledger_id(), head->seq + 1, head->id, {partner_head->id},
                     protocol::MakeHlc(clock.NowMillis(), 0), protocol::EncodeBody(*body), forge_rng);
    auto received = to.engine->Receive(author.self(), {ToSync(forged)});
    EXPECT_TRUE(received.ok()) << received.error().message;
    EXPECT_EQ(received->stored, 1u);
    return forged;
  }

  // Bea writes 600 entries while apart from Ana, who writes one after Bea's
  // 300th: Bea's device saves states after 256 and 512 folded entries, and
  // Ana's entry belongs between the two.
  AppendedEntry WriteApart() {
    for (int i = 0; i < 300; ++i) Add(bea, {{"kind", "appreciation"}, {"text", "early " + std::to_string(i)}});
    AppendedEntry apart = Add(ana, {{"kind", "feelings"}, {"mood", 4}, {"trust", 4}});
    for (int i = 0; i < 300; ++i) Add(bea, {{"kind", "appreciation"}, {"text", "late " + std::to_string(i)}});
    return apart;
  }

  TestClock clock;
  Device ana{1, clock};
  Device bea{2, clock};
  crypto::DeterministicRandom pairing_rng{Seed(77)};
  crypto::DeterministicRandom forge_rng{Seed(78)};
};

json Proposal(const std::string& title) {
  return {{"kind", "propose"}, {"title", title}, {"text", "we " + title}, {"category", "ritual"}};
}

// --- Refusals at append ---

TEST_F(ViewsOfAPair, AcceptingOnesOwnProposalIsRefusedWithTheFoldsReasonAndAppendsNothing) {
  AppendedEntry p = Add(ana, Proposal("walk on Sundays"));
  ExpectRefused(ana, {{"kind", "accept"}, {"ref", Hex(p.id)}}, "accepted by the partner who did not make it");
  ExpectRefused(ana, {{"kind", "decline"}, {"ref", Hex(p.id)}}, "declined by the partner who did not make it");

  // The same accept, signed by a client that skips the check, is kept as
  // history on the partner's device with no effect and the same reason.
  auto refused = AppendParams(*ana.engine, {{"kind", "accept"}, {"ref", Hex(p.id)}, {"tz", 0}});
  ASSERT_FALSE(refused.ok());
  Pull(bea, ana);
  protocol::SealedEntry forged = Forge(ana, bea, {{"kind", "accept"}, {"ref", Hex(p.id)}});
  auto shown = FindShown(*bea.engine, forged.id);
  ASSERT_TRUE(shown.has_value()) << "the forged accept was not folded";
  EXPECT_EQ(shown->effect.kind, "accept");
  EXPECT_FALSE(shown->effect.applied);
  EXPECT_EQ(shown->effect.reason_code, "own_proposal");
  EXPECT_EQ(shown->effect.reason, refused.error().message);
  EXPECT_EQ(bea.engine->views().state().agreements().at(Hex(p.id)).state, "proposed");
}

TEST_F(ViewsOfAPair, AnswersAndChangesToARetiredAgreementAreRefused) {
  AppendedEntry p = Add(ana, Proposal("phones away at dinner"));
  Pull(bea, ana);
  Add(bea, {{"kind", "accept"}, {"ref", Hex(p.id)}});
  Pull(ana, bea);
  AppendedEntry amend = Add(ana, {{"kind", "amend"}, {"agreement", Hex(p.id)}, {"text", "phones in the hall"}});
  AppendedEntry retire = Add(ana, {{"kind", "retire"}, {"agreement", Hex(p.id)}, {"reason", "it did its job"}});
  Pull(bea, ana);
  Add(bea, {{"kind", "accept"}, {"ref", Hex(retire.id)}});
  Exchange();
  for (Device* d : {&ana, &bea}) {
    const auto& agreements = d->engine->views().state().agreements();
    ASSERT_EQ(agreements.count(Hex(p.id)), 1u);
    EXPECT_EQ(agreements.at(Hex(p.id)).state, "retired");
    EXPECT_EQ(d->engine->views().state().proposals().at(Hex(amend.id)).status, "superseded");
  }

  ExpectRefused(bea, {{"kind", "accept"}, {"ref", Hex(amend.id)}}, "the agreement is retired");
  ExpectRefused(bea, {{"kind", "decline"}, {"ref", Hex(amend.id)}}, "the agreement is retired");
  ExpectRefused(bea, {{"kind", "accept"}, {"ref", Hex(p.id)}}, "this proposal was already accepted");
  ExpectRefused(bea, {{"kind", "decline"}, {"ref", Hex(retire.id)}}, "this proposal was already accepted");
  ExpectRefused(ana, {{"kind", "amend"}, {"agreement", Hex(p.id)}, {"text", "again"}}, "the agreement is retired");
  ExpectRefused(ana, {{"kind", "retire"}, {"agreement", Hex(p.id)}}, "the agreement is retired");
  ExpectRefused(bea, {{"kind", "agreement"}, {"agreement", Hex(p.id)}, {"outcome", "kept"}},
                "the agreement is retired");
}

TEST_F(ViewsOfAPair, CorrectingThePartnersEntryIsRefusedButOnesOwnIsNot) {
  AppendedEntry feelings = Add(ana, {{"kind", "feelings"}, {"mood", 6}, {"trust", 7}});
  Pull(bea, ana);
  ExpectRefused(bea, {{"kind", "correct"}, {"ref", Hex(feelings.id)}, {"text", "you meant 4"}},
                "only the author of an entry can correct it");
  AppendedEntry own = Add(ana, {{"kind", "correct"}, {"ref", Hex(feelings.id)}, {"text", "mood was 5"}});
  const auto& corrections = ana.engine->views().state().corrections();
  ASSERT_EQ(corrections.count(Hex(feelings.id)), 1u);
  EXPECT_EQ(corrections.at(Hex(feelings.id)), std::vector<std::string>{Hex(own.id)});
}

TEST_F(ViewsOfAPair, WithdrawingThePartnersEntryIsRefused) {
  AppendedEntry feelings = Add(ana, {{"kind", "feelings"}, {"mood", 6}, {"trust", 7}});
  Pull(bea, ana);
  ExpectRefused(bea, {{"kind", "withdraw"}, {"ref", Hex(feelings.id)}}, "only the author of an entry can withdraw it");
  EXPECT_FALSE(bea.engine->views().state().withdrawn(Hex(feelings.id)));
}

TEST_F(ViewsOfAPair, AWithdrawalOfThePartnersEntryFromAModifiedClientDestroysNothing) {
  AppendedEntry feelings = Add(ana, {{"kind", "feelings"}, {"mood", 6}, {"trust", 7}, {"needed", "rest"}});
  Pull(bea, ana);
  protocol::SealedEntry forged = Forge(bea, ana, {{"kind", "withdraw"}, {"ref", Hex(feelings.id)}});
  auto shown = FindShown(*ana.engine, forged.id);
  ASSERT_TRUE(shown.has_value());
  EXPECT_FALSE(shown->effect.applied);
  EXPECT_EQ(shown->effect.reason_code, "not_yours");
  auto row = ana.engine->store().FindInChain(ana.engine->ledger_id(), ana.self(), feelings.seq);
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_TRUE((*row)->wrapped_key.has_value());
  EXPECT_TRUE(ana.engine->views().OpenBody(Hex(feelings.id)).has_value());
  EXPECT_FALSE(ana.engine->views().state().withdrawn(Hex(feelings.id)));
}

TEST_F(ViewsOfAPair, WithdrawingOnesOwnAnswerProposalOrIntroductionIsRefused) {
  AppendedEntry p = Add(ana, Proposal("a weekly meeting"));
  Pull(bea, ana);
  AppendedEntry accept = Add(bea, {{"kind", "accept"}, {"ref", Hex(p.id)}});
  ExpectRefused(bea, {{"kind", "withdraw"}, {"ref", Hex(accept.id)}}, "stay on the record");
  ExpectRefused(ana, {{"kind", "withdraw"}, {"ref", Hex(p.id)}}, "stay on the record");
  const StoredEntry intro = ana.OwnChain().at(0);
  ExpectRefused(ana, {{"kind", "withdraw"}, {"ref", Hex(intro.id)}}, "the entry that introduces you cannot be withdrawn");
  EXPECT_EQ(bea.engine->views().state().agreements().at(Hex(p.id)).state, "active");
}

// The daemon refuses to withdraw an agreement, but a withdrawal that arrives
// signed from the partner is honoured whatever it withdraws (docs/LEDGER.md,
// "Withdrawal"): the entry is theirs.
TEST_F(ViewsOfAPair, AWithdrawalOfAnAgreementFromAModifiedClientIsHonouredByThePartner) {
  AppendedEntry p = Add(ana, Proposal("no phones in bed"));
  Pull(bea, ana);
  Add(bea, {{"kind", "accept"}, {"ref", Hex(p.id)}});
  Pull(ana, bea);
  protocol::SealedEntry forged = Forge(ana, bea, {{"kind", "withdraw"}, {"ref", Hex(p.id)}});
  auto shown = FindShown(*bea.engine, forged.id);
  ASSERT_TRUE(shown.has_value());
  EXPECT_TRUE(shown->effect.applied) << shown->effect.reason;
  auto proposal = FindShown(*bea.engine, p.id);
  ASSERT_TRUE(proposal.has_value());
  EXPECT_EQ(proposal->effect.kind, "withdrawn");
  auto row = bea.engine->store().FindInChain(bea.engine->ledger_id(), ana.self(), p.seq);
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_FALSE((*row)->wrapped_key.has_value());
  EXPECT_FALSE(bea.engine->views().OpenBody(Hex(p.id)).has_value());
  bea.ExpectVerifies();
}

TEST_F(ViewsOfAPair, AMoodOfZeroIsRefusedBeforeAnythingIsSigned) {
  const std::uint64_t head = HeadSeq(ana);
  auto body = protocol::BodyFromParams({{"kind", "feelings"}, {"mood", 0}, {"trust", 5}});
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(body.error().message, "mood must be a whole number from 1 to 10");
  // A caller that skips the parameter check still gets nothing signed: the
  // fold finds the body malformed.
  auto appended = ana.engine->AppendKind(
      protocol::Body{protocol::Kind::kFeelings, {{"kind", "feelings"}, {"mood", 0}, {"trust", 5}, {"tz", 0}}});
  ASSERT_FALSE(appended.ok());
  EXPECT_EQ(appended.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(appended.error().message, "mood must be a whole number from 1 to 10");
  EXPECT_EQ(HeadSeq(ana), head);
  // The boundaries of the scale are accepted.
  Add(ana, {{"kind", "feelings"}, {"mood", 1}, {"trust", 10}});
  EXPECT_EQ(HeadSeq(ana), head + 1);
}

// An entry from the partner that belongs between two saved states rewinds to
// the older one, and the newer one is taken again.
TEST_F(ViewsOfAPair, AnEntryFromBetweenTwoSavedStatesRewindsToTheOlderOneAndSurvivesARestart) {
  AppendedEntry apart = WriteApart();
  const std::string states = "SELECT stamp || ':' || hex(state) FROM view_states ORDER BY stamp";
  std::vector<std::string> before;
  std::vector<std::uint64_t> stamps;
  {
    RawDb raw(bea.db_path, SQLITE_OPEN_READONLY);
    before = raw.Texts(states);
    for (const auto& stamp : raw.Texts("SELECT stamp FROM view_states ORDER BY stamp")) stamps.push_back(std::stoull(stamp));
  }
  ASSERT_EQ(before.size(), 2u);
  ASSERT_EQ(stamps.size(), 2u);

  Pulled pulled = Pull(bea, ana);
  EXPECT_EQ(pulled.stored, 1u);
  Pull(ana, bea);
  auto shown = FindShown(*bea.engine, apart.id);
  ASSERT_TRUE(shown.has_value());
  EXPECT_TRUE(shown->effect.applied);
  ASSERT_LT(stamps[0], shown->key.first) << "the scenario does not put the entry between the states";
  ASSERT_GT(stamps[1], shown->key.first) << "the scenario does not put the entry between the states";
  EXPECT_EQ(StateOf(bea), StateOf(ana));
  EXPECT_TRUE(SameTimeline(WholeTimeline(*bea.engine), WholeTimeline(*ana.engine)));
  {
    // The older state was kept; the newer one, taken without Ana's entry, was replaced.
    RawDb raw(bea.db_path, SQLITE_OPEN_READONLY);
    std::vector<std::string> after = raw.Texts(states);
    ASSERT_EQ(after.size(), 2u);
    EXPECT_EQ(after[0], before[0]);
    EXPECT_NE(after[1], before[1]);
  }

  bea.Reopen();
  ASSERT_NE(bea.engine, nullptr);
  EXPECT_EQ(StateOf(bea), StateOf(ana));
  auto again = bea.engine->views().CatchUp();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->folded, 0u);
  const std::string state = StateOf(bea);
  RebuildViews(bea);
  EXPECT_EQ(StateOf(bea), state);
}

// An entry from the partner that belongs between two saved states rewinds to
// the older one; when that one is damaged the views must still end right.
TEST_F(ViewsOfAPair, ARewindOntoADamagedOlderSavedStateStillEndsWithTheRightState) {
  AppendedEntry apart = WriteApart();
  bea.engine.reset();
  {
    RawDb raw(bea.db_path);
    ASSERT_EQ(raw.Int("SELECT count(*) FROM view_states").value_or(-1), 2);
    ASSERT_EQ(raw.Exec("UPDATE view_states SET state = randomblob(length(state)) WHERE rowid = "
                       "(SELECT rowid FROM view_states ORDER BY stamp LIMIT 1)")
                  .first,
              SQLITE_OK);
  }
  bea.Reopen();
  ASSERT_NE(bea.engine, nullptr);

  Pulled pulled = Pull(bea, ana);
  EXPECT_EQ(pulled.stored, 1u);
  Pull(ana, bea);
  auto shown = FindShown(*bea.engine, apart.id);
  EXPECT_TRUE(shown.has_value()) << "Ana's entry was stored but never folded";
  EXPECT_EQ(StateOf(bea), StateOf(ana));
  EXPECT_TRUE(SameTimeline(WholeTimeline(*bea.engine), WholeTimeline(*ana.engine)));
}

// --- The timeline ---

// The timeline is in causal order, so an answer to an entry from a clock far
// ahead is placed after it; but the day it is listed under is the day it was
// written (the engine does not let such a clock drag its own).
TEST_F(ViewsOfAPair, AnEntryIsListedUnderTheDayItWasWrittenWhenThePartnersClockIsFarAhead) {
  const std::uint64_t day_start = TestClock::kStart - TestClock::kStart % kMsPerDay + kMsPerDay;
  clock.Set(day_start + 22 * 3'600'000);  // 22:00 UTC
  const std::uint64_t now = clock.NowMillis();
  clock.Set(now + 3 * 3'600'000);  // Bea's device is three hours ahead: 01:00 the next day
  Add(bea, {{"kind", "talk.request"}, {"topic", "the weekend"}});
  clock.Set(now);
  Pull(ana, bea);
  AppendedEntry answer = Add(ana, {{"kind", "appreciation"}, {"text", "thanks for asking"}});
  ASSERT_EQ(protocol::HlcMillis(answer.hlc) / kMsPerDay, day_start / kMsPerDay);
  auto shown = FindShown(*ana.engine, answer.id);
  ASSERT_TRUE(shown.has_value());

  TimelineQuery today;  // as view.timeline computes `from` and `to` for one day
  today.from_ms = day_start;
  today.to_ms = day_start + kMsPerDay - 1;
  auto listed = ana.engine->Timeline(today);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(std::any_of(listed->begin(), listed->end(),
                          [&](const Engine::TimelineEntry& e) { return e.item.id == answer.id; }))
      << "written at " << protocol::FormatUtcMillis(protocol::HlcMillis(answer.hlc)) << " but placed at "
      << protocol::FormatUtcMillis(protocol::HlcMillis(shown->key.first));
}

// --- Withdrawal ---

TEST_F(ViewsOfAPair, AWithdrawnEntryLosesItsWordsAndItsKeyOnBothDevices) {
  const std::string secret = "I felt invisible at dinner 7Q2XK";
  clock.Set(TestClock::kStart - TestClock::kStart % kMsPerDay + kMsPerDay + 8 * 3'600'000);  // 08:00 UTC next day
  AppendedEntry x = Add(ana, {{"kind", "feelings"}, {"mood", 2}, {"trust", 4}, {"appreciated", secret}});
  Add(ana, {{"kind", "feelings"}, {"mood", 8}, {"trust", 6}});
  Pull(bea, ana);
  // More entries after it, so the key's page is rewritten before the withdrawal.
  for (int i = 0; i < 120; ++i) Add(ana, {{"kind", "appreciation"}, {"text", "filler " + std::to_string(i)}});
  Pull(bea, ana);
  const std::int64_t day = protocol::LocalDay(x.hlc, json{{"tz", 0}});
  const std::string author = ToHex(ana.self());
  auto day_point = [&](Device& d) {
    json days = json(d.engine->views().state().TrendsView(day, day, day))["members"][author]["days"];
    return days.empty() ? json() : days[0];
  };
  auto week_checkins = [&](Device& d) {
    json weeks = json(d.engine->views().state().TrendsView(day, day, day))["members"][author]["weeks"];
    return weeks.empty() ? -1 : weeks[0]["checkins"].get<int>();
  };

  std::map<Device*, Bytes> keys;
  for (Device* d : {&ana, &bea}) {
    auto row = d->engine->store().FindInChain(d->engine->ledger_id(), ana.self(), x.seq);
    ASSERT_TRUE(row.ok() && row->has_value());
    ASSERT_TRUE((*row)->wrapped_key.has_value());
    keys[d] = *(*row)->wrapped_key;
    EXPECT_TRUE(Contains(OnDisk(d->db_path), keys[d])) << "the search cannot find a key that is there";
    EXPECT_EQ(day_point(*d)["mood"], 5.0);
    EXPECT_EQ(week_checkins(*d), 2);
    auto body = d->engine->views().OpenBody(Hex(x.id));
    ASSERT_TRUE(body.has_value());
    EXPECT_EQ((*body)["appreciated"], secret);
  }
  EXPECT_EQ(keys[&ana], keys[&bea]);

  AppendedEntry w = Add(ana, {{"kind", "withdraw"}, {"ref", Hex(x.id)}});
  Pull(bea, ana);
  for (Device* d : {&ana, &bea}) {
    SCOPED_TRACE(d == &ana ? "Ana's device" : "Bea's device");
    auto shown = FindShown(*d->engine, x.id);
    ASSERT_TRUE(shown.has_value());
    EXPECT_EQ(shown->effect.kind, "withdrawn");
    EXPECT_FALSE(shown->effect.applied);
    EXPECT_FALSE(shown->item.body.has_value());
    auto withdrawal = FindShown(*d->engine, w.id);
    ASSERT_TRUE(withdrawal.has_value());
    EXPECT_EQ(withdrawal->effect.kind, "withdraw");
    EXPECT_TRUE(withdrawal->effect.applied);
    ASSERT_TRUE(withdrawal->effect.withdraws.has_value());
    EXPECT_EQ(*withdrawal->effect.withdraws, x.id);
    EXPECT_TRUE(d->engine->views().state().withdrawn(Hex(x.id)));
    EXPECT_FALSE(d->engine->views().OpenBody(Hex(x.id)).has_value());
    EXPECT_EQ(day_point(*d)["mood"], 8.0);
    EXPECT_EQ(week_checkins(*d), 1);

    auto row = d->engine->store().FindInChain(d->engine->ledger_id(), ana.self(), x.seq);
    ASSERT_TRUE(row.ok() && row->has_value());
    EXPECT_FALSE((*row)->wrapped_key.has_value());
    auto withdrawn = d->engine->store().IsWithdrawn((*row)->rowid);
    ASSERT_TRUE(withdrawn.ok());
    EXPECT_TRUE(*withdrawn);
    d->ExpectVerifies();

    // On disk, while the daemon still runs and after it stopped.
    const Bytes running = OnDisk(d->db_path);
    EXPECT_TRUE(Contains(running, std::string("SQLite format 3")));
    EXPECT_FALSE(Contains(running, secret));
    EXPECT_FALSE(Contains(running, keys[d])) << "the destroyed key is still in the file or its log";
  }
  EXPECT_EQ(StateOf(ana), StateOf(bea));
  for (Device* d : {&ana, &bea}) {
    d->engine.reset();
    const Bytes stopped = OnDisk(d->db_path);
    EXPECT_FALSE(Contains(stopped, secret));
    EXPECT_FALSE(Contains(stopped, keys[d]));
  }
}

TEST_F(ViewsOfAPair, AnEntryThatArrivesAfterItsWithdrawalComesWithoutKeyAndIsShownWithdrawnOnceTheWithdrawalArrives) {
  AppendedEntry x = Add(ana, {{"kind", "feelings"}, {"mood", 3}, {"trust", 3}, {"needed", "a hug 4RT9"}});
  AppendedEntry w = Add(ana, {{"kind", "withdraw"}, {"ref", Hex(x.id)}});
  Pulled first = PullChain(bea, ana, ana.self(), 1, 1);
  EXPECT_EQ(first.stored, 1u);
  auto row = bea.engine->store().FindInChain(bea.engine->ledger_id(), ana.self(), x.seq);
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_FALSE((*row)->wrapped_key.has_value()) << "a withdrawn entry was served with its key";
  auto shown = FindShown(*bea.engine, x.id);
  ASSERT_TRUE(shown.has_value());
  EXPECT_FALSE(shown->effect.applied);
  EXPECT_FALSE(bea.engine->views().OpenBody(Hex(x.id)).has_value());

  Pulled second = PullChain(bea, ana, ana.self());
  EXPECT_EQ(second.stored, 1u);
  shown = FindShown(*bea.engine, x.id);
  ASSERT_TRUE(shown.has_value());
  EXPECT_EQ(shown->effect.kind, "withdrawn");
  EXPECT_FALSE(shown->effect.applied);
  auto withdrawn = bea.engine->store().IsWithdrawn((*row)->rowid);
  ASSERT_TRUE(withdrawn.ok());
  EXPECT_TRUE(*withdrawn);
  auto withdrawal = FindShown(*bea.engine, w.id);
  ASSERT_TRUE(withdrawal.has_value());
  EXPECT_TRUE(withdrawal->effect.applied);
  EXPECT_EQ(StateOf(bea), StateOf(ana));
  EXPECT_TRUE(SameTimeline(WholeTimeline(*bea.engine), WholeTimeline(*ana.engine)));
  bea.ExpectVerifies();
}

// --- Entries that wait ---

// Ana's device is restored from an older copy. Bea wrote on top of entries
// of Ana's that the copy lacks; her entries reach the copy first and wait.
TEST_F(ViewsOfAPair, AnEntryWaitsForTheEntriesItDependsOnAndFoldsWhenTheyArrive) {
  Add(ana, {{"kind", "feelings"}, {"mood", 6}, {"trust", 6}});
  Exchange();
  Device restored{3, clock};
  restored.engine.reset();
  ana.engine.reset();  // closing moves the write-ahead log into the file
  const auto overwrite = std::filesystem::copy_options::overwrite_existing;
  std::filesystem::remove(restored.db_path + "-wal");
  std::filesystem::remove(restored.db_path + "-shm");
  std::filesystem::copy_file(ana.db_path, restored.db_path, overwrite);
  if (Exists(ana.db_path + "-wal")) std::filesystem::copy_file(ana.db_path + "-wal", restored.db_path + "-wal", overwrite);
  std::filesystem::copy_file(ana.key_path, restored.key_path, overwrite);
  ana.Reopen();
  restored.Reopen();
  ASSERT_NE(ana.engine, nullptr);
  ASSERT_NE(restored.engine, nullptr);
  ASSERT_EQ(StateOf(restored), StateOf(ana));

  AppendedEntry p = Add(ana, Proposal("breakfast together"));
  Add(ana, {{"kind", "talk.request"}, {"topic", "holidays"}});
  Pull(bea, ana);
  AppendedEntry accept = Add(bea, {{"kind", "accept"}, {"ref", Hex(p.id)}});
  AppendedEntry after = Add(bea, {{"kind", "feelings"}, {"mood", 9}, {"trust", 9}});
  const std::string before = StateOf(restored);
  const std::size_t shown_before = WholeTimeline(*restored.engine).size();

  Pulled first = PullChain(restored, bea, bea.self());
  EXPECT_EQ(first.stored, 2u);
  EXPECT_EQ(restored.engine->views().waiting(), 2u);
  EXPECT_EQ(StateOf(restored), before);
  EXPECT_EQ(WholeTimeline(*restored.engine).size(), shown_before);
  for (const AppendedEntry* e : {&accept, &after}) {
    auto row = restored.engine->store().FindInChain(restored.engine->ledger_id(), bea.self(), e->seq);
    ASSERT_TRUE(row.ok() && row->has_value());
    auto effect = restored.engine->views().EffectOf((*row)->rowid);
    ASSERT_TRUE(effect.ok());
    EXPECT_FALSE(effect->has_value()) << "folded before what it depends on";
  }
  // Waiting survives a restart.
  restored.Reopen();
  ASSERT_NE(restored.engine, nullptr);
  EXPECT_EQ(restored.engine->views().waiting(), 2u);
  EXPECT_EQ(StateOf(restored), before);

  Pulled second = PullChain(restored, bea, ana.self());
  EXPECT_EQ(second.stored, 2u);
  EXPECT_EQ(restored.engine->views().waiting(), 0u);
  auto row = restored.engine->store().FindInChain(restored.engine->ledger_id(), bea.self(), accept.seq);
  ASSERT_TRUE(row.ok() && row->has_value());
  auto effect = restored.engine->views().EffectOf((*row)->rowid);
  ASSERT_TRUE(effect.ok() && effect->has_value());
  EXPECT_EQ((*effect)->kind, "accept");
  EXPECT_TRUE((*effect)->applied) << (*effect)->reason;
  EXPECT_EQ(restored.engine->views().state().agreements().at(Hex(p.id)).state, "active");
  EXPECT_EQ(StateOf(restored), StateOf(bea));
  EXPECT_TRUE(SameTimeline(WholeTimeline(*restored.engine), WholeTimeline(*bea.engine)));
  Pull(ana, bea);
  EXPECT_EQ(StateOf(ana), StateOf(bea));
  restored.ExpectVerifies();
}

// A replica whose file already holds the whole ledger when its engine opens
// folds it in one catch-up that reads the entries in several steps (2,048 at
// a time): Ana's chain comes first in the file, and her last entries wait for
// Bea's that only the second step reads.
TEST_F(ViewsOfAPair, ALedgerLargerThanOneReadStepFoldsInOneGoWithEntriesWaitingAcrossSteps) {
  for (int round = 0; round < 11; ++round) {
    for (int i = 0; i < 100; ++i) Add(ana, {{"kind", "appreciation"}, {"text", "thanks " + std::to_string(i)}});
    Pull(bea, ana);
    for (int i = 0; i < 100; ++i) Add(bea, {{"kind", "feelings"}, {"mood", 1 + i % 10}, {"trust", 5}});
    Pull(ana, bea);
  }
  std::vector<protocol::SyncEntry> all = ServeChain(ana, ana.self());
  std::vector<protocol::SyncEntry> beas = ServeChain(bea, bea.self());
  all.insert(all.end(), beas.begin(), beas.end());
  ASSERT_GT(all.size(), 2048u);

  Device replica{4, clock};
  MakeEmptyReplica(replica, ana, bea.self(), clock);
  replica.engine.reset();
  {
    auto store = Store::Open(replica.db_path, Store::Durability::kNormal);
    ASSERT_TRUE(store.ok()) << store.error().message;
    Status stored = (*store)->InTransaction([&]() -> Status {
      for (const auto& e : all) {
        auto entry = protocol::Decode(e.entry);
        if (!entry.ok()) return entry.take_error();
        KINTSUGI_RETURN_IF_ERROR((*store)->InsertEntry(
            NewEntry::From(*entry, protocol::ComputeId(ByteView(e.entry)), e.entry, e.wrapped_key)));
      }
      return OkStatus();
    });
    ASSERT_TRUE(stored.ok()) << stored.error().message;
  }
  replica.Reopen();
  ASSERT_NE(replica.engine, nullptr);
  EXPECT_EQ(replica.engine->views().waiting(), 0u);
  EXPECT_EQ(StateOf(replica), StateOf(ana));
  EXPECT_TRUE(SameTimeline(WholeTimeline(*replica.engine), WholeTimeline(*ana.engine)));
  replica.ExpectVerifies();
}

// --- Private notes ---

TEST_F(ViewsOfAPair, PrivateNotesStayOnTheDeviceSealedAndOutOfTheLedger) {
  const std::string text = "note to self 9F3K: ask about the weekend";
  const std::int64_t entries = ana.engine->GetStatus()->entries;
  const std::vector<Shown> timeline = WholeTimeline(*ana.engine);
  const std::uint64_t head = HeadSeq(ana);

  auto first = ana.engine->AddNote(text);
  ASSERT_TRUE(first.ok()) << first.error().message;
  clock.Advance(1'000);
  auto second = ana.engine->AddNote("second thought");
  ASSERT_TRUE(second.ok()) << second.error().message;
  auto notes = ana.engine->Notes();
  ASSERT_TRUE(notes.ok());
  ASSERT_EQ(notes->size(), 2u);
  EXPECT_EQ((*notes)[0].id, *second);
  EXPECT_EQ((*notes)[0].text, "second thought");
  EXPECT_EQ((*notes)[1].id, *first);
  EXPECT_EQ((*notes)[1].text, text);
  EXPECT_FALSE((*notes)[1].time.empty());

  EXPECT_EQ(ana.engine->GetStatus()->entries, entries);
  EXPECT_EQ(HeadSeq(ana), head);
  EXPECT_TRUE(SameTimeline(WholeTimeline(*ana.engine), timeline));
  const Bytes on_disk = OnDisk(ana.db_path);
  EXPECT_TRUE(Contains(on_disk, std::string("SQLite format 3")));
  EXPECT_FALSE(Contains(on_disk, text));

  Pulled pulled = Pull(bea, ana);
  EXPECT_EQ(pulled.stored, 0u);
  auto theirs = bea.engine->Notes();
  ASSERT_TRUE(theirs.ok());
  EXPECT_TRUE(theirs->empty());
  EXPECT_FALSE(Contains(OnDisk(bea.db_path), text));

  // Deleting destroys the sealed note in the files at once, while the
  // daemon runs: not only at a clean stop.
  Bytes sealed;
  auto rows = ana.engine->store().Notes();
  ASSERT_TRUE(rows.ok());
  for (const auto& row : *rows) {
    if (row.id == *first) sealed = row.sealed;
  }
  ASSERT_GE(sealed.size(), 32u);
  const Bytes tail(sealed.end() - 32, sealed.end());
  ASSERT_TRUE(Contains(OnDisk(ana.db_path), tail)) << "the search cannot find a note that is there";
  auto deleted = ana.engine->DeleteNote(*first);
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(*deleted);
  EXPECT_FALSE(Contains(OnDisk(ana.db_path), tail)) << "the deleted note is still in ledger.db or its log";
  auto again = ana.engine->DeleteNote(*first);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  auto blank = ana.engine->AddNote("  \n");
  ASSERT_FALSE(blank.ok());
  EXPECT_EQ(blank.error().code, ErrorCode::kInvalidArgument);
  ana.Reopen();
  ASSERT_NE(ana.engine, nullptr);
  notes = ana.engine->Notes();
  ASSERT_TRUE(notes.ok());
  ASSERT_EQ(notes->size(), 1u);
  EXPECT_EQ((*notes)[0].text, "second thought");
}

}  // namespace
}  // namespace kintsugi::daemon
