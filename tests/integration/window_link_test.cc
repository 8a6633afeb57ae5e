// The window's link to its daemon, for real (Xvfb, real daemons): a killed
// daemon is seen within two seconds and the window comes back where it was;
// a frozen one never holds a frame; with no daemon the window says so and
// starts one, or says why it cannot; a clicked notification opens the
// window on its screen. Shared pieces: tests/integration/window_support.h.
#include "tests/integration/window_support.h"

namespace kintsugi::testing {
namespace {

// The daemon killed under an open window: within two seconds the window
// says the background service stopped, with Start it again; when the daemon
// is back, the window is on the screen it was on.
TEST_F(WindowTest, AKilledDaemonIsSeenWithinTwoSecondsAndTheWindowComesBackWhereItWas) {
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today"); }, std::chrono::seconds(20))) << alex.Probe().dump();
  ASSERT_TRUE(alex.Click("nav:Together"));
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Together"); })) << alex.Probe().dump();
  const auto killed = std::chrono::steady_clock::now();
  a_.daemon().Stop(SIGKILL);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Stopped"); }, std::chrono::seconds(5))) << alex.Probe().dump();
  EXPECT_LT(std::chrono::steady_clock::now() - killed, std::chrono::seconds(2));
  EXPECT_TRUE(alex.Has("Start it again")) << alex.Probe().dump();
  // Started again (here by the test, on loopback like the first: the button
  // starts one as a person's would, which WindowAlone tries).
  ASSERT_TRUE(a_.Start()) << a_.Log();
  EXPECT_TRUE(WaitFor([&] { return alex.Shows("Together"); }, std::chrono::seconds(5))) << alex.Probe().dump();
  EXPECT_TRUE(alex.running());
}

// Nothing the window asks of its daemon holds a frame: with the daemon
// frozen (SIGSTOP: it takes requests and answers none), a click that writes
// an entry leaves the window drawing and moving between screens, and the
// request's time-out is said beside it. (Before requests left the window's
// thread, that click held one frame for the whole time-out, 3 s.)
TEST_F(WindowTest, AFrozenDaemonNeverHoldsAFrame) {
  const std::string log = dir_ / "alex.frames";
  Window alex(a_.data(), dir_ / "alex.probe", 0, {}, {"KINTSUGI_UI_FRAMES=" + log});
  // Frozen with nothing under way: a read that the freeze cut in half would
  // fail (the daemon did not answer) and take the window to "not running".
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today") && alex.Has("check in") && alex.Idle(); },
                      std::chrono::seconds(20)))
      << alex.Probe().dump();
  const std::int64_t frozen_at = UnixMs();
  ASSERT_EQ(kill(a_.daemon().pid(), SIGSTOP), 0);
  ASSERT_TRUE(alex.Click("check in"));
  const auto clicked = std::chrono::steady_clock::now();
  ASSERT_TRUE(alex.Click("nav:Timeline"));
  EXPECT_TRUE(WaitFor([&] { return alex.Shows("Timeline"); }, std::chrono::seconds(5))) << alex.Probe().dump();
  EXPECT_LT(std::chrono::steady_clock::now() - clicked, std::chrono::milliseconds(1500));
  ASSERT_TRUE(alex.Click("nav:Today"));
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today") && alex.Has("check in"); })) << alex.Probe().dump();
  // A second check-in, from Today, which the window stays on: its time-out
  // (after the first's, in order) is said beside it. (The first one's may
  // have come while the window was on Timeline: a message belongs to the
  // screen it was said on.)
  ASSERT_TRUE(alex.Click("check in"));
  EXPECT_TRUE(WaitFor([&] { return alex.Has("notice:problem"); }, std::chrono::seconds(15))) << alex.Probe().dump();
  // The read after it finds the daemon there but silent, and says so: not
  // "stopped", and no button that would start a second one.
  EXPECT_TRUE(WaitFor([&] { return alex.Shows("Not answering"); }, std::chrono::seconds(15))) << alex.Probe().dump();
  EXPECT_FALSE(alex.Has("Start it again")) << alex.Probe().dump();
  ASSERT_EQ(kill(a_.daemon().pid(), SIGCONT), 0);
  std::size_t drawn = 0;
  double longest = 0;
  for (const auto& [at, ms] : Frames(log)) {
    if (at < frozen_at) continue;
    ++drawn;
    longest = std::max(longest, ms);
  }
  EXPECT_GE(drawn, 3u) << "the window drew nothing while its daemon was frozen";
  EXPECT_LT(longest, 1000.0) << "a frame waited for the frozen daemon";
  // Thawed, the window reads again: Sam's status reaches Alex's Today.
  ASSERT_EQ(b_.Ctl({"checkin", "status", "thawed"}).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] { return alex.Has("partner:status"); }, std::chrono::seconds(10))) << alex.Probe().dump();
  EXPECT_TRUE(alex.Shows("Today")) << "back where it was";
  EXPECT_TRUE(alex.running());
}

// What each open descriptor of process `pid` refers to (readlink of
// /proc/PID/fd/N: a path, "socket:[inode]", "pipe:[inode]", ...).
std::map<int, std::string> OpenFiles(int pid) {
  std::map<int, std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::error_code link_ec;
    const auto target = std::filesystem::read_symlink(entry.path(), link_ec);
    if (!link_ec) files[std::stoi(entry.path().filename().string())] = target.string();
  }
  return files;
}

// Settings answers "why don't we sync?" with kintsugictl doctor's checks:
// with Sam's daemon stopped, Alex's window says this device runs and shares,
// and that Sam's device cannot be reached.
TEST_F(WindowTest, SettingsSaysWhyWeDoNotSync) {
  ASSERT_EQ(b_.Ctl({"checkin", "--note", "before I go"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return a_.Entries() == b_.Entries(); }, std::chrono::seconds(20)));
  b_.Stop(SIGTERM);
  // Sam's device counts as gone 15 s after it was last heard.
  ASSERT_TRUE(WaitFor([&] { return !a_.Json({"peers"})["peers"][0].value("online", true); }, std::chrono::seconds(30)));
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today"); }, std::chrono::seconds(20))) << alex.Probe().dump();
  ASSERT_TRUE(alex.Key("ctrl+6"));
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Settings") && alex.Has("primary:Check"); })) << alex.Probe().dump();
  ASSERT_TRUE(alex.Click("Check"));
  EXPECT_TRUE(WaitFor([&] { return alex.Has("finding:partner:problem"); }, std::chrono::seconds(20)))
      << alex.Probe().dump();
  EXPECT_TRUE(alex.Has("finding:daemon:ok")) << alex.Probe().dump();
  EXPECT_TRUE(alex.Has("finding:sharing:ok")) << alex.Probe().dump();
  EXPECT_TRUE(alex.Has("notice")) << "the check says beside its button what it found";
}

TEST(WindowAlone, SaysPlainlyWhenNoDaemonAnswersAndStartsOne) {
  PrivateRuntimeDir runtime;
  TempDir dir;
  // The window starts the kintsugid next to it or on PATH: this build's.
  const std::string daemon_dir = std::string(KINTSUGID_PATH).substr(0, std::string(KINTSUGID_PATH).rfind('/'));
  setenv("PATH", (daemon_dir + ":" + std::getenv("PATH")).c_str(), 1);
  const std::string data = dir / "nobody";
  {
    Window window(data, dir / "probe", 0);
    ASSERT_TRUE(WaitFor([&] { return window.Shows("Not running"); }, std::chrono::seconds(20))) << window.Probe().dump();
    ASSERT_TRUE(window.Has("Start Kintsugi"));
    ASSERT_TRUE(window.Click("Start Kintsugi"));
    ASSERT_TRUE(WaitFor([&] { return Ctl(data, {"status"}).exit_code == 0; }, std::chrono::seconds(20)));
    // Once the daemon answers, the window moves on to the first run.
    EXPECT_TRUE(WaitFor([&] { return window.Shows("Welcome"); }, std::chrono::seconds(20))) << window.Probe().dump();
    // The daemon took nothing of the window's along: no socket or pipe the
    // window holds (its display connection, its IPC), no terminal input.
    // Only standard error is shared, on purpose: why a daemon could not
    // start shows where the window's own errors go.
    const int daemon_pid = json::parse(Ctl(data, {"status", "--json"}).out).value("pid", 0);
    ASSERT_GT(daemon_pid, 0);
    const auto window_files = OpenFiles(window.pid());
    ASSERT_FALSE(window_files.empty());
    for (const auto& [fd, target] : OpenFiles(daemon_pid)) {
      if (fd <= 1) {
        EXPECT_EQ(target, "/dev/null") << "fd " << fd;
      }
      if (fd == 2 || (target.rfind("socket:", 0) != 0 && target.rfind("pipe:", 0) != 0)) continue;
      for (const auto& [window_fd, window_target] : window_files) {
        EXPECT_NE(target, window_target) << "the daemon's fd " << fd << " is the window's fd " << window_fd;
      }
    }
  }
  // The daemon outlives the window; stop it.
  auto status = Ctl(data, {"status", "--json"});
  ASSERT_EQ(status.exit_code, 0);
  const auto pid = json::parse(status.out).value("pid", 0);
  ASSERT_GT(pid, 0);
  kill(pid, SIGTERM);
  EXPECT_TRUE(WaitFor([&] { return Ctl(data, {"status"}).exit_code != 0; }, std::chrono::seconds(10)));
}

// A daemon that cannot start says why in the window, at once: here its data
// dir is a file.
TEST(WindowAlone, ADaemonThatCannotStartSaysWhyInTheWindow) {
  PrivateRuntimeDir runtime;
  TempDir dir;
  const std::string data = dir / "a-file";
  std::ofstream(data) << "not a folder";
  Window window(data, dir / "probe", 0);
  ASSERT_TRUE(WaitFor([&] { return window.Shows("Not running"); }, std::chrono::seconds(20))) << window.Probe().dump();
  ASSERT_TRUE(window.Click("Start Kintsugi"));
  EXPECT_TRUE(WaitFor([&] { return window.Has("notice:problem"); }, std::chrono::seconds(5))) << window.Probe().dump();
  EXPECT_TRUE(window.Has("Start Kintsugi")) << "it can be tried again";
  EXPECT_TRUE(window.running());
}

// --- Notifications: a click opens the window on the screen it was about ---

// Two paired daemons on a private session bus with the test notification
// server (tests/integration/session_bus.h). Alex's daemon starts the window
// itself when none is open: it inherits the probe's path, so the started
// window reports what it shows like the test's own.
class WindowNotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(std::getenv("DISPLAY"), nullptr) << "run under xvfb-run (ctest does)";
    ASSERT_TRUE(bus_.ok());
    ::setenv("KINTSUGI_UI_PROBE", started_probe_.c_str(), 1);
    ASSERT_TRUE(a_.Start()) << a_.Log();
    ::unsetenv("KINTSUGI_UI_PROBE");
    ASSERT_TRUE(b_.Start()) << b_.Log();
    ASSERT_EQ(a_.Ctl({"init", "--name", "Alex"}).exit_code, 0);
    ASSERT_EQ(b_.Ctl({"init", "--name", "Sam"}).exit_code, 0);
    const std::string code = a_.Json({"pair", "invite"}).value("code", "");
    ASSERT_EQ(b_.Ctl({"pair", "join", code, "--address", a_.address()}).exit_code, 0) << b_.Log();
    ASSERT_EQ(a_.Ctl({"notify", "quiet", "off"}).exit_code, 0);
  }
  void TearDown() override {
    // The window Alex's daemon started, if any.
    testing::Run({"pkill", "-f", "--open pending --data-dir " + a_.data()});
  }
  bool Proposed(const std::string& title) {
    return b_.Ctl({"agree", "propose", "--title", title, "--text", "Both.", "--category", "ritual"}).exit_code == 0;
  }
  bool Notified(std::size_t n) {
    return WaitFor([&] { return bus_.Notifications().size() >= n; }, std::chrono::seconds(25));
  }

  PrivateRuntimeDir runtime_;
  TempDir bus_dir_;
  SessionBus bus_{bus_dir_.path(), NOTIFICATION_SERVER_PATH};
  TempDir dir_;
  std::string started_probe_ = dir_ / "started.probe";
  Partner a_{dir_, "alex"};
  Partner b_{dir_, "sam"};
};

TEST_F(WindowNotifyTest, AClickBringsTheOpenWindowToTheScreenItWasAbout) {
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today"); }, std::chrono::seconds(20))) << alex.Probe().dump();
  ASSERT_TRUE(Proposed("Phones away at dinner"));
  ASSERT_TRUE(Notified(1));
  bus_.Click();
  EXPECT_TRUE(WaitFor([&] { return alex.Shows("Agreements"); })) << alex.Probe().dump() << a_.Log();
  EXPECT_TRUE(WaitFor([&] { return alex.Has("accept:Phones away at dinner"); })) << alex.Probe().dump();
  EXPECT_EQ(a_.Json({"notify", "status"}).value("last_click", ""), "pending: asked the open window");
}

TEST_F(WindowNotifyTest, AClickWithNoWindowOpenStartsOneOnThatScreen) {
  ASSERT_TRUE(Proposed("A weekly walk"));
  ASSERT_TRUE(Notified(1));
  bus_.Click();
  ASSERT_TRUE(WaitFor([&] { return a_.Json({"notify", "status"}).contains("last_click"); }));
  EXPECT_EQ(a_.Json({"notify", "status"}).value("last_click", ""), "pending: started the window");
  // The window the daemon started shows the proposal, ready to answer.
  EXPECT_TRUE(WaitFor(
      [&] {
        json p = json::parse(ReadFile(started_probe_), nullptr, false);
        return !p.is_discarded() && p.value("screen", "") == "Agreements" && p["items"].contains("accept:A weekly walk");
      },
      std::chrono::seconds(20)))
      << ReadFile(started_probe_);
}

TEST_F(WindowNotifyTest, TheWindowStartsOnTheScreenItIsAskedFor) {
  Window alex(a_.data(), dir_ / "alex.probe", 0, {"--open", "together"});
  EXPECT_TRUE(WaitFor([&] { return alex.Shows("Together"); }, std::chrono::seconds(20))) << alex.Probe().dump();
}

}  // namespace
}  // namespace kintsugi::testing
