// The daemon's footprint on the file system outside the store: the data dir,
// the 0700 runtime dir that holds the IPC sockets, and the single-instance
// lock. Linux-specific calls live here and in loop.cc.
//
// Thread-safety: call from the main thread during start-up.
#pragma once

#include <string>
#include <utility>

#include "base/files.h"
#include "base/result.h"
#include "protocol/layout.h"

namespace kintsugi::daemon {

// Creates the data dir (0700) if needed.
Status PrepareDataDir(const protocol::Layout& layout);

// Creates the runtime dir and its parent with mode 0700, refusing a parent
// that is a symlink, belongs to another user or is open to others (a shared
// /tmp must not let anyone else plant or read our sockets).
Status PrepareRuntimeDir(const protocol::Layout& layout);

// Removes the socket files and the runtime dir after the sockets are closed,
// so clients see at once that no daemon is running. Best effort.
void RemoveRuntimeDir(const protocol::Layout& layout);

// Holds an exclusive flock on the data dir's lock file for its lifetime.
class InstanceLock {
 public:
  // Fails with kBusy, naming the running daemon's pid, when another daemon
  // holds the lock.
  static Result<InstanceLock> Acquire(const protocol::Layout& layout);
  InstanceLock(InstanceLock&&) noexcept = default;
  InstanceLock& operator=(InstanceLock&&) = delete;

 private:
  explicit InstanceLock(base::UniqueFd fd) : fd_(std::move(fd)) {}
  base::UniqueFd fd_;  // closing it releases the flock
};

}  // namespace kintsugi::daemon
