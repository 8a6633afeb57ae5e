// A minimal desktop notification server for tests: owns
// org.freedesktop.Notifications on the session bus it is given
// (DBUS_SESSION_BUS_ADDRESS), answers Notify, GetCapabilities,
// GetServerInformation and CloseNotification as the specification says, and
// writes one JSON line per call to the file named by --record:
//   {"ready": true}                          once it owns the name
//   {"id": 3, "app": "Kintsugi", "replaces": 2, "summary": "...", "body": "...",
//    "actions": ["default", "Open Kintsugi"], "hints": ["desktop-entry", ...]}
// SIGUSR1 clicks the newest notification: ActionInvoked(id, "default"),
// then NotificationClosed(id, 2). SIGTERM ends it.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

struct Server {
  std::ofstream record;
  std::uint32_t next_id = 1;
  std::uint32_t newest = 0;

  void Write(const nlohmann::json& line) {
    record << line.dump() << std::endl;  // flushed: the test reads it as it goes
  }
};

int Notify(sd_bus_message* m, void* userdata, sd_bus_error*) {
  auto* server = static_cast<Server*>(userdata);
  const char* app = nullptr;
  std::uint32_t replaces = 0;
  const char* icon = nullptr;
  const char* summary = nullptr;
  const char* body = nullptr;
  int r = sd_bus_message_read(m, "susss", &app, &replaces, &icon, &summary, &body);
  if (r < 0) return r;
  char** actions = nullptr;
  r = sd_bus_message_read_strv(m, &actions);
  if (r < 0) return r;
  nlohmann::json action_list = nlohmann::json::array();
  for (char** a = actions; a != nullptr && *a != nullptr; ++a) {
    action_list.push_back(*a);
    free(*a);
  }
  free(actions);
  nlohmann::json hints = nlohmann::json::array();
  r = sd_bus_message_enter_container(m, 'a', "{sv}");
  if (r < 0) return r;
  while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
    const char* key = nullptr;
    if ((r = sd_bus_message_read(m, "s", &key)) < 0) return r;
    hints.push_back(key);
    if ((r = sd_bus_message_skip(m, "v")) < 0) return r;
    if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  }
  if (r < 0) return r;
  if ((r = sd_bus_message_exit_container(m)) < 0) return r;
  std::int32_t timeout = 0;
  if ((r = sd_bus_message_read(m, "i", &timeout)) < 0) return r;
  const std::uint32_t id = replaces != 0 ? replaces : server->next_id++;
  server->newest = id;
  server->Write({{"id", id}, {"app", app}, {"replaces", replaces}, {"icon", icon}, {"summary", summary},
                 {"body", body}, {"actions", action_list}, {"hints", hints}, {"timeout", timeout}});
  return sd_bus_reply_method_return(m, "u", id);
}

int Capabilities(sd_bus_message* m, void*, sd_bus_error*) {
  sd_bus_message* reply = nullptr;
  int r = sd_bus_message_new_method_return(m, &reply);
  if (r >= 0) r = sd_bus_message_append(reply, "as", 3, "actions", "body", "body-markup");
  if (r >= 0) r = sd_bus_send(nullptr, reply, nullptr);
  sd_bus_message_unref(reply);
  return r;
}

int Information(sd_bus_message* m, void*, sd_bus_error*) {
  return sd_bus_reply_method_return(m, "ssss", "test-notifications", "kintsugi tests", "1.0", "1.2");
}

int Close(sd_bus_message* m, void*, sd_bus_error*) {
  std::uint32_t id = 0;
  int r = sd_bus_message_read(m, "u", &id);
  if (r < 0) return r;
  return sd_bus_reply_method_return(m, "");
}

const sd_bus_vtable kVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("Notify", "susssasa{sv}i", "u", Notify, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("GetCapabilities", "", "as", Capabilities, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("GetServerInformation", "", "ssss", Information, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("CloseNotification", "u", "", Close, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_SIGNAL("ActionInvoked", "us", 0),
    SD_BUS_SIGNAL("NotificationClosed", "uu", 0),
    SD_BUS_VTABLE_END};

}  // namespace

int main(int argc, char** argv) {
  std::string record_path;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--record") == 0) record_path = argv[i + 1];
  }
  if (record_path.empty()) {
    std::fprintf(stderr, "usage: notification_server --record FILE\n");
    return 2;
  }
  Server server;
  server.record.open(record_path, std::ios::app);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  sigaddset(&mask, SIGTERM);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  const int signal_fd = signalfd(-1, &mask, SFD_CLOEXEC);

  sd_bus* bus = nullptr;
  int r = sd_bus_open_user(&bus);
  if (r < 0) {
    std::fprintf(stderr, "notification_server: no session bus: %s\n", std::strerror(-r));
    return 1;
  }
  r = sd_bus_add_object_vtable(bus, nullptr, "/org/freedesktop/Notifications", "org.freedesktop.Notifications",
                               kVtable, &server);
  if (r >= 0) r = sd_bus_request_name(bus, "org.freedesktop.Notifications", 0);
  if (r < 0) {
    std::fprintf(stderr, "notification_server: cannot serve: %s\n", std::strerror(-r));
    return 1;
  }
  server.Write({{"ready", true}});
  for (;;) {
    while ((r = sd_bus_process(bus, nullptr)) > 0) {
    }
    if (r < 0) return 1;
    pollfd fds[2] = {{sd_bus_get_fd(bus), static_cast<short>(sd_bus_get_events(bus)), 0},
                     {signal_fd, POLLIN, 0}};
    if (poll(fds, 2, 1000) < 0) continue;
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo info{};
      if (read(signal_fd, &info, sizeof info) != sizeof info) continue;
      if (info.ssi_signo == SIGTERM) break;
      if (server.newest != 0) {
        sd_bus_emit_signal(bus, "/org/freedesktop/Notifications", "org.freedesktop.Notifications", "ActionInvoked",
                           "us", server.newest, "default");
        sd_bus_emit_signal(bus, "/org/freedesktop/Notifications", "org.freedesktop.Notifications",
                           "NotificationClosed", "uu", server.newest, 2u);
        server.Write({{"clicked", server.newest}});
      }
    }
  }
  sd_bus_flush_close_unref(bus);
  return 0;
}
