// LedgerState: its views and its serialised form (see fold.h).
#include <algorithm>

#include "protocol/fold.h"
#include "protocol/hlc.h"

namespace kintsugi::protocol {
namespace fold {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Event, entry, kind, author, ms)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Agreement, id, proposer, proposed_ms, state, version, text_entry,
                                   title_entry, category, review, signed_by, since_ms, outcomes, history)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Proposal, id, kind, author, agreement, base_version, status,
                                   answered_by, ms, phase, breach_day, has_title, category, review)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(DayPoint, mood_sum, mood_n, trust_sum, trust_n)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(WeekCounts, triggers, appreciations, meetings, repairs, checkins,
                                   time_together)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Mark, entry, author, ms, until_ms, closed_by, closed_ms, answer, answer_entry,
                                   answer_ms)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Phase, current, entry, since_ms, breach_day, history)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Departure, author, entry, seq, ms)

}  // namespace fold

namespace {

using nlohmann::json;

// 2: talk requests carry their answer. A state saved in another format is
// not read: the daemon rebuilds its views from the entries (Engine::RebuildViews).
constexpr int kStateFormat = 2;
constexpr std::int64_t kMsPerDay = 86'400'000;

std::string Time(std::uint64_t ms) { return FormatUtcMillis(ms); }

// Puts the text fields of an entry's words into the typed view's strings;
// true when they were withdrawn (the entry no longer opens).
bool WordsInto(const BodyOpener& open, const std::string& entry,
               std::initializer_list<std::pair<const char*, std::string*>> fields) {
  const auto body = open(entry);
  if (!body) return true;
  for (const auto& [field, into] : fields) {
    if (auto it = body->find(field); it != body->end() && it->is_string()) *into = it->get<std::string>();
  }
  return false;
}

double Average(int sum, int n) { return n == 0 ? 0.0 : static_cast<double>(sum) / n; }
double Round1(double v) { return static_cast<double>(static_cast<long long>(v * 10 + 0.5)) / 10; }

}  // namespace

json LedgerState::ToJson() const {
  json days = json::object();
  for (const auto& [author, by_day] : days_) {
    json list = json::array();
    for (const auto& [day, point] : by_day) list.push_back(json{{"day", day}, {"p", point}});
    days[author] = list;
  }
  json weeks = json::object();
  for (const auto& [author, by_week] : weeks_) {
    json list = json::array();
    for (const auto& [week, counts] : by_week) list.push_back(json{{"week", week}, {"c", counts}});
    weeks[author] = list;
  }
  json j{{"format", kStateFormat}, {"entries", entries_},   {"members", members_},
         {"agreements", agreements_}, {"proposals", proposals_}, {"days", days},
         {"weeks", weeks},            {"talks", talks_},       {"plans", plans_},
         {"pauses", pauses_},         {"statuses", statuses_}, {"seen", seen_},
         {"corrections", corrections_}, {"withdrawn", withdrawn_}, {"phase", phase_}};
  if (left_) j["left"] = *left_;  // absent until a leave: states saved before one stay valid
  return j;
}

Result<LedgerState> LedgerState::FromJson(const json& j) {
  try {
    if (!j.is_object() || j.value("format", 0) != kStateFormat) {
      return MakeError(ErrorCode::kCorrupt, "the saved view has an unknown format");
    }
    LedgerState s;
    s.entries_ = j.at("entries").get<std::uint64_t>();
    j.at("members").get_to(s.members_);
    j.at("agreements").get_to(s.agreements_);
    j.at("proposals").get_to(s.proposals_);
    for (const auto& [author, list] : j.at("days").items()) {
      for (const auto& item : list) s.days_[author][item.at("day").get<std::int64_t>()] = item.at("p");
    }
    for (const auto& [author, list] : j.at("weeks").items()) {
      for (const auto& item : list) s.weeks_[author][item.at("week").get<std::int64_t>()] = item.at("c");
    }
    j.at("talks").get_to(s.talks_);
    j.at("plans").get_to(s.plans_);
    j.at("pauses").get_to(s.pauses_);
    j.at("statuses").get_to(s.statuses_);
    j.at("seen").get_to(s.seen_);
    j.at("corrections").get_to(s.corrections_);
    j.at("withdrawn").get_to(s.withdrawn_);
    j.at("phase").get_to(s.phase_);
    if (auto left = j.find("left"); left != j.end()) s.left_ = left->get<fold::Departure>();
    s.QueueClosedMarks();
    // Every reference inside the state must hold, or views and rules would
    // trip over it later.
    for (const auto& [id, p] : s.proposals_) {
      if (!p.agreement.empty() && !s.agreements_.count(p.agreement)) {
        return MakeError(ErrorCode::kCorrupt, "the saved view names an agreement it does not hold");
      }
    }
    return s;
  } catch (const json::exception& e) {
    return MakeError(ErrorCode::kCorrupt, std::string("the saved view does not parse: ") + e.what());
  }
}

AgreementsReply LedgerState::AgreementsView(const BodyOpener& open) const {
  AgreementsReply reply;
  for (const auto& [id, a] : agreements_) {
    AgreementView& item = reply.agreements.emplace_back();
    item.id = id;
    item.state = a.state;
    item.category = a.category;
    item.withdrawn = WordsInto(open, a.title_entry, {{"title", &item.title}});
    item.withdrawn = WordsInto(open, a.text_entry, {{"text", &item.text}}) || item.withdrawn;
    item.proposer = a.proposer;
    item.proposed = Time(a.proposed_ms);
    item.version = a.version;
    item.signed_by = a.signed_by;
    if (a.since_ms) item.since = Time(a.since_ms);
    item.review = a.review;
    for (const auto& [author, counts] : a.outcomes) item.outcomes[author] = {counts[0], counts[1], counts[2]};
    for (const auto& e : a.history) {
      AgreementEvent& event = item.history.emplace_back();
      event.entry = e.entry;
      event.kind = e.kind;
      event.author = e.author;
      event.time = Time(e.ms);
      auto p = proposals_.find(e.entry);
      if (p == proposals_.end()) continue;
      event.status = p->second.status;
      event.answered_by = p->second.answered_by;
      if (p->second.status != "open" || e.kind == "propose") continue;
      AgreementChange& change = item.open_changes.emplace_back();
      change.id = e.entry;
      change.kind = e.kind;
      change.author = e.author;
      change.time = event.time;
      change.withdrawn = WordsInto(open, e.entry,
                                   {{"text", &change.text},
                                    {"title", &change.title},
                                    {"reason", &change.reason},
                                    {"category", &change.category},
                                    {"review", &change.review}});
    }
  }
  return reply;
}

PendingReply LedgerState::PendingView(const std::string& me, std::int64_t today, const BodyOpener& open) const {
  auto title_of = [&](const fold::Agreement& a) {
    std::string title;
    WordsInto(open, a.title_entry, {{"title", &title}});
    return title;
  };
  PendingReply reply;
  for (const auto& [id, p] : proposals_) {
    if (p.status != "open" || p.author == me) continue;
    PendingProposal& item = reply.proposals.emplace_back();
    item.id = id;
    item.kind = p.kind;
    item.author = p.author;
    item.time_ms = p.ms;
    item.withdrawn = WordsInto(open, id,
                               {{"title", &item.title},
                                {"text", &item.text},
                                {"reason", &item.reason},
                                {"phase", &item.phase},
                                {"breach_named", &item.breach_named},
                                {"note", &item.note}});
    if (!p.agreement.empty()) {
      item.agreement = p.agreement;
      if (auto a = agreements_.find(p.agreement); a != agreements_.end()) item.agreement_title = title_of(a->second);
    }
  }
  for (const auto& [id, t] : talks_) {
    if (t.author == me || !t.closed_by.empty() || !t.answer.empty()) continue;
    TogetherItem& item = reply.talks.emplace_back();
    item.id = id;
    item.author = t.author;
    item.time_ms = t.ms;
    item.withdrawn = WordsInto(open, id, {{"topic", &item.words}});
  }
  for (const auto& [id, a] : agreements_) {
    if (a.state != "active" || a.review.empty()) continue;
    auto day = DayFromDate(a.review);
    if (day && *day <= today) reply.reviews_due.push_back({id, a.review, title_of(a)});
  }
  return reply;
}

TrendsReply LedgerState::TrendsView(std::int64_t from_day, std::int64_t to_day, std::int64_t today) const {
  TrendsReply reply;
  reply.from = DateFromDay(from_day);
  reply.to = DateFromDay(to_day);
  for (const auto& [author, name] : members_) {
    TrendMember& member = reply.members[author];
    member.name = name;
    if (auto found = days_.find(author); found != days_.end()) {
      const auto& by_day = found->second;
      for (auto it = by_day.lower_bound(from_day); it != by_day.end() && it->first <= to_day; ++it) {
        // The 7-day average: every point from six days before to this day.
        int ms = 0, mn = 0, ts = 0, tn = 0;
        for (auto w = by_day.lower_bound(it->first - 6); w != by_day.end() && w->first <= it->first; ++w) {
          ms += w->second.mood_sum;
          mn += w->second.mood_n;
          ts += w->second.trust_sum;
          tn += w->second.trust_n;
        }
        TrendDay& point = member.days.emplace_back();
        point.date = DateFromDay(it->first);
        if (it->second.mood_n) {
          point.mood = Round1(Average(it->second.mood_sum, it->second.mood_n));
          point.mood_avg7 = Round1(Average(ms, mn));
        }
        if (it->second.trust_n) {
          point.trust = Round1(Average(it->second.trust_sum, it->second.trust_n));
          point.trust_avg7 = Round1(Average(ts, tn));
        }
      }
    }
    if (auto w = weeks_.find(author); w != weeks_.end()) {
      for (auto it = w->second.lower_bound(WeekOf(from_day)); it != w->second.end() && it->first <= to_day; ++it) {
        const auto& c = it->second;
        member.weeks.push_back(
            {DateFromDay(it->first), c.triggers, c.appreciations, c.meetings, c.repairs, c.checkins, c.time_together});
      }
    }
  }
  for (const auto& [id, a] : agreements_) {
    if (a.outcomes.empty()) continue;
    AgreementKept& kept = reply.agreements.emplace_back();
    kept.agreement = id;
    kept.state = a.state;
    for (const auto& [author, c] : a.outcomes) {
      kept.kept += c[0];
      kept.struggled += c[1];
      kept.missed += c[2];
    }
  }
  reply.phase.current = phase_.current;
  if (phase_.since_ms) reply.phase.since = Time(phase_.since_ms);
  if (phase_.breach_day >= 0) {
    reply.phase.breach_named = DateFromDay(phase_.breach_day);
    reply.phase.days_since_breach = today - phase_.breach_day;
  }
  return reply;
}

TogetherReply LedgerState::TogetherView(std::uint64_t now_ms, const BodyOpener& open) const {
  auto item = [&](const fold::Mark& m, const char* field) {
    TogetherItem one{m.entry, m.author, m.ms, m.until_ms, m.closed_by, "", false, std::nullopt};
    one.withdrawn = WordsInto(open, m.entry, {{field, &one.words}});
    if (!m.answer.empty()) {
      TalkAnswer answer{m.answer_entry, m.answer, m.answer_ms, "", false};
      answer.withdrawn = WordsInto(open, m.answer_entry, {{"note", &answer.note}});
      one.answer = std::move(answer);
    }
    return one;
  };
  TogetherReply reply;
  for (const auto& [key, m] : talks_) reply.talks.push_back(item(m, "topic"));
  for (const auto& [key, m] : plans_) reply.plans.push_back(item(m, "what"));
  for (const auto& [author, m] : statuses_) reply.statuses.push_back(item(m, "text"));
  for (const auto& [author, m] : pauses_) {
    if (m.until_ms > now_ms) reply.pauses.push_back(item(m, "note"));
  }
  return reply;
}

}  // namespace kintsugi::protocol
