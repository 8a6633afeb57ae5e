#include "client/ctl_views.h"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <map>
#include <optional>
#include <tuple>
#include <utility>

#include "base/local_time.h"
#include "client/ctl_input.h"
#include "client/ctl_sharing.h"
#include "client/terminal_text.h"
#include "protocol/ipc_messages.h"
#include "protocol/kinds.h"

namespace kintsugi::ctl {

using client::Client;
using nlohmann::json;
using protocol::FieldSpec;
using protocol::FieldType;

namespace {

constexpr std::size_t kLineBytes = 100;  // text shown on one line of a list

std::string Scale(const json& body, const char* field, const char* label) {
  auto it = body.find(field);
  if (it == body.end() || !it->is_number_integer()) return "";
  return std::string(label) + " " + std::to_string(it->get<int>()) + "/10  ";
}

// One line of at most `max` bytes: line breaks become spaces, and a cut never
// splits a UTF-8 character.
std::string Line(std::string text, std::size_t max = kLineBytes) {
  for (char& ch : text) {
    if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
  }
  if (text.size() <= max) return text;
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}


// Who is who, for human output: names by author key, and which key is mine.
struct People {
  std::string me;
  std::map<std::string, std::string> names;

  static People Load(Client& client) {
    People people;
    if (auto status = client.Call("status"); status.ok()) {
      people.me = protocol::ReadMessage<protocol::DaemonStatus>(*status).value_or(protocol::DaemonStatus{}).author;
    }
    if (auto trends = client.Call("view.trends"); trends.ok()) {
      const auto read = protocol::ReadMessage<protocol::TrendsReply>(*trends);
      for (const auto& [key, member] : read.value_or(protocol::TrendsReply{}).members) people.names[key] = member.name;
    }
    return people;
  }
  std::string Name(const std::string& key) const {
    auto it = names.find(key);
    return it != names.end() && !it->second.empty() ? it->second : Fingerprint(key);
  }
  // The other partner than `key`.
  std::string Other(const std::string& key) const {
    for (const auto& [k, name] : names) {
      if (k != key) return k;
    }
    return key == me ? "" : me;
  }
  // Whose answer a proposal by `author` awaits.
  std::string AwaitedAnswer(const std::string& author) const {
    return author == me ? "awaiting your partner's answer" : "awaiting your answer";
  }
};

// The words a timeline line shows, from the kind's schema: choices and
// numbers, then its main text (the required text field, else the first
// given), else the entry it refers to.
std::string Summary(const json& body) {
  auto kind = protocol::KindFromName(Str(body, "kind"));
  if (!kind) return "";
  std::string out;
  const FieldSpec* text = nullptr;
  const FieldSpec* ref = nullptr;
  for (const auto& f : protocol::SpecOf(*kind).fields) {
    auto it = body.find(std::string(f.name));
    if (it == body.end()) continue;
    if (f.type == FieldType::kScale || f.type == FieldType::kMinutes) {
      out += std::string(f.name) + " " + it->dump() + "  ";
    } else if (f.type == FieldType::kChoice) {
      out += (it->is_string() ? it->get<std::string>() : it->dump()) + "  ";
    } else if (f.type == FieldType::kText && (text == nullptr || (f.required && !text->required))) {
      text = &f;
    } else if (f.type == FieldType::kRef && ref == nullptr) {
      ref = &f;
    }
  }
  if (text != nullptr) return out + Line(Str(body, std::string(text->name).c_str()));
  if (ref != nullptr) return out + "-> " + Short(Str(body, std::string(ref->name).c_str()));
  return out;
}

std::string Outcomes(const std::map<std::string, protocol::AgreementOutcomes>& outcomes) {
  std::int64_t kept = 0, struggled = 0, missed = 0;
  for (const auto& [author, c] : outcomes) {
    kept += c.kept;
    struggled += c.struggled;
    missed += c.missed;
  }
  if (kept + struggled + missed == 0) return "";
  return "kept " + std::to_string(kept) + ", struggled " + std::to_string(struggled) + ", missed " +
         std::to_string(missed);
}

// The words of a proposed change: its text, title, category, review or reason.
std::string ChangeWords(const protocol::AgreementChange& change) {
  if (change.withdrawn) return "(words withdrawn)";
  std::string out;
  for (const auto& [field, words] : {std::pair{"title", &change.title},
                                     {"text", &change.text},
                                     {"category", &change.category},
                                     {"review", &change.review},
                                     {"reason", &change.reason}}) {
    if (!words->empty()) out += (out.empty() ? "" : "; ") + std::string(field) + ": " + *words;
  }
  return Line(out);
}

void PrintAgreement(const protocol::AgreementView& a, const People& people) {
  std::cout << "  " << Short(a.id) << "  " << Line(a.title, 60) << "  (" << a.category;
  if (a.version > 0) std::cout << ", version " << a.version;
  std::cout << (a.state == "active" && a.signed_by.size() == 2 ? ", signed by both" : "") << ")\n";
  std::cout << "      " << (a.withdrawn ? "(words withdrawn)" : Line(a.text)) << "\n";
  if (a.state == "proposed") {
    std::cout << "      proposed by " << people.Name(a.proposer) << ", " << people.AwaitedAnswer(a.proposer) << "\n";
  }
  if (std::string counts = Outcomes(a.outcomes); !counts.empty()) std::cout << "      " << counts << "\n";
  if (!a.review.empty()) std::cout << "      review on " << a.review << "\n";
  for (const protocol::AgreementChange& change : a.open_changes) {
    std::cout << "      " << Short(change.id) << "  " << change.kind << " by " << people.Name(change.author) << ", "
              << people.AwaitedAnswer(change.author) << ": " << ChangeWords(change) << "\n";
  }
}

std::string ProposalLine(const protocol::PendingProposal& p, const People& people) {
  const std::string& kind = p.kind;
  const std::string who = people.Name(p.author);
  const std::string about = "\"" + Line(p.agreement_title, 60) + "\"";
  if (p.withdrawn) return who + " proposed a " + kind + " (words withdrawn)";
  if (kind == "propose") return who + " proposes an agreement: \"" + Line(p.title, 60) + "\": " + Line(p.text);
  if (kind == "amend") return who + " proposes to amend " + about + ": " + Line(p.text);
  if (kind == "retire") return who + " proposes to retire " + about + (p.reason.empty() ? "" : ": " + Line(p.reason));
  std::string line = who + " proposes the phase " + p.phase;
  if (!p.breach_named.empty()) line += " (breach named " + p.breach_named + ")";
  return line + (p.note.empty() ? "" : ": " + Line(p.note));
}

std::string Marks(const protocol::TimelineEntry& e) {
  std::string marks;
  if (e.withdrawn) marks += "  (withdrawn)";
  if (!e.applied && !e.withdrawn) marks += "  (no effect: " + e.reason + ")";
  if (!e.corrections.empty()) marks += "  (corrected)";
  return marks;
}

void PrintTimelineEntry(const protocol::TimelineEntry& e) {
  const std::string name = e.name.empty() ? Fingerprint(e.author) : e.name;
  // Names in any script line up: padded by the columns they take, not bytes.
  std::cout << LocalTime(e.time) << "  " << Short(e.id) << "  " << client::PadRight(Line(name, 10), 10) << " "
            << std::left << std::setw(13) << e.kind << std::right << " ";
  if (!e.verified) {
    std::cout << "UNVERIFIED (" << (e.fault.empty() ? "unknown" : e.fault) << ")\n";
    return;
  }
  std::cout << (e.body.is_null() ? "" : Summary(e.body)) << Marks(e) << "\n";
}

std::string Decimal(double v) {
  char out[16];
  std::snprintf(out, sizeof out, "%g", v);
  return out;
}

std::string DayLine(const protocol::TrendDay& day) {
  using Scale = std::optional<double> protocol::TrendDay::*;
  static constexpr std::tuple<const char*, Scale, Scale> kScales[] = {
      {"mood", &protocol::TrendDay::mood, &protocol::TrendDay::mood_avg7},
      {"trust", &protocol::TrendDay::trust, &protocol::TrendDay::trust_avg7}};
  std::string line = day.date;
  for (const auto& [name, scale, avg7] : kScales) {
    if (!(day.*scale)) continue;
    line += std::string("  ") + name + " " + Decimal(*(day.*scale)) + " (7-day " + Decimal((day.*avg7).value_or(0.0)) +
            ")";
  }
  return line;
}

std::string WeekLine(const protocol::TrendWeek& w) {
  static constexpr std::pair<std::int64_t protocol::TrendWeek::*, const char*> kCounts[] = {
      {&protocol::TrendWeek::checkins, "check-ins"}, {&protocol::TrendWeek::appreciations, "appreciations"},
      {&protocol::TrendWeek::triggers, "triggers"},  {&protocol::TrendWeek::meetings, "meetings"},
      {&protocol::TrendWeek::repairs, "repairs"},    {&protocol::TrendWeek::time_together, "time together"}};
  std::string line = "week of " + w.week + ":";
  for (const auto& [count, label] : kCounts) line += std::string(" ") + label + " " + std::to_string(w.*count) + ",";
  line.pop_back();
  return line;
}

std::string PhaseLine(const protocol::PhaseNow& phase) {
  if (phase.current.empty()) return "Phase: not agreed yet";
  std::string line = "Phase: " + phase.current + " since " + LocalTime(phase.since);
  if (!phase.breach_named.empty()) {
    line += "; the breach was named " + phase.breach_named + ", " +
            std::to_string(phase.days_since_breach.value_or(0)) + " days ago";
  }
  return line;
}

// One section of view.together: a heading, then one line per item with its
// words, its time (`until`: "until", "on") and whether it was closed
// (`closed`: "done", "talked about").
void PrintMarks(const char* heading, const std::vector<protocol::TogetherItem>& items, const People& people,
                const char* until, const char* closed) {
  if (items.empty()) return;
  std::cout << heading << "\n";
  for (const protocol::TogetherItem& m : items) {
    std::cout << "  " << Short(m.id) << "  " << LocalTime(m.time_ms) << "  " << people.Name(m.author) << ": "
              << (m.withdrawn ? "(words withdrawn)" : Line(m.words));
    if (m.until_ms != 0) std::cout << "  (" << until << " " << LocalTime(m.until_ms) << ")";
    if (!m.open()) std::cout << "  (" << closed << ")";
    if (m.answer) {
      std::cout << "\n      " << people.Name(people.Other(m.author))
                << " answered: " << protocol::TalkAnswerWords(m.answer->answer);
      if (!m.answer->note.empty()) std::cout << " (" << Line(m.answer->note) << ")";
    }
    std::cout << "\n";
  }
}

}  // namespace

std::string LocalTime(const std::string& iso) { return base::FormatLocalIso(iso, "%Y-%m-%d %H:%M"); }
std::string LocalTime(std::uint64_t unix_ms) { return base::FormatLocal(unix_ms, "%Y-%m-%d %H:%M"); }

void PrintJson(const json& j) {
  std::cout << j.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
}

std::string Fingerprint(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i < 16 && i < hex.size(); ++i) {
    if (i > 0 && i % 4 == 0) out += ' ';
    out += hex[i];
  }
  return out;
}

void PrintStatus(const protocol::DaemonStatus& s) {
  std::cout << "kintsugid " << (s.version.empty() ? "?" : s.version) << " (pid " << s.pid << ")\n"
            << "data dir  " << s.data_dir << "\n";
  if (!s.initialized) {
    std::cout << "no ledger yet: run 'kintsugictl init --name NAME'\n";
    return;
  }
  if (s.locked) {
    std::cout << "locked    your partner's entries are still received; 'kintsugictl unlock' to read and write\n";
  } else {
    std::cout << "name      " << s.name << "\n";
  }
  if (s.paired) {
    std::cout << "paired    with " << (s.partner_name.empty() ? "your partner" : s.partner_name) << "\n";
  } else {
    std::cout << "paired    not yet: 'kintsugictl pair invite' on one device, 'pair join CODE' on the other\n";
  }
  std::cout << "identity  " << Fingerprint(s.author) << "\n"
            << "ledger    " << Fingerprint(s.ledger) << "\n"
            << "members   " << s.members << "\n"
            << "entries   " << s.entries << "\n";
  if (s.sharing) {
    if (std::string sharing = SharingCommands::Describe(*s.sharing); !sharing.empty()) {
      std::cout << "sharing   " << sharing << "\n";
    }
  }
}

void PrintLogEntry(const protocol::LogEntry& e) {
  std::string time = e.time;
  if (time.size() >= 16) time = time.substr(0, 10) + " " + time.substr(11, 5);
  std::cout << time << "  #" << e.seq << "  ";
  if (!e.verified) {
    std::cout << "UNVERIFIED (" << (e.fault.empty() ? "unknown" : e.fault) << ")\n";
    return;
  }
  if (e.withdrawn || !e.body.is_object()) {
    std::cout << "(withdrawn)\n";
    return;
  }
  const json& body = e.body;
  std::string kind = body.value("kind", "?");
  if (kind == "checkin") {
    std::cout << "check-in  " << Scale(body, "mood", "mood") << Scale(body, "trust", "trust")
              << body.value("note", "") << "\n";
  } else if (kind == "member") {
    std::cout << "joined    " << body.value("name", "") << "\n";
  } else {
    std::cout << kind << "\n";
  }
}

void PrintAppended(Client&, const json& r) {
  const auto appended = r.get<protocol::AppendedReply>();
  std::cout << (appended.kind.empty() ? "entry" : appended.kind) << " #" << appended.seq << " saved and signed (id "
            << Short(appended.id) << ")\n";
}

void PrintAgreements(Client& client, const json& r) {
  const auto view = r.get<protocol::AgreementsReply>();
  if (view.agreements.empty()) {
    std::cout << "No agreements yet. Propose one with: kintsugictl agree propose\n";
    return;
  }
  const People people = People::Load(client);
  for (const char* state : {"active", "proposed", "declined", "retired"}) {
    bool heading = false;
    for (const protocol::AgreementView& a : view.agreements) {
      if (a.state != state) continue;
      if (!heading) std::cout << (std::string(1, std::toupper(state[0])) + (state + 1)) << "\n";
      heading = true;
      PrintAgreement(a, people);
    }
  }
}

void PrintPending(Client& client, const json& r) {
  const auto view = r.get<protocol::PendingReply>();
  if (view.proposals.empty() && view.talks.empty() && view.reviews_due.empty()) {
    std::cout << "Nothing awaits your answer.\n";
    return;
  }
  const People people = People::Load(client);
  if (!view.proposals.empty()) {
    std::cout << "Awaiting your answer (kintsugictl agree accept ID, or agree decline ID)\n";
    for (const protocol::PendingProposal& p : view.proposals) {
      std::cout << "  " << Short(p.id) << "  " << ProposalLine(p, people) << "\n";
    }
  }
  if (!view.talks.empty()) {
    std::cout << "Talks your partner asked for\n";
    for (const protocol::TogetherItem& t : view.talks) {
      std::cout << "  " << Short(t.id) << "  " << LocalTime(t.time_ms) << "  "
                << (t.withdrawn ? "(words withdrawn)" : Line(t.words)) << "\n";
    }
  }
  if (!view.reviews_due.empty()) {
    std::cout << "Agreements due for a review\n";
    for (const protocol::ReviewDue& a : view.reviews_due) {
      std::cout << "  " << Short(a.id) << "  " << Line(a.title, 60) << " (review on " << a.review << ")\n";
    }
  }
}

void PrintTimeline(Client&, const json& r) {
  const auto page = r.get<protocol::TimelineReply>();
  if (page.entries.empty()) std::cout << "No entries.\n";
  for (auto it = page.entries.rbegin(); it != page.entries.rend(); ++it) PrintTimelineEntry(*it);
  if (page.next_before) {
    std::cout << "(older entries: kintsugictl timeline --before " << *page.next_before << ")\n";
  }
}

void PrintTrends(Client& client, const json& r) {
  constexpr std::size_t kRecentDays = 7, kRecentWeeks = 4;
  const auto trends = r.get<protocol::TrendsReply>();
  std::cout << "From " << trends.from << " to " << trends.to << "\n";
  for (const auto& [key, m] : trends.members) {
    std::cout << m.name << "\n";
    if (m.days.empty()) std::cout << "  no mood or trust in this range\n";
    for (std::size_t i = m.days.size() > kRecentDays ? m.days.size() - kRecentDays : 0; i < m.days.size(); ++i) {
      std::cout << "  " << DayLine(m.days[i]) << "\n";
    }
    for (std::size_t i = m.weeks.size() > kRecentWeeks ? m.weeks.size() - kRecentWeeks : 0; i < m.weeks.size(); ++i) {
      std::cout << "  " << WeekLine(m.weeks[i]) << "\n";
    }
  }
  if (!trends.agreements.empty()) {
    std::map<std::string, std::string> titles;
    if (auto all = client.Call("view.agreements"); all.ok()) {
      for (const protocol::AgreementView& a : all->get<protocol::AgreementsReply>().agreements) titles[a.id] = a.title;
    }
    std::cout << "Agreements\n";
    for (const protocol::AgreementKept& a : trends.agreements) {
      std::cout << "  " << Short(a.agreement) << "  " << Line(titles[a.agreement], 60) << " (" << a.state << "): kept "
                << a.kept << ", struggled " << a.struggled << ", missed " << a.missed << "\n";
    }
  }
  std::cout << PhaseLine(trends.phase) << "\n";
}

void PrintTogether(Client& client, const json& r) {
  const auto view = r.get<protocol::TogetherReply>();
  if (view.talks.empty() && view.plans.empty() && view.statuses.empty() && view.pauses.empty()) {
    std::cout << "No talks, plans, statuses or pauses yet.\n";
    return;
  }
  const People people = People::Load(client);
  PrintMarks("Talks asked for", view.talks, people, "", "talked about");
  PrintMarks("Time together planned", view.plans, people, "on", "done");
  PrintMarks("Statuses", view.statuses, people, "until", "");
  PrintMarks("Pausing now", view.pauses, people, "until", "");
}

void PrintNotes(Client&, const json& r) {
  const auto list = r.get<protocol::NoteListReply>();
  if (list.notes.empty()) std::cout << "No private notes.\n";
  for (const protocol::Note& n : list.notes) {
    std::cout << "#" << n.id << "  " << LocalTime(n.time) << "  "
              << (n.unreadable ? "(unreadable on this device)" : Line(n.text)) << "\n";
  }
}

}  // namespace kintsugi::ctl
