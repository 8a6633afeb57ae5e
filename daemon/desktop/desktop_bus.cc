#include "daemon/desktop/desktop_bus.h"

#include <dlfcn.h>
#include <poll.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include <cstring>
#include <string>
#include <type_traits>

#include <spdlog/spdlog.h>

namespace kintsugi::daemon {
namespace {

constexpr const char* kService = "org.freedesktop.Notifications";
constexpr const char* kPath = "/org/freedesktop/Notifications";
constexpr const char* kInterface = "org.freedesktop.Notifications";
// How long a server may take to answer; the loop never waits for it.
constexpr std::uint64_t kReplyTimeoutUsec = 5'000'000;
// Notifications still on the desktop that a click is remembered for.
constexpr std::size_t kScreensKept = 16;

std::string ErrnoText(int negative_errno) { return std::strerror(-negative_errno); }


// libsystemd's sd-bus, loaded at the first notification (dlopen): a daemon
// with nothing to show, or on a machine without a desktop, never maps it.
struct SdBusApi {
  decltype(&::sd_bus_call_async) call_async = nullptr;
  decltype(&::sd_bus_call_method_async) call_method_async = nullptr;
  decltype(&::sd_bus_flush_close_unref) flush_close_unref = nullptr;
  decltype(&::sd_bus_get_events) get_events = nullptr;
  decltype(&::sd_bus_get_fd) get_fd = nullptr;
  decltype(&::sd_bus_get_timeout) get_timeout = nullptr;
  decltype(&::sd_bus_match_signal_async) match_signal_async = nullptr;
  decltype(&::sd_bus_message_append) message_append = nullptr;
  decltype(&::sd_bus_message_get_cookie) message_get_cookie = nullptr;
  decltype(&::sd_bus_message_get_error) message_get_error = nullptr;
  decltype(&::sd_bus_message_get_reply_cookie) message_get_reply_cookie = nullptr;
  decltype(&::sd_bus_message_is_method_error) message_is_method_error = nullptr;
  decltype(&::sd_bus_message_new_method_call) message_new_method_call = nullptr;
  decltype(&::sd_bus_message_read) message_read = nullptr;
  decltype(&::sd_bus_message_unref) message_unref = nullptr;
  decltype(&::sd_bus_open_user) open_user = nullptr;
  decltype(&::sd_bus_process) process = nullptr;
  decltype(&::sd_bus_slot_unref) slot_unref = nullptr;
};

// The functions, or null when libsystemd cannot be loaded (`why` says so).
const SdBusApi* LoadSdBus(std::string& why) {
  static const SdBusApi* loaded = nullptr;
  static std::string failure;
  if (loaded != nullptr || !failure.empty()) {
    why = failure;
    return loaded;
  }
  void* lib = ::dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    failure = "libsystemd.so.0 cannot be loaded (the package libsystemd0): " + std::string(::dlerror());
    why = failure;
    return nullptr;
  }
  static SdBusApi api;
  bool complete = true;
  auto Bind = [&](auto& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(::dlsym(lib, name));
    complete = complete && fn != nullptr;
  };
      Bind(api.call_async, "sd_bus_call_async");
      Bind(api.call_method_async, "sd_bus_call_method_async");
      Bind(api.flush_close_unref, "sd_bus_flush_close_unref");
      Bind(api.get_events, "sd_bus_get_events");
      Bind(api.get_fd, "sd_bus_get_fd");
      Bind(api.get_timeout, "sd_bus_get_timeout");
      Bind(api.match_signal_async, "sd_bus_match_signal_async");
      Bind(api.message_append, "sd_bus_message_append");
      Bind(api.message_get_cookie, "sd_bus_message_get_cookie");
      Bind(api.message_get_error, "sd_bus_message_get_error");
      Bind(api.message_get_reply_cookie, "sd_bus_message_get_reply_cookie");
      Bind(api.message_is_method_error, "sd_bus_message_is_method_error");
      Bind(api.message_new_method_call, "sd_bus_message_new_method_call");
      Bind(api.message_read, "sd_bus_message_read");
      Bind(api.message_unref, "sd_bus_message_unref");
      Bind(api.open_user, "sd_bus_open_user");
      Bind(api.process, "sd_bus_process");
      Bind(api.slot_unref, "sd_bus_slot_unref");
  if (!complete) {
    failure = "libsystemd.so.0 lacks sd-bus functions this daemon needs";
    why = failure;
    return nullptr;
  }
  loaded = &api;
  return loaded;
}

// Valid once Connect() has succeeded: every call below is on a live bus.
const SdBusApi& Sd() {
  std::string ignored;
  return *LoadSdBus(ignored);
}
}  // namespace

DesktopBus::~DesktopBus() { Drop(""); }

bool DesktopBus::Connect() {
  if (bus_ != nullptr) return true;
  std::string why;
  if (LoadSdBus(why) == nullptr) {
    if (why != status_) spdlog::info("notify.not_shown reason=\"{}\"", why);
    status_ = why;
    return false;
  }
  // The user's session bus: $DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus.
  int r = Sd().open_user(&bus_);
  if (r < 0) {
    bus_ = nullptr;
    const std::string why = "no session bus (" + ErrnoText(r) + "): desktop notifications need a desktop session";
    if (why != status_) spdlog::info("notify.not_shown reason=\"{}\"", why);  // once, not at every notification
    status_ = why;
    return false;
  }
  sd_bus_slot* slot = nullptr;
  if (Sd().match_signal_async(bus_, &slot, kService, kPath, kInterface, "ActionInvoked", &DesktopBus::OnAction,
                                nullptr, this) >= 0) {
    slots_.push_back(slot);
  }
  if (Sd().match_signal_async(bus_, &slot, kService, kPath, kInterface, "NotificationClosed",
                                &DesktopBus::OnClosed, nullptr, this) >= 0) {
    slots_.push_back(slot);
  }
  // Answers to calls have floating slots: the bus frees them once answered.
  (void)Sd().call_method_async(bus_, nullptr, kService, kPath, kInterface, "GetServerInformation",
                                 &DesktopBus::OnServerInfo, this, "");
  return true;
}

void DesktopBus::Drop(const std::string& why) {
  for (sd_bus_slot* slot : slots_) Sd().slot_unref(slot);
  slots_.clear();
  if (bus_ != nullptr) {
    Sd().flush_close_unref(bus_);
    bus_ = nullptr;
  }
  screens_.clear();
  pending_.clear();
  last_id_ = 0;
  if (!why.empty()) status_ = why;
}

bool DesktopBus::Show(const protocol::Shown& shown, bool replace) {
  if (!Connect()) return false;
  sd_bus_message* call = nullptr;
  int r = Sd().message_new_method_call(bus_, &call, kService, kPath, kInterface, "Notify");
  // app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout (-1: the server's)
  if (r >= 0) {
    r = Sd().message_append(call, "susss", "Kintsugi", replace ? last_id_ : 0u, "kintsugi", shown.summary.c_str(),
                              shown.body.c_str());
  }
  if (r >= 0) r = Sd().message_append(call, "as", 2, "default", "Open Kintsugi");
  // The desktop entry, so the desktop can name and group us; a normal urgency.
  if (r >= 0) r = Sd().message_append(call, "a{sv}", 2, "desktop-entry", "s", "kintsugi", "urgency", "y", 1);
  if (r >= 0) r = Sd().message_append(call, "i", -1);
  if (r >= 0) r = Sd().call_async(bus_, nullptr, call, &DesktopBus::OnReply, this, kReplyTimeoutUsec);
  std::uint64_t cookie = 0;
  if (r >= 0) (void)Sd().message_get_cookie(call, &cookie);
  Sd().message_unref(call);
  if (r < 0) {
    Drop("the session bus did not take the notification (" + ErrnoText(r) + ")");
    return false;
  }
  pending_[cookie] = Pending{shown.screen, replace};
  Process();  // sends it now when the socket takes it; the answer comes later
  return true;
}

int DesktopBus::OnReply(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<DesktopBus*>(userdata);
  if (Sd().message_is_method_error(m, nullptr)) {
    std::uint64_t cookie = 0;
    if (Sd().message_get_reply_cookie(m, &cookie) >= 0) self->pending_.erase(cookie);
    const sd_bus_error* e = Sd().message_get_error(m);
    const std::string name = e != nullptr && e->name != nullptr ? e->name : "";
    const bool absent = name == SD_BUS_ERROR_SERVICE_UNKNOWN || name == SD_BUS_ERROR_NAME_HAS_NO_OWNER;
    const std::string why = absent ? "no notification server on the session bus"
                                   : "the notification server refused: " +
                                         std::string(e != nullptr && e->message != nullptr ? e->message : name);
    if (why != self->status_) spdlog::warn("notify.not_shown reason=\"{}\"", why);
    self->status_ = why;
    return 0;
  }
  std::uint64_t cookie = 0;
  (void)Sd().message_get_reply_cookie(m, &cookie);
  auto pending = self->pending_.find(cookie);
  const Pending call = pending != self->pending_.end() ? pending->second : Pending{"today", false};
  if (pending != self->pending_.end()) self->pending_.erase(pending);
  std::uint32_t id = 0;
  if (Sd().message_read(m, "u", &id) < 0) return 0;
  if (call.replace) self->last_id_ = id;
  self->screens_[id] = call.screen;
  while (self->screens_.size() > kScreensKept) self->screens_.erase(self->screens_.begin());
  self->status_ = "shown";
  ++self->shown_total_;
  return 0;
}

int DesktopBus::OnServerInfo(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<DesktopBus*>(userdata);
  const char* name = nullptr;
  const char* vendor = nullptr;
  const char* version = nullptr;
  const char* spec = nullptr;
  if (!Sd().message_is_method_error(m, nullptr) &&
      Sd().message_read(m, "ssss", &name, &vendor, &version, &spec) >= 0 && name != nullptr) {
    self->server_ = std::string(name) + (version != nullptr && *version != 0 ? " " + std::string(version) : "");
  }
  return 0;
}

int DesktopBus::OnAction(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<DesktopBus*>(userdata);
  std::uint32_t id = 0;
  const char* action = nullptr;
  if (Sd().message_read(m, "us", &id, &action) < 0) return 0;
  auto it = self->screens_.find(id);
  if (it == self->screens_.end()) return 0;  // another program's notification
  if (self->clicked_) self->clicked_(it->second);
  return 0;
}

int DesktopBus::OnClosed(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* self = static_cast<DesktopBus*>(userdata);
  std::uint32_t id = 0;
  if (Sd().message_read(m, "u", &id) < 0) return 0;
  // The action signal comes first; after the close nothing can be clicked.
  self->screens_.erase(id);
  if (id == self->last_id_) self->last_id_ = 0;
  return 0;
}

void DesktopBus::Process() {
  if (bus_ == nullptr) return;
  for (int i = 0; i < 64; ++i) {  // a burst of messages, then back to the loop
    int r = Sd().process(bus_, nullptr);
    if (r < 0) {
      spdlog::info("notify.bus_lost reason=\"{}\"", ErrnoText(r));
      Drop("the session bus went away (" + ErrnoText(r) + ")");
      return;
    }
    if (r == 0) return;
  }
}

void DesktopBus::AppendPollItems(std::vector<zmq::pollitem_t>& items) {
  if (bus_ == nullptr) return;
  const int fd = Sd().get_fd(bus_);
  const int events = Sd().get_events(bus_);
  if (fd < 0 || events < 0) return;
  short zmq_events = 0;
  if (events & POLLIN) zmq_events |= ZMQ_POLLIN;
  if (events & POLLOUT) zmq_events |= ZMQ_POLLOUT;
  items.push_back({nullptr, fd, zmq_events, 0});
}

void DesktopBus::HandlePoll(const zmq::pollitem_t* items, std::size_t count) {
  if (count > 0 && items[0].revents != 0) Process();
}

std::uint64_t DesktopBus::MillisUntilNextTimer() const {
  if (bus_ == nullptr) return UINT64_MAX;
  std::uint64_t at_usec = 0;
  if (Sd().get_timeout(bus_, &at_usec) < 0 || at_usec == UINT64_MAX) return UINT64_MAX;
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const std::uint64_t now_usec = static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
  return at_usec <= now_usec ? 0 : (at_usec - now_usec + 999) / 1000;
}

void DesktopBus::RunTimers() {
  if (MillisUntilNextTimer() == 0) Process();
}

}  // namespace kintsugi::daemon
