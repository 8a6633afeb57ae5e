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

#include "crypto/hash.h"
#include "protocol/hlc.h"

namespace kintsugi::protocol {
namespace {

using nlohmann::json;

constexpr std::uint64_t kMsPerDay = 86'400'000;
constexpr std::uint64_t kMsPerHour = 3'600'000;
constexpr std::int64_t kThursday = 20783;  // 2026-11-26
constexpr std::uint64_t kStartMs = kThursday * kMsPerDay + 8 * kMsPerHour;

enum class Who { kA, kB };

crypto::PublicKey KeyOf(Who who) {
  crypto::PublicKey k;
  k.fill(who == Who::kA ? 0xAA : 0xBB);
  return k;
}
std::string HexOf(Who who) { return ToHex(KeyOf(who)); }

EntryId IdOfCounter(std::uint64_t n) {
  std::uint8_t bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(n >> (8 * i));
  return crypto::Blake2b256(ByteView(bytes, 8));
}

json WithoutCount(json state) {
  state.erase("entries");
  return state;
}

void ExpectSameEffect(const Effect& a, const Effect& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.applied, b.applied);
  EXPECT_EQ(a.reason_code, b.reason_code);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.withdraws, b.withdraws);
  EXPECT_EQ(a.ref, b.ref);
}

struct Folded {
  std::string id;
  Effect effect;
  std::uint64_t ms = 0;
};

// Two partners, A and B, writing entries one after the other (so the order
// they are folded in is their causal order), each introduced by a member
// entry. Every fold checks that Check() gives Apply()'s Effect and leaves the
// state alone.
class Couple {
 public:
  Couple() {
    Add(Who::kA, {{"kind", "member"}, {"name", "Ana"}});
    Add(Who::kB, {{"kind", "member"}, {"name", "Ben"}});
  }

  // The next entry is written at `ms` (later entries a minute apart).
  void SetTime(std::uint64_t ms) { next_ms_ = ms; }
  std::uint64_t next_ms() const { return next_ms_; }

  FoldEntry Make(Who who, json body) {
    FoldEntry e;
    e.id = IdOfCounter(++counter_);
    e.author = KeyOf(who);
    e.seq = ++seq_[who];
    e.hlc = MakeHlc(next_ms_, 0);
    e.stamp = e.hlc;
    e.body = std::move(body);
    next_ms_ += 60'000;
    return e;
  }

  Effect Fold(const FoldEntry& e) {
    const json before = state.ToJson();
    Effect checked = state.Check(e, Refs());
    EXPECT_EQ(state.ToJson(), before) << "Check() changed the state";
    Effect applied = state.Apply(e, Refs());
    ExpectSameEffect(checked, applied);
    if (applied.applied) {
      EXPECT_TRUE(applied.reason_code.empty()) << applied.reason_code;
    } else {
      EXPECT_FALSE(applied.reason_code.empty());
      EXPECT_FALSE(applied.reason.empty());
      EXPECT_FALSE(applied.withdraws.has_value());
    }
    known_[e.id] = RefInfo{e.author, e.seq};
    if (e.content == FoldEntry::Content::kBody) bodies_[ToHex(e.id)] = e.body;
    return applied;
  }

  Folded Add(Who who, json body) {
    FoldEntry e = Make(who, std::move(body));
    Effect effect = Fold(e);
    return {ToHex(e.id), effect, HlcMillis(e.hlc)};
  }

  // Adds an entry that must have no effect, with `code`, and checks that the
  // state did not move (but for the count of entries).
  Folded Refused(Who who, json body, const std::string& code) {
    const json before = WithoutCount(state.ToJson());
    Folded f = Add(who, std::move(body));
    EXPECT_FALSE(f.effect.applied) << f.effect.ToJson().dump();
    EXPECT_EQ(f.effect.reason_code, code) << f.effect.ToJson().dump();
    EXPECT_EQ(WithoutCount(state.ToJson()), before) << "a refused " << f.effect.kind << " changed the state";
    return f;
  }

  Folded Applied(Who who, json body) {
    Folded f = Add(who, std::move(body));
    EXPECT_TRUE(f.effect.applied) << f.effect.ToJson().dump();
    return f;
  }

  // An active agreement proposed by `by` and accepted by the other.
  std::string ActiveAgreement(Who by, const std::string& title = "Phones") {
    auto p = Applied(by, Propose(title));
    Applied(Other(by), Accept(p.id));
    return p.id;
  }

  RefResolver Refs() const {
    return [this](const EntryId& id) -> std::optional<RefInfo> {
      auto it = known_.find(id);
      if (it == known_.end()) return std::nullopt;
      return it->second;
    };
  }

  // Opens the words of every entry folded with a body, but those in `gone`.
  BodyOpener Opener() const {
    return [this](const std::string& id) -> std::optional<json> {
      if (gone.count(id)) return std::nullopt;
      auto it = bodies_.find(id);
      if (it == bodies_.end()) return std::nullopt;
      return it->second;
    };
  }

  static Who Other(Who w) { return w == Who::kA ? Who::kB : Who::kA; }

  static json Propose(const std::string& title, const std::string& category = "commitment",
                      const std::string& review = "") {
    json b{{"kind", "propose"}, {"title", title}, {"text", "The text of " + title}, {"category", category}};
    if (!review.empty()) b["review"] = review;
    return b;
  }
  static json Accept(const std::string& ref) { return {{"kind", "accept"}, {"ref", ref}}; }
  static json Decline(const std::string& ref) { return {{"kind", "decline"}, {"ref", ref}, {"reason", "not yet"}}; }
  static json Amend(const std::string& agreement, const std::string& text) {
    return {{"kind", "amend"}, {"agreement", agreement}, {"text", text}};
  }
  static json Retire(const std::string& agreement) {
    return {{"kind", "retire"}, {"agreement", agreement}, {"reason", "it served us"}};
  }
  static json Outcome(const std::string& agreement, const std::string& outcome) {
    return {{"kind", "agreement"}, {"agreement", agreement}, {"outcome", outcome}};
  }
  static json Feelings(int mood, int trust) { return {{"kind", "feelings"}, {"mood", mood}, {"trust", trust}}; }
  static json Ref(const std::string& kind, const std::string& ref) {
    return {{"kind", kind}, {kind == "seen" ? "upto" : "ref", ref}};
  }
  static json Correct(const std::string& ref) { return {{"kind", "correct"}, {"ref", ref}, {"text", "I meant"}}; }

  LedgerState state;
  std::set<std::string> gone;

 private:
  std::uint64_t counter_ = 0;
  std::uint64_t next_ms_ = kStartMs;
  std::map<Who, std::uint64_t> seq_;
  std::map<EntryId, RefInfo> known_;
  std::map<std::string, json> bodies_;
};

const std::string kNowhere = ToHex(IdOfCounter(999'999));

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
  json plans = c.state.TogetherView(0, c.Opener()).at("plans");
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
  const json talks = c.state.TogetherView(0, c.Opener()).at("talks");
  for (const auto& t : talks) {
    closed[t.at("id")] = t.value("closed_by", "");
  }
  EXPECT_EQ(closed, (std::map<std::string, std::string>{{t1.id, meeting.id}, {t2.id, repair.id}, {t3.id, ""}}));
}

TEST(FoldTogether, PauseLastsItsMinutes) {
  Couple c;
  auto p = c.Applied(Who::kA, {{"kind", "pause"}, {"minutes", 30}, {"note", "back soon"}});
  const std::uint64_t until = p.ms + 30 * 60'000;
  json pauses = c.state.TogetherView(until - 1, c.Opener()).at("pauses");
  ASSERT_EQ(pauses.size(), 1u) << pauses.dump();
  EXPECT_EQ(pauses[0].at("id"), p.id);
  EXPECT_EQ(pauses[0].at("author"), HexOf(Who::kA));
  EXPECT_EQ(pauses[0].at("until"), FormatUtcMillis(until));
  EXPECT_EQ(pauses[0].at("note"), "back soon");
  EXPECT_TRUE(c.state.TogetherView(until, c.Opener()).at("pauses").empty());
}

TEST(FoldTogether, LatestStatusOfEachPartner) {
  Couple c;
  c.Applied(Who::kA, {{"kind", "status"}, {"text", "late"}});
  auto s = c.Applied(Who::kA, {{"kind", "status"}, {"text", "home by 21:00"}, {"until", 1'795'720'000'000}});
  json statuses = c.state.TogetherView(0, c.Opener()).at("statuses");
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
  EXPECT_EQ(c.state.TogetherView(0, c.Opener()).at("talks").size(), 2u);
  c.SetTime(kStartMs + 181 * kMsPerDay);
  c.Applied(Who::kA, {{"kind", "checkin"}, {"note", "n"}});
  json talks = c.state.TogetherView(0, c.Opener()).at("talks");
  ASSERT_EQ(talks.size(), 1u) << "the open talk stays";
  EXPECT_EQ(talks[0].at("id"), open.id);
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
  json talks = c.state.TogetherView(0, c.Opener()).at("talks");
  ASSERT_EQ(talks.size(), 1u) << talks.dump();
  EXPECT_EQ(talks[0].at("id"), t.id);
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
  json list = c.state.AgreementsView(c.Opener()).at("agreements");
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
  json a = c.state.AgreementsView(c.Opener()).at("agreements").at(0);
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

  json pending = c.state.PendingView(HexOf(Who::kB), today, c.Opener());
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

  json for_a = c.state.PendingView(HexOf(Who::kA), today, c.Opener());
  ASSERT_EQ(for_a.at("proposals").size(), 1u);
  EXPECT_EQ(for_a.at("proposals")[0].at("id"), mine.id);
  ASSERT_EQ(for_a.at("talks").size(), 1u);

  // Answered and addressed, they leave; a review date that has come is due.
  c.Applied(Who::kB, Couple::Accept(theirs.id));
  c.Applied(Who::kB, Couple::Decline(phase.id));
  c.Applied(Who::kA, Couple::Accept(mine.id));
  c.Applied(Who::kB, {{"kind", "meeting"}, {"appreciations", "a"}, {"talks", {their_talk.id}}});
  pending = c.state.PendingView(HexOf(Who::kB), today, c.Opener());
  EXPECT_TRUE(pending.at("proposals").empty()) << pending.dump();
  EXPECT_TRUE(pending.at("talks").empty()) << pending.dump();
  ASSERT_EQ(pending.at("reviews_due").size(), 1u) << pending.dump();
  EXPECT_EQ(pending.at("reviews_due")[0].at("id"), mine.id);
  EXPECT_EQ(pending.at("reviews_due")[0].at("title"), "Walks");
  // Due on the review day itself, not the day before.
  const std::int64_t review_day = *DayFromDate("2026-01-01");
  EXPECT_EQ(c.state.PendingView(HexOf(Who::kB), review_day, c.Opener()).at("reviews_due").size(), 1u);
  EXPECT_TRUE(c.state.PendingView(HexOf(Who::kB), review_day - 1, c.Opener()).at("reviews_due").empty());
}

TEST(FoldViews, PendingViewNamesTheAgreementAnAmendmentChanges) {
  Couple c;
  const std::string id = c.ActiveAgreement(Who::kB);
  auto m = c.Applied(Who::kA, Couple::Amend(id, "new"));
  json proposals = c.state.PendingView(HexOf(Who::kB), kThursday, c.Opener()).at("proposals");
  ASSERT_EQ(proposals.size(), 1u);
  EXPECT_EQ(proposals[0].at("id"), m.id);
  EXPECT_EQ(proposals[0].at("agreement"), id);
  EXPECT_EQ(proposals[0].at("agreement_title"), "Phones");
  EXPECT_EQ(proposals[0].at("text"), "new");
  c.gone.insert(m.id);
  proposals = c.state.PendingView(HexOf(Who::kB), kThursday, c.Opener()).at("proposals");
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
  json days = c.state.TrendsView(kThursday + 2, kThursday + 4, kThursday + 4).at("members").at(HexOf(Who::kA)).at("days");
  ASSERT_EQ(days.size(), 2u) << days.dump();
  EXPECT_EQ(days[0].at("date"), "2026-11-28");
  EXPECT_EQ(days[0].at("mood_avg7"), 5.7) << "includes Thursday's 6 and 8";
}

TEST_F(FoldTrends, WeeklyCountsKeyedByMonday) {
  json weeks = c.state.TrendsView(kThursday, kThursday + 9, kThursday + 9).at("members").at(HexOf(Who::kA)).at("weeks");
  const json expected = json::parse(R"([
    {"week":"2026-11-23","triggers":0,"appreciations":1,"meetings":0,"repairs":0,"checkins":4,"time_together":0},
    {"week":"2026-11-30","triggers":1,"appreciations":0,"meetings":1,"repairs":1,"checkins":3,"time_together":1}])");
  EXPECT_EQ(weeks, expected) << weeks.dump();
  // A range inside the second week still shows that week.
  weeks = c.state.TrendsView(kThursday + 5, kThursday + 6, kThursday + 9).at("members").at(HexOf(Who::kA)).at("weeks");
  ASSERT_EQ(weeks.size(), 1u) << weeks.dump();
  EXPECT_EQ(weeks[0].at("week"), "2026-11-30");
}

TEST_F(FoldTrends, LocalDayDecidesWhereAnEntryCounts) {
  // 23:30 UTC on day 9, written at UTC+2: the local day is day 10.
  c.SetTime(static_cast<std::uint64_t>(kThursday + 9) * kMsPerDay + 23 * kMsPerHour + 30 * 60'000);
  json f = Couple::Feelings(1, 1);
  f["tz"] = 120;
  c.Applied(Who::kA, f);
  json days = c.state.TrendsView(kThursday + 10, kThursday + 10, kThursday + 10).at("members").at(HexOf(Who::kA)).at("days");
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
  future["format"] = 2;
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

}  // namespace
}  // namespace kintsugi::protocol
