// Desktop notifications between two real paired daemons, on a private
// session bus (a real dbus-daemon) with a minimal notification server that
// records what it was asked to show (notification_server.cc). Sam writes;
// what Alex's desktop shows is read from the record.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "protocol/layout.h"
#include "tests/integration/harness.h"
#include "tests/integration/session_bus.h"

namespace kintsugi::testing {
namespace {

using nlohmann::json;

// "HH:MM" of the local time `minutes` from now.
std::string LocalClock(int minutes) {
  std::time_t t = std::time(nullptr) + minutes * 60;
  std::tm local{};
  localtime_r(&t, &local);
  char out[8];
  std::snprintf(out, sizeof out, "%02d:%02d", local.tm_hour, local.tm_min);
  return out;
}

class Partner : public LoopbackPartner {
 public:
  using LoopbackPartner::LoopbackPartner;
  json Notify() const { return Json({"notify", "status"}); }
};

class Notify : public ::testing::Test {
 protected:
  void SetUp() override {
    // The session bus: a private dbus-daemon that only this test's programs reach.
    ASSERT_TRUE(bus_.ok()) << "the session bus or the notification server did not start";

    ASSERT_TRUE(alex_.Start()) << alex_.Log();
    ASSERT_TRUE(sam_.Start()) << sam_.Log();
    ASSERT_EQ(alex_.Ctl({"init", "--name", "Alex"}).exit_code, 0);
    ASSERT_EQ(sam_.Ctl({"init", "--name", "Sam"}).exit_code, 0);
    std::string code = alex_.Json({"pair", "invite"}).value("code", "");
    auto joined = sam_.Ctl({"pair", "join", code, "--address", alex_.address(), "--json"});
    ASSERT_EQ(joined.exit_code, 0) << joined.err << sam_.Log();
    ASSERT_TRUE(WaitFor([&] {
      auto a = alex_.Ids();
      return a.size() >= 2 && a == sam_.Ids();
    }));
    // Whatever the hour the test runs at: no quiet hours unless a test sets them.
    ASSERT_EQ(alex_.Ctl({"notify", "quiet", "off"}).exit_code, 0);
  }

  // Waits for the `n`th notification (1-based) and returns it; long enough
  // for one held back by the gap between two (kNoticeGapMs, 10 s).
  json WaitForNotification(std::size_t n) {
    json found;
    WaitFor(
        [&] {
          auto shown = bus_.Notifications();
          if (shown.size() >= n) found = shown[n - 1];
          return shown.size() >= n;
        },
        std::chrono::seconds(25));
    return found;
  }

  PrivateRuntimeDir runtime_;
  TempDir bus_dir_;
  SessionBus bus_{bus_dir_.path(), NOTIFICATION_SERVER_PATH};
  TempDir dir_;
  Partner alex_{dir_, "alex"};
  Partner sam_{dir_, "sam"};
};

TEST_F(Notify, DiscreetByDefaultAndThePartnersWordsOnlyWhenChosen) {
  ASSERT_EQ(sam_.Ctl({"talk", "the holidays with your parents"}).exit_code, 0);
  json first = WaitForNotification(1);
  EXPECT_EQ(first.value("summary", ""), "Kintsugi: something new from Sam") << first;
  EXPECT_EQ(first.value("body", "?"), "");
  EXPECT_EQ(first.value("app", ""), "Kintsugi");
  EXPECT_EQ(first["actions"], json::array({"default", "Open Kintsugi"}));
  EXPECT_NE(std::find(first["hints"].begin(), first["hints"].end(), "desktop-entry"), first["hints"].end());
  // Sam's own daemon told Sam nothing about Sam's words: one notification in all.
  EXPECT_EQ(bus_.Notifications().size(), 1u);
  json status = alex_.Notify();
  EXPECT_EQ(status.value("bus", ""), "shown");
  EXPECT_EQ(status.value("server", ""), "test-notifications 1.0");

  ASSERT_EQ(alex_.Ctl({"notify", "show", "words"}).exit_code, 0);
  ASSERT_EQ(sam_.Ctl({"checkin", "status", "plans changed, home <b>late</b> & tired"}).exit_code, 0);
  json second = WaitForNotification(2);
  EXPECT_EQ(second.value("summary", ""), "Sam says");
  // Words are escaped for the server's markup.
  EXPECT_EQ(second.value("body", ""), "plans changed, home &lt;b&gt;late&lt;/b&gt; &amp; tired");
  // The partner's news replaces the last: one on the desktop at a time.
  EXPECT_EQ(second.value("replaces", 0), first.value("id", -1));

  ASSERT_EQ(alex_.Ctl({"notify", "show", "nothing"}).exit_code, 0);
  // Another kind within the gap: told at its end.
  ASSERT_EQ(sam_.Ctl({"agree", "propose", "--title", "Phones away at dinner", "--text", "Both of us.",
                      "--category", "ritual"}).exit_code, 0);
  json third = WaitForNotification(3);
  EXPECT_EQ(third.value("summary", ""), "Kintsugi");
  EXPECT_EQ(third.value("body", "?"), "");
  for (const auto& shown : bus_.Notifications()) {
    EXPECT_EQ(shown.dump().find("holidays"), std::string::npos) << "a word shown before it was chosen: " << shown;
    EXPECT_EQ(shown.dump().find("Phones"), std::string::npos) << "a word shown after 'nothing': " << shown;
  }
}

TEST_F(Notify, SwitchedOffEventsAndAllOffShowNothing) {
  ASSERT_EQ(alex_.Ctl({"notify", "off", "status"}).exit_code, 0);
  ASSERT_EQ(sam_.Ctl({"checkin", "status", "at the station"}).exit_code, 0);
  ASSERT_EQ(sam_.Ctl({"talk", "money"}).exit_code, 0);
  // The talk request notifies; the status before it did not.
  json shown = WaitForNotification(1);
  ASSERT_TRUE(WaitFor([&] { return alex_.Entries() == sam_.Entries(); }));
  EXPECT_EQ(shown.value("summary", ""), "Kintsugi: something new from Sam");
  ASSERT_EQ(alex_.Ctl({"notify", "show", "words"}).exit_code, 0);
  ASSERT_EQ(alex_.Ctl({"notify", "off"}).exit_code, 0);
  ASSERT_EQ(sam_.Ctl({"talk", "the car"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return alex_.Entries() == sam_.Entries(); }));
  ASSERT_EQ(alex_.Ctl({"notify", "on"}).exit_code, 0);
  ASSERT_EQ(sam_.Ctl({"talk", "the garden"}).exit_code, 0);
  json next = WaitForNotification(2);
  EXPECT_EQ(next.value("summary", ""), "Sam asks to talk");
  EXPECT_EQ(next.value("body", ""), "the garden");  // not "the car": that came while all was off
  EXPECT_EQ(bus_.Notifications().size(), 2u);
  auto bad = alex_.Ctl({"notify", "off", "weather"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("no event 'weather' can be switched"), std::string::npos) << bad.err;
}

TEST_F(Notify, QuietHoursHoldThenOneSummary) {
  ASSERT_EQ(alex_.Ctl({"notify", "show", "words"}).exit_code, 0);
  ASSERT_EQ(alex_.Ctl({"notify", "quiet", LocalClock(-60), LocalClock(60)}).exit_code, 0);
  ASSERT_EQ(sam_.Ctl({"talk", "tomorrow"}).exit_code, 0);
  ASSERT_EQ(sam_.Ctl({"checkin", "status", "asleep soon"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return alex_.Notify().value("held", 0) == 2; })) << alex_.Notify();
  EXPECT_TRUE(alex_.Notify().value("quiet_now", false));
  EXPECT_TRUE(bus_.Notifications().empty());
  // The quiet hours end (here: are turned off): one summary, no words.
  ASSERT_EQ(alex_.Ctl({"notify", "quiet", "off"}).exit_code, 0);
  json summary = WaitForNotification(1);
  EXPECT_EQ(summary.value("summary", ""), "Kintsugi: 2 new things from Sam");
  EXPECT_EQ(summary.value("body", ""), "A talk request or answer and a status");
  EXPECT_EQ(alex_.Notify().value("held", -1), 0);
  EXPECT_EQ(bus_.Notifications().size(), 1u);
}

TEST_F(Notify, ALockedDaemonSaysOnlyThatSomethingCame) {
  ASSERT_EQ(alex_.Ctl({"notify", "show", "words"}).exit_code, 0);
  ASSERT_EQ(alex_.Ctl({"passphrase", "set"}, "a long walk by the river\n").exit_code, 0);
  ASSERT_EQ(alex_.Ctl({"lock"}).exit_code, 0);
  // Settings stay readable while locked: they hold no words.
  EXPECT_EQ(alex_.Notify()["settings"].value("show", ""), "words");
  ASSERT_EQ(sam_.Ctl({"talk", "what happened on friday"}).exit_code, 0);
  json shown = WaitForNotification(1);
  EXPECT_EQ(shown.value("summary", ""), "Kintsugi: something new");
  EXPECT_EQ(shown.value("body", "?"), "");
  ASSERT_EQ(sam_.Ctl({"talk", "and saturday"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return alex_.Entries() == sam_.Entries(); }));
  ASSERT_EQ(sam_.Ctl({"checkin", "status", "one more"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return alex_.Entries() == sam_.Entries(); }));
  EXPECT_EQ(bus_.Notifications().size(), 1u) << "told once until unlocked";
  for (const auto& n : bus_.Notifications()) EXPECT_EQ(n.dump().find("friday"), std::string::npos);
  // Unlocked: what came is in the window; what comes next is told in words.
  ASSERT_EQ(alex_.Ctl({"unlock"}, "a long walk by the river\n").exit_code, 0);
  ASSERT_EQ(sam_.Ctl({"talk", "sunday"}).exit_code, 0);
  json next = WaitForNotification(2);
  EXPECT_EQ(next.value("summary", ""), "Sam asks to talk");
  EXPECT_EQ(next.value("body", ""), "sunday");
}

TEST_F(Notify, AClickOpensTheWindowOnTheRightScreen) {
  ASSERT_EQ(sam_.Ctl({"agree", "propose", "--title", "Weekly walk", "--text", "Sundays.", "--category", "ritual"})
                .exit_code,
            0);
  WaitForNotification(1);
  // A window is open (it holds the window lock): it is asked to show the
  // screen, over the events socket the window listens to.
  auto layout = protocol::ResolveLayout(protocol::LayoutInputsFromEnvironment(alex_.data()));
  ASSERT_TRUE(layout.ok());
  const int lock = ::open(layout->window_lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(lock, 0);
  ASSERT_EQ(::flock(lock, LOCK_EX | LOCK_NB), 0);
  bus_.Click();
  ASSERT_TRUE(WaitFor([&] { return alex_.Notify().contains("last_click"); })) << alex_.Log();
  EXPECT_EQ(alex_.Notify().value("last_click", ""), "pending: asked the open window");
  ::close(lock);
}

TEST_F(Notify, WithoutANotificationServerNothingFailsAndStatusSaysWhy) {
  bus_.StopServer();
  auto test = alex_.Json({"notify", "test"});
  ASSERT_TRUE(WaitFor([&] { return alex_.Notify().value("bus", "") != "nothing shown yet"; }));
  EXPECT_EQ(alex_.Notify().value("bus", ""), "no notification server on the session bus");
  ASSERT_EQ(sam_.Ctl({"talk", "later"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return alex_.Entries() == sam_.Entries(); }));
  EXPECT_EQ(alex_.Ctl({"status"}).exit_code, 0) << "the daemon keeps serving";
  auto human = alex_.Ctl({"notify", "status"});
  EXPECT_NE(human.out.find("Shown: no notification server on the session bus"), std::string::npos) << human.out;
}

// Without a session bus at all (a headless machine): a daemon started with
// no bus address and no bus in its runtime dir.
TEST(NotifyHeadless, NoSessionBusIsSaidAndNothingFails) {
  PrivateRuntimeDir runtime;
  TempDir dir;
  ::unsetenv("DBUS_SESSION_BUS_ADDRESS");
  LoopbackPartner alex(dir, "alex");
  ASSERT_TRUE(alex.Start());
  ASSERT_EQ(alex.Ctl({"init", "--name", "Alex"}).exit_code, 0);
  json test = alex.Json({"notify", "test"});
  EXPECT_FALSE(test.value("sent", true));
  EXPECT_EQ(test.value("bus", "").rfind("no session bus", 0), 0u) << test;
  EXPECT_EQ(alex.Ctl({"status"}).exit_code, 0);
}

}  // namespace
}  // namespace kintsugi::testing
