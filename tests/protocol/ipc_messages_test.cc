// protocol/ipc_messages.h: the requests and replies declared once, read back
// as they were written, and docs/PROTOCOL.md's table of methods held to them.
#include "protocol/ipc_messages.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "tests/protocol/doc_tables.h"

namespace kintsugi::protocol {
namespace {

using nlohmann::json;

TEST(IpcMessages, AStatusBeforeInitSaysOnlyWhichDaemonRuns) {
  DaemonStatus fresh;
  fresh.version = "0.1.0";
  fresh.pid = 42;
  fresh.name = "not yet";  // not said before init
  const json j = fresh;
  EXPECT_EQ(j, (json{{"initialized", false}, {"version", "0.1.0"}, {"data_dir", ""}, {"pid", 42}, {"listen_port", 0}}));
}

TEST(IpcMessages, AStatusReadsBackWithItsPartnerAndSharing) {
  DaemonStatus status;
  status.initialized = true;
  status.name = "Alex";
  status.paired = true;
  status.partner = "ab";
  status.views = {7, 2};
  status.sharing = Sharing{"partner_paused", 0, 5'000, std::nullopt};
  json j = status;
  EXPECT_FALSE(j.contains("partner_name"));  // their introduction has not arrived
  EXPECT_FALSE(j.contains("transport_key"));
  EXPECT_EQ(j["views"], (json{{"folded", 7}, {"waiting", 2}}));
  auto read = ReadMessage<DaemonStatus>(j);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->partner, "ab");
  EXPECT_EQ(read->views.waiting, 2u);
  ASSERT_TRUE(read->sharing.has_value());
  EXPECT_TRUE(read->sharing->partner_paused());
  j["locked"] = "yes";
  EXPECT_FALSE(ReadMessage<DaemonStatus>(j).has_value());
}

TEST(IpcMessages, APairingRequestSendsOnlyWhatWasChosen) {
  EXPECT_EQ(json(PairInviteRequest{}), json::object());  // the daemon's default time
  EXPECT_EQ(json(PairInviteRequest{120}), (json{{"ttl_seconds", 120}}));
  EXPECT_EQ(json(PairJoinRequest{"123-a-b-c-d", ""}), (json{{"code", "123-a-b-c-d"}}));
  EXPECT_EQ(json(PairJoinRequest{"123-a-b-c-d", "10.0.0.2:47474"})["address"], "10.0.0.2:47474");
}

TEST(IpcMessages, BeforePairingThePairStatusSaysNoPartnerAndTheOpenInvite) {
  PairStatus waiting;
  waiting.invite = OpenInvite{"123-a-b-c-d", 60'000, 2};
  waiting.private_entries = 3;
  const json j = waiting;
  EXPECT_FALSE(j.contains("partner"));
  EXPECT_FALSE(j.contains("safety_number"));
  EXPECT_FALSE(j.contains("joining"));
  EXPECT_EQ(j["invite"]["expires"], "1970-01-01T00:01:00.000Z");
  auto read = ReadMessage<PairStatus>(j);
  ASSERT_TRUE(read.has_value() && read->invite.has_value());
  EXPECT_EQ(read->invite->attempts, 2u);
  EXPECT_EQ(read->private_entries, 3u);
  EXPECT_FALSE(read->paired);
}

// Each list's words under its own field (a talk's topic, a plan's what, a
// status's text, a pause's note); withdrawn words are said, not sent empty.
TEST(IpcMessages, TogetherSaysEachListsWordsUnderItsOwnFieldAndReadsBackTheSame) {
  TogetherReply view;
  view.talks.push_back({"t1", "ab", 1'000, 0, "", "money", false, TalkAnswer{"a1", "yes", 2'000, "tonight", false}});
  view.talks.push_back({"t2", "cd", 1'500, 0, "m1", "", true, std::nullopt});
  view.plans.push_back({"p1", "ab", 3'000, 86'400'000, "", "dinner by the river", false, std::nullopt});
  view.statuses.push_back({"s1", "cd", 4'000, 5'000, "", "home by 11:30", false, std::nullopt});
  view.pauses.push_back({"z1", "ab", 6'000, 7'000, "", "", false, std::nullopt});
  const json j = view;
  EXPECT_EQ(j["talks"][0]["topic"], "money");
  EXPECT_EQ(j["talks"][0]["answer"]["note"], "tonight");
  EXPECT_EQ(j["talks"][0]["time"], "1970-01-01T00:00:01.000Z");
  EXPECT_FALSE(j["talks"][0].contains("closed_by"));
  EXPECT_FALSE(j["talks"][0].contains("until"));
  EXPECT_EQ(j["talks"][1]["withdrawn"], true);
  EXPECT_FALSE(j["talks"][1].contains("topic"));
  EXPECT_EQ(j["talks"][1]["closed_by"], "m1");
  EXPECT_EQ(j["plans"][0]["what"], "dinner by the river");
  EXPECT_EQ(j["plans"][0]["until_ms"], 86'400'000u);
  EXPECT_EQ(j["statuses"][0]["text"], "home by 11:30");
  EXPECT_FALSE(j["pauses"][0].contains("note")) << "a pause without a note";
  auto read = ReadMessage<TogetherReply>(j);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, view);
}

// A proposal sends the words its kind has and nothing empty; a change names
// its agreement; the talks are written as view.together's.
TEST(IpcMessages, PendingSendsEachProposalsOwnWordsAndReadsBackTheSame) {
  PendingReply view;
  PendingProposal propose;
  propose.id = "p1";
  propose.kind = "propose";
  propose.author = "ab";
  propose.time_ms = 1'000;
  propose.title = "Tell before plans change";
  propose.text = "A message before 18:00.";
  view.proposals.push_back(propose);
  PendingProposal retire;
  retire.id = "p2";
  retire.kind = "retire";
  retire.author = "ab";
  retire.withdrawn = true;
  retire.agreement = "a1";
  retire.agreement_title = "Sundays";
  view.proposals.push_back(retire);
  view.talks.push_back({"t1", "ab", 2'000, 0, "", "the holidays", false, std::nullopt});
  view.reviews_due.push_back({"a1", "2026-12-01", "Sundays"});
  const json j = view;
  EXPECT_EQ(j["proposals"][0]["title"], "Tell before plans change");
  EXPECT_FALSE(j["proposals"][0].contains("reason"));
  EXPECT_FALSE(j["proposals"][0].contains("agreement"));
  EXPECT_EQ(j["proposals"][1]["withdrawn"], true);
  EXPECT_EQ(j["proposals"][1]["agreement_title"], "Sundays");
  EXPECT_EQ(j["talks"][0]["topic"], "the holidays");
  EXPECT_EQ(j["reviews_due"][0]["review"], "2026-12-01");
  auto read = ReadMessage<PendingReply>(j);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, view);
}

TEST(IpcMessages, PeersSayThePartnersPauseAndDiscoveryOffSaysOnlyThat) {
  PeersReply reply;
  PeerState& sam = reply.peers.emplace_back();
  sam.author = "ab";
  sam.online = true;
  sam.paused_since_ms = 2'000;
  reply.refused.push_back({"cd", "10.0.0.9:5555", 3, 9});
  json j = reply;
  EXPECT_EQ(j["peers"][0]["paused_since"], "1970-01-01T00:00:02.000Z");
  EXPECT_EQ(j["discovery"], (json{{"enabled", false}}));
  EXPECT_FALSE(j.contains("sharing"));  // not paired
  sam.paused_since_ms = 0;
  EXPECT_FALSE(json(sam).contains("paused_since"));
  auto read = ReadMessage<PeersReply>(j);
  ASSERT_TRUE(read.has_value());
  ASSERT_EQ(read->peers.size(), 1u);
  EXPECT_TRUE(read->peers[0].online);
  EXPECT_EQ(read->peers[0].paused_since_ms, 2'000u);
  EXPECT_EQ(read->refused[0].count, 3u);
  j["peers"][0]["online"] = "yes";
  EXPECT_FALSE(ReadMessage<PeersReply>(j).has_value());
}

TEST(IpcMessages, ASharingObjectSaysOnlyThePausesThereAre) {
  json sharing = Sharing{};
  EXPECT_EQ(sharing, (json{{"state", "sharing"}, {"paused", false}, {"partner_paused", false}}));
  sharing = Sharing{"paused", 1'764'140'000'000, 0, std::nullopt};
  EXPECT_EQ(sharing["paused"], true);
  EXPECT_EQ(sharing["paused_since"], "2025-11-26T06:53:20.000Z");
  EXPECT_EQ(sharing["paused_since_ms"], 1'764'140'000'000u);
  EXPECT_FALSE(sharing.contains("partner_paused_since"));
  EXPECT_FALSE(sharing.contains("ended"));
  auto read = ReadMessage<Sharing>(sharing);
  ASSERT_TRUE(read.has_value());
  EXPECT_TRUE(read->paused());
  EXPECT_FALSE(read->partner_paused());
  EXPECT_EQ(read->paused_since_ms, 1'764'140'000'000u);
}

TEST(IpcMessages, AnEndKnownOnlyByItsClosedLinkSaysNoMore) {
  Sharing locked{"ended", 0, 0, SharingEnded{}};
  locked.ended->link_closed = true;
  const json j = locked;
  EXPECT_EQ(j["ended"], (json{{"link_closed", true}}));
  const Sharing full{"ended", 0, 0, SharingEnded{"ab", "Sam", true, "cd", 1'000, false}};
  auto read = ReadMessage<Sharing>(json(full));
  ASSERT_TRUE(read.has_value() && read->ended.has_value());
  EXPECT_EQ(read->ended->name, "Sam");
  EXPECT_TRUE(read->ended->by_me);
  EXPECT_EQ(read->ended->time_ms, 1'000u);
  EXPECT_EQ(json(full)["ended"]["time"], "1970-01-01T00:00:01.000Z");
}

// A timeline entry writes what it has: a withdrawn one no body, an applied
// one no reason, one that corrects nothing no corrections; a page at the
// oldest a null cursor. It reads back the same.
TEST(IpcMessages, ATimelineEntrySaysOnlyWhatItHasAndReadsBackTheSame) {
  TimelineEntry kept;
  kept.rowid = 7;
  kept.id = "aa";
  kept.author = "bb";
  kept.name = "Sam";
  kept.seq = 3;
  kept.hlc = 99;
  kept.time = "2026-12-07T09:00:00.000Z";
  kept.verified = true;
  kept.body = json{{"kind", "checkin"}, {"note", "home by nine"}};
  kept.kind = "checkin";
  kept.applied = true;
  kept.corrections = {"cc"};
  kept.cursor = "99:bb";
  const json j = kept;
  EXPECT_EQ(j["body"]["note"], "home by nine");
  EXPECT_EQ(j["corrections"], json::array({"cc"}));
  for (const char* absent : {"fault", "withdrawn", "reason_code", "reason", "ref"}) {
    EXPECT_FALSE(j.contains(absent)) << absent;
  }
  TimelineEntry gone = kept;
  gone.name.clear();
  gone.body = json();
  gone.withdrawn = true;
  gone.applied = false;
  gone.reason_code = "withdrawn";
  gone.reason = "its words were withdrawn";
  gone.ref = "dd";
  gone.corrections.clear();
  const TimelineReply page{{kept, gone}, std::nullopt};
  const json p = page;
  EXPECT_TRUE(p["next_before"].is_null());
  EXPECT_FALSE(p["entries"][1].contains("body"));
  EXPECT_FALSE(p["entries"][1].contains("name"));
  EXPECT_EQ(p["entries"][1]["withdrawn"], true);
  EXPECT_EQ(p["entries"][1]["reason_code"], "withdrawn");
  auto read = ReadMessage<TimelineReply>(p);
  ASSERT_TRUE(read.has_value());
  EXPECT_FALSE(read->next_before.has_value());
  ASSERT_EQ(read->entries.size(), 2u);
  EXPECT_EQ(json(read->entries[0]), j);
  EXPECT_EQ(json(read->entries[1]), p["entries"][1]);
  EXPECT_TRUE(read->entries[1].body.is_null());
  EXPECT_EQ(ReadMessage<TimelineReply>(json(TimelineReply{{}, "99:bb"}))->next_before, "99:bb");
  // A request sends only the filters given.
  EXPECT_EQ(json(TimelineRequest{5, "", "partner", "feelings", "", ""}),
            (json{{"limit", 5}, {"author", "partner"}, {"kind", "feelings"}}));
}

// A day says only the scales given that day; a phase only what is known of
// it. Both read back the same.
TEST(IpcMessages, TrendsSayOnlyTheScalesGivenAndThePhaseKnown) {
  TrendsReply trends;
  trends.from = "2026-11-01";
  trends.to = "2026-12-01";
  TrendMember& sam = trends.members["ab"];
  sam.name = "Sam";
  sam.days.push_back({"2026-11-30", 6.5, 6.0, std::nullopt, std::nullopt});
  sam.weeks.push_back({"2026-11-30", 1, 2, 3, 4, 5, 6});
  trends.agreements.push_back({"cd", "active", 2, 1, 0});
  trends.phase.current = "attune";
  trends.phase.since = "2026-11-02T10:00:00.000Z";
  const json j = trends;
  const json& day = j["members"]["ab"]["days"][0];
  EXPECT_EQ(day["mood"], 6.5);
  EXPECT_FALSE(day.contains("trust"));
  EXPECT_FALSE(day.contains("trust_avg7"));
  EXPECT_EQ(j["phase"], (json{{"current", "attune"}, {"since", "2026-11-02T10:00:00.000Z"}}));
  auto read = ReadMessage<TrendsReply>(j);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(json(*read), j);
  EXPECT_FALSE(read->members.at("ab").days[0].trust.has_value());
  EXPECT_FALSE(read->phase.days_since_breach.has_value());
  trends.phase.breach_named = "2026-10-01";
  trends.phase.days_since_breach = 61;
  EXPECT_EQ(ReadMessage<TrendsReply>(json(trends))->phase.days_since_breach, 61);
  EXPECT_FALSE(ReadMessage<TrendsReply>(json{{"members", {{"ab", {{"days", {{{"mood", "high"}}}}}}}}}).has_value());
}

// An agreement writes its words always (empty when withdrawn), `since` and
// `review` only when set; a change only the words it carries; an answer in
// the history no status. Each reads back the same.
TEST(IpcMessages, AnAgreementSaysWhatItCarriesAndReadsBackTheSame) {
  AgreementView a;
  a.id = "aa";
  a.state = "proposed";
  a.category = "need";
  a.title = "Walks";
  a.text = "A walk on Sundays.";
  a.proposer = "bb";
  a.proposed = "2026-12-07T09:00:00.000Z";
  a.signed_by = {"bb"};
  a.outcomes["bb"] = {2, 1, 0};
  a.history.push_back({"aa", "propose", "bb", a.proposed, "open", ""});
  a.history.push_back({"cc", "accept", "dd", "2026-12-07T10:00:00.000Z", "", ""});
  AgreementChange retire;
  retire.id = "ee";
  retire.kind = "retire";
  retire.author = "dd";
  retire.time = "2026-12-07T11:00:00.000Z";
  retire.reason = "it served us";
  a.open_changes.push_back(retire);
  const json j = AgreementsReply{{a}};
  const json& written = j["agreements"][0];
  EXPECT_EQ(written["outcomes"]["bb"], (json{{"kept", 2}, {"struggled", 1}, {"missed", 0}}));
  for (const char* absent : {"since", "review", "withdrawn"}) EXPECT_FALSE(written.contains(absent)) << absent;
  EXPECT_EQ(written["history"][0]["status"], "open");
  EXPECT_FALSE(written["history"][1].contains("status"));
  EXPECT_FALSE(written["history"][1].contains("answered_by"));
  EXPECT_EQ(written["open_changes"][0], (json{{"id", "ee"},
                                              {"kind", "retire"},
                                              {"author", "dd"},
                                              {"time", "2026-12-07T11:00:00.000Z"},
                                              {"reason", "it served us"}}));
  auto read = ReadMessage<AgreementsReply>(j);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, AgreementsReply{{a}});
  a.title.clear();
  a.withdrawn = true;
  a.since = "2026-12-08T09:00:00.000Z";
  a.review = "2027-01-01";
  const json later = a;
  EXPECT_EQ(later["title"], "");
  EXPECT_EQ(later["withdrawn"], true);
  EXPECT_EQ(ReadMessage<AgreementView>(later), a);
  EXPECT_FALSE(ReadMessage<AgreementsReply>(json{{"agreements", {{{"version", "two"}}}}}).has_value());
  // A request sends the state only when one is asked for.
  EXPECT_EQ(json(AgreementsRequest{}), json::object());
  EXPECT_EQ(json(AgreementsRequest{"active"}), (json{{"state", "active"}}));
}

// The entries' messages: a request sends only what is given, a check-in's
// `kind` is append's alone, a log entry says only what it has, and the last
// page has a null cursor. Each reads back the same.
TEST(IpcMessages, EntriesSayOnlyWhatTheyHaveAndReadBackTheSame) {
  EXPECT_EQ(json(CheckIn{"home by nine", std::nullopt, 4}), (json{{"note", "home by nine"}, {"trust", 4}}));
  EXPECT_EQ(json(LogRequest{}), json::object());
  EXPECT_EQ(json(LogRequest{20, 0}), (json{{"limit", 20}}));
  EXPECT_EQ(json(ExportRequest{"", "2026-12-01"}), (json{{"to", "2026-12-01"}}));
  const AppendedReply checkin{"aa", "", 3, 99, "2026-12-07T09:00:00.000Z"};
  EXPECT_FALSE(json(checkin).contains("kind"));
  EXPECT_EQ(json(AppendedReply{"aa", "seen", 3, 99, ""})["kind"], "seen");
  EXPECT_EQ(ReadMessage<AppendedReply>(json(checkin))->seq, 3u);

  LogEntry kept{7, "aa", "bb", 3, 99, "2026-12-07T09:00:00.000Z", true, "", json{{"kind", "checkin"}}, false};
  LogEntry gone = kept;
  gone.body = json();
  gone.withdrawn = true;
  LogEntry broken = kept;
  broken.verified = false;
  broken.fault = "bad signature";
  broken.body = json();
  const json page = LogReply{{kept, gone, broken}, 7};
  EXPECT_EQ(page["next_before"], 7);
  EXPECT_FALSE(page["entries"][0].contains("fault"));
  EXPECT_FALSE(page["entries"][0].contains("withdrawn"));
  EXPECT_FALSE(page["entries"][1].contains("body"));
  EXPECT_EQ(page["entries"][2]["fault"], "bad signature");
  auto read = ReadMessage<LogReply>(page);
  ASSERT_TRUE(read.has_value());
  ASSERT_EQ(read->entries.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(json(read->entries[i]), page["entries"][i]) << i;
  EXPECT_EQ(read->next_before, 7);
  EXPECT_TRUE(json(LogReply{})["next_before"].is_null());
  EXPECT_FALSE(ReadMessage<LogReply>(json(LogReply{}))->next_before.has_value());

  const VerifyReply report{false, 12, {{4, "aa", "bb", 2, "fork", "a second entry at seq 2"}}, 1};
  const json r = report;
  EXPECT_EQ(r["faults"][0]["reason"], "fork");
  auto again = ReadMessage<VerifyReply>(r);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(json(*again), r);
  EXPECT_FALSE(ReadMessage<VerifyReply>(json{{"entries_checked", "twelve"}}).has_value());
}

TEST(IpcMessages, AReplyOfTheWrongShapeIsNoReply) {
  EXPECT_FALSE(ReadMessage<Sharing>(json{{"paused_since_ms", "yesterday"}}).has_value());
  EXPECT_FALSE(ReadMessage<Sharing>(json::array()).has_value());
  EXPECT_FALSE(ReadMessage<WithdrawMineReply>(json{{"kept", {{"status", "two"}}}}).has_value());
  EXPECT_FALSE(ReadMessage<NoteListReply>(json{{"notes", {{{"id", "seven"}}}}}).has_value());
  EXPECT_FALSE(ReadMessage<TimelineReply>(json{{"entries", {{{"seq", "three"}}}}}).has_value());
  // Missing fields take their defaults.
  EXPECT_EQ(ReadMessage<WithdrawMineReply>(json::object())->withdrawn, 0);
}

TEST(IpcMessages, AnUnreadableNoteHasNoText) {
  const json readable = Note{3, "2026-12-07T09:00:00.000Z", "mine alone", false};
  EXPECT_EQ(readable["text"], "mine alone");
  EXPECT_FALSE(readable.contains("unreadable"));
  const json unreadable = Note{4, "2026-12-07T09:00:00.000Z", "", true};
  EXPECT_FALSE(unreadable.contains("text"));
  EXPECT_EQ(unreadable["unreadable"], true);
  auto list = ReadMessage<NoteListReply>(json{{"notes", {readable, unreadable}}});
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->notes.size(), 2u);
  EXPECT_EQ(list->notes[0].text, "mine alone");
  EXPECT_TRUE(list->notes[1].unreadable);
}

TEST(IpcMessages, ALeaveWithoutAWordSendsNoNote) {
  EXPECT_EQ(json(SharingLeaveRequest{}), json::object());
  EXPECT_EQ(json(SharingLeaveRequest{"goodbye"}), (json{{"note", "goodbye"}}));
}

// A method's row in the table: its params, and its result with "as
// `other.method`" read as that method's fields and error codes left out.
struct DocumentedMethod {
  std::set<std::string> params;
  std::set<std::string> result;
};

std::map<std::string, DocumentedMethod> DocumentedMethods() {
  std::map<std::string, DocumentedMethod> methods;
  for (const auto& cells : testing::ProtocolTable("| method | params | result |")) {
    if (cells.size() < 3) continue;
    for (const std::string& name : testing::NamesIn(cells[0])) {
      methods[name] = {testing::NamesIn(cells[1]), testing::NamesIn(cells[2])};
    }
  }
  std::map<std::string, std::set<std::string>> results;
  for (const MessageSpec& spec : MessageSpecs()) {
    results[std::string(MethodName(spec.method))] = {spec.result.begin(), spec.result.end()};
  }
  for (auto& [name, method] : methods) {
    std::set<std::string> fields;
    for (const std::string& field : method.result) {
      const bool error_code = ErrorCodeFromName(field) != ErrorCode::kInternal || field == "internal";
      if (error_code) continue;
      if (FindMethod(field) && results.contains(field)) {
        fields.insert(results[field].begin(), results[field].end());
      } else {
        fields.insert(field);
      }
    }
    method.result = std::move(fields);
  }
  return methods;
}

TEST(IpcMessages, TheProtocolsTableOfMethodsIsTheDeclaredOne) {
  const auto documented = DocumentedMethods();
  ASSERT_FALSE(documented.empty()) << "docs/PROTOCOL.md has no table of methods";
  for (const MethodSpec& method : kMethods) {
    EXPECT_TRUE(documented.contains(std::string(method.name))) << method.name << " is not in docs/PROTOCOL.md";
  }
  ASSERT_FALSE(MessageSpecs().empty());
  for (const MessageSpec& spec : MessageSpecs()) {
    const std::string name(MethodName(spec.method));
    auto row = documented.find(name);
    ASSERT_NE(row, documented.end()) << name << " is not in docs/PROTOCOL.md";
    EXPECT_EQ(row->second.params, std::set<std::string>(spec.params.begin(), spec.params.end())) << name;
    EXPECT_EQ(row->second.result, std::set<std::string>(spec.result.begin(), spec.result.end())) << name;
  }
}

}  // namespace
}  // namespace kintsugi::protocol
