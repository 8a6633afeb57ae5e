#include "ui/app.h"

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <GL/gl.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#include <stb_image_write.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <optional>
#include <cfloat>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/files.h"
#include "client/client.h"
#include "client/service.h"
#include "protocol/ipc.h"
#include "protocol/ipc_events.h"
#include "protocol/layout.h"
#include "ui/daemon_start.h"
#include "ui/fonts.h"
#include "ui/screens.h"
#include "ui/text.h"
#include "ui/view_model.h"

namespace kintsugi::ui {
namespace {

constexpr int kFramesAfterInput = 3;  // ImGui 1.86 has no input queue
constexpr std::chrono::milliseconds kReadGap{200};

// Set by GLFW's input callbacks: the wake was a person's (a key, a
// character, the pointer, a click, the wheel), not the daemon's.
bool g_input = false;
constexpr float kTextPixels = 17.0f;  // at content scale 1

// Whether the daemon is there, as the event thread last saw it: requests
// made while it is gone fail at once rather than after their time-out.
std::atomic<bool> g_daemon_alive{true};

// The daemon over local IPC; connects (again) when a request finds no daemon.
class IpcLink final : public DaemonLink {
 public:
  explicit IpcLink(std::string data_dir) : options_{std::move(data_dir), std::chrono::milliseconds(3000)} {}

  Result<nlohmann::json> Call(std::string_view method, const nlohmann::json& params) override {
    answered_ = false;
    silent_ = false;
    if (!g_daemon_alive.load()) {
      client_.reset();  // nothing queued for a daemon that is gone may reach the next one
      return MakeError(ErrorCode::kUnavailable, "Kintsugi's background service stopped");
    }
    if (!client_) {
      auto connected = client::Client::Connect(options_);
      if (!connected.ok()) return connected.take_error();
      client_ = std::move(connected).value();
    }
    auto reply = client_->Call(method, params);
    answered_ = client_->answered();
    silent_ = client_->silent();
    if (!answered_) client_.reset();
    return reply;
  }
  bool answered() const override { return answered_; }
  bool silent() const override { return silent_; }

 private:
  bool answered_ = false;
  bool silent_ = false;
  client::ClientOptions options_;
  std::unique_ptr<client::Client> client_;
};

// Runs the view-model's requests (ViewModel::Runner) one at a time and in
// order on its own thread, with a link of its own; what each one returns is
// run back on the window's thread by Finish(), between frames.
class Worker {
 public:
  explicit Worker(std::string data_dir)
      : link_(std::move(data_dir)), thread_([this](std::stop_token stop) { Run(stop); }) {}
  ~Worker() {
    thread_.request_stop();
    wake_.notify_all();
  }

  void Post(ViewModel::Work work) {
    {
      std::lock_guard lock(mu_);
      todo_.push_back(std::move(work));
    }
    wake_.notify_all();
  }

  // Runs what finished; true when something did.
  bool Finish() {
    std::vector<std::function<void()>> finished;
    {
      std::lock_guard lock(mu_);
      finished.swap(finished_);
    }
    for (auto& then : finished) then();
    return !finished.empty();
  }

 private:
  void Run(std::stop_token stop) {
    for (;;) {
      ViewModel::Work work;
      {
        std::unique_lock lock(mu_);
        wake_.wait(lock, [&] { return stop.stop_requested() || !todo_.empty(); });
        if (stop.stop_requested()) return;
        work = std::move(todo_.front());
        todo_.erase(todo_.begin());
      }
      std::function<void()> then = work(link_);
      {
        std::lock_guard lock(mu_);
        finished_.push_back(std::move(then));
      }
      glfwPostEmptyEvent();
    }
  }

  IpcLink link_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<ViewModel::Work> todo_;
  std::vector<std::function<void()>> finished_;
  std::jthread thread_;  // last: stopped and joined first
};

// Listens to the daemon's events on its own thread; each one is queued and
// wakes the window. Twice a second it also asks whether the daemon is still
// there and still the same one (client::DaemonInstance): a daemon that
// stopped is "daemon.gone" within half a second; one that came back, or was
// started again meanwhile, is "connected" (read everything again).
class EventPump {
 public:
  static constexpr std::chrono::milliseconds kWatch{500};

  // A notification was clicked: "open:" and the screen (daemon/desktop/window_opener.h).
  static constexpr std::string_view kOpenPrefix = "open:";

  explicit EventPump(std::string data_dir)
      : thread_([this, dir = std::move(data_dir)](std::stop_token stop) { Run(stop, dir); }) {}

  std::vector<std::string> Take() {
    std::lock_guard lock(mu_);
    return std::exchange(topics_, {});
  }

 private:
  void Run(std::stop_token stop, const std::string& data_dir) {
    std::unique_ptr<client::EventStream> stream;
    std::optional<std::uint64_t> instance;  // the daemon's, while it is there
    auto next_watch = std::chrono::steady_clock::now();
    while (!stop.stop_requested()) {
      if (std::chrono::steady_clock::now() >= next_watch) {
        next_watch = std::chrono::steady_clock::now() + kWatch;
        auto now = client::DaemonInstance({data_dir, std::chrono::milliseconds(1000)});
        if (!now.ok() && instance) {
          instance.reset();
          stream.reset();
          g_daemon_alive = false;
          Push(std::string(ViewModel::kDaemonGone));
        } else if (now.ok() && instance && *now != *instance) {
          stream.reset();  // another start of the daemon: subscribe to it
        }
        if (now.ok()) {
          instance = *now;
          g_daemon_alive = true;
        }
      }
      if (!stream) {
        if (!instance) {
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
          continue;
        }
        auto connected = client::EventStream::Connect({data_dir, std::chrono::milliseconds(1000)});
        if (!connected.ok()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
          continue;
        }
        stream = std::move(connected).value();
        Push("connected");
      }
      auto event = stream->Next(std::chrono::milliseconds(250));
      if (event && event->topic == protocol::kEventWindowOpen) {
        auto open = protocol::ReadMessage<protocol::WindowOpenEvent>(event->data);
        Push(std::string(kOpenPrefix) + (open ? open->screen : ""));
      } else if (event) {
        Push(event->topic);
      }
    }
  }

  void Push(std::string topic) {
    {
      std::lock_guard lock(mu_);
      topics_.push_back(std::move(topic));
    }
    glfwPostEmptyEvent();
  }

  std::mutex mu_;
  std::vector<std::string> topics_;
  std::jthread thread_;
};

// Each frame's time, from waking to the end of its swap, appended to a file
// when KINTSUGI_UI_FRAMES names one ("UNIX_MS MS" per line): what the window
// tests and `make bench` read to find the longest frame while the daemon is
// busy (an unlock, a catch-up) or stopped.
class FrameLog {
 public:
  explicit FrameLog(const char* path) : file_(path != nullptr ? std::fopen(path, "a") : nullptr) {}
  ~FrameLog() {
    if (file_ != nullptr) std::fclose(file_);
  }
  FrameLog(const FrameLog&) = delete;
  FrameLog& operator=(const FrameLog&) = delete;
  void Begin() { began_ = std::chrono::steady_clock::now(); }
  void End() {
    if (file_ == nullptr) return;
    const auto took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began_).count();
    const auto unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
    std::fprintf(file_, "%lld %.3f\n", static_cast<long long>(unix_ms), took);
    std::fflush(file_);
  }

 private:
  std::FILE* file_;
  std::chrono::steady_clock::time_point began_ = std::chrono::steady_clock::now();
};

// The screen a notification asked for, when the window can show it now (not
// before the first run is done, nor while locked).
void OpenOn(ViewModel& vm, std::string_view name) {
  auto screen = ScreenToOpen(name);
  if (screen && vm.initialized() && !vm.locked() && vm.screen() != Screen::kFirstRun) vm.Show(*screen);
}

// An flock on the layout's window lock, held while the window runs. The
// daemon makes the folder it lives in: Take() tries again once it serves.
class WindowLock {
 public:
  explicit WindowLock(const std::string& data_dir) {
    auto layout = protocol::ResolveLayout(protocol::LayoutInputsFromEnvironment(data_dir));
    if (layout.ok()) path_ = layout->window_lock_path;
    Take();
  }
  void Take() {
    if (fd_.valid() || path_.empty()) return;
    base::UniqueFd fd(::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    // Not held: another window of the same data dir has it.
    if (fd.valid() && ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) fd_ = std::move(fd);
  }

 private:
  std::string path_;
  base::UniqueFd fd_;
};

// A screen asked for from the keyboard (Ctrl+1 ... Ctrl+6, in the order of
// kMainScreens): -1 when none is waiting. Set by GLFW's key callback, which
// sees every press (ImGui 1.86 can miss a key pressed and released between
// two frames), applied between frames.
int g_screen_key = -1;

void OnKey(GLFWwindow* window, int key, int, int action, int mods) {
  g_input = true;
  // The quick-hide key: the window closes at once, the daemon runs on.
  if (key == GLFW_KEY_F12 && action == GLFW_PRESS) glfwSetWindowShouldClose(window, GLFW_TRUE);
  constexpr int kScreens = static_cast<int>(std::size(kMainScreens));
  const bool ctrl_alone = (mods & ~(GLFW_MOD_NUM_LOCK | GLFW_MOD_CAPS_LOCK)) == GLFW_MOD_CONTROL;
  if (action == GLFW_PRESS && ctrl_alone && key >= GLFW_KEY_1 && key < GLFW_KEY_1 + kScreens) {
    g_screen_key = key - GLFW_KEY_1;
  }
}

// A new content scale (the window moved to a monitor of another DPI): 0
// when none is waiting. Set by GLFW's callback, applied between frames.
float g_new_scale = 0;

void OnContentScale(GLFWwindow*, float x, float) { g_new_scale = std::max(1.0f, x); }

// Builds the font atlas for every character met so far (ui/fonts.h) and
// gives it to the GPU; the pixels are not kept in memory.
void BuildFonts(float scale) {
  Fonts::Get().Build(kTextPixels * scale);
  ImGui_ImplOpenGL3_DestroyFontsTexture();
  ImGui_ImplOpenGL3_CreateFontsTexture();
  ImGui::GetIO().Fonts->ClearTexData();
}

// A typed character beyond U+FFFF (most emoji) enters the field in its slot
// (ui/text.h): ImGui's 16-bit characters would make it U+FFFD.
void OnChar(GLFWwindow* window, unsigned int c) {
  g_input = true;
  ImGui_ImplGlfw_CharCallback(window, c > 0xFFFF ? text::Slots::Get().SlotFor(c) : c);
}

// The clipboard in and out of fields, with the same slots.
const char* ClipboardText(void* window) {
  static std::string held;
  const char* text = glfwGetClipboardString(static_cast<GLFWwindow*>(window));
  held = text::ForField(text != nullptr ? text : "");
  return held.c_str();
}

void SetClipboardText(void* window, const char* text) {
  glfwSetClipboardString(static_cast<GLFWwindow*>(window), text::FromField(text).c_str());
}

void Render(GLFWwindow* window, ViewModel& vm, ScreenState& state, bool pointer = true) {
  if (Fonts::Get().stale()) BuildFonts(state.scale);  // the last frame met a character without a glyph
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  if (!pointer) ImGui::GetIO().MousePos = ImVec2(-FLT_MAX, -FLT_MAX);  // no hover in screenshots
  ImGui::NewFrame();
  DrawWindow(vm, state);
  ImGui::Render();
  if (Probe::Get().enabled()) {
    nlohmann::json glyphs = Fonts::Get().Describe();
    glyphs["replacements_drawn"] = Fonts::CountReplacementsDrawn();
    Probe::Get().SetGlyphs(std::move(glyphs));
  }
  int w = 0, h = 0;
  glfwGetFramebufferSize(window, &w, &h);
  glViewport(0, 0, w, h);
  const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
  glClearColor(bg.x, bg.y, bg.z, 1.0f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

// Reads the back buffer and writes it as a PNG (rows flipped: GL starts at the bottom).
bool WritePng(GLFWwindow* window, const std::string& path) {
  int w = 0, h = 0;
  glfwGetFramebufferSize(window, &w, &h);
  std::vector<unsigned char> pixels(static_cast<std::size_t>(w) * h * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, w, h, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
  return stbi_write_png(path.c_str(), w, h, 3, pixels.data() + static_cast<std::size_t>(w) * (h - 1) * 3,
                        -w * 3) != 0;
}

int Screenshots(GLFWwindow* window, ViewModel& vm, ScreenState& state, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::vector<Screen> screens;
  if (!vm.initialized()) {
    screens.push_back(Screen::kFirstRun);
  } else {
    screens.assign(std::begin(kMainScreens), std::end(kMainScreens));
    screens.push_back(Screen::kPair);
  }
  for (Screen s : screens) {
    vm.Show(s);
    for (int i = 0; i < 3; ++i) Render(window, vm, state, false);  // layout settles over a few frames
    std::string name(ScreenName(s));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::string path = dir + "/" + name + ".png";
    if (!WritePng(window, path)) {
      std::cerr << "kintsugi: could not write " << path << "\n";
      return 1;
    }
    std::cout << path << "\n";
  }
  return 0;
}

// Renders `frames` frames of one screen as fast as it can and prints the
// frame times (render + swap, as a person's window would do them).
// Start at login through the platform's per-user service (client/service.h).
// What the service manager says is asked once and again only after a change:
// Settings draws every frame, and each question is a subprocess.
// The helpline a person keeps: $XDG_CONFIG_HOME/kintsugi/helpline (or
// ~/.config/kintsugi/helpline), mode 0600, on this computer only.
ViewModel::HelpStore HelpStore() {
  std::string dir;
  if (const char* config = std::getenv("XDG_CONFIG_HOME"); config != nullptr && config[0] == '/') {
    dir = std::string(config) + "/kintsugi";
  } else if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
    dir = std::string(home) + "/.config/kintsugi";
  } else {
    return {};
  }
  const std::string path = dir + "/helpline";
  ViewModel::HelpStore store;
  store.load = [path]() -> std::string {
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.size() <= 4000 ? text : std::string();
  };
  store.save = [dir, path](const std::string& text) -> Status {
    if (text.empty()) {
      std::error_code ec;
      std::filesystem::remove(path, ec);
      return OkStatus();
    }
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return MakeError(ErrorCode::kIo, "cannot make " + dir + ": " + ec.message());
    return base::WritePrivateFile(path, text, base::Replace::kExisting);
  };
  return store;
}

ViewModel::LoginService LoginService() {
  struct Shared {
    std::unique_ptr<ctl::ServiceManager> manager = ctl::NewServiceManager();
    std::optional<bool> enabled;
    bool asked = false;
  };
  auto shared = std::make_shared<Shared>();
  ViewModel::LoginService service;
  service.enabled = [shared]() -> Result<bool> {
    if (!shared->asked) {
      shared->asked = true;
      auto status = shared->manager->Query();
      if (status.ok() && status->manager_running) shared->enabled = status->installed && status->enabled;
    }
    if (!shared->enabled) return MakeError(ErrorCode::kUnavailable, "no per-user service manager");
    return *shared->enabled;
  };
  service.enable = [shared]() -> Status {
    shared->asked = false;
    auto daemon = ctl::DaemonBesideThisProgram();
    if (!daemon.ok()) return daemon.take_error();
    auto installed = shared->manager->Install(*daemon);
    if (!installed.ok()) return installed.take_error();
    return OkStatus();
  };
  service.disable = [shared]() -> Status {
    shared->asked = false;
    auto removed = shared->manager->Uninstall();
    if (!removed.ok()) return removed.take_error();
    return OkStatus();
  };
  return service;
}

int Measure(GLFWwindow* window, ViewModel& vm, ScreenState& state, const AppOptions& options) {
  std::optional<Screen> screen;
  for (Screen s : kMainScreens) {
    std::string name(ScreenName(s));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == options.measure_screen) screen = s;
  }
  if (!screen) {
    std::cerr << "kintsugi: --measure takes one of today, agreements, timeline, progress, together, settings\n";
    return 2;
  }
  vm.Show(*screen);
  if (*screen == Screen::kTimeline) state.scroll_step = 400;
  glfwSwapInterval(0);
  // From the first frame on, reads go to a worker as in the window's own
  // loop (RunApp): a frame never waits for the daemon, and what it read is
  // taken in at the start of the next frame.
  Worker worker(options.data_dir);
  vm.set_runner([&worker](ViewModel::Work work) { worker.Post(std::move(work)); });
  std::vector<double> ms;
  for (int i = 0; i < options.frames; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    worker.Finish();
    Render(window, vm, state, false);
    glfwSwapBuffers(window);
    glFinish();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  vm.set_runner(nullptr);
  // Memory as the kernel counts it: now, and at its peak (font builds included).
  auto status_kib = [](const char* field) -> long {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::strlen(field));
    }
    return -1;
  };
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  auto at = [&](double p) { return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * sorted.size()))]; };
  nlohmann::json out{{"screen", options.measure_screen}, {"frames", options.frames},
                     {"p50_ms", at(0.5)}, {"p99_ms", at(0.99)}, {"max_ms", sorted.back()},
                     {"first_ms", ms.front()}, {"rss_kib", status_kib("VmRSS:")}, {"peak_rss_kib", status_kib("VmHWM:")},
                     {"atlas", Fonts::Get().Describe()}, {"timeline_loaded", vm.timeline().size()}};
  std::cout << out.dump() << std::endl;
  return 0;
}

}  // namespace

int RunApp(const AppOptions& options) {
  if (!glfwInit()) {
    std::cerr << "kintsugi: no display to open a window on (is DISPLAY set?); kintsugictl works without one\n";
    return 1;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  GLFWwindow* window = glfwCreateWindow(options.width, options.height, "Kintsugi", nullptr, nullptr);
  if (window == nullptr) {
    std::cerr << "kintsugi: could not create an OpenGL 3.3 window\n";
    glfwTerminate();
    return 1;
  }
  if (options.x >= 0 && options.y >= 0) glfwSetWindowPos(window, options.x, options.y);
  glfwMakeContextCurrent(window);
  glfwSwapInterval(1);
  float scale = 1.0f;
  glfwGetWindowContentScale(window, &scale, nullptr);
  scale = std::max(1.0f, scale);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // nothing about this window is written to disk
  io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
  ScreenState state;
  state.dark = options.dark;
  state.scale = scale;
  ApplyTheme(state.dark, scale);
  glfwSetKeyCallback(window, OnKey);  // installed first: ImGui's callbacks chain to them
  glfwSetCursorPosCallback(window, [](GLFWwindow*, double, double) { g_input = true; });
  glfwSetMouseButtonCallback(window, [](GLFWwindow*, int, int, int) { g_input = true; });
  glfwSetScrollCallback(window, [](GLFWwindow*, double, double) { g_input = true; });
  glfwSetWindowFocusCallback(window, [](GLFWwindow*, int) { g_input = true; });
  glfwSetCursorEnterCallback(window, [](GLFWwindow*, int) { g_input = true; });
  glfwSetWindowContentScaleCallback(window, OnContentScale);
  ImGui_ImplGlfw_InitForOpenGL(window, true);
  glfwSetCharCallback(window, OnChar);  // after ImGui's, which it calls
  io.GetClipboardTextFn = ClipboardText;
  io.SetClipboardTextFn = SetClipboardText;
  io.ClipboardUserData = window;
  ImGui_ImplOpenGL3_Init("#version 330 core");
  Fonts::Get().Build(kTextPixels * scale);
  ImGui_ImplOpenGL3_CreateDeviceObjects();  // uploads the atlas
  io.Fonts->ClearTexData();
  if (const char* probe = std::getenv("KINTSUGI_UI_PROBE")) Probe::Get().Enable(probe);

  IpcLink link(options.data_dir);
  ViewModel vm(link);
  DaemonStart daemon_start;
  vm.set_daemon_starter({[&daemon_start, dir = options.data_dir] { return daemon_start.Begin(dir); },
                         [&daemon_start] { return daemon_start.Poll(); }});
  if (options.data_dir.empty()) vm.set_login_service(LoginService());  // the service runs the default data dir
  vm.set_help_store(HelpStore());
  // While this window runs, a clicked notification brings it forward
  // instead of starting another (daemon/desktop/window_opener.h).
  WindowLock window_lock(options.data_dir);
  int code = 0;
  if (!options.screenshot_dir.empty() || !options.measure_screen.empty()) {
    // Read here and now: a screenshot or a measurement is of what was read.
    vm.Refresh();
    code = !options.screenshot_dir.empty() ? Screenshots(window, vm, state, options.screenshot_dir)
                                           : Measure(window, vm, state, options);
  } else {
    Worker worker(options.data_dir);
    vm.set_runner([&worker](ViewModel::Work work) { worker.Post(std::move(work)); });
    vm.Refresh();
    std::string open_after_read = options.open_screen;  // opened once the first read says where we are
    FrameLog frame_log(std::getenv("KINTSUGI_UI_FRAMES"));
    EventPump events(options.data_dir);
    int frames_left = kFramesAfterInput;
    std::string title = "Kintsugi";
    // Reads follow events at most every kReadGap: a flood of them (a
    // catch-up of many entries) is shown a few times a second, and leaves
    // the CPU to the daemon receiving it.
    auto last_read = std::chrono::steady_clock::now() - kReadGap;
    while (!glfwWindowShouldClose(window)) {
      if (frames_left > 0) {
        glfwPollEvents();
        --frames_left;
      } else {
        // Ticking only while something counts down or the daemon is away.
        const bool ticking = !vm.connected() || vm.InviteSecondsLeft() > 0;
        std::optional<double> wake = vm.SecondsUntilChange();  // a pause's minutes
        if (ticking) wake = std::min(wake.value_or(1.0), 1.0);
        if (vm.stale()) {
          const double read_in =
              std::chrono::duration<double>(last_read + kReadGap - std::chrono::steady_clock::now()).count();
          wake = std::min(wake.value_or(read_in), std::max(read_in, 0.0));
        }
        g_input = false;
        if (wake) {
          glfwWaitEventsTimeout(std::max(*wake, 0.001));
        } else {
          glfwWaitEvents();
        }
        // A person's input gets a few frames (ImGui 1.86 has no input
        // queue); news from the daemon or the worker, one.
        frames_left = g_input ? kFramesAfterInput : 0;
        if (ticking && !vm.connected()) vm.OnEvent("retry");
      }
      frame_log.Begin();  // awake: from here to the swap is what a person waits for
      // Woken only by the daemon's news, which changes nothing shown until
      // a read brings it: no frame is drawn for it.
      bool news_only = frames_left == 0 && !g_input;
      const std::vector<std::string> topics = events.Take();
      if (topics.empty()) news_only = false;
      for (const auto& topic : topics) {
        if (topic.starts_with(EventPump::kOpenPrefix) || topic == "connected" || topic == ViewModel::kDaemonGone) {
          news_only = false;
        }
        if (topic.starts_with(EventPump::kOpenPrefix)) {
          // To the front, on the screen the notification was about.
          OpenOn(vm, topic.substr(EventPump::kOpenPrefix.size()));
          glfwRestoreWindow(window);
          glfwShowWindow(window);
          glfwFocusWindow(window);
          continue;
        }
        if (topic == "connected") window_lock.Take();
        vm.OnEvent(topic);
      }
      if (worker.Finish()) news_only = false;
      if (!open_after_read.empty() && vm.answered()) OpenOn(vm, std::exchange(open_after_read, ""));
      if (vm.stale() && std::chrono::steady_clock::now() - last_read >= kReadGap) {
        last_read = std::chrono::steady_clock::now();
        vm.Refresh();
      }
      // Whose window it is, when two people share a screen; nothing more.
      if (const std::string want = vm.my_name().empty() ? "Kintsugi" : "Kintsugi: " + vm.my_name(); want != title) {
        title = want;
        glfwSetWindowTitle(window, title.c_str());
      }
      if (g_screen_key >= 0) {
        // Only among the main screens: not before the first run is done, nor
        // while locked, nor past an open dialog (its question waits for an answer).
        const bool dialog = ImGui::IsPopupOpen("", ImGuiPopupFlags_AnyPopupId | ImGuiPopupFlags_AnyPopupLevel);
        if (vm.initialized() && !vm.locked() && vm.screen() != Screen::kFirstRun && !dialog) {
          vm.Show(kMainScreens[g_screen_key]);
        }
        g_screen_key = -1;
      }
      if (g_new_scale != 0) {
        // Text stays crisp: the fonts are rasterised again at the new scale.
        BuildFonts(g_new_scale);
        state.scale = g_new_scale;
        ApplyTheme(state.dark, g_new_scale);
        g_new_scale = 0;
      }
      if (news_only && g_screen_key < 0 && g_new_scale == 0) continue;
      Render(window, vm, state);
      glfwSwapBuffers(window);
      frame_log.End();
      if (Fonts::Get().stale()) frames_left = kFramesAfterInput;  // drawn again with the new glyphs
    }
  }
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return code;
}

}  // namespace kintsugi::ui
