#include "protocol/fold.h"

#include <algorithm>

#include "base/local_time.h"
#include "protocol/hlc.h"

namespace kintsugi::protocol {
namespace {

using nlohmann::json;

constexpr std::uint64_t kKeepClosedMs = 180ull * 86'400'000;

// When a closed talk or plan leaves the state: once an entry's clock is past this.
std::uint64_t ExpiryOf(const fold::Mark& m) { return std::max({m.ms, m.until_ms, m.closed_ms}) + kKeepClosedMs; }

fold::Mark NewMark(std::string entry, std::string author, std::uint64_t ms, std::uint64_t until_ms) {
  fold::Mark m;
  m.entry = std::move(entry);
  m.author = std::move(author);
  m.ms = ms;
  m.until_ms = until_ms;
  return m;
}

Effect NoEffect(std::string kind, std::string code, std::string reason) {
  Effect e;
  e.kind = std::move(kind);
  e.reason_code = std::move(code);
  e.reason = std::move(reason);
  return e;
}

std::string Str(const json& body, const char* field) {
  auto it = body.find(field);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<EntryId> IdFromHex(const std::string& hex) { return Hash32FromHex(hex); }

fold::Proposal NewProposal(std::string id, std::string kind, std::string author, std::string agreement,
                           int base_version, std::uint64_t ms) {
  fold::Proposal p;
  p.id = std::move(id);
  p.kind = std::move(kind);
  p.author = std::move(author);
  p.agreement = std::move(agreement);
  p.base_version = base_version;
  p.status = "open";
  p.ms = ms;
  return p;
}

}  // namespace

std::uint64_t CausalStamp(std::uint64_t hlc, std::uint64_t prev_stamp,
                          const std::vector<std::uint64_t>& parent_stamps) {
  std::uint64_t stamp = std::max(hlc, prev_stamp + 1);
  for (auto p : parent_stamps) stamp = std::max(stamp, p + 1);
  return stamp;
}

std::int64_t LocalDay(std::uint64_t hlc, const json& body) {
  std::uint64_t at = hlc;
  if (auto carried = body.find("carried"); carried != body.end() && carried->is_object()) {
    if (auto h = carried->find("hlc"); h != carried->end() && h->is_number_unsigned()) at = h->get<std::uint64_t>();
  }
  std::int64_t tz = 0;
  if (auto t = body.find("tz"); t != body.end() && t->is_number_integer()) tz = t->get<std::int64_t>();
  const auto ms = static_cast<std::int64_t>(HlcMillis(at)) + tz * 60'000;
  return base::DayOfMs(ms);
}

// 1970-01-01 (day 0) was a Thursday: (day + 3) mod 7 counts days since Monday.
std::int64_t WeekOf(std::int64_t day) { return day - (((day + 3) % 7) + 7) % 7; }

json Effect::ToJson() const {
  json j{{"kind", kind}, {"applied", applied}};
  if (!applied) {
    j["reason_code"] = reason_code;
    j["reason"] = reason;
  }
  if (withdraws) j["withdraws"] = ToHex(*withdraws);
  if (ref) j["ref"] = ToHex(*ref);
  return j;
}

Effect Effect::FromJson(const json& j) {
  Effect e;
  if (!j.is_object()) return e;
  auto boolean = j.find("applied");
  e.applied = boolean != j.end() && boolean->is_boolean() && boolean->get<bool>();
  e.kind = Str(j, "kind");
  e.reason_code = Str(j, "reason_code");
  e.reason = Str(j, "reason");
  if (j.contains("withdraws")) e.withdraws = IdFromHex(Str(j, "withdraws"));
  if (j.contains("ref")) e.ref = IdFromHex(Str(j, "ref"));
  return e;
}

std::string LedgerState::EndedReason() const {
  if (!left_) return "";
  auto name = members_.find(left_->author);
  return "the shared ledger has ended: " + (name != members_.end() ? name->second : std::string("a partner")) +
         " left it";
}

Effect LedgerState::Check(const FoldEntry& entry, const RefResolver& refs) const {
  return Evaluate(entry, refs, nullptr);
}

Effect LedgerState::Apply(const FoldEntry& entry, const RefResolver& refs) {
  Effect effect = Evaluate(entry, refs, this);
  ++entries_;
  // Talks addressed and plans done long ago leave the state (the timeline
  // still holds them), so that it does not grow with history.
  const std::uint64_t now = HlcMillis(entry.hlc);
  for (auto [marks, due] : {std::pair{&talks_, &expiries_.talks}, std::pair{&plans_, &expiries_.plans}}) {
    while (!due->empty() && due->begin()->first < now) {
      marks->erase(due->begin()->second);
      due->erase(due->begin());
    }
  }
  return effect;
}

void LedgerState::Closed(ExpiryQueue& due, const fold::Mark& mark, const std::string& id) {
  due.emplace(ExpiryOf(mark), id);
}

void LedgerState::QueueClosedMarks() {
  expiries_ = {};
  for (auto [marks, due] : {std::pair{&talks_, &expiries_.talks}, std::pair{&plans_, &expiries_.plans}}) {
    for (const auto& [id, m] : *marks) {
      if (!m.closed_by.empty()) Closed(*due, m, id);
    }
  }
}

Effect LedgerState::Evaluate(const FoldEntry& entry, const RefResolver& refs, LedgerState* s) const {
  if (entry.content == FoldEntry::Content::kWithdrawn) {
    return NoEffect("withdrawn", "withdrawn", "its author withdrew it: the words are gone");
  }
  if (entry.content == FoldEntry::Content::kUnreadable) {
    return NoEffect("unreadable", "unreadable", "this device cannot open it");
  }
  auto body = ReadBody(entry.body);
  if (!body.ok()) {
    if (body.error().code == ErrorCode::kUnknownMethod) {
      return NoEffect("unknown", "unknown_kind", "a kind this version does not know: " + body.error().message);
    }
    return NoEffect(Str(entry.body, "kind").empty() ? "unknown" : Str(entry.body, "kind"), "malformed",
                    body.error().message);
  }
  const json& b = body->json;
  const std::string kind(KindName(body->kind));
  const std::string id = ToHex(entry.id);
  const std::string author = ToHex(entry.author);
  const std::uint64_t ms = HlcMillis(entry.hlc);
  const fold::Event event{id, kind, author, ms};
  Effect ok;
  ok.kind = kind;
  ok.applied = true;
  auto refuse = [&](std::string code, std::string reason) { return NoEffect(kind, std::move(code), std::move(reason)); };
  auto day_point = [&]() -> fold::DayPoint& { return s->days_[author][LocalDay(entry.hlc, b)]; };
  auto week = [&]() -> fold::WeekCounts& { return s->weeks_[author][WeekOf(LocalDay(entry.hlc, b))]; };
  auto add_scales = [&](const char* mood_field, const char* trust_field) {
    if (b.contains(mood_field)) {
      day_point().mood_sum += b[mood_field].get<int>();
      day_point().mood_n += 1;
    }
    if (b.contains(trust_field)) {
      day_point().trust_sum += b[trust_field].get<int>();
      day_point().trust_n += 1;
    }
  };

  // The agreement an entry names, active for changes and check-ins; when it
  // is not, the refusal (naming it).
  auto active_agreement = [&](const std::string& ref) -> std::pair<const fold::Agreement*, Effect> {
    auto refused = [&](const char* code, const char* reason) {
      Effect e = refuse(code, reason);
      e.ref = IdFromHex(ref);
      return std::pair<const fold::Agreement*, Effect>{nullptr, e};
    };
    auto it = agreements_.find(ref);
    if (it == agreements_.end()) return refused("no_agreement", "there is no agreement with this id");
    const auto& a = it->second;
    if (a.state == "retired") return refused("retired", "the agreement is retired");
    if (a.state == "declined") return refused("declined", "the agreement was declined");
    if (a.state != "active") return refused("not_active", "the agreement is not active yet: it awaits an answer");
    return {&a, ok};
  };

  // After a leave the ledger takes nothing more, from either partner: it is
  // history that each keeps (docs/LEDGER.md, "Leaving").
  if (left_) return refuse("ledger_ended", EndedReason());

  switch (body->kind) {
    case Kind::kMember:
      if (entry.seq != 1) return refuse("not_first", "an author is introduced by the first entry of their chain");
      if (s) s->members_[author] = Str(b, "name");
      return ok;

    case Kind::kCheckIn:
      if (s) {
        add_scales("mood", "trust");
        week().checkins += 1;
      }
      return ok;

    case Kind::kPropose:
      if (s) {
        fold::Agreement a;
        a.id = id;
        a.proposer = author;
        a.proposed_ms = ms;
        a.state = "proposed";
        a.text_entry = id;
        a.title_entry = id;
        a.category = Str(b, "category");
        a.review = Str(b, "review");
        a.history.push_back(event);
        s->agreements_[id] = std::move(a);
        s->proposals_[id] = NewProposal(id, kind, author, id, 0, ms);
      }
      return ok;

    case Kind::kAmend:
    case Kind::kRetire: {
      const std::string ref = Str(b, "agreement");
      ok.ref = IdFromHex(ref);
      auto [a, why] = active_agreement(ref);
      if (!a) return why;
      if (s) {
        fold::Proposal p = NewProposal(id, kind, author, ref, a->version, ms);
        p.has_title = b.contains("title");
        p.category = Str(b, "category");
        p.review = Str(b, "review");
        s->proposals_[id] = std::move(p);
        s->agreements_[ref].history.push_back(event);
      }
      return ok;
    }

    case Kind::kPhase:
      if (s) {
        fold::Proposal p = NewProposal(id, kind, author, "", 0, ms);
        p.phase = Str(b, "phase");
        p.breach_day = b.contains("breach_named") ? DayFromDate(Str(b, "breach_named")).value_or(-1) : -1;
        s->proposals_[id] = std::move(p);
        s->phase_.history.push_back(event);
      }
      return ok;

    case Kind::kAccept:
    case Kind::kDecline: {
      const std::string ref = Str(b, "ref");
      ok.ref = IdFromHex(ref);
      auto p_it = proposals_.find(ref);
      auto with_ref = [&](Effect e) {
        e.ref = ok.ref;
        return e;
      };
      if (p_it == proposals_.end()) {
        return with_ref(refuse("no_proposal", "there is no proposal with this id"));
      }
      const fold::Proposal& p = p_it->second;
      if (p.author == author) {
        return with_ref(refuse("own_proposal", body->kind == Kind::kAccept
                                                   ? "a proposal is accepted by the partner who did not make it"
                                                   : "a proposal is declined by the partner who did not make it"));
      }
      if (p.status == "accepted" || p.status == "declined") {
        return with_ref(refuse("answered", "this proposal was already " + p.status));
      }
      const fold::Agreement* a = nullptr;
      if (!p.agreement.empty()) {
        auto found = agreements_.find(p.agreement);
        if (found == agreements_.end()) return with_ref(refuse("no_agreement", "there is no agreement with this id"));
        a = &found->second;
        if (p.kind != "propose" && a->state == "retired") {
          return with_ref(refuse("retired", "the agreement is retired"));
        }
      }
      if (p.status == "superseded" || (a && p.kind != "propose" && a->version != p.base_version)) {
        return with_ref(refuse("superseded", "it was overtaken: another change was accepted after it was proposed"));
      }
      if (!s) return ok;
      fold::Proposal& mp = s->proposals_[ref];
      mp.answered_by = id;
      if (body->kind == Kind::kDecline) {
        mp.status = "declined";
        if (a) {
          auto& ma = s->agreements_[p.agreement];
          if (p.kind == "propose") ma.state = "declined";
          ma.history.push_back(event);
        } else {
          s->phase_.history.push_back(event);
        }
        return ok;
      }
      mp.status = "accepted";
      if (p.kind == "phase") {
        s->phase_.current = p.phase;
        s->phase_.entry = ref;
        s->phase_.since_ms = ms;
        if (p.breach_day >= 0) {
          s->phase_.breach_day = p.breach_day;
        } else if (s->phase_.breach_day < 0) {
          s->phase_.breach_day = LocalDay(entry.hlc, b);
        }
        s->phase_.history.push_back(event);
        // Other open phase proposals answered by this one.
        for (auto& [pid, other] : s->proposals_) {
          if (other.kind == "phase" && other.status == "open" && pid != ref) other.status = "superseded";
        }
        return ok;
      }
      auto& ma = s->agreements_[p.agreement];
      ma.history.push_back(event);
      ma.signed_by = {p.author, author};
      ma.since_ms = ms;
      if (p.kind == "propose") {
        ma.state = "active";
        ma.version = 1;
      } else if (p.kind == "retire") {
        ma.state = "retired";
        ma.version += 1;
      } else {  // amend
        ma.version += 1;
        ma.text_entry = ref;
        if (p.has_title) ma.title_entry = ref;
        if (!p.category.empty()) ma.category = p.category;
        if (!p.review.empty()) ma.review = p.review;
      }
      for (auto& [pid, other] : s->proposals_) {
        if (other.agreement == p.agreement && other.status == "open" && other.base_version < ma.version &&
            pid != ref) {
          other.status = "superseded";
        }
      }
      return ok;
    }

    case Kind::kStatus:
      if (s) {
        std::uint64_t until = b.contains("until") ? b["until"].get<std::uint64_t>() : 0;
        s->statuses_[author] = NewMark(id, author, ms, until);
      }
      return ok;

    case Kind::kFeelings:
      if (s) {
        add_scales("mood", "trust");
        week().checkins += 1;
      }
      return ok;

    case Kind::kAgreementCheckIn: {
      const std::string ref = Str(b, "agreement");
      ok.ref = IdFromHex(ref);
      auto [a, why] = active_agreement(ref);
      if (!a) return why;
      if (s) {
        const std::string outcome = Str(b, "outcome");
        const int slot = outcome == "kept" ? 0 : outcome == "struggled" ? 1 : 2;
        s->agreements_[ref].outcomes[author][slot] += 1;
        week().checkins += 1;
      }
      return ok;
    }

    case Kind::kAppreciation:
      if (s) week().appreciations += 1;
      return ok;

    case Kind::kTrigger:
      if (s) week().triggers += 1;
      return ok;

    case Kind::kTalkRequest:
      if (s) s->talks_[id] = NewMark(id, author, ms, 0);
      return ok;

    case Kind::kTalkAnswer: {
      const std::string talk = Str(b, "talk");
      ok.ref = IdFromHex(talk);
      auto with_ref = [&](Effect e) {
        e.ref = ok.ref;
        return e;
      };
      auto t = talks_.find(talk);
      if (t == talks_.end()) return with_ref(refuse("no_talk", "there is no talk request with this id"));
      if (t->second.author == author) {
        return with_ref(refuse("own_talk", "a talk request is answered by the partner who was asked"));
      }
      if (!t->second.closed_by.empty()) {
        return with_ref(refuse("talk_addressed", "this talk request was already addressed in a meeting or repair"));
      }
      if (s) {
        // The latest answer stands: "not yet" may become "tonight".
        fold::Mark& m = s->talks_[talk];
        m.answer = Str(b, "answer");
        m.answer_entry = id;
        m.answer_ms = ms;
      }
      return ok;
    }

    case Kind::kMeeting:
    case Kind::kRepair:
      if (s) {
        if (body->kind == Kind::kMeeting) {
          week().meetings += 1;
        } else {
          week().repairs += 1;
        }
        if (b.contains("talks")) {
          for (const auto& t : b["talks"]) {
            auto talk = s->talks_.find(t.get<std::string>());
            if (talk != s->talks_.end() && talk->second.closed_by.empty()) {
              talk->second.closed_by = id;
              talk->second.closed_ms = ms;
              Closed(s->expiries_.talks, talk->second, talk->first);
            }
          }
        }
      }
      return ok;

    case Kind::kPause:
      if (s) {
        s->pauses_[author] =
            NewMark(id, author, ms, ms + b["minutes"].get<std::uint64_t>() * 60'000);
      }
      return ok;

    case Kind::kTimePlan:
      if (s) s->plans_[id] = NewMark(id, author, ms, b["when"].get<std::uint64_t>());
      return ok;

    case Kind::kTimeDone: {
      const std::string plan = Str(b, "plan");
      if (!plan.empty()) {
        ok.ref = IdFromHex(plan);
        auto it = plans_.find(plan);
        if (it == plans_.end()) {
          Effect e = refuse("no_plan", "plan must name a planned time together");
          e.ref = ok.ref;
          return e;
        }
      }
      if (s) {
        week().time_together += 1;
        if (!plan.empty() && s->plans_[plan].closed_by.empty()) {
          s->plans_[plan].closed_by = id;
          s->plans_[plan].closed_ms = ms;
          Closed(s->expiries_.plans, s->plans_[plan], plan);
        }
      }
      return ok;
    }

    case Kind::kSeen: {
      const std::string ref = Str(b, "upto");
      ok.ref = IdFromHex(ref);
      if (!refs(*ok.ref)) {
        Effect e = refuse("unknown_entry", "there is no earlier entry with this id");
        e.ref = ok.ref;
        return e;
      }
      if (s) s->seen_[author] = NewMark(ref, author, ms, 0);
      return ok;
    }

    case Kind::kCorrect:
    case Kind::kWithdraw: {
      const std::string ref = Str(b, "ref");
      ok.ref = IdFromHex(ref);
      auto fail = [&](std::string code, std::string reason) {
        Effect e = refuse(std::move(code), std::move(reason));
        e.ref = ok.ref;
        return e;
      };
      auto target = refs(*ok.ref);
      if (!target) return fail("unknown_entry", "there is no earlier entry with this id");
      if (target->author != entry.author) {
        return fail("not_yours", body->kind == Kind::kCorrect ? "only the author of an entry can correct it"
                                                              : "only the author of an entry can withdraw it");
      }
      if (withdrawn_.count(ref)) return fail("withdrawn", "that entry was already withdrawn");
      if (body->kind == Kind::kCorrect) {
        if (s) s->corrections_[ref].push_back(id);
        return ok;
      }
      if (target->seq == 1) return fail("introduction", "the entry that introduces you cannot be withdrawn");
      if (s) s->withdrawn_.insert(ref);
      ok.withdraws = ok.ref;
      return ok;
    }

    case Kind::kLeave:
      if (s) s->left_ = fold::Departure{author, id, entry.seq, ms};
      return ok;
  }
  return NoEffect(kind, "unknown_kind", "a kind this version does not know");
}

}  // namespace kintsugi::protocol
