// The export document as sections of tables (see export_report.h).
#include "client/export_report.h"

#include <cstdio>
#include <map>

#include "protocol/kinds.h"

namespace kintsugi::client::export_report {
namespace {

using nlohmann::json;

// A field as text: strings as they are, numbers as people write them.
std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  if (it->is_number_unsigned()) return std::to_string(it->get<std::uint64_t>());
  if (it->is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", it->get<double>());
    return buf;
  }
  if (it->is_boolean()) return it->get<bool>() ? "yes" : "no";
  return "";
}

std::optional<double> Opt(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

// "a. b. c" from the non-empty parts.
std::string Join(const std::vector<std::string>& parts, const std::string& sep = " ") {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

// Parts as sentences: a full stop after each part that ends without one.
std::string Sentences(const std::vector<std::string>& parts) {
  std::vector<std::string> ended;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    const char last = p.back();
    ended.push_back(last == '.' || last == '!' || last == '?' || last == ')' ? p : p + ".");
  }
  return Join(ended);
}

std::string Labelled(const char* label, const std::string& text) {
  return text.empty() ? "" : std::string(label) + ": " + text;
}

// An item's corrections, as words to add after its own.
std::string Corrections(const json& item) {
  std::string out;
  for (const auto& c : item.value("corrections", json::array())) {
    out = Join({out, "(Corrected: " + Str(c, "text") + ")"});
  }
  return out;
}

std::string List(const json& item, const char* key) {
  std::vector<std::string> parts;
  for (const auto& v : item.value(key, json::array())) {
    if (v.is_string()) parts.push_back(v.get<std::string>());
  }
  return Join(parts, "; ");
}

// The items of `section` in the document.
const json& Items(const json& doc, const char* section) {
  static const json kNone = json::array();
  auto it = doc.find(section);
  return it != doc.end() && it->is_array() ? *it : kNone;
}

std::string CheckInKind(const std::string& kind) {
  if (kind == "feelings") return "Feelings";
  if (kind == "checkin") return "Check-in";
  if (kind == "status") return "Status";
  if (kind == "agreement") return "Agreement";
  return kind;
}

std::string CheckInWords(const json& c) {
  const std::string kind = Str(c, "kind");
  std::string words;
  if (kind == "feelings") {
    words = Sentences({Labelled("Appreciated", Str(c, "appreciated")), Labelled("Needed", Str(c, "needed"))});
  } else if (kind == "checkin") {
    words = Str(c, "note");
  } else if (kind == "status") {
    words = Join({Str(c, "text"), c.contains("until") ? "(until " + Str(c, "until") + ")" : ""});
  } else if (kind == "agreement") {
    words = Join({Str(c, "agreement_title") + ": " + Str(c, "outcome") + ".", Str(c, "reflection")});
  }
  return Join({words, Corrections(c)});
}

std::string HistoryWhat(const json& h) {
  const std::string kind = Str(h, "kind");
  std::string what;
  if (kind == "propose") what = "proposed it";
  if (kind == "amend") what = "proposed an amendment";
  if (kind == "retire") what = "proposed to retire it";
  if (kind == "decline") what = "declined it";
  if (kind == "accept") {
    const std::string answers = Str(h, "answers");
    what = answers == "amend" ? "accepted the amendment" : answers == "retire" ? "accepted the retirement" : "accepted it";
  }
  if (what.empty()) what = kind;
  const std::string status = Str(h, "status");
  if (!status.empty() && kind != "accept" && kind != "decline") what += " (" + status + ")";
  if (!h.value("in_range", true)) what += " (before the range)";
  return what;
}

std::string HistoryWords(const json& h) {
  if (h.value("withdrawn", false)) return "(withdrawn)";
  return Sentences({Labelled("Title", Str(h, "title")), Labelled("Text", Str(h, "text")),
               Labelled("Category", Str(h, "category")), Labelled("Review", Str(h, "review")),
               Labelled("Reason", Str(h, "reason")), Labelled("Note", Str(h, "note"))});
}

Section Summary(const json& doc, bool empty) {
  Section s{"summary", "At a glance", {}, {}};
  if (empty) s.paragraphs.push_back("Nothing was recorded between " + Str(doc, "from") + " and " + Str(doc, "to") + ".");
  static const std::pair<const char*, const char*> kCounts[] = {
      {"entries", "Entries in this range"},
      {"feelings", "Daily feelings check-ins"},
      {"checkins", "Free check-ins"},
      {"statuses", "Status updates"},
      {"agreement_checkins", "Agreement check-ins"},
      {"kept", "... kept"},
      {"struggled", "... struggled"},
      {"missed", "... missed"},
      {"agreement_events", "Proposals and answers about agreements"},
      {"meetings", "Weekly meetings"},
      {"talk_requests", "Things asked to talk about"},
      {"triggers", "Triggers"},
      {"repairs", "Repairs after a fight"},
      {"pauses", "Pauses"},
      {"appreciations", "Appreciations"},
      {"time_planned", "Time together planned"},
      {"time_spent", "Time together spent"},
      {"phase_changes", "Phase proposals"},
      {"withdrawn", "Withdrawn by their author (words gone)"},
  };
  Table t{"", {"What", "Count"}, {}};
  const json& counts = doc.at("counts");
  for (const auto& [key, label] : kCounts) t.rows.push_back({label, Str(counts, key)});
  s.tables.push_back(std::move(t));
  const json& phase = doc.value("phase", json::object());
  if (!Str(phase, "current").empty()) {
    s.paragraphs.push_back(Join({"Phase today: " + Str(phase, "current") + ",",
                                 phase.contains("since") ? "since " + Str(phase, "since").substr(0, 10) + "." : "",
                                 phase.contains("breach_named") ? "The breach was named on " + Str(phase, "breach_named") +
                                                                      " (" + Str(phase, "days_since_breach") + " days ago)."
                                                                : ""}));
  }
  return s;
}

Section Agreements(const json& doc) {
  Section s{"agreements", "Agreements", {}, {}};
  Table overview{"", {"Agreement", "Category", "At the end of the range", "Today", "Signed by", "Kept", "Struggled", "Missed"}, {}};
  for (const auto& a : Items(doc, "agreements")) {
    const json& n = a.value("in_range", json::object());
    overview.rows.push_back({a.value("withdrawn", false) ? "(withdrawn)" : Str(a, "title"), Str(a, "category"),
                             Str(a, "state_at_end"), Str(a, "state"), List(a, "signed_by"), Str(n, "kept"),
                             Str(n, "struggled"), Str(n, "missed")});
  }
  if (overview.rows.empty()) return s;
  s.paragraphs.push_back("Kept, struggled and missed count the agreement check-ins in this range.");
  s.tables.push_back(std::move(overview));
  for (const auto& a : Items(doc, "agreements")) {
    Table t{Str(a, "title"), {"Date", "Who", "What", "Words"}, {}};
    t.note = Join({Str(a, "text"), "(" + Str(a, "category") + ", proposed by " + Str(a, "proposer") + ")"});
    for (const auto& h : a.value("history", json::array())) {
      t.rows.push_back({Str(h, "date"), Str(h, "who"), HistoryWhat(h), HistoryWords(h)});
    }
    s.tables.push_back(std::move(t));
  }
  return s;
}

// One table per partner of the items in `section`, by "who".
template <typename RowOf>
void PerPartner(const json& doc, const char* section, const std::string& caption, std::vector<std::string> columns,
                RowOf row_of, Section& s) {
  for (const auto& p : doc.at("partners")) {
    Table t{caption + Str(p, "name"), columns, {}};
    for (const auto& item : Items(doc, section)) {
      if (Str(item, "author") == Str(p, "author")) t.rows.push_back(row_of(item));
    }
    if (!t.rows.empty()) s.tables.push_back(std::move(t));
  }
}

Section CheckIns(const json& doc) {
  Section s{"checkins", "Check-ins", {}, {}};
  PerPartner(doc, "checkins", "Check-ins by ", {"Date", "Time", "Kind", "Mood", "Trust", "Words"},
             [](const json& c) {
               return std::vector<std::string>{Str(c, "date"), Str(c, "time"), CheckInKind(Str(c, "kind")),
                                               Str(c, "mood"), Str(c, "trust"), CheckInWords(c)};
             },
             s);
  return s;
}

void AddTrends(const json& doc, Report& r) {
  Section s{"trends", "Mood and trust", {}, {}};
  for (const auto& p : doc.at("trends").value("partners", json::array())) {
    Series series{Str(p, "name"), {}};
    Table days{"Daily mood and trust: " + Str(p, "name"),
               {"Date", "Mood", "Mood, 7-day average", "Trust", "Trust, 7-day average"}, {}};
    for (const auto& d : p.value("days", json::array())) {
      auto day = protocol::DayFromDate(Str(d, "date"));
      if (!day) continue;
      series.points.push_back({*day, Opt(d, "mood"), Opt(d, "mood_avg7"), Opt(d, "trust"), Opt(d, "trust_avg7")});
      days.rows.push_back({Str(d, "date"), Str(d, "mood"), Str(d, "mood_avg7"), Str(d, "trust"), Str(d, "trust_avg7")});
    }
    Table weeks{"Week by week: " + Str(p, "name"),
                {"Week of", "Check-ins", "Appreciations", "Triggers", "Meetings", "Repairs", "Time together"}, {}};
    for (const auto& w : p.value("weeks", json::array())) {
      weeks.rows.push_back({Str(w, "week"), Str(w, "checkins"), Str(w, "appreciations"), Str(w, "triggers"),
                            Str(w, "meetings"), Str(w, "repairs"), Str(w, "time_together")});
    }
    if (!series.points.empty()) r.trends.push_back(std::move(series));
    if (!days.rows.empty()) s.tables.push_back(std::move(days));
    if (!weeks.rows.empty()) s.tables.push_back(std::move(weeks));
  }
  if (s.tables.empty()) return;
  s.paragraphs.push_back("Mood and trust run from 1 (low) to 10 (high): each day's average, and the average of "
                         "the seven days up to it. Weeks start on Monday; the first and the last may reach outside "
                         "the range.");
  r.sections.push_back(std::move(s));
}

// A section with one table of the items in `section`, one row each.
template <typename RowOf>
Section Listing(const json& doc, const char* section, std::string title, std::vector<std::string> columns,
                RowOf row_of) {
  Section s{section, std::move(title), {}, {}};
  Table t{"", std::move(columns), {}};
  for (const auto& item : Items(doc, section)) t.rows.push_back(row_of(item));
  if (!t.rows.empty()) s.tables.push_back(std::move(t));
  return s;
}

void AddListings(const json& doc, Report& r) {
  auto add = [&](Section s) {
    if (!s.tables.empty()) r.sections.push_back(std::move(s));
  };
  add(Listing(doc, "meetings", "Weekly meetings",
              {"Date", "Recorded by", "Appreciations", "What went well", "The issue", "Will try (who recorded it)",
               "Will try (the other)", "Talks it answered"},
              [](const json& m) {
                return std::vector<std::string>{Str(m, "date"), Str(m, "who"), Str(m, "appreciations"),
                                                Str(m, "went_well"), Str(m, "issue"), Str(m, "i_will_try"),
                                                Str(m, "partner_will_try"), Join({List(m, "talks"), Corrections(m)})};
              }));
  Section bring{"bring_up", "What each wanted to bring up", {}, {}};
  PerPartner(doc, "bring_up", "Asked to talk about, by ", {"Date", "Topic", "Addressed"},
             [](const json& t) {
               return std::vector<std::string>{Str(t, "date"), Join({Str(t, "topic"), Corrections(t)}),
                                               t.value("addressed", false) ? "yes" : "not yet"};
             },
             bring);
  if (!bring.tables.empty()) {
    bring.paragraphs.push_back("Talk requests (\"I need to talk about ...\"). The issue each weekly meeting took on "
                               "is under Weekly meetings.");
  }
  add(std::move(bring));
  add(Listing(doc, "triggers", "Triggers", {"Date", "Who", "What happened", "Intensity", "What helped"},
              [](const json& t) {
                return std::vector<std::string>{Str(t, "date"), Str(t, "who"), Join({Str(t, "what"), Corrections(t)}),
                                                Str(t, "intensity"), Str(t, "helped")};
              }));
  add(Listing(doc, "repairs", "Repairs after a fight",
              {"Date", "Recorded by", "The plan", "Feelings", "Their view", "The other's view", "What it touched",
               "Their part", "The other's part", "Talks it answered"},
              [](const json& t) {
                return std::vector<std::string>{Str(t, "date"), Str(t, "who"), Join({Str(t, "plan"), Corrections(t)}),
                                                Str(t, "feelings"), Str(t, "my_view"), Str(t, "partner_view"),
                                                Str(t, "triggers"), Str(t, "my_part"), Str(t, "partner_part"),
                                                List(t, "talks")};
              }));
  add(Listing(doc, "pauses", "Pauses", {"Date", "Time", "Who", "Minutes", "Note"}, [](const json& t) {
    return std::vector<std::string>{Str(t, "date"), Str(t, "time"), Str(t, "who"), Str(t, "minutes"),
                                    Join({Str(t, "note"), Corrections(t)})};
  }));
  add(Listing(doc, "appreciations", "Appreciations", {"Date", "Who", "Appreciation"}, [](const json& t) {
    return std::vector<std::string>{Str(t, "date"), Str(t, "who"), Join({Str(t, "text"), Corrections(t)})};
  }));
  add(Listing(doc, "time_together", "Time together", {"Date", "Who", "Planned or spent", "What", "When", "Note"},
              [](const json& t) {
                return std::vector<std::string>{Str(t, "date"), Str(t, "who"),
                                                Str(t, "kind") == "time.plan" ? "planned" : "spent",
                                                Join({Str(t, "what"), Corrections(t)}), Str(t, "when"), Str(t, "note")};
              }));
  add(Listing(doc, "phase_changes", "Phase proposals", {"Date", "Who", "Phase", "Breach named", "Note"},
              [](const json& t) {
                return std::vector<std::string>{Str(t, "date"), Str(t, "who"), Str(t, "phase"), Str(t, "breach_named"),
                                                Join({Str(t, "note"), Corrections(t)})};
              }));
  add(Listing(doc, "withdrawn", "Withdrawn entries", {"Date", "Who", "Words"}, [](const json& t) {
    return std::vector<std::string>{Str(t, "date"), Str(t, "who"), "withdrawn by its author: its words are gone"};
  }));
}

}  // namespace

Result<Report> BuildReport(const json& doc) {
  if (!doc.is_object() || doc.value("kind", "") != "kintsugi.export" || doc.value("version", 0) != 1) {
    return MakeError(ErrorCode::kMalformed, "this is not an export document this version understands");
  }
  try {
    Report r;
    r.empty = doc.at("empty").get<bool>();
    r.from_day = protocol::DayFromDate(Str(doc, "from")).value_or(0);
    r.to_day = protocol::DayFromDate(Str(doc, "to")).value_or(r.from_day);
    std::vector<std::string> names;
    for (const auto& p : doc.at("partners")) names.push_back(Str(p, "name"));
    r.title = "Kintsugi: " + Join(names, " and ");
    r.summary.push_back("From " + Str(doc, "from") + " to " + Str(doc, "to") + " (" + Str(doc, "days") + " days).");
    r.summary.push_back("For a counsellor: the agreements, check-ins, trends, meetings and what each wanted to bring up.");
    r.sections.push_back(Summary(doc, r.empty));
    if (Section a = Agreements(doc); !a.tables.empty()) r.sections.push_back(std::move(a));
    if (Section c = CheckIns(doc); !c.tables.empty()) r.sections.push_back(std::move(c));
    AddTrends(doc, r);
    AddListings(doc, r);
    r.footer = "Made on " + Str(doc, "generated").substr(0, 10) +
               " from the couple's shared ledger. Private notes are never part of an export; withdrawn entries "
               "appear without their words.";
    return r;
  } catch (const json::exception& e) {
    return MakeError(ErrorCode::kMalformed, std::string("the export document is not complete: ") + e.what());
  }
}

}  // namespace kintsugi::client::export_report
