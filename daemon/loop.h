// The daemon's start-up and its one event loop. The loop owns every socket;
// it sleeps in zmq_poll until a request or a signal arrives (no timers yet,
// so an idle daemon uses no CPU) and stops cleanly on SIGINT or SIGTERM.
//
// Thread-safety: RunDaemon runs on the main thread and returns when stopped.
#pragma once

#include <string>

namespace kintsugi::daemon {

struct DaemonOptions {
  std::string data_dir;  // empty: the XDG default
};

// Runs until SIGINT or SIGTERM. Returns the process exit code: 0 after a
// clean stop, 1 when start-up fails (after logging one clear line why).
int RunDaemon(const DaemonOptions& options);

}  // namespace kintsugi::daemon
