// The notifier's timing with the daemon's clock seam: reminders at their
// minute in local time (Europe/Berlin here, across the spring's change to
// daylight saving), once a day across restarts, not late for a missed day;
// quiet hours held until they end. Shown through the real D-Bus path: a
// private dbus-daemon and the test notification server.
#include "daemon/desktop/notifier.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "protocol/ipc.h"
#include "tests/daemon/pairing_support.h"
#include "tests/integration/session_bus.h"

namespace kintsugi::daemon::testing {
namespace {

using nlohmann::json;

// Unix milliseconds of a UTC minute in March 2026 (Berlin: UTC+1 until the
// 29th at 01:00 UTC, UTC+2 after).
constexpr std::uint64_t Utc(int day, int hour, int minute) {
  return (1'772'323'200ull + static_cast<std::uint64_t>((day - 1) * 86400 + hour * 3600 + minute * 60)) * 1000;
}

class NotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(bus_.ok());
    ::setenv("TZ", "Europe/Berlin", 1);
    tzset();
    clock_.Set(Utc(27, 12, 0));
    device_.Init("Alex");
    Restart();
  }
  void TearDown() override {
    notifier_.reset();
    ::unsetenv("TZ");
    tzset();
  }
  // A new notifier on the same store, as after a restart of the daemon.
  void Restart() {
    notifier_ = std::make_unique<Notifier>(*device_.engine, nullptr);
    notifier_->Load();
  }
  void Set(const json& change) {
    auto r = notifier_->Change(change, clock_.NowMillis());
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  // Runs the notifier's timers at `ms`, then lets the bus carry what they
  // showed; returns the notifications recorded so far.
  std::vector<json> RunAt(std::uint64_t ms, int polls = 40) {
    clock_.Set(ms);
    notifier_->RunTimers(ms);
    for (int i = 0; i < polls; ++i) {  // up to 10 ms each for the server's answers
      std::vector<zmq::pollitem_t> items;
      notifier_->bus().AppendPollItems(items);
      if (items.empty()) break;
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(10));
      notifier_->bus().HandlePoll(items.data(), items.size());
    }
    return bus_.Notifications();
  }
  std::uint64_t NextAt() { return clock_.NowMillis() + notifier_->MillisUntilNextTimer(clock_.NowMillis()); }

  TempDir bus_dir_;
  kintsugi::testing::SessionBus bus_{bus_dir_.path(), NOTIFICATION_SERVER_PATH};
  TestClock clock_;
  Device device_{1, clock_};
  std::unique_ptr<Notifier> notifier_;
};

TEST_F(NotifierTest, LocalTimeFollowsTheZoneAndItsDaylightSaving) {
  EXPECT_EQ(ToLocal(Utc(28, 19, 0)).minute, 20 * 60);  // CET
  EXPECT_EQ(ToLocal(Utc(29, 18, 0)).minute, 20 * 60);  // CEST
  EXPECT_EQ(ToLocal(Utc(29, 18, 0)).weekday, 0);       // a Sunday
  EXPECT_EQ(FromLocal(ToLocal(Utc(28, 12, 0)).day, 20 * 60), Utc(28, 19, 0));
  EXPECT_EQ(FromLocal(ToLocal(Utc(29, 12, 0)).day, 20 * 60), Utc(29, 18, 0));
  // 02:30 does not exist on the 29th: the clock jumps from 02:00 to 03:00.
  EXPECT_EQ(FromLocal(ToLocal(Utc(29, 12, 0)).day, 2 * 60 + 30), Utc(29, 1, 30));
}

TEST_F(NotifierTest, TheDailyCheckInReminderFiresAtItsMinuteOnceADayAcrossRestarts) {
  Set({{"remind", {{"checkin", "20:00"}}}});
  EXPECT_EQ(NextAt(), Utc(27, 19, 0));  // 20:00 in Berlin, a timer: nothing polls
  EXPECT_TRUE(RunAt(Utc(27, 18, 59)).empty());
  auto shown = RunAt(Utc(27, 19, 0));
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0].value("summary", ""), "Kintsugi: time for today's check-in");
  EXPECT_EQ(RunAt(Utc(27, 19, 1)).size(), 1u);
  Restart();
  EXPECT_EQ(RunAt(Utc(27, 19, 2)).size(), 1u) << "a restart does not show it again";
  EXPECT_EQ(NextAt(), Utc(28, 19, 0));
  EXPECT_EQ(RunAt(Utc(28, 19, 0)).size(), 2u);
  // Daylight saving began in the night: 20:00 is now 18:00 UTC.
  EXPECT_EQ(NextAt(), Utc(29, 18, 0));
  EXPECT_EQ(RunAt(Utc(29, 17, 59)).size(), 2u);
  EXPECT_EQ(RunAt(Utc(29, 18, 0)).size(), 3u);
}

TEST_F(NotifierTest, AChangeOfTimeZoneIsFollowedWithinAMinute) {
  Set({{"remind", {{"checkin", "20:00"}}}});
  clock_.Set(Utc(27, 12, 0));
  EXPECT_EQ(NextAt(), Utc(27, 19, 0));  // 20:00 in Berlin
  // The laptop flies to New York (UTC-4 since the 8th): 20:00 there is midnight UTC.
  ::setenv("TZ", "America/New_York", 1);
  clock_.Set(Utc(27, 12, 1));
  EXPECT_EQ(NextAt(), Utc(28, 0, 0));
  EXPECT_TRUE(RunAt(Utc(27, 19, 0)).empty()) << "not at Berlin's 20:00 any more";
  EXPECT_EQ(RunAt(Utc(28, 0, 0)).size(), 1u);
}

TEST_F(NotifierTest, ADayMissedWhileTheComputerWasOffIsNotRemindedLate) {
  Set({{"remind", {{"checkin", "20:00"}}}});
  Restart();
  // Back at 23:30, three and a half hours after: nothing, and the next is tomorrow's.
  EXPECT_TRUE(RunAt(Utc(27, 22, 30)).empty());
  EXPECT_EQ(NextAt(), Utc(28, 19, 0));
  // Within the hour after its minute it is still shown, once.
  Restart();
  EXPECT_EQ(RunAt(Utc(28, 19, 40)).size(), 1u);
  EXPECT_EQ(RunAt(Utc(28, 19, 50)).size(), 1u);
}

TEST_F(NotifierTest, TheWeeklyMeetingReminderComesOnItsDay) {
  Set({{"remind", {{"meeting", {{"day", "sunday"}, {"time", "19:30"}}}}}});
  EXPECT_EQ(NextAt(), Utc(29, 17, 30));  // Sunday the 29th, 19:30 CEST
  EXPECT_TRUE(RunAt(Utc(28, 18, 30)).empty());
  auto shown = RunAt(Utc(29, 17, 30));
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0].value("summary", ""), "Kintsugi: time for your weekly meeting");
  EXPECT_EQ(NextAt(), Utc(29 + 7, 17, 30));
}

TEST_F(NotifierTest, TimeTogetherIsRemindedOfAnHourBefore) {
  Set({{"remind", {{"together", true}}}, {"show", "words"}});
  auto plan = protocol::ReadBody(json{{"kind", "time.plan"}, {"what", "dinner at Rosa's"}, {"when", Utc(28, 18, 0)}});
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE(device_.engine->AppendKind(*plan).ok());
  EXPECT_EQ(NextAt(), Utc(28, 17, 0));
  EXPECT_TRUE(RunAt(Utc(28, 16, 59)).empty());
  auto shown = RunAt(Utc(28, 17, 0));
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0].value("summary", ""), "Kintsugi: time together in an hour");
  EXPECT_EQ(shown[0].value("body", ""), "dinner at Rosa's");
  Restart();
  EXPECT_EQ(RunAt(Utc(28, 17, 30)).size(), 1u);
}

TEST_F(NotifierTest, QuietHoursHoldUntilTheirEndThenOneSummary) {
  clock_.Set(Utc(27, 22, 0));  // 23:00 in Berlin: quiet (22:00 to 08:00 by default)
  notifier_->OnEvent(protocol::kEventSharingChanged, json{{"partner_paused", true}, {"state", "partner_paused"}});
  notifier_->OnEvent(protocol::kEventSharingChanged, json{{"partner_paused", false}, {"state", "sharing"}});
  EXPECT_TRUE(RunAt(Utc(27, 22, 0)).empty());
  EXPECT_EQ(notifier_->StatusNow(clock_.NowMillis()).held, 2u);
  EXPECT_EQ(NextAt(), Utc(28, 7, 0));  // 08:00
  Restart();  // held across a restart, as counts
  EXPECT_TRUE(RunAt(Utc(28, 6, 59)).empty());
  auto shown = RunAt(Utc(28, 7, 0));
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0].value("summary", ""), "Kintsugi: 2 new things");
  EXPECT_EQ(notifier_->StatusNow(clock_.NowMillis()).held, 0u);
}

TEST_F(NotifierTest, APartnerWhoWritesWithoutEndGetsTwelveAnHourThenASummary) {
  // 13:00 in Berlin, not quiet: 40 changes of sharing, 11 s apart, each
  // past the gap that joins near ones.
  std::uint64_t now = Utc(27, 12, 0);
  for (int i = 0; i < 40; ++i, now += 11'000) {
    clock_.Set(now);
    notifier_->OnEvent(protocol::kEventSharingChanged, json{{"partner_paused", i % 2 == 0}, {"state", "x"}});
    RunAt(now, 20);  // as the daemon's loop: the server's answer is read between two
  }
  auto shown = RunAt(now);
  EXPECT_EQ(shown.size(), kNoticesPerHour);
  EXPECT_EQ(notifier_->StatusNow(now).held, 40 - kNoticesPerHour);
  // One replaces the other: the desktop holds one.
  for (std::size_t i = 1; i < shown.size(); ++i) EXPECT_EQ(shown[i].value("replaces", 0), shown[0].value("id", -1));
  // The hour after the first is over: the rest in one summary.
  EXPECT_EQ(NextAt(), Utc(27, 13, 0));
  shown = RunAt(Utc(27, 13, 0));
  ASSERT_EQ(shown.size(), kNoticesPerHour + 1);
  EXPECT_EQ(shown.back().value("summary", ""), "Kintsugi: 28 new things");
}

TEST_F(NotifierTest, AlarmsAreNeverHeldNorSwitchedOff) {
  Set({{"enabled", false}});
  clock_.Set(Utc(27, 23, 0));  // quiet hours
  notifier_->OnEvent(protocol::kEventForkDetected, json::object());
  auto shown = RunAt(Utc(27, 23, 0));
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0].value("summary", ""), "Kintsugi needs your attention");
  // Fork after fork from a hostile partner: one alarm in ten minutes.
  for (int i = 0; i < 20; ++i) notifier_->OnEvent(protocol::kEventForkDetected, json::object());
  EXPECT_EQ(RunAt(Utc(27, 23, 9)).size(), 1u);
  // `verify` finding a fault says the same, beside the other (never replaced).
  clock_.Set(Utc(27, 23, 10));
  notifier_->OnEvent(protocol::kEventVerifyFailed, json{{"faults", 1}});
  shown = RunAt(Utc(27, 23, 10));
  ASSERT_EQ(shown.size(), 2u);
  EXPECT_EQ(shown[1].value("summary", ""), "Kintsugi needs your attention");
  EXPECT_EQ(shown[1].value("replaces", -1), 0);
}

// --- What the partner did, as a paired device hears it ---

class NotifierCouple : public NotifierTest {
 protected:
  void SetUp() override {
    NotifierTest::SetUp();
    sam_.Init("Sam");
    PairDevices(device_, sam_, clock_, 70);
    if (HasFatalFailure()) return;
    notifier_->OnEvent(protocol::kEventPaired, json::object());  // as the daemon does once paired
    Set({{"show", "words"}});
  }
  // Sam writes `params` 11 s from the last (past the gap that joins near
  // ones); Alex's device takes it in and hears of it as from the sync.
  std::string SamWrites(const json& params) {
    clock_.Advance(11'000);
    auto appended = AppendParams(*sam_.engine, params);
    EXPECT_TRUE(appended.ok()) << (appended.ok() ? "" : appended.error().message);
    Pull(device_, sam_);
    notifier_->OnEvent(protocol::kEventSyncProgress, json::object());
    return appended.ok() ? ToHex(appended->id) : "";
  }
  // The newest notification after running at the clock's time.
  json Newest() {
    auto shown = RunAt(clock_.NowMillis());
    return shown.empty() ? json::object() : shown.back();
  }
  std::pair<std::string, std::string> SaidNewest() {
    json n = Newest();
    return {n.value("summary", ""), n.value("body", "")};
  }

  Device sam_{2, clock_};
};

TEST_F(NotifierCouple, EachOfThePartnersDoingsIsSaidInTheirWordsWhenChosen) {
  using Said = std::pair<std::string, std::string>;
  SamWrites({{"kind", "propose"}, {"title", "Phones away at dinner"}, {"text", "Both of us."}, {"category", "ritual"}});
  EXPECT_EQ(SaidNewest(), (Said{"Sam proposes an agreement", "Phones away at dinner"}));
  SamWrites({{"kind", "talk.request"}, {"topic", "the holidays"}});
  EXPECT_EQ(SaidNewest(), (Said{"Sam asks to talk", "the holidays"}));
  // Alex asks; Sam answers.
  auto asked = AppendParams(*device_.engine, {{"kind", "talk.request"}, {"topic", "money"}});
  ASSERT_TRUE(asked.ok());
  Pull(sam_, device_);
  SamWrites({{"kind", "talk.answer"}, {"talk", ToHex(asked->id)}, {"answer", "at_meeting"}, {"note", "Sunday works"}});
  EXPECT_EQ(SaidNewest(), (Said{"Sam answered your request to talk", "At our weekly meeting. Sunday works"}));
  SamWrites({{"kind", "status"}, {"text", "home late"}, {"until", Utc(27, 20, 0)}});
  EXPECT_EQ(SaidNewest(), (Said{"Sam says", "home late (until 21:00)"}));
  // A pause, and its end when it comes.
  SamWrites({{"kind", "pause"}, {"minutes", 30}, {"note", "I need air"}});
  const std::uint64_t paused_at = clock_.NowMillis();
  EXPECT_EQ(SaidNewest(), (Said{"Sam is taking a pause",
                                "Back at " + protocol::FormatDayMinute(ToLocal(paused_at + 30 * 60'000).minute) +
                                    ". I need air"}));
  EXPECT_EQ(NextAt(), paused_at + 30 * 60'000);
  clock_.Set(paused_at + 30 * 60'000);
  EXPECT_EQ(SaidNewest(), (Said{"Sam's pause has ended", ""}));
  // Sam's own words in a free check-in notify nobody: not a kind that does.
  const std::size_t before = bus_.Notifications().size();
  SamWrites({{"kind", "checkin"}, {"note", "just a note"}});
  EXPECT_EQ(RunAt(clock_.NowMillis()).size(), before);
  SamWrites({{"kind", "leave"}, {"note", "take care"}});
  EXPECT_EQ(SaidNewest(), (Said{"Sam left the shared ledger", "take care"}));
}

TEST_F(NotifierCouple, AReviewDateIsToldOnItsDayAtNine) {
  const std::string proposal = SamWrites({{"kind", "propose"}, {"title", "Weekly walk"}, {"text", "Sundays."},
                                          {"category", "ritual"}, {"review", "2026-03-28"}});
  Newest();
  ASSERT_TRUE(AppendParams(*device_.engine, {{"kind", "accept"}, {"ref", proposal}}).ok());
  EXPECT_EQ(NextAt(), Utc(28, 8, 0));  // 09:00 in Berlin on the 28th
  const std::size_t before = bus_.Notifications().size();
  EXPECT_EQ(RunAt(Utc(28, 7, 59)).size(), before);
  auto shown = RunAt(Utc(28, 8, 0));
  ASSERT_EQ(shown.size(), before + 1);
  EXPECT_EQ(shown.back().value("summary", ""), "An agreement is due for review today");
  EXPECT_EQ(shown.back().value("body", ""), "Weekly walk");
  Restart();
  EXPECT_EQ(RunAt(Utc(28, 9, 0)).size(), before + 1) << "once";
}

TEST_F(NotifierCouple, OldNewsAfterTimeApartIsLeftToTheWindow) {
  // Sam writes while the two are apart; it arrives two days later.
  auto old = AppendParams(*sam_.engine, {{"kind", "talk.request"}, {"topic", "from before"}});
  ASSERT_TRUE(old.ok());
  clock_.Advance(2 * 86'400'000);
  Pull(device_, sam_);
  notifier_->OnEvent(protocol::kEventSyncProgress, json::object());
  EXPECT_TRUE(RunAt(clock_.NowMillis()).empty());
  // What Sam writes now is news.
  SamWrites({{"kind", "talk.request"}, {"topic", "and now"}});
  EXPECT_EQ(SaidNewest(), (std::pair<std::string, std::string>{"Sam asks to talk", "and now"}));
}

}  // namespace
}  // namespace kintsugi::daemon::testing
