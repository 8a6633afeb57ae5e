// The window's view-model (see view_model.h): what the partner said and
// asked today, each timeline entry in plain words, answering a talk request,
// and what each screen offers to write (with the kinds that only it writes:
// triggers, free check-ins, "read up to here").
#include <algorithm>
#include <ctime>

#include "base/local_time.h"
#include "client/json_fields.h"
#include "protocol/kinds.h"
#include "ui/view_model.h"
#include "ui/view_model_internal.h"

namespace kintsugi::ui {
namespace {

using nlohmann::json;

std::int64_t LocalDayOf(std::uint64_t ms) { return base::LocalDay(ms); }

// "21:00" local, with the day in front when it is not `today`.
std::string LocalClock(std::uint64_t ms, std::int64_t today) {
  return base::FormatLocal(ms, LocalDayOf(ms) == today ? "%H:%M" : "%Y-%m-%d %H:%M");
}

std::string Quoted(const std::string& s) { return s.empty() ? std::string("an agreement") : "\"" + s + "\""; }

// `text` with a full stop, unless it ends a sentence itself.
std::string Sentence(const std::string& text) {
  if (text.empty()) return text;
  const bool ended =
      std::string_view(".!?\"").find(text.back()) != std::string_view::npos || text.ends_with("\u2026");
  return ended ? text : text + ".";
}

// " Label: text." when the body holds `field`, else "".
std::string Part(const json& body, const char* field, const char* label) {
  const std::string text = Str(body, field);
  return text.empty() ? "" : std::string(" ") + label + ": " + Sentence(text);
}

// "mood 7, trust 5" from a check-in's body: what it holds of the two, or "".
std::string Scales(const json& body) {
  std::string s;
  if (body.contains("mood")) s += "mood " + std::to_string(body.value("mood", 0));
  if (body.contains("trust")) {
    s += (s.empty() ? "" : ", ") + std::string("trust ") + std::to_string(body.value("trust", 0));
  }
  return s;
}

}  // namespace

std::int64_t ViewModel::LocalToday() const { return LocalDayOf(NowMs()); }

PartnerToday ViewModel::PartnerDay() const {
  PartnerToday day;
  const std::string& partner = status_.partner;
  if (partner.empty()) return day;
  const std::uint64_t now = NowMs();
  const std::int64_t today = LocalToday();

  for (const protocol::TogetherItem& s : together_.statuses) {
    if (s.author != partner || s.withdrawn) continue;
    const bool running = s.until_ms > now;
    if (!running && LocalDayOf(s.time_ms) != today) continue;
    day.status = PartnerToday::Status{s.words, s.until_ms != 0 ? LocalClock(s.until_ms, today) : "",
                                      LocalClock(s.time_ms, today)};
  }
  // When an entry was written, as the clock on the wall said it ("16:39").
  auto written = [&](const protocol::TimelineEntry& e) {
    const auto ms = base::UnixMsOfIso(e.time);
    return ms ? LocalClock(*ms, today) : std::string();
  };
  for (const protocol::TimelineEntry& e : partner_feelings_) {
    const json& body = e.body;
    if (!body.is_object() || !body.contains("mood")) continue;
    day.feelings.push_back({body.value("mood", 0), body.value("trust", 0), Str(body, "appreciated"),
                            Str(body, "needed"), written(e)});
  }
  for (const protocol::TimelineEntry& e : partner_checkins_) {
    const json& body = e.body;
    const std::string note = body.is_object() ? Str(body, "note") : "";
    if (note.empty()) continue;  // withdrawn: its words are gone
    day.words.push_back({note, Scales(body), written(e)});
  }
  for (const protocol::TogetherItem& p : together_.pauses) {
    if (p.author != partner || p.until_ms <= now) continue;  // over: it leaves the screen when it ends
    day.pause_minutes_left = static_cast<std::int64_t>((p.until_ms - now + 59'999) / 60'000);
    day.pause_note = p.words;
  }
  for (const protocol::TogetherItem& t : pending_.talks) {
    day.asks.push_back({t.id, t.withdrawn ? "(words withdrawn)" : t.words, "", ""});
  }
  for (const protocol::TogetherItem& t : together_.talks) {
    if (t.author != me_ || !t.open() || !t.answer) continue;
    day.answers.push_back({t.id, t.words, std::string(protocol::TalkAnswerWords(t.answer->answer)), t.answer->note});
  }
  return day;
}

std::optional<double> ViewModel::SecondsUntilChange() const {
  // Only the partner's pause counts down on screen (PartnerDay).
  const std::string& partner = status_.partner;
  std::optional<double> soonest;
  const std::uint64_t now = NowMs();
  for (const protocol::TogetherItem& p : together_.pauses) {
    if (p.author != partner || p.until_ms <= now) continue;
    // The minutes left change at each whole minute before the end.
    const double next = static_cast<double>((p.until_ms - now) % 60'000 + 1) / 1000.0;
    if (!soonest || next < *soonest) soonest = next;
  }
  return soonest;
}

std::string ViewModel::AgreementTitleOf(const std::string& ref) const {
  if (ref.empty()) return "";
  for (const protocol::AgreementView& a : agreements_.agreements) {
    bool about = a.id == ref;
    for (const protocol::AgreementEvent& h : a.history) about = about || h.entry == ref;
    if (about) return a.title;
  }
  for (const protocol::PendingProposal& p : pending_.proposals) {
    if (p.id == ref) return p.title.empty() ? p.agreement_title : p.title;
  }
  return "";
}

std::string ViewModel::DescribeEntry(const protocol::TimelineEntry& e) const {
  if (e.withdrawn) return "withdrew the words of this entry.";
  const json body = e.body.is_object() ? e.body : json::object();
  const std::string& kind = e.kind;
  const std::string& ref = e.ref;
  auto talk_topic = [&](const std::string& id) {
    for (const protocol::TogetherItem& t : together_.talks) {
      if (t.id == id) return "\"" + t.words + "\"";
    }
    return std::string("a talk request");
  };
  if (kind == "feelings") {
    return "checked in: " + Scales(body) + "." + Part(body, "appreciated", "Appreciated") + Part(body, "needed", "Needs");
  }
  if (kind == "checkin") return "checked in: " + Str(body, "note") + (Scales(body).empty() ? "" : " (" + Scales(body) + ")");
  if (kind == "status") {
    std::string s = "said: " + Str(body, "text");
    if (body.contains("until") && body["until"].is_number_unsigned()) {
      s += " (until " + LocalClock(body["until"].get<std::uint64_t>(), LocalToday()) + ")";
    }
    return s;
  }
  if (kind == "propose") return "proposed " + Quoted(Str(body, "title")) + ": " + Str(body, "text");
  if (kind == "accept") {
    return "accepted " + Quoted(AgreementTitleOf(ref)) + "." + Part(body, "note", "Note");
  }
  if (kind == "decline") {
    return "declined " + Quoted(AgreementTitleOf(ref)) + "." + Part(body, "reason", "Why");
  }
  if (kind == "amend") return "proposed new words for " + Quoted(AgreementTitleOf(ref)) + ": " + Str(body, "text");
  if (kind == "retire") return "proposed to retire " + Quoted(AgreementTitleOf(ref)) + "." + Part(body, "reason", "Why");
  if (kind == "agreement") {
    const std::string outcome = Str(body, "outcome");
    return std::string(outcome == "kept" ? "kept " : outcome == "struggled" ? "struggled with " : "missed ") +
           Quoted(AgreementTitleOf(ref)) + "." + Part(body, "reflection", "Reflection");
  }
  if (kind == "appreciation") return "appreciates: " + Str(body, "text");
  if (kind == "trigger") {
    return "noted a moment that hurt (" + std::to_string(body.value("intensity", 0)) + " of 10): " +
           Sentence(Str(body, "what")) + Part(body, "helped", "What helped");
  }
  if (kind == "talk.request") return "would like to talk about: " + Str(body, "topic");
  if (kind == "talk.answer") {
    return "answered " + talk_topic(Str(body, "talk")) + ": " +
           std::string(protocol::TalkAnswerWords(Str(body, "answer"))) + "." + Part(body, "note", "Note");
  }
  if (kind == "meeting") return "recorded the weekly meeting. Appreciations: " + Str(body, "appreciations");
  if (kind == "repair") return "recorded a repair. The plan: " + Str(body, "plan");
  if (kind == "pause") {
    return "took a pause of " + std::to_string(body.value("minutes", 0)) + " minutes." + Part(body, "note", "Note");
  }
  if (kind == "time.plan") {
    std::string s = "planned time together: " + Str(body, "what");
    if (body.contains("when") && body["when"].is_number_unsigned()) {
      s += " (" + LocalClock(body["when"].get<std::uint64_t>(), -1) + ")";
    }
    return s;
  }
  if (kind == "time.done") return "spent time together: " + Str(body, "what");
  if (kind == "seen") return "read the entries up to here.";
  if (kind == "correct") return "corrected an earlier entry: " + Str(body, "text");
  if (kind == "withdraw") return "withdrew an earlier entry.";
  if (kind == "phase") return "proposed the phase: " + Str(body, "phase") + "." + Part(body, "note", "Note");
  if (kind == "member") return "joined as " + Str(body, "name") + ".";
  if (kind == "leave") return "left the shared ledger." + Part(body, "note", "Their last word");
  return "wrote something this version cannot show.";
}

namespace {

struct KindText {
  std::string_view kind, words, action;
};
constexpr KindText kKindTexts[] = {
    {"member", "Introductions", "joined"},
    {"checkin", "Free check-ins", "checked in"},
    {"propose", "Proposals", "proposed it"},
    {"accept", "Acceptances", "accepted"},
    {"decline", "Declines", "declined"},
    {"amend", "New words proposed", "proposed new words"},
    {"retire", "Retirements proposed", "proposed to retire it"},
    {"status", "A word about the day", "said a word about the day"},
    {"feelings", "Feelings check-ins", "checked in"},
    {"agreement", "How agreements went", "said how it went"},
    {"appreciation", "Appreciations", "appreciated"},
    {"trigger", "Moments that hurt", "noted a moment that hurt"},
    {"talk.request", "Talk requests", "asked to talk"},
    {"talk.answer", "Answers to talk requests", "answered a talk request"},
    {"meeting", "Weekly meetings", "recorded a meeting"},
    {"repair", "Repairs", "recorded a repair"},
    {"pause", "Pauses", "took a pause"},
    {"time.plan", "Time together, planned", "planned time together"},
    {"time.done", "Time together, spent", "spent time together"},
    {"seen", "Read up to here", "read up to here"},
    {"correct", "Corrections", "corrected an entry"},
    {"withdraw", "Withdrawals", "withdrew an entry"},
    {"phase", "Phases proposed", "proposed a phase"},
    {"leave", "Leaving", "left"},
    {"withdrawn", "Withdrawn entries", "withdrew it"},
};

}  // namespace

std::string KindWords(std::string_view kind) {
  for (const auto& k : kKindTexts) {
    if (k.kind == kind) return std::string(k.words);
  }
  return std::string(kind);
}

std::string KindAction(std::string_view kind) {
  for (const auto& k : kKindTexts) {
    if (k.kind == kind) return std::string(k.action);
  }
  return std::string(kind);
}

const std::vector<Offer>& Offers() {
  static const std::vector<Offer> offers = {
      {Screen::kToday, "feelings", "Check in", true},
      {Screen::kToday, "status", "Tell", true},
      {Screen::kToday, "checkin", "Write it", true},
      {Screen::kToday, "talk.answer", "Yes, tonight", false},
      {Screen::kToday, "accept", "Accept", false},
      {Screen::kToday, "decline", "Decline", false},
      {Screen::kAgreements, "propose", "Propose", true},
      {Screen::kAgreements, "accept", "Accept", false},
      {Screen::kAgreements, "decline", "Decline", false},
      {Screen::kAgreements, "agreement", "kept", false},
      {Screen::kAgreements, "amend", "Propose new words", false},
      {Screen::kAgreements, "retire", "Propose to retire it", false},
      {Screen::kTimeline, "seen", "I have read these", true},
      {Screen::kTimeline, "correct", "Correct it", false},
      {Screen::kTimeline, "withdraw", "Withdraw it", false},
      {Screen::kProgress, "phase", "attune", true},
      {Screen::kTogether, "talk.request", "Ask to talk", true},
      {Screen::kTogether, "talk.answer", "Yes, tonight", false},
      {Screen::kTogether, "meeting", "Record the meeting", true},
      {Screen::kTogether, "repair", "Record the repair", true},
      {Screen::kTogether, "trigger", "Record what hurt", true},
      {Screen::kTogether, "pause", "Start a pause", true},
      {Screen::kTogether, "time.plan", "Plan it", true},
      {Screen::kTogether, "time.done", "We did it", false},
      {Screen::kTogether, "appreciation", "Appreciate", true},
  };
  return offers;
}

std::string ViewModel::TriggerProblem() const {
  json params{{"kind", "trigger"}, {"what", trigger.what}, {"intensity", trigger.intensity}};
  Optional(params, "helped", trigger.helped);
  auto body = protocol::BodyFromParams(params);
  return body.ok() ? "" : body.error().message;
}

Notice ViewModel::RecordTrigger() {
  json params{{"kind", "trigger"}, {"what", Trimmed(trigger.what)}, {"intensity", trigger.intensity}};
  Optional(params, "helped", trigger.helped);
  return Append(params, "Noted. Naming what hurt helps the two of you see it together.",
                [this] { trigger = TriggerForm{}; });
}

Notice ViewModel::SendCheckIn() {
  return Append({{"kind", "checkin"}, {"note", Trimmed(checkin_note)}}, partner_name() + " will read it.",
                [this] { checkin_note.clear(); });
}

Notice ViewModel::MarkRead() {
  // The newest entry as the daemon has it now (what is shown may be filtered).
  return Request("", [](DaemonLink& link) -> Result<json> {
    auto newest = link.Call("view.timeline", protocol::TimelineRequest{1, "", "", "", "", ""});
    if (!newest.ok()) return newest;
    auto page = client::ReadReply<protocol::TimelineReply>(*newest);
    if (!page.ok()) return page.take_error();
    if (page->entries.empty()) return MakeError(ErrorCode::kInvalidArgument, "there is nothing to read yet");
    return link.Call("append", {{"kind", "seen"}, {"upto", page->entries[0].id}});
  }, [this](const json&) { Done(partner_name() + " will see that you have read everything up to now."); });
}

Notice ViewModel::AnswerTalk(const std::string& talk_id, std::string_view answer) {
  json params{{"kind", "talk.answer"}, {"talk", talk_id}, {"answer", std::string(answer)}};
  Optional(params, "note", talk_answer_note);
  return Append(params, partner_name() + " will see your answer.", [this] { talk_answer_note.clear(); });
}

}  // namespace kintsugi::ui
