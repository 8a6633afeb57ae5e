// DesktopBus: the daemon's one connection to the user's session bus, to show
// notifications through org.freedesktop.Notifications and hear which one was
// clicked. sd-bus (libsystemd), driven by the daemon loop: nothing here
// blocks, every call is asynchronous and its answer is read when the bus's
// descriptor is readable.
//
// It loads libsystemd (dlopen) and connects when there is first something to
// show, not before, so a machine without a session bus or a notification
// server costs nothing, not even the library's pages;
// then it says why nothing is shown (status()). A lost connection is
// dropped and made again for the next notification.
//
// Thread-safety: the daemon loop's thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <systemd/sd-bus.h>
#include <zmq.hpp>

#include "protocol/notify.h"

namespace kintsugi::daemon {

class DesktopBus {
 public:
  // Called with the screen of a notification the person clicked.
  using Clicked = std::function<void(const std::string& screen)>;

  explicit DesktopBus(Clicked clicked) : clicked_(std::move(clicked)) {}
  ~DesktopBus();
  DesktopBus(const DesktopBus&) = delete;
  DesktopBus& operator=(const DesktopBus&) = delete;

  // Shows `shown`; with `replace`, in place of the last one shown with
  // `replace` (news from the partner: one on the desktop at a time, the
  // newest). Returns false when there is no session bus (status() says
  // why); a server that refuses is heard later.
  bool Show(const protocol::Shown& shown, bool replace);

  // "shown", "not yet", or why nothing is shown: no session bus, no
  // notification server, or what the server said.
  const std::string& status() const { return status_; }
  std::uint64_t shown_total() const { return shown_total_; }
  // The notification server's name and version, once one answered.
  const std::string& server() const { return server_; }

  // The bus's descriptor while connected, for the loop's poll.
  void AppendPollItems(std::vector<zmq::pollitem_t>& items);
  void HandlePoll(const zmq::pollitem_t* items, std::size_t count);
  // Milliseconds until sd-bus needs to run again (an answer's time-out);
  // UINT64_MAX when nothing waits.
  std::uint64_t MillisUntilNextTimer() const;
  void RunTimers();

 private:
  bool Connect();
  void Drop(const std::string& why);
  void Process();
  static int OnReply(sd_bus_message* m, void* self, sd_bus_error* error);
  static int OnServerInfo(sd_bus_message* m, void* self, sd_bus_error* error);
  static int OnAction(sd_bus_message* m, void* self, sd_bus_error* error);
  static int OnClosed(sd_bus_message* m, void* self, sd_bus_error* error);

  Clicked clicked_;
  sd_bus* bus_ = nullptr;
  std::vector<sd_bus_slot*> slots_;
  std::string status_ = "nothing shown yet";
  std::string server_;
  std::uint32_t last_id_ = 0;  // the server's id of the newest replaceable notification
  struct Pending {
    std::string screen;
    bool replace = false;
  };
  std::map<std::uint64_t, Pending> pending_;  // calls not answered yet, by cookie
  std::map<std::uint32_t, std::string> screens_;  // shown notifications still on the desktop
  std::uint64_t shown_total_ = 0;
};

}  // namespace kintsugi::daemon
