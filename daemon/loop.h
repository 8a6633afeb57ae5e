// The daemon's start-up and its one event loop. The loop owns every socket;
// it sleeps in zmq_poll until a request, a message from the partner, a beacon,
// a signal or its next timer (keepalive and beacons every few seconds once
// paired; none before), and stops cleanly on SIGINT or SIGTERM.
//
// Thread-safety: RunDaemon runs on the main thread and returns when stopped.
#pragma once

#include <cstdint>
#include <string>

namespace kintsugi::daemon {

struct DaemonOptions {
  std::string data_dir;                   // empty: the XDG default
  std::string listen = "0.0.0.0:47474";   // sync port; pairing uses port + 1
  bool no_listen = false;
  bool no_discovery = false;
  std::uint16_t discovery_port = 47474;   // UDP
  // A socket (a socketpair's end, from whoever starts the daemon and waits on
  // it, such as the window) told once how the start went: "ready\n" when the
  // daemon serves IPC, or "error MESSAGE\n" when it cannot start; then closed.
  // -1: none.
  int ready_fd = -1;
};

// Runs until SIGINT or SIGTERM. Returns the process exit code: 0 after a
// clean stop, 1 when start-up fails (after logging one clear line why).
int RunDaemon(const DaemonOptions& options);

}  // namespace kintsugi::daemon
