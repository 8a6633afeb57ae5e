// What one partner writes, as the other reads it: "From Ana today" on Today
// (feelings with their words, a status with its until, a pause counting
// down, talk requests and their answers) and each timeline entry in plain
// words (which agreement was accepted or kept). Written on one view-model,
// read on the other's. The fixtures are in tests/ui/view_model_fixture.h.
#include "ui/view_model.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "protocol/kinds.h"

#include "tests/ui/view_model_fixture.h"

namespace kintsugi::ui {
namespace {

using nlohmann::json;
using testing::Couple;
using testing::Done;
using testing::kMinuteMs;
using testing::Newest;
using testing::NewestEntry;

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST_F(Couple, FeelingsWithTheirWordsReachThePartnersTodayAndTimeline) {
  A().feelings.mood = 8;
  A().feelings.trust = 4;
  A().feelings.appreciated = "You made tea without asking";
  A().feelings.needed = "A quiet evening";
  ASSERT_TRUE(Done(A().SendFeelings()));
  Sync();

  const PartnerToday day = B().PartnerDay();
  ASSERT_EQ(day.feelings.size(), 1u);
  EXPECT_EQ(day.feelings[0].mood, 8);
  EXPECT_EQ(day.feelings[0].trust, 4);
  EXPECT_EQ(day.feelings[0].appreciated, "You made tea without asking");
  EXPECT_EQ(day.feelings[0].needed, "A quiet evening");
  EXPECT_FALSE(day.feelings[0].time.empty());

  const std::string line = B().DescribeEntry(NewestEntry(B()));
  EXPECT_TRUE(Contains(line, "mood 8, trust 4")) << line;
  EXPECT_TRUE(Contains(line, "Appreciated: You made tea without asking")) << line;
  EXPECT_TRUE(Contains(line, "Needs: A quiet evening")) << line;

  EXPECT_TRUE(A().PartnerDay().feelings.empty()) << "my own check-in is not my partner's";
}

// A word about the day ("Write it", kintsugictl checkin) reaches the
// partner's Today: before, the card said "Nothing from Ana yet today" under
// the words the window had told Ana her partner would read.
TEST_F(Couple, AWordAboutTheDayReachesThePartnersToday) {
  EXPECT_TRUE(B().PartnerDay().empty());
  A().checkin_note = "Home by nine, I promise";
  ASSERT_TRUE(Done(A().SendCheckIn()));
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(ana.link->Call("checkin", {{"note", "Long day, but a good one"}, {"mood", 7}}).ok());  // as kintsugictl
  Sync();
  const PartnerToday day = B().PartnerDay();
  EXPECT_FALSE(day.empty());
  ASSERT_EQ(day.words.size(), 2u);
  EXPECT_EQ(day.words[0].text, "Long day, but a good one");  // newest first
  EXPECT_EQ(day.words[0].scales, "mood 7");
  EXPECT_EQ(day.words[1].text, "Home by nine, I promise");
  EXPECT_EQ(day.words[1].scales, "");
  EXPECT_FALSE(day.words[1].time.empty());
  EXPECT_TRUE(A().PartnerDay().words.empty()) << "my own words are not my partner's";
  // Withdrawn, the words leave the partner's Today.
  ASSERT_TRUE(Done(A().Withdraw(Newest(A()).at("id"))));
  Sync();
  ASSERT_EQ(B().PartnerDay().words.size(), 1u);
  EXPECT_EQ(B().PartnerDay().words[0].text, "Home by nine, I promise");
}

TEST_F(Couple, AStatusWithItsUntilShowsOnThePartnersToday) {
  A().status_form.text = "Plans changed, home by nine";
  A().status_form.until = "21:00";
  ASSERT_TRUE(Done(A().SendStatus()));
  Sync();
  const PartnerToday day = B().PartnerDay();
  ASSERT_TRUE(day.status.has_value());
  EXPECT_EQ(day.status->text, "Plans changed, home by nine");
  EXPECT_TRUE(Contains(day.status->until, "21:00")) << day.status->until;
  EXPECT_TRUE(Contains(B().DescribeEntry(NewestEntry(B())), "Plans changed, home by nine (until ")) << B().DescribeEntry(NewestEntry(B()));
}

TEST_F(Couple, ATalkRequestIsAnsweredAndTheAskerSeesTheAnswer) {
  A().talk_input = "the holidays";
  ASSERT_TRUE(Done(A().RequestTalk()));
  Sync();
  PartnerToday day = B().PartnerDay();
  ASSERT_EQ(day.asks.size(), 1u);
  EXPECT_EQ(day.asks[0].topic, "the holidays");
  EXPECT_EQ(B().talks_awaiting_me(), 1u);
  EXPECT_EQ(B().agreements_awaiting_me(), 0u) << "a talk request is not an agreement";

  clock.Advance(kMinuteMs);
  B().talk_answer_note = "after the kids are in bed";
  ASSERT_TRUE(Done(B().AnswerTalk(day.asks[0].id, "tonight")));
  EXPECT_EQ(B().talk_answer_note, "");
  Sync();
  EXPECT_TRUE(B().PartnerDay().asks.empty()) << "answered, it awaits nothing more";
  EXPECT_EQ(B().talks_awaiting_me(), 0u);

  day = A().PartnerDay();
  ASSERT_EQ(day.answers.size(), 1u);
  EXPECT_EQ(day.answers[0].topic, "the holidays");
  EXPECT_EQ(day.answers[0].answer, "Yes, tonight");
  EXPECT_EQ(day.answers[0].note, "after the kids are in bed");
  const std::string line = A().DescribeEntry(NewestEntry(A()));
  EXPECT_EQ(line, "answered \"the holidays\": Yes, tonight. Note: after the kids are in bed.");

  // "Not yet" may become "tonight"; the other way round works alike.
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(B().AnswerTalk(day.answers[0].id, "not_yet")));
  Sync();
  ASSERT_EQ(A().PartnerDay().answers.size(), 1u);
  EXPECT_EQ(A().PartnerDay().answers[0].answer, "Not yet, I need time");

  // Ana cannot answer her own request.
  EXPECT_TRUE(A().AnswerTalk(day.answers[0].id, "tonight").error);
}

TEST_F(Couple, APauseCountsDownOnThePartnersTodayAndLeavesWhenItEnds) {
  A().pause_minutes = 20;
  ASSERT_TRUE(Done(A().StartPause()));
  Sync();
  EXPECT_EQ(B().PartnerDay().pause_minutes_left, 20);
  ASSERT_TRUE(B().SecondsUntilChange().has_value());
  EXPECT_LE(*B().SecondsUntilChange(), 60.0);

  // Without reading anything again: the window counts on its own clock.
  clock.Advance(5 * kMinuteMs);
  EXPECT_EQ(B().PartnerDay().pause_minutes_left, 15);
  clock.Advance(15 * kMinuteMs);
  EXPECT_EQ(B().PartnerDay().pause_minutes_left, 0) << "the pause is over and must not stay on screen";
  EXPECT_FALSE(B().SecondsUntilChange().has_value()) << "nothing left to wake the window for";
  EXPECT_TRUE(B().PartnerDay().empty());
}

TEST_F(Couple, TheTimelineSaysWhatWasProposedAcceptedAndKept) {
  const std::string id = ActiveAgreement("Sunday walk");
  ASSERT_FALSE(id.empty());
  bool proposed = false, accepted = false;
  for (const auto& e : A().timeline()) {
    const std::string line = A().DescribeEntry(e);
    if (e.kind == "propose") {
      proposed = true;
      EXPECT_EQ(line, "proposed \"Sunday walk\": The text of Sunday walk");
    }
    if (e.kind == "accept") {
      accepted = true;
      EXPECT_EQ(line, "accepted \"Sunday walk\".");
    }
  }
  EXPECT_TRUE(proposed && accepted);

  ASSERT_TRUE(Done(B().CheckInAgreement(id, "kept", "We went even in the rain")));
  Sync();
  EXPECT_EQ(A().DescribeEntry(NewestEntry(A())), "kept \"Sunday walk\". Reflection: We went even in the rain.");
  // A sentence that ends itself gets no second full stop.
  ASSERT_TRUE(Done(B().CheckInAgreement(id, "struggled", "Rain again!")));
  Sync();
  EXPECT_EQ(A().DescribeEntry(NewestEntry(A())), "struggled with \"Sunday walk\". Reflection: Rain again!");
}

// Every kind that a person writes has a place in the window; `member` is
// written by the first run (init) and `leave` by Settings' Leave (a method of
// its own, sharing.leave).
TEST(Offers, EveryKindOfTheKindsTableCanBeWrittenFromAScreen) {
  std::set<std::string> offered;
  for (const Offer& o : Offers()) {
    EXPECT_TRUE(protocol::KindFromName(o.kind).has_value()) << o.kind << " is not a kind";
    EXPECT_FALSE(o.button.empty());
    offered.insert(std::string(o.kind));
  }
  for (const auto& spec : protocol::Kinds()) {
    const std::string kind(spec.name);
    if (kind == "member" || kind == "leave") continue;
    EXPECT_EQ(offered.count(kind), 1u) << "no screen writes " << kind;
  }
}

TEST_F(Couple, ATriggerAFreeCheckInAndReadUpToHereAreWrittenFromTheWindow) {
  A().trigger.what = "  ";
  EXPECT_EQ(A().TriggerProblem(), "what must not be empty");
  A().trigger.what = "When the phone lit up at dinner";
  A().trigger.intensity = 7;
  A().trigger.helped = "You turned it over";
  ASSERT_TRUE(Done(A().RecordTrigger()));
  EXPECT_EQ(A().trigger.what, "");
  Sync();
  EXPECT_EQ(Newest(B()).at("kind"), "trigger");
  EXPECT_EQ(B().DescribeEntry(NewestEntry(B())),
            "noted a moment that hurt (7 of 10): When the phone lit up at dinner. What helped: You turned it over.");

  clock.Advance(kMinuteMs);
  A().checkin_note = "A long day, but we talked on the way home.";
  ASSERT_TRUE(Done(A().SendCheckIn()));
  Sync();
  EXPECT_EQ(Newest(B()).at("kind"), "checkin");
  EXPECT_EQ(Newest(B()).at("body").at("note"), "A long day, but we talked on the way home.");

  clock.Advance(kMinuteMs);
  const std::string newest = Newest(B()).at("id");
  ASSERT_TRUE(Done(B().MarkRead()));
  Sync();
  EXPECT_EQ(Newest(A()).at("kind"), "seen");
  EXPECT_EQ(Newest(A()).at("body").at("upto"), newest);
}

TEST_F(Couple, AfterThePartnerLeavesTheWindowIsReadOnlyWithTheirLastWordAndNoBadges) {
  A().propose.title = "Sunday walk";
  A().propose.text = "We walk on Sundays.";
  ASSERT_TRUE(Done(A().Propose()));
  A().talk_input = "the holidays";
  ASSERT_TRUE(Done(A().RequestTalk()));
  Sync();
  EXPECT_EQ(B().agreements_awaiting_me(), 1u);
  EXPECT_EQ(B().talks_awaiting_me(), 1u);
  EXPECT_FALSE(B().read_only());
  EXPECT_EQ(B().ArrivalLine(), "Your partner's entries keep arriving and are kept sealed.");

  clock.Advance(kMinuteMs);
  A().leave_note = "I need to do this alone for a while. Take care.";
  ASSERT_TRUE(Done(A().Leave()));
  Sync();
  EXPECT_TRUE(B().read_only());
  EXPECT_EQ(B().last_word(), "I need to do this alone for a while. Take care.");
  EXPECT_EQ(B().agreements_awaiting_me(), 0u) << "nothing can be answered any more";
  EXPECT_EQ(B().talks_awaiting_me(), 0u);
  EXPECT_EQ(B().ArrivalLine(), "The shared ledger has ended: nothing more arrives from your partner.");
  EXPECT_TRUE(A().read_only());
  EXPECT_EQ(A().last_word(), "") << "my own note is not a last word to me";
}

TEST_F(Couple, WhileSharingIsPausedTheLockedScreenDoesNotPromiseArrivals) {
  ASSERT_TRUE(Done(A().PauseSharing()));
  EXPECT_EQ(A().ArrivalLine(), "Sharing is paused: nothing passes between your devices until it resumes.");
  ASSERT_TRUE(Done(A().ResumeSharing()));
  EXPECT_EQ(A().ArrivalLine(), "Your partner's entries keep arriving and are kept sealed.");
}

TEST_F(Couple, AMessageStaysWithTheScreenWhoseActionCausedIt) {
  A().appreciation_input = "You listened";
  A().Show(Screen::kTogether);
  ASSERT_TRUE(Done(A().Appreciate()));
  EXPECT_FALSE(A().last_notice().empty());
  A().Show(Screen::kTogether);
  EXPECT_FALSE(A().last_notice().empty()) << "staying on the screen keeps it";
  A().Show(Screen::kToday);
  EXPECT_TRUE(A().last_notice().empty()) << "a stale message followed to another screen";
}

TEST_F(Couple, WhatSaveDidIsSaidBesideTheExportNotAtTheEndOfTheScreen) {
  A().Show(Screen::kSettings);
  ASSERT_TRUE(Done(A().PreviewExport()));
  EXPECT_EQ(A().notice_about(), "export");
  A().appreciation_input = "You listened";
  ASSERT_TRUE(Done(A().Appreciate()));
  EXPECT_EQ(A().notice_about(), "") << "another action's message is the screen's own";
  A().export_form.path = "/nonexistent-folder/export.md";
  EXPECT_TRUE(A().SaveExport().error);
  EXPECT_EQ(A().notice_about(), "export") << "a failed save is said beside Save too";
}

// No internal kind name ("talk.request") where a person reads: every kind of
// the kinds table has words of its own.
TEST(KindWords, EveryKindHasWordsOfItsOwn) {
  std::set<std::string> seen;
  for (const auto& spec : protocol::Kinds()) {
    const std::string words = KindWords(spec.name);
    const std::string action = KindAction(spec.name);
    EXPECT_NE(words, std::string(spec.name)) << spec.name << " has no words";
    EXPECT_NE(action, std::string(spec.name)) << spec.name << " has no action";
    EXPECT_EQ(words.find('.'), std::string::npos) << words;
    EXPECT_TRUE(seen.insert(words).second) << "two kinds read alike: " << words;
  }
}

}  // namespace
}  // namespace kintsugi::ui
