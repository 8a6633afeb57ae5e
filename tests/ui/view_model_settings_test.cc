// The view-model's first run and Settings, what sets up and looks after this
// device's ledger: the first run, a daemon that is missing or goes away,
// pairing (the invite code, a daemon without network services, an invite's
// countdown), private notes, sharing (pausing, leaving, withdrawing one's
// entries), the export for a counsellor, and the vault (a passphrase, locking,
// a backup restored on another device). The fixtures are in
// tests/ui/view_model_fixture.h.
#include "ui/view_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <zmq.hpp>

#include "daemon/link/pairing_service.h"
#include "protocol/invite.h"
#include "protocol/kinds.h"
#include "protocol/notify.h"
#include "tests/daemon/pairing_support.h"
#include "tests/ui/dispatcher_link.h"
#include "tests/ui/view_model_fixture.h"

namespace kintsugi::ui {
namespace {

using daemon::testing::Device;
using daemon::testing::Seed;
using daemon::testing::TestClock;
using nlohmann::json;
using testing::Alone;
using testing::Couple;
using testing::DeadLink;
using testing::DispatcherLink;
using testing::Done;
using testing::FindEntry;
using testing::FirstRun;
using testing::kMinuteMs;
using testing::kStartMs;
using testing::Newest;
using testing::Partner;
using testing::Refused;

// --- First run: a daemon with no ledger yet ---

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
  EXPECT_EQ(vm.timeline()[0].kind, "member");
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

// A daemon that is there but silent (frozen, stuck) is said as such: not
// "stopped", with nothing to start (it still holds the data). One that went
// away is "stopped".
TEST_F(Alone, LosingTheDaemonKeepsWhatWasShownAndSaysWhy) {
  ana.link->Cut("kintsugid did not answer within 2000 ms");
  EXPECT_FALSE(vm().Refresh());
  EXPECT_FALSE(vm().connected());
  EXPECT_TRUE(vm().daemon_silent());
  EXPECT_FALSE(vm().daemon_stopped());
  EXPECT_EQ(vm().connection_problem(), "kintsugid did not answer within 2000 ms");
  EXPECT_EQ(vm().my_name(), "Ana");
  EXPECT_EQ(vm().timeline().size(), 1u);
  ana.link->Restore();
  EXPECT_TRUE(vm().Refresh());
  EXPECT_TRUE(vm().connected());
  EXPECT_FALSE(vm().daemon_silent());
  EXPECT_EQ(vm().connection_problem(), "");

  ana.link->Cut("the daemon's socket is gone", /*silent=*/false);
  EXPECT_FALSE(vm().Refresh());
  EXPECT_TRUE(vm().daemon_stopped());
  EXPECT_FALSE(vm().daemon_silent());
  EXPECT_EQ(vm().timeline().size(), 1u);
}

// A daemon that freezes in the middle of a read (each call then waits out
// its time-out) ends the read at the first unanswered call: one time-out,
// not one per view, before the window says so and before the requests
// queued behind the read get their turn. What was shown stays.
TEST_F(Alone, ADaemonThatStopsAnsweringMidReadEndsTheReadAtItsFirstSilence) {
  ana.link->Forget();
  ana.link->CutAfter(2, "kintsugid did not answer within 3000 ms");
  EXPECT_FALSE(vm().Refresh());
  EXPECT_EQ(ana.link->methods(), (std::vector<std::string>{"status", "view.pending", "view.agreements"}));
  EXPECT_FALSE(vm().connected());
  EXPECT_TRUE(vm().daemon_silent()) << "said in the middle of the read: the daemon is there, and silent";
  EXPECT_EQ(vm().connection_problem(), "kintsugid did not answer within 3000 ms");
  EXPECT_EQ(vm().timeline().size(), 1u);
  ana.link->Restore();
  ana.link->Forget();
  EXPECT_TRUE(vm().Refresh());
  EXPECT_TRUE(vm().connected());
  EXPECT_GT(ana.link->methods().size(), 3u) << "answering again, everything is read";
}

// An action the daemon left unanswered may yet have been done (a slow
// daemon), or the daemon froze or went away: the window reads again to know.
TEST_F(Alone, AnActionTheDaemonLeftUnansweredIsFollowedByARead) {
  ASSERT_FALSE(vm().stale());
  ana.link->Cut("kintsugid did not answer within 3000 ms");
  vm().feelings.mood = 6;
  EXPECT_TRUE(Refused(vm().SendFeelings(), "kintsugid did not answer within 3000 ms"));
  EXPECT_TRUE(vm().stale());
  EXPECT_FALSE(vm().Refresh());
  EXPECT_TRUE(vm().daemon_silent());
}

// The daemon's own errors are answers: a view it refuses leaves the read
// going on to the next.
TEST_F(Alone, AViewTheDaemonRefusesDoesNotEndTheRead) {
  // This dispatcher has no network: peers is answered with an error.
  auto peers = ana.link->Call("peers", json::object());
  ASSERT_FALSE(peers.ok());
  ASSERT_TRUE(ana.link->answered());
  ana.link->Forget();
  EXPECT_TRUE(vm().Refresh());
  const std::vector<std::string> all = ana.link->methods();
  const auto refused = std::find(all.begin(), all.end(), "peers");
  ASSERT_NE(refused, all.end());
  EXPECT_NE(std::find(refused, all.end(), "note.list"), all.end()) << "the read went on past the refused view";
  EXPECT_TRUE(vm().connected());
}

TEST_F(Alone, OnEventMarksTheViewsStale) {
  EXPECT_FALSE(vm().stale());
  vm().OnEvent("entry.appended");
  EXPECT_TRUE(vm().stale());
  ASSERT_TRUE(vm().Refresh());
  EXPECT_FALSE(vm().stale());
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

// --- Pairing, as a couple ---

TEST_F(Couple, RefreshWithoutNetworkServicesStillShowsTheRest) {
  // pair.status and peers answer `unavailable` here.
  ana.link->Forget();
  ASSERT_TRUE(A().Refresh());
  const auto& called = ana.link->methods();
  EXPECT_EQ(std::count(called.begin(), called.end(), "pair.status"), 1);
  EXPECT_EQ(std::count(called.begin(), called.end(), "peers"), 1);
  EXPECT_TRUE(A().connected());
  EXPECT_EQ(A().connection_problem(), "");
  EXPECT_FALSE(A().pair_status().paired);
  EXPECT_FALSE(A().pair_status().invite.has_value());
  EXPECT_FALSE(A().partner_online());
  EXPECT_EQ(A().partner_last_seen(), "");
  EXPECT_TRUE(Refused(A().Invite(), "networking is not available in this daemon"));
  EXPECT_EQ(A().InviteSecondsLeft(), 0);
  // The rest is there.
  EXPECT_EQ(A().partner_name(), "Bea");
  EXPECT_EQ(A().NameOf(A().me()), "Ana");
  EXPECT_EQ(A().trends().members.size(), 2u);
  EXPECT_EQ(std::count(called.begin(), called.end(), "view.agreements"), 1);
  ASSERT_EQ(A().timeline().size(), 2u);  // both introductions
  std::set<std::string> authors;
  for (const auto& e : A().timeline()) authors.insert(e.author);
  EXPECT_EQ(authors, (std::set<std::string>{A().me(), ToHex(bea.device.self())}));
  // A window opened on a paired daemon starts on Today.
  ViewModel fresh(*ana.link, [this] { return clock.NowMillis(); });
  ASSERT_TRUE(fresh.Refresh());
  EXPECT_EQ(fresh.screen(), Screen::kToday);
  EXPECT_EQ(fresh.partner_name(), "Bea");
}

// --- An invite, with a real pairing service on a loopback port ---

// A device's dispatcher with a real pairing service (any free port).
struct PairingDispatcher {
  PairingDispatcher(Device& device, std::uint64_t seed)
      : rng(Seed(seed)), pairing(context, *device.engine, rng, nullptr),
        dispatcher(*device.engine, daemon::DaemonInfo{device.dir.path(), 3}, Services(pairing)), link(dispatcher) {}
  static daemon::DaemonServices Services(daemon::PairingService& pairing) {
    daemon::DaemonServices services;
    services.pairing = &pairing;
    services.listen_host = "127.0.0.1";
    services.pairing_port = 0;  // any free port
    return services;
  }
  zmq::context_t context;
  crypto::DeterministicRandom rng;
  daemon::PairingService pairing;
  daemon::Dispatcher dispatcher;
  DispatcherLink link;
};

TEST(OpenInvite, SecondsLeftCountDownOnTheWindowsClock) {
  TestClock clock{kStartMs};
  Device device{3, clock};
  ASSERT_NE(device.engine, nullptr);
  PairingDispatcher daemon(device, 60);
  DispatcherLink& link = daemon.link;
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
  ASSERT_TRUE(vm.pair_status().invite.has_value());
  EXPECT_FALSE(vm.pair_status().invite->code.empty());
  window_now += 90'500;
  EXPECT_EQ(vm.InviteSecondsLeft(), full - 91);
  // Refresh reads the same invite from pair.status.
  ASSERT_TRUE(vm.Refresh());
  ASSERT_TRUE(vm.pair_status().invite.has_value());
  EXPECT_EQ(vm.InviteSecondsLeft(), full - 91);
  ViewModel other(link, [&window_now] { return window_now; });
  ASSERT_TRUE(other.Refresh());
  EXPECT_EQ(other.InviteSecondsLeft(), full - 91);
  window_now = kStartMs + static_cast<std::uint64_t>(full) * 1000;
  EXPECT_EQ(vm.InviteSecondsLeft(), 0);
  window_now += 3'600'000;
  EXPECT_EQ(vm.InviteSecondsLeft(), 0);
}

// A reply that does not read as its declared type (a field of the wrong
// type, as a daemon of another version might send) is said as such; no
// invite is made up from an empty reply.
class GarbledInviteLink final : public DaemonLink {
 public:
  explicit GarbledInviteLink(DaemonLink& inner) : inner_(inner) {}
  Result<json> Call(std::string_view method, const json& params) override {
    auto r = inner_.Call(method, params);
    if (r.ok() && method == "pair.invite") (*r)["code"] = 42;
    return r;
  }
  bool answered() const override { return inner_.answered(); }

 private:
  DaemonLink& inner_;
};

TEST(OpenInvite, AReplyThatDoesNotReadIsSaidSoAndShowsNoInvite) {
  TestClock clock{kStartMs};
  Device device{4, clock};
  ASSERT_NE(device.engine, nullptr);
  PairingDispatcher daemon(device, 61);
  GarbledInviteLink link(daemon.link);
  ViewModel vm(link, [&clock] { return clock.NowMillis(); });
  ASSERT_TRUE(vm.Refresh());
  vm.name_input = "Ana";
  ASSERT_TRUE(Done(vm.Init()));
  EXPECT_TRUE(Refused(vm.Invite(), "the daemon's reply is not what this program expects"));
  EXPECT_FALSE(vm.pair_status().invite.has_value());
  EXPECT_EQ(vm.InviteSecondsLeft(), 0);
}

// --- Private notes ---

TEST_F(Alone, AddNoteShowsInNotes) {
  vm().note_input = "   ";
  EXPECT_TRUE(Refused(vm().AddNote(), "text must not be empty"));
  vm().note_input = "ask about the weekend, gently";
  ASSERT_TRUE(Done(vm().AddNote()));
  EXPECT_EQ(vm().note_input, "");
  ASSERT_TRUE(vm().Refresh());
  ASSERT_EQ(vm().notes().size(), 1u);
  EXPECT_EQ(vm().notes().at(0).text, "ask about the weekend, gently");
  // A note is not a ledger entry.
  EXPECT_EQ(vm().timeline().size(), 1u);
}

TEST_F(Couple, AddNoteStaysOnThisDevice) {
  A().note_input = "remember to ask how the interview went";
  ASSERT_TRUE(Done(A().AddNote()));
  Sync();
  ASSERT_EQ(A().notes().size(), 1u);
  EXPECT_EQ(A().notes().at(0).text, "remember to ask how the interview went");
  EXPECT_TRUE(B().notes().empty());
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
  EXPECT_EQ(A().sharing().state, "sharing");
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
  bool answered() const override { return inner_.answered(); }

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
  const auto kept = FindEntry(A().timeline(), anas);
  ASSERT_TRUE(kept);
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
  for (const protocol::TimelineEntry& e : B().timeline()) {
    if (e.author != A().me() || e.kind == "withdraw") continue;
    ++seen;
    EXPECT_EQ(e.withdrawn, e.kind != "member" && e.kind != "propose") << json(e).dump();
  }
  EXPECT_EQ(seen, 4);  // the introduction, the proposal and the two withdrawn
  EXPECT_EQ(B().AgreementsIn("active").size(), 1u);
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
  EXPECT_TRUE(vm().agreements().agreements.empty());
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

}  // namespace
}  // namespace kintsugi::ui

namespace kintsugi::ui {
namespace {

using testing::Alone;
using nlohmann::json;

// --- Notifications on this computer (Settings) ---

TEST_F(Alone, SettingsReadsTheNotificationsOfThisComputerAndChangesThem) {
  ViewModel& vm = *ana.vm;
  vm.Show(Screen::kSettings);
  ASSERT_TRUE(vm.notify().has_value()) << "Settings read notify.status";
  const protocol::NotifySettings& settings = vm.notify()->settings;
  EXPECT_EQ(settings.show, protocol::NotifyShow::kDiscreet);
  EXPECT_EQ(vm.notify_quiet_from, "22:00");
  EXPECT_EQ(vm.notify_quiet_to, "08:00");
  // Reminders are off: their fields hold a time to start from.
  EXPECT_FALSE(settings.checkin.has_value());
  EXPECT_EQ(vm.notify_checkin, "20:00");

  Notice words = vm.ChangeNotify({{"show", "words"}});
  EXPECT_FALSE(words.error) << words.text;
  vm.notify_meeting_day = 3;
  vm.notify_meeting = "18:45";
  EXPECT_FALSE(vm.ChangeNotify({{"remind", {{"meeting", {{"day", "wednesday"}, {"time", vm.notify_meeting}}}}}}).error);
  EXPECT_FALSE(vm.ChangeNotify({{"events", {{"status", false}}}}).error);
  // What the daemon keeps is what Settings shows when opened again.
  vm.Show(Screen::kToday);
  vm.Show(Screen::kSettings);
  EXPECT_EQ(vm.notify()->settings.show, protocol::NotifyShow::kWords);
  EXPECT_EQ(vm.notify_meeting_day, 3);
  EXPECT_EQ(vm.notify_meeting, "18:45");
  bool status_on = true;
  for (const auto& e : vm.notify()->events) {
    if (e.name == "status") status_on = e.on;
  }
  EXPECT_FALSE(status_on);

  // A time that is not one is refused, saying why; nothing changes.
  Notice bad = vm.ChangeNotify({{"quiet", {{"from", "25:00"}, {"to", "07:00"}}}});
  EXPECT_TRUE(bad.error);
  EXPECT_NE(bad.text.find("quiet.from must be a time of day"), std::string::npos) << bad.text;
  ASSERT_TRUE(vm.notify()->settings.quiet.has_value());
  EXPECT_EQ(vm.notify()->settings.quiet->first, 22 * 60);
}

TEST(ScreenToOpen, NotificationsOpenTheScreenOfWhatTheyAreAbout) {
  EXPECT_EQ(ScreenToOpen("pending"), Screen::kAgreements);
  EXPECT_EQ(ScreenToOpen("agreements"), Screen::kAgreements);
  EXPECT_EQ(ScreenToOpen("today"), Screen::kToday);
  EXPECT_EQ(ScreenToOpen("together"), Screen::kTogether);
  EXPECT_FALSE(ScreenToOpen("settings"));
  // Every screen a notification names can be opened.
  for (const auto& spec : protocol::kNotifyEvents) EXPECT_TRUE(ScreenToOpen(spec.screen)) << spec.name;
}

}  // namespace
}  // namespace kintsugi::ui
