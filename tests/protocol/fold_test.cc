// The fold's rules (protocol/fold.h): members, agreements and their
// concurrent changes, phases, corrections and withdrawals, entries without a
// usable body, effects, local days and weeks, and causal order. The views,
// trends and saved states are in fold_views_test.cc.
#include "protocol/fold.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <random>
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
using fold_testing::kThursday;
using fold_testing::Who;
using fold_testing::WithoutCount;

// --- Members and the basics ---

TEST(Fold, MembersAreNamedByTheirIntroduction) {
  Couple c;
  EXPECT_EQ(c.state.entries(), 2u);
  EXPECT_EQ(c.state.members(), (std::map<std::string, std::string>{{HexOf(Who::kA), "Ana"},
                                                                   {HexOf(Who::kB), "Ben"}}));
}

TEST(Fold, AMemberEntryCountsOnlyAsTheFirstOfItsChain) {
  Couple c;
  auto again = c.Refused(Who::kA, {{"kind", "member"}, {"name", "Anna"}}, "not_first");
  EXPECT_EQ(again.effect.kind, "member");
  EXPECT_EQ(c.state.members().at(HexOf(Who::kA)), "Ana");
}

TEST(Fold, CountsEveryEntryWhetherOrNotItHadEffect) {
  Couple c;
  c.Refused(Who::kA, Couple::Accept(kNowhere), "no_proposal");
  c.Applied(Who::kA, {{"kind", "checkin"}, {"note", "n"}});
  EXPECT_EQ(c.state.entries(), 4u);
}

// --- Agreements ---

TEST(FoldAgreement, ProposeCreatesAProposedAgreement) {
  Couple c;
  auto p = c.Applied(Who::kA, Couple::Propose("Phones", "ritual", "2027-01-01"));
  EXPECT_EQ(p.effect.kind, "propose");
  ASSERT_EQ(c.state.agreements().count(p.id), 1u);
  const auto& a = c.state.agreements().at(p.id);
  EXPECT_EQ(a.state, "proposed");
  EXPECT_EQ(a.version, 0);
  EXPECT_EQ(a.proposer, HexOf(Who::kA));
  EXPECT_EQ(a.proposed_ms, p.ms);
  EXPECT_EQ(a.category, "ritual");
  EXPECT_EQ(a.review, "2027-01-01");
  EXPECT_EQ(a.text_entry, p.id);
  EXPECT_EQ(a.title_entry, p.id);
  EXPECT_TRUE(a.signed_by.empty());
  ASSERT_EQ(a.history.size(), 1u);
  EXPECT_EQ(a.history[0].entry, p.id);
  const auto& proposal = c.state.proposals().at(p.id);
  EXPECT_EQ(proposal.status, "open");
  EXPECT_EQ(proposal.kind, "propose");
  EXPECT_EQ(proposal.author, HexOf(Who::kA));
}

TEST(FoldAgreement, PartnersAcceptMakesItActiveSignedByBoth) {
  Couple c;
  auto p = c.Applied(Who::kA, Couple::Propose("Phones"));
  auto acc = c.Applied(Who::kB, Couple::Accept(p.id));
  EXPECT_EQ(acc.effect.kind, "accept");
  EXPECT_EQ(acc.effect.ref, Hash32FromHex(p.id));
  const auto& a = c.state.agreements().at(p.id);
  EXPECT_EQ(a.state, "active");
  EXPECT_EQ(a.version, 1);
  EXPECT_EQ(a.signed_by, (std::vector<std::string>{HexOf(Who::kA), HexOf(Who::kB)}));
  EXPECT_EQ(a.since_ms, acc.ms);
  EXPECT_EQ(a.history.size(), 2u);
  EXPECT_EQ(c.state.proposals().at(p.id).status, "accepted");
  EXPECT_EQ(c.state.proposals().at(p.id).answered_by, acc.id);
}

TEST(FoldAgreement, AcceptingOnesOwnProposalHasNoEffect) {
  Couple c;
  auto p = c.Applied(Who::kA, Couple::Propose("Phones"));
  auto own = c.Refused(Who::kA, Couple::Accept(p.id), "own_proposal");
  EXPECT_EQ(own.effect.kind, "accept");
  EXPECT_EQ(own.effect.ref, Hash32FromHex(p.id));
  EXPECT_EQ(c.state.agreements().at(p.id).state, "proposed");
  c.Refused(Who::kA, Couple::Decline(p.id), "own_proposal");
}

TEST(FoldAgreement, DeclineWithAReasonDeclinesIt) {
  Couple c;
  auto p = c.Applied(Who::kA, Couple::Propose("Phones"));
  auto d = c.Applied(Who::kB, Couple::Decline(p.id));
  EXPECT_EQ(d.effect.ref, Hash32FromHex(p.id));
  EXPECT_EQ(c.state.agreements().at(p.id).state, "declined");
  EXPECT_EQ(c.state.agreements().at(p.id).version, 0);
  EXPECT_EQ(c.state.proposals().at(p.id).status, "declined");
  EXPECT_EQ(c.state.proposals().at(p.id).answered_by, d.id);
  EXPECT_EQ(c.state.agreements().at(p.id).history.size(), 2u);
  // Nothing more can happen to a declined agreement.
  c.Refused(Who::kB, Couple::Amend(p.id, "t"), "declined");
  c.Refused(Who::kA, Couple::Retire(p.id), "declined");
  c.Refused(Who::kA, Couple::Outcome(p.id, "kept"), "declined");
}

TEST(FoldAgreement, AnAnsweredProposalCannotBeAnsweredAgain) {
  Couple c;
  auto p = c.Applied(Who::kA, Couple::Propose("Phones"));
  c.Applied(Who::kB, Couple::Accept(p.id));
  c.Refused(Who::kB, Couple::Accept(p.id), "answered");
  c.Refused(Who::kB, Couple::Decline(p.id), "answered");
  auto q = c.Applied(Who::kB, Couple::Propose("Walks"));
  c.Applied(Who::kA, Couple::Decline(q.id));
  c.Refused(Who::kA, Couple::Accept(q.id), "answered");
}

TEST(FoldAgreement, AnsweringWhatIsNotAProposalIsRefused) {
  Couple c;
  c.Refused(Who::kB, Couple::Accept(kNowhere), "no_proposal");
  auto checkin = c.Applied(Who::kA, {{"kind", "checkin"}, {"note", "n"}});
  auto r = c.Refused(Who::kB, Couple::Decline(checkin.id), "no_proposal");
  EXPECT_EQ(r.effect.ref, Hash32FromHex(checkin.id));
}

TEST(FoldAgreement, ChangesNeedAnActiveAgreement) {
  Couple c;
  auto p = c.Applied(Who::kA, Couple::Propose("Phones"));
  auto amend = c.Refused(Who::kA, Couple::Amend(p.id, "new"), "not_active");
  EXPECT_EQ(amend.effect.ref, Hash32FromHex(p.id));
  c.Refused(Who::kB, Couple::Retire(p.id), "not_active");
  c.Refused(Who::kB, Couple::Outcome(p.id, "kept"), "not_active");
  c.Refused(Who::kB, Couple::Amend(kNowhere, "new"), "no_agreement");
  c.Refused(Who::kB, Couple::Retire(kNowhere), "no_agreement");
  c.Refused(Who::kB, Couple::Outcome(kNowhere, "kept"), "no_agreement");
}

TEST(FoldAgreement, AcceptedAmendmentRaisesTheVersionAndReplacesTheText) {
  Couple c;
  const std::string id = c.ActiveAgreement(Who::kA);
  auto m = c.Applied(Who::kB, Couple::Amend(id, "Phones away at dinner and in bed."));
  EXPECT_EQ(m.effect.ref, Hash32FromHex(id));
  EXPECT_EQ(c.state.proposals().at(m.id).base_version, 1);
  EXPECT_EQ(c.state.agreements().at(id).text_entry, id) << "not before it is accepted";
  auto acc = c.Applied(Who::kA, Couple::Accept(m.id));
  const auto& a = c.state.agreements().at(id);
  EXPECT_EQ(a.state, "active");
  EXPECT_EQ(a.version, 2);
  EXPECT_EQ(a.text_entry, m.id);
  EXPECT_EQ(a.title_entry, id) << "the amendment gave no title";
  EXPECT_EQ(a.category, "commitment");
  EXPECT_EQ(a.signed_by, (std::vector<std::string>{HexOf(Who::kB), HexOf(Who::kA)}));
  EXPECT_EQ(a.since_ms, acc.ms);
  EXPECT_EQ(a.history.size(), 4u);
}

TEST(FoldAgreement, AmendmentWithTitleCategoryAndReviewReplacesThem) {
  Couple c;
  const std::string id = c.ActiveAgreement(Who::kA);
  json amend = Couple::Amend(id, "new text");
  amend["title"] = "Screens";
  amend["category"] = "boundary";
  amend["review"] = "2027-03-01";
  auto m = c.Applied(Who::kA, amend);
  c.Applied(Who::kB, Couple::Accept(m.id));
  const auto& a = c.state.agreements().at(id);
  EXPECT_EQ(a.title_entry, m.id);
  EXPECT_EQ(a.text_entry, m.id);
  EXPECT_EQ(a.category, "boundary");
  EXPECT_EQ(a.review, "2027-03-01");
}

TEST(FoldAgreement, DeclinedAmendmentChangesNothing) {
  Couple c;
  const std::string id = c.ActiveAgreement(Who::kA);
  auto m = c.Applied(Who::kA, Couple::Amend(id, "new"));
  c.Applied(Who::kB, Couple::Decline(m.id));
  const auto& a = c.state.agreements().at(id);
  EXPECT_EQ(a.state, "active");
  EXPECT_EQ(a.version, 1);
  EXPECT_EQ(a.text_entry, id);
  EXPECT_EQ(c.state.proposals().at(m.id).status, "declined");
}

TEST(FoldAgreement, AcceptedRetirementRetiresIt) {
  Couple c;
  const std::string id = c.ActiveAgreement(Who::kA);
  auto r = c.Applied(Who::kA, Couple::Retire(id));
  c.Applied(Who::kB, Couple::Accept(r.id));
  const auto& a = c.state.agreements().at(id);
  EXPECT_EQ(a.state, "retired");
  EXPECT_EQ(a.version, 2);
  c.Refused(Who::kA, Couple::Amend(id, "again"), "retired");
  c.Refused(Who::kB, Couple::Retire(id), "retired");
  c.Refused(Who::kB, Couple::Outcome(id, "kept"), "retired");
}

// A amends while B retires, both against version 1.
struct ConcurrentChange {
  Couple c;
  std::string agreement, amend, retire;
  ConcurrentChange() {
    agreement = c.ActiveAgreement(Who::kA);
    amend = c.Applied(Who::kA, Couple::Amend(agreement, "a new text")).id;
    retire = c.Applied(Who::kB, Couple::Retire(agreement)).id;
  }
};

TEST(FoldConcurrentChange, BothProposalsStayOpenUntilOneIsAccepted) {
  ConcurrentChange x;
  EXPECT_EQ(x.c.state.proposals().at(x.amend).status, "open");
  EXPECT_EQ(x.c.state.proposals().at(x.retire).status, "open");
  EXPECT_EQ(x.c.state.proposals().at(x.retire).base_version, 1);
}

TEST(FoldConcurrentChange, AmendmentAcceptedFirstSupersedesTheRetirement) {
  ConcurrentChange x;
  x.c.Applied(Who::kB, Couple::Accept(x.amend));
  EXPECT_EQ(x.c.state.agreements().at(x.agreement).version, 2);
  EXPECT_EQ(x.c.state.agreements().at(x.agreement).text_entry, x.amend);
  EXPECT_EQ(x.c.state.proposals().at(x.retire).status, "superseded");
  auto late = x.c.Add(Who::kA, Couple::Accept(x.retire));
  EXPECT_FALSE(late.effect.applied);
  EXPECT_EQ(x.c.state.agreements().at(x.agreement).state, "active");
  EXPECT_EQ(x.c.state.agreements().at(x.agreement).version, 2);
}

TEST(FoldConcurrentChange, LateAcceptOfTheSupersededRetirementSaysSuperseded) {
  // docs/LEDGER.md, "Concurrent changes": the accept that comes second has
  // no effect (`superseded`).
  ConcurrentChange x;
  x.c.Applied(Who::kB, Couple::Accept(x.amend));
  x.c.Refused(Who::kA, Couple::Accept(x.retire), "superseded");
}

TEST(FoldConcurrentChange, RetirementAcceptedFirstSupersedesTheAmendment) {
  ConcurrentChange x;
  x.c.Applied(Who::kA, Couple::Accept(x.retire));
  EXPECT_EQ(x.c.state.agreements().at(x.agreement).state, "retired");
  EXPECT_EQ(x.c.state.proposals().at(x.amend).status, "superseded");
  auto late = x.c.Add(Who::kB, Couple::Accept(x.amend));
  EXPECT_FALSE(late.effect.applied);
  EXPECT_EQ(x.c.state.agreements().at(x.agreement).state, "retired");
  EXPECT_EQ(x.c.state.agreements().at(x.agreement).text_entry, x.agreement);
}

TEST(FoldConcurrentChange, LateAcceptOfAnAmendmentOfARetiredAgreementSaysRetired) {
  // docs/LEDGER.md, "Rules": accepting an amendment when the agreement is
  // retired is refused with `retired`.
  ConcurrentChange x;
  x.c.Applied(Who::kA, Couple::Accept(x.retire));
  x.c.Refused(Who::kB, Couple::Accept(x.amend), "retired");
}

TEST(FoldConcurrentChange, AProposalMadeAfterTheChangeIsNotSuperseded) {
  ConcurrentChange x;
  x.c.Applied(Who::kB, Couple::Accept(x.amend));
  auto again = x.c.Applied(Who::kB, Couple::Amend(x.agreement, "third text"));
  EXPECT_EQ(x.c.state.proposals().at(again.id).base_version, 2);
  x.c.Applied(Who::kA, Couple::Accept(again.id));
  EXPECT_EQ(x.c.state.agreements().at(x.agreement).version, 3);
  EXPECT_EQ(x.c.state.agreements().at(x.agreement).text_entry, again.id);
}

TEST(FoldAgreement, CheckInsCountOutcomesPerAuthor) {
  Couple c;
  const std::string id = c.ActiveAgreement(Who::kA);
  for (const char* o : {"kept", "kept", "struggled"}) {
    auto e = c.Applied(Who::kA, Couple::Outcome(id, o));
    EXPECT_EQ(e.effect.ref, Hash32FromHex(id));
  }
  c.Applied(Who::kB, Couple::Outcome(id, "missed"));
  const auto& outcomes = c.state.agreements().at(id).outcomes;
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes.at(HexOf(Who::kA)), (std::array<int, 3>{2, 1, 0}));
  EXPECT_EQ(outcomes.at(HexOf(Who::kB)), (std::array<int, 3>{0, 0, 1}));
}

// --- Phase ---

TEST(FoldPhase, AcceptedPhaseIsCurrentWithTheBreachItNames) {
  Couple c;
  auto p = c.Applied(Who::kA, {{"kind", "phase"}, {"phase", "atone"}, {"breach_named", "2026-03-01"}});
  EXPECT_EQ(c.state.phase().current, "") << "not before it is accepted";
  EXPECT_EQ(c.state.proposals().at(p.id).breach_day, 20513);
  auto acc = c.Applied(Who::kB, Couple::Accept(p.id));
  EXPECT_EQ(c.state.phase().current, "atone");
  EXPECT_EQ(c.state.phase().entry, p.id);
  EXPECT_EQ(c.state.phase().since_ms, acc.ms);
  EXPECT_EQ(c.state.phase().breach_day, 20513);
  EXPECT_EQ(c.state.phase().history.size(), 2u);
  // A later phase without a breach keeps the day named; one with a breach replaces it.
  auto q = c.Applied(Who::kB, {{"kind", "phase"}, {"phase", "attune"}});
  c.Applied(Who::kA, Couple::Accept(q.id));
  EXPECT_EQ(c.state.phase().current, "attune");
  EXPECT_EQ(c.state.phase().breach_day, 20513);
  auto r = c.Applied(Who::kB, {{"kind", "phase"}, {"phase", "atone"}, {"breach_named", "2026-11-20"}});
  c.Applied(Who::kA, Couple::Accept(r.id));
  EXPECT_EQ(c.state.phase().breach_day, 20777);
}

TEST(FoldPhase, WithoutABreachDateTheFirstAcceptedDayCounts) {
  Couple c;
  auto p = c.Applied(Who::kA, {{"kind", "phase"}, {"phase", "attune"}});
  EXPECT_EQ(c.state.proposals().at(p.id).breach_day, -1);
  c.SetTime((kThursday + 3) * kMsPerDay + kMsPerHour);
  c.Applied(Who::kB, Couple::Accept(p.id));
  EXPECT_EQ(c.state.phase().current, "attune");
  EXPECT_EQ(c.state.phase().breach_day, kThursday + 3);
  c.SetTime((kThursday + 9) * kMsPerDay);
  auto q = c.Applied(Who::kA, {{"kind", "phase"}, {"phase", "attach"}});
  c.Applied(Who::kB, Couple::Accept(q.id));
  EXPECT_EQ(c.state.phase().breach_day, kThursday + 3) << "the first accepted day, not the latest";
}

TEST(FoldPhase, AcceptingOnePhaseSupersedesTheOthersAndOwnAcceptIsRefused) {
  Couple c;
  auto p = c.Applied(Who::kA, {{"kind", "phase"}, {"phase", "atone"}});
  auto q = c.Applied(Who::kA, {{"kind", "phase"}, {"phase", "attune"}});
  auto r = c.Applied(Who::kB, {{"kind", "phase"}, {"phase", "attach"}});
  c.Refused(Who::kA, Couple::Accept(p.id), "own_proposal");
  c.Applied(Who::kB, Couple::Accept(q.id));
  EXPECT_EQ(c.state.phase().current, "attune");
  EXPECT_EQ(c.state.proposals().at(p.id).status, "superseded");
  EXPECT_EQ(c.state.proposals().at(r.id).status, "superseded");
  c.Refused(Who::kB, Couple::Accept(p.id), "superseded");
}

TEST(FoldPhase, DeclinedPhaseChangesNothing) {
  Couple c;
  auto p = c.Applied(Who::kA, {{"kind", "phase"}, {"phase", "atone"}, {"breach_named", "2026-03-01"}});
  c.Applied(Who::kB, Couple::Decline(p.id));
  EXPECT_EQ(c.state.phase().current, "");
  EXPECT_EQ(c.state.phase().breach_day, -1);
  EXPECT_EQ(c.state.proposals().at(p.id).status, "declined");
  EXPECT_EQ(c.state.phase().history.size(), 2u);
}

// --- Corrections and withdrawals ---

TEST(FoldHousekeeping, CorrectingOnesOwnEntryIsListed) {
  Couple c;
  auto e = c.Applied(Who::kA, {{"kind", "checkin"}, {"note", "a bad day"}});
  auto fix1 = c.Applied(Who::kA, Couple::Correct(e.id));
  auto fix2 = c.Applied(Who::kA, Couple::Correct(e.id));
  EXPECT_EQ(fix1.effect.ref, Hash32FromHex(e.id));
  EXPECT_EQ(c.state.corrections(), (std::map<std::string, std::vector<std::string>>{{e.id, {fix1.id, fix2.id}}}));
}

TEST(FoldHousekeeping, OnlyTheAuthorCorrectsOrWithdraws) {
  Couple c;
  auto e = c.Applied(Who::kA, {{"kind", "checkin"}, {"note", "a bad day"}});
  auto r = c.Refused(Who::kB, Couple::Correct(e.id), "not_yours");
  EXPECT_EQ(r.effect.ref, Hash32FromHex(e.id));
  c.Refused(Who::kB, Couple::Ref("withdraw", e.id), "not_yours");
  EXPECT_FALSE(c.state.withdrawn(e.id));
}

TEST(FoldHousekeeping, WithdrawingOnesOwnEntrySaysWhichKeyToDestroy) {
  Couple c;
  auto e = c.Applied(Who::kA, {{"kind", "checkin"}, {"note", "a bad day"}});
  auto w = c.Applied(Who::kA, Couple::Ref("withdraw", e.id));
  ASSERT_TRUE(w.effect.withdraws.has_value());
  EXPECT_EQ(*w.effect.withdraws, *Hash32FromHex(e.id));
  EXPECT_EQ(w.effect.ref, Hash32FromHex(e.id));
  EXPECT_TRUE(c.state.withdrawn(e.id));
  c.Refused(Who::kA, Couple::Ref("withdraw", e.id), "withdrawn");
  c.Refused(Who::kA, Couple::Correct(e.id), "withdrawn");
}

TEST(FoldHousekeeping, TheIntroductionCannotBeWithdrawn) {
  Couple c;
  // The first entry folded is A's member entry, seq 1.
  c.Refused(Who::kA, Couple::Ref("withdraw", ToHex(IdOfCounter(1))), "introduction");
  c.Refused(Who::kB, Couple::Ref("withdraw", ToHex(IdOfCounter(2))), "introduction");
}

TEST(FoldHousekeeping, UnknownEntriesAreRefused) {
  Couple c;
  c.Refused(Who::kA, Couple::Ref("withdraw", kNowhere), "unknown_entry");
  c.Refused(Who::kA, Couple::Correct(kNowhere), "unknown_entry");
  auto s = c.Refused(Who::kA, Couple::Ref("seen", kNowhere), "unknown_entry");
  EXPECT_EQ(s.effect.ref, Hash32FromHex(kNowhere));
}

TEST(FoldHousekeeping, SeenRecordsHowFarEachPartnerRead) {
  Couple c;
  auto e = c.Applied(Who::kA, {{"kind", "checkin"}, {"note", "n"}});
  auto s = c.Applied(Who::kB, Couple::Ref("seen", e.id));
  EXPECT_EQ(s.effect.ref, Hash32FromHex(e.id));
  const json seen = c.state.ToJson().at("seen");
  ASSERT_TRUE(seen.contains(HexOf(Who::kB))) << seen.dump();
  EXPECT_EQ(seen.at(HexOf(Who::kB)).at("entry"), e.id);
  EXPECT_FALSE(seen.contains(HexOf(Who::kA)));
}

// --- Entries without a usable body ---

TEST(FoldUnusable, WithdrawnAndUnreadableEntriesHaveNoEffect) {
  Couple c;
  const json before = WithoutCount(c.state.ToJson());
  FoldEntry w = c.Make(Who::kA, Couple::Feelings(5, 5));
  w.content = FoldEntry::Content::kWithdrawn;
  Effect e = c.Fold(w);
  EXPECT_FALSE(e.applied);
  EXPECT_EQ(e.kind, "withdrawn");
  EXPECT_EQ(e.reason_code, "withdrawn");
  FoldEntry u = c.Make(Who::kB, Couple::Propose("Phones"));
  u.content = FoldEntry::Content::kUnreadable;
  e = c.Fold(u);
  EXPECT_FALSE(e.applied);
  EXPECT_EQ(e.kind, "unreadable");
  EXPECT_EQ(e.reason_code, "unreadable");
  EXPECT_EQ(WithoutCount(c.state.ToJson()), before);
  EXPECT_EQ(c.state.entries(), 4u);
}

TEST(FoldUnusable, MalformedBodyHasNoEffect) {
  Couple c;
  auto m = c.Refused(Who::kA, Couple::Feelings(0, 5), "malformed");
  EXPECT_EQ(m.effect.kind, "feelings");
  EXPECT_NE(m.effect.reason.find("mood"), std::string::npos) << m.effect.reason;
  auto n = c.Refused(Who::kA, {{"note", "no kind"}}, "malformed");
  EXPECT_EQ(n.effect.kind, "unknown");
  FoldEntry arr = c.Make(Who::kA, json::array({1, 2}));
  EXPECT_EQ(c.Fold(arr).reason_code, "malformed");
  c.Refused(Who::kB, {{"kind", "accept"}, {"ref", "ABC"}}, "malformed");
}

TEST(FoldUnusable, UnknownKindHasNoEffect) {
  Couple c;
  auto u = c.Refused(Who::kA, {{"kind", "dance"}, {"with", "you"}}, "unknown_kind");
  EXPECT_EQ(u.effect.kind, "unknown");
  EXPECT_NE(u.effect.reason.find("dance"), std::string::npos);
}

TEST(FoldUnusable, UnknownFieldsOfAKnownKindAreIgnored) {
  Couple c;
  auto e = c.Applied(Who::kA, {{"kind", "propose"}, {"title", "t"}, {"text", "x"}, {"category", "need"},
                               {"from_the_future", true}});
  EXPECT_EQ(c.state.agreements().count(e.id), 1u);
}

// --- Leaving ---

TEST(FoldLeave, ALeaveRecordsWhoLeftAndWhen) {
  Couple c;
  EXPECT_FALSE(c.state.left().has_value());
  EXPECT_EQ(c.state.EndedReason(), "");
  auto leave = c.Applied(Who::kB, {{"kind", "leave"}, {"note", "take care"}});
  EXPECT_EQ(leave.effect.kind, "leave");
  ASSERT_TRUE(c.state.left().has_value());
  EXPECT_EQ(*c.state.left(), (fold::Departure{HexOf(Who::kB), leave.id, 2, leave.ms}));
  EXPECT_EQ(c.state.EndedReason(), "the shared ledger has ended: Ben left it");
}

TEST(FoldLeave, EveryLaterEntryOfEitherPartnerHasNoEffect) {
  Couple c;
  const std::string agreement = c.ActiveAgreement(Who::kA);
  auto talk = c.Applied(Who::kA, {{"kind", "talk.request"}, {"topic", "the move"}});
  c.Applied(Who::kA, {{"kind", "leave"}});
  const json ended = WithoutCount(c.state.ToJson());
  for (Who who : {Who::kA, Who::kB}) {
    auto f = c.Refused(who, Couple::Feelings(5, 5), "ledger_ended");
    EXPECT_EQ(f.effect.kind, "feelings");
    EXPECT_EQ(f.effect.reason, "the shared ledger has ended: Ana left it");
    c.Refused(who, Couple::Outcome(agreement, "kept"), "ledger_ended");
    c.Refused(who, Couple::Retire(agreement), "ledger_ended");
    c.Refused(who, Couple::Ref("withdraw", talk.id), "ledger_ended");
    c.Refused(who, {{"kind", "leave"}}, "ledger_ended");
  }
  EXPECT_EQ(WithoutCount(c.state.ToJson()), ended);
  EXPECT_FALSE(c.state.withdrawn(talk.id)) << "a withdrawal after the end took effect";
  EXPECT_EQ(c.state.agreements().at(agreement).state, "active") << "what came before keeps its effect";
}

TEST(FoldLeave, AnEntryWrittenWithoutKnowingCountsOnlyBeforeTheLeaveInCausalOrder) {
  // The same two concurrent entries, the leave's clock after or before the partner's.
  for (bool entry_first : {true, false}) {
    Couple c;
    FoldEntry entry = c.Make(Who::kA, Couple::Feelings(7, 6));
    FoldEntry leave = c.Make(Who::kB, {{"kind", "leave"}});
    if (!entry_first) {
      std::swap(entry.hlc, leave.hlc);
      std::swap(entry.stamp, leave.stamp);
    }
    // Every replica folds in causal order, whatever order they arrived in.
    std::vector<FoldEntry> order{leave, entry};
    std::sort(order.begin(), order.end(), [](const FoldEntry& x, const FoldEntry& y) {
      return OrderKey{x.stamp, x.author} < OrderKey{y.stamp, y.author};
    });
    Effect entry_effect;
    for (const auto& e : order) {
      Effect effect = c.Fold(e);
      if (e.id == entry.id) entry_effect = effect;
    }
    EXPECT_EQ(entry_effect.applied, entry_first) << entry_effect.ToJson().dump();
    EXPECT_EQ(entry_effect.reason_code, entry_first ? "" : "ledger_ended");
    ASSERT_TRUE(c.state.left().has_value());
    EXPECT_EQ(c.state.left()->author, HexOf(Who::kB));
  }
}

TEST(FoldLeave, TheEndIsKeptInTheSavedState) {
  Couple c;
  c.Applied(Who::kA, {{"kind", "leave"}});
  auto back = LedgerState::FromJson(json::parse(c.state.ToJson().dump()));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->left(), c.state.left());
  EXPECT_EQ(back->ToJson(), c.state.ToJson());
  // A state saved before any leave has no "left" and reads back without one.
  Couple before;
  EXPECT_FALSE(before.state.ToJson().contains("left"));
  auto old = LedgerState::FromJson(before.state.ToJson());
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(old->left().has_value());
}

// --- Effect ---

TEST(FoldEffect, RoundTripsThroughJson) {
  Effect e;
  e.kind = "withdraw";
  e.applied = true;
  e.withdraws = IdOfCounter(5);
  e.ref = IdOfCounter(5);
  ExpectSameEffect(Effect::FromJson(e.ToJson()), e);
  Effect r;
  r.kind = "accept";
  r.reason_code = "own_proposal";
  r.reason = "a reason";
  r.ref = IdOfCounter(6);
  ExpectSameEffect(Effect::FromJson(r.ToJson()), r);
  EXPECT_FALSE(r.ToJson().contains("withdraws"));
}

TEST(FoldEffect, FromJsonDoesNotThrowOnGarbage) {
  // No public function throws (docs/STYLE: errors are values).
  for (const json& bad : {json(nullptr), json(5), json::array(), json{{"kind", 5}}, json{{"applied", "yes"}},
                          json{{"withdraws", 5}}, json{{"ref", json::array()}}}) {
    EXPECT_NO_THROW((void)Effect::FromJson(bad)) << bad.dump();
  }
}

// --- Local days and weeks ---

std::uint64_t HlcAt(std::int64_t day, std::uint64_t ms_of_day) { return MakeHlc(day * kMsPerDay + ms_of_day, 0); }

TEST(FoldDays, LocalDayHonoursTz) {
  const std::uint64_t late = HlcAt(kThursday, 23 * kMsPerHour + 30 * 60'000);
  EXPECT_EQ(LocalDay(late, json::object()), kThursday);
  EXPECT_EQ(LocalDay(late, json{{"tz", 0}}), kThursday);
  EXPECT_EQ(LocalDay(late, json{{"tz", 30}}), kThursday + 1);
  EXPECT_EQ(LocalDay(late, json{{"tz", 29}}), kThursday);
  EXPECT_EQ(LocalDay(late, json{{"tz", -840}}), kThursday);
  const std::uint64_t early = HlcAt(kThursday, 30 * 60'000);
  EXPECT_EQ(LocalDay(early, json{{"tz", -30}}), kThursday);
  EXPECT_EQ(LocalDay(early, json{{"tz", -31}}), kThursday - 1);
  EXPECT_EQ(LocalDay(early, json{{"tz", 840}}), kThursday);
  EXPECT_EQ(LocalDay(MakeHlc(10 * 60'000, 0), json{{"tz", -60}}), -1) << "floors before 1970";
}

TEST(FoldDays, LocalDayOfACarriedEntryIsWhenItWasFirstWritten) {
  const std::uint64_t now = HlcAt(kThursday + 5, 12 * kMsPerHour);
  const std::uint64_t then = HlcAt(kThursday, 30 * 60'000);
  EXPECT_EQ(LocalDay(now, json{{"carried", {{"hlc", then}}}}), kThursday);
  EXPECT_EQ(LocalDay(now, json{{"carried", {{"hlc", then}}}, {"tz", -60}}), kThursday - 1);
  EXPECT_EQ(LocalDay(now, json{{"carried", {{"hlc", -1}}}}), kThursday + 5) << "not a clock";
  EXPECT_EQ(LocalDay(now, json{{"carried", 5}}), kThursday + 5);
}

TEST(FoldDays, WeekStartsOnMonday) {
  EXPECT_EQ(WeekOf(*DayFromDate("2026-11-26")), *DayFromDate("2026-11-23"));  // Thursday
  EXPECT_EQ(WeekOf(*DayFromDate("2026-11-23")), *DayFromDate("2026-11-23"));  // Monday
  EXPECT_EQ(WeekOf(*DayFromDate("2026-11-29")), *DayFromDate("2026-11-23"));  // Sunday
  EXPECT_EQ(WeekOf(*DayFromDate("2026-11-30")), *DayFromDate("2026-11-30"));
  EXPECT_EQ(WeekOf(*DayFromDate("2024-02-29")), *DayFromDate("2024-02-26"));
  EXPECT_EQ(WeekOf(*DayFromDate("2028-02-29")), *DayFromDate("2028-02-28"));
  EXPECT_EQ(WeekOf(*DayFromDate("2026-01-01")), *DayFromDate("2025-12-29"));
  EXPECT_EQ(WeekOf(0), -3) << "1970-01-01 was a Thursday";
  EXPECT_EQ(WeekOf(-4), -10) << "1969-12-28 was a Sunday";
}

TEST(FoldDays, EveryDaysWeekIsTheMondayOnOrBeforeIt) {
  const std::int64_t monday = 4;  // 1970-01-05
  for (std::int64_t day = -800; day < 30000; ++day) {
    const std::int64_t w = WeekOf(day);
    ASSERT_LE(w, day) << day;
    ASSERT_LT(day - w, 7) << day;
    ASSERT_EQ(((w - monday) % 7 + 7) % 7, 0) << day;
  }
}

// --- Causal order ---

TEST(FoldOrder, CausalStampIsAboveItsCauses) {
  EXPECT_EQ(CausalStamp(100, 0, {}), 100u);
  EXPECT_EQ(CausalStamp(0, 0, {}), 1u);
  EXPECT_EQ(CausalStamp(100, 200, {}), 201u);
  EXPECT_EQ(CausalStamp(100, 50, {300, 20}), 301u);
  EXPECT_EQ(CausalStamp(100, 400, {300, 20}), 401u);
  EXPECT_EQ(CausalStamp(500, 50, {300}), 500u);
  EXPECT_EQ(CausalStamp(500, 499, {499, 499}), 500u);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    const std::uint64_t hlc = rng() >> 2, prev = rng() >> 2;
    std::vector<std::uint64_t> parents(rng() % 4);
    for (auto& p : parents) p = rng() >> 2;
    std::uint64_t want = std::max(hlc, prev + 1);
    for (auto p : parents) want = std::max(want, p + 1);
    ASSERT_EQ(CausalStamp(hlc, prev, parents), want);
  }
}

TEST(FoldOrder, OrderKeySortsByStampThenAuthor) {
  OrderKey a{10, KeyOf(Who::kB)}, b{11, KeyOf(Who::kA)}, c{10, KeyOf(Who::kA)};
  EXPECT_LT(a, b);
  EXPECT_LT(c, a);
  EXPECT_LT(c, b);
}

}  // namespace
}  // namespace kintsugi::protocol
