// The view-model's Today, Agreements, Together and Progress: check-ins and a
// word about the day, proposals and their answers, keeping and changing
// agreements, withdrawing an entry, talks and meetings, a pause, and naming a
// phase. The fixtures are in tests/ui/view_model_fixture.h.
#include "ui/view_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string>
#include <utility>

#include "protocol/kinds.h"
#include "tests/ui/view_model_fixture.h"

namespace kintsugi::ui {
namespace {

using nlohmann::json;
using testing::Alone;
using testing::Couple;
using testing::Done;
using testing::FindEntry;
using testing::kDayMs;
using testing::kMinuteMs;
using testing::Newest;
using testing::Refused;

// This machine's local date of `unix_ms`, "YYYY-MM-DD".
std::string LocalDate(std::uint64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm local{};
  localtime_r(&t, &local);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &local);
  return buf;
}

// Unix ms of the next local hour:minute strictly after `now_ms`.
std::uint64_t NextLocal(std::uint64_t now_ms, int hour, int minute) {
  const std::time_t now = static_cast<std::time_t>(now_ms / 1000);
  std::tm at{};
  localtime_r(&now, &at);
  at.tm_hour = hour;
  at.tm_min = minute;
  at.tm_sec = 0;
  at.tm_isdst = -1;
  const std::uint64_t today = static_cast<std::uint64_t>(std::mktime(&at)) * 1000;
  if (today > now_ms) return today;
  at.tm_mday += 1;
  at.tm_isdst = -1;
  return static_cast<std::uint64_t>(std::mktime(&at)) * 1000;
}

// --- One partner alone ---

TEST_F(Alone, FeelingsFromTheSlidersAreAlwaysValid) {
  for (int mood = 1; mood <= 10; ++mood) {
    for (int trust = 1; trust <= 10; ++trust) {
      vm().feelings.mood = mood;
      vm().feelings.trust = trust;
      EXPECT_EQ(vm().FeelingsProblem(), "") << mood << "/" << trust;
    }
  }
  vm().feelings.mood = 11;
  vm().feelings.trust = 5;
  EXPECT_EQ(vm().FeelingsProblem(), "mood must be a whole number from 1 to 10");
  // The daemon refuses it in the same words; the form stays as it was.
  EXPECT_TRUE(Refused(vm().SendFeelings(), "mood must be a whole number from 1 to 10"));
  EXPECT_EQ(vm().feelings.mood, 11);
  vm().feelings.mood = 5;
  vm().feelings.trust = 0;
  EXPECT_EQ(vm().FeelingsProblem(), "trust must be a whole number from 1 to 10");
}

// The form says "" ("would be accepted") while the daemon refuses it.
TEST_F(Alone, FeelingsProblemNamesATooLongAppreciation) {
  vm().feelings.appreciated = std::string(1001, 'a');
  Notice sent = vm().SendFeelings();
  ASSERT_TRUE(Refused(sent, "appreciated is longer than 1000 characters"));
  vm().feelings.appreciated = std::string(1001, 'a');
  EXPECT_EQ(vm().FeelingsProblem(), sent.text);
  vm().feelings.appreciated.clear();
  vm().feelings.needed = std::string(1001, 'n');
  EXPECT_EQ(vm().FeelingsProblem(), "needed is longer than 1000 characters");
}

// The limits are in characters: a Hebrew writer has the room of an English
// one (1000 letters of two bytes each are 2000 bytes, and welcome).
TEST_F(Alone, AnAppreciationInHebrewHasTheRoomOfOneInEnglish) {
  std::string hebrew;
  for (int i = 0; i < 1000; ++i) hebrew += "\u05e9";
  vm().feelings.appreciated = hebrew;
  EXPECT_EQ(vm().FeelingsProblem(), "");
  ASSERT_TRUE(Done(vm().SendFeelings()));
  vm().feelings.appreciated = hebrew + "\u05e9";
  EXPECT_EQ(vm().FeelingsProblem(), "appreciated is longer than 1000 characters");
}

TEST_F(Alone, StatusProblemSaysWhatIsWrong) {
  for (const char* blank : {"", "   "}) {
    vm().status_form.text = blank;
    EXPECT_EQ(vm().StatusProblem(), "text must not be empty") << '"' << blank << '"';
  }
  vm().status_form.text = "plans changed";
  EXPECT_EQ(vm().StatusProblem(), "");
  for (const char* until : {"9pm", "24:00", "21:60", "2100", "21:0", "ab:cd"}) {
    vm().status_form.until = until;
    EXPECT_EQ(vm().StatusProblem(), "until must be a time HH:MM") << until;
  }
  vm().status_form.until = "21:00";
  EXPECT_EQ(vm().StatusProblem(), "");
  // A refused form sends nothing.
  vm().status_form.text = " ";
  ana.link->Forget();
  EXPECT_TRUE(Refused(vm().SendStatus(), "text must not be empty"));
  vm().status_form.text = "home late";
  vm().status_form.until = "9pm";
  EXPECT_TRUE(Refused(vm().SendStatus(), "until must be a time HH:MM"));
  EXPECT_TRUE(ana.link->methods().empty());
}

TEST_F(Alone, ProposeProblemGivesTheDaemonsWords) {
  vm().propose.title = "  ";
  vm().propose.text = "We talk before we decide.";
  EXPECT_EQ(vm().ProposeProblem(), "title must not be empty");
  EXPECT_TRUE(Refused(vm().Propose(), "title must not be empty"));
  EXPECT_EQ(vm().propose.text, "We talk before we decide.");  // refused: the form stays
  vm().propose.title = "Talk first";
  vm().propose.review = "2024-02-30";
  EXPECT_EQ(vm().ProposeProblem(), "review must be a date YYYY-MM-DD");
  EXPECT_TRUE(Refused(vm().Propose(), "review must be a date YYYY-MM-DD"));
  vm().propose.review = "";
  vm().propose.title = std::string(201, 't');
  EXPECT_EQ(vm().ProposeProblem(), "title is longer than 200 characters");
  vm().propose.title = "Talk first";
  EXPECT_EQ(vm().ProposeProblem(), "");
}

TEST_F(Alone, SendFeelingsAppendsAndClearsTheForm) {
  EXPECT_FALSE(vm().CheckedInToday());
  vm().feelings.mood = 3;
  vm().feelings.trust = 8;
  vm().feelings.appreciated = " the tea ";
  vm().feelings.needed = "  ";
  ASSERT_TRUE(Done(vm().SendFeelings()));
  EXPECT_EQ(vm().feelings.mood, FeelingsForm{}.mood);
  EXPECT_EQ(vm().feelings.trust, FeelingsForm{}.trust);
  EXPECT_EQ(vm().feelings.appreciated, "");
  EXPECT_TRUE(vm().stale());
  ASSERT_TRUE(vm().Refresh());
  ASSERT_EQ(vm().timeline().size(), 2u);
  const json& shown = Newest(vm());
  EXPECT_EQ(shown.at("kind"), "feelings");
  EXPECT_EQ(shown.at("author"), vm().me());
  EXPECT_EQ(shown.at("body").at("mood"), 3);
  EXPECT_EQ(shown.at("body").at("trust"), 8);
  EXPECT_EQ(shown.at("body").at("appreciated"), "the tea");
  EXPECT_FALSE(shown.at("body").contains("needed"));
  EXPECT_TRUE(vm().CheckedInToday());
  // Tomorrow is another day.
  clock.Advance(kDayMs);
  ASSERT_TRUE(vm().Refresh());
  EXPECT_FALSE(vm().CheckedInToday());
}

TEST_F(Alone, SendStatusUntilAClockTimeSendsTheNextSuchTime) {
  for (const auto& [hour, minute] : {std::pair{21, 0}, std::pair{11, 30}}) {
    clock.Advance(kMinuteMs);
    const std::uint64_t now = clock.NowMillis();
    char until[6];
    std::snprintf(until, sizeof until, "%02d:%02d", hour, minute);
    vm().status_form.text = "plans changed, home by " + std::string(until);
    vm().status_form.until = until;
    ASSERT_TRUE(Done(vm().SendStatus()));
    EXPECT_EQ(vm().status_form.text, "");
    EXPECT_EQ(vm().status_form.until, "");
    ASSERT_TRUE(vm().Refresh());
    const json& shown = Newest(vm());
    ASSERT_EQ(shown.at("kind"), "status");
    ASSERT_TRUE(shown.at("body").at("until").is_number_unsigned()) << shown.dump();
    const std::uint64_t sent = shown.at("body").at("until").get<std::uint64_t>();
    EXPECT_GT(sent, now) << until;
    EXPECT_LE(sent, now + kDayMs) << until;
    EXPECT_EQ(sent, NextLocal(now, hour, minute)) << until;
  }
  ASSERT_EQ(vm().together().statuses.size(), 1u);
  EXPECT_EQ(vm().together().statuses.at(0).words, "plans changed, home by 11:30");
}

TEST_F(Alone, UseTemplateFillsTheProposeForm) {
  const auto& all = AgreementTemplates();
  auto reviewed =
      std::find_if(all.begin(), all.end(), [](const AgreementTemplate& t) { return t.review_in_days == 90; });
  ASSERT_NE(reviewed, all.end());
  vm().UseTemplate(*reviewed);
  EXPECT_EQ(vm().propose.title, reviewed->title);
  EXPECT_EQ(vm().propose.text, reviewed->text);
  EXPECT_EQ(protocol::kCategories[static_cast<std::size_t>(vm().propose.category)], "boundary");
  const std::string in_90_days = protocol::DateFromDay(*protocol::DayFromDate(LocalDate(clock.NowMillis())) + 90);
  EXPECT_EQ(vm().propose.review, in_90_days);
  EXPECT_EQ(vm().ProposeProblem(), "");

  // A template without a review date clears the one before.
  auto ritual = std::find_if(all.begin(), all.end(), [](const AgreementTemplate& t) { return t.category == "ritual"; });
  ASSERT_NE(ritual, all.end());
  vm().UseTemplate(*ritual);
  EXPECT_EQ(vm().propose.review, "");
  EXPECT_EQ(protocol::kCategories[static_cast<std::size_t>(vm().propose.category)], "ritual");

  // Proposed as filled in, the agreement carries the review date.
  vm().UseTemplate(*reviewed);
  ASSERT_TRUE(Done(vm().Propose()));
  EXPECT_EQ(vm().propose.title, "");
  ASSERT_TRUE(vm().Refresh());
  ASSERT_EQ(vm().AgreementsIn("proposed").size(), 1u);
  const protocol::AgreementView proposed = *vm().AgreementsIn("proposed").at(0);
  EXPECT_EQ(proposed.review, in_90_days);
  EXPECT_EQ(proposed.category, "boundary");
  EXPECT_EQ(proposed.title, reviewed->title);
}

TEST_F(Alone, WithdrawOwnFeelingsTakesItsWordsAndItsCheckIn) {
  vm().feelings.appreciated = "words to take back";
  ASSERT_TRUE(Done(vm().SendFeelings()));
  ASSERT_TRUE(vm().Refresh());
  ASSERT_TRUE(vm().CheckedInToday());
  const std::string id = Newest(vm()).at("id");
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(vm().Withdraw(id)));
  ASSERT_TRUE(vm().Refresh());
  EXPECT_EQ(Newest(vm()).at("kind"), "withdraw");
  const auto gone = FindEntry(vm().timeline(), id);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->value("withdrawn", false), true) << gone->dump();
  EXPECT_FALSE(gone->contains("body")) << gone->dump();
  // docs/LEDGER.md: a withdrawn feelings check-in leaves the trends.
  EXPECT_FALSE(vm().CheckedInToday());
  // The introduction stays, in the rule's words.
  const std::string intro = vm().timeline().back().id;
  EXPECT_TRUE(Refused(vm().Withdraw(intro), "the entry that introduces you cannot be withdrawn"));
}

// --- Two partners ---

TEST_F(Couple, ProposeAwaitsThePartnerWhoAcceptsIt) {
  A().propose.title = "Tell before plans change";
  A().propose.text = "When my plans change, I tell you before.";
  A().propose.category = 0;
  ASSERT_TRUE(Done(A().Propose()));
  EXPECT_EQ(A().propose.title, "");
  ASSERT_TRUE(A().Refresh());
  ASSERT_EQ(A().AwaitingPartner().size(), 1u);
  EXPECT_EQ(A().AwaitingPartner()[0]->title, "Tell before plans change");
  EXPECT_TRUE(A().AwaitingMe().empty());
  EXPECT_EQ(A().awaiting_me(), 0u);
  const std::string id = A().AwaitingPartner()[0]->id;

  // Before the sync Bea knows nothing of it.
  ASSERT_TRUE(B().Refresh());
  EXPECT_TRUE(B().AwaitingMe().empty());
  Sync();
  ASSERT_EQ(B().AwaitingMe().size(), 1u);
  EXPECT_EQ(B().AwaitingMe()[0]->id, id);
  EXPECT_EQ(B().awaiting_me(), 1u);
  EXPECT_TRUE(B().AwaitingPartner().empty());
  ASSERT_EQ(B().pending().proposals.size(), 1u);
  EXPECT_EQ(B().pending().proposals.at(0).title, "Tell before plans change");

  // Ana cannot sign her own proposal: the rule's words.
  EXPECT_TRUE(Refused(A().Accept(id), "a proposal is accepted by the partner who did not make it"));
  EXPECT_TRUE(Refused(A().Decline(id, "changed my mind"), "a proposal is declined by the partner who did not make it"));
  EXPECT_TRUE(A().last_notice().error);

  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(B().Accept(id)));
  Sync();
  for (ViewModel* vm : {&A(), &B()}) {
    auto active = vm->AgreementsIn("active");
    ASSERT_EQ(active.size(), 1u);
    EXPECT_EQ(active[0]->id, id);
    EXPECT_EQ(active[0]->signed_by.size(), 2u);
    EXPECT_TRUE(vm->AgreementsIn("proposed").empty());
    EXPECT_EQ(vm->awaiting_me(), 0u);
  }
}

TEST_F(Couple, DeclineWithAReasonShowsOnBothSides) {
  A().propose.title = "Phones away at dinner";
  A().propose.text = "No phones at the table.";
  ASSERT_TRUE(Done(A().Propose()));
  Sync();
  ASSERT_EQ(B().AwaitingMe().size(), 1u);
  const std::string id = B().AwaitingMe()[0]->id;
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(B().Decline(id, "  not while I am on call  ")));
  Sync();
  for (ViewModel* vm : {&A(), &B()}) {
    ASSERT_EQ(vm->AgreementsIn("declined").size(), 1u);
    EXPECT_TRUE(vm->AgreementsIn("proposed").empty());
    const json& answer = Newest(*vm);
    EXPECT_EQ(answer.at("kind"), "decline");
    EXPECT_EQ(answer.at("ref"), id);
    EXPECT_EQ(answer.at("body").at("reason"), "not while I am on call");
  }
  EXPECT_EQ(B().awaiting_me(), 0u);
}

TEST_F(Couple, CheckInAgreementCountsEachOutcome) {
  // Before it is accepted there is nothing to keep.
  A().propose.title = "Weekly meeting";
  A().propose.text = "Thirty minutes every Sunday.";
  ASSERT_TRUE(Done(A().Propose()));
  ASSERT_TRUE(A().Refresh());
  ASSERT_EQ(A().AwaitingPartner().size(), 1u);
  const std::string early = A().AwaitingPartner()[0]->id;
  EXPECT_TRUE(Refused(A().CheckInAgreement(early, "kept", ""), "the agreement is not active yet: it awaits an answer"));
  Sync();
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(B().Accept(early)));
  Sync();
  const std::string id = early;

  ASSERT_TRUE(Done(A().CheckInAgreement(id, "kept", "we did it")));
  ASSERT_TRUE(Done(A().CheckInAgreement(id, "kept", "")));
  ASSERT_TRUE(Done(B().CheckInAgreement(id, "struggled", "I was tired")));
  EXPECT_TRUE(Refused(B().CheckInAgreement(id, "maybe", ""), "outcome must be one of: kept, struggled, missed"));
  Sync();
  for (ViewModel* vm : {&A(), &B()}) {
    auto active = vm->AgreementsIn("active");
    ASSERT_EQ(active.size(), 1u);
    const auto& outcomes = active[0]->outcomes;
    EXPECT_EQ(outcomes.at(ToHex(ana.device.self())).kept, 2);
    EXPECT_EQ(outcomes.at(ToHex(bea.device.self())).struggled, 1);
    ASSERT_EQ(vm->trends().agreements.size(), 1u);
    EXPECT_EQ(vm->trends().agreements[0].kept, 2);
    EXPECT_EQ(vm->trends().agreements[0].struggled, 1);
    EXPECT_EQ(vm->trends().agreements[0].missed, 0);
  }
}

TEST_F(Couple, AmendAndRetireAreOpenChangesUntilAnswered) {
  const std::string id = ActiveAgreement("Time together");
  ASSERT_FALSE(id.empty());

  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(A().Amend(id, "  Two evenings a week, phones away.  ")));
  ASSERT_TRUE(A().Refresh());
  auto active = A().AgreementsIn("active");
  ASSERT_EQ(active.size(), 1u);
  ASSERT_EQ(active[0]->open_changes.size(), 1u);
  EXPECT_EQ(active[0]->open_changes.at(0).kind, "amend");
  EXPECT_EQ(active[0]->open_changes.at(0).text, "Two evenings a week, phones away.");
  EXPECT_EQ(active[0]->text, "The text of Time together");  // not yet

  Sync();
  ASSERT_EQ(B().AwaitingMe().size(), 0u);  // the agreement is active, the change is pending
  ASSERT_EQ(B().pending().proposals.size(), 1u);
  const protocol::PendingProposal change = B().pending().proposals.at(0);
  EXPECT_EQ(change.kind, "amend");
  EXPECT_EQ(change.agreement, id);
  EXPECT_EQ(change.agreement_title, "Time together");
  EXPECT_EQ(B().awaiting_me(), 1u);
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(B().Accept(change.id)));
  Sync();
  for (ViewModel* vm : {&A(), &B()}) {
    auto now_active = vm->AgreementsIn("active");
    ASSERT_EQ(now_active.size(), 1u);
    EXPECT_EQ(now_active[0]->text, "Two evenings a week, phones away.");
    EXPECT_TRUE(now_active[0]->open_changes.empty());
  }

  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(B().Retire(id, "we do this without a rule now")));
  ASSERT_TRUE(B().Refresh());
  auto retiring = B().AgreementsIn("active");
  ASSERT_EQ(retiring.size(), 1u);
  ASSERT_EQ(retiring[0]->open_changes.size(), 1u);
  EXPECT_EQ(retiring[0]->open_changes.at(0).kind, "retire");
  EXPECT_EQ(retiring[0]->open_changes.at(0).reason, "we do this without a rule now");
  Sync();
  ASSERT_EQ(A().pending().proposals.size(), 1u);
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(A().Accept(A().pending().proposals.at(0).id)));
  Sync();
  for (ViewModel* vm : {&A(), &B()}) {
    EXPECT_EQ(vm->AgreementsIn("retired").size(), 1u);
    EXPECT_TRUE(vm->AgreementsIn("active").empty());
  }
}

TEST_F(Couple, RequestTalkReachesThePartnerAndAMeetingClosesIt) {
  A().talk_input = "  the holidays  ";
  ASSERT_TRUE(Done(A().RequestTalk()));
  EXPECT_EQ(A().talk_input, "");
  ASSERT_TRUE(A().Refresh());
  EXPECT_TRUE(A().pending().talks.empty());  // my own request awaits nobody's answer from me
  Sync();
  ASSERT_EQ(B().pending().talks.size(), 1u);
  EXPECT_EQ(B().pending().talks.at(0).words, "the holidays");
  EXPECT_EQ(B().awaiting_me(), 1u);
  const std::string talk = B().pending().talks.at(0).id;

  B().meeting.appreciations = "  ";
  EXPECT_TRUE(Refused(B().RecordMeeting({talk}), "appreciations must not be empty"));
  clock.Advance(kMinuteMs);
  B().meeting.appreciations = "You cooked all week.";
  B().meeting.issue = "the holidays";
  B().meeting.i_will_try = "call my mother myself";
  ASSERT_TRUE(Done(B().RecordMeeting({talk})));
  EXPECT_EQ(B().meeting.appreciations, "");
  Sync();
  EXPECT_TRUE(B().pending().talks.empty());
  EXPECT_EQ(B().awaiting_me(), 0u);
  for (ViewModel* vm : {&A(), &B()}) {
    ASSERT_EQ(vm->together().talks.size(), 1u);
    EXPECT_FALSE(vm->together().talks.at(0).open());
    EXPECT_EQ(Newest(*vm).at("kind"), "meeting");
  }
}

TEST_F(Couple, StartPauseShowsWhenIWillComeBack) {
  A().pause_minutes = 5;
  EXPECT_TRUE(Refused(A().StartPause(), "minutes must be a whole number of minutes from 20 to 1440"));
  A().pause_minutes = 20;
  ASSERT_TRUE(Done(A().StartPause()));
  Sync();
  for (ViewModel* vm : {&A(), &B()}) {
    ASSERT_EQ(vm->together().pauses.size(), 1u);
    EXPECT_EQ(vm->together().pauses.at(0).author, ToHex(ana.device.self()));
  }
  clock.Advance(21 * kMinuteMs);
  ASSERT_TRUE(B().Refresh());
  EXPECT_TRUE(B().together().pauses.empty());
}

TEST_F(Couple, ProposePhaseTakesEffectWhenThePartnerAgrees) {
  const std::string before = A().trends().phase.current;
  ASSERT_NE(before, "attune");
  EXPECT_TRUE(Refused(A().ProposePhase("later"), "phase must be one of: atone, attune, attach"));
  ASSERT_TRUE(Done(A().ProposePhase("attune")));
  Sync();
  EXPECT_EQ(A().trends().phase.current, before);
  ASSERT_EQ(B().pending().proposals.size(), 1u);
  const protocol::PendingProposal proposal = B().pending().proposals.at(0);
  EXPECT_EQ(proposal.kind, "phase");
  EXPECT_EQ(proposal.phase, "attune");
  EXPECT_TRUE(Refused(A().Accept(proposal.id), "a proposal is accepted by the partner who did not make it"));
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(B().Accept(proposal.id)));
  Sync();
  EXPECT_EQ(A().trends().phase.current, "attune");
  EXPECT_EQ(B().trends().phase.current, "attune");
  EXPECT_TRUE(B().pending().proposals.empty());
}

TEST_F(Couple, WithdrawnFeelingsLeaveBothDevices) {
  A().feelings.needed = "a quiet evening";
  ASSERT_TRUE(Done(A().SendFeelings()));
  Sync();
  const std::string id = Newest(B()).at("id");
  ASSERT_EQ(Newest(B()).at("body").at("needed"), "a quiet evening");
  EXPECT_TRUE(Refused(B().Withdraw(id), "only the author of an entry can withdraw it"));
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(A().Withdraw(id)));
  Sync();
  for (ViewModel* vm : {&A(), &B()}) {
    const auto gone = FindEntry(vm->timeline(), id);
    ASSERT_TRUE(gone);
    EXPECT_EQ(gone->value("withdrawn", false), true);
    EXPECT_FALSE(gone->contains("body"));
  }
  EXPECT_FALSE(A().CheckedInToday());
}

}  // namespace
}  // namespace kintsugi::ui
