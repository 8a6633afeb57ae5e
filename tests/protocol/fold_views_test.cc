// What the fold shows and keeps (protocol/fold.h): talks, plans, pauses and
// statuses (TogetherView), the agreements and pending views, trends, and
// saved states, including properties of random two-partner ledgers (the same
// state whatever order the entries arrive in, round trips through JSON,
// resuming from a saved state). The rules themselves are in fold_test.cc.
#include "protocol/fold.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "fold_support.h"
#include "protocol/hlc.h"

namespace kintsugi::protocol {
namespace {

using nlohmann::json;
using fold_testing::Couple;
using fold_testing::ExpectSameEffect;
using fold_testing::HexOf;
using fold_testing::IdOfCounter;
using fold_testing::KeyOf;
using fold_testing::kMsPerDay;
using fold_testing::kMsPerHour;
using fold_testing::kNowhere;
using fold_testing::kStartMs;
using fold_testing::kThursday;
using fold_testing::Who;

// --- Talks, plans, pauses, statuses ---

TEST(FoldTogether, TimeDoneMustNameARealPlanAndClosesIt) {
  Couple c;
  auto bad = c.Refused(Who::kA, {{"kind", "time.done"}, {"what", "a walk"}, {"plan", kNowhere}}, "no_plan");
  EXPECT_EQ(bad.effect.ref, Hash32FromHex(kNowhere));
  auto checkin = c.Applied(Who::kA, {{"kind", "checkin"}, {"note", "n"}});
  c.Refused(Who::kA, {{"kind", "time.done"}, {"what", "a walk"}, {"plan", checkin.id}}, "no_plan");
  const std::uint64_t when = kStartMs + 2 * kMsPerDay;
  auto plan = c.Applied(Who::kA, {{"kind", "time.plan"}, {"what", "a walk"}, {"when", when}});
  auto done = c.Applied(Who::kB, {{"kind", "time.done"}, {"what", "a walk"}, {"plan", plan.id}});
  EXPECT_EQ(done.effect.ref, Hash32FromHex(plan.id));
  json plans = json(c.state.TogetherView(0, c.Opener())).at("plans");
  ASSERT_EQ(plans.size(), 1u) << plans.dump();
  EXPECT_EQ(plans[0].at("id"), plan.id);
  EXPECT_EQ(plans[0].at("closed_by"), done.id);
  EXPECT_EQ(plans[0].at("until"), FormatUtcMillis(when));
  EXPECT_EQ(plans[0].at("what"), "a walk");
  // Done without a plan is fine too.
  c.Applied(Who::kB, {{"kind", "time.done"}, {"what", "a film"}});
}

TEST(FoldTogether, MeetingAndRepairCloseTheTalksTheyAddress) {
  Couple c;
  auto t1 = c.Applied(Who::kA, {{"kind", "talk.request"}, {"topic", "money"}});
  auto t2 = c.Applied(Who::kB, {{"kind", "talk.request"}, {"topic", "weekends"}});
  auto t3 = c.Applied(Who::kB, {{"kind", "talk.request"}, {"topic", "family"}});
  auto meeting = c.Applied(Who::kB, {{"kind", "meeting"}, {"appreciations", "a"}, {"talks", {t1.id, kNowhere}}});
  auto repair = c.Applied(Who::kA, {{"kind", "repair"}, {"plan", "p"}, {"talks", {t2.id, t1.id}}});
  std::map<std::string, std::string> closed;
  const json talks = json(c.state.TogetherView(0, c.Opener())).at("talks");
  for (const auto& t : talks) {
    closed[t.at("id")] = t.value("closed_by", "");
  }
  EXPECT_EQ(closed, (std::map<std::string, std::string>{{t1.id, meeting.id}, {t2.id, repair.id}, {t3.id, ""}}));
}

TEST(FoldTogether, PauseLastsItsMinutes) {
  Couple c;
  auto p = c.Applied(Who::kA, {{"kind", "pause"}, {"minutes", 30}, {"note", "back soon"}});
  const std::uint64_t until = p.ms + 30 * 60'000;
  json pauses = json(c.state.TogetherView(until - 1, c.Opener())).at("pauses");
  ASSERT_EQ(pauses.size(), 1u) << pauses.dump();
  EXPECT_EQ(pauses[0].at("id"), p.id);
  EXPECT_EQ(pauses[0].at("author"), HexOf(Who::kA));
  EXPECT_EQ(pauses[0].at("until"), FormatUtcMillis(until));
  EXPECT_EQ(pauses[0].at("note"), "back soon");
  EXPECT_TRUE(json(c.state.TogetherView(until, c.Opener())).at("pauses").empty());
}

TEST(FoldTogether, LatestStatusOfEachPartner) {
  Couple c;
  c.Applied(Who::kA, {{"kind", "status"}, {"text", "late"}});
  auto s = c.Applied(Who::kA, {{"kind", "status"}, {"text", "home by 21:00"}, {"until", 1'795'720'000'000}});
  json statuses = json(c.state.TogetherView(0, c.Opener())).at("statuses");
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].at("id"), s.id);
  EXPECT_EQ(statuses[0].at("text"), "home by 21:00");
  EXPECT_EQ(statuses[0].at("until"), FormatUtcMillis(1'795'720'000'000));
}

TEST(FoldTogether, TalksAddressedLongAgoLeaveTheState) {
  Couple c;
  auto t = c.Applied(Who::kA, {{"kind", "talk.request"}, {"topic", "money"}});
  auto open = c.Applied(Who::kA, {{"kind", "talk.request"}, {"topic", "family"}});
  c.Applied(Who::kB, {{"kind", "meeting"}, {"appreciations", "a"}, {"talks", {t.id}}});
  c.SetTime(kStartMs + 100 * kMsPerDay);
  c.Applied(Who::kA, {{"kind", "checkin"}, {"note", "n"}});
  EXPECT_EQ(json(c.state.TogetherView(0, c.Opener())).at("talks").size(), 2u);
  c.SetTime(kStartMs + 181 * kMsPerDay);
  c.Applied(Who::kA, {{"kind", "checkin"}, {"note", "n"}});
  json talks = json(c.state.TogetherView(0, c.Opener())).at("talks");
  ASSERT_EQ(talks.size(), 1u) << "the open talk stays";
  EXPECT_EQ(talks[0].at("id"), open.id);
}

TEST(FoldTogether, PlansDoneLongAgoLeaveTheStateInTheOrderTheyWereDone) {
  Couple c;
  auto first = c.Applied(Who::kA, {{"kind", "time.plan"}, {"what", "walk"}, {"when", kStartMs}});
  auto second = c.Applied(Who::kB, {{"kind", "time.plan"}, {"what", "dinner"}, {"when", kStartMs}});
  auto open = c.Applied(Who::kA, {{"kind", "time.plan"}, {"what", "trip"}, {"when", kStartMs}});
  c.SetTime(kStartMs + 10 * kMsPerDay);
  c.Applied(Who::kB, {{"kind", "time.done"}, {"what", "dinner"}, {"plan", second.id}});
  c.SetTime(kStartMs + 20 * kMsPerDay);
  c.Applied(Who::kA, {{"kind", "time.done"}, {"what", "walk"}, {"plan", first.id}});
  auto plan_ids = [&] {
    std::set<std::string> ids;
    for (const auto& [id, plan] : c.state.plans()) ids.insert(id);
    return ids;
  };
  c.SetTime(kStartMs + 189 * kMsPerDay);
  c.Applied(Who::kA, {{"kind", "checkin"}, {"note", "n"}});
  EXPECT_EQ(plan_ids(), (std::set<std::string>{first.id, second.id, open.id}));
  c.SetTime(kStartMs + 191 * kMsPerDay);  // past the dinner's 180 days, not the walk's
  c.Applied(Who::kA, {{"kind", "checkin"}, {"note", "n"}});
  EXPECT_EQ(plan_ids(), (std::set<std::string>{first.id, open.id}));
  c.SetTime(kStartMs + 201 * kMsPerDay);
  c.Applied(Who::kA, {{"kind", "checkin"}, {"note", "n"}});
  EXPECT_EQ(plan_ids(), (std::set<std::string>{open.id})) << "the plan not done stays";
}

// What is due to leave the state is derived, not saved: a state read back
// from its JSON lets a closed talk leave as the state that was never saved
// does, and the two stay equal.
TEST(FoldTogether, AStateReadBackFromItsJsonLetsClosedTalksLeaveAsBefore) {
  Couple c;
  auto t = c.Applied(Who::kA, {{"kind", "talk.request"}, {"topic", "money"}});
  auto open = c.Applied(Who::kA, {{"kind", "talk.request"}, {"topic", "family"}});
  c.Applied(Who::kB, {{"kind", "meeting"}, {"appreciations", "a"}, {"talks", {t.id}}});
  auto read_back = LedgerState::FromJson(c.state.ToJson());
  ASSERT_TRUE(read_back.ok()) << read_back.error().message;
  ASSERT_EQ(*read_back, c.state);
  LedgerState never_saved = c.state;
  c.state = std::move(read_back).value();
  c.SetTime(kStartMs + 181 * kMsPerDay);
  c.Applied(Who::kA, {{"kind", "checkin"}, {"note", "n"}});
  json talks = json(c.state.TogetherView(0, c.Opener())).at("talks");
  ASSERT_EQ(talks.size(), 1u) << talks.dump();
  EXPECT_EQ(talks[0].at("id"), open.id);
  EXPECT_EQ(json(never_saved.TogetherView(0, c.Opener())).at("talks").size(), 2u);
}

TEST(FoldTogether, ATalkAddressedRecentlyStaysHoweverOldTheRequest) {
  // docs/LEDGER.md: talks "addressed ... more than 180 days before the entry
  // being read" leave the state; one addressed ten days ago stays.
  Couple c;
  auto t = c.Applied(Who::kA, {{"kind", "talk.request"}, {"topic", "money"}});
  c.SetTime(kStartMs + 175 * kMsPerDay);
  c.Applied(Who::kB, {{"kind", "meeting"}, {"appreciations", "a"}, {"talks", {t.id}}});
  c.SetTime(kStartMs + 185 * kMsPerDay);
  c.Applied(Who::kA, {{"kind", "checkin"}, {"note", "n"}});
  json talks = json(c.state.TogetherView(0, c.Opener())).at("talks");
  ASSERT_EQ(talks.size(), 1u) << talks.dump();
  EXPECT_EQ(talks[0].at("id"), t.id);
}

// --- Views ---

TEST(FoldViews, AgreementsViewOpensTheWordsInForce) {
  Couple c;
  auto p = c.Applied(Who::kA, Couple::Propose("Phones", "ritual", "2027-01-01"));
  auto acc = c.Applied(Who::kB, Couple::Accept(p.id));
  auto m = c.Applied(Who::kB, Couple::Amend(p.id, "Phones away at dinner."));
  c.Applied(Who::kA, Couple::Accept(m.id));
  c.Applied(Who::kA, Couple::Outcome(p.id, "kept"));
  c.Applied(Who::kB, Couple::Outcome(p.id, "struggled"));
  auto r = c.Applied(Who::kB, Couple::Retire(p.id));
  json list = json(c.state.AgreementsView(c.Opener())).at("agreements");
  ASSERT_EQ(list.size(), 1u);
  const json& a = list[0];
  EXPECT_EQ(a.at("id"), p.id);
  EXPECT_EQ(a.at("state"), "active");
  EXPECT_EQ(a.at("category"), "ritual");
  EXPECT_EQ(a.at("title"), "Phones");
  EXPECT_EQ(a.at("text"), "Phones away at dinner.");
  EXPECT_EQ(a.at("proposer"), HexOf(Who::kA));
  EXPECT_EQ(a.at("proposed"), FormatUtcMillis(p.ms));
  EXPECT_EQ(a.at("version"), 2);
  EXPECT_EQ(a.at("signed_by"), json::array({HexOf(Who::kB), HexOf(Who::kA)}));
  EXPECT_EQ(a.at("review"), "2027-01-01");
  EXPECT_TRUE(a.contains("since"));
  EXPECT_FALSE(a.contains("withdrawn"));
  EXPECT_EQ(a.at("outcomes").at(HexOf(Who::kA)), (json{{"kept", 1}, {"struggled", 0}, {"missed", 0}}));
  EXPECT_EQ(a.at("outcomes").at(HexOf(Who::kB)), (json{{"kept", 0}, {"struggled", 1}, {"missed", 0}}));
  ASSERT_EQ(a.at("open_changes").size(), 1u);
  EXPECT_EQ(a.at("open_changes")[0].at("id"), r.id);
  EXPECT_EQ(a.at("open_changes")[0].at("kind"), "retire");
  EXPECT_EQ(a.at("open_changes")[0].at("reason"), "it served us");
  ASSERT_EQ(a.at("history").size(), 5u);
  EXPECT_EQ(a.at("history")[0].at("status"), "accepted");
  EXPECT_EQ(a.at("history")[0].at("answered_by"), acc.id);
  EXPECT_EQ(a.at("history")[4].at("status"), "open");
}

TEST(FoldViews, AgreementsViewMarksWordsThatCannotBeOpenedAsWithdrawn) {
  Couple c;
  const std::string id = c.ActiveAgreement(Who::kA);
  auto m = c.Applied(Who::kB, Couple::Amend(id, "new"));
  c.Applied(Who::kA, Couple::Accept(m.id));
  c.gone.insert(m.id);
  json a = json(c.state.AgreementsView(c.Opener())).at("agreements").at(0);
  EXPECT_EQ(a.value("withdrawn", false), true) << a.dump();
  EXPECT_EQ(a.at("text"), "");
  EXPECT_EQ(a.at("title"), "Phones") << "the title is still the proposal's";
}

TEST(FoldViews, PendingViewListsOnlyWhatAwaitsMyAnswer) {
  Couple c;
  auto mine = c.Applied(Who::kB, Couple::Propose("Walks", "need", "2026-01-01"));
  auto theirs = c.Applied(Who::kA, Couple::Propose("Phones"));
  auto phase = c.Applied(Who::kA, {{"kind", "phase"}, {"phase", "atone"}, {"breach_named", "2026-03-01"}});
  auto their_talk = c.Applied(Who::kA, {{"kind", "talk.request"}, {"topic", "money"}});
  c.Applied(Who::kB, {{"kind", "talk.request"}, {"topic", "weekends"}});
  const std::int64_t today = kThursday;

  json pending = json(c.state.PendingView(HexOf(Who::kB), today, c.Opener()));
  std::set<std::string> ids;
  for (const auto& p : pending.at("proposals")) ids.insert(p.at("id"));
  EXPECT_EQ(ids, (std::set<std::string>{theirs.id, phase.id}));
  for (const auto& p : pending.at("proposals")) {
    if (p.at("id") == theirs.id) {
      EXPECT_EQ(p.at("title"), "Phones");
    } else {
      EXPECT_EQ(p.at("breach_named"), "2026-03-01");
    }
  }
  ASSERT_EQ(pending.at("talks").size(), 1u);
  EXPECT_EQ(pending.at("talks")[0].at("id"), their_talk.id);
  EXPECT_EQ(pending.at("talks")[0].at("topic"), "money");
  EXPECT_TRUE(pending.at("reviews_due").empty()) << "a proposed agreement has no review due";

  json for_a = json(c.state.PendingView(HexOf(Who::kA), today, c.Opener()));
  ASSERT_EQ(for_a.at("proposals").size(), 1u);
  EXPECT_EQ(for_a.at("proposals")[0].at("id"), mine.id);
  ASSERT_EQ(for_a.at("talks").size(), 1u);

  // Answered and addressed, they leave; a review date that has come is due.
  c.Applied(Who::kB, Couple::Accept(theirs.id));
  c.Applied(Who::kB, Couple::Decline(phase.id));
  c.Applied(Who::kA, Couple::Accept(mine.id));
  c.Applied(Who::kB, {{"kind", "meeting"}, {"appreciations", "a"}, {"talks", {their_talk.id}}});
  pending = json(c.state.PendingView(HexOf(Who::kB), today, c.Opener()));
  EXPECT_TRUE(pending.at("proposals").empty()) << pending.dump();
  EXPECT_TRUE(pending.at("talks").empty()) << pending.dump();
  ASSERT_EQ(pending.at("reviews_due").size(), 1u) << pending.dump();
  EXPECT_EQ(pending.at("reviews_due")[0].at("id"), mine.id);
  EXPECT_EQ(pending.at("reviews_due")[0].at("title"), "Walks");
  // Due on the review day itself, not the day before.
  const std::int64_t review_day = *DayFromDate("2026-01-01");
  EXPECT_EQ(json(c.state.PendingView(HexOf(Who::kB), review_day, c.Opener())).at("reviews_due").size(), 1u);
  EXPECT_TRUE(json(c.state.PendingView(HexOf(Who::kB), review_day - 1, c.Opener())).at("reviews_due").empty());
}

TEST(FoldViews, PendingViewNamesTheAgreementAnAmendmentChanges) {
  Couple c;
  const std::string id = c.ActiveAgreement(Who::kB);
  auto m = c.Applied(Who::kA, Couple::Amend(id, "new"));
  json proposals = json(c.state.PendingView(HexOf(Who::kB), kThursday, c.Opener())).at("proposals");
  ASSERT_EQ(proposals.size(), 1u);
  EXPECT_EQ(proposals[0].at("id"), m.id);
  EXPECT_EQ(proposals[0].at("agreement"), id);
  EXPECT_EQ(proposals[0].at("agreement_title"), "Phones");
  EXPECT_EQ(proposals[0].at("text"), "new");
  c.gone.insert(m.id);
  proposals = json(c.state.PendingView(HexOf(Who::kB), kThursday, c.Opener())).at("proposals");
  EXPECT_EQ(proposals[0].value("withdrawn", false), true);
}

// A hand-made fortnight for A (Thursday 2026-11-26 = D), with gaps.
class FoldTrends : public ::testing::Test {
 protected:
  // At 10:00 UTC on day D + `day`, or a minute after the entry before.
  void At(std::int64_t day, json body, Who who = Who::kA) {
    c.SetTime(std::max(c.next_ms(), static_cast<std::uint64_t>(kThursday + day) * kMsPerDay + 10 * kMsPerHour));
    c.Applied(who, std::move(body));
  }
  void SetUp() override {
    At(0, Couple::Feelings(6, 4));
    At(0, {{"kind", "checkin"}, {"note", "n"}, {"mood", 8}});
    At(0, Couple::Feelings(2, 2), Who::kB);
    At(2, Couple::Feelings(3, 5));
    At(3, {{"kind", "checkin"}, {"note", "no numbers"}});
    At(3, {{"kind", "appreciation"}, {"text", "t"}});
    At(4, Couple::Feelings(10, 9));  // Monday 2026-11-30
    At(4, {{"kind", "trigger"}, {"what", "w"}, {"intensity", 7}});
    At(8, Couple::Feelings(5, 5));
    At(8, {{"kind", "meeting"}, {"appreciations", "a"}});
    At(8, {{"kind", "repair"}, {"plan", "p"}});
    At(9, {{"kind", "time.done"}, {"what", "a walk"}});
    At(9, Couple::Feelings(8, 6));
  }
  // One member's part of the trends over [from, to], as the daemon writes it.
  json MemberOf(Who who, std::int64_t from, std::int64_t to, std::int64_t today) const {
    return json(c.state.TrendsView(from, to, today)).at("members").at(HexOf(who));
  }
  Couple c;
};

TEST_F(FoldTrends, DailyAndSevenDayAverages) {
  json t = c.state.TrendsView(kThursday, kThursday + 9, kThursday + 9);
  EXPECT_EQ(t.at("from"), "2026-11-26");
  EXPECT_EQ(t.at("to"), "2026-12-05");
  const json days = t.at("members").at(HexOf(Who::kA)).at("days");
  const json expected = json::parse(R"([
    {"date":"2026-11-26","mood":7.0,"mood_avg7":7.0,"trust":4.0,"trust_avg7":4.0},
    {"date":"2026-11-28","mood":3.0,"mood_avg7":5.7,"trust":5.0,"trust_avg7":4.5},
    {"date":"2026-11-30","mood":10.0,"mood_avg7":6.8,"trust":9.0,"trust_avg7":6.0},
    {"date":"2026-12-04","mood":5.0,"mood_avg7":6.0,"trust":5.0,"trust_avg7":6.3},
    {"date":"2026-12-05","mood":8.0,"mood_avg7":7.7,"trust":6.0,"trust_avg7":6.7}])");
  EXPECT_EQ(days, expected) << days.dump();
  EXPECT_EQ(t.at("members").at(HexOf(Who::kA)).at("name"), "Ana");
  const json b_days = t.at("members").at(HexOf(Who::kB)).at("days");
  EXPECT_EQ(b_days, json::parse(R"([{"date":"2026-11-26","mood":2.0,"mood_avg7":2.0,"trust":2.0,"trust_avg7":2.0}])"));
}

TEST_F(FoldTrends, TheSevenDayAverageReachesBeforeTheRange) {
  json days = MemberOf(Who::kA, kThursday + 2, kThursday + 4, kThursday + 4).at("days");
  ASSERT_EQ(days.size(), 2u) << days.dump();
  EXPECT_EQ(days[0].at("date"), "2026-11-28");
  EXPECT_EQ(days[0].at("mood_avg7"), 5.7) << "includes Thursday's 6 and 8";
}

TEST_F(FoldTrends, WeeklyCountsKeyedByMonday) {
  json weeks = MemberOf(Who::kA, kThursday, kThursday + 9, kThursday + 9).at("weeks");
  const json expected = json::parse(R"([
    {"week":"2026-11-23","triggers":0,"appreciations":1,"meetings":0,"repairs":0,"checkins":4,"time_together":0},
    {"week":"2026-11-30","triggers":1,"appreciations":0,"meetings":1,"repairs":1,"checkins":3,"time_together":1}])");
  EXPECT_EQ(weeks, expected) << weeks.dump();
  // A range inside the second week still shows that week.
  weeks = MemberOf(Who::kA, kThursday + 5, kThursday + 6, kThursday + 9).at("weeks");
  ASSERT_EQ(weeks.size(), 1u) << weeks.dump();
  EXPECT_EQ(weeks[0].at("week"), "2026-11-30");
}

TEST_F(FoldTrends, LocalDayDecidesWhereAnEntryCounts) {
  // 23:30 UTC on day 9, written at UTC+2: the local day is day 10.
  c.SetTime(static_cast<std::uint64_t>(kThursday + 9) * kMsPerDay + 23 * kMsPerHour + 30 * 60'000);
  json f = Couple::Feelings(1, 1);
  f["tz"] = 120;
  c.Applied(Who::kA, f);
  json days = MemberOf(Who::kA, kThursday + 10, kThursday + 10, kThursday + 10).at("days");
  ASSERT_EQ(days.size(), 1u) << days.dump();
  EXPECT_EQ(days[0].at("date"), "2026-12-06");
  EXPECT_EQ(days[0].at("mood"), 1.0);
}

TEST_F(FoldTrends, PhaseAndAgreementsInTheTrends) {
  auto p = c.Applied(Who::kA, {{"kind", "phase"}, {"phase", "atone"}, {"breach_named", "2026-11-20"}});
  c.Applied(Who::kB, Couple::Accept(p.id));
  const std::string id = c.ActiveAgreement(Who::kB);
  c.Applied(Who::kA, Couple::Outcome(id, "kept"));
  c.Applied(Who::kB, Couple::Outcome(id, "missed"));
  json t = c.state.TrendsView(kThursday, kThursday + 9, kThursday + 9);
  EXPECT_EQ(t.at("phase").at("current"), "atone");
  EXPECT_EQ(t.at("phase").at("breach_named"), "2026-11-20");
  EXPECT_EQ(t.at("phase").at("days_since_breach"), 15);
  ASSERT_EQ(t.at("agreements").size(), 1u);
  EXPECT_EQ(t.at("agreements")[0],
            (json{{"agreement", id}, {"state", "active"}, {"kept", 1}, {"struggled", 0}, {"missed", 1}}));
}

// --- Random ledgers ---

// Two partners writing concurrently: each chain's clock runs on its own, an
// entry names the other's head only sometimes, and bodies refer to whatever
// came before in the writing, valid or not.
std::vector<FoldEntry> RandomLedger(std::uint64_t seed, int count) {
  std::mt19937_64 rng(seed);
  struct Chain {
    Who who = Who::kA;
    std::uint64_t seq = 0, clock_ms = 0, head_stamp = 0;
    EntryId head{};
    std::vector<std::string> own;
  };
  Chain chains[2];
  chains[0].who = Who::kA;
  chains[1].who = Who::kB;
  chains[0].clock_ms = kStartMs;
  chains[1].clock_ms = kStartMs - 10 * 60'000;  // B's clock is behind
  std::vector<std::string> all, proposals[2], agreements, talks, plans;
  std::vector<FoldEntry> out;
  auto pick = [&](const std::vector<std::string>& from) {
    return from.empty() || rng() % 10 == 0 ? (all.empty() ? kNowhere : all[rng() % all.size()])
                                           : from[rng() % from.size()];
  };
  for (int i = 0; i < count; ++i) {
    const int me = i < 2 ? i : static_cast<int>(rng() % 2);
    Chain& c = chains[me];
    const Chain& other = chains[1 - me];
    c.clock_ms += rng() % 50 == 0 ? 40 * kMsPerDay : 1 + rng() % 600'000;
    std::vector<std::uint64_t> parent_stamps;
    if (other.seq > 0 && rng() % 3 != 0) parent_stamps.push_back(other.head_stamp);
    FoldEntry e;
    e.id = IdOfCounter(1000 + i);
    e.author = KeyOf(c.who);
    e.seq = ++c.seq;
    e.hlc = MakeHlc(c.clock_ms, rng() % 3);
    e.stamp = CausalStamp(e.hlc, c.seq == 1 ? 0 : c.head_stamp, parent_stamps);
    const std::string id = ToHex(e.id);
    json b;
    const int op = c.seq == 1 ? -1 : static_cast<int>(rng() % 22);
    switch (op) {
      case -1: b = {{"kind", "member"}, {"name", me == 0 ? "Ana" : "Ben"}}; break;
      case 0: b = {{"kind", "checkin"}, {"note", "n"}, {"mood", 1 + rng() % 10}}; break;
      case 1: b = Couple::Feelings(1 + rng() % 10, 1 + rng() % 10); break;
      case 2: case 3:
        b = Couple::Propose("t" + std::to_string(i), std::string(kCategories[rng() % 4]),
                            rng() % 2 ? "2026-12-0" + std::to_string(1 + rng() % 9) : "");
        proposals[me].push_back(id);
        agreements.push_back(id);
        break;
      case 4: case 5: case 6: b = Couple::Accept(pick(proposals[1 - me])); break;
      case 7: b = Couple::Decline(pick(proposals[1 - me])); break;
      case 8: b = Couple::Amend(pick(agreements), "text " + std::to_string(i)); proposals[me].push_back(id); break;
      case 9: b = Couple::Retire(pick(agreements)); proposals[me].push_back(id); break;
      case 10: b = Couple::Outcome(pick(agreements), std::string(kOutcomes[rng() % 3])); break;
      case 11:
        b = {{"kind", "phase"}, {"phase", std::string(kPhases[rng() % 3])}};
        if (rng() % 2) b["breach_named"] = "2026-0" + std::to_string(1 + rng() % 9) + "-15";
        proposals[me].push_back(id);
        break;
      case 12: b = {{"kind", "talk.request"}, {"topic", "t"}}; talks.push_back(id); break;
      case 13: b = {{"kind", rng() % 2 ? "meeting" : "repair"}, {"appreciations", "a"}, {"plan", "p"},
                    {"talks", {pick(talks), pick(talks)}}}; break;
      case 14: b = {{"kind", "time.plan"}, {"what", "w"}, {"when", c.clock_ms + rng() % kMsPerDay}}; plans.push_back(id); break;
      case 15: b = {{"kind", "time.done"}, {"what", "w"}, {"plan", pick(plans)}}; break;
      case 16: b = {{"kind", "pause"}, {"minutes", 20 + rng() % 100}}; break;
      case 17: b = {{"kind", "status"}, {"text", "s"}, {"until", c.clock_ms + 1}}; break;
      case 18: b = Couple::Ref("seen", pick(all)); break;
      case 19: b = Couple::Correct(pick(c.own)); break;
      case 20: b = Couple::Ref("withdraw", pick(c.own)); break;
      default: {
        const auto which = rng() % 3;
        b = which == 0   ? json{{"kind", "feelings"}, {"mood", 0}, {"trust", 3}}
            : which == 1 ? json{{"kind", "dance"}}
                         : json{{"kind", "member"}, {"name", "again"}};
      }
    }
    if (rng() % 4 == 0) b["tz"] = static_cast<int>(rng() % 1681) - 840;
    if (rng() % 20 == 0) b["carried"] = {{"hlc", MakeHlc(c.clock_ms - rng() % (3 * kMsPerDay), 0)}};
    e.body = b;
    const auto roll = rng() % 40;
    if (c.seq > 1 && roll == 0) e.content = FoldEntry::Content::kWithdrawn;
    if (c.seq > 1 && roll == 1) e.content = FoldEntry::Content::kUnreadable;
    c.head = e.id;
    c.head_stamp = e.stamp;
    c.own.push_back(id);
    all.push_back(id);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<FoldEntry> InCausalOrder(std::vector<FoldEntry> entries) {
  std::sort(entries.begin(), entries.end(), [](const FoldEntry& x, const FoldEntry& y) {
    return OrderKey{x.stamp, x.author} < OrderKey{y.stamp, y.author};
  });
  return entries;
}

// Whether LedgerState's defaulted operator== (fold.h) can be instantiated:
// only when every fold:: struct it holds has operator== of its own.
template <typename State>
constexpr bool kStateComparable =
    std::equality_comparable<fold::Event> && std::equality_comparable<fold::Agreement> &&
    std::equality_comparable<fold::Proposal> && std::equality_comparable<fold::DayPoint> &&
    std::equality_comparable<fold::WeekCounts> && std::equality_comparable<fold::Mark> &&
    std::equality_comparable<fold::Phase>;

// Equal states: operator== where it compiles (FoldSaved.StatesCompareWith-
// OperatorEquals fails where it does not), else the serialised states.
template <typename State>
bool Same(const State& a, const State& b) {
  if constexpr (kStateComparable<State>) {
    return a == b;
  } else {
    return a.ToJson() == b.ToJson();
  }
}

// What ToJson() shows of withdrawals, checked through the accessor too.
void ExpectSameWithdrawals(const LedgerState& a, const LedgerState& b, const std::vector<FoldEntry>& entries) {
  int withdrawn = 0;
  for (const auto& e : entries) {
    const std::string id = ToHex(e.id);
    EXPECT_EQ(a.withdrawn(id), b.withdrawn(id)) << id;
    withdrawn += a.withdrawn(id);
  }
  EXPECT_GT(withdrawn, 0) << "the ledger withdrew something";
}

struct FoldRun {
  LedgerState state;
  std::map<std::string, int> applied_by_kind;
  int refused = 0;
};

// Folds `entries` (in causal order) from `start`, checking Check() against
// Apply() for each and the serialised state every `check_every` entries.
FoldRun FoldAll(const std::vector<FoldEntry>& entries, LedgerState start = {}, std::size_t from = 0) {
  FoldRun run;
  run.state = std::move(start);
  std::map<EntryId, RefInfo> known;
  for (std::size_t i = 0; i < from; ++i) known[entries[i].id] = RefInfo{entries[i].author, entries[i].seq};
  RefResolver refs = [&](const EntryId& id) -> std::optional<RefInfo> {
    auto it = known.find(id);
    return it == known.end() ? std::nullopt : std::optional<RefInfo>(it->second);
  };
  for (std::size_t i = from; i < entries.size(); ++i) {
    const FoldEntry& e = entries[i];
    Effect checked = run.state.Check(e, refs);
    Effect applied = run.state.Apply(e, refs);
    ExpectSameEffect(checked, applied);
    if (applied.applied) {
      ++run.applied_by_kind[applied.kind];
    } else {
      ++run.refused;
    }
    known[e.id] = RefInfo{e.author, e.seq};
  }
  return run;
}

TEST(FoldProperty, RandomLedgerIsInAValidCausalOrder) {
  const auto entries = InCausalOrder(RandomLedger(1, 300));
  std::map<EntryId, std::uint64_t> stamp;
  std::map<std::string, std::uint64_t> last_seq;
  for (const auto& e : entries) {
    const std::string author = ToHex(e.author);
    EXPECT_EQ(e.seq, last_seq[author] + 1) << "a chain is read in order";
    last_seq[author] = e.seq;
    EXPECT_GE(e.stamp, e.hlc);
    stamp[e.id] = e.stamp;
  }
  EXPECT_EQ(stamp.size(), 300u);
  // The chains ran concurrently: causal order is not the order of writing.
  const auto written = RandomLedger(1, 300);
  std::size_t moved = 0;
  for (std::size_t i = 0; i < written.size(); ++i) moved += written[i].id != entries[i].id;
  EXPECT_GT(moved, 20u);
}

TEST(FoldProperty, FoldingTheSameEntriesTwiceGivesTheSameState) {
  for (std::uint64_t seed : {1, 2, 3}) {
    auto written = RandomLedger(seed, 300);
    std::mt19937_64 rng(seed + 100);
    auto shuffled = written;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    const FoldRun first = FoldAll(InCausalOrder(written));
    const FoldRun second = FoldAll(InCausalOrder(shuffled));
    EXPECT_EQ(first.state.ToJson(), second.state.ToJson()) << seed;
    EXPECT_TRUE(Same(first.state, second.state)) << seed;
    ExpectSameWithdrawals(first.state, second.state, written);
    EXPECT_EQ(first.state.entries(), 300u);
    // Not a vacuous run: agreements became active, entries were refused.
    EXPECT_GT(first.applied_by_kind.count("accept"), 0u) << seed;
    EXPECT_GT(first.applied_by_kind.count("withdraw"), 0u) << seed;
    EXPECT_GT(first.applied_by_kind.count("amend") + first.applied_by_kind.count("retire"), 0u) << seed;
    EXPECT_GT(first.refused, 10) << seed;
  }
}

TEST(FoldProperty, StateRoundTripsThroughJson) {
  const auto entries = InCausalOrder(RandomLedger(4, 300));
  const FoldRun run = FoldAll(entries);
  auto back = LedgerState::FromJson(run.state.ToJson());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(Same(*back, run.state));
  ExpectSameWithdrawals(*back, run.state, entries);
  EXPECT_EQ(back->corrections(), run.state.corrections());
  EXPECT_EQ(back->entries(), run.state.entries());
  EXPECT_EQ(back->ToJson(), run.state.ToJson());
  auto from_text = LedgerState::FromJson(json::parse(run.state.ToJson().dump()));
  ASSERT_TRUE(from_text.ok()) << from_text.error().message;
  EXPECT_TRUE(Same(*from_text, run.state));
}

TEST(FoldProperty, ResumingFromASavedStateGivesTheSameResult) {
  const auto entries = InCausalOrder(RandomLedger(5, 300));
  const FoldRun whole = FoldAll(entries);
  for (std::size_t cut : {1u, 77u, 150u, 299u}) {
    std::vector<FoldEntry> head(entries.begin(), entries.begin() + cut);
    const FoldRun first = FoldAll(head);
    auto saved = LedgerState::FromJson(json::parse(first.state.ToJson().dump()));
    ASSERT_TRUE(saved.ok()) << saved.error().message;
    const FoldRun rest = FoldAll(entries, *saved, cut);
    EXPECT_TRUE(Same(rest.state, whole.state)) << "cut at " << cut;
    ExpectSameWithdrawals(rest.state, whole.state, entries);
  }
}

TEST(FoldProperty, ViewsOfARandomLedgerDoNotThrow) {
  const FoldRun run = FoldAll(InCausalOrder(RandomLedger(6, 300)));
  BodyOpener none = [](const std::string&) -> std::optional<json> { return std::nullopt; };
  EXPECT_NO_THROW((void)run.state.AgreementsView(none));
  EXPECT_NO_THROW((void)run.state.PendingView(HexOf(Who::kA), kThursday, none));
  EXPECT_NO_THROW((void)run.state.TrendsView(kThursday - 30, kThursday + 400, kThursday + 400));
  EXPECT_NO_THROW((void)run.state.TogetherView(kStartMs, none));
}

// --- Saved states ---

TEST(FoldSaved, StatesCompareWithOperatorEquals) {
  // fold.h declares `bool operator==(const LedgerState&) const = default;`:
  // any use of it fails to compile unless each of these has operator== too.
  EXPECT_TRUE(std::equality_comparable<fold::Event>);
  EXPECT_TRUE(std::equality_comparable<fold::Agreement>);
  EXPECT_TRUE(std::equality_comparable<fold::Proposal>);
  EXPECT_TRUE(std::equality_comparable<fold::DayPoint>);
  EXPECT_TRUE(std::equality_comparable<fold::WeekCounts>);
  EXPECT_TRUE(std::equality_comparable<fold::Mark>);
  EXPECT_TRUE(std::equality_comparable<fold::Phase>);
  EXPECT_TRUE(kStateComparable<LedgerState>);
}

TEST(FoldSaved, FromJsonRefusesGarbage) {
  Couple c;
  c.ActiveAgreement(Who::kA);
  c.Applied(Who::kA, Couple::Feelings(5, 6));
  const json good = c.state.ToJson();
  ASSERT_TRUE(LedgerState::FromJson(good).ok());
  std::vector<json> bad = {json(nullptr), json(5), json("state"), json::array(), json::object()};
  for (const auto& [key, value] : good.items()) {
    json missing = good;
    missing.erase(key);
    bad.push_back(missing);
    json wrong = good;
    wrong[key] = "not this";
    bad.push_back(wrong);
  }
  json future = good;
  future["format"] = good["format"].get<int>() + 1;
  bad.push_back(future);
  json bad_day = good;
  bad_day["days"][HexOf(Who::kA)] = json::array({json{{"day", "x"}, {"p", {}}}});
  bad.push_back(bad_day);
  json bad_agreement = good;
  bad_agreement["agreements"].begin().value().erase("state");
  bad.push_back(bad_agreement);
  for (const json& j : bad) {
    auto r = LedgerState::FromJson(j);
    ASSERT_FALSE(r.ok()) << j.dump();
    EXPECT_EQ(r.error().code, ErrorCode::kCorrupt) << j.dump();
  }
}

TEST(FoldSaved, AnInconsistentSavedStateIsRefusedOrHarmless) {
  // A proposal naming an agreement the state does not hold: FromJson must
  // refuse it (kCorrupt), or folding and viewing must cope; nothing throws.
  Couple c;
  auto p = c.Applied(Who::kA, Couple::Propose("Phones"));
  json j = c.state.ToJson();
  j["agreements"] = json::object();
  auto loaded = LedgerState::FromJson(j);
  if (!loaded.ok()) {
    EXPECT_EQ(loaded.error().code, ErrorCode::kCorrupt);
    return;
  }
  FoldEntry e = c.Make(Who::kB, Couple::Accept(p.id));
  RefResolver refs = [](const EntryId&) -> std::optional<RefInfo> { return std::nullopt; };
  EXPECT_NO_THROW((void)loaded->Apply(e, refs));
  EXPECT_NO_THROW((void)loaded->PendingView(HexOf(Who::kB), kThursday, c.Opener()));
}

// docs/LEDGER.md, "Talks and plans": the partner who was asked answers a
// talk request; the latest answer stands, and the one who asked sees it.
TEST(FoldViews, TheAskedPartnerAnswersATalkRequestAndTheAskerSeesIt) {
  Couple c;
  auto talk = c.Applied(Who::kA, {{"kind", "talk.request"}, {"topic", "money"}});
  json pending = json(c.state.PendingView(HexOf(Who::kB), kThursday, c.Opener()));
  ASSERT_EQ(pending.at("talks").size(), 1u);

  c.Refused(Who::kA, {{"kind", "talk.answer"}, {"talk", talk.id}, {"answer", "tonight"}}, "own_talk");
  c.Refused(Who::kB, {{"kind", "talk.answer"}, {"talk", kNowhere}, {"answer", "tonight"}}, "no_talk");
  auto not_yet = c.Applied(Who::kB, {{"kind", "talk.answer"}, {"talk", talk.id}, {"answer", "not_yet"},
                                     {"note", "after my exam"}});
  json talks = json(c.state.TogetherView(0, c.Opener())).at("talks");
  ASSERT_EQ(talks.size(), 1u);
  EXPECT_EQ(talks[0].at("answer").at("answer"), "not_yet");
  EXPECT_EQ(talks[0].at("answer").at("note"), "after my exam");
  EXPECT_EQ(talks[0].at("answer").at("id"), not_yet.id);
  pending = json(c.state.PendingView(HexOf(Who::kB), kThursday, c.Opener()));
  EXPECT_TRUE(pending.at("talks").empty()) << "an answered talk no longer awaits an answer";

  auto tonight = c.Applied(Who::kB, {{"kind", "talk.answer"}, {"talk", talk.id}, {"answer", "tonight"}});
  talks = json(c.state.TogetherView(0, c.Opener())).at("talks");
  EXPECT_EQ(talks[0].at("answer").at("answer"), "tonight") << "the latest answer stands";
  EXPECT_EQ(talks[0].at("answer").at("id"), tonight.id);
  EXPECT_FALSE(talks[0].at("answer").contains("note"));

  // Once a meeting addressed it, it takes no more answers.
  c.Applied(Who::kA, {{"kind", "meeting"}, {"appreciations", "a"}, {"talks", {talk.id}}});
  c.Refused(Who::kB, {{"kind", "talk.answer"}, {"talk", talk.id}, {"answer", "at_meeting"}}, "talk_addressed");
}

TEST(FoldViews, AnAnswerSurvivesTheSavedState) {
  Couple c;
  auto talk = c.Applied(Who::kA, {{"kind", "talk.request"}, {"topic", "money"}});
  c.Applied(Who::kB, {{"kind", "talk.answer"}, {"talk", talk.id}, {"answer", "at_meeting"}});
  auto restored = LedgerState::FromJson(c.state.ToJson());
  ASSERT_TRUE(restored.ok()) << restored.error().message;
  EXPECT_EQ(*restored, c.state);
  EXPECT_EQ(restored->TogetherView(0, c.Opener()).talks.at(0).answer.value().answer, "at_meeting");
}

TEST(FoldViews, AStateSavedInTheFormatBeforeTalkAnswersIsNotRead) {
  Couple c;
  c.Applied(Who::kA, {{"kind", "talk.request"}, {"topic", "money"}});
  json old = c.state.ToJson();
  old["format"] = 1;
  for (auto& [id, mark] : old["talks"].items()) {
    mark.erase("answer");
    mark.erase("answer_entry");
    mark.erase("answer_ms");
  }
  auto read = LedgerState::FromJson(old);
  ASSERT_FALSE(read.ok()) << "a state without answers would hide answers folded by the version before";
  EXPECT_EQ(read.error().code, ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace kintsugi::protocol
