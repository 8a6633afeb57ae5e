// What the window tests share: a `kintsugi` window process driven by real
// input (xdotool) and read through its probe (KINTSUGI_UI_PROBE), two paired
// daemons on loopback for a couple's windows, and the window's frame log
// (KINTSUGI_UI_FRAMES).
//
// Thread-safety: test-thread only.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
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
  // No request to the daemon is under way (none queued, none unanswered).
  bool Idle() const { return Probe().value("waiting", 1) == 0; }

  // Moves the pointer to the middle of `item` and clicks, as a person would,
  // with `button` (xdotool's numbers: 1 left, 3 right).
  ::testing::AssertionResult Click(const std::string& item, const std::string& button = "1") const {
    auto pointed = PointAt(item);
    if (!pointed) return pointed;
    return PressAndRelease("mousedown", "mouseup", button, 1);
  }

  // Turns the mouse wheel `clicks` notches down (up when negative) with the
  // pointer over `item`, as a person scrolls what they read.
  ::testing::AssertionResult Scroll(const std::string& item, int clicks) const {
    auto pointed = PointAt(item);
    if (!pointed) return pointed;
    auto turned = Run({"xdotool", "click", "--repeat", std::to_string(std::abs(clicks)), "--delay", "80",
                       clicks > 0 ? "5" : "4"});
    if (turned.exit_code != 0) return ::testing::AssertionFailure() << "xdotool: " << turned.err;
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
    const int keys = 1 + static_cast<int>(std::count(key.begin(), key.end(), '+'));  // "ctrl+v" is two
    return PressAndRelease("keydown", "keyup", key, keys);
  }

 private:
  // Presses, waits until the window has drawn a frame that read `count`
  // buttons or keys held, releases, and waits until a frame read them let
  // go, as a hand holds a key until it has taken. Dear ImGui 1.86 has no
  // input queue: a press and its release read in one frame (a slow frame,
  // under the sanitizers on a loaded machine) would be no press at all, and
  // a fixed pause is only a guess at how slow a frame may be. The pauses of
  // a quick hand stay as the least: without them, on a loaded machine, a
  // click on a dialog's button right after a screen key was lost about one
  // time in two (AScreenKeyWaitsWhileADialogAsks), for a reason not found.
  ::testing::AssertionResult PressAndRelease(const char* down, const char* up, const std::string& what,
                                             int count) const {
    auto pressed = Run({"xdotool", down, what});
    if (pressed.exit_code != 0) return ::testing::AssertionFailure() << "xdotool: " << pressed.err;
    usleep(120 * 1000);  // at least as long as a quick hand
    const bool held = WaitFor([&] { return Probe().value("held", 0) >= count; }, std::chrono::seconds(10));
    auto released = Run({"xdotool", up, what});
    if (released.exit_code != 0) return ::testing::AssertionFailure() << "xdotool: " << released.err;
    if (!held) return ::testing::AssertionFailure() << "the window never read " << what << " held: " << Probe().dump();
    if (!WaitFor([&] { return Probe().value("held", 1) == 0; }, std::chrono::seconds(10))) {
      return ::testing::AssertionFailure() << "the window never read " << what << " let go: " << Probe().dump();
    }
    usleep(150 * 1000);
    return ::testing::AssertionSuccess();
  }

  // Moves the pointer to the middle of `item` and waits until the window has
  // drawn a frame with `item` still under it. The screen may move between
  // reading the probe and the pointer's arrival (a message appearing above,
  // the partner's entry coming in): then it points again, at where `item`
  // is now, as a person's hand follows what moved.
  ::testing::AssertionResult PointAt(const std::string& item) const {
    json p = Probe();
    for (int attempt = 0; attempt < 5; ++attempt) {
      if (!p.contains("items") || !p["items"].contains(item)) {
        return ::testing::AssertionFailure() << "no widget '" << item << "' on screen " << p.value("screen", "?")
                                             << ": " << p.dump();
      }
      const json r = p["items"][item];
      const int cx = static_cast<int>((r[0].get<double>() + r[2].get<double>()) / 2);
      const int cy = static_cast<int>((r[1].get<double>() + r[3].get<double>()) / 2);
      auto moved = Run({"xdotool", "mousemove", "--sync", std::to_string(x_ + cx), std::to_string(cy)});
      if (moved.exit_code != 0) return ::testing::AssertionFailure() << "xdotool: " << moved.err;
      usleep(100 * 1000);  // the window wakes on the motion and draws the hover
      p = Probe();
      if (p.contains("items") && p["items"].contains(item)) {
        const json now = p["items"][item];
        if (now[0].get<double>() <= cx && cx <= now[2].get<double>() && now[1].get<double>() <= cy &&
            cy <= now[3].get<double>()) {
          return ::testing::AssertionSuccess();
        }
      }
    }
    return ::testing::AssertionFailure() << "'" << item << "' kept moving from under the pointer: " << p.dump();
  }

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

// The window's frames (KINTSUGI_UI_FRAMES): each one's end (Unix ms) and
// how long it took, from waking to the end of its swap.
inline std::vector<std::pair<std::int64_t, double>> Frames(const std::string& log) {
  std::vector<std::pair<std::int64_t, double>> frames;
  std::ifstream in(log);
  std::int64_t at = 0;
  double ms = 0;
  while (in >> at >> ms) frames.emplace_back(at, ms);
  return frames;
}

inline std::int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace kintsugi::testing
