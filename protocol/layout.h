// Where a daemon keeps its files and sockets, derived from the data dir and
// the XDG environment. The daemon and its clients compute the same layout, so
// `kintsugictl --data-dir D` finds the daemon started with `--data-dir D`.
//
//   data dir     --data-dir, else $XDG_DATA_HOME/kintsugi, else ~/.local/share/kintsugi
//                (relative XDG values are ignored, as the XDG spec says)
//   runtime dir  $XDG_RUNTIME_DIR/kintsugi/<16 hex of BLAKE2b(data dir)>
//                (without XDG_RUNTIME_DIR: /tmp/kintsugi-<uid>/<...>), mode 0700
//
// ResolveLayout is pure: the environment comes in as LayoutInputs. The one
// ambient read in protocol/ is LayoutInputsFromEnvironment (getenv, getcwd,
// geteuid), shared by the daemon and its clients. Thread-compatible.
#pragma once

#include <string>

#include "base/result.h"

namespace kintsugi::protocol {

struct LayoutInputs {
  std::string data_dir_flag;    // empty when not given
  std::string xdg_data_home;    // empty when unset
  std::string home;
  std::string xdg_runtime_dir;  // empty when unset
  // Without XDG_RUNTIME_DIR: the login's /run/user/UID when it is a folder of
  // this user's that nobody else may enter (another user cannot take it, as
  // they could a name under /tmp); empty otherwise.
  std::string run_user_dir;
  std::string cwd;              // resolves a relative --data-dir
  unsigned uid = 0;
};

struct Layout {
  std::string data_dir;      // absolute, normalised
  std::string runtime_dir;   // holds the sockets; must be 0700
  std::string db_path;       // data_dir/ledger.db
  std::string key_path;      // data_dir/identity.key
  std::string lock_path;     // data_dir/kintsugid.lock
  std::string control_endpoint;  // ipc://runtime_dir/control
  std::string events_endpoint;   // ipc://runtime_dir/events
  std::string window_lock_path;  // runtime_dir/window.lock: held by a running window
};

// This process's XDG variables, HOME, working directory and effective uid.
LayoutInputs LayoutInputsFromEnvironment(const std::string& data_dir_flag);

// Fails with kInvalidArgument when no data dir can be determined or a socket
// path would exceed the 107-byte limit of Unix socket addresses.
Result<Layout> ResolveLayout(const LayoutInputs& in);

}  // namespace kintsugi::protocol
