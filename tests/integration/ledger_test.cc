// The ledger's meaning through two real paired daemons and the real
// kintsugictl: a month of a couple's use (agreements, check-ins, meetings,
// repairs, phases, corrections, withdrawals, private notes), written on both
// devices, must end in the same agreements, trends and timeline on each.
//
// The daemons use the real clock, so the whole "month" happens today: the
// test asserts counts and states, and computes the expected local days from
// the entries' own clocks rather than assuming one day.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "protocol/hlc.h"
#include "protocol/kinds.h"
#include "tests/integration/harness.h"

namespace kintsugi::testing {
namespace {

using nlohmann::json;

constexpr int kDays = 30;

std::int64_t LocalDayOf(std::int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm local{};
  localtime_r(&t, &local);
  return static_cast<std::int64_t>(std::floor((unix_ms / 1000.0 + local.tm_gmtoff) / 86400.0));
}
std::int64_t Today() { return LocalDayOf(static_cast<std::int64_t>(std::time(nullptr)) * 1000); }
std::string Date(std::int64_t day) { return protocol::DateFromDay(day); }
std::string Prefix(const std::string& id) { return id.substr(0, 8); }
double Round1(double v) { return static_cast<double>(static_cast<long long>(v * 10 + 0.5)) / 10; }
bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The next local HH:MM after `now`, in Unix ms, as `checkin status --until HH:MM` means it.
std::int64_t NextLocal(int hour, int minute, std::time_t now, int days_later = 0) {
  std::tm tm{};
  localtime_r(&now, &tm);
  tm.tm_mday += days_later;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = 0;
  tm.tm_isdst = -1;
  std::time_t at = std::mktime(&tm);
  if (days_later == 0 && at <= now) return NextLocal(hour, minute, now, 1);
  return static_cast<std::int64_t>(at) * 1000;
}

// Mood and trust of one feelings entry, kept to compute the expected trends.
struct Feeling {
  std::int64_t ms = 0;
  int mood = 0, trust = 0;
  bool withdrawn = false;
};

// What one partner wrote that the views count.
struct Counts {
  int checkins = 0, appreciations = 0, triggers = 0, meetings = 0, repairs = 0, time_together = 0;
  int kept = 0, struggled = 0, missed = 0;
  std::map<std::string, Feeling> feelings;  // entry id -> feeling
  std::string last_feeling;                 // the id of the newest
};

class Partner : public LoopbackPartner {
 public:
  using LoopbackPartner::LoopbackPartner;
  int written() const { return written_; }
  Counts& counts() { return counts_; }

  // Writes an entry through kintsugictl and returns the append result ({} on failure).
  json Write(std::vector<std::string> args) {
    args.push_back("--json");
    auto r = Ctl(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << " " << (args.size() > 1 ? args[1] : "") << ": " << r.err;
    if (r.exit_code != 0) return json::object();
    ++written_;
    return json::parse(r.out);
  }
  std::string WriteId(const std::vector<std::string>& args) { return Write(args).value("id", ""); }
  // A command the daemon or the CLI must refuse: exit 1, naming the rule.
  void ExpectRefused(const std::vector<std::string>& args, const std::string& rule) const {
    auto r = Ctl(args);
    EXPECT_EQ(r.exit_code, 1) << args[0] << ": " << r.out;
    EXPECT_TRUE(Contains(r.err, rule)) << "stderr: " << r.err << "\nexpected: " << rule;
  }
  json Timeline() const { return Json({"timeline", "--limit", "1000"})["entries"]; }
  std::vector<std::string> TimelineIds() const {
    std::vector<std::string> ids;
    for (const auto& e : Timeline()) ids.push_back(e["id"].get<std::string>());
    return ids;
  }
  // The body of my newest entry of `kind`.
  json NewestOwn(const std::string& kind) const {
    json entries = Json({"timeline", "--author", "me", "--kind", kind, "--limit", "1"})["entries"];
    return entries.empty() ? json::object() : entries[0]["body"];
  }
  bool Sees(const std::string& id) const {
    auto ids = TimelineIds();
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  }

 private:
  int written_ = 0;
  Counts counts_;
};

// The ids the month's story refers back to.
struct Story {
  std::string review;                            // the commitment's review date
  std::string phones, walk, accepted, declined;  // the two proposals and Sam's answers
  std::string talk, meeting_2, plan, phase, amend, sams_day3, sams_day12;
};

class Ledger : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(a_.Start()) << a_.daemon().Log();
    ASSERT_TRUE(b_.Start()) << b_.daemon().Log();
    ASSERT_EQ(a_.Ctl({"init", "--name", "Alex"}).exit_code, 0);
    ASSERT_EQ(b_.Ctl({"init", "--name", "Sam"}).exit_code, 0);
    std::string code = a_.Json({"pair", "invite"}).value("code", "");
    auto joined = b_.Ctl({"pair", "join", code, "--address", a_.address()});
    ASSERT_EQ(joined.exit_code, 0) << joined.err << b_.daemon().Log();
    ASSERT_TRUE(WaitFor([&] { return a_.TimelineIds().size() == 2 && b_.TimelineIds().size() == 2; }));
    key_a_ = a_.Json({"status"})["author"].get<std::string>();
    key_b_ = b_.Json({"status"})["author"].get<std::string>();
  }

  // Waits until `p` holds entry `id` (written on the other device).
  void Await(const Partner& p, const std::string& id) {
    ASSERT_FALSE(id.empty());
    ASSERT_TRUE(WaitFor([&] { return p.Sees(id); })) << "entry " << Prefix(id) << " never arrived";
  }
  bool Converged() {
    const std::size_t total = 2 + a_.written() + b_.written();
    auto ids_a = a_.TimelineIds();
    return ids_a.size() == total && ids_a == b_.TimelineIds();
  }

  void Feelings(Partner& p, int mood, int trust, const std::string& appreciated) {
    json r = p.Write({"checkin", "feelings", "--mood", std::to_string(mood), "--trust", std::to_string(trust),
                      "--appreciated", appreciated});
    ASSERT_TRUE(r.contains("id"));
    const auto ms = static_cast<std::int64_t>(protocol::HlcMillis(r["hlc"]));
    p.counts().feelings[r["id"]] = Feeling{ms, mood, trust};
    p.counts().last_feeling = r["id"];
    p.counts().checkins += 1;
  }
  void AgreementCheckIn(Partner& p, const std::string& outcome) {
    ASSERT_FALSE(p.WriteId({"checkin", "agreement", Prefix(story_.phones), "--outcome", outcome,
                            "--reflection", "noticing it"})
                     .empty());
    Counts& c = p.counts();
    int& slot = outcome == "kept" ? c.kept : outcome == "struggled" ? c.struggled : c.missed;
    slot += 1;
    c.checkins += 1;
  }

  void ProposeAndAnswer();
  void LiveADay(int day);
  void LiveTheRestOfADay(int day);
  void ExpectAgreements();
  void ExpectTrendsOf(const json& member, Partner& p);
  void ExpectTrends();
  void ExpectPendingAndTogether();
  void ExpectTimeline(const Partner& p);
  void ExpectHumanViews();

  PrivateRuntimeDir runtime_;
  TempDir dir_;
  Partner a_{dir_, "alex"};
  Partner b_{dir_, "sam"};
  std::string key_a_, key_b_;
  Story story_;
};

// Alex proposes two agreements; Sam accepts one and declines the other.
void Ledger::ProposeAndAnswer() {
  Story& s = story_;
  s.review = Date(Today() - 1);  // the month is over: the review is due
  s.phones = a_.WriteId({"agree", "propose", "--title", "Phones away at dinner", "--text",
                         "We put our phones in the hall during dinner.", "--category", "commitment",
                         "--review", s.review});
  s.walk = a_.WriteId({"agree", "propose", "--title", "Sunday walk", "--text",
                       "Every Sunday morning we walk by the river.", "--category", "ritual"});
  ASSERT_NO_FATAL_FAILURE(Await(b_, s.walk));
  json pending_b = b_.Json({"pending"});
  ASSERT_EQ(pending_b["proposals"].size(), 2u) << pending_b.dump();
  EXPECT_EQ(pending_b["proposals"][0]["kind"], "propose");
  EXPECT_TRUE(a_.Json({"pending"})["proposals"].empty());
  a_.ExpectRefused({"agree", "accept", Prefix(s.phones)}, "accepted by the partner who did not make it");
  a_.ExpectRefused({"agree", "accept", s.phones.substr(0, 4)}, "at least 6 hex digits");
  b_.ExpectRefused({"agree", "accept", "ffffff00"},
                   "no proposal or agreement has an id starting with ffffff00");
  s.accepted = b_.WriteId({"agree", "accept", Prefix(s.phones), "--note", "Yes. I want this."});
  s.declined =
      b_.WriteId({"agree", "decline", Prefix(s.walk), "--reason", "Sunday mornings are for my mother."});
  ASSERT_NO_FATAL_FAILURE(Await(a_, s.declined));
  a_.ExpectRefused({"checkin", "agreement", Prefix(s.walk), "--outcome", "kept"},
                   "the agreement was declined");
}

// One day: feelings from both, rising unevenly; agreement check-ins;
// appreciations; and whatever else happened that day.
void Ledger::LiveADay(int day) {
  static constexpr int kWobble[] = {0, -1, 1, 0, -2, 1, 0};
  auto scale = [day](int base, int wobble) { return std::clamp(base + day * 5 / kDays + wobble, 1, 10); };
  const std::string n = std::to_string(day);
  ASSERT_NO_FATAL_FAILURE(Feelings(a_, scale(3, kWobble[day % 7]), scale(2, kWobble[(day + 2) % 7]),
                                   "day " + n + ": you listened"));
  ASSERT_NO_FATAL_FAILURE(Feelings(b_, scale(4, kWobble[(day + 3) % 7]), scale(3, kWobble[(day + 5) % 7]),
                                   "day " + n + ": you came home early"));
  if (day % 3 == 0) {
    ASSERT_NO_FATAL_FAILURE(AgreementCheckIn(a_, day % 9 == 0 ? "struggled" : "kept"));
  }
  if (day % 4 == 1) {
    ASSERT_NO_FATAL_FAILURE(AgreementCheckIn(b_, day == 9 ? "missed" : "kept"));
  }
  if (day % 6 == 2) {
    a_.WriteId({"appreciate", "You made tea without being asked"});
    a_.counts().appreciations++;
  }
  if (day % 7 == 3) {
    b_.WriteId({"appreciate", "You told me the truth about Tuesday"});
    b_.counts().appreciations++;
  }
  LiveTheRestOfADay(day);
}

void Ledger::LiveTheRestOfADay(int day) {
  Story& s = story_;
  switch (day) {
    case 1: {  // "home by 21:00": the next 21:00 from now
      const std::time_t before = std::time(nullptr);
      a_.WriteId({"checkin", "status", "Late at work, home by 21:00", "--until", "21:00"});
      const std::int64_t until = a_.NewestOwn("status").value("until", std::int64_t{0});
      EXPECT_TRUE(until == NextLocal(21, 0, before) || until == NextLocal(21, 0, std::time(nullptr)))
          << until;
      break;
    }
    case 3: s.sams_day3 = b_.counts().last_feeling; break;
    case 5: {  // Alex corrects their own entry, and cannot correct Sam's.
      const std::string own = a_.counts().last_feeling;
      ASSERT_FALSE(
          a_.WriteId({"correct", Prefix(own), "The tea was the day before; today was quiet."}).empty());
      ASSERT_NO_FATAL_FAILURE(Await(a_, s.sams_day3));
      a_.ExpectRefused({"correct", s.sams_day3, "Sam meant something else"},
                       "only the author of an entry can correct it");
      a_.ExpectRefused({"correct", Prefix(s.sams_day3), "Sam meant something else"},
                       "no entry of yours has an id starting with");
      break;
    }
    case 6:
      a_.WriteId({"meeting", "--appreciations", "The tea, the walk home", "--went-well",
                  "We kept dinner quiet", "--issue", "Phone at night", "--i-will-try",
                  "Charge it in the hall", "--partner-will-try", "Say when it hurts"});
      a_.counts().meetings++;
      break;
    case 8:
      b_.WriteId({"trigger", "--what", "A message arrived late at night", "--intensity", "7", "--helped",
                  "Alex showed me who it was from"});
      b_.counts().triggers++;
      break;
    case 10: s.talk = a_.WriteId({"talk", "How we handle money now"}); break;
    case 12: s.sams_day12 = b_.counts().last_feeling; break;
    case 13:  // Sam withdraws a day's feelings; answers stay on the record.
      ASSERT_FALSE(b_.WriteId({"withdraw", Prefix(s.sams_day12)}).empty());
      b_.counts().feelings[s.sams_day12].withdrawn = true;
      b_.counts().checkins -= 1;
      b_.ExpectRefused({"withdraw", Prefix(s.accepted)}, "agreements, answers and phases stay on the record");
      break;
    case 14:
      ASSERT_NO_FATAL_FAILURE(Await(b_, s.talk));
      s.meeting_2 = b_.WriteId({"meeting", "--appreciations", "You asked for the money talk kindly",
                                "--issue", "Money", "--talk", Prefix(s.talk)});
      b_.counts().meetings++;
      break;
    case 16:
      a_.WriteId({"repair", "--plan", "We stop when either of us floods, and come back within an hour",
                  "--feelings", "Scared, then angry", "--my-view", "I felt accused", "--partner-view",
                  "Sam felt ignored", "--triggers", "The phone again", "--my-part", "I went quiet",
                  "--partner-part", "I raised my voice"});
      a_.counts().repairs++;
      b_.WriteId({"pause", "30", "--note", "I need a breather; back at half past"});
      break;
    case 18:
      b_.WriteId({"checkin", "status", "At my sister's tonight", "--until", Date(Today() + 1) + " 10:00"});
      EXPECT_EQ(b_.NewestOwn("status").value("until", std::int64_t{0}),
                NextLocal(10, 0, std::time(nullptr), 1));
      break;
    case 20:
      s.plan = a_.WriteId({"time", "plan", "Dinner at the harbour", "--when", Date(Today() + 2) + " 19:30"});
      break;
    case 21:
      ASSERT_NO_FATAL_FAILURE(Await(b_, s.plan));
      b_.WriteId(
          {"time", "done", "Dinner at the harbour", "--plan", Prefix(s.plan), "--note", "Lovely evening"});
      b_.counts().time_together++;
      break;
    case 22: {  // Alex proposes a phase; Sam accepts it.
      s.phase =
          a_.WriteId({"phase", "attune", "--breach-named", Date(Today() - 40), "--note", "We talk again"});
      ASSERT_NO_FATAL_FAILURE(Await(b_, s.phase));
      json p = b_.Json({"pending"})["proposals"];
      ASSERT_EQ(p.size(), 1u) << p.dump();
      EXPECT_EQ(p[0]["kind"], "phase");
      EXPECT_EQ(p[0]["phase"], "attune");
      b_.WriteId({"agree", "accept", Prefix(s.phase)});
      break;
    }
    case 25: {  // Sam amends the active agreement; Alex accepts.
      s.amend = b_.WriteId({"agree", "amend", Prefix(s.phones), "--text",
                            "We put our phones in the hall during dinner and leave them there at night."});
      ASSERT_NO_FATAL_FAILURE(Await(a_, s.amend));
      json p = a_.Json({"pending"})["proposals"];
      ASSERT_EQ(p.size(), 1u) << p.dump();
      EXPECT_EQ(p[0]["kind"], "amend");
      EXPECT_EQ(p[0]["agreement"], s.phones);
      EXPECT_EQ(p[0]["agreement_title"], "Phones away at dinner");
      a_.WriteId({"agree", "accept", Prefix(s.amend), "--note", "Yes, nights too."});
      break;
    }
    case 27: b_.WriteId({"talk", "Visiting my mother at Easter"}); break;
    default: break;
  }
}

// One and the same agreements on both devices, in the states the month left them.
void Ledger::ExpectAgreements() {
  json agreements = a_.Json({"agreements"});
  EXPECT_EQ(agreements, b_.Json({"agreements"}));
  std::map<std::string, json> by_id;
  for (const auto& a : agreements["agreements"]) by_id[a["id"]] = a;
  ASSERT_EQ(by_id.size(), 2u);
  const json& p = by_id[story_.phones];
  EXPECT_EQ(p["state"], "active");
  EXPECT_EQ(p["version"], 2);
  EXPECT_EQ(p["category"], "commitment");
  EXPECT_EQ(p["review"], story_.review);
  EXPECT_EQ(p["title"], "Phones away at dinner");
  EXPECT_EQ(p["text"], "We put our phones in the hall during dinner and leave them there at night.");
  EXPECT_EQ(p["signed_by"], json::array({key_b_, key_a_}));
  EXPECT_TRUE(p["open_changes"].empty());
  for (auto* partner : {&a_, &b_}) {
    const json& o = p["outcomes"][partner == &a_ ? key_a_ : key_b_];
    EXPECT_EQ(o["kept"], partner->counts().kept);
    EXPECT_EQ(o["struggled"], partner->counts().struggled);
    EXPECT_EQ(o["missed"], partner->counts().missed);
  }
  EXPECT_EQ(by_id[story_.walk]["state"], "declined");
  EXPECT_EQ(by_id[story_.walk]["version"], 0);
  EXPECT_EQ(a_.Json({"agreements", "--state", "declined"})["agreements"].size(), 1u);
}

// Days and weeks of one member in view.trends against what they wrote.
void Ledger::ExpectTrendsOf(const json& member, Partner& p) {
  std::map<std::int64_t, std::array<int, 4>> by_day;  // mood sum, n, trust sum, n
  for (const auto& [id, f] : p.counts().feelings) {
    if (f.withdrawn) continue;
    auto& d = by_day[LocalDayOf(f.ms)];
    d[0] += f.mood, d[1] += 1, d[2] += f.trust, d[3] += 1;
  }
  ASSERT_EQ(member["days"].size(), by_day.size()) << member.dump();
  std::size_t i = 0;
  for (const auto& [day, d] : by_day) {
    int window[4] = {0, 0, 0, 0};
    for (auto w = by_day.lower_bound(day - 6); w != by_day.end() && w->first <= day; ++w) {
      for (int k = 0; k < 4; ++k) window[k] += w->second[k];
    }
    const json& point = member["days"][i++];
    EXPECT_EQ(point["date"], Date(day));
    EXPECT_DOUBLE_EQ(point["mood"].get<double>(), Round1(static_cast<double>(d[0]) / d[1]));
    EXPECT_DOUBLE_EQ(point["trust"].get<double>(), Round1(static_cast<double>(d[2]) / d[3]));
    EXPECT_DOUBLE_EQ(point["mood_avg7"].get<double>(), Round1(static_cast<double>(window[0]) / window[1]));
    EXPECT_DOUBLE_EQ(point["trust_avg7"].get<double>(), Round1(static_cast<double>(window[2]) / window[3]));
  }
  std::map<std::string, int> weeks;
  for (const auto& w : member["weeks"]) {
    for (const char* f : {"checkins", "appreciations", "triggers", "meetings", "repairs", "time_together"}) {
      weeks[f] += w[f].get<int>();
    }
  }
  const Counts& c = p.counts();
  EXPECT_EQ(weeks["checkins"], c.checkins);
  EXPECT_EQ(weeks["appreciations"], c.appreciations);
  EXPECT_EQ(weeks["triggers"], c.triggers);
  EXPECT_EQ(weeks["meetings"], c.meetings);
  EXPECT_EQ(weeks["repairs"], c.repairs);
  EXPECT_EQ(weeks["time_together"], c.time_together);
}

void Ledger::ExpectTrends() {
  json trends = a_.Json({"trends"});
  EXPECT_EQ(trends, b_.Json({"trends"}));
  ASSERT_NO_FATAL_FAILURE(ExpectTrendsOf(trends["members"][key_a_], a_));
  ASSERT_NO_FATAL_FAILURE(ExpectTrendsOf(trends["members"][key_b_], b_));
  ASSERT_EQ(trends["agreements"].size(), 1u);
  EXPECT_EQ(trends["agreements"][0]["kept"], a_.counts().kept + b_.counts().kept);
  EXPECT_EQ(trends["agreements"][0]["struggled"], a_.counts().struggled + b_.counts().struggled);
  EXPECT_EQ(trends["agreements"][0]["missed"], a_.counts().missed + b_.counts().missed);
  EXPECT_EQ(trends["phase"]["current"], "attune");
  EXPECT_EQ(trends["phase"]["breach_named"], Date(Today() - 40));
  EXPECT_EQ(trends["phase"]["days_since_breach"], 40);
}

// Nothing left to answer; Sam's talk awaits Alex; the review is due on both;
// talks, plans, statuses and the pause alike on both.
void Ledger::ExpectPendingAndTogether() {
  json pending_a = a_.Json({"pending"});
  json pending_b = b_.Json({"pending"});
  EXPECT_TRUE(pending_a["proposals"].empty());
  EXPECT_TRUE(pending_b["proposals"].empty());
  ASSERT_EQ(pending_a["talks"].size(), 1u);
  EXPECT_EQ(pending_a["talks"][0]["topic"], "Visiting my mother at Easter");
  EXPECT_TRUE(pending_b["talks"].empty()) << "Alex's talk was addressed by the meeting";
  EXPECT_EQ(pending_a["reviews_due"], pending_b["reviews_due"]);
  ASSERT_EQ(pending_a["reviews_due"].size(), 1u);
  EXPECT_EQ(pending_a["reviews_due"][0]["id"], story_.phones);

  json together = a_.Json({"together"});
  EXPECT_EQ(together, b_.Json({"together"}));
  std::map<std::string, json> talks;
  for (const auto& t : together["talks"]) talks[t["id"]] = t;
  ASSERT_EQ(talks.size(), 2u);
  EXPECT_EQ(talks[story_.talk].value("closed_by", ""), story_.meeting_2);
  ASSERT_EQ(together["plans"].size(), 1u);
  EXPECT_TRUE(together["plans"][0].contains("closed_by"));
  ASSERT_EQ(together["statuses"].size(), 2u);
  for (const auto& s : together["statuses"]) EXPECT_TRUE(s.contains("until")) << s.dump();
  ASSERT_EQ(together["pauses"].size(), 1u);
  EXPECT_EQ(together["pauses"][0]["author"], key_b_);
}

// The withdrawn entry is withdrawn, the corrected one marked, and every other
// entry took effect: the refused operations were never written.
void Ledger::ExpectTimeline(const Partner& p) {
  int corrected = 0, accepts_by_alex = 0;
  for (const auto& e : p.Timeline()) {
    if (e["id"] == story_.sams_day12) {
      EXPECT_TRUE(e.value("withdrawn", false));
      EXPECT_FALSE(e.contains("body"));
      continue;
    }
    EXPECT_TRUE(e["applied"].get<bool>()) << e.dump();
    corrected += e.contains("corrections");
    accepts_by_alex += e["kind"] == "accept" && e["author"] == key_a_;
    if (e["kind"] == "correct") {
      EXPECT_EQ(e["author"], key_a_);
    }
  }
  EXPECT_EQ(corrected, 1);
  EXPECT_EQ(accepts_by_alex, 1) << "only Alex's accept of Sam's amendment";
}

void Ledger::ExpectHumanViews() {
  auto human = b_.Ctl({"agreements"});
  EXPECT_TRUE(Contains(human.out, "Phones away at dinner  (commitment, version 2, signed by both)"))
      << human.out;
  EXPECT_TRUE(Contains(human.out, "Declined")) << human.out;
  human = a_.Ctl({"timeline", "--limit", "1000"});
  EXPECT_TRUE(Contains(human.out, story_.sams_day12.substr(0, 12) + "  Sam        withdrawn")) << human.out;
  EXPECT_TRUE(Contains(human.out, "(withdrawn)")) << human.out;
  EXPECT_TRUE(Contains(human.out, "(corrected)")) << human.out;
  EXPECT_TRUE(Contains(a_.Ctl({"pending"}).out, "Visiting my mother at Easter"));
  EXPECT_TRUE(Contains(b_.Ctl({"trends"}).out, "Phase: attune since"));
  human = b_.Ctl({"together"});
  EXPECT_TRUE(Contains(human.out, "(talked about)")) << human.out;
  EXPECT_TRUE(Contains(human.out, "(done)")) << human.out;
}

TEST_F(Ledger, AMonthOfUseMeansTheSameOnBothDevices) {
  ASSERT_NO_FATAL_FAILURE(ProposeAndAnswer());
  for (int day = 0; day < kDays; ++day) {
    ASSERT_NO_FATAL_FAILURE(LiveADay(day)) << "day " << day;
  }
  const std::string secret = "I still flinch when the phone buzzes";
  ASSERT_EQ(a_.Json({"note", "add", secret}).value("id", 0), 1);
  b_.WriteId({"seen", Prefix(b_.TimelineIds().front())});

  ASSERT_TRUE(WaitFor([&] { return Converged(); }, std::chrono::seconds(20)))
      << "a=" << a_.TimelineIds().size() << " b=" << b_.TimelineIds().size() << " expected "
      << 2 + a_.written() + b_.written();
  ExpectAgreements();
  ExpectTrends();
  ExpectPendingAndTogether();
  ExpectTimeline(a_);
  ExpectTimeline(b_);
  EXPECT_EQ(a_.Ctl({"verify"}).exit_code, 0);
  EXPECT_EQ(b_.Ctl({"verify"}).exit_code, 0);

  // The private note stays with Alex.
  EXPECT_TRUE(Contains(a_.Ctl({"note", "list"}).out, secret));
  auto notes_b = b_.Ctl({"note", "list"});
  EXPECT_EQ(notes_b.exit_code, 0);
  EXPECT_FALSE(Contains(notes_b.out, secret));
  EXPECT_FALSE(Contains(b_.Ctl({"timeline", "--json", "--limit", "1000"}).out, secret));

  ExpectHumanViews();
}

}  // namespace
}  // namespace kintsugi::testing
