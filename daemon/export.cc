// The export for a counsellor (see export.h and docs/EXPORT.md).
#include "daemon/export.h"

#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <string>

#include "base/local_time.h"
#include "daemon/engine.h"
#include "protocol/fold.h"
#include "protocol/hlc.h"
#include "protocol/ipc.h"
#include "protocol/kinds.h"

namespace kintsugi::daemon {
namespace {

using nlohmann::json;

using base::kMsPerDay;
// The widest offset from UTC an entry's "tz" may give: the timeline is read
// this much wider than the range, then filtered by each entry's own day.
constexpr std::uint64_t kMaxTzMs = 14 * 3'600'000;
constexpr std::size_t kTimelinePage = 1000;
// Room for the reply's envelope under the client's limit.
constexpr std::size_t kMaxDocumentBytes = protocol::kMaxIpcReplyBytes - 64 * 1024;

// When its author wrote an entry, on the author's local clock: the time it
// was first written when carried, shifted by the body's "tz".
struct Written {
  std::int64_t day = 0;
  std::string date;
  std::string time;  // HH:MM
};

std::int64_t TzMinutes(const json& body) {
  auto tz = body.find("tz");
  return tz != body.end() && tz->is_number_integer() ? tz->get<std::int64_t>() : 0;
}

Written LocalAt(std::uint64_t unix_ms, std::int64_t tz_minutes) {
  const std::int64_t local = static_cast<std::int64_t>(unix_ms) + tz_minutes * 60'000;
  Written w;
  w.day = base::DayOfMs(local);
  w.date = protocol::DateFromDay(w.day);
  const std::int64_t minutes = (local - w.day * kMsPerDay) / 60'000;
  char hhmm[8];
  std::snprintf(hhmm, sizeof hhmm, "%02d:%02d", static_cast<int>(minutes / 60), static_cast<int>(minutes % 60));
  w.time = hhmm;
  return w;
}

Written WrittenAt(std::uint64_t hlc, const json& body) {
  std::uint64_t at = hlc;
  if (auto carried = body.find("carried"); carried != body.end() && carried->is_object()) {
    if (auto h = carried->find("hlc"); h != carried->end() && h->is_number_unsigned()) at = h->get<std::uint64_t>();
  }
  Written w = LocalAt(protocol::HlcMillis(at), TzMinutes(body));
  w.day = protocol::LocalDay(hlc, body);  // the fold's day, which the trends use
  w.date = protocol::DateFromDay(w.day);
  return w;
}

// The fields of each kind that an export shows, by kind.
const std::map<std::string, std::vector<const char*>>& ShownFields() {
  static const std::map<std::string, std::vector<const char*>> fields = {
      {"checkin", {"note", "mood", "trust"}},
      {"feelings", {"mood", "trust", "appreciated", "needed"}},
      {"status", {"text"}},
      {"agreement", {"agreement", "outcome", "reflection"}},
      {"appreciation", {"text"}},
      {"trigger", {"what", "intensity", "helped"}},
      {"talk.request", {"topic"}},
      {"meeting", {"appreciations", "went_well", "issue", "i_will_try", "partner_will_try"}},
      {"repair", {"feelings", "my_view", "partner_view", "triggers", "my_part", "partner_part", "plan"}},
      {"pause", {"minutes", "note"}},
      {"time.plan", {"what"}},
      {"time.done", {"what", "note"}},
      {"phase", {"phase", "breach_named", "note"}},
      {"propose", {"title", "text", "category", "review"}},
      {"amend", {"title", "text", "category", "review"}},
      {"accept", {"note"}},
      {"decline", {"reason"}},
      {"retire", {"reason"}},
  };
  return fields;
}

// The section of the document each kind of entry in the range goes to.
const char* SectionOf(const std::string& kind) {
  static const std::map<std::string, const char*> sections = {
      {"checkin", "checkins"},          {"feelings", "checkins"},   {"status", "checkins"},
      {"agreement", "checkins"},        {"meeting", "meetings"},    {"talk.request", "bring_up"},
      {"trigger", "triggers"},          {"repair", "repairs"},      {"pause", "pauses"},
      {"appreciation", "appreciations"}, {"time.plan", "time_together"}, {"time.done", "time_together"},
      {"phase", "phase_changes"}};
  auto it = sections.find(kind);
  return it == sections.end() ? nullptr : it->second;
}

const char* kSections[] = {"checkins", "meetings",      "bring_up",      "triggers",     "repairs",
                           "pauses",   "appreciations", "time_together", "phase_changes", "withdrawn"};

class Collector {
 public:
  Collector(Engine& engine, const ExportRange& range)
      : engine_(engine), range_(range), state_(engine.views().state()), open_(engine.views().Opener()) {}

  Result<json> Build() {
    doc_ = json{{"kind", "kintsugi.export"},
                {"version", 1},
                {"generated", protocol::FormatUtcMillis(engine_.NowMillis())},
                {"from", protocol::DateFromDay(range_.from_day)},
                {"to", protocol::DateFromDay(range_.to_day)},
                {"days", range_.to_day - range_.from_day + 1}};
    json partners = json::array();
    const std::string me = ToHex(engine_.identity().public_key());
    for (const auto& [author, name] : state_.members()) {
      json partner{{"author", author}, {"name", name}, {"me", author == me}};
      // This device's member first: "Alex and Sam" on Alex's export.
      if (author == me) {
        partners.insert(partners.begin(), partner);
      } else {
        partners.push_back(partner);
      }
    }
    doc_["partners"] = partners;
    for (const char* s : kSections) doc_[s] = json::array();
    counts_ = json::object();
    for (const char* c : {"entries", "checkins", "feelings", "statuses", "agreement_checkins", "kept", "struggled",
                          "missed", "agreement_events", "meetings", "talk_requests", "triggers", "repairs",
                          "pauses", "appreciations", "time_planned", "time_spent", "phase_changes", "withdrawn",
                          "without_effect", "unreadable"}) {
      counts_[c] = 0;
    }
    KINTSUGI_RETURN_IF_ERROR(ReadTimeline());
    AddAgreements();
    AddTrends();
    doc_["counts"] = counts_;
    doc_["empty"] = counts_["entries"].get<int>() == 0;
    return std::move(doc_);
  }

 private:
  std::string Name(const std::string& author) const {
    auto it = state_.members().find(author);
    return it != state_.members().end() ? it->second : author.substr(0, 8);
  }

  void Count(const char* what) { counts_[what] = counts_[what].get<int>() + 1; }

  // The words of an entry for the export: the shown fields of its kind.
  static void CopyWords(const std::string& kind, const json& body, json& into) {
    auto fields = ShownFields().find(kind);
    if (fields == ShownFields().end()) return;
    for (const char* f : fields->second) {
      if (auto v = body.find(f); v != body.end()) into[f] = *v;
    }
  }

  // The corrections of entry `id`, each with its day and words.
  json Corrections(const std::string& id) const {
    json list = json::array();
    auto found = state_.corrections().find(id);
    if (found == state_.corrections().end()) return list;
    for (const auto& cid : found->second) {
      auto body = open_(cid);
      if (!body) continue;  // a withdrawn correction says nothing
      list.push_back({{"text", body->value("text", "")}});
    }
    return list;
  }

  std::string TitleOf(const std::string& agreement_id) const {
    auto a = state_.agreements().find(agreement_id);
    if (a == state_.agreements().end()) return "";
    auto body = open_(a->second.title_entry);
    return body ? body->value("title", "") : "";
  }

  // Topics of the talk requests a meeting or repair addressed.
  json Topics(const json& body) const {
    json topics = json::array();
    auto talks = body.find("talks");
    if (talks == body.end() || !talks->is_array()) return topics;
    for (const auto& ref : *talks) {
      if (!ref.is_string()) continue;
      auto talk = open_(ref.get<std::string>());
      topics.push_back(talk ? json(talk->value("topic", "")) : json("(withdrawn)"));
    }
    return topics;
  }

  Status ReadTimeline() {
    TimelineQuery query;
    query.limit = kTimelinePage;
    const std::uint64_t from_ms = static_cast<std::uint64_t>(range_.from_day) * kMsPerDay;
    query.from_ms = from_ms > kMaxTzMs ? from_ms - kMaxTzMs : 0;
    query.to_ms = static_cast<std::uint64_t>(range_.to_day + 1) * kMsPerDay + kMaxTzMs;
    std::vector<json> items;  // newest first, as the timeline reads
    for (;;) {
      auto page = engine_.Timeline(query);
      if (!page.ok()) return page.take_error();
      for (const auto& e : *page) Take(e, items);
      if (page->size() < query.limit) break;
      query.before = page->back().key;
    }
    // Oldest first, as a counsellor reads a story.
    for (auto it = items.rbegin(); it != items.rend(); ++it) {
      const std::string section = (*it)["section"];
      it->erase("section");
      doc_[section].push_back(std::move(*it));
    }
    return OkStatus();
  }

  void Take(const Engine::TimelineEntry& e, std::vector<json>& items) {
    static const json kNoBody = json::object();
    const json& body = e.item.body ? *e.item.body : kNoBody;
    const Written w = WrittenAt(e.item.hlc, body);
    if (w.day < range_.from_day || w.day > range_.to_day) return;
    const std::string kind = e.effect.kind;
    if (kind == "member" || kind == "seen") return;
    Count("entries");
    const std::string id = ToHex(e.item.id);
    const std::string author = ToHex(e.item.author);
    json item{{"id", id}, {"date", w.date}, {"time", w.time}, {"who", Name(author)}, {"author", author}};
    if (kind == "withdrawn" || state_.withdrawn(id) || (!e.item.body && e.item.verified)) {
      Count("withdrawn");
      item["withdrawn"] = true;
      item["section"] = "withdrawn";
      items.push_back(std::move(item));
      return;
    }
    if (!e.item.verified || !e.item.body || kind == "unreadable" || kind == "unknown") {
      Count("unreadable");
      return;
    }
    if (!e.effect.applied) {
      Count("without_effect");
      return;
    }
    if (kind == "propose" || kind == "accept" || kind == "decline" || kind == "amend" || kind == "retire") {
      Count("agreement_events");
      return;
    }
    const char* section = SectionOf(kind);
    if (section == nullptr) return;  // corrections show on what they correct
    item["kind"] = kind;
    CopyWords(kind, body, item);
    if (kind == "checkin") Count("checkins");
    if (kind == "feelings") Count("feelings");
    if (kind == "status") {
      Count("statuses");
      if (auto until = body.find("until"); until != body.end() && until->is_number_unsigned()) {
        const Written u = LocalAt(until->get<std::uint64_t>(), TzMinutes(body));
        item["until"] = u.date + " " + u.time;
      }
    }
    if (kind == "agreement") {
      Count("agreement_checkins");
      const std::string outcome = body.value("outcome", "");
      if (outcome == "kept" || outcome == "struggled" || outcome == "missed") Count(outcome.c_str());
      const std::string agreement = body.value("agreement", "");
      item["agreement_title"] = TitleOf(agreement);
      json& counts = outcomes_[agreement];
      if (!counts.is_object()) counts = json::object();
      counts[outcome] = counts.value(outcome, 0) + 1;
    }
    if (kind == "meeting" || kind == "repair") {
      Count(kind == "meeting" ? "meetings" : "repairs");
      json topics = Topics(body);
      if (!topics.empty()) item["talks"] = topics;
    }
    if (kind == "talk.request") {
      Count("talk_requests");
      item["addressed"] = Addressed(id);
    }
    if (kind == "trigger") Count("triggers");
    if (kind == "pause") Count("pauses");
    if (kind == "appreciation") Count("appreciations");
    if (kind == "phase") Count("phase_changes");
    if (kind == "time.plan") {
      Count("time_planned");
      if (auto when = body.find("when"); when != body.end() && when->is_number_unsigned()) {
        const Written at = LocalAt(when->get<std::uint64_t>(), TzMinutes(body));
        item["when"] = at.date + " " + at.time;
      }
    }
    if (kind == "time.done") Count("time_spent");
    json corrections = Corrections(id);
    if (!corrections.empty()) item["corrections"] = corrections;
    item["section"] = section;
    items.push_back(std::move(item));
  }

  bool Addressed(const std::string& talk_id) {
    if (!together_) together_ = state_.TogetherView(engine_.NowMillis(), open_);
    for (const protocol::TogetherItem& t : together_->talks) {
      if (t.id == talk_id) return !t.open();
    }
    return true;  // closed long ago: the state no longer holds it
  }

  // Every agreement that existed during the range, with its history up to
  // the range's end, its state then and now, and its check-ins in the range.
  void AddAgreements() {
    const protocol::AgreementsReply view = state_.AgreementsView(open_);
    json list = json::array();
    for (const protocol::AgreementView& a : view.agreements) {
      const std::string& id = a.id;
      json history = json::array();
      std::string state_then;
      std::int64_t last_day = -1;
      std::map<std::string, std::string> kind_of;  // entry -> kind, for what an accept answered
      auto folded = state_.agreements().find(id);
      if (folded == state_.agreements().end()) continue;
      const auto& events = folded->second.history;
      for (std::size_t i = 0; i < events.size(); ++i) {
        // The view lists the same events in the same order, with their status.
        const std::string status = i < a.history.size() ? a.history[i].status : "";
        const std::string& entry = events[i].entry;
        const std::string& kind = events[i].kind;
        kind_of[entry] = kind;
        auto body = open_(entry);
        const Written w = body ? WrittenAt(protocol::MakeHlc(events[i].ms, 0), *body) : LocalAt(events[i].ms, 0);
        if (w.day > range_.to_day) continue;
        last_day = w.day;
        json item{{"date", w.date}, {"time", w.time}, {"kind", kind}, {"who", Name(events[i].author)},
                  {"in_range", w.day >= range_.from_day}};
        if (!status.empty()) item["status"] = status;
        if (body) {
          CopyWords(kind, *body, item);
          if (kind == "accept" || kind == "decline") {
            const std::string answered = kind_of[body->value("ref", "")];
            item["answers"] = answered;
            if (kind == "decline") state_then = "declined";
            if (kind == "accept" && answered == "propose") state_then = "active";
            if (kind == "accept" && answered == "retire") state_then = "retired";
          }
          if (kind == "propose") state_then = "proposed";
        } else {
          item["withdrawn"] = true;
        }
        history.push_back(std::move(item));
      }
      if (history.empty()) continue;  // proposed after the range
      if ((state_then == "declined" || state_then == "retired") && last_day < range_.from_day) continue;
      json signers = json::array();
      for (const std::string& s : a.signed_by) signers.push_back(Name(s));
      json out{{"id", id},
               {"title", a.title},
               {"text", a.text},
               {"category", a.category},
               {"state", a.state},
               {"state_at_end", state_then.empty() ? a.state : state_then},
               {"proposer", Name(a.proposer)},
               {"version", a.version},
               {"signed_by", signers},
               {"history", history}};
      if (a.withdrawn) out["withdrawn"] = true;
      if (!a.review.empty()) out["review"] = a.review;
      const json& counted = outcomes_.contains(id) ? outcomes_[id] : json::object();
      out["in_range"] = {{"kept", counted.value("kept", 0)},
                         {"struggled", counted.value("struggled", 0)},
                         {"missed", counted.value("missed", 0)}};
      list.push_back(std::move(out));
    }
    doc_["agreements"] = list;
  }

  void AddTrends() {
    const std::int64_t today = base::LocalDay(engine_.NowMillis());
    json view = state_.TrendsView(range_.from_day, range_.to_day, today);
    json partners = json::array();
    for (const auto& [author, m] : view["members"].items()) {
      partners.push_back({{"author", author}, {"name", m.value("name", "")}, {"days", m["days"]},
                          {"weeks", m["weeks"]}});
    }
    doc_["trends"] = {{"partners", partners}};
    doc_["phase"] = view["phase"];
  }

  Engine& engine_;
  ExportRange range_;
  const protocol::LedgerState& state_;
  protocol::BodyOpener open_;
  json doc_;
  json counts_;
  json outcomes_ = json::object();  // agreement -> outcome -> count, in the range
  std::optional<protocol::TogetherReply> together_;
};

}  // namespace

Result<ExportRange> ParseExportRange(const json& params, std::int64_t today) {
  auto day = [&](const char* field) -> Result<std::optional<std::int64_t>> {
    auto it = params.find(field);
    if (it == params.end() || it->is_null()) return std::optional<std::int64_t>();
    auto d = it->is_string() ? protocol::DayFromDate(it->get<std::string>()) : std::nullopt;
    if (!d) return MakeError(ErrorCode::kInvalidArgument, std::string(field) + " must be a date YYYY-MM-DD");
    return std::optional<std::int64_t>(*d);
  };
  auto from = day("from");
  if (!from.ok()) return from.take_error();
  auto to = day("to");
  if (!to.ok()) return to.take_error();
  ExportRange range;
  range.to_day = to->value_or(today);
  range.from_day = from->value_or(range.to_day - (kDefaultExportDays - 1));
  if (range.from_day > range.to_day) {
    return MakeError(ErrorCode::kInvalidArgument, "from (" + protocol::DateFromDay(range.from_day) +
                                                      ") must not be after to (" +
                                                      protocol::DateFromDay(range.to_day) + ")");
  }
  if (range.to_day - range.from_day + 1 > kMaxExportDays) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "an export covers at most " + std::to_string(kMaxExportDays) + " days: choose a shorter range");
  }
  if (range.from_day < 0) return MakeError(ErrorCode::kInvalidArgument, "from must not be before 1970-01-01");
  return range;
}

Result<json> BuildExport(Engine& engine, const ExportRange& range) {
  if (!engine.initialized()) {
    return MakeError(ErrorCode::kFailedPrecondition, "no ledger yet: run 'kintsugictl init --name NAME'");
  }
  Result<json> doc = MakeError(ErrorCode::kInternal, "the export was not built");
  try {
    doc = Collector(engine, range).Build();
  } catch (const json::exception& e) {
    return MakeError(ErrorCode::kInternal, std::string("the export could not be built: ") + e.what());
  }
  if (!doc.ok()) return doc;
  if (protocol::DumpJson(*doc).size() > kMaxDocumentBytes) {
    return MakeError(ErrorCode::kTooLarge, "this export is too large for one reply: choose a shorter range");
  }
  return doc;
}

}  // namespace kintsugi::daemon
