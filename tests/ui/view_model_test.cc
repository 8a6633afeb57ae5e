// The window's view-model, without a window and without mocks: its
// DaemonLink is the real IPC dispatcher in-process (tests/ui/dispatcher_link.h)
// over a real engine on SQLite files in a temporary directory. Two partners
// are paired in memory and synced by hand between their actions, as the
// daemon tests do. The dispatcher has no network services, so `pair.status`
// and `peers` answer `unavailable`; the view-model must show the rest.
//
// The view-model's clock is the test's clock, the one the engines read.
#include "ui/view_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <set>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "daemon/pairing_service.h"
#include "protocol/invite.h"
#include "protocol/kinds.h"
#include "tests/daemon/pairing_support.h"
#include "tests/ui/dispatcher_link.h"

namespace kintsugi::ui {
namespace {

using daemon::testing::Device;
using daemon::testing::Outcomes;
using daemon::testing::Pull;
using daemon::testing::Pulled;
using daemon::testing::Seed;
using daemon::testing::TestClock;
using daemon::testing::WholeTimeline;
using nlohmann::json;
using testing::DeadLink;
using testing::DispatcherLink;
using testing::Partner;

constexpr std::uint64_t kMinuteMs = 60'000;
constexpr std::uint64_t kDayMs = 86'400'000;
// Midday (UTC) of 2023-11-14: a day of writing does not cross midnight.
constexpr std::uint64_t kStartMs = TestClock::kStart - 10 * 3'600'000;

// An action that went through: no error, and words for the person.
::testing::AssertionResult Done(const Notice& n) {
  if (n.error) return ::testing::AssertionFailure() << "failed: " << n.text;
  if (n.text.empty()) return ::testing::AssertionFailure() << "done, but says nothing";
  return ::testing::AssertionSuccess();
}

// An action that was refused with exactly `words`.
::testing::AssertionResult Refused(const Notice& n, const std::string& words) {
  if (!n.error) return ::testing::AssertionFailure() << "went through: " << n.text;
  if (n.text != words) return ::testing::AssertionFailure() << "refused with \"" << n.text << "\"";
  return ::testing::AssertionSuccess();
}

std::vector<std::string> Ids(const std::vector<json>& entries) {
  std::vector<std::string> ids;
  for (const auto& e : entries) ids.push_back(e.value("id", ""));
  return ids;
}

// The rows the engine itself shows, newest first: what the window must show.
std::vector<std::string> EngineTimelineIds(Device& d) {
  std::vector<std::string> ids;
  for (const auto& row : WholeTimeline(*d.engine)) ids.push_back(row.id);
  return ids;
}

const json* FindEntry(const std::vector<json>& entries, const std::string& id) {
  auto it = std::find_if(entries.begin(), entries.end(), [&](const json& e) { return e.value("id", "") == id; });
  return it == entries.end() ? nullptr : &*it;
}

// The newest row the window shows; null (failing any .at()) when none.
const json& Newest(const ViewModel& vm) {
  static const json kNone;
  if (vm.timeline().empty()) {
    ADD_FAILURE() << "the timeline is empty";
    return kNone;
  }
  return vm.timeline().front();
}

std::size_t CountDistinct(const std::vector<std::string>& ids) {
  return std::set<std::string>(ids.begin(), ids.end()).size();
}

// This machine's local date of `unix_ms`, "YYYY-MM-DD".
std::string LocalDate(std::uint64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm local{};
  localtime_r(&t, &local);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &local);
  return buf;
}

// Unix ms of the next local hour:minute strictly after `now_ms`.
std::uint64_t NextLocal(std::uint64_t now_ms, int hour, int minute) {
  const std::time_t now = static_cast<std::time_t>(now_ms / 1000);
  std::tm at{};
  localtime_r(&now, &at);
  at.tm_hour = hour;
  at.tm_min = minute;
  at.tm_sec = 0;
  at.tm_isdst = -1;
  const std::uint64_t today = static_cast<std::uint64_t>(std::mktime(&at)) * 1000;
  if (today > now_ms) return today;
  at.tm_mday += 1;
  at.tm_isdst = -1;
  return static_cast<std::uint64_t>(std::mktime(&at)) * 1000;
}

// Sends `n` feelings check-ins from the window, a minute apart, the first
// appreciating `first_words`.
void SendManyFeelings(ViewModel& vm, TestClock& clock, int n, const std::string& first_words = "") {
  for (int i = 0; i < n; ++i) {
    clock.Advance(kMinuteMs);
    vm.feelings.mood = 1 + i % 10;
    vm.feelings.trust = 10 - i % 10;
    vm.feelings.appreciated = i == 0 && !first_words.empty() ? first_words : "day " + std::to_string(i);
    ASSERT_TRUE(Done(vm.SendFeelings())) << "check-in " << i;
  }
}

// Reads every page there is; false when paging does not end.
bool LoadAll(ViewModel& vm) {
  for (int guard = 0; guard < 100; ++guard) {
    if (!vm.LoadMoreTimeline()) return !vm.timeline_has_more();
  }
  return false;
}

// --- First run: a daemon with no ledger yet ---

class FirstRun : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(ana.vm, nullptr); }
  TestClock clock{kStartMs};
  Partner ana{1, clock};
};

TEST_F(FirstRun, RefreshOnAnUninitialisedDaemonShowsTheFirstRunScreen) {
  ViewModel& vm = *ana.vm;
  EXPECT_TRUE(vm.stale());
  ASSERT_TRUE(vm.Refresh());
  EXPECT_TRUE(vm.connected());
  EXPECT_EQ(vm.connection_problem(), "");
  EXPECT_FALSE(vm.stale());
  EXPECT_FALSE(vm.initialized());
  EXPECT_EQ(vm.screen(), Screen::kFirstRun);
  EXPECT_EQ(vm.my_name(), "");
  // Views of a ledger that does not exist yet are not asked for.
  EXPECT_EQ(ana.link->methods(), std::vector<std::string>{"status"});
}

TEST_F(FirstRun, ShowStaysOnTheFirstRunScreenUntilThereIsALedger) {
  ViewModel& vm = *ana.vm;
  ASSERT_TRUE(vm.Refresh());
  for (Screen s : kMainScreens) {
    vm.Show(s);
    EXPECT_EQ(vm.screen(), Screen::kFirstRun) << ScreenName(s);
  }
  vm.Show(Screen::kPair);
  EXPECT_EQ(vm.screen(), Screen::kFirstRun);
}

TEST_F(FirstRun, InitWithANameMovesOnAndNamesMe) {
  ViewModel& vm = *ana.vm;
  ASSERT_TRUE(vm.Refresh());
  vm.name_input = "  Ana ";
  Notice welcome = vm.Init();
  ASSERT_TRUE(Done(welcome));
  EXPECT_NE(welcome.text.find("Ana"), std::string::npos) << welcome.text;
  EXPECT_EQ(vm.screen(), Screen::kPair);
  EXPECT_TRUE(vm.stale());
  ASSERT_TRUE(vm.Refresh());
  EXPECT_TRUE(vm.initialized());
  EXPECT_FALSE(vm.paired());
  EXPECT_EQ(vm.my_name(), "Ana");
  EXPECT_EQ(vm.me(), ToHex(ana.device.self()));
  EXPECT_EQ(vm.NameOf(vm.me()), "Ana");
  EXPECT_EQ(vm.partner_name(), "");
  EXPECT_EQ(vm.screen(), Screen::kPair);  // not paired yet
  // The introduction is the first row of the timeline.
  ASSERT_EQ(vm.timeline().size(), 1u);
  EXPECT_EQ(vm.timeline()[0].at("kind"), "member");
  vm.Show(Screen::kToday);
  EXPECT_EQ(vm.screen(), Screen::kToday);
}

TEST_F(FirstRun, InitWithABlankNameStaysAndSaysWhy) {
  ViewModel& vm = *ana.vm;
  ASSERT_TRUE(vm.Refresh());
  vm.name_input = "   ";
  EXPECT_TRUE(Refused(vm.Init(), "name must not be empty"));
  ASSERT_TRUE(vm.Refresh());
  EXPECT_FALSE(vm.initialized());
  EXPECT_EQ(vm.screen(), Screen::kFirstRun);
}

TEST(NoDaemon, RefreshIsFalseAndSaysWhy) {
  DeadLink dead;
  ViewModel vm(dead, [] { return kStartMs; });
  EXPECT_FALSE(vm.Refresh());
  EXPECT_FALSE(vm.connected());
  EXPECT_EQ(vm.connection_problem(), DeadLink::kProblem);
  EXPECT_TRUE(vm.stale());  // try again next frame
  EXPECT_FALSE(vm.initialized());
  vm.feelings.mood = 7;
  EXPECT_TRUE(Refused(vm.SendFeelings(), DeadLink::kProblem));
  EXPECT_EQ(vm.feelings.mood, 7);  // nothing was sent: the form stays
  EXPECT_EQ(vm.last_notice().text, DeadLink::kProblem);
}

// --- One partner with a ledger, not paired ---

class Alone : public FirstRun {
 protected:
  void SetUp() override {
    FirstRun::SetUp();
    ana.Init("Ana");
  }
  ViewModel& vm() { return *ana.vm; }
};

TEST_F(Alone, LosingTheDaemonKeepsWhatWasShownAndSaysWhy) {
  ana.link->Cut("kintsugid did not answer within 2000 ms");
  EXPECT_FALSE(vm().Refresh());
  EXPECT_FALSE(vm().connected());
  EXPECT_EQ(vm().connection_problem(), "kintsugid did not answer within 2000 ms");
  EXPECT_EQ(vm().my_name(), "Ana");
  EXPECT_EQ(vm().timeline().size(), 1u);
  ana.link->Restore();
  EXPECT_TRUE(vm().Refresh());
  EXPECT_TRUE(vm().connected());
  EXPECT_EQ(vm().connection_problem(), "");
}

TEST_F(Alone, OnEventMarksTheViewsStale) {
  EXPECT_FALSE(vm().stale());
  vm().OnEvent("entry.appended");
  EXPECT_TRUE(vm().stale());
  ASSERT_TRUE(vm().Refresh());
  EXPECT_FALSE(vm().stale());
}

TEST_F(Alone, FeelingsFromTheSlidersAreAlwaysValid) {
  for (int mood = 1; mood <= 10; ++mood) {
    for (int trust = 1; trust <= 10; ++trust) {
      vm().feelings.mood = mood;
      vm().feelings.trust = trust;
      EXPECT_EQ(vm().FeelingsProblem(), "") << mood << "/" << trust;
    }
  }
  vm().feelings.mood = 11;
  vm().feelings.trust = 5;
  EXPECT_EQ(vm().FeelingsProblem(), "mood must be a whole number from 1 to 10");
  // The daemon refuses it in the same words; the form stays as it was.
  EXPECT_TRUE(Refused(vm().SendFeelings(), "mood must be a whole number from 1 to 10"));
  EXPECT_EQ(vm().feelings.mood, 11);
  vm().feelings.mood = 5;
  vm().feelings.trust = 0;
  EXPECT_EQ(vm().FeelingsProblem(), "trust must be a whole number from 1 to 10");
}

// The form says "" ("would be accepted") while the daemon refuses it.
TEST_F(Alone, FeelingsProblemNamesATooLongAppreciation) {
  vm().feelings.appreciated = std::string(1001, 'a');
  Notice sent = vm().SendFeelings();
  ASSERT_TRUE(Refused(sent, "appreciated is longer than 1000 bytes"));
  vm().feelings.appreciated = std::string(1001, 'a');
  EXPECT_EQ(vm().FeelingsProblem(), sent.text);
  vm().feelings.appreciated.clear();
  vm().feelings.needed = std::string(1001, 'n');
  EXPECT_EQ(vm().FeelingsProblem(), "needed is longer than 1000 bytes");
}

TEST_F(Alone, StatusProblemSaysWhatIsWrong) {
  for (const char* blank : {"", "   "}) {
    vm().status_form.text = blank;
    EXPECT_EQ(vm().StatusProblem(), "text must not be empty") << '"' << blank << '"';
  }
  vm().status_form.text = "plans changed";
  EXPECT_EQ(vm().StatusProblem(), "");
  for (const char* until : {"9pm", "24:00", "21:60", "2100", "21:0", "ab:cd"}) {
    vm().status_form.until = until;
    EXPECT_EQ(vm().StatusProblem(), "until must be a time HH:MM") << until;
  }
  vm().status_form.until = "21:00";
  EXPECT_EQ(vm().StatusProblem(), "");
  // A refused form sends nothing.
  vm().status_form.text = " ";
  ana.link->Forget();
  EXPECT_TRUE(Refused(vm().SendStatus(), "text must not be empty"));
  vm().status_form.text = "home late";
  vm().status_form.until = "9pm";
  EXPECT_TRUE(Refused(vm().SendStatus(), "until must be a time HH:MM"));
  EXPECT_TRUE(ana.link->methods().empty());
}

TEST_F(Alone, ProposeProblemGivesTheDaemonsWords) {
  vm().propose.title = "  ";
  vm().propose.text = "We talk before we decide.";
  EXPECT_EQ(vm().ProposeProblem(), "title must not be empty");
  EXPECT_TRUE(Refused(vm().Propose(), "title must not be empty"));
  EXPECT_EQ(vm().propose.text, "We talk before we decide.");  // refused: the form stays
  vm().propose.title = "Talk first";
  vm().propose.review = "2024-02-30";
  EXPECT_EQ(vm().ProposeProblem(), "review must be a date YYYY-MM-DD");
  EXPECT_TRUE(Refused(vm().Propose(), "review must be a date YYYY-MM-DD"));
  vm().propose.review = "";
  vm().propose.title = std::string(201, 't');
  EXPECT_EQ(vm().ProposeProblem(), "title is longer than 200 bytes");
  vm().propose.title = "Talk first";
  EXPECT_EQ(vm().ProposeProblem(), "");
}

TEST_F(Alone, CodeProblemGivesTheInviteCodesWords) {
  ana.link->Forget();
  vm().code_input = "  ";
  EXPECT_EQ(vm().CodeProblem(), "type the code your partner's screen shows");
  EXPECT_TRUE(Refused(vm().Join(), "type the code your partner's screen shows"));
  struct Case {
    const char* code;
    const char* words;
  };
  for (const Case& c : {Case{"hello", "expected a number and four words"},
                        Case{"0-amber-harbor-velvet-basket", "between 1 and 999"},
                        Case{"417-amber-xylophone-velvet-basket", "word 2"}}) {
    vm().code_input = c.code;
    const std::string problem = vm().CodeProblem();
    EXPECT_NE(problem.find(c.words), std::string::npos) << c.code << ": " << problem;
    EXPECT_TRUE(Refused(vm().Join(), problem)) << c.code;
    EXPECT_EQ(vm().code_input, c.code);
  }
  EXPECT_TRUE(ana.link->methods().empty()) << "a bad code reached the daemon";

  crypto::DeterministicRandom rng(Seed(40));
  const std::string good = protocol::FormatInviteCode(protocol::NewInviteCode(rng));
  vm().code_input = good;
  EXPECT_EQ(vm().CodeProblem(), "");
  // A good code goes to the daemon, which has no network here.
  Notice join = vm().Join();
  EXPECT_TRUE(join.error);
  EXPECT_NE(join.text.find("network"), std::string::npos) << join.text;
  EXPECT_EQ(vm().code_input, good);
  EXPECT_EQ(ana.link->methods(), std::vector<std::string>{"pair.join"});
}

TEST_F(Alone, SendFeelingsAppendsAndClearsTheForm) {
  EXPECT_FALSE(vm().CheckedInToday());
  vm().feelings.mood = 3;
  vm().feelings.trust = 8;
  vm().feelings.appreciated = " the tea ";
  vm().feelings.needed = "  ";
  ASSERT_TRUE(Done(vm().SendFeelings()));
  EXPECT_EQ(vm().feelings.mood, FeelingsForm{}.mood);
  EXPECT_EQ(vm().feelings.trust, FeelingsForm{}.trust);
  EXPECT_EQ(vm().feelings.appreciated, "");
  EXPECT_TRUE(vm().stale());
  ASSERT_TRUE(vm().Refresh());
  ASSERT_EQ(vm().timeline().size(), 2u);
  const json& shown = Newest(vm());
  EXPECT_EQ(shown.at("kind"), "feelings");
  EXPECT_EQ(shown.at("author"), vm().me());
  EXPECT_EQ(shown.at("body").at("mood"), 3);
  EXPECT_EQ(shown.at("body").at("trust"), 8);
  EXPECT_EQ(shown.at("body").at("appreciated"), "the tea");
  EXPECT_FALSE(shown.at("body").contains("needed"));
  EXPECT_TRUE(vm().CheckedInToday());
  // Tomorrow is another day.
  clock.Advance(kDayMs);
  ASSERT_TRUE(vm().Refresh());
  EXPECT_FALSE(vm().CheckedInToday());
}

TEST_F(Alone, SendStatusUntilAClockTimeSendsTheNextSuchTime) {
  for (const auto& [hour, minute] : {std::pair{21, 0}, std::pair{11, 30}}) {
    clock.Advance(kMinuteMs);
    const std::uint64_t now = clock.NowMillis();
    char until[6];
    std::snprintf(until, sizeof until, "%02d:%02d", hour, minute);
    vm().status_form.text = "plans changed, home by " + std::string(until);
    vm().status_form.until = until;
    ASSERT_TRUE(Done(vm().SendStatus()));
    EXPECT_EQ(vm().status_form.text, "");
    EXPECT_EQ(vm().status_form.until, "");
    ASSERT_TRUE(vm().Refresh());
    const json& shown = Newest(vm());
    ASSERT_EQ(shown.at("kind"), "status");
    ASSERT_TRUE(shown.at("body").at("until").is_number_unsigned()) << shown.dump();
    const std::uint64_t sent = shown.at("body").at("until").get<std::uint64_t>();
    EXPECT_GT(sent, now) << until;
    EXPECT_LE(sent, now + kDayMs) << until;
    EXPECT_EQ(sent, NextLocal(now, hour, minute)) << until;
  }
  ASSERT_EQ(vm().together().at("statuses").size(), 1u);
  EXPECT_EQ(vm().together().at("statuses").at(0).at("text"), "plans changed, home by 11:30");
}

TEST_F(Alone, UseTemplateFillsTheProposeForm) {
  const auto& all = AgreementTemplates();
  auto reviewed =
      std::find_if(all.begin(), all.end(), [](const AgreementTemplate& t) { return t.review_in_days == 90; });
  ASSERT_NE(reviewed, all.end());
  vm().UseTemplate(*reviewed);
  EXPECT_EQ(vm().propose.title, reviewed->title);
  EXPECT_EQ(vm().propose.text, reviewed->text);
  EXPECT_EQ(protocol::kCategories[static_cast<std::size_t>(vm().propose.category)], "boundary");
  const std::string in_90_days = protocol::DateFromDay(*protocol::DayFromDate(LocalDate(clock.NowMillis())) + 90);
  EXPECT_EQ(vm().propose.review, in_90_days);
  EXPECT_EQ(vm().ProposeProblem(), "");

  // A template without a review date clears the one before.
  auto ritual = std::find_if(all.begin(), all.end(), [](const AgreementTemplate& t) { return t.category == "ritual"; });
  ASSERT_NE(ritual, all.end());
  vm().UseTemplate(*ritual);
  EXPECT_EQ(vm().propose.review, "");
  EXPECT_EQ(protocol::kCategories[static_cast<std::size_t>(vm().propose.category)], "ritual");

  // Proposed as filled in, the agreement carries the review date.
  vm().UseTemplate(*reviewed);
  ASSERT_TRUE(Done(vm().Propose()));
  EXPECT_EQ(vm().propose.title, "");
  ASSERT_TRUE(vm().Refresh());
  ASSERT_EQ(vm().AgreementsIn("proposed").size(), 1u);
  const json proposed = vm().AgreementsIn("proposed").at(0);
  EXPECT_EQ(proposed.at("review"), in_90_days);
  EXPECT_EQ(proposed.at("category"), "boundary");
  EXPECT_EQ(proposed.at("title"), reviewed->title);
}

TEST_F(Alone, WithdrawOwnFeelingsTakesItsWordsAndItsCheckIn) {
  vm().feelings.appreciated = "words to take back";
  ASSERT_TRUE(Done(vm().SendFeelings()));
  ASSERT_TRUE(vm().Refresh());
  ASSERT_TRUE(vm().CheckedInToday());
  const std::string id = Newest(vm()).at("id");
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(vm().Withdraw(id)));
  ASSERT_TRUE(vm().Refresh());
  EXPECT_EQ(Newest(vm()).at("kind"), "withdraw");
  const json* gone = FindEntry(vm().timeline(), id);
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(gone->value("withdrawn", false), true) << gone->dump();
  EXPECT_FALSE(gone->contains("body")) << gone->dump();
  // docs/LEDGER.md: a withdrawn feelings check-in leaves the trends.
  EXPECT_FALSE(vm().CheckedInToday());
  // The introduction stays, in the rule's words.
  const std::string intro = vm().timeline().back().at("id");
  EXPECT_TRUE(Refused(vm().Withdraw(intro), "the entry that introduces you cannot be withdrawn"));
}

TEST_F(Alone, AddNoteShowsInNotes) {
  vm().note_input = "   ";
  EXPECT_TRUE(Refused(vm().AddNote(), "text must not be empty"));
  vm().note_input = "ask about the weekend, gently";
  ASSERT_TRUE(Done(vm().AddNote()));
  EXPECT_EQ(vm().note_input, "");
  ASSERT_TRUE(vm().Refresh());
  ASSERT_EQ(vm().notes().size(), 1u);
  EXPECT_EQ(vm().notes().at(0).at("text"), "ask about the weekend, gently");
  // A note is not a ledger entry.
  EXPECT_EQ(vm().timeline().size(), 1u);
}

// --- The timeline: filters, pages, refresh ---

TEST_F(Alone, LoadMoreTimelinePagesThroughEveryEntryOnce) {
  SendManyFeelings(vm(), clock, 250);
  ASSERT_TRUE(vm().Refresh());
  EXPECT_EQ(vm().timeline().size(), 100u);
  EXPECT_TRUE(vm().timeline_has_more());
  ASSERT_TRUE(vm().LoadMoreTimeline());
  EXPECT_EQ(vm().timeline().size(), 200u);
  EXPECT_TRUE(vm().timeline_has_more());
  ASSERT_TRUE(vm().LoadMoreTimeline());
  EXPECT_FALSE(vm().timeline_has_more());
  EXPECT_FALSE(vm().LoadMoreTimeline());
  const std::vector<std::string> shown = Ids(vm().timeline());
  EXPECT_EQ(shown.size(), 251u);  // 250 check-ins and the introduction
  EXPECT_EQ(CountDistinct(shown), shown.size());
  EXPECT_EQ(shown, EngineTimelineIds(ana.device));
}

TEST_F(Alone, RefreshKeepsThePagesAlreadyRead) {
  SendManyFeelings(vm(), clock, 250);
  ASSERT_TRUE(vm().Refresh());
  ASSERT_TRUE(vm().LoadMoreTimeline());
  const std::vector<std::string> before = Ids(vm().timeline());
  ASSERT_EQ(before.size(), 200u);

  clock.Advance(kMinuteMs);
  vm().feelings.appreciated = "the newest";
  ASSERT_TRUE(Done(vm().SendFeelings()));
  ASSERT_TRUE(vm().Refresh());
  const std::vector<std::string> after = Ids(vm().timeline());
  ASSERT_EQ(after.size(), 201u);
  EXPECT_EQ(Newest(vm()).at("body").at("appreciated"), "the newest");
  EXPECT_TRUE(std::equal(before.begin(), before.end(), after.begin() + 1)) << "the pages read before moved";
  EXPECT_TRUE(vm().timeline_has_more());

  ASSERT_TRUE(LoadAll(vm()));
  const std::vector<std::string> all = Ids(vm().timeline());
  EXPECT_EQ(all.size(), 252u);
  EXPECT_EQ(CountDistinct(all), all.size());
  EXPECT_EQ(all, EngineTimelineIds(ana.device));
}

// A withdrawal must take the words out of every page the window holds, not
// only the first one it reads again.
TEST_F(Alone, RefreshShowsAWithdrawalInPagesAlreadyRead) {
  SendManyFeelings(vm(), clock, 150, "words to take back");
  ASSERT_TRUE(vm().Refresh());
  ASSERT_TRUE(LoadAll(vm()));
  ASSERT_EQ(vm().timeline().size(), 151u);
  const json& oldest = vm().timeline()[149];
  ASSERT_EQ(oldest.at("body").at("appreciated"), "words to take back");
  const std::string id = oldest.at("id");

  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(vm().Withdraw(id)));
  ASSERT_TRUE(vm().Refresh());
  const json* shown = FindEntry(vm().timeline(), id);
  ASSERT_NE(shown, nullptr);
  EXPECT_EQ(shown->value("withdrawn", false), true) << shown->dump();
  EXPECT_FALSE(shown->contains("body")) << shown->dump();
  for (const json& e : vm().timeline()) {
    EXPECT_EQ(e.dump().find("words to take back"), std::string::npos) << e.dump();
  }
}

// --- Two partners, paired in memory, synced by hand ---

class Couple : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(ana.vm, nullptr);
    ASSERT_NE(bea.vm, nullptr);
    ana.Init("Ana");
    bea.Init("Bea");
    crypto::DeterministicRandom rng(Seed(50));
    Outcomes outcomes = daemon::testing::RunPairing(ana.device, bea.device, clock, rng);
    ASSERT_TRUE(outcomes.inviter && outcomes.joiner);
    ASSERT_TRUE(ana.device.engine->AdoptPairing(*outcomes.inviter).ok());
    ASSERT_TRUE(bea.device.engine->AdoptPairing(*outcomes.joiner).ok());
    Sync();
    ASSERT_TRUE(A().paired());
    ASSERT_TRUE(B().paired());
  }

  // Both ways, every chain; then both windows read again.
  void Sync() {
    Pulled to_ana = Pull(ana.device, bea.device);
    Pulled to_bea = Pull(bea.device, ana.device);
    EXPECT_TRUE(to_ana.refused.empty());
    EXPECT_TRUE(to_bea.refused.empty());
    EXPECT_TRUE(A().Refresh());
    EXPECT_TRUE(B().Refresh());
  }

  ViewModel& A() { return *ana.vm; }
  ViewModel& B() { return *bea.vm; }

  // Ana proposes an agreement and Bea accepts it; returns its id.
  std::string ActiveAgreement(const std::string& title) {
    A().propose.title = title;
    A().propose.text = "The text of " + title;
    EXPECT_TRUE(Done(A().Propose()));
    Sync();
    auto awaiting = B().AwaitingMe();
    EXPECT_EQ(awaiting.size(), 1u);
    if (awaiting.empty()) return "";
    const std::string id = awaiting[0].at("id");
    clock.Advance(kMinuteMs);
    EXPECT_TRUE(Done(B().Accept(id)));
    Sync();
    return id;
  }

  TestClock clock{kStartMs};
  Partner ana{1, clock};
  Partner bea{2, clock};
};

TEST_F(Couple, RefreshWithoutNetworkServicesStillShowsTheRest) {
  // pair.status and peers answer `unavailable` here.
  ana.link->Forget();
  ASSERT_TRUE(A().Refresh());
  const auto& called = ana.link->methods();
  EXPECT_EQ(std::count(called.begin(), called.end(), "pair.status"), 1);
  EXPECT_EQ(std::count(called.begin(), called.end(), "peers"), 1);
  EXPECT_TRUE(A().connected());
  EXPECT_EQ(A().connection_problem(), "");
  EXPECT_TRUE(A().pair_status().empty()) << A().pair_status().dump();
  EXPECT_FALSE(A().partner_online());
  EXPECT_EQ(A().partner_last_seen(), "");
  EXPECT_TRUE(Refused(A().Invite(), "networking is not available in this daemon"));
  EXPECT_EQ(A().InviteSecondsLeft(), 0);
  // The rest is there.
  EXPECT_EQ(A().partner_name(), "Bea");
  EXPECT_EQ(A().NameOf(A().me()), "Ana");
  EXPECT_EQ(A().trends().at("members").size(), 2u);
  EXPECT_TRUE(A().pending().contains("proposals"));
  EXPECT_TRUE(A().agreements().contains("agreements"));
  EXPECT_TRUE(A().together().contains("talks"));
  ASSERT_EQ(A().timeline().size(), 2u);  // both introductions
  std::set<std::string> authors;
  for (const auto& e : A().timeline()) authors.insert(e.at("author").get<std::string>());
  EXPECT_EQ(authors, (std::set<std::string>{A().me(), ToHex(bea.device.self())}));
  // A window opened on a paired daemon starts on Today.
  ViewModel fresh(*ana.link, [this] { return clock.NowMillis(); });
  ASSERT_TRUE(fresh.Refresh());
  EXPECT_EQ(fresh.screen(), Screen::kToday);
  EXPECT_EQ(fresh.partner_name(), "Bea");
}

TEST_F(Couple, ProposeAwaitsThePartnerWhoAcceptsIt) {
  A().propose.title = "Tell before plans change";
  A().propose.text = "When my plans change, I tell you before.";
  A().propose.category = 0;
  ASSERT_TRUE(Done(A().Propose()));
  EXPECT_EQ(A().propose.title, "");
  ASSERT_TRUE(A().Refresh());
  ASSERT_EQ(A().AwaitingPartner().size(), 1u);
  EXPECT_EQ(A().AwaitingPartner()[0].at("title"), "Tell before plans change");
  EXPECT_TRUE(A().AwaitingMe().empty());
  EXPECT_EQ(A().awaiting_me(), 0u);
  const std::string id = A().AwaitingPartner()[0].at("id");

  // Before the sync Bea knows nothing of it.
  ASSERT_TRUE(B().Refresh());
  EXPECT_TRUE(B().AwaitingMe().empty());
  Sync();
  ASSERT_EQ(B().AwaitingMe().size(), 1u);
  EXPECT_EQ(B().AwaitingMe()[0].at("id"), id);
  EXPECT_EQ(B().awaiting_me(), 1u);
  EXPECT_TRUE(B().AwaitingPartner().empty());
  ASSERT_EQ(B().pending().at("proposals").size(), 1u);
  EXPECT_EQ(B().pending().at("proposals").at(0).at("title"), "Tell before plans change");

  // Ana cannot sign her own proposal: the rule's words.
  EXPECT_TRUE(Refused(A().Accept(id), "a proposal is accepted by the partner who did not make it"));
  EXPECT_TRUE(Refused(A().Decline(id, "changed my mind"), "a proposal is declined by the partner who did not make it"));
  EXPECT_TRUE(A().last_notice().error);

  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(B().Accept(id)));
  Sync();
  for (ViewModel* vm : {&A(), &B()}) {
    auto active = vm->AgreementsIn("active");
    ASSERT_EQ(active.size(), 1u);
    EXPECT_EQ(active[0].at("id"), id);
    EXPECT_EQ(active[0].at("signed_by").size(), 2u);
    EXPECT_TRUE(vm->AgreementsIn("proposed").empty());
    EXPECT_EQ(vm->awaiting_me(), 0u);
  }
}

TEST_F(Couple, DeclineWithAReasonShowsOnBothSides) {
  A().propose.title = "Phones away at dinner";
  A().propose.text = "No phones at the table.";
  ASSERT_TRUE(Done(A().Propose()));
  Sync();
  ASSERT_EQ(B().AwaitingMe().size(), 1u);
  const std::string id = B().AwaitingMe()[0].at("id");
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(B().Decline(id, "  not while I am on call  ")));
  Sync();
  for (ViewModel* vm : {&A(), &B()}) {
    ASSERT_EQ(vm->AgreementsIn("declined").size(), 1u);
    EXPECT_TRUE(vm->AgreementsIn("proposed").empty());
    const json& answer = Newest(*vm);
    EXPECT_EQ(answer.at("kind"), "decline");
    EXPECT_EQ(answer.at("ref"), id);
    EXPECT_EQ(answer.at("body").at("reason"), "not while I am on call");
  }
  EXPECT_EQ(B().awaiting_me(), 0u);
}

TEST_F(Couple, CheckInAgreementCountsEachOutcome) {
  // Before it is accepted there is nothing to keep.
  A().propose.title = "Weekly meeting";
  A().propose.text = "Thirty minutes every Sunday.";
  ASSERT_TRUE(Done(A().Propose()));
  ASSERT_TRUE(A().Refresh());
  ASSERT_EQ(A().AwaitingPartner().size(), 1u);
  const std::string early = A().AwaitingPartner()[0].at("id");
  EXPECT_TRUE(Refused(A().CheckInAgreement(early, "kept", ""), "the agreement is not active yet: it awaits an answer"));
  Sync();
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(B().Accept(early)));
  Sync();
  const std::string id = early;

  ASSERT_TRUE(Done(A().CheckInAgreement(id, "kept", "we did it")));
  ASSERT_TRUE(Done(A().CheckInAgreement(id, "kept", "")));
  ASSERT_TRUE(Done(B().CheckInAgreement(id, "struggled", "I was tired")));
  EXPECT_TRUE(Refused(B().CheckInAgreement(id, "maybe", ""), "outcome must be one of: kept, struggled, missed"));
  Sync();
  for (ViewModel* vm : {&A(), &B()}) {
    auto active = vm->AgreementsIn("active");
    ASSERT_EQ(active.size(), 1u);
    const json& outcomes = active[0].at("outcomes");
    EXPECT_EQ(outcomes.at(ToHex(ana.device.self())).at("kept"), 2) << outcomes.dump();
    EXPECT_EQ(outcomes.at(ToHex(bea.device.self())).at("struggled"), 1) << outcomes.dump();
    ASSERT_EQ(vm->trends().at("agreements").size(), 1u);
    EXPECT_EQ(vm->trends().at("agreements").at(0).at("kept"), 2);
    EXPECT_EQ(vm->trends().at("agreements").at(0).at("struggled"), 1);
    EXPECT_EQ(vm->trends().at("agreements").at(0).at("missed"), 0);
  }
}

TEST_F(Couple, AmendAndRetireAreOpenChangesUntilAnswered) {
  const std::string id = ActiveAgreement("Time together");
  ASSERT_FALSE(id.empty());

  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(A().Amend(id, "  Two evenings a week, phones away.  ")));
  ASSERT_TRUE(A().Refresh());
  auto active = A().AgreementsIn("active");
  ASSERT_EQ(active.size(), 1u);
  ASSERT_EQ(active[0].at("open_changes").size(), 1u);
  EXPECT_EQ(active[0].at("open_changes").at(0).at("kind"), "amend");
  EXPECT_EQ(active[0].at("open_changes").at(0).at("text"), "Two evenings a week, phones away.");
  EXPECT_EQ(active[0].at("text"), "The text of Time together");  // not yet

  Sync();
  ASSERT_EQ(B().AwaitingMe().size(), 0u);  // the agreement is active, the change is pending
  ASSERT_EQ(B().pending().at("proposals").size(), 1u);
  const json change = B().pending().at("proposals").at(0);
  EXPECT_EQ(change.at("kind"), "amend");
  EXPECT_EQ(change.at("agreement"), id);
  EXPECT_EQ(change.at("agreement_title"), "Time together");
  EXPECT_EQ(B().awaiting_me(), 1u);
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(B().Accept(change.at("id"))));
  Sync();
  for (ViewModel* vm : {&A(), &B()}) {
    auto now_active = vm->AgreementsIn("active");
    ASSERT_EQ(now_active.size(), 1u);
    EXPECT_EQ(now_active[0].at("text"), "Two evenings a week, phones away.");
    EXPECT_TRUE(now_active[0].at("open_changes").empty());
  }

  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(B().Retire(id, "we do this without a rule now")));
  ASSERT_TRUE(B().Refresh());
  auto retiring = B().AgreementsIn("active");
  ASSERT_EQ(retiring.size(), 1u);
  ASSERT_EQ(retiring[0].at("open_changes").size(), 1u);
  EXPECT_EQ(retiring[0].at("open_changes").at(0).at("kind"), "retire");
  EXPECT_EQ(retiring[0].at("open_changes").at(0).at("reason"), "we do this without a rule now");
  Sync();
  ASSERT_EQ(A().pending().at("proposals").size(), 1u);
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(A().Accept(A().pending().at("proposals").at(0).at("id"))));
  Sync();
  for (ViewModel* vm : {&A(), &B()}) {
    EXPECT_EQ(vm->AgreementsIn("retired").size(), 1u);
    EXPECT_TRUE(vm->AgreementsIn("active").empty());
  }
}

TEST_F(Couple, RequestTalkReachesThePartnerAndAMeetingClosesIt) {
  A().talk_input = "  the holidays  ";
  ASSERT_TRUE(Done(A().RequestTalk()));
  EXPECT_EQ(A().talk_input, "");
  ASSERT_TRUE(A().Refresh());
  EXPECT_TRUE(A().pending().at("talks").empty());  // my own request awaits nobody's answer from me
  Sync();
  ASSERT_EQ(B().pending().at("talks").size(), 1u);
  EXPECT_EQ(B().pending().at("talks").at(0).at("topic"), "the holidays");
  EXPECT_EQ(B().awaiting_me(), 1u);
  const std::string talk = B().pending().at("talks").at(0).at("id");

  B().meeting.appreciations = "  ";
  EXPECT_TRUE(Refused(B().RecordMeeting({talk}), "appreciations must not be empty"));
  clock.Advance(kMinuteMs);
  B().meeting.appreciations = "You cooked all week.";
  B().meeting.issue = "the holidays";
  B().meeting.i_will_try = "call my mother myself";
  ASSERT_TRUE(Done(B().RecordMeeting({talk})));
  EXPECT_EQ(B().meeting.appreciations, "");
  Sync();
  EXPECT_TRUE(B().pending().at("talks").empty());
  EXPECT_EQ(B().awaiting_me(), 0u);
  for (ViewModel* vm : {&A(), &B()}) {
    ASSERT_EQ(vm->together().at("talks").size(), 1u);
    EXPECT_TRUE(vm->together().at("talks").at(0).contains("closed_by")) << vm->together().dump();
    EXPECT_EQ(Newest(*vm).at("kind"), "meeting");
  }
}

TEST_F(Couple, StartPauseShowsWhenIWillComeBack) {
  A().pause_minutes = 5;
  EXPECT_TRUE(Refused(A().StartPause(), "minutes must be a whole number of minutes from 20 to 1440"));
  A().pause_minutes = 20;
  ASSERT_TRUE(Done(A().StartPause()));
  Sync();
  for (ViewModel* vm : {&A(), &B()}) {
    ASSERT_EQ(vm->together().at("pauses").size(), 1u);
    EXPECT_EQ(vm->together().at("pauses").at(0).at("author"), ToHex(ana.device.self()));
  }
  clock.Advance(21 * kMinuteMs);
  ASSERT_TRUE(B().Refresh());
  EXPECT_TRUE(B().together().at("pauses").empty());
}

TEST_F(Couple, ProposePhaseTakesEffectWhenThePartnerAgrees) {
  const std::string before = A().trends().at("phase").value("current", "");
  ASSERT_NE(before, "attune");
  EXPECT_TRUE(Refused(A().ProposePhase("later"), "phase must be one of: atone, attune, attach"));
  ASSERT_TRUE(Done(A().ProposePhase("attune")));
  Sync();
  EXPECT_EQ(A().trends().at("phase").value("current", ""), before);
  ASSERT_EQ(B().pending().at("proposals").size(), 1u);
  const json proposal = B().pending().at("proposals").at(0);
  EXPECT_EQ(proposal.at("kind"), "phase");
  EXPECT_EQ(proposal.at("phase"), "attune");
  EXPECT_TRUE(Refused(A().Accept(proposal.at("id")), "a proposal is accepted by the partner who did not make it"));
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(B().Accept(proposal.at("id"))));
  Sync();
  EXPECT_EQ(A().trends().at("phase").at("current"), "attune");
  EXPECT_EQ(B().trends().at("phase").at("current"), "attune");
  EXPECT_TRUE(B().pending().at("proposals").empty());
}

TEST_F(Couple, AddNoteStaysOnThisDevice) {
  A().note_input = "remember to ask how the interview went";
  ASSERT_TRUE(Done(A().AddNote()));
  Sync();
  ASSERT_EQ(A().notes().size(), 1u);
  EXPECT_EQ(A().notes().at(0).at("text"), "remember to ask how the interview went");
  EXPECT_TRUE(B().notes().empty());
}

TEST_F(Couple, WithdrawnFeelingsLeaveBothDevices) {
  A().feelings.needed = "a quiet evening";
  ASSERT_TRUE(Done(A().SendFeelings()));
  Sync();
  const std::string id = Newest(B()).at("id");
  ASSERT_EQ(Newest(B()).at("body").at("needed"), "a quiet evening");
  EXPECT_TRUE(Refused(B().Withdraw(id), "only the author of an entry can withdraw it"));
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(A().Withdraw(id)));
  Sync();
  for (ViewModel* vm : {&A(), &B()}) {
    const json* gone = FindEntry(vm->timeline(), id);
    ASSERT_NE(gone, nullptr);
    EXPECT_EQ(gone->value("withdrawn", false), true);
    EXPECT_FALSE(gone->contains("body"));
  }
  EXPECT_FALSE(A().CheckedInToday());
}

TEST_F(Couple, TimelineFiltersByKindAndAuthor) {
  ASSERT_TRUE(Done(A().SendFeelings()));
  clock.Advance(kMinuteMs);
  A().status_form.text = "at the station";
  ASSERT_TRUE(Done(A().SendStatus()));
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(B().SendFeelings()));
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(A().SendFeelings()));
  Sync();
  const std::string ana_key = ToHex(ana.device.self());
  const std::string bea_key = ToHex(bea.device.self());
  ASSERT_EQ(A().timeline().size(), 6u);  // two introductions and four entries

  A().SetTimelineFilter("feelings", "");
  EXPECT_EQ(A().timeline_kind(), "feelings");
  EXPECT_EQ(A().timeline().size(), 3u);
  for (const auto& e : A().timeline()) EXPECT_EQ(e.at("kind"), "feelings");

  A().SetTimelineFilter("feelings", "me");
  EXPECT_EQ(A().timeline_author(), "me");
  EXPECT_EQ(A().timeline().size(), 2u);
  for (const auto& e : A().timeline()) EXPECT_EQ(e.at("author"), ana_key);

  A().SetTimelineFilter("", "partner");
  EXPECT_EQ(A().timeline().size(), 2u);  // Bea's introduction and check-in
  for (const auto& e : A().timeline()) EXPECT_EQ(e.at("author"), bea_key);

  A().SetTimelineFilter("status", "partner");
  EXPECT_TRUE(A().timeline().empty());
  EXPECT_FALSE(A().timeline_has_more());

  // A filter survives Refresh.
  ASSERT_TRUE(A().Refresh());
  EXPECT_TRUE(A().timeline().empty());
  A().SetTimelineFilter("status", "me");
  ASSERT_EQ(A().timeline().size(), 1u);
  EXPECT_EQ(A().timeline()[0].at("body").at("text"), "at the station");

  A().SetTimelineFilter("", "");
  EXPECT_EQ(A().timeline().size(), 6u);
}

TEST_F(Couple, FilteredTimelinePagesThroughEveryMatchingEntry) {
  for (int i = 0; i < 120; ++i) {
    clock.Advance(kMinuteMs);
    ASSERT_TRUE(Done(A().SendFeelings()));
    A().appreciation_input = "thank you " + std::to_string(i);
    ASSERT_TRUE(Done(A().Appreciate()));
  }
  Sync();
  A().SetTimelineFilter("appreciation", "me");
  EXPECT_EQ(A().timeline().size(), 100u);
  ASSERT_TRUE(LoadAll(A()));
  const std::vector<std::string> shown = Ids(A().timeline());
  EXPECT_EQ(shown.size(), 120u);
  EXPECT_EQ(CountDistinct(shown), shown.size());
  for (const auto& e : A().timeline()) EXPECT_EQ(e.at("kind"), "appreciation");
}

// Bea wrote while the two were apart; her entry, older than Ana's latest
// hundred, arrives after Ana read two pages. The window must show it where
// it belongs, as the engine does.
TEST_F(Couple, RefreshShowsAPartnersEntryThatLandsInPagesAlreadyRead) {
  SendManyFeelings(A(), clock, 100);
  clock.Advance(kMinuteMs);
  B().status_form.text = "written while we were apart";
  ASSERT_TRUE(Done(B().SendStatus()));
  ASSERT_TRUE(B().Refresh());
  const std::string apart = Newest(B()).at("id");
  ASSERT_EQ(Newest(B()).at("kind"), "status");
  SendManyFeelings(A(), clock, 150);
  ASSERT_TRUE(A().Refresh());
  ASSERT_TRUE(A().LoadMoreTimeline());
  ASSERT_EQ(A().timeline().size(), 200u);

  Sync();  // Refreshes both
  const std::vector<std::string> engine = EngineTimelineIds(ana.device);
  auto where = std::find(engine.begin(), engine.end(), apart);
  ASSERT_NE(where, engine.end());
  ASSERT_LT(where - engine.begin(), 200) << "the test needs it within the pages already read";
  ASSERT_GE(where - engine.begin(), 100) << "the test needs it beyond the first page";
  EXPECT_NE(FindEntry(A().timeline(), apart), nullptr) << "Bea's entry is missing from the pages Ana read";
  ASSERT_TRUE(LoadAll(A()));
  EXPECT_EQ(A().timeline().size(), engine.size());
  EXPECT_TRUE(Ids(A().timeline()) == engine) << "the window's timeline differs from the engine's";
}

// --- Sharing: pause and leave (Settings, and the partner line on Today) ---

// "YYYY-MM-DD HH:MM" of `unix_ms` in this machine's time zone, as the window shows it.
std::string LocalMinutes(std::uint64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm local{};
  localtime_r(&t, &local);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &local);
  return buf;
}

TEST_F(Couple, PauseAndResumeSayWhatTheyDoAndShowOnToday) {
  EXPECT_FALSE(A().sharing_paused());
  EXPECT_EQ(A().SharingLine(), "");
  const std::uint64_t at = clock.NowMillis();
  ASSERT_TRUE(Done(A().PauseSharing()));
  EXPECT_NE(A().last_notice().text.find("not why"), std::string::npos) << A().last_notice().text;
  ASSERT_TRUE(A().Refresh());
  EXPECT_TRUE(A().sharing_paused());
  EXPECT_EQ(A().SharingLine(), "You paused sharing on " + LocalMinutes(at) +
                                   ": nothing passes between your devices until you resume.");
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(A().ResumeSharing()));
  ASSERT_TRUE(A().Refresh());
  EXPECT_FALSE(A().sharing_paused());
  EXPECT_EQ(A().SharingLine(), "");
  EXPECT_EQ(A().sharing().value("state", ""), "sharing");
}

// The partner's pause comes from the daemon's link to it; here a link that
// adds it to what the real dispatcher answers, as a paired daemon would.
class PartnerPausedLink final : public DaemonLink {
 public:
  PartnerPausedLink(DaemonLink& inner, std::uint64_t since_ms) : inner_(inner), since_ms_(since_ms) {}
  Result<json> Call(std::string_view method, const json& params) override {
    auto r = inner_.Call(method, params);
    if (r.ok() && method == "status" && r->contains("sharing")) {
      (*r)["sharing"]["partner_paused"] = true;
      (*r)["sharing"]["partner_paused_since_ms"] = since_ms_;
      (*r)["sharing"]["state"] = "partner_paused";
    }
    return r;
  }

 private:
  DaemonLink& inner_;
  std::uint64_t since_ms_;
};

TEST_F(Couple, APartnersPauseNamesThemAndSinceWhenButNotWhy) {
  const std::uint64_t since = clock.NowMillis() - 90 * kMinuteMs;
  PartnerPausedLink link(*ana.link, since);
  ViewModel vm(link, [this] { return clock.NowMillis(); });
  ASSERT_TRUE(vm.Refresh());
  EXPECT_FALSE(vm.sharing_paused()) << "the partner's pause is not mine";
  EXPECT_EQ(vm.SharingLine(), "Bea paused sharing on " + LocalMinutes(since) + ".");
}

TEST_F(Couple, LeavingShowsOnBothSidesKeepsTheHistoryAndRefusesMore) {
  ASSERT_TRUE(Done(A().SendFeelings()));
  const std::string anas = Newest(A()).at("id");
  Sync();
  clock.Advance(kMinuteMs);
  const std::uint64_t at = clock.NowMillis();
  B().leave_note = "take care";
  ASSERT_TRUE(Done(B().Leave()));
  EXPECT_TRUE(B().leave_note.empty());
  Sync();
  EXPECT_TRUE(A().sharing_ended());
  EXPECT_EQ(A().SharingLine(),
            "Bea left the shared ledger on " + LocalMinutes(at) + ". Sharing has ended; each of you keeps your own copy.");
  EXPECT_EQ(B().SharingLine().rfind("You left the shared ledger on " + LocalMinutes(at), 0), 0u) << B().SharingLine();
  EXPECT_TRUE(Refused(A().SendFeelings(), "the shared ledger has ended: Bea left it"));
  EXPECT_TRUE(Refused(B().PauseSharing(), "the shared ledger has ended: Bea left it"));
  // Ana's history stays, words and all, with Bea's leave on top.
  const json* kept = FindEntry(A().timeline(), anas);
  ASSERT_NE(kept, nullptr);
  EXPECT_TRUE(kept->contains("body"));
  EXPECT_EQ(Newest(A()).at("kind"), "leave");
  EXPECT_EQ(Newest(A()).at("body").at("note"), "take care");
}

TEST_F(Couple, WithdrawMineTakesMyWordsAndKeepsMyAgreements) {
  ASSERT_TRUE(Done(A().SendFeelings()));
  A().appreciation_input = "the walk";
  ASSERT_TRUE(Done(A().Appreciate()));
  const std::string agreement = ActiveAgreement("Phones away at dinner");
  ASSERT_FALSE(agreement.empty());
  Notice n = A().WithdrawMine();
  ASSERT_TRUE(Done(n));
  EXPECT_EQ(n.text.rfind("Withdrew 2 of your entries", 0), 0u) << n.text;
  EXPECT_NE(n.text.find("2 stay on the record"), std::string::npos) << n.text;  // introduction, proposal
  Sync();
  int seen = 0;
  for (const json& e : B().timeline()) {
    if (e.value("author", "") != A().me() || e.value("kind", "") == "withdraw") continue;
    ++seen;
    const std::string kind = e.value("kind", "");
    EXPECT_EQ(e.value("withdrawn", false), kind != "member" && kind != "propose") << e.dump();
  }
  EXPECT_EQ(seen, 4);  // the introduction, the proposal and the two withdrawn
  EXPECT_EQ(B().AgreementsIn("active").size(), 1u);
}

// --- An invite, with a real pairing service on a loopback port ---

TEST(OpenInvite, SecondsLeftCountDownOnTheWindowsClock) {
  TestClock clock{kStartMs};
  Device device{3, clock};
  ASSERT_NE(device.engine, nullptr);
  zmq::context_t context;
  crypto::DeterministicRandom rng(Seed(60));
  daemon::PairingService pairing(context, *device.engine, rng, nullptr);
  daemon::DaemonServices services;
  services.pairing = &pairing;
  services.listen_host = "127.0.0.1";
  services.pairing_port = 0;  // any free port
  daemon::Dispatcher dispatcher(*device.engine, daemon::DaemonInfo{device.dir.path(), 3}, services);
  DispatcherLink link(dispatcher);
  std::uint64_t window_now = kStartMs;
  ViewModel vm(link, [&window_now] { return window_now; });

  ASSERT_TRUE(vm.Refresh());
  vm.name_input = "Ana";
  ASSERT_TRUE(Done(vm.Init()));
  ASSERT_TRUE(vm.Refresh());
  EXPECT_EQ(vm.InviteSecondsLeft(), 0);

  ASSERT_TRUE(Done(vm.Invite()));
  const std::int64_t full = static_cast<std::int64_t>(protocol::kDefaultInviteSeconds);
  EXPECT_EQ(vm.InviteSecondsLeft(), full);
  ASSERT_TRUE(vm.pair_status().at("invite").at("code").is_string());
  window_now += 90'500;
  EXPECT_EQ(vm.InviteSecondsLeft(), full - 91);
  // Refresh reads the same invite from pair.status.
  ASSERT_TRUE(vm.Refresh());
  ASSERT_TRUE(vm.pair_status().contains("invite")) << vm.pair_status().dump();
  EXPECT_EQ(vm.InviteSecondsLeft(), full - 91);
  ViewModel other(link, [&window_now] { return window_now; });
  ASSERT_TRUE(other.Refresh());
  EXPECT_EQ(other.InviteSecondsLeft(), full - 91);
  window_now = kStartMs + static_cast<std::uint64_t>(full) * 1000;
  EXPECT_EQ(vm.InviteSecondsLeft(), 0);
  window_now += 3'600'000;
  EXPECT_EQ(vm.InviteSecondsLeft(), 0);
}

// The export for a counsellor from Settings: the form fills itself in, the
// preview shows what Save writes, and Save never replaces a file unasked.
TEST_F(Alone, ExportPreviewsAndSavesTheChosenFormat) {
  vm().feelings.mood = 4;
  vm().feelings.appreciated = "the walk <by> the river";
  ASSERT_TRUE(Done(vm().SendFeelings()));
  daemon::testing::TempDir folder;
  ExportForm& form = vm().export_form;
  form.folder = folder.path();
  vm().UpdateExportForm();
  const std::time_t t = static_cast<std::time_t>(clock.NowMillis() / 1000);
  std::tm local{};
  ASSERT_NE(localtime_r(&t, &local), nullptr);
  const std::int64_t today = (static_cast<std::int64_t>(t) + local.tm_gmtoff) / 86'400;
  EXPECT_EQ(form.to, protocol::DateFromDay(today));
  EXPECT_EQ(form.from, protocol::DateFromDay(today - 29));
  EXPECT_EQ(form.path, folder.path() + "/kintsugi-export-" + form.from + "-" + form.to + ".md");
  form.format = 1;  // html: the path follows
  vm().UpdateExportForm();
  EXPECT_EQ(form.path, folder.path() + "/kintsugi-export-" + form.from + "-" + form.to + ".html");

  ana.link->Forget();
  ASSERT_TRUE(Done(vm().PreviewExport()));
  EXPECT_EQ(ana.link->methods(), std::vector<std::string>{"export"});
  EXPECT_NE(form.preview.find("<svg"), std::string::npos);
  EXPECT_NE(form.preview.find("the walk &lt;by&gt; the river"), std::string::npos);
  EXPECT_NE(form.preview.find("Kintsugi: Ana"), std::string::npos);

  ASSERT_TRUE(Done(vm().SaveExport()));
  EXPECT_NE(vm().last_notice().text.find("Saved to " + form.path), std::string::npos);
  EXPECT_EQ(daemon::testing::ReadFileBytes(form.path).size(), form.preview.size());
  Notice again = vm().SaveExport();
  EXPECT_TRUE(again.error);
  EXPECT_NE(again.text.find("already exists"), std::string::npos) << again.text;
  form.replace = true;
  EXPECT_TRUE(Done(vm().SaveExport()));

  form.path = folder.path() + "/mine.txt";  // edited: it no longer follows the format
  form.format = 0;
  vm().UpdateExportForm();
  EXPECT_EQ(form.path, folder.path() + "/mine.txt");
}

TEST_F(Alone, ExportOfAnEmptyRangeSaysSoAndABackwardRangeIsRefused) {
  ExportForm& form = vm().export_form;
  form.from = "2001-01-01";
  form.to = "2001-01-31";
  Notice empty = vm().PreviewExport();
  EXPECT_FALSE(empty.error);
  EXPECT_EQ(empty.text, "Nothing was recorded between 2001-01-01 and 2001-01-31.");
  EXPECT_NE(form.preview.find("Nothing was recorded between 2001-01-01 and 2001-01-31."), std::string::npos);
  form.from = "2001-02-01";
  Notice backwards = vm().PreviewExport();
  EXPECT_TRUE(backwards.error);
  EXPECT_NE(backwards.text.find("must not be after"), std::string::npos) << backwards.text;
}

// --- The vault and backups ---

TEST_F(FirstRun, InitWithAPassphraseSealsTheKeysAndWipesTheFields) {
  ViewModel& vm = *ana.vm;
  ASSERT_TRUE(vm.Refresh());
  vm.name_input = "Ana";
  vm.passphrase_input = "a long passphrase";
  vm.passphrase_again = "a long passphrase, not the same";
  EXPECT_EQ(vm.NewPassphraseProblem(), "the two passphrases differ");
  ana.link->Forget();
  Notice refused = vm.Init();
  EXPECT_TRUE(refused.error);
  EXPECT_TRUE(ana.link->methods().empty());  // nothing was sent
  vm.passphrase_again = "a long passphrase";
  EXPECT_EQ(vm.NewPassphraseProblem(), "");
  ASSERT_FALSE(vm.Init().error);
  EXPECT_TRUE(vm.passphrase_input.empty());
  EXPECT_TRUE(vm.passphrase_again.empty());
  ASSERT_TRUE(vm.Refresh());
  EXPECT_TRUE(vm.has_passphrase());
  EXPECT_FALSE(vm.locked());
}

TEST_F(Alone, LockedTheWindowHoldsNothingOpenedUntilUnlocked) {
  vm().passphrase_input = vm().passphrase_again = "a long passphrase";
  ASSERT_FALSE(vm().SetPassphrase().error);
  vm().note_input = "only mine";
  ASSERT_FALSE(vm().AddNote().error);
  ASSERT_TRUE(vm().Refresh());
  ASSERT_FALSE(vm().timeline().empty());
  ASSERT_FALSE(vm().notes().empty());

  ASSERT_FALSE(vm().Lock().error);
  EXPECT_TRUE(vm().locked());
  EXPECT_TRUE(vm().timeline().empty());
  EXPECT_TRUE(vm().notes().empty());
  EXPECT_TRUE(vm().agreements().empty());
  EXPECT_EQ(vm().my_name(), "");
  ana.link->Forget();
  ASSERT_TRUE(vm().Refresh());
  EXPECT_EQ(ana.link->methods(), std::vector<std::string>{"status"});  // no view is asked for

  vm().passphrase_input = "not the passphrase";
  Notice wrong = vm().Unlock();
  EXPECT_TRUE(wrong.error);
  EXPECT_NE(wrong.text.find("wrong passphrase"), std::string::npos) << wrong.text;
  EXPECT_TRUE(vm().passphrase_input.empty());
  EXPECT_TRUE(vm().locked());
  vm().passphrase_input = "a long passphrase";
  ASSERT_FALSE(vm().Unlock().error);
  EXPECT_FALSE(vm().locked());
  EXPECT_EQ(vm().my_name(), "Ana");
  EXPECT_FALSE(vm().timeline().empty());
  ASSERT_EQ(vm().notes().size(), 1u);
}

TEST_F(Alone, ABackupRestoresOnTheFirstRunScreenOfAnotherDevice) {
  daemon::testing::TempDir folder;
  vm().backup_path = folder.path() + "/ana.kbak";
  vm().backup_passphrase = "backup passphrase";
  vm().backup_again = "backup passphrase, mistyped";
  EXPECT_TRUE(vm().Backup().error);
  EXPECT_TRUE(vm().backup_passphrase.empty());  // wiped either way
  vm().backup_passphrase = vm().backup_again = "backup passphrase";
  Notice done = vm().Backup();
  ASSERT_FALSE(done.error) << done.text;
  EXPECT_NE(done.text.find("ana.kbak"), std::string::npos);

  Partner fresh{2, clock};
  ASSERT_TRUE(fresh.vm->Refresh());
  ASSERT_EQ(fresh.vm->screen(), Screen::kFirstRun);
  fresh.vm->restore_path = folder.path() + "/ana.kbak";
  fresh.vm->passphrase_current = "backup passphrase";
  Notice restored = fresh.vm->Restore();
  ASSERT_FALSE(restored.error) << restored.text;
  EXPECT_TRUE(fresh.vm->initialized());
  EXPECT_EQ(fresh.vm->my_name(), "Ana");
  EXPECT_EQ(fresh.vm->me(), vm().me());
  EXPECT_EQ(fresh.vm->screen(), Screen::kToday);
}

TEST_F(Alone, TheTimelineShowsTheDaysAskedForAndRefusesWhatIsNotADay) {
  auto local_date = [](std::uint64_t ms) {
    const std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm local{};
    localtime_r(&t, &local);
    char text[16];
    std::strftime(text, sizeof text, "%Y-%m-%d", &local);
    return std::string(text);
  };
  const std::string first_day = local_date(clock.NowMillis());
  ASSERT_TRUE(Done(vm().SendFeelings()));
  clock.Advance(3 * 24 * 3600 * 1000LL);
  const std::string later_day = local_date(clock.NowMillis());
  ASSERT_TRUE(Done(vm().SendFeelings()));
  ASSERT_TRUE(vm().Refresh());
  ASSERT_EQ(vm().timeline().size(), 3u);  // the introduction and two check-ins

  vm().timeline_from_input = later_day;
  ASSERT_TRUE(Done(vm().ApplyTimelineDays()));
  ASSERT_EQ(vm().timeline().size(), 1u);
  EXPECT_EQ(vm().timeline()[0].at("kind"), "feelings");
  vm().timeline_from_input = "";
  vm().timeline_to_input = first_day;
  ASSERT_TRUE(Done(vm().ApplyTimelineDays()));
  EXPECT_EQ(vm().timeline().size(), 2u);  // the introduction and the first check-in
  ASSERT_TRUE(vm().Refresh());
  EXPECT_EQ(vm().timeline().size(), 2u);  // the days survive a refresh

  vm().timeline_to_input = "the 5th";
  EXPECT_TRUE(vm().ApplyTimelineDays().error);
  vm().timeline_from_input = later_day;
  vm().timeline_to_input = first_day;
  Notice backwards = vm().ApplyTimelineDays();
  EXPECT_TRUE(backwards.error);
  EXPECT_NE(backwards.text.find("after"), std::string::npos);
  EXPECT_EQ(vm().timeline().size(), 2u);  // refused: nothing changed
  vm().timeline_from_input = vm().timeline_to_input = "";
  ASSERT_TRUE(Done(vm().ApplyTimelineDays()));
  EXPECT_EQ(vm().timeline().size(), 3u);
}

}  // namespace
}  // namespace kintsugi::ui
