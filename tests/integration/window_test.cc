// The window, for real: two paired daemons on loopback and each partner's
// `kintsugi` window on one X display (Xvfb, started by ctest through
// xvfb-run). Partner A's window is driven by real input events (xdotool
// moves the pointer, clicks and types; X delivers them to GLFW like a
// person's) to propose an agreement; partner B's window accepts it; then
// both windows show it as active. The windows report where they drew their
// widgets through KINTSUGI_UI_PROBE, which is how the test knows where to
// click and what each window shows.
//
// Also: `kintsugi --screenshot DIR` writes one non-blank PNG per screen.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <stb_image.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/integration/session_bus.h"
#include "ui/view_model.h"

extern char** environ;

namespace kintsugi::testing {
namespace {

using nlohmann::json;

// A `kintsugi` window process, placed at (x, 0), reporting its widgets.
class Window {
 public:
  Window(std::string data_dir, std::string probe, int x, std::vector<std::string> more = {},
         std::vector<std::string> more_env = {})
      : probe_(std::move(probe)), x_(x) {
    std::vector<std::string> args{KINTSUGI_PATH, "--data-dir", data_dir, "--geometry",
                                  "640x860+" + std::to_string(x) + "+0"};
    args.insert(args.end(), more.begin(), more.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_store;
    for (char** e = environ; *e != nullptr; ++e) env_store.emplace_back(*e);
    env_store.push_back("KINTSUGI_UI_PROBE=" + probe_);
    env_store.insert(env_store.end(), more_env.begin(), more_env.end());
    std::vector<char*> envp;
    for (auto& e : env_store) envp.push_back(e.data());
    envp.push_back(nullptr);
    if (posix_spawn(&pid_, KINTSUGI_PATH, nullptr, nullptr, argv.data(), envp.data()) != 0) pid_ = -1;
  }
  ~Window() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  bool running() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }
  pid_t pid() const { return pid_; }

  // What the window drew last: {"screen": ..., "items": {name: [x0, y0, x1, y1]}}.
  json Probe() const {
    std::ifstream in(probe_);
    std::stringstream text;
    text << in.rdbuf();
    json j = json::parse(text.str(), nullptr, false);
    return j.is_object() ? j : json::object();
  }
  bool Shows(const std::string& screen) const { return Probe().value("screen", "") == screen; }
  bool Has(const std::string& item) const {
    json p = Probe();
    return p.contains("items") && p["items"].contains(item);
  }

  // Moves the pointer to the middle of `item` and clicks, as a person would.
  ::testing::AssertionResult Click(const std::string& item) const {
    json p = Probe();
    if (!p.contains("items") || !p["items"].contains(item)) {
      return ::testing::AssertionFailure() << "no widget '" << item << "' on screen " << p.value("screen", "?")
                                           << ": " << p.dump();
    }
    const auto& r = p["items"][item];
    const int cx = x_ + static_cast<int>((r[0].get<double>() + r[2].get<double>()) / 2);
    const int cy = static_cast<int>((r[1].get<double>() + r[3].get<double>()) / 2);
    auto moved = Run({"xdotool", "mousemove", "--sync", std::to_string(cx), std::to_string(cy)});
    if (moved.exit_code != 0) return ::testing::AssertionFailure() << "xdotool: " << moved.err;
    usleep(100 * 1000);  // the window wakes on the motion and draws the hover
    // Press and release apart, as a hand does: Dear ImGui 1.86 has no input
    // queue, and a press and release read in one frame (a slow frame, under
    // the sanitizers on a loaded machine) would be no click at all.
    auto pressed = Run({"xdotool", "mousedown", "1"});
    if (pressed.exit_code != 0) return ::testing::AssertionFailure() << "xdotool: " << pressed.err;
    usleep(120 * 1000);
    auto released = Run({"xdotool", "mouseup", "1"});
    if (released.exit_code != 0) return ::testing::AssertionFailure() << "xdotool: " << released.err;
    usleep(150 * 1000);
    return ::testing::AssertionSuccess();
  }

  // Types `text` into the widget that has the keyboard focus. Without a
  // window manager nobody gives this window the X input focus: take it.
  ::testing::AssertionResult Type(const std::string& text) const {
    auto found = Run({"xdotool", "search", "--pid", std::to_string(pid_)});
    if (found.exit_code != 0 || found.out.empty()) return ::testing::AssertionFailure() << "no X window for pid";
    const std::string wid = found.out.substr(0, found.out.find('\n'));
    auto focused = Run({"xdotool", "windowfocus", "--sync", wid});
    if (focused.exit_code != 0) return ::testing::AssertionFailure() << "xdotool windowfocus: " << focused.err;
    auto typed = Run({"xdotool", "type", "--delay", "30", text});
    if (typed.exit_code != 0) return ::testing::AssertionFailure() << "xdotool: " << typed.err;
    usleep(150 * 1000);
    return ::testing::AssertionSuccess();
  }

  // The window's title, as the desktop shows it.
  std::string Title() const {
    auto found = Run({"xdotool", "search", "--pid", std::to_string(pid_)});
    if (found.exit_code != 0 || found.out.empty()) return "";
    auto name = Run({"xdotool", "getwindowname", found.out.substr(0, found.out.find('\n'))});
    return name.exit_code == 0 ? name.out.substr(0, name.out.find('\n')) : "";
  }

  // Pastes `text` into the widget that has the keyboard focus, as a person
  // pastes what they wrote elsewhere: xclip holds it as the clipboard, Ctrl+V.
  // (Typing characters that the keyboard's layout lacks is not reliable:
  // xdotool maps a spare key to each and maps it back before the window may
  // have read it.)
  ::testing::AssertionResult Paste(const std::string& text) const {
    auto held = Run({"bash", "-c", "printf '%s' \"$1\" | xclip -selection clipboard -i >/dev/null 2>&1", "paste", text});
    // (xclip stays behind to serve the clipboard: its output must not hold Run.)
    if (held.exit_code != 0) return ::testing::AssertionFailure() << "xclip failed";
    // xclip serves the clipboard from a child it leaves behind: wait until
    // the clipboard reads back as `text` before pasting.
    const bool ready = WaitFor([&] { return Run({"xclip", "-selection", "clipboard", "-o"}).out == text; },
                               std::chrono::seconds(5));
    if (!ready) return ::testing::AssertionFailure() << "the clipboard never held the text";
    return Key("ctrl+v");
  }

  // Presses one key (an X keysym name such as "Return") in this window.
  ::testing::AssertionResult Key(const std::string& key) const {
    auto found = Run({"xdotool", "search", "--pid", std::to_string(pid_)});
    if (found.exit_code != 0 || found.out.empty()) return ::testing::AssertionFailure() << "no X window for pid";
    const std::string wid = found.out.substr(0, found.out.find('\n'));
    auto focused = Run({"xdotool", "windowfocus", "--sync", wid});
    if (focused.exit_code != 0) return ::testing::AssertionFailure() << "xdotool windowfocus: " << focused.err;
    // Held for a moment, as a hand holds it: ImGui 1.86 reads keys as held
    // or not at each frame, so a press and release read in one frame (a
    // shortcut such as Ctrl+V) would be no press at all.
    auto pressed = Run({"xdotool", "keydown", key});
    if (pressed.exit_code != 0) return ::testing::AssertionFailure() << "xdotool: " << pressed.err;
    usleep(120 * 1000);
    auto released = Run({"xdotool", "keyup", key});
    if (released.exit_code != 0) return ::testing::AssertionFailure() << "xdotool: " << released.err;
    usleep(150 * 1000);
    return ::testing::AssertionSuccess();
  }

 private:
  std::string probe_;
  int x_;
  pid_t pid_ = -1;
};

class Partner : public LoopbackPartner {
 public:
  using LoopbackPartner::LoopbackPartner;
};

class WindowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(std::getenv("DISPLAY"), nullptr) << "run under xvfb-run (ctest does)";
    ASSERT_TRUE(a_.Start()) << a_.Log();
    ASSERT_TRUE(b_.Start()) << b_.Log();
    ASSERT_EQ(a_.Ctl({"init", "--name", "Alex"}).exit_code, 0);
    ASSERT_EQ(b_.Ctl({"init", "--name", "Sam"}).exit_code, 0);
    const std::string code = a_.Json({"pair", "invite"}).value("code", "");
    auto joined = b_.Ctl({"pair", "join", code, "--address", a_.address()});
    ASSERT_EQ(joined.exit_code, 0) << joined.err << b_.Log();
  }

  PrivateRuntimeDir runtime_;
  TempDir dir_;
  Partner a_{dir_, "alex"};
  Partner b_{dir_, "sam"};
};

bool ActiveOn(const Partner& p, const std::string& title) {
  json agreements = p.Json({"agreements"})["agreements"];
  for (const auto& a : agreements) {
    if (a.value("title", "") == title) return a.value("state", "") == "active";
  }
  return false;
}

TEST_F(WindowTest, AProposesInHerWindowBAcceptsInHisAndBothShowItActive) {
  const std::string title = "Tell before plans change";
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  Window sam(b_.data(), dir_ / "sam.probe", 660);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today") && sam.Shows("Today"); }, std::chrono::seconds(20)))
      << "alex: " << alex.Probe().dump() << "\nsam: " << sam.Probe().dump();

  // Alex: Agreements, title, text, Propose.
  ASSERT_TRUE(alex.Click("nav:Agreements"));
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Agreements") && alex.Has("propose title"); }));
  ASSERT_TRUE(alex.Click("propose title"));
  ASSERT_TRUE(alex.Type(title));
  ASSERT_TRUE(alex.Click("propose text"));
  ASSERT_TRUE(alex.Type("When my plans change, I tell you before, not after."));
  ASSERT_TRUE(alex.Click("Propose"));
  ASSERT_TRUE(WaitFor([&] { return alex.Has("agreement:Awaiting your partner:" + title); }))
      << alex.Probe().dump();
  json proposed = a_.Json({"agreements"})["agreements"];
  ASSERT_EQ(proposed.size(), 1u);
  EXPECT_EQ(proposed[0]["title"], title);
  EXPECT_EQ(proposed[0]["text"], "When my plans change, I tell you before, not after.");
  EXPECT_EQ(proposed[0]["state"], "proposed");

  // Sam's window learns of it from the daemon's event and offers to accept.
  ASSERT_TRUE(WaitFor([&] { return sam.Has("accept:" + title); }, std::chrono::seconds(20)))
      << sam.Probe().dump() << b_.Log();
  ASSERT_TRUE(sam.Click("accept:" + title));
  ASSERT_TRUE(WaitFor([&] { return ActiveOn(b_, title) && ActiveOn(a_, title); }, std::chrono::seconds(20)));

  // Both windows show it as active.
  ASSERT_TRUE(sam.Click("nav:Agreements"));
  EXPECT_TRUE(WaitFor([&] { return sam.Has("agreement:Active:" + title); })) << sam.Probe().dump();
  EXPECT_TRUE(WaitFor([&] { return alex.Has("agreement:Active:" + title); })) << alex.Probe().dump();
  EXPECT_FALSE(alex.Has("agreement:Awaiting your partner:" + title));
  EXPECT_TRUE(alex.running());
  EXPECT_TRUE(sam.running());
}

// Whether the window drew an item whose name holds `part` (the probe names
// rows after what they say).
bool HasItemWith(const Window& w, const std::string& part) {
  const json p = w.Probe();
  if (!p.contains("items")) return false;
  for (const auto& [name, rect] : p["items"].items()) {
    if (name.find(part) != std::string::npos) return true;
  }
  return false;
}

// What Alex writes in her window, Sam reads in his: her feelings with what
// she appreciated and needs on his Today and his timeline; her talk request
// on his Today, which he answers there; his answer on her Today.
TEST_F(WindowTest, WhatAlexWritesSamReadsAndAnswersInHisWindow) {
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  Window sam(b_.data(), dir_ / "sam.probe", 660);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today") && sam.Shows("Today"); }, std::chrono::seconds(20)))
      << "alex: " << alex.Probe().dump() << "\nsam: " << sam.Probe().dump();
  // Each window says whose it is.
  EXPECT_TRUE(WaitFor([&] { return alex.Title() == "Kintsugi: Alex" && sam.Title() == "Kintsugi: Sam"; }))
      << alex.Title() << " / " << sam.Title();

  ASSERT_TRUE(alex.Click("appreciated"));
  ASSERT_TRUE(alex.Type("You made tea without asking"));
  ASSERT_TRUE(alex.Click("needed"));
  ASSERT_TRUE(alex.Type("A quiet evening"));
  ASSERT_TRUE(alex.Click("check in"));
  ASSERT_TRUE(WaitFor([&] { return HasItemWith(sam, "partner:appreciated:You made tea without asking"); },
                      std::chrono::seconds(20)))
      << sam.Probe().dump() << b_.Log();
  EXPECT_TRUE(HasItemWith(sam, "partner:needs:A quiet evening")) << sam.Probe().dump();
  EXPECT_TRUE(HasItemWith(sam, "partner:feelings:mood 5, trust 5")) << sam.Probe().dump();

  ASSERT_TRUE(sam.Click("nav:Timeline"));
  EXPECT_TRUE(WaitFor([&] {
    return HasItemWith(sam, "Alex checked in: mood 5, trust 5. Appreciated: You made tea without asking. "
                            "Needs: A quiet evening.");
  })) << sam.Probe().dump();

  ASSERT_TRUE(alex.Click("nav:Together"));
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Together") && alex.Has("talk"); })) << alex.Probe().dump();
  ASSERT_TRUE(alex.Click("talk"));
  ASSERT_TRUE(alex.Type("the holidays"));
  ASSERT_TRUE(alex.Click("Ask to talk"));
  ASSERT_TRUE(WaitFor([&] { return a_.Json({"timeline", "--kind", "talk.request"}).value("entries", json::array()).size() == 1; }))
      << alex.Probe().dump();

  ASSERT_TRUE(sam.Click("nav:Today"));
  ASSERT_TRUE(WaitFor([&] { return sam.Has("partner:asks:the holidays") && sam.Has("answer:Yes, tonight"); },
                      std::chrono::seconds(20)))
      << sam.Probe().dump();
  ASSERT_TRUE(sam.Click("answer:Yes, tonight"));
  ASSERT_TRUE(alex.Click("nav:Today"));
  EXPECT_TRUE(WaitFor([&] { return alex.Has("partner:answer:Yes, tonight"); }, std::chrono::seconds(20)))
      << alex.Probe().dump();
  EXPECT_TRUE(WaitFor([&] { return !sam.Has("partner:asks:the holidays"); })) << sam.Probe().dump();
  EXPECT_TRUE(alex.running());
  EXPECT_TRUE(sam.running());
}

// Every script a person writes reaches the other window with a real glyph.
// Alex pastes, with real key events (Ctrl+V), Latin with diacritics (Vietnamese
// included), typographic punctuation, Hebrew, Arabic, Greek, Cyrillic, CJK and
// emoji (in and beyond the Basic Multilingual Plane); her daemon stores every
// character; Sam's window draws her words with no replacement glyph: the
// font atlas has every character it was asked for, and the frame's draw data
// holds not one U+FFFD. Then a character no font has (U+10FFFD) shows that
// the window does see a missing glyph when there is one.
TEST_F(WindowTest, EveryScriptAlexTypesSamReadsWithARealGlyph) {
  const std::string appreciated = "Désolé — I’m sorry ❤️ שלום مرحبا Zażółć Привет Γειά 你好 😀";
  const std::string needed = "Ngọc — תודה, شكرا 🙏";
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  Window sam(b_.data(), dir_ / "sam.probe", 660);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today") && sam.Shows("Today"); }, std::chrono::seconds(20)))
      << "alex: " << alex.Probe().dump() << "\nsam: " << sam.Probe().dump();
  ASSERT_TRUE(alex.Click("appreciated"));
  ASSERT_TRUE(alex.Paste(appreciated));
  ASSERT_TRUE(alex.Click("needed"));
  ASSERT_TRUE(alex.Paste(needed));
  ASSERT_TRUE(alex.Click("check in"));
  ASSERT_TRUE(WaitFor([&] { return HasItemWith(sam, "partner:appreciated:" + appreciated); }, std::chrono::seconds(20)))
      << sam.Probe().dump() << a_.Log();
  const json stored = a_.Json({"timeline", "--kind", "feelings"}).value("entries", json::array());
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_NE(stored[0].dump().find(appreciated), std::string::npos) << stored.dump();
  EXPECT_NE(stored[0].dump().find(needed), std::string::npos) << stored.dump();
  EXPECT_TRUE(HasItemWith(sam, "partner:needs:" + needed)) << sam.Probe().dump();

  auto clean = [&] {
    const json g = sam.Probe().value("glyphs", json::object());
    return g.value("replacements_drawn", -1) == 0 && g.value("missing", json::array()).empty() &&
           g.value("noted", 0) > 20;
  };
  EXPECT_TRUE(WaitFor(clean)) << sam.Probe()["glyphs"].dump();
  ASSERT_TRUE(sam.Click("nav:Timeline"));
  ASSERT_TRUE(WaitFor([&] { return sam.Shows("Timeline") && HasItemWith(sam, appreciated); })) << sam.Probe().dump();
  EXPECT_TRUE(WaitFor(clean)) << sam.Probe()["glyphs"].dump();

  ASSERT_EQ(a_.Ctl({"appreciate", "a character no font has: \U0010FFFD"}).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] {
    const json g = sam.Probe().value("glyphs", json::object());
    return g.value("replacements_drawn", 0) >= 1 && g.value("missing", json::array()) == json::array({0x10FFFD});
  }, std::chrono::seconds(20))) << sam.Probe()["glyphs"].dump();
  EXPECT_TRUE(alex.running());
  EXPECT_TRUE(sam.running());
}

// A note far over its limit (100 kB pasted): the window says which limit
// beside a greyed-out button, at once, and writes nothing; it keeps answering.
TEST_F(WindowTest, ANoteOverItsLimitGreysOutItsButtonAndSaysWhy) {
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today") && alex.Has("checkin note"); }, std::chrono::seconds(20)))
      << alex.Probe().dump();
  ASSERT_TRUE(alex.Click("checkin note"));
  ASSERT_TRUE(alex.Paste(std::string(100 * 1000, 'x')));
  EXPECT_TRUE(WaitFor([&] { return alex.Has("why:Write it:note is longer than 4000 characters"); })) << alex.Probe().dump();
  ASSERT_TRUE(alex.Click("Write it"));
  EXPECT_TRUE(a_.Json({"timeline", "--kind", "checkin"}).value("entries", json::array()).empty());
  ASSERT_TRUE(alex.Click("nav:Timeline"));
  EXPECT_TRUE(WaitFor([&] { return alex.Shows("Timeline"); })) << "the window stopped answering";
  EXPECT_TRUE(alex.running());
}

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

// The window's frames (KINTSUGI_UI_FRAMES): each one's end (Unix ms) and
// how long it took, from waking to the end of its swap.
std::vector<std::pair<std::int64_t, double>> Frames(const std::string& log) {
  std::vector<std::pair<std::int64_t, double>> frames;
  std::ifstream in(log);
  std::int64_t at = 0;
  double ms = 0;
  while (in >> at >> ms) frames.emplace_back(at, ms);
  return frames;
}

std::int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Nothing the window asks of its daemon holds a frame: with the daemon
// frozen (SIGSTOP: it takes requests and answers none), a click that writes
// an entry leaves the window drawing and moving between screens, and the
// request's time-out is said beside it. (Before requests left the window's
// thread, that click held one frame for the whole time-out, 3 s.)
TEST_F(WindowTest, AFrozenDaemonNeverHoldsAFrame) {
  const std::string log = dir_ / "alex.frames";
  Window alex(a_.data(), dir_ / "alex.probe", 0, {}, {"KINTSUGI_UI_FRAMES=" + log});
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today") && alex.Has("check in"); }, std::chrono::seconds(20)))
      << alex.Probe().dump();
  const std::int64_t frozen_at = UnixMs();
  ASSERT_EQ(kill(a_.daemon().pid(), SIGSTOP), 0);
  ASSERT_TRUE(alex.Click("check in"));
  const auto clicked = std::chrono::steady_clock::now();
  ASSERT_TRUE(alex.Click("nav:Timeline"));
  EXPECT_TRUE(WaitFor([&] { return alex.Shows("Timeline"); }, std::chrono::seconds(5))) << alex.Probe().dump();
  EXPECT_LT(std::chrono::steady_clock::now() - clicked, std::chrono::milliseconds(1500));
  ASSERT_TRUE(alex.Click("nav:Today"));
  EXPECT_TRUE(WaitFor([&] { return alex.Has("notice:problem"); }, std::chrono::seconds(10))) << alex.Probe().dump();
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
  EXPECT_TRUE(alex.running());
}

// A message is drawn beside the action that caused it, not at the foot of
// the screen: "Thank you for checking in" under Check in, then, after a
// status, the status's own message under Tell, and only that one.
TEST_F(WindowTest, AMessageIsShownBesideTheActionThatCausedIt) {
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today") && alex.Has("check in"); }, std::chrono::seconds(20)))
      << alex.Probe().dump();
  auto top = [&](const std::string& item) { return alex.Probe()["items"][item][1].get<double>(); };
  auto bottom = [&](const std::string& item) { return alex.Probe()["items"][item][3].get<double>(); };
  ASSERT_TRUE(alex.Click("check in"));
  ASSERT_TRUE(WaitFor([&] { return alex.Has("notice"); })) << alex.Probe().dump();
  EXPECT_GE(top("notice"), bottom("check in"));
  EXPECT_LT(top("notice") - bottom("check in"), 40) << alex.Probe().dump();
  ASSERT_TRUE(alex.Click("status"));
  ASSERT_TRUE(alex.Type("home by nine"));
  ASSERT_TRUE(alex.Click("tell"));
  ASSERT_TRUE(WaitFor([&] { return alex.Has("notice") && top("notice") > bottom("tell"); })) << alex.Probe().dump();
  EXPECT_LT(top("notice") - bottom("tell"), 40) << alex.Probe().dump();
}

// A long entry is read in full on the timeline: its row grows to hold its
// words, wrapped (no tooltip, nothing cut off at the window's edge).
TEST_F(WindowTest, ALongEntryGrowsItsTimelineRowToHoldEveryWord) {
  std::string note = "Tonight I want to say it plainly:";
  for (int i = 0; i < 30; ++i) note += " I am here and I am listening";
  note += ", the end of my long note.";
  ASSERT_EQ(b_.Ctl({"checkin", "--note", note}).exit_code, 0);
  ASSERT_EQ(b_.Ctl({"checkin", "--note", "a short one after it"}).exit_code, 0);
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today"); }, std::chrono::seconds(20))) << alex.Probe().dump();
  ASSERT_TRUE(alex.Click("nav:Timeline"));
  auto row = [&](const std::string& words) -> json {
    const json items = alex.Probe().value("items", json::object());  // named: items() of a temporary dangles
    for (const auto& [name, rect] : items.items()) {
      if (name.rfind("entry:", 0) == 0 && name.find(words) != std::string::npos) return rect;
    }
    return nullptr;
  };
  auto height = [](const json& rect) { return rect[3].get<double>() - rect[1].get<double>(); };
  // The first frame places rows one line high; the next, as high as their words.
  ASSERT_TRUE(WaitFor([&] {
    const json long_row = row("the end of my long note");
    const json short_row = row("a short one");
    return !long_row.is_null() && !short_row.is_null() && height(long_row) > 4 * height(short_row);
  }, std::chrono::seconds(20))) << alex.Probe().dump();
  const json long_row = row("the end of my long note");
  const json short_row = row("a short one");
  EXPECT_LE(long_row[2].get<double>(), 640) << "the row stays within the window";
  // The rows do not overlap: the newer, short one is above the long one.
  EXPECT_LE(short_row[3].get<double>(), long_row[1].get<double>() + 1) << alex.Probe().dump();
}

// Every screen draws the buttons that write the kinds it offers (the
// view-model's Offers(), which tests/ui holds to the kinds table).
TEST_F(WindowTest, EachScreenDrawsTheButtonsForTheKindsItOffers) {
  ASSERT_EQ(a_.Ctl({"checkin", "feelings", "--mood", "6", "--trust", "5"}).exit_code, 0);
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today"); }, std::chrono::seconds(20))) << alex.Probe().dump();
  // The screens' order in the window, and so their keys, Ctrl+1 to Ctrl+6.
  const std::vector<std::string> screens = {"Today", "Agreements", "Timeline", "Progress", "Together", "Settings"};
  std::map<std::string, std::vector<std::string>> expected;
  for (const ui::Offer& o : ui::Offers()) {
    if (o.always) expected[std::string(ui::ScreenName(o.screen))].emplace_back(o.button);
  }
  ASSERT_EQ(expected.size(), 5u) << "Settings writes no entry; every other screen does";
  for (std::size_t i = 0; i < screens.size(); ++i) {
    if (!expected.count(screens[i])) continue;
    ASSERT_TRUE(alex.Key("ctrl+" + std::to_string(i + 1)));
    ASSERT_TRUE(WaitFor([&] { return alex.Shows(screens[i]); })) << alex.Probe().dump();
    for (const auto& button : expected[screens[i]]) {
      EXPECT_TRUE(WaitFor([&] { return alex.Has(button); })) << screens[i] << " has no " << button << ": "
                                                              << alex.Probe().dump();
    }
  }
}

// After Alex leaves, Sam's window turns read-only: her last word, what is
// still possible, and no form that would fail on a click.
TEST_F(WindowTest, AfterALeaveThePartnersWindowIsReadOnlyWithTheLastWord) {
  Window sam(b_.data(), dir_ / "sam.probe", 660);
  ASSERT_TRUE(WaitFor([&] { return sam.Shows("Today") && sam.Has("Check in"); }, std::chrono::seconds(20)))
      << sam.Probe().dump();
  ASSERT_TRUE(WaitFor([&] { return a_.Json({"peers"}).value("peers", json::array()).size() == 1 &&
                                   a_.Json({"peers"})["peers"][0].value("online", false); },
                      std::chrono::seconds(20)));
  auto left = a_.Ctl({"leave", "--note", "Take care of yourself", "--yes"});
  ASSERT_EQ(left.exit_code, 0) << left.err;
  ASSERT_TRUE(WaitFor([&] { return sam.Has("ended") && sam.Has("ended:last word:Take care of yourself"); },
                      std::chrono::seconds(20)))
      << sam.Probe().dump() << b_.Log();
  EXPECT_FALSE(sam.Has("Check in"));
  EXPECT_FALSE(sam.Has("Tell"));
  ASSERT_TRUE(sam.Key("ctrl+5"));
  ASSERT_TRUE(WaitFor([&] { return sam.Shows("Together"); })) << sam.Probe().dump();
  EXPECT_TRUE(sam.Has("ended"));
  EXPECT_FALSE(sam.Has("Ask to talk"));
  EXPECT_FALSE(sam.Has("Start a pause"));
  ASSERT_TRUE(sam.Key("ctrl+2"));
  ASSERT_TRUE(WaitFor([&] { return sam.Shows("Agreements"); })) << sam.Probe().dump();
  EXPECT_FALSE(sam.Has("Propose"));
  EXPECT_TRUE(sam.running());
}

// The safety question is in Settings at any time; the helpline a person
// keeps there stays in a private file on this computer, and neither leaves
// anything in the shared ledger.
TEST_F(WindowTest, TheSafetyQuestionAndAHelplineInSettingsLeaveNoTraceInTheLedger) {
  const std::string config = dir_ / "config";
  ASSERT_EQ(setenv("XDG_CONFIG_HOME", config.c_str(), 1), 0);
  const auto entries = [](const Partner& p) { return p.Json({"status"}).value("entries", -1); };
  // Both introductions (one member entry each) on both devices first.
  ASSERT_TRUE(WaitFor([&] { return entries(a_) == 2 && entries(b_) == 2; }, std::chrono::seconds(20)));
  const int before = entries(a_);
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  unsetenv("XDG_CONFIG_HOME");
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today"); }, std::chrono::seconds(20))) << alex.Probe().dump();
  ASSERT_TRUE(alex.Key("ctrl+6"));
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Settings") && alex.Has("safety:no"); })) << alex.Probe().dump();
  EXPECT_FALSE(alex.Has("safety:help"));
  ASSERT_TRUE(alex.Click("safety:no"));
  ASSERT_TRUE(WaitFor([&] { return alex.Has("safety:help"); })) << alex.Probe().dump();
  ASSERT_TRUE(alex.Click("helpline"));
  ASSERT_TRUE(alex.Type("City helpline 0800 555 0100"));
  ASSERT_TRUE(alex.Click("Keep it"));
  const std::string file = config + "/kintsugi/helpline";
  ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(file); })) << alex.Probe().dump();
  std::ifstream in(file);
  std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(kept, "City helpline 0800 555 0100");
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  usleep(500 * 1000);
  EXPECT_EQ(entries(a_), before) << "the safety question or the helpline wrote to the ledger";
  EXPECT_EQ(entries(b_), before);
}

// A new couple's Progress: a legend of who is which colour, and a sentence
// of what will appear, after one check-in.
TEST_F(WindowTest, ANewCouplesProgressHasALegendAndSaysWhatWillAppear) {
  ASSERT_EQ(a_.Ctl({"checkin", "feelings", "--mood", "6", "--trust", "5"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return b_.Json({"status"}).value("entries", 0) == a_.Json({"status"}).value("entries", -1); },
                      std::chrono::seconds(20)));
  Window sam(b_.data(), dir_ / "sam.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return sam.Shows("Today"); }, std::chrono::seconds(20))) << sam.Probe().dump();
  ASSERT_TRUE(sam.Key("ctrl+4"));
  ASSERT_TRUE(WaitFor([&] { return sam.Shows("Progress") && sam.Has("legend:Alex"); })) << sam.Probe().dump();
  EXPECT_TRUE(sam.Has("legend:Sam"));
  EXPECT_TRUE(sam.Has("progress:new couple"));
}

TEST_F(WindowTest, ALockedWindowShowsOnlyTheUnlockAndOpensFromTheKeyboard) {
  ASSERT_EQ(testing::Ctl(a_.data(), {"passphrase", "set"}, "a long passphrase\n").exit_code, 0);
  ASSERT_EQ(a_.Ctl({"lock"}).exit_code, 0);
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Locked"); }, std::chrono::seconds(20))) << alex.Probe().dump();
  EXPECT_FALSE(alex.Has("nav:Today"));  // nothing but the unlock is drawn
  EXPECT_FALSE(alex.Has("notice:problem"));
  // The passphrase field has the keyboard at once: no pointer needed.
  ASSERT_TRUE(alex.Type("not the passphrase"));
  ASSERT_TRUE(alex.Key("Return"));
  // Refused (after one derivation): the window says so and stays locked.
  ASSERT_TRUE(WaitFor([&] { return alex.Has("notice:problem"); }, std::chrono::seconds(20))) << alex.Probe().dump();
  EXPECT_TRUE(a_.Json({"status"}).value("locked", false));
  EXPECT_TRUE(alex.Shows("Locked"));
  ASSERT_TRUE(alex.Type("a long passphrase"));
  ASSERT_TRUE(alex.Key("Return"));
  ASSERT_TRUE(WaitFor([&] { return !a_.Json({"status"}).value("locked", true); }, std::chrono::seconds(20)));
  EXPECT_TRUE(WaitFor([&] { return alex.Shows("Today"); }, std::chrono::seconds(20))) << alex.Probe().dump();
  // The key's derivation ran off the window's thread: frames were drawn
  // (saying "Unlocking...") while the daemon worked, each time.
  EXPECT_GE(alex.Probe()["counts"].value("frames while busy", 0), 2) << alex.Probe().dump();
  EXPECT_TRUE(alex.running());
}

// Everything works without a pointer: Ctrl+1 ... Ctrl+6 open the screens,
// and ImGui's keyboard navigation (arrows and Space between panels and
// controls, Tab between fields) writes a status check-in.
TEST_F(WindowTest, TheKeyboardAloneOpensEveryScreenAndWritesAStatus) {
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today"); }, std::chrono::seconds(20))) << alex.Probe().dump();
  const std::vector<std::pair<std::string, std::string>> screens = {
      {"ctrl+2", "Agreements"}, {"ctrl+3", "Timeline"}, {"ctrl+4", "Progress"},
      {"ctrl+5", "Together"},   {"ctrl+6", "Settings"}, {"ctrl+1", "Today"}};
  for (const auto& [key, screen] : screens) {
    ASSERT_TRUE(alex.Key(key));
    EXPECT_TRUE(WaitFor([&] { return alex.Shows(screen); })) << key << ": " << alex.Probe().dump();
  }
  // Without Ctrl a digit is only a digit, and there is no seventh screen.
  ASSERT_TRUE(alex.Key("3"));
  ASSERT_TRUE(alex.Key("ctrl+7"));
  EXPECT_TRUE(alex.Shows("Today"));

  auto focused = [&] { return alex.Probe().value("focused", ""); };
  // Into the screen's panel: Down wakes the navigation on the list of
  // screens, Right moves to the panel beside it, Space enters it.
  for (const char* key : {"Down", "Right", "space"}) ASSERT_TRUE(alex.Key(key));
  ASSERT_TRUE(WaitFor([&] { return !focused().empty(); })) << alex.Probe().dump();
  // Tab goes from field to field: mood, trust, the two words, the status.
  for (const char* field : {"mood", "trust", "appreciated", "needed", "status"}) {
    ASSERT_TRUE(alex.Key("Tab"));
    ASSERT_TRUE(WaitFor([&] { return focused() == field; })) << field << ": " << alex.Probe().dump();
  }
  ASSERT_TRUE(alex.Type("home by nine"));
  ASSERT_TRUE(alex.Key("Return"));
  ASSERT_TRUE(alex.Key("Down"));
  ASSERT_TRUE(WaitFor([&] { return focused() == "tell"; })) << alex.Probe().dump();
  ASSERT_TRUE(alex.Key("space"));
  EXPECT_TRUE(WaitFor([&] {
    const json statuses = a_.Json({"timeline", "--kind", "status"});
    return statuses.contains("entries") && statuses["entries"].size() == 1 &&
           statuses["entries"][0]["body"].value("text", "") == "home by nine";
  })) << a_.Json({"timeline", "--kind", "status"}).dump();
  EXPECT_TRUE(alex.running());
}

// A dialog that asks a question keeps the window until it is answered: a
// screen key pressed meanwhile does nothing.
TEST_F(WindowTest, AScreenKeyWaitsWhileADialogAsks) {
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today"); }, std::chrono::seconds(20))) << alex.Probe().dump();
  ASSERT_TRUE(alex.Key("ctrl+6"));
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Settings") && alex.Has("Leave..."); })) << alex.Probe().dump();
  ASSERT_TRUE(alex.Click("Leave..."));
  ASSERT_TRUE(WaitFor([&] { return alex.Has("Stay"); })) << alex.Probe().dump();
  ASSERT_TRUE(alex.Key("ctrl+1"));
  EXPECT_TRUE(alex.Shows("Settings"));
  EXPECT_TRUE(alex.Has("Stay")) << "the question went away unanswered";
  ASSERT_TRUE(alex.Click("Stay"));
  ASSERT_TRUE(WaitFor([&] { return !alex.Has("Stay"); })) << alex.Probe().dump();
  ASSERT_TRUE(alex.Key("ctrl+1"));
  EXPECT_TRUE(WaitFor([&] { return alex.Shows("Today"); })) << alex.Probe().dump();
  EXPECT_EQ(a_.Status().value("sharing", json::object()).value("state", ""), "sharing");
}

// A PNG's size and how many distinct colours it holds (stb_image, the same
// library the window writes it with): a blank (failed) render has one.
struct Png {
  int width = 0, height = 0;
  std::size_t colours = 0;
};
std::optional<Png> ReadPng(const std::string& path) {
  int w = 0, h = 0, channels = 0;
  unsigned char* pixels = stbi_load(path.c_str(), &w, &h, &channels, 3);
  if (pixels == nullptr) return std::nullopt;
  std::set<std::uint32_t> colours;
  for (std::size_t i = 0; i < static_cast<std::size_t>(w) * h; ++i) {
    const unsigned char* p = pixels + i * 3;
    colours.insert(std::uint32_t{p[0]} << 16 | std::uint32_t{p[1]} << 8 | p[2]);
  }
  stbi_image_free(pixels);
  return Png{w, h, colours.size()};
}

TEST_F(WindowTest, ScreenshotWritesOneNonBlankPngPerScreen) {
  ASSERT_EQ(a_.Ctl({"checkin", "feelings", "--mood", "6", "--trust", "5"}).exit_code, 0);
  const std::string shots = dir_ / "shots";
  auto r = testing::Run({KINTSUGI_PATH, "--data-dir", a_.data(), "--screenshot", shots, "--geometry", "900x700"},
               std::chrono::seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* screen : {"today", "agreements", "timeline", "progress", "together", "settings", "pair"}) {
    const std::string png = shots + "/" + screen + ".png";
    auto image = ReadPng(png);
    ASSERT_TRUE(image.has_value()) << png << ": " << stbi_failure_reason();
    EXPECT_EQ(image->width, 900) << png;
    EXPECT_EQ(image->height, 700) << png;
    EXPECT_GT(image->colours, 8u) << png << " looks blank";
  }
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
