// Starting kintsugid from the window, and learning how the start went.
//
// The daemon runs in a session of its own and outlives the window; it takes
// nothing of the window's along but standard error. It is handed one end of
// a socketpair (kintsugid --ready-fd): it says "ready" once it serves, or
// "error MESSAGE" when it cannot start; if it dies first, the socket closes.
//
// Thread-safety: one thread's (the window's).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "base/files.h"
#include "base/result.h"

namespace kintsugi::ui {

class DaemonStart {
 public:
  static constexpr std::chrono::seconds kPatience{15};

  DaemonStart() = default;
  ~DaemonStart();
  DaemonStart(const DaemonStart&) = delete;
  DaemonStart& operator=(const DaemonStart&) = delete;

  // The kintsugid to start: the one beside this program (installed
  // together), the build tree's (daemon/kintsugid beside ui/), the install
  // prefix's, else the first on PATH. The places looked in when none is.
  [[nodiscard]] static Result<std::string> FindProgram();

  // Starts kintsugid for `data_dir` (empty: its default).
  [[nodiscard]] Status Begin(const std::string& data_dir);

  // How the start went: nullopt while it may still come up (or none was
  // begun); OK once the daemon serves; else why not: its own first error
  // line, that it stopped before it was ready, or that it did not answer
  // within kPatience.
  std::optional<Status> Poll();

 private:
  void Close();

  base::UniqueFd fd_;  // our end of the socketpair
  std::string heard_;
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace kintsugi::ui
