// Opening the window when a notification is clicked: a running window (it
// holds an flock on the layout's window lock) is asked through the
// window.open event; otherwise `kintsugi --open SCREEN` is started, the
// window installed beside kintsugid (or the build tree's), in a session of
// its own; through `systemd-run --user` when systemd runs the daemon, so the
// unit's sandbox stays with the daemon.
//
// Thread-safety: the daemon loop's thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/layout.h"

namespace kintsugi::daemon {

// Whether a window holds the lock at `path` now.
bool WindowRunning(const std::string& path);

// Opens the window on `screen` for the data dir `data_dir_flag` (empty: the
// default). Returns what was done, for `notify.status`.
std::string OpenWindow(const protocol::Layout& layout, const std::string& data_dir_flag, const std::string& screen,
                       const std::function<void(std::string_view, nlohmann::json)>& publish);

}  // namespace kintsugi::daemon
